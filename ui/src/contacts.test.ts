import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ErrorBody, LoginOutcome, Profile, ProfileOutcome } from './bindings';
import { createContactsEditor } from './contacts';
import { formatPhone } from './format';
import { errorMessage, setLanguage, t } from './i18n';
import { contact, emptyProfile, flush, mount, type, visibleScreen } from './test-helpers';

beforeEach(() => {
  setLanguage('fr');
});
afterEach(() => {
  clearMocks();
});

function rowsOf(root: ParentNode): HTMLTableRowElement[] {
  return Array.from(root.querySelectorAll<HTMLTableRowElement>('#contacts tbody tr.contact-row'));
}
function cellInput(row: HTMLElement, field: string): HTMLInputElement {
  const el = row.querySelector<HTMLInputElement>(`[data-field="${field}"]`);
  if (!el) throw new Error(field);
  return el;
}
function values(root: ParentNode, field: string): string[] {
  return rowsOf(root).map((r) => cellInput(r, field).value);
}
function press(row: HTMLElement, action: string): void {
  const btn = row.querySelector<HTMLButtonElement>(`[data-action="${action}"]`);
  if (!btn) throw new Error(action);
  btn.click();
}

describe('formatPhone', () => {
  it('formats E.164 numbers and leaves other values alone', () => {
    expect(formatPhone('+15145550101')).toBe('514 555-0101');
    expect(formatPhone('nom@exemple.ca')).toBe('nom@exemple.ca');
    expect(formatPhone('514 555-0101')).toBe('514 555-0101');
  });
});

