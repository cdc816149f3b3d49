import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CodeRequestForm, ErrorBody } from '../bindings';
import { setLanguage } from '../i18n';
import { flush, mount, type, visibleScreen } from '../test-helpers';

beforeEach(() => {
  setLanguage('fr');
});
afterEach(() => {
  clearMocks();
});

function validationError(fields: [string, string][]): ErrorBody {
  return {
    code: 'validation',
    message: 'validation failed',
    fields: fields.map(([field, code]) => ({ field, code })),
    retry_after_seconds: null,
  };
}

describe('step 1: getting a password', () => {
  it('shows the home screen with the town name, then opens step 1 with a captcha', async () => {
    const m = await mount();
    expect(visibleScreen(m.root)).toBe('screen-attract');
    expect(m.$('#town-name').textContent).toBe('Ville de Sainte-Adèle');
    expect(m.$('#btn-lang').hidden).toBe(false);
    m.$('#btn-start').click();
    expect(visibleScreen(m.root)).toBe('screen-home');
    m.$('#btn-new-user').click();
    await flush();
    expect(visibleScreen(m.root)).toBe('screen-request');
    expect(m.$('#step-indicator').textContent).toBe('Étape 1 de 5');
    expect(m.$<HTMLImageElement>('#captcha-img').getAttribute('src')).toBe('data:image/png;base64,CAPTCHA1');
    expect(m.$<HTMLInputElement>('#channel-voice').checked).toBe(false);
    expect(m.$<HTMLInputElement>('#channel-sms').checked).toBe(false);
  });

  it('shows translated field errors next to the right fields, keeps the phone and renews the captcha', async () => {
    let sent: CodeRequestForm | null = null;
    const m = await mount((cmd, args) => {
      if (cmd === 'request_code') {
        sent = (args as { form: CodeRequestForm }).form;
        throw validationError([
          ['phone', 'phone.invalid_area_code'],
          ['channel', 'channel.required'],
          ['captcha', 'captcha.wrong'],
          ['consent', 'consent.required'],
        ]);
      }
      return undefined;
    });
    m.$('#btn-start').click();
    m.$('#btn-new-user').click();
    await flush();
    type(m.$<HTMLInputElement>('#phone'), '999 555-0100');
    type(m.$<HTMLInputElement>('#captcha-answer'), 'ABCD');
    expect(m.count('captcha_new')).toBe(1);

    m.$('#btn-request-submit').click();
    await flush();

    expect(sent).toEqual({
      phone: '999 555-0100',
      channel: null,
      captcha_answer: 'ABCD',
      consent_accepted: false,
      language: 'fr',
      staff_assisted: false,
    });
    const phoneError = m.$('[data-error-for="phone"]');
    expect(phoneError.textContent).toBe('L’indicatif régional (les 3 premiers chiffres) n’est pas valide.');
    expect(phoneError.hidden).toBe(false);
    expect(m.$('#phone').getAttribute('aria-invalid')).toBe('true');
    expect(m.$('#phone').getAttribute('aria-describedby')).toContain(phoneError.id);
    // The error sits right after the phone input, in the same field block.
    expect(m.$('#phone').parentElement).toBe(phoneError.parentElement);
    expect(m.$('[data-error-for="channel"]').textContent).toContain('par téléphone ou par SMS');
    expect(m.$('[data-error-for="captcha"]').textContent).toContain('code de sécurité');
    expect(m.$('[data-error-for="consent"]').textContent).toContain('cocher la case');
    expect(m.$('#consent').getAttribute('aria-invalid')).toBe('true');

    // Typed phone kept, captcha answer cleared, a fresh captcha shown.
    expect(m.$<HTMLInputElement>('#phone').value).toBe('999 555-0100');
    expect(m.$<HTMLInputElement>('#captcha-answer').value).toBe('');
    expect(m.count('captcha_new')).toBe(2);
    expect(m.$<HTMLImageElement>('#captcha-img').getAttribute('src')).toBe('data:image/png;base64,CAPTCHA2');
    expect(m.$<HTMLButtonElement>('#btn-request-submit').disabled).toBe(false);
    expect(visibleScreen(m.root)).toBe('screen-request');

    // Editing the phone clears its error only.
    type(m.$<HTMLInputElement>('#phone'), '514 555-0100');
    expect(phoneError.hidden).toBe(true);
    expect(m.$('#phone').hasAttribute('aria-invalid')).toBe(false);
    expect(m.$('[data-error-for="consent"]').hidden).toBe(false);
  });

  it('shows whole-form errors (and odd rejections) in the banner and still renews the captcha', async () => {
    let reply: unknown = { code: 'central.unreachable', message: 'down', fields: [], retry_after_seconds: 30 };
    const m = await mount((cmd) => {
      if (cmd === 'request_code') throw reply;
      return undefined;
    });
    m.$('#btn-start').click();
    m.$('#btn-new-user').click();
    await flush();
    m.$('#btn-request-submit').click();
    await flush();
    const banner = m.$('#form-error');
    expect(banner.hidden).toBe(false);
    expect(banner.getAttribute('role')).toBe('alert');
    expect(banner.textContent).toContain('ne répond pas');
    expect(banner.textContent).toContain('30 secondes');
    expect(m.count('captcha_new')).toBe(2);

    reply = 'boom: a plain string';
    m.$('#btn-request-submit').click();
    await flush();
    expect(banner.textContent).toBe('Une erreur est survenue. Veuillez réessayer.');
    expect(m.count('captcha_new')).toBe(3);
  });

  it('does not submit twice while waiting', async () => {
    let release: (v: unknown) => void = () => undefined;
    const m = await mount((cmd) => {
      if (cmd === 'request_code') {
        return new Promise((resolve) => {
          release = resolve;
        });
      }
      return undefined;
    });
    m.$('#btn-start').click();
    m.$('#btn-new-user').click();
    await flush();
    m.$('#btn-request-submit').click();
    await flush();
    expect(m.$<HTMLButtonElement>('#btn-request-submit').disabled).toBe(true);
    m.$('#btn-request-submit').click();
    m.$<HTMLFormElement>('#form-request').requestSubmit();
    await flush();
    expect(m.count('request_code')).toBe(1);
    release({ mode: 'online', phone_display: '514 555-0100', channel: 'sms', code_expires_at: '2030-01-01T00:00:00Z' });
    await flush();
    expect(visibleScreen(m.root)).toBe('screen-code');
  });

  it('on success goes to the code screen showing where the code was sent', async () => {
    const m = await mount((cmd) =>
      cmd === 'request_code'
        ? { mode: 'online', phone_display: '514 555-0100', channel: 'sms', code_expires_at: '2030-01-01T00:00:00Z' }
        : undefined,
    );
    m.$('#btn-start').click();
    m.$('#btn-new-user').click();
    await flush();
    type(m.$<HTMLInputElement>('#phone'), '5145550100');
    m.$<HTMLInputElement>('#channel-sms').click();
    m.$<HTMLInputElement>('#consent').click();
    type(m.$<HTMLInputElement>('#captcha-answer'), 'XYZ');
    m.$('#btn-request-submit').click();
    await flush();

    expect(visibleScreen(m.root)).toBe('screen-code');
    expect(m.$('#screen-code').textContent).toContain('Un mot de passe a été envoyé par SMS au 514 555-0100.');
    expect(m.$('#step-indicator').textContent).toBe('Étape 2 de 5');
    const req = m.calls.find((c) => c.cmd === 'request_code')?.args as { form: CodeRequestForm };
    expect(req.form).toEqual({
      phone: '5145550100',
      channel: 'sms',
      captcha_answer: 'XYZ',
      consent_accepted: true,
      language: 'fr',
      staff_assisted: false,
    });
    expect(m.count('captcha_new')).toBe(1);

    // « Je n'ai rien reçu » goes back to step 1 keeping phone and channel.
    m.$('#btn-code-resend').click();
    await flush();
    expect(visibleScreen(m.root)).toBe('screen-request');
    expect(m.$<HTMLInputElement>('#phone').value).toBe('5145550100');
    expect(m.$<HTMLInputElement>('#channel-sms').checked).toBe(true);
    expect(m.$<HTMLInputElement>('#captcha-answer').value).toBe('');
    expect(m.count('captcha_new')).toBe(2);
  });
});
