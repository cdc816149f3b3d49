// « Mon inscription », the notice at collection, « Besoin d’aide? », « Annuler » that asks and « Retour ».
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LoginOutcome } from '../bindings';
import { setLanguage } from '../i18n';
import { contact, emptyProfile, flush, happyPath, INFO, mount, type Mounted, type, visibleScreen } from '../test-helpers';

beforeEach(() => {
  setLanguage('fr');
});
afterEach(() => {
  clearMocks();
});

const registered: LoginOutcome = {
  phone_display: '514 555-0100',
  existing_profile: true,
  profile: emptyProfile({ name: 'Gagnon', city: 'Sainte-Adèle', contacts: [contact({ value: '514 555-0100' })] }),
  offline: false,
  pending_change: null,
};

/** Home → `entry` → step 1 filled and sent → step 3 with the password typed, « Continuer » pressed: step 4. */
async function toLogin(m: Mounted, entry: '#btn-manage' | '#btn-new-user'): Promise<void> {
  m.$('#btn-start').click();
  m.$(entry).click();
  await flush();
  type(m.$<HTMLInputElement>('#phone'), '514 555-0100');
  m.$<HTMLInputElement>('#channel-sms').click();
  type(m.$<HTMLInputElement>('#captcha-answer'), 'QWER');
  m.$<HTMLInputElement>('#consent').click();
  m.$('#btn-request-submit').click();
  await flush();
  type(m.$<HTMLInputElement>('#code'), '123456');
  m.$('#btn-code-submit').click();
}

/** Home → « Déjà inscrit? » → steps 1 to 4 → step 5 with what the login answered. */
async function toProfile(m: Mounted): Promise<void> {
  await toLogin(m, '#btn-manage');
  m.$('#btn-login').click();
  await flush();
}

const text = (m: Mounted, selector: string): string => m.$(selector).textContent.trim();

describe('« Mon inscription »', () => {
  it('shows a registration that exists under its own title, and deletes it only after a yes', async () => {
    const m = await mount((cmd) => {
      if (cmd === 'login') return registered;
      if (cmd === 'delete_registration') return null;
      return happyPath(cmd);
    });
    await toProfile(m);
    expect(visibleScreen(m.root)).toBe('screen-profile');
    expect(text(m, '#title-profile')).toBe('Mon inscription');
    expect(m.$('#manage-intro').hidden).toBe(false);
    expect(m.$<HTMLInputElement>('#name').value).toBe('Gagnon');
    expect(m.$('#delete-zone').hidden).toBe(false);

    // First « no »: nothing is deleted, the registration stays on screen.
    m.$('#btn-delete-registration').click();
    expect(m.$('#confirm-delete').hidden).toBe(false);
    expect(text(m, '#confirm-delete-question')).toContain('Supprimer votre inscription');
    expect(document.activeElement?.id).toBe('confirm-delete-question');
    m.$('#confirm-delete-no').click();
    await flush();
    expect(m.count('delete_registration')).toBe(0);
    expect(m.$('#confirm-delete').hidden).toBe(true);
    expect(visibleScreen(m.root)).toBe('screen-profile');

    // Then « yes »: deleted on the central server, and step 6 says so and how to come back.
    m.$('#btn-delete-registration').click();
    m.$('#confirm-delete-yes').click();
    await flush();
    expect(m.count('delete_registration')).toBe(1);
    expect(visibleScreen(m.root)).toBe('screen-done');
    expect(text(m, '#title-done')).toBe('Votre inscription est supprimée');
    expect(m.$('#step-indicator').hidden).toBe(true);
    expect(text(m, '#done-deleted')).toContain('Vous ne recevrez plus les alertes d’urgence de Sainte-Adèle');
    expect(m.$('#done-stop').hidden).toBe(true);
    expect(text(m, '#confirmation')).toBe('');
  });

  it('offers no deletion to a number that has no registration yet', async () => {
    const m = await mount(happyPath);
    await toProfile(m);
    expect(text(m, '#title-profile')).toBe('Formulaire');
    expect(m.$('#delete-zone').hidden).toBe(true);
    expect(m.$('#manage-intro').hidden).toBe(true);
  });

  it('keeps the registration on screen, with the error, when the deletion fails', async () => {
    const m = await mount((cmd) => {
      if (cmd === 'login') return registered;
      if (cmd === 'delete_registration') throw { code: 'central.unreachable', message: '', fields: [], retry_after_seconds: null };
      return happyPath(cmd);
    });
    await toProfile(m);
    m.$('#btn-delete-registration').click();
    m.$('#confirm-delete-yes').click();
    await flush();
    expect(visibleScreen(m.root)).toBe('screen-profile');
    expect(m.$<HTMLInputElement>('#name').value).toBe('Gagnon');
    expect(text(m, '#form-error')).toContain('ne répond pas');
  });

  it('says on the confirmation how to stop the SMS alerts and how to come back', async () => {
    const m = await mount(happyPath);
    await toProfile(m);
    // The first line's type is asked, never guessed.
    type(m.$<HTMLSelectElement>('#contacts [data-field="kind"]'), 'mobile');
    m.$('#btn-profile-submit').click();
    await flush();
    expect(visibleScreen(m.root)).toBe('screen-done');
    expect(m.$('#done-stop').hidden).toBe(false);
    expect(text(m, '#done-stop')).toContain('répondez ARRET');
    expect(text(m, '#done-stop')).toContain('Déjà inscrit');
  });
});

