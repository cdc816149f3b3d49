// The staff panel (staff mode, after the PIN): the kiosk's queue polled, « Envoyer maintenant », an
// assisted signup, the kiosk's enrollment, « Fermer le mode personnel » and « Quitter le mode borne ».
import type { QueueStatus } from '../bindings';
import type { Navigation, ScreenPart, Services } from '../context';
import { h } from '../dom';
import { formatDateTime } from '../format';
import { currentLanguage, errorMessage, t, type TranslationKey } from '../i18n';
import { toErrorBody } from '../ipc';
import { buttonRow, screen } from '../screens/common';
import { button, clearFieldErrors, clearInputs, clearText, setI18n } from '../ui';
import { createEnrollment, type EnrollContext } from './enroll';

/** How often `queue_status` is asked while the staff panel is shown. */
export const STAFF_POLL_MS = 5000;
const STAFF_REQUIRED = 'staff.required';

export interface PanelContext
  extends Pick<Services, 'api' | 'info' | 'session' | 'dispatch' | 'screen' | 'show' | 'reset' | 'connected' | 'banner' | 'noticeError'>,
    Pick<Navigation, 'request'>,
    Omit<EnrollContext, 'staffFailed' | 'withStaffBusy'> {
  setOnline(online: boolean): void;
}

export interface StaffPanel extends ScreenPart {
  /** Staff mode just opened: the panel with the queue's figures. */
  open(status: QueueStatus): void;
}

/** « moins d'une minute », « 12 min », « 3 h 5 min »: age of the oldest registration waiting. */
function formatAge(seconds: number): string {
  if (seconds < 60) return t('staff.age_under_minute');
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return t('staff.age_minutes', { minutes });
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? t('staff.age_hours_only', { hours }) : t('staff.age_hours', { hours, minutes: rest });
}

function buildStatus() {
  const value = (id: string): HTMLElement => h('dd', { id });
  const figures = {
    pending: value('staff-pending'),
    sending: value('staff-sending'),
    acknowledged: value('staff-acknowledged'),
    rejected: value('staff-rejected'),
    oldest: value('staff-oldest'),
    lastSync: value('staff-last-sync'),
    lastError: value('staff-last-error'),
    online: value('staff-online'),
  };
  const row = (label: TranslationKey, el: HTMLElement): Node[] => [h('dt', { i18n: label }), el];
  const list = h('dl', { id: 'staff-status', class: 'staff-status' }, [
    ...row('staff.pending', figures.pending),
    ...row('staff.sending', figures.sending),
    ...row('staff.acknowledged', figures.acknowledged),
    ...row('staff.rejected', figures.rejected),
    ...row('staff.oldest', figures.oldest),
    ...row('staff.last_sync', figures.lastSync),
    ...row('staff.last_error', figures.lastError),
    ...row('staff.central', figures.online),
  ]);
  return { figures, list };
}

interface ExitConfirm {
  /** « Quitter le mode borne », and the confirmation it opens under the panel. */
  readonly exit: HTMLButtonElement;
  readonly confirm: HTMLButtonElement;
  readonly panel: HTMLElement;
  /** The confirmation folded away. */
  hide(): void;
}

/** « Quitter le mode borne » asks first; `confirmed` runs on « Oui, quitter ». */
function createExitConfirm(staffOpen: () => boolean, confirmed: (btn: HTMLButtonElement) => void): ExitConfirm {
  const exit = button('btn-staff-exit', 'staff.exit', 'ghost');
  exit.setAttribute('aria-expanded', 'false');
  exit.setAttribute('aria-controls', 'staff-exit-confirm');
  const question = h('p', { id: 'staff-exit-question', class: 'lead', tabindex: '-1', i18n: 'staff.exit_question' });
  const confirm = button('btn-staff-exit-confirm', 'staff.exit_confirm', 'primary');
  const cancel = button('btn-staff-exit-cancel', 'staff.exit_cancel', 'secondary');
  const panel = h(
    'div',
    { id: 'staff-exit-confirm', class: 'staff-exit-confirm', role: 'group', 'aria-labelledby': 'staff-exit-question', hidden: true },
    [question, buttonRow([confirm, cancel])],
  );
  const hide = (): void => {
    panel.hidden = true;
    exit.setAttribute('aria-expanded', 'false');
  };
  exit.addEventListener('click', () => {
    if (!staffOpen()) return;
    panel.hidden = false;
    exit.setAttribute('aria-expanded', 'true');
    question.focus();
  });
  cancel.addEventListener('click', () => {
    hide();
    exit.focus();
  });
  confirm.addEventListener('click', () => {
    confirmed(confirm);
  });
  return { exit, confirm, panel, hide };
}

/** The queue's figures; a dash for each while there are none. */
/**
 * The registrations the central server refused, newest first: the reference the resident was given, when it was
 * taken and refused, and why — no personal data (the panel itself is behind the PIN).
 */
