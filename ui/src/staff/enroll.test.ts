// Kiosk enrollment: the staff panel's « Inscription de la borne », and the attract screen of a kiosk
// that is not in service (not enrolled, or refused by the central server).
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Connectivity, ErrorBody, KioskInfo } from '../bindings';
import { CONNECTIVITY_POLL_MS } from '../app';
import { errorMessage, setLanguage, t } from '../i18n';
import {
  ENROLL_CODE,
  ENROLLED_NAME,
  flush,
  INFO,
  mount,
  type Handler,
  type Mounted,
  type,
  typeOnKeys,
  visibleScreen,
} from '../test-helpers';

beforeEach(() => {
  setLanguage('fr');
});
afterEach(() => {
  vi.useRealTimers();
  clearMocks();
});

const PIN = '482913';
const NOT_ENROLLED: KioskInfo = { ...INFO, staff_enabled: true, enrolled: false, kiosk_name: null };
const ENROLLED: KioskInfo = { ...INFO, staff_enabled: true, enrolled: true, kiosk_name: 'Hôtel de ville' };
const NOTICE = t('attract.not_enrolled', {}, 'fr');

function failure(code: string): ErrorBody {
  return { code, message: code, fields: [], retry_after_seconds: null };
}

/**
 * The Rust side: staff mode with the PIN; kiosk_info follows enrollment; `enroll_kiosk` answers with the
 * default mock (ENROLL_CODE accepted) unless `extra` says otherwise.
 */
function handler(start: KioskInfo, extra: Handler = () => undefined): { handle: Handler; info: () => KioskInfo } {
  let info = start;
  let staff = false;
  const handle: Handler = (cmd, args) => {
    const answer = extra(cmd, args);
    if (answer !== undefined) return answer;
    switch (cmd) {
      case 'kiosk_info':
        return info;
      case 'staff_login':
        if ((args as { form: { pin: string } }).form.pin !== PIN) throw failure('staff.wrong_pin');
        staff = true;
        return { pending: 0, sending: 0, acknowledged: 0, rejected: 0, oldest_pending_seconds: null, last_sync_at: null, last_error: null, online: true, rejected_registrations: [] };
      case 'staff_logout':
      case 'reset_session':
        staff = false;
        return null;
      case 'enroll_kiosk': {
        if (!staff) throw failure('staff.required');
        const code = (args as { form: { code: string } }).form.code;
        if (code.replace(/-/g, '') !== ENROLL_CODE.replace(/-/g, '')) throw failure('enroll.invalid_code');
        info = { ...info, enrolled: true, kiosk_name: ENROLLED_NAME };
        return { kiosk_name: ENROLLED_NAME };
      }
      default:
        return undefined;
    }
  };
  return { handle, info: () => info };
}

async function logIn(m: Mounted): Promise<void> {
  m.$('#btn-staff').click();
  for (const k of PIN) m.$(`#pin-key-${k}`).click();
  m.$('#pin-submit').click();
  await flush();
  expect(visibleScreen(m.root)).toBe('screen-staff');
}

const notice = (m: Mounted): HTMLElement => m.$('#not-enrolled');

describe('attract screen of a kiosk not in service', () => {
  it('shows the notice instead of the start, and the start touch does nothing; the staff entry still works', async () => {
    const m = await mount(handler(NOT_ENROLLED).handle, NOT_ENROLLED);
    expect(notice(m).hidden).toBe(false);
    expect(notice(m).textContent).toBe(NOTICE);
    expect(notice(m).closest('#screen-attract')).not.toBeNull();
    expect(m.$('#btn-start').hidden).toBe(true);
    m.$('#screen-attract').dispatchEvent(new Event('pointerdown', { bubbles: true }));
    m.$('#screen-attract').click();
    m.$('#btn-start').click();
    m.$('#title-attract').dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    await flush();
    expect(visibleScreen(m.root)).toBe('screen-attract');
    expect(m.count('captcha_new')).toBe(0);

    m.$('#btn-lang').click();
    expect(notice(m).textContent).toBe('This kiosk is not in service yet. A staff member must enroll it.');
    m.$('#btn-lang').click();

    // Staff can still come in (to enroll it).
    await logIn(m);
  });

  it('is not shown for an enrolled kiosk, nor when kiosk_info failed', async () => {
    const m = await mount();
    expect(notice(m).hidden).toBe(true);
    expect(m.$('#btn-start').hidden).toBe(false);
    const failed = await mount((cmd) => {
      if (cmd === 'kiosk_info') throw failure('internal');
      return undefined;
    });
    expect(notice(failed).hidden).toBe(true);
    failed.$('#btn-start').click();
    expect(visibleScreen(failed.root)).toBe('screen-home');
  });

  it('follows connectivity: refused by the central server shows it too, until it is no longer refused', async () => {
    // (Only the fields this test is about: the Rust side may add others.)
    let answer: Pick<Connectivity, 'online' | 'refused'> = { online: true, refused: true };
    vi.useFakeTimers();
    const m = await mount((cmd) => (cmd === 'connectivity' ? answer : undefined));
    expect(notice(m).hidden).toBe(false);
    expect(notice(m).textContent).toBe(NOTICE);
    expect(m.$('#btn-start').hidden).toBe(true);
    m.$('#screen-attract').click();
    expect(visibleScreen(m.root)).toBe('screen-attract');
    // Refused is not out of reach: no offline banner.
    expect(m.$('#offline-banner').hidden).toBe(true);

    answer = { online: true, refused: false };
    await vi.advanceTimersByTimeAsync(CONNECTIVITY_POLL_MS);
    await flush();
    expect(m.count('connectivity')).toBe(2);
    expect(notice(m).hidden).toBe(true);
    expect(m.$('#btn-start').hidden).toBe(false);
    m.$('#btn-start').click();
    expect(visibleScreen(m.root)).toBe('screen-home');
  });
});

