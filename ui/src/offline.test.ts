// Central server out of reach: the offline banner, the offline variant of the flow (queued on the
// kiosk), and the pending change an owner finds after logging in.
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type {
  Channel,
  CodeRequestOutcome,
  ErrorBody,
  LoginOutcome,
  PendingChange,
  Profile,
  ProfileOutcome,
} from './bindings';
import { CONNECTIVITY_POLL_MS } from './app';
import { setLanguage, t } from './i18n';
import { contact, emptyProfile, flush, mount, type Handler, type Mounted, type, visibleScreen } from './test-helpers';

beforeEach(() => {
  setLanguage('fr');
});
afterEach(() => {
  vi.useRealTimers();
  clearMocks();
});

const PHONE = '514 555-0100';
const UNREACHABLE: ErrorBody = { code: 'central.unreachable', message: 'down', fields: [], retry_after_seconds: null };

/** What the Rust side prefills offline: town, language, the number as first contact. */
const defaults = emptyProfile({ city: 'Sainte-Adèle', contacts: [contact({ kind: 'mobile', value: '+15145550100' })] });

function offlineForm(profile: Profile = defaults): CodeRequestOutcome {
  return { mode: 'offline', phone_display: PHONE, profile };
}

const online: CodeRequestOutcome = {
  mode: 'online',
  phone_display: PHONE,
  channel: 'sms',
  code_expires_at: '2030-01-01T00:00:00Z',
  fallback: null,
  resend_after_seconds: 60,
};

function queued(profile: Profile, channel: Channel = 'sms', needs_confirmation = true): ProfileOutcome {
  return { mode: 'offline', reference: '7F3A-92C1', phone_display: PHONE, channel, profile, needs_confirmation };
}

function loginOutcome(partial: Partial<LoginOutcome> = {}): LoginOutcome {
  return {
    phone_display: PHONE,
    existing_profile: true,
    profile: defaults,
    offline: false,
    pending_change: null,
    ...partial,
  };
}

const text = (m: Mounted, selector: string): string => m.$(selector).textContent;

function sentArgs(m: Mounted, cmd: string): unknown[] {
  return m.calls.filter((c) => c.cmd === cmd).map((c) => c.args);
}

/** Step 1 filled in and sent, the way a resident does. */
async function submitStepOne(m: Mounted, channel: Channel = 'sms'): Promise<void> {
  m.$('#btn-start').click();
  m.$('#btn-new-user').click();
  await flush();
  type(m.$<HTMLInputElement>('#phone'), PHONE);
  m.$<HTMLInputElement>(`#channel-${channel}`).click();
  type(m.$<HTMLInputElement>('#captcha-answer'), 'XYZ');
  m.$<HTMLInputElement>('#consent').click();
  m.$('#btn-request-submit').click();
  await flush();
}

/** Online steps 1 to 4: the code typed, then « Connexion ». */
async function logIn(m: Mounted): Promise<void> {
  await submitStepOne(m);
  expect(visibleScreen(m.root)).toBe('screen-code');
  type(m.$<HTMLInputElement>('#code'), '123456');
  m.$('#btn-code-submit').click();
  m.$('#btn-login').click();
  await flush();
}

function contactValues(m: Mounted): string[] {
  return Array.from(m.root.querySelectorAll<HTMLInputElement>('#contacts tbody tr.contact-row [data-field="value"]')).map(
    (el) => el.value,
  );
}

