// The staff PIN dialog: its own keypad (a physical keyboard also works), dots for the digits, the lock
// after too many wrong PINs counted down, and it closes by itself when left alone.
import type { QueueStatus } from '../bindings';
import type { Services, UiPart } from '../context';
import { h } from '../dom';
import { currentLanguage, errorMessage, t, type TranslationKey } from '../i18n';
import { toErrorBody } from '../ipc';
import { keyboardAttrs } from '../keyboard';
import { idleDelaySeconds } from '../shell/idle';
import { button, clearInputs, clearText, setI18n } from '../ui';
import { form } from '../screens/common';

/** Longest PIN the keypad takes. */
const PIN_MAX_LENGTH = 12;
/** Dot shown for each digit typed (the digits themselves are never shown). */
const PIN_DOT = '●';
const STAFF_LOCKED = 'staff.locked';
/** The keypad's digits, in the order of its keys (0 under 8, between « Effacer » and « Valider »). */
const DIGITS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0'] as const;

export interface PinContext extends Pick<Services, 'api' | 'info' | 'screen' | 'connected' | 'noticeError' | 'idleWarningOpen'> {
  /** Modal open: the header and the screens are out of reach. */
  setBackgroundInert(on: boolean): void;
  /** Back to the staff entry (the dialog closed by « Annuler » or Escape). */
  focusStaffEntry(): void;
  /** The PIN was accepted: staff mode, with the queue's figures. */
  opened(status: QueueStatus): void;
}

export interface PinDialog extends UiPart {
  isOpen(): boolean;
  open(): void;
  /** Closes it, forgetting the digits typed; `returnFocus`: back to the staff entry. */
  close(returnFocus: boolean): void;
  /** Someone touched the kiosk: the dialog's own wait starts again (while it is open). */
  activity(): void;
  /** The app left the page: the dialog's wait stops. */
  stopIdle(): void;
}

/** « 4 min 59 s », « 5 min », « 45 s »: how long staff mode stays locked. */
function formatWait(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  if (minutes === 0) return t('staff.wait_seconds', { seconds: rest });
  if (rest === 0) return t('staff.wait_minutes', { minutes });
  return t('staff.wait_minutes_seconds', { minutes, seconds: rest });
}

/** The keys 1 to 9, « Effacer », 0, « Valider ». */
function buildKeypad() {
  const digits = DIGITS.map((digit) => h('button', { id: `pin-key-${digit}`, type: 'button', class: 'btn btn-secondary pin-key' }, [digit]));
  const back = button('pin-key-back', 'staff.pin_back', 'secondary');
  back.classList.add('pin-key', 'pin-key-back');
  const submit = button('pin-submit', 'staff.pin_submit', 'primary', 'submit');
  submit.classList.add('pin-key', 'pin-submit');
  const keypad = h(
    'div',
    { class: 'pin-keypad', role: 'group', 'aria-label': t('staff.keypad'), 'data-i18n': 'staff.keypad', 'data-i18n-attr': 'aria-label' },
    [...digits.slice(0, 9), back, digits[9] ?? null, submit],
  );
  return { keypad, digits, back, submit };
}

function build() {
  const pinInput = h('input', {
    id: 'pin-input',
    class: 'pin-input',
    type: 'password',
    // Its own keypad (below): no on-screen keyboard, no system keyboard.
    ...keyboardAttrs('none'),
    autocomplete: 'off',
    maxlength: PIN_MAX_LENGTH,
    'aria-describedby': 'pin-error',
  });
  // The dots stand for the digits typed; the input under them carries the value for assistive technologies.
  const dots = h('div', { id: 'pin-dots', class: 'pin-dots', 'aria-hidden': 'true' });
  const count = h('p', { id: 'pin-count', class: 'visually-hidden', role: 'status' });
  const error = h('div', { id: 'pin-error', class: 'pin-error', role: 'alert', 'aria-live': 'assertive' });
  const { keypad, digits, back, submit } = buildKeypad();
  const cancel = button('pin-cancel', 'common.cancel', 'ghost');
  cancel.classList.add('pin-cancel');
  const pinForm = form('pin-form', [
    h('div', { class: 'pin-field' }, [
      h('label', { for: 'pin-input', class: 'pin-label', i18n: 'staff.pin_label' }),
      h('div', { class: 'pin-display' }, [dots, pinInput]),
    ]),
    count,
    error,
    keypad,
    cancel,
  ]);
  const element = h(
    'div',
    {
      id: 'staff-pin-dialog',
      class: 'pin-overlay',
      role: 'dialog',
      'aria-modal': 'true',
      'aria-labelledby': 'pin-title',
      'aria-describedby': 'pin-help',
      hidden: true,
    },
    [
      h('div', { class: 'pin-box' }, [
        h('h2', { id: 'pin-title', class: 'pin-title', i18n: 'staff.pin_title' }),
        h('p', { id: 'pin-help', class: 'pin-help', i18n: 'staff.pin_help' }),
        pinForm,
      ]),
    ],
  );
  return { element, form: pinForm, input: pinInput, dots, count, error, digits, back, submit, cancel };
}

