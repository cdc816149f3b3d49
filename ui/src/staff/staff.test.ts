// Staff mode: the discreet entry, the PIN keypad, the queue panel, assisted signup and how it all ends.
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CodeRequestForm, ErrorBody, KioskInfo, Profile, QueueStatus } from '../bindings';
import { STAFF_POLL_MS } from '../app';
import { formatDateTime } from '../format';
import { errorMessage, setLanguage, t } from '../i18n';
import { emptyProfile, flush, INFO, mount, type Handler, type Mounted, type, visibleScreen } from '../test-helpers';

beforeEach(() => {
  setLanguage('fr');
});
afterEach(() => {
  vi.useRealTimers();
  clearMocks();
});

const STAFF_INFO: KioskInfo = { ...INFO, staff_enabled: true };
const PIN = '482913';
const PHONE = '514 555-0100';

const QUEUE: QueueStatus = {
  pending: 3,
  sending: 1,
  acknowledged: 42,
  rejected: 2,
  oldest_pending_seconds: 3900,
  last_sync_at: '2025-03-14T19:30:00Z',
  last_error: 'central.unreachable',
  online: false,
  rejected_registrations: [
    { reference: '7F3A-92C1', captured_at: '2025-03-14T18:02:00Z', rejected_at: '2025-03-14T19:30:00Z', reason: 'consent.unknown_version' },
    { reference: '0B1C-33D4', captured_at: '2025-03-14T17:45:00Z', rejected_at: '2025-03-14T19:30:00Z', reason: 'HTTP 418' },
  ],
};

const EMPTY_QUEUE: QueueStatus = {
  pending: 0,
  sending: 0,
  acknowledged: 0,
  rejected: 0,
  oldest_pending_seconds: null,
  last_sync_at: null,
  last_error: null,
  online: true,
  rejected_registrations: [],
};

function staffError(code: string, retry: number | null = null): ErrorBody {
  return { code, message: code, fields: [], retry_after_seconds: retry };
}

/** The Rust side of staff mode: the right PIN opens it, reset_session and staff_logout close it. */
function staffHandler(extra: Handler = () => undefined, queue: () => QueueStatus = () => QUEUE): Handler {
  let staff = false;
  return (cmd, args) => {
    const answer = extra(cmd, args);
    if (answer !== undefined) return answer;
    switch (cmd) {
      case 'staff_login':
        if ((args as { form: { pin: string } }).form.pin !== PIN) throw staffError('staff.wrong_pin');
        staff = true;
        return queue();
      case 'staff_logout':
      case 'reset_session':
        staff = false;
        return null;
      case 'queue_status':
      case 'sync_now':
        if (!staff) throw staffError('staff.required');
        return queue();
      case 'staff_exit':
        if (!staff) throw staffError('staff.required');
        return null;
      case 'request_code':
        return { mode: 'online', phone_display: PHONE, channel: 'sms', code_expires_at: 'x', fallback: null, resend_after_seconds: 60 };
      case 'delivery_status':
        return { state: 'sent', channel: 'sms', fallback: null };
      default:
        return undefined;
    }
  };
}

async function mountStaff(extra?: Handler, queue?: () => QueueStatus): Promise<Mounted> {
  return mount(staffHandler(extra, queue), STAFF_INFO);
}

const dialog = (m: Mounted): HTMLElement => m.$('#staff-pin-dialog');
const inert = (m: Mounted): boolean => m.root.querySelector('main')?.closest('[inert]') != null;

function press(m: Mounted, keys: string): void {
  for (const k of keys) m.$(`#pin-key-${k}`).click();
}

/** Staff entry, the PIN on the keypad, « Valider »: the staff panel. */
async function logIn(m: Mounted): Promise<void> {
  m.$('#btn-staff').click();
  press(m, PIN);
  m.$('#pin-submit').click();
  await flush();
  expect(visibleScreen(m.root)).toBe('screen-staff');
}

