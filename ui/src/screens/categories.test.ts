// Step 5 « Catégories d'alertes »: emergencies always included, the town's optional categories
// (kiosk_info) ticked by the resident, sent in the profile, ticked back from a profile, summarized.
import { clearMocks } from '@tauri-apps/api/mocks';
import axe from 'axe-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CodeRequestOutcome, ErrorBody, LoginOutcome, PendingChange, Profile, ProfileOutcome } from '../bindings';
import { errorMessage, setLanguage, t } from '../i18n';
import {
  CATEGORIES,
  contact,
  emptyProfile,
  flush,
  INFO,
  labelText,
  mount,
  type Handler,
  type Mounted,
  type,
  visibleScreen,
} from '../test-helpers';

beforeEach(() => {
  setLanguage('fr');
});
afterEach(() => {
  clearMocks();
});

const PHONE = '514 555-0100';
const EMERGENCY_FR = t('profile.category_emergency', {}, 'fr');
const EMERGENCY_EN = 'Emergencies and civil security (always included)';
const LABELS_FR = ['Avis d’ébullition', 'Déneigement', 'Fermetures de rues', 'Collectes', 'Loisirs et vie communautaire'];
const LABELS_EN = ['Boil-water notices', 'Snow removal', 'Street closures', 'Waste collection', 'Recreation and community life'];

const stored = emptyProfile({
  name: 'Tremblay',
  city: 'Sainte-Adèle',
  contacts: [contact({ kind: 'mobile', value: '+15145550100', order: 1 })],
});

const online: CodeRequestOutcome = {
  mode: 'online',
  phone_display: PHONE,
  channel: 'sms',
  code_expires_at: '2030-01-01T00:00:00Z',
  fallback: null,
  resend_after_seconds: 60,
};

function loginOutcome(partial: Partial<LoginOutcome> = {}): LoginOutcome {
  return { phone_display: PHONE, existing_profile: true, profile: stored, offline: false, pending_change: null, ...partial };
}

function savedOnline(profile: Profile): ProfileOutcome {
  return { mode: 'online', profile, saved_at: '2030-01-01T00:00:00Z' };
}

/** request_code and login succeed; `save_profile` answers with `save` (the profile sent, by default). */
function signup(login: LoginOutcome = loginOutcome(), save: (p: Profile) => ProfileOutcome = savedOnline): Handler {
  return (cmd, args) => {
    if (cmd === 'request_code') return online;
    if (cmd === 'delivery_status') return { state: 'sent', channel: 'sms', fallback: null };
    if (cmd === 'login') return login;
    if (cmd === 'save_profile') return save((args as { profile: Profile }).profile);
    return undefined;
  };
}

/** Steps 1 to 4, the way a resident does, up to the form. */
async function toProfile(m: Mounted): Promise<void> {
  m.$('#btn-start').click();
  m.$('#btn-new-user').click();
  await flush();
  type(m.$<HTMLInputElement>('#phone'), PHONE);
  m.$<HTMLInputElement>('#channel-sms').click();
  type(m.$<HTMLInputElement>('#captcha-answer'), 'XYZ');
  m.$<HTMLInputElement>('#consent').click();
  m.$('#btn-request-submit').click();
  await flush();
  if (visibleScreen(m.root) === 'screen-code') {
    type(m.$<HTMLInputElement>('#code'), '123456');
    m.$('#btn-code-submit').click();
    m.$('#btn-login').click();
    await flush();
  }
  expect(visibleScreen(m.root)).toBe('screen-profile');
}

function box(m: Mounted, id: string): HTMLInputElement {
  return m.$<HTMLInputElement>(`#category-${id}`);
}

function offeredBoxes(m: Mounted): HTMLInputElement[] {
  return Array.from(m.$('#profile-categories').querySelectorAll<HTMLInputElement>('input[id^="category-"]'));
}

function ticked(m: Mounted): string[] {
  return offeredBoxes(m)
    .filter((b) => b.checked)
    .map((b) => b.value);
}

function offeredLabels(m: Mounted): string[] {
  return offeredBoxes(m).map((b) => labelText(m.root, b.id));
}