describe('contacts editor', () => {
  function editor() {
    const ed = createContactsEditor();
    document.body.replaceChildren(ed.element);
    return ed;
  }

  it('loads contacts sorted by order with phones formatted', () => {
    const ed = editor();
    ed.setContacts([
      contact({ kind: 'email', value: 'marie@exemple.ca', order: 2 }),
      contact({ kind: 'landline', value: '+15145550101', order: 1, extension: '12', extension_delay_seconds: 5 }),
    ]);
    const rows = rowsOf(document);
    expect(values(document, 'value')).toEqual(['514 555-0101', 'marie@exemple.ca']);
    expect(values(document, 'order')).toEqual(['1', '2']);
    expect(rows[0]?.textContent).toContain('Messages vocaux seulement');
    expect(rows[1]?.querySelector('.channels')?.textContent).toBe('Courriel');
    // Extension and delay disabled for email only.
    expect(cellInput(rows[0] as HTMLElement, 'extension').disabled).toBe(false);
    expect(cellInput(rows[1] as HTMLElement, 'extension').disabled).toBe(true);
    expect(cellInput(rows[1] as HTMLElement, 'extension_delay_seconds').disabled).toBe(true);
  });

  it('adds rows with order max+1, moves and removes rows renumbering 1..n', () => {
    const ed = editor();
    ed.setContacts([contact({ value: '+15145550101', order: 1 }), contact({ value: '+15145550102', order: 5 })]);
    document.querySelector<HTMLButtonElement>('#btn-add-contact')?.click();
    let rows = rowsOf(document);
    expect(rows).toHaveLength(3);
    const added = rows[2] as HTMLElement;
    expect(cellInput(added, 'order').value).toBe('6');
    expect(cellInput(added, 'active').checked).toBe(true);
    // Its type is the resident's to choose.
    expect(cellInput(added, 'kind').value).toBe('');
    expect(added.textContent).toContain('Cellulaire ou téléphone fixe\u202f? Seul un cellulaire reçoit les SMS.');
    type(cellInput(added, 'kind'), 'email');
    // What the choice changed (the type list itself always holds « Courriel »).
    expect(added.querySelector('.channels')?.textContent).toBe(t('contacts.channels_email'));
    expect(cellInput(added, 'extension').disabled).toBe(true);
    type(cellInput(added, 'value'), 'c@exemple.ca');

    press(added, 'up');
    expect(values(document, 'value')).toEqual(['514 555-0101', 'c@exemple.ca', '514 555-0102']);
    expect(values(document, 'order')).toEqual(['1', '2', '3']);

    rows = rowsOf(document);
    press(rows[0], 'down');
    expect(values(document, 'value')).toEqual(['c@exemple.ca', '514 555-0101', '514 555-0102']);
    expect(values(document, 'order')).toEqual(['1', '2', '3']);

    press(rowsOf(document)[0], 'remove');
    expect(values(document, 'value')).toEqual(['514 555-0101', '514 555-0102']);
    expect(values(document, 'order')).toEqual(['1', '2']);
    // Edge buttons disabled.
    const first = rowsOf(document)[0] as HTMLElement;
    expect(first.querySelector<HTMLButtonElement>('[data-action="up"]')?.disabled).toBe(true);
    expect(first.querySelector<HTMLButtonElement>('[data-action="up"]')?.textContent).toContain('Monter');
  });

  it('switching a row to email clears and disables extension and delay', () => {
    const ed = editor();
    const row = ed.addRow({ kind: 'mobile', value: '+15145550101', extension: '22', extension_delay_seconds: 4 });
    const kind = row.querySelector('select');
    if (!kind) throw new Error('no select');
    type(kind, 'email');
    expect(cellInput(row, 'extension').disabled).toBe(true);
    const read = ed.read();
    expect(read.ok && read.contacts[0]).toMatchObject({ kind: 'email', extension: '', extension_delay_seconds: null });
  });

  it('builds contact points in table order, as typed, empty delay as null', () => {
    const ed = editor();
    ed.setContacts([
      contact({ kind: 'landline', value: '+15145550101', order: 1, extension: '123', extension_delay_seconds: 8 }),
      contact({ kind: 'mobile', value: '+14385550102', order: 2, description: 'Cell Marie', active: false }),
    ]);
    press(rowsOf(document)[1], 'up');
    type(cellInput(rowsOf(document)[1], 'extension_delay_seconds'), '');
    expect(ed.read()).toEqual({ ok: true, contacts: [
      {
        active: false,
        description: 'Cell Marie',
        kind: 'mobile',
        value: '438 555-0102',
        extension: '',
        extension_delay_seconds: null,
        order: 1,
      },
      {
        active: true,
        description: '',
        kind: 'landline',
        value: '514 555-0101',
        extension: '123',
        extension_delay_seconds: null,
        order: 2,
      },
    ] });
  });
});