function sentForm(m: Mounted): CodeRequestForm | undefined {
  return (m.calls.find((c) => c.cmd === 'request_code')?.args as { form: CodeRequestForm } | undefined)?.form;
}

describe('staff entry', () => {
  it('does not exist when no staff PIN is configured', async () => {
    const m = await mount();
    expect(m.$('#btn-staff').hidden).toBe(true);
    // Not even built (it is built the first time it opens).
    expect(m.root.querySelector('#staff-pin-dialog')).toBeNull();
  });

  it('is hidden when kiosk_info fails', async () => {
    const m = await mount((cmd) => {
      if (cmd === 'kiosk_info') throw staffError('internal');
      return undefined;
    });
    expect(m.$('#btn-staff').hidden).toBe(true);
  });

  it('is a discreet button of the attract screen, named for screen readers, that opens the PIN dialog', async () => {
    const m = await mountStaff();
    const entry = m.$('#btn-staff');
    expect(entry.hidden).toBe(false);
    expect(entry.tagName).toBe('BUTTON');
    expect(entry.closest('#screen-attract')).not.toBeNull();
    // « Accès du personnel »: « Mode personnel » read as "personal mode".
    expect(entry.getAttribute('aria-label')).toBe('Accès du personnel');
    expect(entry.textContent).not.toContain('Accès du personnel');
    m.$('#btn-lang').click();
    expect(entry.getAttribute('aria-label')).toBe('Staff mode');
    m.$('#btn-lang').click();

    // Touching it does not start a resident's session.
    entry.dispatchEvent(new Event('pointerdown', { bubbles: true }));
    entry.click();
    expect(visibleScreen(m.root)).toBe('screen-attract');
    expect(dialog(m).hidden).toBe(false);
    expect(m.count('reset_session')).toBe(0);
  });
});

