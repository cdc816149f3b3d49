import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { currentLanguage, setLanguage } from './i18n';
import { flush, INFO, labelText, mount, type } from './test-helpers';

beforeEach(() => {
  setLanguage('fr');
});
afterEach(() => {
  clearMocks();
});

describe('labels', () => {
  it('uses the exact French texts of the town portal', async () => {
    const m = await mount();
    // Every screen at once (each is otherwise built when first shown).
    m.app.buildAll();
    expect(labelText(m.root, 'phone')).toBe('Numéro de téléphone où vous joindre');
    expect(labelText(m.root, 'captcha-answer')).toBe('Entrez le code affiché ci-dessus');
    expect(labelText(m.root, 'consent')).toBe(
      'J’accepte que la ville communique avec moi lors de mesures d’urgence, d’une action en sécurité civile ou de situations majeures (p. ex.\u00a0: Panne électrique prolongée)',
    );
    expect(labelText(m.root, 'channel-voice')).toBe('par téléphone');
    expect(labelText(m.root, 'channel-sms')).toBe('par SMS');
    const profileLabels = ['name', 'first-name', 'language', 'city', 'street', 'civic-number', 'apartment', 'postal-code'].map(
      (id) => labelText(m.root, id),
    );
    expect(profileLabels).toEqual([
      'Identifiant/Nom', 'Responsable/Prénom', 'Langue', 'Ville', 'Rue', 'No civique', 'App./Suite', 'Code postal',
    ]);
    const headers = Array.from(m.root.querySelectorAll('#contacts thead th')).map((th) => th.textContent);
    expect(headers.slice(0, 7)).toEqual(['Actif', 'Description', 'Type', 'Coordonnée', 'Poste', 'Délai pour poste', 'Ordre']);
    expect(m.$('#btn-new-user').textContent).toBe('Nouvel usager');
    expect(m.$('#btn-captcha-refresh').textContent).toBe('Changer de code');
    expect(m.$('#btn-request-submit').textContent).toBe('Confirmer');
    expect(m.$('#btn-cancel-request').textContent).toBe('Annuler');
    expect(m.$('#btn-login').textContent).toBe('Connexion');
    expect(m.$('#newsletter').parentElement?.textContent).toBe('Info Lettre de Sainte-Adèle (facultatif)');
    // Every input / select has a <label for>.
    for (const el of m.root.querySelectorAll('input, select')) {
      expect(m.root.querySelector(`label[for="${el.id}"]`), el.id).not.toBeNull();
    }
  });
});

describe('language toggle', () => {
  it('re-translates labels and the errors on display', async () => {
    const m = await mount((cmd) => {
      if (cmd === 'request_code') {
        throw {
          code: 'validation',
          message: '',
          fields: [{ field: 'phone', code: 'phone.required' }],
          retry_after_seconds: null,
        };
      }
      return undefined;
    });
    m.$('#btn-start').click();
    m.$('#btn-new-user').click();
    await flush();
    type(m.$<HTMLInputElement>('#captcha-answer'), 'A1B2');
    m.$('#btn-request-submit').click();
    await flush();
    expect(m.$('#error-phone').textContent).toBe('Veuillez entrer votre numéro de téléphone.');
    expect(m.$('#btn-lang').textContent).toBe('English');

    m.$('#btn-lang').click();
    expect(currentLanguage()).toBe('en');
    expect(document.documentElement.lang).toBe('en');
    expect(m.$('#btn-lang').textContent).toBe('Français');
    expect(labelText(m.root, 'phone')).toBe('Phone number where you can be reached');
    expect(m.$('#error-phone').textContent).toBe('Please enter your phone number.');
    expect(m.$('#form-error').textContent).toBe('Some information needs to be corrected.');
    expect(m.$('#town-name').textContent).toBe('Town of Sainte-Adèle');
    expect(m.$('#step-indicator').textContent).toBe('Step 1 of 5');
    expect(m.$('#btn-request-submit').textContent).toBe('Confirm');
    expect(m.$<HTMLImageElement>('#captcha-img').alt).toBe('Security code to copy');
    // Typed values survive.
    expect(m.$<HTMLInputElement>('#captcha-answer').value).toBe('');

    // The request sent in English carries the UI language.
    m.$('#btn-request-submit').click();
    await flush();
    const last = m.calls.filter((c) => c.cmd === 'request_code').at(-1)?.args as { form: { language: string } };
    expect(last.form.language).toBe('en');

    m.$('#btn-lang').click();
    expect(document.documentElement.lang).toBe('fr');
    expect(m.$('#error-phone').textContent).toBe('Veuillez entrer votre numéro de téléphone.');
    expect(labelText(m.root, 'phone')).toBe('Numéro de téléphone où vous joindre');
  });

  it('is hidden when the town does not offer English', async () => {
    const m = await mount(undefined, { ...INFO, english_enabled: false });
    expect(m.$('#btn-lang').hidden).toBe(true);
  });
});