function sentProfiles(m: Mounted): Profile[] {
  return m.calls.filter((c) => c.cmd === 'save_profile').map((c) => (c.args as { profile: Profile }).profile);
}

function summaryCategories(m: Mounted, selector: string): string[] {
  return Array.from(m.$(selector).querySelectorAll('.summary-categories li'), (li) => li.textContent);
}

describe('« Catégories d’alertes » (step 5)', () => {
  it('lists the offered categories after the newsletter and before the contacts, with emergencies always on', async () => {
    const m = await mount();
    m.app.show('profile');
    const section = m.$('#profile-categories');
    expect(section.tagName).toBe('FIELDSET');
    expect(section.querySelector('legend')?.textContent).toBe(`${t('profile.categories', {}, 'fr')} (facultatif)`);
    // Placed after « Info Lettre » and before the contact points.
    const follows = (a: Node, b: Node): boolean => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0;
    expect(follows(m.$('#newsletter'), section)).toBe(true);
    expect(follows(m.$('#help-newsletter'), section)).toBe(true);
    expect(follows(section, m.$('#contacts'))).toBe(true);

    // Emergencies: first, ticked, cannot be unticked.
    const emergency = m.$<HTMLInputElement>('#categories-emergency');
    expect(section.querySelector('input')).toBe(emergency);
    expect(emergency.type).toBe('checkbox');
    expect(emergency.checked).toBe(true);
    expect(emergency.disabled).toBe(true);
    expect(labelText(m.root, 'categories-emergency')).toBe(EMERGENCY_FR);
    emergency.click();
    expect(emergency.checked).toBe(true);

    // The town's categories, in order, none ticked.
    expect(offeredBoxes(m).map((b) => b.id)).toEqual(CATEGORIES.map((c) => `category-${c.id}`));
    expect(offeredBoxes(m).map((b) => b.value)).toEqual(CATEGORIES.map((c) => c.id));
    expect(offeredBoxes(m).every((b) => b.type === 'checkbox' && !b.disabled)).toBe(true);
    expect(offeredLabels(m)).toEqual(LABELS_FR);
    expect(ticked(m)).toEqual([]);
    expect(m.$('#help-categories').hidden).toBe(false);
    expect(m.$('#error-categories').dataset.errorFor).toBe('categories');
  });

  it('passes axe (labels, roles, attributes), with and without an error shown', async () => {
    const m = await mount((cmd) => {
      if (cmd === 'save_profile') {
        throw { code: 'validation', message: '', fields: [{ field: 'categories', code: 'profile.unknown_category' }], retry_after_seconds: null };
      }
      return undefined;
    });
    m.app.show('profile');
    const audit = async (): Promise<string[]> => {
      const result = await axe.run(m.$('#profile-categories'), { rules: { 'color-contrast': { enabled: false } } });
      // Not an empty audit: the checkboxes' labels and ARIA attributes were checked.
      expect(result.passes.map((r) => r.id)).toEqual(expect.arrayContaining(['label', 'aria-allowed-attr', 'aria-valid-attr-value']));
      return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    };
    expect(await audit()).toEqual([]);
    m.$('#btn-profile-submit').click();
    await flush();
    expect(m.$('#error-categories').hidden).toBe(false);
    expect(await audit()).toEqual([]);
  });

  it('a town without optional categories: only the emergency line', async () => {
    const m = await mount(undefined, { ...INFO, categories: [] });
    m.app.show('profile');
    expect(offeredBoxes(m)).toEqual([]);
    expect(m.$<HTMLInputElement>('#categories-emergency').checked).toBe(true);
    expect(m.$('#help-categories').hidden).toBe(true);
  });

  it('sends the two ticked categories in the order offered (online)', async () => {
    const m = await mount(signup());
    await toProfile(m);
    box(m, 'community').click();
    box(m, 'boil_water').click();
    box(m, 'snow_removal').click();
    box(m, 'snow_removal').click();
    m.$('#btn-profile-submit').click();
    await flush();
    expect(sentProfiles(m)).toHaveLength(1);
    expect(sentProfiles(m)[0]?.categories).toEqual(['boil_water', 'community']);
    expect(visibleScreen(m.root)).toBe('screen-done');
  });

  it('sends nothing ticked as an empty list', async () => {
    const m = await mount(signup());
    await toProfile(m);
    m.$('#btn-profile-submit').click();
    await flush();
    expect(sentProfiles(m)[0]?.categories).toEqual([]);
  });

  it('offline form: starts from the prefilled profile and sends the ticked categories', async () => {
    const m = await mount((cmd, args) => {
      if (cmd === 'request_code') return { mode: 'offline', phone_display: PHONE, profile: emptyProfile({ categories: ['collections'] }) };
      if (cmd === 'save_profile') {
        const profile = (args as { profile: Profile }).profile;
        return { mode: 'offline', reference: '7F3A-92C1', phone_display: PHONE, channel: 'sms', profile, needs_confirmation: true };
      }
      return undefined;
    });
    await toProfile(m);
    expect(ticked(m)).toEqual(['collections']);
    type(m.$<HTMLInputElement>('#name'), 'Tremblay');
    type(m.$<HTMLSelectElement>('#contacts [data-field="kind"]'), 'mobile');
    box(m, 'street_closures').click();
    m.$('#btn-profile-submit').click();
    await flush();
    expect(sentProfiles(m)[0]?.categories).toEqual(['street_closures', 'collections']);
    expect(m.$('#done-offline').hidden).toBe(false);
    expect(summaryCategories(m, '#confirmation')).toEqual([EMERGENCY_FR, 'Fermetures de rues', 'Collectes']);
  });

  it('ticks back the categories of the stored profile after login', async () => {
    const m = await mount(signup(loginOutcome({ profile: { ...stored, categories: ['snow_removal', 'community'] } })));
    await toProfile(m);
    expect(ticked(m)).toEqual(['snow_removal', 'community']);
    expect(m.$<HTMLInputElement>('#categories-emergency').checked).toBe(true);
    // Saved again untouched: the same choices.
    m.$('#btn-profile-submit').click();
    await flush();
    expect(sentProfiles(m)[0]?.categories).toEqual(['snow_removal', 'community']);
  });

  it('switches the labels with the language, keeping what is ticked', async () => {
    const m = await mount(signup());
    await toProfile(m);
    box(m, 'collections').click();
    m.$('#btn-lang').click();
    expect(m.$('#profile-categories legend').textContent).toBe('Alert categories (optional)');
    expect(labelText(m.root, 'categories-emergency')).toBe(EMERGENCY_EN);
    expect(offeredLabels(m)).toEqual(LABELS_EN);
    expect(ticked(m)).toEqual(['collections']);
    m.$('#btn-lang').click();
    expect(m.$('#profile-categories legend').textContent).toBe(`${t('profile.categories', {}, 'fr')} (facultatif)`);
    expect(labelText(m.root, 'categories-emergency')).toBe(EMERGENCY_FR);
    expect(offeredLabels(m)).toEqual(LABELS_FR);
  });

  it('the confirmation lists the chosen categories by name, emergencies first (FR and EN)', async () => {
    const m = await mount(signup());
    await toProfile(m);
    box(m, 'community').click();
    box(m, 'boil_water').click();
    m.$('#btn-profile-submit').click();
    await flush();
    expect(visibleScreen(m.root)).toBe('screen-done');
    expect(m.$('#confirmation').textContent).toContain(t('done.categories', {}, 'fr'));
    expect(summaryCategories(m, '#confirmation')).toEqual([EMERGENCY_FR, 'Avis d’ébullition', 'Loisirs et vie communautaire']);
    m.$('#btn-lang').click();
    expect(m.$('#confirmation').textContent).toContain('Alert categories');
    expect(summaryCategories(m, '#confirmation')).toEqual([EMERGENCY_EN, 'Boil-water notices', 'Recreation and community life']);
  });

  it('the pending-change summary lists its categories, and applying it ticks them', async () => {
    const pending: PendingChange = {
      id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
      captured_at: '2025-03-14T15:30:00Z',
      kiosk_id: 'kiosk-2',
      profile: { ...stored, name: 'Gagnon', categories: ['street_closures'] },
    };
    const handler = signup(loginOutcome({ pending_change: pending }));
    const m = await mount((cmd, args) => (cmd === 'decide_pending_change' ? pending.profile : handler(cmd, args)));
    await toProfile(m);
    expect(ticked(m)).toEqual([]);
    expect(summaryCategories(m, '#pending-change-summary')).toEqual([EMERGENCY_FR, 'Fermetures de rues']);
    m.$('#btn-lang').click();
    expect(summaryCategories(m, '#pending-change-summary')).toEqual([EMERGENCY_EN, 'Street closures']);
    m.$('#btn-lang').click();
    m.$('#pending-accept').click();
    await flush();
    expect(ticked(m)).toEqual(['street_closures']);
  });

  it('shows profile.unknown_category next to the section; ticking again clears it', async () => {
    const error: ErrorBody = {
      code: 'validation',
      message: '',
      fields: [{ field: 'categories', code: 'profile.unknown_category' }],
      retry_after_seconds: null,
    };
    const m = await mount(
      signup(undefined, () => {
        throw error;
      }),
    );
    await toProfile(m);
    box(m, 'boil_water').click();
    m.$('#btn-profile-submit').click();
    await flush();
    const shown = m.$('#error-categories');
    expect(shown.hidden).toBe(false);
    expect(shown.dataset.errorCode).toBe('profile.unknown_category');
    expect(shown.textContent).toBe(
      errorMessage('profile.unknown_category', 'fr'),
    );
    // In the section, described by it, and the section's first box has the focus.
    expect(m.$('#profile-categories').contains(shown)).toBe(true);
    expect(offeredBoxes(m).every((b) => b.getAttribute('aria-describedby')?.split(' ').includes('error-categories'))).toBe(true);
    expect(box(m, 'boil_water').getAttribute('aria-invalid')).toBe('true');
    expect(document.activeElement).toBe(box(m, 'boil_water'));
    expect(m.$('#form-error').textContent).toBe('Certains renseignements sont à corriger.');
    // The form is kept.
    expect(ticked(m)).toEqual(['boil_water']);
    m.$('#btn-lang').click();
    expect(shown.textContent).toBe(
      'One of the alert categories ticked is not offered by the town. Untick it, then confirm again, or tell a staff member.',
    );
    m.$('#btn-lang').click();

    box(m, 'boil_water').click();
    expect(shown.hidden).toBe(true);
    expect(box(m, 'boil_water').hasAttribute('aria-invalid')).toBe(false);
  });

  it('shows profile.invalid_category next to the section too', async () => {
    const m = await mount(
      signup(undefined, () => {
        throw { code: 'validation', message: '', fields: [{ field: 'categories', code: 'profile.invalid_category' }], retry_after_seconds: null };
      }),
    );
    await toProfile(m);
    m.$('#btn-profile-submit').click();
    await flush();
    expect(m.$('#error-categories').textContent).toBe(
      errorMessage('profile.invalid_category', 'fr'),
    );
  });

  it('is wiped with the session: nothing ticked for the next resident, emergencies still on', async () => {
    let profile: Profile = { ...stored, categories: ['boil_water'] };
    const m = await mount((cmd, args) => signup(loginOutcome({ profile }))(cmd, args));
    await toProfile(m);
    box(m, 'collections').click();
    expect(ticked(m)).toEqual(['boil_water', 'collections']);
    m.$('#btn-cancel-profile').click();
    m.$('#confirm-cancel-profile-yes').click();
    await flush();
    expect(visibleScreen(m.root)).toBe('screen-attract');
    expect(ticked(m)).toEqual([]);
    expect(m.$<HTMLInputElement>('#categories-emergency').checked).toBe(true);
    expect(m.$('#error-categories').hidden).toBe(true);

    // The next resident, a new profile: nothing ticked.
    profile = emptyProfile({ contacts: [contact({ value: '+15145550100' })] });
    await toProfile(m);
    expect(ticked(m)).toEqual([]);
    expect(m.$<HTMLInputElement>('#categories-emergency').checked).toBe(true);
  });
});