describe('staff panel: « Inscription de la borne »', () => {
  it('shows the name of an enrolled kiosk, and « not enrolled » otherwise', async () => {
    const m = await mount(handler(ENROLLED).handle, ENROLLED);
    await logIn(m);
    expect(m.$('#staff-enroll-title').textContent).toBe('Inscription de la borne');
    expect(m.$('#enroll-current').textContent).toBe(t('staff.enroll_current', { name: 'Hôtel de ville' }, 'fr'));
    expect(m.$('#btn-enroll').textContent).toBe('Inscrire la borne');
    expect(m.$('label[for="enroll-code"]').textContent).toBe(t('staff.enroll_code', {}, 'fr'));
    expect(m.$('#enroll-status').getAttribute('role')).toBe('status');
    expect(m.$('#enroll-code').getAttribute('data-keyboard')).toBe('text');

    const other = await mount(handler(NOT_ENROLLED).handle, NOT_ENROLLED);
    await logIn(other);
    expect(other.$('#enroll-current').textContent).toBe(t('staff.enroll_none', {}, 'fr'));
    other.$('#btn-lang').click();
    expect(other.$('#enroll-current').textContent).toBe('This kiosk is not enrolled.');
    expect(other.$('#btn-enroll').textContent).toBe('Enroll this kiosk');
  });

  it('enrolls with the code typed on the keys: « Borne inscrite : <name> », the name and the attract screen follow', async () => {
    const rust = handler(NOT_ENROLLED);
    const m = await mount(rust.handle, NOT_ENROLLED);
    await logIn(m);
    const field = m.$<HTMLInputElement>('#enroll-code');
    field.focus();
    // A code of capitals: the letter keyboard opens with Shift locked.
    expect(m.$('#osk').hidden).toBe(false);
    expect(m.$('#osk').dataset.layout).toBe('text');
    typeOnKeys(m, ENROLL_CODE);
    expect(field.value).toBe(ENROLL_CODE);
    m.$('#btn-enroll').click();
    await flush();
    expect(m.calls.filter((c) => c.cmd === 'enroll_kiosk').map((c) => c.args)).toEqual([{ form: { code: ENROLL_CODE } }]);
    expect(m.$('#enroll-status').textContent).toBe(t('staff.enroll_done', { name: ENROLLED_NAME }, 'fr'));
    expect(m.$('#enroll-current').textContent).toBe(t('staff.enroll_current', { name: ENROLLED_NAME }, 'fr'));
    expect(m.$('#error-enroll-code').hidden).toBe(true);
    expect(field.value).toBe('');
    // kiosk_info asked again after the enrollment.
    expect(m.count('kiosk_info')).toBe(2);
    m.$('#btn-lang').click();
    expect(m.$('#enroll-status').textContent).toBe(`Kiosk enrolled: ${ENROLLED_NAME}`);

    m.$('#btn-staff-close').click();
    await flush();
    expect(visibleScreen(m.root)).toBe('screen-attract');
    expect(notice(m).hidden).toBe(true);
    expect(m.$('#btn-start').hidden).toBe(false);
    expect(m.$('#enroll-status').textContent).toBe('');
  });

  it('uppercases what is typed (hyphens optional) and sends it without surrounding spaces', async () => {
    const m = await mount(handler(NOT_ENROLLED).handle, NOT_ENROLLED);
    await logIn(m);
    const field = m.$<HTMLInputElement>('#enroll-code');
    type(field, ' k7qxm3paw9tr ');
    expect(field.value).toBe(' K7QXM3PAW9TR ');
    m.$('#btn-enroll').click();
    await flush();
    expect(m.calls.find((c) => c.cmd === 'enroll_kiosk')?.args).toEqual({ form: { code: 'K7QXM3PAW9TR' } });
    expect(m.$('#enroll-status').textContent).toBe(t('staff.enroll_done', { name: ENROLLED_NAME }, 'fr'));
  });

  it('an invalid code: the error next to the field, what was typed kept, cleared by typing', async () => {
    const m = await mount(handler(NOT_ENROLLED).handle, NOT_ENROLLED);
    await logIn(m);
    const field = m.$<HTMLInputElement>('#enroll-code');
    type(field, 'abcd-efgh-ijkl');
    m.$('#btn-enroll').click();
    await flush();
    const error = m.$('#error-enroll-code');
    expect(error.hidden).toBe(false);
    expect(error.textContent).toBe(
      errorMessage('enroll.invalid_code', 'fr'),
    );
    expect(field.getAttribute('aria-describedby')?.split(' ')).toContain('error-enroll-code');
    expect(field.getAttribute('aria-invalid')).toBe('true');
    expect(field.value).toBe('ABCD-EFGH-IJKL');
    expect(document.activeElement).toBe(field);
    expect(m.$('#enroll-status').textContent).toBe('');
    expect(m.$('#enroll-current').textContent).toBe(t('staff.enroll_none', {}, 'fr'));
    expect(visibleScreen(m.root)).toBe('screen-staff');
    m.$('#btn-lang').click();
    expect(error.textContent).toBe(
      'This enrollment code is not valid: it is unknown, expired or already used. Ask the administrator for a new code.',
    );
    m.$('#btn-lang').click();

    // Corrected on the keys: the error goes away.
    expect(m.$('#osk').hidden).toBe(false);
    m.$('#osk [data-key="backspace"]').click();
    expect(error.hidden).toBe(true);
    expect(field.hasAttribute('aria-invalid')).toBe(false);
    expect(field.value).toBe('ABCD-EFGH-IJK');
  });

  it.each([
    ['enroll.unreachable', errorMessage('enroll.unreachable', 'fr')],
    ['enroll.keystore', errorMessage('enroll.keystore', 'fr')],
  ])('%s is said next to the field', async (code, text) => {
    const m = await mount(
      handler(NOT_ENROLLED, (cmd) => {
        if (cmd === 'enroll_kiosk') throw failure(code);
        return undefined;
      }).handle,
      NOT_ENROLLED,
    );
    await logIn(m);
    type(m.$<HTMLInputElement>('#enroll-code'), ENROLL_CODE);
    m.$('#btn-enroll').click();
    await flush();
    expect(m.$('#error-enroll-code').textContent).toBe(text);
    expect(m.$<HTMLInputElement>('#enroll-code').value).toBe(ENROLL_CODE);
    expect(m.$<HTMLButtonElement>('#btn-enroll').disabled).toBe(false);
  });

  it('staff.required: staff mode has ended, as for the other staff actions', async () => {
    const m = await mount(
      handler(NOT_ENROLLED, (cmd) => {
        if (cmd === 'enroll_kiosk') throw failure('staff.required');
        return undefined;
      }).handle,
      NOT_ENROLLED,
    );
    await logIn(m);
    type(m.$<HTMLInputElement>('#enroll-code'), ENROLL_CODE);
    m.$('#btn-enroll').click();
    await flush();
    expect(m.$('#form-error').textContent).toBe(errorMessage('staff.required', 'fr'));
    expect(m.$<HTMLButtonElement>('#btn-enroll').disabled).toBe(true);
    m.$('#btn-staff-close').click();
    await flush();
    expect(m.$<HTMLButtonElement>('#btn-enroll').disabled).toBe(false);
    expect(m.$<HTMLInputElement>('#enroll-code').value).toBe('');
  });

  it('busy while asking: one enroll_kiosk at a time', async () => {
    const pending: { answer?: (v: unknown) => void } = {};
    const m = await mount(
      handler(NOT_ENROLLED, (cmd) => {
        if (cmd === 'enroll_kiosk') {
          return new Promise((resolve) => {
            pending.answer = resolve;
          });
        }
        return undefined;
      }).handle,
      NOT_ENROLLED,
    );
    await logIn(m);
    type(m.$<HTMLInputElement>('#enroll-code'), ENROLL_CODE);
    const btn = m.$<HTMLButtonElement>('#btn-enroll');
    btn.click();
    await flush();
    expect(btn.disabled).toBe(true);
    expect(btn.getAttribute('aria-busy')).toBe('true');
    expect(m.$('#enroll-status').textContent).toBe('Inscription en cours…');
    btn.click();
    await flush();
    expect(m.count('enroll_kiosk')).toBe(1);
    pending.answer?.({ kiosk_name: 'Aréna' });
    await flush();
    expect(btn.disabled).toBe(false);
    expect(m.$('#enroll-status').textContent).toBe(t('staff.enroll_done', { name: 'Aréna' }, 'fr'));
  });
});