describe('offline banner', () => {
  it('follows connectivity, asked at start and every 5 s, and is hidden (not just empty) when online', async () => {
    let up = true;
    vi.useFakeTimers();
    const m = await mount((cmd) => (cmd === 'connectivity' ? { online: up } : undefined));
    const banner = m.$('#offline-banner');
    expect(banner.getAttribute('role')).toBe('status');
    expect(m.count('connectivity')).toBe(1);
    expect(banner.hidden).toBe(true);
    expect(banner.textContent).toBe('');

    up = false;
    await vi.advanceTimersByTimeAsync(CONNECTIVITY_POLL_MS - 1);
    expect(banner.hidden).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    await flush();
    expect(m.count('connectivity')).toBe(2);
    expect(banner.hidden).toBe(false);
    expect(banner.textContent).toBe(
      t('app.offline_banner', {}, 'fr'),
    );
    // Shown on the attract screen and on the others.
    expect(visibleScreen(m.root)).toBe('screen-attract');
    m.$('#btn-start').click();
    expect(banner.hidden).toBe(false);
    m.$('#btn-lang').click();
    expect(banner.textContent).toBe(
      'Central service unreachable: your registration will be saved on this kiosk and sent as soon as service is back.',
    );

    up = true;
    await vi.advanceTimersByTimeAsync(CONNECTIVITY_POLL_MS);
    await flush();
    expect(m.count('connectivity')).toBe(3);
    expect(banner.hidden).toBe(true);
    expect(banner.textContent).toBe('');
  });

  it('is checked again right away when a command answers central.unreachable', async () => {
    let up = true;
    vi.useFakeTimers();
    const m = await mount((cmd) => {
      if (cmd === 'connectivity') return { online: up };
      if (cmd === 'request_code') {
        up = false;
        throw UNREACHABLE;
      }
      return undefined;
    });
    expect(m.count('connectivity')).toBe(1);
    await submitStepOne(m);
    // No 5 s wait.
    expect(m.count('connectivity')).toBe(2);
    expect(m.$('#offline-banner').hidden).toBe(false);
    expect(text(m, '#form-error')).toContain('ne répond pas');
  });

  it('is checked again right away after an offline outcome', async () => {
    let up = true;
    const m = await mount((cmd) => {
      if (cmd === 'connectivity') return { online: up };
      if (cmd === 'request_code') {
        up = false;
        return offlineForm();
      }
      return undefined;
    });
    const before = m.count('connectivity');
    await submitStepOne(m);
    expect(m.count('connectivity')).toBe(before + 1);
    expect(m.$('#offline-banner').hidden).toBe(false);
  });
});

describe('offline from step 1', () => {
  it('goes straight to the form, prefilled, with the number and the offline note; nothing is typed again', async () => {
    let saved: Profile | null = null;
    const m = await mount((cmd, args) => {
      if (cmd === 'connectivity') return { online: false };
      if (cmd === 'request_code') return offlineForm();
      if (cmd === 'save_profile') {
        saved = (args as { profile: Profile }).profile;
        return queued(saved);
      }
      return undefined;
    });
    await submitStepOne(m);

    expect(visibleScreen(m.root)).toBe('screen-profile');
    expect(sentArgs(m, 'request_code')).toEqual([
      { form: { phone: PHONE, channel: 'sms', captcha_answer: 'XYZ', consent_accepted: true, language: 'fr', staff_assisted: false } },
    ]);
    // No code to type, no login, no new captcha.
    expect(m.count('login')).toBe(0);
    expect(m.count('captcha_new')).toBe(1);
    expect(text(m, '#step-indicator')).toBe('Étape 2 de 3');
    expect(text(m, '#title-profile')).toBe('Formulaire');
    expect(m.$('#profile-phone').hidden).toBe(false);
    expect(text(m, '#profile-phone')).toBe('Numéro de téléphone\u00a0: 514 555-0100');
    expect(m.$('#offline-note').hidden).toBe(false);
    expect(text(m, '#offline-note')).toBe(
      t('profile.offline_note', {}, 'fr'),
    );
    expect(m.$('#pending-change').hidden).toBe(true);
    expect(m.$<HTMLInputElement>('#city').value).toBe('Sainte-Adèle');
    expect(contactValues(m)).toEqual([PHONE]);
    // Step 1 kept as typed.
    expect(m.$<HTMLInputElement>('#phone').value).toBe(PHONE);
    expect(m.$<HTMLInputElement>('#channel-sms').checked).toBe(true);

    m.$('#btn-lang').click();
    expect(text(m, '#profile-phone')).toBe('Phone number: 514 555-0100');
    expect(text(m, '#offline-note')).toContain('Offline mode: your number cannot be verified right now.');
    expect(text(m, '#step-indicator')).toBe('Step 2 of 3');
    m.$('#btn-lang').click();

    type(m.$<HTMLInputElement>('#name'), 'Tremblay');
    m.$('#btn-profile-submit').click();
    await flush();
    expect(saved).toMatchObject({ name: 'Tremblay', city: 'Sainte-Adèle', contacts: [{ kind: 'mobile', value: PHONE, order: 1 }] });
    expect(visibleScreen(m.root)).toBe('screen-done');
    expect(text(m, '#step-indicator')).toBe('Étape 3 de 3');
  });

  it.each(['voice', 'sms'] as const)(
    'puts the number as first contact when the profile has none, its type asked whatever the code went by (%s)',
    async (channel) => {
      const m = await mount((cmd) => (cmd === 'request_code' ? offlineForm(emptyProfile({ city: 'Sainte-Adèle' })) : undefined));
      await submitStepOne(m, channel);
      expect(visibleScreen(m.root)).toBe('screen-profile');
      expect(contactValues(m)).toEqual([PHONE]);
      const row = m.$('#contacts tbody tr.contact-row');
      expect(row.querySelector<HTMLSelectElement>('[data-field="kind"]')?.value).toBe('');
      expect(row.querySelector('.channels')?.textContent).toBe('Cellulaire ou téléphone fixe\u202f? Seul un cellulaire reçoit les SMS.');
    },
  );
});

