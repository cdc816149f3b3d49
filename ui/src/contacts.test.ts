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
    expect(rows[1]?.textContent).toContain('Courriel');
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
    expect(cellInput(added, 'kind').value).toBe('mobile');
    expect(added.textContent).toContain('Messages vocaux et SMS');
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
    const row = ed.addRow({ value: '+15145550101', extension: '22', extension_delay_seconds: 4 });
    const kind = row.querySelector('select');
    if (!kind) throw new Error('no select');
    type(kind, 'email');
    expect(cellInput(row, 'extension').disabled).toBe(true);
    expect(ed.read()[0]).toMatchObject({ kind: 'email', extension: '', extension_delay_seconds: null });
  });

  it('builds contact points in table order, as typed, empty delay as null', () => {
    const ed = editor();
    ed.setContacts([
      contact({ kind: 'landline', value: '+15145550101', order: 1, extension: '123', extension_delay_seconds: 8 }),
      contact({ kind: 'mobile', value: '+14385550102', order: 2, description: 'Cell Marie', active: false }),
    ]);
    press(rowsOf(document)[1], 'up');
    type(cellInput(rowsOf(document)[1], 'extension_delay_seconds'), '');
    expect(ed.read()).toEqual([
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
    ]);
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