describe('PIN dialog', () => {
  it('is a labelled modal dialog, focus inside, and closes back to the entry', async () => {
    const m = await mountStaff();
    m.$('#btn-staff').click();
    const d = dialog(m);
    expect(d.getAttribute('role')).toBe('dialog');
    expect(d.getAttribute('aria-modal')).toBe('true');
    expect(m.$(`#${d.getAttribute('aria-labelledby') ?? ''}`).textContent).toBe(t('staff.pin_title', {}, 'fr'));
    expect(d.contains(document.activeElement)).toBe(true);
    expect(inert(m)).toBe(true);
    expect(m.$('#pin-error').getAttribute('aria-live')).toBe('assertive');
    expect(m.$('#pin-key-back').textContent).toBe('Effacer');
    expect(m.$('#pin-submit').textContent).toBe('Valider');
    expect(m.$('#pin-cancel').textContent).toBe('Annuler');
    expect(m.$('label[for="pin-input"]').textContent).toBe('NIP');

    press(m, '12');
    m.$('#pin-cancel').click();
    expect(d.hidden).toBe(true);
    expect(inert(m)).toBe(false);
    expect(document.activeElement?.id).toBe('btn-staff');
    expect(visibleScreen(m.root)).toBe('screen-attract');
    expect(m.count('staff_login')).toBe(0);

    // Opened again: the digits typed before are gone. Escape closes it too.
    m.$('#btn-staff').click();
    expect(m.$('#pin-dots').textContent).toBe('');
    expect(m.$<HTMLInputElement>('#pin-input').value).toBe('');
    d.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    expect(d.hidden).toBe(true);
    expect(document.activeElement?.id).toBe('btn-staff');
  });

  it('shows the digits typed on the keypad as dots only, and sends the right PIN', async () => {
    const m = await mountStaff();
    m.$('#btn-staff').click();
    press(m, '4829');
    expect(m.$('#pin-dots').textContent).toBe('●●●●');
    press(m, '7');
    m.$('#pin-key-back').click();
    press(m, '13');
    const dots = m.$('#pin-dots').textContent;
    expect(dots).toBe('●●●●●●');
    expect(dots).not.toMatch(/\d/);
    expect(dialog(m).textContent).not.toContain('4829');
    // Never shown as text: the input is a password field under the dots.
    expect(m.$<HTMLInputElement>('#pin-input').type).toBe('password');

    m.$('#pin-submit').click();
    await flush();
    expect(m.calls.filter((c) => c.cmd === 'staff_login').map((c) => c.args)).toEqual([{ form: { pin: PIN } }]);
    expect(visibleScreen(m.root)).toBe('screen-staff');
    expect(dialog(m).hidden).toBe(true);
    expect(inert(m)).toBe(false);
    expect(document.activeElement?.id).toBe('title-staff');
    expect(m.$('#title-staff').textContent).toBe(t('staff.title', {}, 'fr'));
    expect(m.$('#pin-dots').textContent).toBe('');
  });

  it('takes the longest PIN staff may have (12 digits), and no 13th digit', async () => {
    const m = await mountStaff();
    m.$('#btn-staff').click();
    press(m, '4829135741029');
    expect(m.$('#pin-dots').textContent).toBe('●'.repeat(12));
    m.$('#pin-submit').click();
    await flush();
    expect(m.calls.find((c) => c.cmd === 'staff_login')?.args).toEqual({ form: { pin: '482913574102' } });
  });

  it('takes a physical keyboard too', async () => {
    const m = await mountStaff();
    m.$('#btn-staff').click();
    const pinInput = m.$<HTMLInputElement>('#pin-input');
    type(pinInput, '48a2');
    expect(pinInput.value).toBe('482');
    expect(m.$('#pin-dots').textContent).toBe('●●●');
    // Digits typed while a keypad key has the focus.
    m.$('#pin-key-5').focus();
    for (const key of ['9', '1', '3']) {
      m.$('#pin-key-5').dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }));
    }
    expect(m.$('#pin-dots').textContent).toBe('●●●●●●');
    m.$<HTMLFormElement>('#pin-form').requestSubmit();
    await flush();
    expect(m.calls.find((c) => c.cmd === 'staff_login')?.args).toEqual({ form: { pin: PIN } });
    expect(visibleScreen(m.root)).toBe('screen-staff');
  });

  it('says « NIP incorrect. » and clears the PIN after a wrong one', async () => {
    const m = await mountStaff();
    m.$('#btn-staff').click();
    press(m, '0000');
    m.$('#pin-submit').click();
    await flush();
    expect(m.$('#pin-error').textContent).toBe('NIP incorrect.');
    expect(m.$('#pin-dots').textContent).toBe('');
    expect(m.$<HTMLInputElement>('#pin-input').value).toBe('');
    expect(dialog(m).hidden).toBe(false);
    expect(visibleScreen(m.root)).toBe('screen-attract');
    expect(document.activeElement?.id).toBe('pin-input');

    // Typing again clears the message; the right PIN then opens staff mode.
    press(m, PIN);
    expect(m.$('#pin-error').textContent).toBe('');
    m.$('#pin-submit').click();
    await flush();
    expect(visibleScreen(m.root)).toBe('screen-staff');
  });

  it('asks for a PIN before sending anything', async () => {
    const m = await mountStaff();
    m.$('#btn-staff').click();
    m.$('#pin-submit').click();
    await flush();
    expect(m.$('#pin-error').textContent).toBe('Entrez le NIP.');
    expect(m.count('staff_login')).toBe(0);
  });

  it('shows the lock as a live countdown in minutes and seconds, « Valider » waiting for it', async () => {
    let locked = true;
    const m = await mountStaff((cmd) => {
      if (cmd === 'staff_login' && locked) throw staffError('staff.locked', 65);
      return undefined;
    });
    vi.useFakeTimers();
    m.$('#btn-staff').click();
    press(m, '1111');
    m.$('#pin-submit').click();
    await vi.advanceTimersByTimeAsync(0);
    const error = m.$('#pin-error');
    expect(error.textContent).toBe(errorMessage('staff.locked', 'fr', { wait: '1\u00a0min 5\u00a0s' }));
    expect(m.$('#pin-dots').textContent).toBe('');
    expect(m.$<HTMLButtonElement>('#pin-submit').disabled).toBe(true);
    await vi.advanceTimersByTimeAsync(1000);
    expect(error.textContent).toBe(errorMessage('staff.locked', 'fr', { wait: '1\u00a0min 4\u00a0s' }));
    // The countdown is not re-announced every second.
    expect(error.querySelector('p')?.getAttribute('aria-live')).toBe('off');
    await vi.advanceTimersByTimeAsync(4000);
    expect(error.textContent).toBe(errorMessage('staff.locked', 'fr', { wait: '1\u00a0min' }));
    // Typing meanwhile keeps the lock's message; « Valider » still waits.
    press(m, '4');
    expect(error.textContent).toContain('verrouillé pendant 1\u00a0min');
    m.$('#pin-submit').click();
    await vi.advanceTimersByTimeAsync(0);
    expect(m.count('staff_login')).toBe(1);
    await vi.advanceTimersByTimeAsync(15_000);
    expect(error.textContent).toBe(errorMessage('staff.locked', 'fr', { wait: '45\u00a0s' }));
    await vi.advanceTimersByTimeAsync(44_000);
    expect(error.textContent).toBe(errorMessage('staff.locked', 'fr', { wait: '1\u00a0s' }));
    await vi.advanceTimersByTimeAsync(1000);
    expect(error.textContent).toBe('');
    expect(m.$<HTMLButtonElement>('#pin-submit').disabled).toBe(false);

    locked = false;
    m.$('#pin-key-back').click();
    press(m, PIN);
    m.$('#pin-submit').click();
    await vi.advanceTimersByTimeAsync(0);
    expect(visibleScreen(m.root)).toBe('screen-staff');
  });

  it('shows a lock of several minutes in English too', async () => {
    const m = await mountStaff((cmd) => {
      if (cmd === 'staff_login') throw staffError('staff.locked', 300);
      return undefined;
    });
    m.$('#btn-lang').click();
    m.$('#btn-staff').click();
    press(m, '1');
    m.$('#pin-submit').click();
    await flush();
    expect(m.$('#pin-error').textContent).toBe('Too many tries. Staff mode is locked for 5 min.');
  });

  it('shows staff.disabled in the dialog, in English too', async () => {
    const m = await mountStaff((cmd) => {
      if (cmd === 'staff_login') throw staffError('staff.disabled');
      return undefined;
    });
    m.$('#btn-lang').click();
    m.$('#btn-staff').click();
    expect(m.$('#pin-submit').textContent).toBe('Submit');
    press(m, '1');
    m.$('#pin-submit').click();
    await flush();
    expect(m.$('#pin-error').textContent).toBe('Staff mode is not enabled on this kiosk.');
  });

  it('closes by itself when left alone, leaving no timer on the attract screen', async () => {
    const m = await mountStaff();
    vi.useFakeTimers();
    m.$('#btn-staff').click();
    press(m, '12');
    await vi.advanceTimersByTimeAsync(89_000);
    expect(dialog(m).hidden).toBe(false);
    await vi.advanceTimersByTimeAsync(1000);
    expect(dialog(m).hidden).toBe(true);
    expect(inert(m)).toBe(false);
    expect(m.$<HTMLInputElement>('#pin-input').value).toBe('');
    expect(visibleScreen(m.root)).toBe('screen-attract');
    await vi.advanceTimersByTimeAsync(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('staff panel', () => {
  it('shows the queue figures of QueueStatus', async () => {
    const m = await mountStaff();
    await logIn(m);
    const label = (id: string): string => m.$(`#${id}`).previousElementSibling?.textContent ?? '';
    expect(label('staff-pending')).toBe(t('staff.pending', {}, 'fr'));
    expect(label('staff-sending')).toBe(t('staff.sending', {}, 'fr'));
    expect(label('staff-acknowledged')).toBe('Transmises');
    expect(label('staff-rejected')).toBe('Refusées (à vérifier)');
    expect(label('staff-oldest')).toBe('Plus ancienne en attente');
    expect(label('staff-last-sync')).toBe('Dernière synchronisation');
    expect(label('staff-last-error')).toBe('Dernière erreur');
    expect(label('staff-online')).toBe('Service central');
    expect(m.$('#staff-pending').textContent).toBe('3');
    expect(m.$('#staff-sending').textContent).toBe('1');
    expect(m.$('#staff-acknowledged').textContent).toBe('42');
    expect(m.$('#staff-rejected').textContent).toBe('2');
    expect(m.$('#staff-oldest').textContent).toBe(t('staff.age_hours', { hours: 1, minutes: 5 }, 'fr'));
    expect(m.$('#staff-last-sync').textContent).toBe(formatDateTime(QUEUE.last_sync_at ?? '', 'fr'));
    expect(m.$('#staff-last-sync').textContent).toContain('2025');
    // The last error and the refusals' reasons in the staff's language, never raw.
    expect(m.$('#staff-last-error').textContent).toBe('Le service de la ville ne répond pas pour le moment. Veuillez réessayer dans quelques minutes.');
    const rows = Array.from(m.root.querySelectorAll('#staff-rejected-list tbody tr')).map((r) =>
      Array.from(r.querySelectorAll('td')).map((td) => td.textContent),
    );
    expect(rows.map((r) => r[0])).toEqual(['7F3A-92C1', '0B1C-33D4']);
    expect(rows[0]?.[3]).toBe('Le texte des conditions a changé. Veuillez recommencer.');
    expect(rows[1]?.[3]).toBe(t('app.generic_error', {}, 'fr'));
    expect(m.$('#staff-rejected-list caption').textContent).toBe('Inscriptions refusées par le service central');
    expect(m.$('#staff-online').textContent).toBe('injoignable');
    expect(m.$('#btn-staff-sync').textContent).toBe('Envoyer maintenant');
    expect(m.$('#btn-staff-assisted').textContent).toBe('Inscription assistée');
    expect(m.$('#btn-staff-exit').textContent).toBe('Quitter le mode borne');
    expect(m.$('#btn-staff-close').textContent).toBe(t('staff.close', {}, 'fr'));
    expect(m.$('#step-indicator').hidden).toBe(true);

    // In English, the date in English.
    m.$('#btn-lang').click();
    expect(m.$('#staff-last-sync').textContent).toBe(formatDateTime(QUEUE.last_sync_at ?? '', 'en'));
    expect(m.$('#staff-online').textContent).toBe('unreachable');
    expect(label('staff-pending')).toBe('Registrations waiting to be sent');
  });

  it('says « — », « jamais », « aucune » and « joignable » when there is nothing to report', async () => {
    const m = await mountStaff(undefined, () => EMPTY_QUEUE);
    await logIn(m);
    expect(m.$('#staff-pending').textContent).toBe('0');
    expect(m.$('#staff-oldest').textContent).toBe('—');
    expect(m.$('#staff-last-sync').textContent).toBe('jamais');
    expect(m.$('#staff-last-error').textContent).toBe('aucune');
    expect(m.$('#staff-online').textContent).toBe('joignable');
  });

  it('« Envoyer maintenant » calls sync_now, busy meanwhile, then shows the new figures', async () => {
    const sync: { answer?: (v: QueueStatus) => void } = {};
    const m = await mountStaff((cmd) => {
      if (cmd === 'sync_now') {
        return new Promise((resolve) => {
          sync.answer = resolve;
        });
      }
      return undefined;
    });
    await logIn(m);
    const btn = m.$<HTMLButtonElement>('#btn-staff-sync');
    btn.click();
    await flush();
    expect(m.count('sync_now')).toBe(1);
    expect(btn.disabled).toBe(true);
    expect(btn.getAttribute('aria-busy')).toBe('true');
    expect(m.$('#staff-sync-status').textContent).toBe('Envoi en cours…');
    btn.click();
    await flush();
    expect(m.count('sync_now')).toBe(1);

    sync.answer?.({ ...QUEUE, pending: 0, sending: 0, acknowledged: 46, oldest_pending_seconds: null, online: true, last_error: null });
    await flush();
    expect(btn.disabled).toBe(false);
    expect(btn.hasAttribute('aria-busy')).toBe(false);
    expect(m.$('#staff-pending').textContent).toBe('0');
    expect(m.$('#staff-acknowledged').textContent).toBe('46');
    expect(m.$('#staff-oldest').textContent).toBe('—');
    expect(m.$('#staff-online').textContent).toBe('joignable');
    expect(m.$('#staff-last-error').textContent).toBe('aucune');
    expect(m.$('#staff-sync-status').textContent).toBe(t('staff.sync_done', {}, 'fr'));
  });

  it('asks queue_status every 5 s while shown, and no more once left', async () => {
    let queue = QUEUE;
    const m = await mountStaff(undefined, () => queue);
    vi.useFakeTimers();
    await logIn(m);
    expect(m.count('queue_status')).toBe(0);
    queue = { ...QUEUE, pending: 7 };
    await vi.advanceTimersByTimeAsync(STAFF_POLL_MS - 1);
    expect(m.count('queue_status')).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(m.count('queue_status')).toBe(1);
    expect(m.$('#staff-pending').textContent).toBe('7');
    await vi.advanceTimersByTimeAsync(STAFF_POLL_MS);
    expect(m.count('queue_status')).toBe(2);

    m.$('#btn-staff-close').click();
    await vi.advanceTimersByTimeAsync(0);
    expect(visibleScreen(m.root)).toBe('screen-attract');
    await vi.advanceTimersByTimeAsync(STAFF_POLL_MS * 4);
    expect(m.count('queue_status')).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('« Fermer le mode personnel » calls staff_logout and goes back to the attract screen', async () => {
    const m = await mountStaff();
    await logIn(m);
    m.$('#btn-staff-close').click();
    await flush();
    expect(m.count('staff_logout')).toBe(1);
    expect(m.count('reset_session')).toBe(1);
    expect(visibleScreen(m.root)).toBe('screen-attract');
    expect(m.$('#staff-pending').textContent).toBe('—');
  });

  it('when the Rust side has ended staff mode, says so and leaves only « Fermer »', async () => {
    const m = await mountStaff((cmd) => {
      if (cmd === 'sync_now') throw staffError('staff.required');
      return undefined;
    });
    await logIn(m);
    m.$('#btn-staff-sync').click();
    await flush();
    expect(m.$('#form-error').textContent).toBe(errorMessage('staff.required', 'fr'));
    expect(m.$<HTMLButtonElement>('#btn-staff-sync').disabled).toBe(true);
    expect(m.$<HTMLButtonElement>('#btn-staff-assisted').disabled).toBe(true);
    expect(m.$<HTMLButtonElement>('#btn-staff-exit').disabled).toBe(true);
    m.$('#btn-staff-close').click();
    await flush();
    expect(visibleScreen(m.root)).toBe('screen-attract');
    expect(m.$<HTMLButtonElement>('#btn-staff-sync').disabled).toBe(false);
  });

  it('« Quitter le mode borne » asks for a confirmation first, then calls staff_exit', async () => {
    const m = await mountStaff();
    await logIn(m);
    const exit = m.$('#btn-staff-exit');
    exit.click();
    expect(m.count('staff_exit')).toBe(0);
    const confirm = m.$('#staff-exit-confirm');
    expect(confirm.hidden).toBe(false);
    expect(exit.getAttribute('aria-expanded')).toBe('true');
    expect(document.activeElement?.id).toBe('staff-exit-question');
    expect(m.$('#staff-exit-question').textContent).toContain('Quitter le mode borne\u202f?');

    m.$('#btn-staff-exit-cancel').click();
    expect(confirm.hidden).toBe(true);
    expect(document.activeElement?.id).toBe('btn-staff-exit');
    expect(m.count('staff_exit')).toBe(0);

    exit.click();
    m.$('#btn-staff-exit-confirm').click();
    await flush();
    expect(m.count('staff_exit')).toBe(1);
  });

  it('times out like a resident session: idle warning, then the wipe ends staff mode', async () => {
    const m = await mountStaff();
    vi.useFakeTimers();
    await logIn(m);
    await vi.advanceTimersByTimeAsync(90_000);
    expect(m.$('#idle-warning').hidden).toBe(false);
    expect(visibleScreen(m.root)).toBe('screen-staff');
    await vi.advanceTimersByTimeAsync(30_000);
    expect(visibleScreen(m.root)).toBe('screen-attract');
    expect(m.count('reset_session')).toBe(1);
    expect(m.count('staff_logout')).toBe(1);
    const polls = m.count('queue_status');
    await vi.advanceTimersByTimeAsync(STAFF_POLL_MS * 4);
    expect(m.count('queue_status')).toBe(polls);
    await vi.advanceTimersByTimeAsync(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('assisted signup', () => {
  it('hides the captcha, says it is assisted and sends staff_assisted true', async () => {
    const m = await mountStaff();
    await logIn(m);
    m.$('#btn-staff-assisted').click();
    await flush();
    expect(visibleScreen(m.root)).toBe('screen-request');
    expect(m.$('#step-indicator').textContent).toBe('Étape 1 de 5');
    const note = m.$('#assisted-note');
    expect(note.hidden).toBe(false);
    expect(note.textContent).toBe('Inscription assistée par le personnel');
    expect(m.$('#captcha-block').hidden).toBe(true);
    expect(m.$('#captcha-answer').closest('[hidden]')).not.toBeNull();
    expect(m.count('captcha_new')).toBe(0);

    type(m.$<HTMLInputElement>('#phone'), PHONE);
    m.$<HTMLInputElement>('#channel-sms').click();
    m.$<HTMLInputElement>('#consent').click();
    m.$('#btn-request-submit').click();
    await flush();
    expect(sentForm(m)).toEqual({
      phone: PHONE,
      channel: 'sms',
      captcha_answer: '',
      consent_accepted: true,
      language: 'fr',
      staff_assisted: true,
    });
    // The rest of the flow is unchanged.
    expect(visibleScreen(m.root)).toBe('screen-code');
    expect(m.count('captcha_new')).toBe(0);
  });

  it('no new captcha after an error either', async () => {
    const m = await mountStaff((cmd) => {
      if (cmd === 'request_code') {
        throw { code: 'validation', message: '', fields: [{ field: 'consent', code: 'consent.required' }], retry_after_seconds: null };
      }
      return undefined;
    });
    await logIn(m);
    m.$('#btn-staff-assisted').click();
    await flush();
    m.$('#btn-request-submit').click();
    await flush();
    expect(m.$('#error-consent').hidden).toBe(false);
    expect(m.count('captcha_new')).toBe(0);
    expect(m.$('#captcha-block').hidden).toBe(true);
  });

  it('a normal signup still has the captcha and sends staff_assisted false', async () => {
    const m = await mountStaff();
    m.$('#btn-start').click();
    m.$('#btn-new-user').click();
    await flush();
    expect(m.$('#assisted-note').hidden).toBe(true);
    expect(m.$('#captcha-block').hidden).toBe(false);
    expect(m.count('captcha_new')).toBe(1);
    type(m.$<HTMLInputElement>('#phone'), PHONE);
    m.$<HTMLInputElement>('#channel-sms').click();
    type(m.$<HTMLInputElement>('#captcha-answer'), 'XYZ');
    m.$<HTMLInputElement>('#consent').click();
    m.$('#btn-request-submit').click();
    await flush();
    expect(sentForm(m)).toEqual({
      phone: PHONE,
      channel: 'sms',
      captcha_answer: 'XYZ',
      consent_accepted: true,
      language: 'fr',
      staff_assisted: false,
    });
  });

  it.each([
    ['Annuler', '#btn-cancel-code'],
    ['the idle wipe', null],
  ])('ends with staff mode on %s: the next resident is a normal one', async (_how, cancel) => {
    const m = await mountStaff();
    vi.useFakeTimers();
    await logIn(m);
    m.$('#btn-staff-assisted').click();
    await vi.advanceTimersByTimeAsync(0);
    type(m.$<HTMLInputElement>('#phone'), PHONE);
    m.$<HTMLInputElement>('#channel-sms').click();
    m.$<HTMLInputElement>('#consent').click();
    m.$('#btn-request-submit').click();
    await vi.advanceTimersByTimeAsync(0);
    expect(visibleScreen(m.root)).toBe('screen-code');

    if (cancel) m.$(cancel).click();
    else await vi.advanceTimersByTimeAsync(120_000);
    await vi.advanceTimersByTimeAsync(0);
    expect(visibleScreen(m.root)).toBe('screen-attract');
    expect(m.count('reset_session')).toBe(1);
    expect(m.count('staff_logout')).toBe(1);
    expect(document.body.textContent).not.toContain(PHONE);

    // The next resident: captcha back, no note, staff_assisted false.
    m.$('#btn-start').click();
    m.$('#btn-new-user').click();
    await vi.advanceTimersByTimeAsync(0);
    expect(m.$('#assisted-note').hidden).toBe(true);
    expect(m.$('#captcha-block').hidden).toBe(false);
    expect(m.count('captcha_new')).toBe(1);
    m.$('#btn-request-submit').click();
    await vi.advanceTimersByTimeAsync(0);
    const forms = m.calls.filter((c) => c.cmd === 'request_code').map((c) => (c.args as { form: CodeRequestForm }).form);
    expect(forms.map((f) => f.staff_assisted)).toEqual([true, false]);
    // And the staff panel is out of reach without the PIN again.
    expect(m.count('queue_status')).toBe(0);
  });

  it('« Terminer » after an assisted signup ends staff mode too', async () => {
    const m = await mountStaff((cmd, args) => {
      if (cmd === 'login') {
        return { phone_display: PHONE, existing_profile: false, profile: emptyProfile(), offline: false, pending_change: null };
      }
      if (cmd === 'save_profile') {
        const profile = (args as { profile: Profile }).profile;
        return { mode: 'online', profile, saved_at: '2025-03-14T19:30:00Z' };
      }
      return undefined;
    });
    await logIn(m);
    m.$('#btn-staff-assisted').click();
    await flush();
    type(m.$<HTMLInputElement>('#phone'), PHONE);
    m.$<HTMLInputElement>('#channel-sms').click();
    m.$<HTMLInputElement>('#consent').click();
    m.$('#btn-request-submit').click();
    await flush();
    type(m.$<HTMLInputElement>('#code'), '123456');
    m.$('#btn-code-submit').click();
    m.$('#btn-login').click();
    await flush();
    expect(visibleScreen(m.root)).toBe('screen-profile');
    type(m.$<HTMLInputElement>('#name'), 'Tremblay');
    type(m.$<HTMLSelectElement>('#contacts [data-field="kind"]'), 'landline');
    m.$('#btn-profile-submit').click();
    await flush();
    expect(visibleScreen(m.root)).toBe('screen-done');

    m.$('#btn-finish').click();
    await flush();
    expect(visibleScreen(m.root)).toBe('screen-attract');
    expect(m.count('reset_session')).toBe(1);
    expect(m.count('staff_logout')).toBe(1);
    expect(document.body.textContent).not.toContain('Tremblay');
    m.$('#btn-start').click();
    m.$('#btn-new-user').click();
    await flush();
    expect(m.$('#assisted-note').hidden).toBe(true);
    expect(m.$('#captcha-block').hidden).toBe(false);
  });
});