describe('offline after step 1 (login)', () => {
  it('continues to the form, offline, when the code cannot be checked', async () => {
    const m = await mount((cmd) => {
      if (cmd === 'request_code') return online;
      if (cmd === 'delivery_status') return { state: 'sent', channel: 'sms', fallback: null };
      if (cmd === 'login') return loginOutcome({ existing_profile: false, offline: true });
      return undefined;
    });
    const before = m.count('connectivity');
    await logIn(m);
    expect(visibleScreen(m.root)).toBe('screen-profile');
    expect(m.count('connectivity')).toBe(before + 1);
    expect(text(m, '#step-indicator')).toBe('Étape 4 de 5');
    expect(text(m, '#profile-phone')).toBe('Numéro de téléphone\u00a0: 514 555-0100');
    expect(text(m, '#offline-note')).toBe(
      t('profile.offline_note_login', {}, 'fr'),
    );
    expect(m.$<HTMLInputElement>('#city').value).toBe('Sainte-Adèle');
    expect(contactValues(m)).toEqual([PHONE]);
  });

  it('online, shows neither the number line nor the offline note', async () => {
    const m = await mount((cmd) => {
      if (cmd === 'request_code') return online;
      if (cmd === 'delivery_status') return { state: 'sent', channel: 'sms', fallback: null };
      if (cmd === 'login') return loginOutcome();
      return undefined;
    });
    await logIn(m);
    expect(visibleScreen(m.root)).toBe('screen-profile');
    expect(text(m, '#step-indicator')).toBe('Étape 4 de 5');
    expect(m.$('#profile-phone').hidden).toBe(true);
    expect(m.$('#offline-note').hidden).toBe(true);
    expect(m.$('#pending-change').hidden).toBe(true);
  });
});