describe('profile screen', () => {
  const outcome: LoginOutcome = {
    phone_display: '514 555-0100',
    existing_profile: true,
    profile: emptyProfile({
      name: 'Tremblay',
      first_name: 'Marie',
      city: 'Sainte-Adèle',
      newsletter: true,
      contacts: [
        contact({ kind: 'mobile', value: '+15145550100', order: 1 }),
        contact({ kind: 'email', value: 'marie@exemple.ca', order: 2 }),
      ],
    }),
    offline: false,
    pending_change: null,
  };

  async function toProfile(saveReply: (p: Profile) => ProfileOutcome | ErrorBody) {
    const m = await mount((cmd, args) => {
      if (cmd === 'request_code') return { mode: 'online', phone_display: '514 555-0100', channel: 'sms', code_expires_at: 'x' };
      if (cmd === 'login') return outcome;
      if (cmd === 'save_profile') {
        const reply = saveReply((args as { profile: Profile }).profile);
        if ('code' in reply) throw reply;
        return reply;
      }
      return undefined;
    });
    m.$('#btn-start').click();
    m.$('#btn-new-user').click();
    await flush();
    m.$('#btn-request-submit').click();
    await flush();
    type(m.$<HTMLInputElement>('#code'), '123456');
    m.$('#btn-code-submit').click();
    await flush();
    expect(visibleScreen(m.root)).toBe('screen-login');
    expect(m.$<HTMLInputElement>('#login-phone').value).toBe('514 555-0100');
    expect(m.$<HTMLInputElement>('#login-code').value).toBe('123456');
    m.$('#btn-login').click();
    await flush();
    expect(visibleScreen(m.root)).toBe('screen-profile');
    return m;
  }

  it('shows per-row errors in the right row and keeps what was typed', async () => {
    const m = await toProfile(() => ({
      code: 'validation',
      message: '',
      fields: [
        { field: 'contacts.1.value', code: 'email.invalid' },
        { field: 'postal_code', code: 'postal_code.outside_quebec' },
      ],
      retry_after_seconds: null,
    }));
    type(m.$<HTMLInputElement>('#postal-code'), 'K1A 0B1');
    m.$('#btn-profile-submit').click();
    await flush();
    const rows = rowsOf(m.root);
    const err = rows[1]?.querySelector<HTMLElement>('[data-error-for="contacts.1.value"]');
    expect(err?.hidden).toBe(false);
    expect(err?.textContent).toBe(errorMessage('email.invalid', 'fr'));
    expect(err?.closest('td')?.querySelector('[data-field="value"]')?.getAttribute('aria-invalid')).toBe('true');
    expect(rows[0]?.querySelector('.field-error:not([hidden])')).toBeNull();
    expect(m.$('[data-error-for="postal_code"]').textContent).toBe('Ce code postal n’est pas au Québec.');
    expect(m.$<HTMLInputElement>('#postal-code').value).toBe('K1A 0B1');
    expect(m.$<HTMLInputElement>('#name').value).toBe('Tremblay');
    expect(visibleScreen(m.root)).toBe('screen-profile');

    // Moving the row carries its error along and re-targets it to its new index.
    press(rows[1], 'up');
    expect(rowsOf(m.root)[0]?.querySelector('[data-error-for="contacts.0.value"]')?.textContent).toContain('courriel');
  });

  it('saves the profile built from the form and shows the summary', async () => {
    let sent: Profile | null = null;
    const m = await toProfile((p) => {
      sent = p;
      return { mode: 'online', profile: { ...p, contacts: [contact({ kind: 'mobile', value: '+15145550100', order: 1, extension: '7', extension_delay_seconds: 3 }), contact({ kind: 'email', value: 'marie@exemple.ca', order: 2 })] }, saved_at: '2030-01-01T00:00:00Z' };
    });
    expect(m.$<HTMLInputElement>('#city').value).toBe('Sainte-Adèle');
    type(m.$<HTMLInputElement>('#street'), 'rue Morin');
    type(m.$<HTMLInputElement>('#civic-number'), '123');
    m.$('#btn-add-contact').click();
    const added = rowsOf(m.root)[2] as HTMLElement;
    type(cellInput(added, 'value'), '450 555-0199');
    type(cellInput(added, 'kind'), 'landline');
    m.$('#btn-profile-submit').click();
    await flush();
    expect(sent).toMatchObject({
      name: 'Tremblay',
      first_name: 'Marie',
      city: 'Sainte-Adèle',
      street: 'rue Morin',
      civic_number: '123',
      newsletter: true,
      contacts: [
        { kind: 'mobile', value: '514 555-0100', order: 1 },
        { kind: 'email', value: 'marie@exemple.ca', order: 2 },
        { kind: 'landline', value: '450 555-0199', order: 3, active: true, extension_delay_seconds: null },
      ],
    });
    expect(visibleScreen(m.root)).toBe('screen-done');
    const summary = m.$('#confirmation').textContent;
    expect(summary).toContain('Tremblay');
    expect(summary).toContain('123 rue Morin');
    expect(summary).toContain('Oui');
    expect(summary).toContain('Cellulaire — 514 555-0100 — poste 7 — délai de 3\u00a0s');
    expect(m.$('#confirmation').querySelectorAll('.summary-contacts li')).toHaveLength(2);
    // No category ticked: only the always-included emergencies.
    expect(Array.from(m.$('#confirmation').querySelectorAll('.summary-categories li'), (li) => li.textContent)).toEqual([
      t('profile.category_emergency', {}, 'fr'),
    ]);
  });
});

