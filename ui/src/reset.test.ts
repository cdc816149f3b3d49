import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LoginOutcome } from './bindings';
import { currentLanguage, setLanguage } from './i18n';
import { contact, emptyProfile, flush, mount, type, visibleScreen } from './test-helpers';

beforeEach(() => {
  setLanguage('fr');
});
afterEach(() => {
  clearMocks();
});

const outcome: LoginOutcome = {
  phone_display: '514 555-0100',
  existing_profile: false,
  profile: emptyProfile({ name: 'Gagnon', contacts: [contact({ value: '+15145550100' })] }),
  offline: false,
  pending_change: null,
};

describe('cancel', () => {
  it('calls reset_session, clears everything typed and returns to the attract screen', async () => {
    sessionStorage.setItem('x', '1');
    localStorage.setItem('y', '2');
    const m = await mount((cmd) => {
      if (cmd === 'request_code') {
        throw { code: 'validation', message: '', fields: [{ field: 'consent', code: 'consent.required' }], retry_after_seconds: null };
      }
      return undefined;
    });
    m.$('#btn-start').click();
    m.$('#btn-new-user').click();
    await flush();
    type(m.$<HTMLInputElement>('#phone'), '514 555-0100');
    m.$<HTMLInputElement>('#channel-voice').click();
    type(m.$<HTMLInputElement>('#captcha-answer'), 'QWER');
    m.$('#btn-request-submit').click();
    await flush();
    m.$('#btn-lang').click();
    expect(m.$('#error-consent').hidden).toBe(false);

    m.$('#btn-cancel-request').click();
    m.$('#confirm-cancel-request-yes').click();
    await flush();

    expect(m.count('reset_session')).toBe(1);
    expect(visibleScreen(m.root)).toBe('screen-attract');
    expect(m.$<HTMLInputElement>('#phone').value).toBe('');
    expect(m.$<HTMLInputElement>('#channel-voice').checked).toBe(false);
    expect(m.$<HTMLInputElement>('#captcha-answer').value).toBe('');
    expect(m.$('#captcha-img').hasAttribute('src')).toBe(false);
    expect(m.$('#error-consent').hidden).toBe(true);
    expect(m.$('#error-consent').textContent).toBe('');
    expect(m.root.querySelector('[aria-invalid]')).toBeNull();
    expect(m.$('#form-error').hidden).toBe(true);
    expect(sessionStorage.length).toBe(0);
    expect(localStorage.length).toBe(0);
    // The next resident starts in French.
    expect(currentLanguage()).toBe('fr');
    expect(m.$('#btn-new-user').textContent).toBe('Nouvel usager');
  });

  it('after login, Annuler clears the profile form, contact rows and code fields', async () => {
    const m = await mount((cmd) => {
      if (cmd === 'request_code') return { mode: 'online', phone_display: '514 555-0100', channel: 'voice', code_expires_at: 'x' };
      if (cmd === 'login') return outcome;
      return undefined;
    });
    m.$('#btn-start').click();
    m.$('#btn-new-user').click();
    await flush();
    m.$('#btn-request-submit').click();
    await flush();
    expect(m.$('#code-sent').textContent).toContain('par appel au 514 555-0100');
    type(m.$<HTMLInputElement>('#code'), '123456');
    m.$('#btn-code-submit').click();
    m.$('#btn-login').click();
    await flush();
    expect(visibleScreen(m.root)).toBe('screen-profile');
    expect(m.$<HTMLInputElement>('#name').value).toBe('Gagnon');
    expect(m.root.querySelectorAll('tr.contact-row')).toHaveLength(1);

    m.$('#btn-cancel-profile').click();
    m.$('#confirm-cancel-profile-yes').click();
    await flush();
    expect(m.count('reset_session')).toBe(1);
    expect(visibleScreen(m.root)).toBe('screen-attract');
    expect(m.root.querySelectorAll('tr.contact-row')).toHaveLength(0);
    for (const id of ['#name', '#code', '#login-code', '#login-phone', '#city']) {
      expect(m.$<HTMLInputElement>(id).value, id).toBe('');
    }
    expect(m.$('#code-sent').textContent).toBe('');
  });
});

describe('login', () => {
  it('asks for the code locally, then offers a new code when it failed (every failure reads the same)', async () => {
    const m = await mount((cmd) => {
      if (cmd === 'request_code') return { mode: 'online', phone_display: '514 555-0100', channel: 'sms', code_expires_at: 'x' };
      if (cmd === 'login') throw { code: 'login.invalid_code', message: '', fields: [], retry_after_seconds: null };
      return undefined;
    });
    m.$('#btn-start').click();
    m.$('#btn-new-user').click();
    await flush();
    type(m.$<HTMLInputElement>('#phone'), '(514) 555-0100');
    m.$<HTMLInputElement>('#channel-sms').click();
    m.$('#btn-request-submit').click();
    await flush();
    m.$('#btn-code-submit').click();
    expect(m.$('#error-code').textContent).toBe('Veuillez entrer le mot de passe reçu.');
    expect(visibleScreen(m.root)).toBe('screen-code');
    type(m.$<HTMLInputElement>('#code'), '654321');
    expect(m.$('#error-code').hidden).toBe(true);
    m.$('#btn-code-submit').click();
    expect(m.$('#btn-new-code').hidden).toBe(true);
    m.$('#btn-login').click();
    await flush();
    expect(m.$('#form-error').textContent).toBe(
      'Ce mot de passe n’est pas bon ou n’est plus valide. Vérifiez-le et essayez encore, ou demandez un nouveau mot de passe.',
    );
    expect(m.$('#btn-new-code').hidden).toBe(false);
    m.$('#btn-new-code').click();
    await flush();
    expect(visibleScreen(m.root)).toBe('screen-request');
    expect(m.$<HTMLInputElement>('#phone').value).toBe('(514) 555-0100');
    expect(m.$<HTMLInputElement>('#channel-sms').checked).toBe(true);
  });
});