function renderRejected(list: HTMLElement, q: QueueStatus | null): void {
  const rows = q?.rejected_registrations ?? [];
  list.hidden = rows.length === 0;
  const lang = currentLanguage();
  list.replaceChildren(
    h('caption', { i18n: 'staff.rejected_list' }),
    h('thead', {}, [
      h('tr', {}, [
        h('th', { scope: 'col', i18n: 'staff.rejected_reference' }),
        h('th', { scope: 'col', i18n: 'staff.rejected_captured' }),
        h('th', { scope: 'col', i18n: 'staff.rejected_when' }),
        h('th', { scope: 'col', i18n: 'staff.rejected_reason' }),
      ]),
    ]),
    h(
      'tbody',
      {},
      rows.map((r) =>
        h('tr', {}, [
          h('td', { class: 'reference' }, [r.reference]),
          h('td', {}, [formatDateTime(r.captured_at, lang)]),
          h('td', {}, [formatDateTime(r.rejected_at, lang)]),
          h('td', {}, [errorMessage(r.reason)]),
        ]),
      ),
    ),
  );
}

function renderFigures(figures: ReturnType<typeof buildStatus>['figures'], q: QueueStatus | null): void {
  const dash = '—';
  figures.pending.textContent = q ? String(q.pending) : dash;
  figures.sending.textContent = q ? String(q.sending) : dash;
  figures.acknowledged.textContent = q ? String(q.acknowledged) : dash;
  figures.rejected.textContent = q ? String(q.rejected) : dash;
  figures.rejected.classList.toggle('staff-attention', (q?.rejected ?? 0) > 0);
  figures.oldest.textContent = q?.oldest_pending_seconds != null ? formatAge(q.oldest_pending_seconds) : dash;
  figures.lastSync.textContent = q ? (q.last_sync_at ? formatDateTime(q.last_sync_at, currentLanguage()) : t('staff.never')) : dash;
  // In the staff's language: codes the UI knows, others as the generic text (never raw).
  figures.lastError.textContent = q ? (q.last_error === null ? t('staff.no_error') : errorMessage(q.last_error)) : dash;
  figures.lastError.classList.toggle('staff-attention', Boolean(q?.last_error));
  figures.online.textContent = q ? t(q.online ? 'staff.reachable' : 'staff.unreachable') : dash;
  figures.online.classList.toggle('staff-attention', q !== null && !q.online);
}