describe('row actions', () => {
  /** The accessible name from the content (what is hidden from assistive technologies left out). */
  function nameOf(el: Element): string {
    return Array.from(el.childNodes)
      .map((n) => (n instanceof Element ? (n.getAttribute('aria-hidden') === 'true' ? '' : nameOf(n)) : (n.textContent ?? '')))
      .join('');
  }
  /** What is seen: the text, without what is for screen readers only. */
  function shownText(el: Element): string {
    return Array.from(el.childNodes)
      .map((n) => (n instanceof Element ? (n.classList.contains('visually-hidden') ? '' : shownText(n)) : (n.textContent ?? '')))
      .join('');
  }

  it('say what they do, and which line, in French then in English', async () => {
    const m = await mount();
    m.app.show('profile');
    m.app.contacts.setContacts([contact({ value: '+15145550101', order: 1 }), contact({ kind: 'email', value: 'a@b.ca', order: 2 })]);
    const actions = (): string[][] =>
      rowsOf(m.root).map((row) => Array.from(row.querySelectorAll('button[data-action]'), (b) => `${shownText(b).trim()} | ${nameOf(b).trim()}`));
    expect(actions()).toEqual([
      ['▲Monter | Monter — Coordonnée 1', '▼Descendre | Descendre — Coordonnée 1', '✕Retirer | Retirer — Coordonnée 1'],
      ['▲Monter | Monter — Coordonnée 2', '▼Descendre | Descendre — Coordonnée 2', '✕Retirer | Retirer — Coordonnée 2'],
    ]);
    // The glyphs are decoration: hidden from assistive technologies.
    for (const glyph of m.root.querySelectorAll('#contacts .row-action-glyph')) expect(glyph.getAttribute('aria-hidden')).toBe('true');
    m.$('#btn-lang').click();
    expect(actions()[1]).toEqual(['▲Move up | Move up — Contact 2', '▼Move down | Move down — Contact 2', '✕Remove | Remove — Contact 2']);
    // Moved, a line's buttons name its new place.
    press(rowsOf(m.root)[0], 'down');
    expect(rowsOf(m.root)[1]?.querySelector('[data-action="up"]')?.textContent).toContain('Contact 2');
    expect(cellInput(rowsOf(m.root)[1] as HTMLElement, 'value').value).toBe('514 555-0101');
  });

  it('each field of a line is labelled with its column and its line (shown above it as a card)', async () => {
    const m = await mount();
    m.app.show('profile');
    m.app.contacts.setContacts([contact({ value: '+15145550101', order: 1 })]);
    const row = rowsOf(m.root)[0] as HTMLElement;
    const labelOf = (field: string): string => {
      const id = row.querySelector(`[data-field="${field}"]`)?.id ?? '';
      return m.root.querySelector(`label[for="${id}"]`)?.textContent ?? '';
    };
    expect(labelOf('extension_delay_seconds')).toBe('Délai pour poste — Coordonnée 1');
    expect(labelOf('kind')).toBe('Type — Coordonnée 1');
    expect(row.querySelector('.card-title')?.textContent).toBe('Coordonnée 1');
  });
});