export function createPinDialog(ctx: PinContext): PinDialog {
  const ui = build();
  const { element, input: pinInput, error, submit } = ui;
  let idleTimer: ReturnType<typeof setTimeout> | null = null;
  let lockTimer: ReturnType<typeof setInterval> | null = null;
  /** Seconds left of the lock after too many wrong PINs; null for none. */
  let lockLeft: number | null = null;
  /** The message of the dialog: an error code, or a text of the dialog itself. */
  let message: { code: string } | { key: TranslationKey } | null = null;
  let busy = false;
  /** Bumped when the dialog closes: a reply arriving after it is for a dialog no longer there. */
  let generation = 0;

  const isOpen = (): boolean => !element.hidden;
  const locked = (): boolean => lockLeft !== null;

  function stopIdle(): void {
    if (idleTimer !== null) clearTimeout(idleTimer);
    idleTimer = null;
  }

  /** Left alone, the dialog closes by itself (the attract screen must not stay blocked). */
  function armIdle(): void {
    stopIdle();
    if (!isOpen() || !ctx.connected()) return;
    idleTimer = setTimeout(() => {
      idleTimer = null;
      if (ctx.connected()) close(false);
    }, idleDelaySeconds(ctx.info()) * 1000);
  }

  function stopLock(): void {
    if (lockTimer !== null) clearInterval(lockTimer);
    lockTimer = null;
  }

  function messageText(): string {
    if (message === null) return '';
    if ('key' in message) return t(message.key);
    if (message.code === STAFF_LOCKED) {
      const wait = lockLeft !== null ? formatWait(lockLeft) : t('staff.wait_unknown');
      return errorMessage(STAFF_LOCKED, currentLanguage(), { wait });
    }
    return errorMessage(message.code);
  }

  function renderError(): void {
    if (message === null) {
      error.replaceChildren();
      return;
    }
    const countdown = 'code' in message && message.code === STAFF_LOCKED && lockLeft !== null;
    error.replaceChildren(h('p', { 'data-countdown': countdown }, [messageText()]));
  }

  function setMessage(next: typeof message): void {
    message = next;
    renderError();
  }

  /** The digits typed so far (anything else dropped), shown as dots only. */
  function setPin(value: string, announce = false): void {
    const digits = value.replace(/\D/g, '').slice(0, PIN_MAX_LENGTH);
    if (pinInput.value !== digits) pinInput.value = digits;
    ui.dots.textContent = PIN_DOT.repeat(digits.length);
    ui.dots.dataset.count = String(digits.length);
    if (!announce) clearText(ui.count);
    else if (digits.length === 0) setI18n(ui.count, 'staff.pin_count_zero');
    else if (digits.length === 1) setI18n(ui.count, 'staff.pin_count_one');
    else setI18n(ui.count, 'staff.pin_count_many', { n: digits.length });
  }

  /** A new digit or correction: a previous error (not the lock) has been read. */
  function edited(): void {
    if (message !== null && !(lockLeft !== null && 'code' in message && message.code === STAFF_LOCKED)) setMessage(null);
  }

  function typeDigit(digit: string): void {
    if (!isOpen() || pinInput.value.length >= PIN_MAX_LENGTH) return;
    armIdle();
    setPin(pinInput.value + digit, true);
    edited();
  }

  function eraseDigit(): void {
    if (!isOpen()) return;
    armIdle();
    setPin(pinInput.value.slice(0, -1), true);
    edited();
  }

  /** « Trop d'essais… verrouillé pendant 4 min 59 s. », counting down; « Valider » waits for it. */
  function startLock(seconds: number | null): void {
    stopLock();
    lockLeft = seconds !== null && Number.isFinite(seconds) && seconds > 0 ? Math.ceil(seconds) : null;
    setMessage({ code: STAFF_LOCKED });
    submit.disabled = lockLeft !== null;
    if (lockLeft !== null) lockTimer = setInterval(tickLock, 1000);
  }

  function tickLock(): void {
    if (lockLeft === null || !ctx.connected()) {
      stopLock();
      return;
    }
    lockLeft -= 1;
    if (lockLeft > 0) {
      const p = error.querySelector<HTMLElement>('p[data-countdown]');
      if (p) {
        // Only the time changes: screen readers need not re-read the alert every second.
        p.setAttribute('aria-live', 'off');
        p.textContent = messageText();
      } else {
        renderError();
      }
      return;
    }
    stopLock();
    lockLeft = null;
    submit.disabled = busy;
    setMessage(null);
  }

  function open(): void {
    generation += 1;
    setPin('');
    setMessage(null);
    submit.disabled = false;
    ctx.setBackgroundInert(true);
    element.hidden = false;
    pinInput.focus();
    armIdle();
  }

  function close(returnFocus: boolean): void {
    const wasOpen = isOpen();
    generation += 1;
    stopIdle();
    stopLock();
    lockLeft = null;
    busy = false;
    element.hidden = true;
    setPin('');
    setMessage(null);
    submit.disabled = false;
    submit.removeAttribute('aria-busy');
    if (!wasOpen) return;
    if (!ctx.idleWarningOpen()) ctx.setBackgroundInert(false);
    if (returnFocus && ctx.screen() === 'attract') ctx.focusStaffEntry();
  }

  async function submitPin(): Promise<void> {
    if (!isOpen() || busy || lockLeft !== null) return;
    const pin = pinInput.value;
    if (pin === '') {
      setMessage({ key: 'staff.pin_empty' });
      pinInput.focus();
      return;
    }
    const mine = generation;
    busy = true;
    submit.disabled = true;
    submit.setAttribute('aria-busy', 'true');
    let status: QueueStatus;
    try {
      status = await ctx.api.staffLogin({ pin });
    } catch (e) {
      if (mine !== generation) return;
      const body = toErrorBody(e);
      ctx.noticeError(body);
      // Whatever went wrong, the PIN typed is not kept.
      setPin('');
      if (body.code === STAFF_LOCKED) startLock(body.retry_after_seconds);
      else setMessage({ code: body.code });
      pinInput.focus();
      return;
    } finally {
      if (mine === generation) {
        busy = false;
        submit.removeAttribute('aria-busy');
        submit.disabled = locked();
      }
    }
    if (mine !== generation) {
      // The dialog was closed meanwhile: staff mode must not stay open behind the attract screen.
      void ctx.api.staffLogout().catch(() => null);
      return;
    }
    close(false);
    ctx.opened(status);
  }

  ui.digits.forEach((key, i) => {
    key.addEventListener('click', () => {
      typeDigit(DIGITS[i] ?? '');
    });
  });
  ui.back.addEventListener('click', eraseDigit);
  ui.cancel.addEventListener('click', () => {
    close(true);
  });
  pinInput.addEventListener('input', () => {
    setPin(pinInput.value);
    edited();
  });
  ui.form.addEventListener('submit', (event) => {
    event.preventDefault();
    void submitPin();
  });
  // Physical keyboard, wherever the focus is in the dialog: digits, Backspace, Escape.
  element.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      close(true);
      return;
    }
    if (event.target === pinInput || event.ctrlKey || event.metaKey || event.altKey) return;
    if (/^[0-9]$/.test(event.key)) {
      event.preventDefault();
      typeDigit(event.key);
    } else if (event.key === 'Backspace') {
      event.preventDefault();
      eraseDigit();
    }
  });

  return {
    element,
    isOpen,
    open,
    close,
    activity(): void {
      if (isOpen()) armIdle();
    },
    stopIdle,
    retranslate: renderError,
    clear(): void {
      clearInputs(element);
      close(false);
    },
  };
}