describe('the notice at collection (step 1)', () => {
  it('comes before the consent, with the six points behind « En savoir plus »', async () => {
    const m = await mount(undefined, { ...INFO, privacy_officer: 'Greffière, 450 555-0100, acces@sainte-adele.ca' });
    m.$('#btn-start').click();
    m.$('#btn-new-user').click();
    await flush();
    const notice = m.$('#collection-notice');
    const consent = m.$('#consent');
    expect(notice.compareDocumentPosition(consent) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(m.$('#notice-details').hidden).toBe(true);
    m.$('#btn-notice-more').click();
    expect(m.$('#notice-details').hidden).toBe(false);
    expect(m.$('#btn-notice-more').getAttribute('aria-expanded')).toBe('true');
    expect(m.$('#notice-details').querySelectorAll('dt')).toHaveLength(6);
    expect(text(m, '#notice-who')).toBe('Ville de Sainte-Adèle');
    expect(text(m, '#notice-rights')).toContain('Greffière, 450 555-0100, acces@sainte-adele.ca');
    m.$('#btn-lang').click();
    expect(text(m, '#notice-rights')).toContain('through Greffière');
    expect(text(m, '#notice-who')).toBe('Town of Sainte-Adèle');
  });

  it('names the town’s officer in general terms when none is configured', async () => {
    const m = await mount();
    m.$('#btn-start').click();
    m.$('#btn-new-user').click();
    await flush();
    expect(text(m, '#notice-rights')).toContain('la personne responsable de l’accès aux documents');
  });
});

describe('« Besoin d’aide? »', () => {
  it('opens above the step from the header, with the town’s text, and closes back to it', async () => {
    const m = await mount(undefined, { ...INFO, help: { fr: 'Voyez Lucie au comptoir.', en: 'See Lucie at the desk.' } });
    m.$('#btn-start').click();
    m.$('#btn-new-user').click();
    await flush();
    type(m.$<HTMLInputElement>('#phone'), '514 555-0100');
    m.$('#btn-help').click();
    expect(m.$('#help-panel').hidden).toBe(false);
    expect(m.$('#btn-help').getAttribute('aria-expanded')).toBe('true');
    expect(text(m, '#help-text')).toBe('Voyez Lucie au comptoir.');
    expect(document.activeElement?.id).toBe('help-title');
    m.$('#btn-lang').click();
    expect(text(m, '#help-text')).toBe('See Lucie at the desk.');
    m.$('#btn-help-close').click();
    expect(m.$('#help-panel').hidden).toBe(true);
    expect(visibleScreen(m.root)).toBe('screen-request');
    expect(m.$<HTMLInputElement>('#phone').value).toBe('514 555-0100');
  });

  it('has a general text without the town’s, and closes with the wipe', async () => {
    const m = await mount();
    m.$('#btn-help').click();
    expect(text(m, '#help-text')).toContain('Un membre du personnel peut vous aider');
    await m.app.wipe();
    await flush();
    expect(m.$('#help-panel').hidden).toBe(true);
  });
});

describe('« Annuler » and « Retour »', () => {
  it('starts over at once when nothing was typed', async () => {
    const m = await mount();
    m.$('#btn-start').click();
    m.$('#btn-new-user').click();
    await flush();
    m.$('#btn-cancel-request').click();
    await flush();
    expect(m.count('reset_session')).toBe(1);
    expect(visibleScreen(m.root)).toBe('screen-attract');
  });

  it('asks first when something was typed; « Non, continuer » keeps it all', async () => {
    const m = await mount();
    m.$('#btn-start').click();
    m.$('#btn-new-user').click();
    await flush();
    type(m.$<HTMLInputElement>('#phone'), '514 555-0100');
    m.$('#btn-cancel-request').click();
    await flush();
    expect(m.count('reset_session')).toBe(0);
    expect(m.$('#confirm-cancel-request').hidden).toBe(false);
    m.$('#confirm-cancel-request-no').click();
    await flush();
    expect(m.$('#confirm-cancel-request').hidden).toBe(true);
    expect(m.$<HTMLInputElement>('#phone').value).toBe('514 555-0100');
    expect(document.activeElement?.id).toBe('btn-cancel-request');
  });

  it('goes back from step 4 to step 3 with the password typed', async () => {
    const m = await mount(happyPath);
    await toLogin(m, '#btn-new-user');
    expect(visibleScreen(m.root)).toBe('screen-login');
    m.$('#btn-back-login').click();
    await flush();
    expect(visibleScreen(m.root)).toBe('screen-code');
    expect(m.$<HTMLInputElement>('#code').value).toBe('123456');
  });
});