describe('step 5 asks the type of the first line', () => {
  const newResident: LoginOutcome = {
    phone_display: '514 555-0100',
    existing_profile: false,
    profile: emptyProfile({ city: 'Sainte-Adèle' }),
    offline: false,
    pending_change: null,
  };

  async function toForm(channel: 'sms' | 'voice', saved: Profile[]) {
    const m = await mount((cmd, args) => {
      if (cmd === 'request_code') return { mode: 'online', phone_display: '514 555-0100', channel, code_expires_at: 'x', fallback: null, resend_after_seconds: 60 };
      if (cmd === 'delivery_status') return { state: 'sent', channel, fallback: null };
      if (cmd === 'login') return newResident;
      if (cmd === 'save_profile') {
        const profile = (args as { profile: Profile }).profile;
        saved.push(profile);
        return { mode: 'online', profile, saved_at: '2030-01-01T00:00:00Z' };
      }
      return undefined;
    });
    m.$('#btn-start').click();
    m.$('#btn-new-user').click();
    await flush();
    type(m.$<HTMLInputElement>('#phone'), '514 555-0100');
    m.$<HTMLInputElement>(`#channel-${channel}`).click();
    m.$('#btn-request-submit').click();
    await flush();
    type(m.$<HTMLInputElement>('#code'), '123456');
    m.$('#btn-code-submit').click();
    m.$('#btn-login').click();
    await flush();
    expect(visibleScreen(m.root)).toBe('screen-profile');
    type(m.$<HTMLInputElement>('#name'), 'Tremblay');
    return m;
  }

  it.each(['sms', 'voice'] as const)('whatever the code went by (%s): the number is line 1, its type not chosen', async (channel) => {
    const m = await toForm(channel, []);
    const row = rowsOf(m.root)[0];
    expect(rowsOf(m.root)).toHaveLength(1);
    expect(cellInput(row, 'value').value).toBe('514 555-0100');
    const kind = row.querySelector<HTMLSelectElement>('[data-field="kind"]');
    expect(kind?.value).toBe('');
    expect(kind?.getAttribute('aria-required')).toBe('true');
    // « À choisir » cannot be chosen back; the question is said under the list, and read with it.
    const placeholder = kind?.options[0];
    expect([placeholder?.value, placeholder?.textContent, placeholder?.disabled]).toEqual(['', 'À choisir', true]);
    const hint = row.querySelector('.channels');
    expect(hint?.textContent).toBe('Cellulaire ou téléphone fixe\u202f? Seul un cellulaire reçoit les SMS.');
    expect(kind?.getAttribute('aria-describedby')?.split(' ')).toContain(hint?.id);
  });

  it('is not sent unanswered: the question comes back as an error in the resident’s language, then the answer is saved', async () => {
    const saved: Profile[] = [];
    const m = await toForm('voice', saved);
    const row = rowsOf(m.root)[0] as HTMLElement;
    const kind = row.querySelector<HTMLSelectElement>('[data-field="kind"]');
    const error = row.querySelector<HTMLElement>('[data-error-for="contacts.0.kind"]');
    if (!kind || !error) throw new Error('no kind');
    m.$('#btn-profile-submit').click();
    await flush();
    expect(m.count('save_profile')).toBe(0);
    expect(visibleScreen(m.root)).toBe('screen-profile');
    expect(error.hidden).toBe(false);
    expect(error.textContent).toBe(
      'Indiquez le type de cette coordonnée\u00a0: cellulaire, téléphone fixe ou courriel. Seul un cellulaire reçoit les alertes par SMS.',
    );
    expect(kind.getAttribute('aria-invalid')).toBe('true');
    expect(m.$('#form-error').textContent).toBe('Certains renseignements sont à corriger.');
    expect(document.activeElement).toBe(kind);
    m.$('#btn-lang').click();
    expect(error.textContent).toBe('Choose the type of this contact: cell phone, landline or email. Only a cell phone gets alerts by SMS.');

    // A cell phone that asked for a call: the resident says so, and keeps SMS.
    type(kind, 'mobile');
    expect(error.hidden).toBe(true);
    expect(kind.hasAttribute('aria-invalid')).toBe(false);
    expect(row.querySelector('.channels')?.textContent).toBe('Voice messages and SMS');
    m.$('#btn-profile-submit').click();
    await flush();
    expect(saved).toHaveLength(1);
    expect(saved[0]?.contacts).toEqual([
      { active: true, description: '', kind: 'mobile', value: '514 555-0100', extension: '', extension_delay_seconds: null, order: 1 },
    ]);
    expect(visibleScreen(m.root)).toBe('screen-done');
  });
});