export function createStaffPanel(ctx: PanelContext): StaffPanel {
  /** The kiosk's queue, as last answered. */
  let queue: QueueStatus | null = null;
  let pollTimer: ReturnType<typeof setTimeout> | null = null;
  let pollGeneration = 0;
  let asked = 0;
  let syncing = false;

  const { figures, list } = buildStatus();
  const rejectedList = h('table', { id: 'staff-rejected-list', class: 'staff-rejected', hidden: true });
  const syncStatus = h('p', { id: 'staff-sync-status', class: 'status-line', role: 'status' });
  const sync = button('btn-staff-sync', 'staff.sync', 'primary');
  const assisted = button('btn-staff-assisted', 'staff.assisted', 'primary');
  const close = button('btn-staff-close', 'staff.close', 'secondary');
  const exit = createExitConfirm(
    () => ctx.session().staff,
    (btn) => void withStaffBusy(btn, exitKiosk),
  );
  const enrollment = createEnrollment({ ...ctx, staffFailed, withStaffBusy });
  const element = screen('staff', 'staff.title', [
    h('h2', { id: 'staff-queue-title', i18n: 'staff.queue_title' }),
    list,
    rejectedList,
    syncStatus,
    buttonRow([sync, assisted]),
    enrollment.element,
    buttonRow([close, exit.exit]),
    exit.panel,
  ]);

  const render = (): void => {
    renderFigures(figures, queue);
    renderRejected(rejectedList, queue);
  };

  /** The staff panel is on screen, staff mode open. */
  function live(): boolean {
    return ctx.screen() === 'staff' && ctx.session().staff && ctx.connected();
  }

  function applyQueue(status: QueueStatus): void {
    queue = status;
    ctx.setOnline(status.online);
    render();
  }

  function stopPolling(): void {
    pollGeneration += 1;
    if (pollTimer !== null) clearTimeout(pollTimer);
    pollTimer = null;
  }

  /** Every STAFF_POLL_MS while the panel is shown, the figures are asked again. */
  function startPolling(): void {
    stopPolling();
    if (!ctx.session().staff) return;
    const generation = pollGeneration;
    const poll = async (): Promise<void> => {
      pollTimer = null;
      if (generation !== pollGeneration || !live()) return;
      // « Envoyer maintenant » running: its answer will bring the figures.
      if (!syncing) await refreshQueue();
      if (generation === pollGeneration && live()) pollTimer = setTimeout(() => void poll(), STAFF_POLL_MS);
    };
    pollTimer = setTimeout(() => void poll(), STAFF_POLL_MS);
  }

  async function refreshQueue(): Promise<void> {
    asked += 1;
    const mine = asked;
    const session = ctx.session().id;
    let status: QueueStatus;
    try {
      status = await ctx.api.queueStatus();
    } catch (e) {
      if (mine === asked && session === ctx.session().id && ctx.screen() === 'staff') staffFailed(e);
      return;
    }
    // Only the answer to the latest question counts, and only for this staff session.
    if (mine !== asked || session !== ctx.session().id || ctx.screen() !== 'staff') return;
    applyQueue(status);
  }

  /** An error on the panel goes to the banner (once, not every 5 s); `staff.required` ends staff mode. */
  function staffFailed(error: unknown): void {
    const body = toErrorBody(error);
    ctx.noticeError(body);
    if (body.code === STAFF_REQUIRED) {
      staffEnded();
      return;
    }
    const codes = ctx.banner.codes();
    if (codes.length !== 1 || codes[0] !== body.code) ctx.banner.set([body.code], body.retry_after_seconds);
  }

  /** The Rust side no longer knows staff mode: only « Fermer le mode personnel » is left. */
  function staffEnded(): void {
    ctx.dispatch({ type: 'staffEnded' });
    stopPolling();
    exit.hide();
    for (const btn of [sync, assisted, exit.exit]) btn.disabled = true;
    enrollment.disable();
    ctx.banner.set([STAFF_REQUIRED]);
  }

  /** Like withBusy, for the panel: once staff mode has ended, the button stays disabled. */
  async function withStaffBusy(btn: HTMLButtonElement, work: () => Promise<void>): Promise<void> {
    if (btn.disabled || !ctx.session().staff) return;
    const session = ctx.session().id;
    btn.disabled = true;
    btn.setAttribute('aria-busy', 'true');
    try {
      await work();
    } finally {
      // After a reset, the wipe has already put the panel back as new.
      if (session === ctx.session().id) {
        btn.removeAttribute('aria-busy');
        btn.disabled = !ctx.session().staff;
      }
    }
  }

  /** « Envoyer maintenant »: the queue is sent now, its figures follow. */
  async function syncQueueNow(): Promise<void> {
    const session = ctx.session().id;
    syncing = true;
    asked += 1;
    const mine = asked;
    setI18n(syncStatus, 'staff.syncing');
    // No queue_status poll answer may overwrite this one's figures.
    let status: QueueStatus;
    try {
      status = await ctx.api.syncNow();
    } catch (e) {
      if (session !== ctx.session().id || ctx.screen() !== 'staff') return;
      clearText(syncStatus);
      staffFailed(e);
      return;
    } finally {
      if (session === ctx.session().id) syncing = false;
    }
    if (session !== ctx.session().id || ctx.screen() !== 'staff' || mine !== asked) return;
    ctx.banner.set([]);
    applyQueue(status);
    setI18n(syncStatus, status.online ? 'staff.sync_done' : 'staff.sync_offline');
  }

  /** « Quitter le mode borne »: the app closes (nothing follows on success). */
  async function exitKiosk(): Promise<void> {
    const session = ctx.session().id;
    try {
      await ctx.api.staffExit();
    } catch (e) {
      if (session !== ctx.session().id || ctx.screen() !== 'staff') return;
      staffFailed(e);
    }
  }

  sync.addEventListener('click', () => {
    void withStaffBusy(sync, syncQueueNow);
  });
  assisted.addEventListener('click', () => {
    if (!ctx.session().staff) return;
    // Step 1 for the resident at the screen, with a staff member: no captcha, consent recorded as assisted.
    ctx.dispatch({ type: 'assist' });
    void ctx.request(false);
  });
  close.addEventListener('click', () => void ctx.reset());

  return {
    element,
    open(status: QueueStatus): void {
      queue = status;
      ctx.setOnline(status.online);
      ctx.show('staff');
    },
    /** The panel as the state has it: the queue's figures, the kiosk's enrollment. */
    draw(): void {
      render();
      enrollment.render();
    },
    drawInfo(): void {
      enrollment.render();
    },
    retranslate: render,
    show(): void {
      exit.hide();
      render();
      startPolling();
    },
    leave: stopPolling,
    clear(): void {
      queue = null;
      stopPolling();
      syncing = false;
      clearText(syncStatus);
      for (const btn of [sync, assisted, exit.exit, exit.confirm, close]) {
        btn.disabled = false;
        btn.removeAttribute('aria-busy');
      }
      clearInputs(element);
      enrollment.clear();
      clearFieldErrors(element);
      exit.hide();
      render();
    },
  };
}