describe('offline confirmation', () => {
  async function toOfflineDone(channel: Channel): Promise<Mounted> {
    const m = await mount((cmd, args) => {
      if (cmd === 'request_code') return offlineForm();
      if (cmd === 'save_profile') return queued((args as { profile: Profile }).profile, channel);
      return undefined;
    });
    await submitStepOne(m, channel);
    type(m.$<HTMLInputElement>('#name'), 'Tremblay');
    type(m.$<HTMLInputElement>('#first-name'), 'Élise');
    m.$('#btn-profile-submit').click();
    await flush();
    expect(visibleScreen(m.root)).toBe('screen-done');
    return m;
  }

  it('by SMS: says it is saved, which message will come, when, what to answer, and the reference (FR and EN)', async () => {
    const m = await toOfflineDone('sms');
    expect(text(m, '#title-done')).toBe('Votre inscription est enregistrée');
    expect(m.$('#done-offline').hidden).toBe(false);
    expect(text(m, '#done-offline-text')).toBe(
      'Elle sera transmise au service d’alerte de Sainte-Adèle dès le retour du service. ' +
        'Vous recevrez ensuite au 514 555-0100, entre 8\u00a0h et 21\u00a0h, un SMS qui vous demandera de confirmer votre inscription\u00a0: répondez OUI. ' +
        'Vous recevrez les alertes une fois votre inscription confirmée.',
    );
    expect(text(m, '#done-reference')).toBe('7F3A-92C1');
    expect(text(m, '#done-reference-line')).toBe('Numéro de référence\u00a0: 7F3A-92C1');
    // The same summary as online.
    const summary = text(m, '#confirmation');
    expect(summary).toContain(t('done.intro', {}, 'fr'));
    expect(summary).toContain('Tremblay');
    expect(summary).toContain('Élise');
    expect(summary).toContain('Cellulaire — 514 555-0100');

    m.$('#btn-lang').click();
    expect(text(m, '#title-done')).toBe('Your registration is saved');
    expect(text(m, '#done-offline-text')).toBe(
      'It will be sent to the Sainte-Adèle alert service as soon as service is back. ' +
        'You will then get a text message at 514 555-0100, between 8\u00a0a.m. and 9\u00a0p.m., asking you to confirm your registration: reply YES. ' +
        'You will receive alerts once your registration is confirmed.',
    );
    expect(text(m, '#done-reference-line')).toBe('Reference number: 7F3A-92C1');
    expect(text(m, '#done-reference')).toBe('7F3A-92C1');
    expect(text(m, '#confirmation')).toContain('Cell phone — 514 555-0100');
  });

  it('by call: says a call will ask to press 1 (FR and EN)', async () => {
    const m = await toOfflineDone('voice');
    expect(text(m, '#done-offline-text')).toContain('un appel qui vous demandera de confirmer votre inscription\u00a0: appuyez sur 1.');
    m.$('#btn-lang').click();
    expect(text(m, '#done-offline-text')).toContain('a phone call at 514 555-0100, between 8\u00a0a.m. and 9\u00a0p.m., asking you to confirm your registration: press 1.');
  });

  it('online session whose save ends up queued: the offline confirmation, steps unchanged', async () => {
    const m = await mount((cmd, args) => {
      if (cmd === 'request_code') return online;
      if (cmd === 'delivery_status') return { state: 'sent', channel: 'sms', fallback: null };
      if (cmd === 'login') return loginOutcome();
      // Logged in with a code: the phone is proven, nothing to confirm.
      if (cmd === 'save_profile') return queued((args as { profile: Profile }).profile, 'sms', false);
      return undefined;
    });
    await logIn(m);
    m.$('#btn-profile-submit').click();
    await flush();
    expect(visibleScreen(m.root)).toBe('screen-done');
    expect(text(m, '#step-indicator')).toBe('Étape 5 de 5');
    expect(text(m, '#title-done')).toBe('Votre inscription est enregistrée');
    expect(text(m, '#done-reference')).toBe('7F3A-92C1');
    expect(text(m, '#done-offline-text')).toContain('Vous n’avez rien d’autre à faire.');
    expect(text(m, '#done-offline-text')).not.toContain('OUI');
  });

  it('online save: the usual confirmation, no offline texts', async () => {
    const m = await mount((cmd, args) => {
      if (cmd === 'request_code') return online;
      if (cmd === 'delivery_status') return { state: 'sent', channel: 'sms', fallback: null };
      if (cmd === 'login') return loginOutcome();
      if (cmd === 'save_profile') {
        return { mode: 'online', profile: (args as { profile: Profile }).profile, saved_at: '2030-01-01T00:00:00Z' };
      }
      return undefined;
    });
    await logIn(m);
    m.$('#btn-profile-submit').click();
    await flush();
    expect(text(m, '#title-done')).toBe('Votre inscription est confirmée');
    expect(m.$('#done-offline').hidden).toBe(true);
    expect(m.root.querySelector('#done-reference')).toBeNull();
  });

  it('kiosk.queue_unavailable: translated in the banner, the form kept', async () => {
    const m = await mount((cmd) => {
      if (cmd === 'request_code') return offlineForm();
      if (cmd === 'save_profile') throw { code: 'kiosk.queue_unavailable', message: 'queue', fields: [], retry_after_seconds: null };
      return undefined;
    });
    await submitStepOne(m);
    type(m.$<HTMLInputElement>('#name'), 'Tremblay');
    m.$('#btn-profile-submit').click();
    await flush();
    expect(visibleScreen(m.root)).toBe('screen-profile');
    expect(text(m, '#form-error')).toBe(
      'Cette borne n’a pas pu enregistrer votre inscription. Veuillez avertir le personnel.',
    );
    expect(m.$<HTMLInputElement>('#name').value).toBe('Tremblay');
    m.$('#btn-lang').click();
    expect(text(m, '#form-error')).toBe('This kiosk could not save your registration. Please tell a staff member.');
  });
});

describe('pending change after login', () => {
  const current = emptyProfile({
    name: 'Tremblay',
    first_name: 'Marie',
    city: 'Sainte-Adèle',
    contacts: [contact({ kind: 'mobile', value: '+15145550100', order: 1 })],
  });
  const pending: PendingChange = {
    id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
    captured_at: '2025-03-14T15:30:00Z',
    kiosk_id: 'kiosk-2',
    profile: emptyProfile({
      name: 'Gagnon',
      first_name: 'Luc',
      city: 'Sainte-Adèle',
      street: 'rue Morin',
      civic_number: '123',
      contacts: [
        contact({ kind: 'landline', value: '+14505550199', order: 1 }),
        contact({ kind: 'email', value: 'luc@exemple.ca', order: 2 }),
      ],
    }),
  };

  async function toPending(decide: Handler): Promise<Mounted> {
    const m = await mount((cmd, args) => {
      if (cmd === 'request_code') return online;
      if (cmd === 'delivery_status') return { state: 'sent', channel: 'sms', fallback: null };
      if (cmd === 'login') return loginOutcome({ profile: current, pending_change: pending });
      if (cmd === 'decide_pending_change') return decide(cmd, args);
      return undefined;
    });
    await logIn(m);
    expect(visibleScreen(m.root)).toBe('screen-profile');
    return m;
  }

  it('shows the pending registration above the form, dated and summarized, in FR and EN', async () => {
    const m = await toPending(() => current);
    const panel = m.$('#pending-change');
    expect(panel.hidden).toBe(false);
    expect(panel.getAttribute('role')).toBe('region');
    const labelledBy = panel.getAttribute('aria-labelledby') ?? '';
    expect(text(m, `#${labelledBy}`)).toBe('Inscription en attente de votre approbation');
    // Above the form.
    expect(panel.compareDocumentPosition(m.$('#form-profile')) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(text(m, '#pending-change-text')).toContain('Une inscription faite hors ligne pour ce numéro le 14\u00a0mars\u00a02025 à ');
    expect(text(m, '#pending-change-text')).toMatch(/attend votre approbation\.$/);
    const summary = text(m, '#pending-change-summary');
    for (const part of ['Gagnon', 'Luc', '123 rue Morin, Sainte-Adèle', 'Téléphone fixe — 450 555-0199', 'Courriel — luc@exemple.ca']) {
      expect(summary).toContain(part);
    }
    expect(text(m, '#pending-accept')).toBe('Appliquer ces informations');
    expect(text(m, '#pending-discard')).toBe('Garder mes informations actuelles');
    // The form holds the current information until the owner decides.
    expect(m.$<HTMLInputElement>('#name').value).toBe('Tremblay');
    expect(m.$('#offline-note').hidden).toBe(true);

    m.$('#btn-lang').click();
    expect(text(m, '#pending-change-text')).toContain('A registration made offline for this number on March\u00a014,\u00a02025 at ');
    expect(text(m, '#pending-change-summary')).toContain('Landline — 450 555-0199');
    expect(text(m, '#pending-accept')).toBe('Apply this information');
    expect(text(m, '#pending-discard')).toBe('Keep my current information');
  });

  it('« Appliquer ces informations »: decides with accept true, fills the form with the answer, hides the panel', async () => {
    const m = await toPending(() => pending.profile);
    m.$('#pending-accept').click();
    await flush();
    expect(sentArgs(m, 'decide_pending_change')).toEqual([{ accept: true }]);
    expect(m.$('#pending-change').hidden).toBe(true);
    expect(m.$<HTMLInputElement>('#name').value).toBe('Gagnon');
    expect(m.$<HTMLInputElement>('#first-name').value).toBe('Luc');
    expect(m.$<HTMLInputElement>('#street').value).toBe('rue Morin');
    expect(m.$<HTMLInputElement>('#civic-number').value).toBe('123');
    expect(contactValues(m)).toEqual(['450 555-0199', 'luc@exemple.ca']);
    expect(text(m, '#pending-result')).toBe(
      'Les informations de l’inscription faite hors ligne ont été appliquées. Vérifiez le formulaire ci-dessous, puis confirmez.',
    );
    expect(m.$('#pending-result').getAttribute('role')).toBe('status');
    expect(visibleScreen(m.root)).toBe('screen-profile');
  });

  it('« Garder mes informations actuelles »: decides with accept false and fills the form with the answer', async () => {
    const kept = { ...current, street: 'chemin Pierre-Péladeau' };
    const m = await toPending(() => kept);
    type(m.$<HTMLInputElement>('#name'), 'Typed meanwhile');
    m.$('#pending-discard').click();
    await flush();
    expect(sentArgs(m, 'decide_pending_change')).toEqual([{ accept: false }]);
    expect(m.$('#pending-change').hidden).toBe(true);
    expect(m.$<HTMLInputElement>('#name').value).toBe('Tremblay');
    expect(m.$<HTMLInputElement>('#street').value).toBe('chemin Pierre-Péladeau');
    expect(contactValues(m)).toEqual([PHONE]);
    expect(text(m, '#pending-result')).toBe(
      'Vos informations actuelles sont gardées et l’inscription faite hors ligne a été écartée.',
    );
  });

  it('shows errors the usual way and keeps the panel', async () => {
    const m = await toPending(() => {
      throw UNREACHABLE;
    });
    const before = m.count('connectivity');
    m.$('#pending-accept').click();
    await flush();
    expect(text(m, '#form-error')).toBe(
      'Le service de la ville ne répond pas pour le moment. Veuillez réessayer dans quelques minutes.',
    );
    expect(m.count('connectivity')).toBe(before + 1);
    expect(m.$('#pending-change').hidden).toBe(false);
    expect(m.$<HTMLButtonElement>('#pending-accept').disabled).toBe(false);
    expect(m.$<HTMLInputElement>('#name').value).toBe('Tremblay');
  });

  it('does not decide twice while waiting', async () => {
    let answer: (p: Profile) => void = () => undefined;
    const m = await toPending(
      () =>
        new Promise<Profile>((resolve) => {
          answer = resolve;
        }),
    );
    m.$('#pending-accept').click();
    await flush();
    expect(m.$<HTMLButtonElement>('#pending-accept').disabled).toBe(true);
    expect(m.$<HTMLButtonElement>('#pending-discard').disabled).toBe(true);
    m.$('#pending-discard').click();
    await flush();
    expect(m.count('decide_pending_change')).toBe(1);
    answer(pending.profile);
    await flush();
    expect(m.$<HTMLInputElement>('#name').value).toBe('Gagnon');
  });
});

describe('reset and wipe', () => {
  it('« Terminer » after an offline registration forgets the reference, the offline variant and its steps', async () => {
    let offline = true;
    const m = await mount((cmd, args) => {
      if (cmd === 'request_code') return offline ? offlineForm() : online;
      if (cmd === 'delivery_status') return { state: 'sent', channel: 'sms', fallback: null };
      if (cmd === 'save_profile') return queued((args as { profile: Profile }).profile);
      if (cmd === 'login') return loginOutcome();
      return undefined;
    });
    await submitStepOne(m);
    type(m.$<HTMLInputElement>('#name'), 'Tremblay');
    m.$('#btn-profile-submit').click();
    await flush();
    expect(text(m, '#done-reference')).toBe('7F3A-92C1');

    m.$('#btn-finish').click();
    await flush();
    expect(visibleScreen(m.root)).toBe('screen-attract');
    expect(m.count('reset_session')).toBe(1);
    expect(m.root.querySelector('#done-reference')).toBeNull();
    expect(m.$('#done-offline').hidden).toBe(true);
    expect(text(m, '#done-offline')).toBe('');
    expect(text(m, '#title-done')).toBe('Votre inscription est confirmée');
    expect(m.$('#offline-note').hidden).toBe(true);
    expect(text(m, '#offline-note')).toBe('');
    expect(m.$('#profile-phone').hidden).toBe(true);
    expect(text(m, '#profile-phone')).toBe('');
    expect(document.body.textContent).not.toContain('7F3A-92C1');
    expect(document.body.textContent).not.toContain(PHONE);

    // The next resident, online: the usual steps and no offline note.
    offline = false;
    await logIn(m);
    expect(visibleScreen(m.root)).toBe('screen-profile');
    expect(text(m, '#step-indicator')).toBe('Étape 4 de 5');
    expect(m.$('#offline-note').hidden).toBe(true);
  });

  it('the idle wipe forgets a pending change and its decision', async () => {
    const m = await mount((cmd) => {
      if (cmd === 'request_code') return online;
      if (cmd === 'delivery_status') return { state: 'sent', channel: 'sms', fallback: null };
      if (cmd === 'login') {
        return loginOutcome({
          pending_change: { id: 'x', captured_at: '2025-03-14T15:30:00Z', kiosk_id: 'k', profile: emptyProfile({ name: 'Gagnon' }) },
        });
      }
      return undefined;
    });
    await logIn(m);
    expect(m.$('#pending-change').hidden).toBe(false);
    await m.app.wipe();
    await flush();
    expect(visibleScreen(m.root)).toBe('screen-attract');
    expect(m.$('#pending-change').hidden).toBe(true);
    expect(text(m, '#pending-change-summary')).toBe('');
    expect(text(m, '#pending-change-text')).toBe('');
    expect(text(m, '#pending-result')).toBe('');
    expect(document.body.textContent).not.toContain('Gagnon');
  });

  it('the idle wipe after an offline login forgets the offline variant', async () => {
    const m = await mount((cmd) => {
      if (cmd === 'request_code') return online;
      if (cmd === 'delivery_status') return { state: 'sent', channel: 'sms', fallback: null };
      if (cmd === 'login') return loginOutcome({ offline: true });
      return undefined;
    });
    await logIn(m);
    expect(m.$('#offline-note').hidden).toBe(false);
    await m.app.wipe();
    await flush();
    expect(m.$('#offline-note').hidden).toBe(true);
    expect(m.$('#profile-phone').hidden).toBe(true);
    expect(document.body.textContent).not.toContain(PHONE);
  });
});
