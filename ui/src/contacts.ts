// The contact points of step 5 (« Coordonnées »): one row per way to reach the resident, in order. A table
// where it fits; below that width (larger text) each row is a card with its labels shown (styles.css,
// container `contacts`). A row's type is asked, never guessed: a row made without one waits for the
// resident's answer, and the form is not sent until every row has one (`KIND_REQUIRED`).
import type { ContactPoint, ContactType, FieldError } from './bindings';
import { h } from './dom';
import { formatPhone } from './format';
import type { TranslationKey } from './i18n';
import { keyboardAttrs, setKeyboardKind } from './keyboard';
import { clearFieldError, errorElement, setI18n } from './ui';

/** Fields of a contact row that the server may report errors on. */
export const ROW_FIELDS = [
  'description',
  'kind',
  'value',
  'extension',
  'extension_delay_seconds',
  'order',
] as const;
type RowField = (typeof ROW_FIELDS)[number];

const KINDS: ContactType[] = ['landline', 'mobile', 'email'];

/** The error of a row whose type (cellulaire, fixe or courriel) the resident has not chosen yet. */
export const KIND_REQUIRED = 'contact.kind_required';

/** What the rows hold: contact points to send, or the rows still waiting for their type. */
export type ContactsRead = { readonly ok: true; readonly contacts: ContactPoint[] } | { readonly ok: false; readonly errors: FieldError[] };

const HEADERS: { key: TranslationKey; field?: string }[] = [
  { key: 'contacts.active', field: 'active' },
  { key: 'contacts.description', field: 'description' },
  { key: 'contacts.kind', field: 'kind' },
  { key: 'contacts.value', field: 'value' },
  { key: 'contacts.extension', field: 'extension' },
  { key: 'contacts.extension_delay_seconds', field: 'extension_delay_seconds' },
  { key: 'contacts.order', field: 'order' },
  { key: 'contacts.actions' },
];

export interface ContactsEditor {
  /** Container: table (scrollable), table-level error and the add button. */
  element: HTMLElement;
  table: HTMLTableElement;
  setContacts(contacts: ContactPoint[]): void;
  /** A row; without a `kind`, its type is left for the resident to choose. */
  addRow(contact?: Partial<ContactPoint>): HTMLTableRowElement;
  read(): ContactsRead;
  clear(): void;
}

function fieldOf(row: HTMLElement, field: string): HTMLInputElement {
  const el = row.querySelector(`[data-field="${field}"]`);
  if (!(el instanceof HTMLInputElement)) throw new Error(`contact row without ${field}`);
  return el;
}

function kindOf(row: HTMLElement): HTMLSelectElement {
  const el = row.querySelector('[data-field="kind"]');
  if (!(el instanceof HTMLSelectElement)) throw new Error('contact row without kind');
  return el;
}

function actionOf(row: HTMLElement, action: string): HTMLButtonElement {
  const el = row.querySelector<HTMLButtonElement>(`button[data-action="${action}"]`);
  if (!el) throw new Error(`contact row without ${action} button`);
  return el;
}

export function createContactsEditor(): ContactsEditor {
  let uid = 0;
  const tbody = h('tbody');
  const headRow = h(
    'tr',
    {},
    HEADERS.map((c) => h('th', { scope: 'col', id: c.field ? `th-${c.field}` : undefined, class: `col-${c.field ?? 'actions'}`, i18n: c.key })),
  );
  const table = h('table', { id: 'contacts', 'aria-describedby': 'help-contacts error-contacts' }, [
    h('thead', {}, [headRow]),
    tbody,
  ]);
  const tableError = errorElement('error-contacts', 'contacts');
  const addButton = h('button', {
    id: 'btn-add-contact',
    type: 'button',
    class: 'btn btn-secondary',
    i18n: 'profile.add_contact',
    'aria-describedby': 'error-contacts',
  });
  const element = h('div', { class: 'contacts-editor' }, [h('div', { class: 'table-frame' }, [table]), tableError, addButton]);

  function rows(): HTMLTableRowElement[] {
    return Array.from(tbody.querySelectorAll<HTMLTableRowElement>('tr.contact-row'));
  }

  /** Keeps labels, error targets and edge buttons in line with row positions. */
  function reindex(): void {
    const all = rows();
    all.forEach((row, i) => {
      for (const label of row.querySelectorAll<HTMLElement>('[data-row-label]')) {
        setI18n(label, 'contacts.row_label', { n: i + 1 });
      }
      for (const err of row.querySelectorAll<HTMLElement>('.field-error')) {
        err.dataset.errorFor = `contacts.${i}.${err.dataset.rowField ?? ''}`;
      }
      actionOf(row, 'up').disabled = i === 0;
      actionOf(row, 'down').disabled = i === all.length - 1;
    });
  }

  /** Orders become 1..n in table order (after a move or a removal). */
  function renumber(): void {
    rows().forEach((row, i) => {
      fieldOf(row, 'order').value = String(i + 1);
      const err = row.querySelector<HTMLElement>('.field-error[data-row-field="order"]');
      if (err) clearFieldError(err);
    });
    clearFieldError(tableError);
    reindex();
  }

  /** `null`: not chosen yet (a phone is the likelier answer: the digit keypad, extension allowed). */
  function applyKind(row: HTMLElement, kind: ContactType | null): void {
    const isEmail = kind === 'email';
    const ext = fieldOf(row, 'extension');
    const delay = fieldOf(row, 'extension_delay_seconds');
    if (isEmail) {
      ext.value = '';
      delay.value = '';
    }
    ext.disabled = isEmail;
    delay.disabled = isEmail;
    const value = fieldOf(row, 'value');
    // A phone number on the digit keypad; an e-mail on the letter keyboard (it has . _ - + @).
    setKeyboardKind(value, isEmail ? 'text' : 'numeric');
    value.setAttribute('autocapitalize', 'off');
    const channels = row.querySelector<HTMLElement>('.channels');
    if (channels) setI18n(channels, `contacts.channels_${kind ?? 'unset'}`);
  }

  function maxOrder(): number {
    return rows().reduce((max, row) => {
      const n = Number.parseInt(fieldOf(row, 'order').value, 10);
      return Number.isFinite(n) && n > max ? n : max;
    }, 0);
  }

  /** « Type — Coordonnée 2 » for screen readers; as a card, « Type » is shown above the control. */
  function cell(id: string, field: RowField | 'active', control: HTMLElement, extra: Node[] = []): HTMLTableCellElement {
    const errId = `error-${id}`;
    const label = h('label', { for: id, class: 'cell-label' }, [
      h('span', { i18n: `contacts.${field}` as TranslationKey }),
      h('span', { class: 'visually-hidden' }, [' — ', h('span', { 'data-row-label': '' })]),
    ]);
    const children: Node[] = field === 'active' ? [...extra, control, label] : [label, control, ...extra];
    if (field !== 'active') {
      const err = errorElement(errId, '');
      err.dataset.rowField = field;
      children.push(err);
      control.setAttribute('aria-describedby', errId);
    }
    control.id = id;
    return h('td', { class: `col-${field}` }, children);
  }

  function addRow(contact: Partial<ContactPoint> = {}): HTMLTableRowElement {
    uid += 1;
    const p = `contact-${uid}`;
    const kind: ContactType | null = contact.kind && KINDS.includes(contact.kind) ? contact.kind : null;
    const active = h('input', { type: 'checkbox', 'data-field': 'active' });
    active.checked = contact.active ?? true;
    const description = h('input', { type: 'text', autocomplete: 'off', ...keyboardAttrs('text'), 'data-field': 'description' });
    description.value = contact.description ?? '';
    // « À choisir » until the resident answers; it cannot be chosen back.
    const kindSelect = h('select', { 'data-field': 'kind', 'aria-required': 'true' }, [
      h('option', { value: '', disabled: true, i18n: 'contacts.kind_choose' }),
      ...KINDS.map((k) => h('option', { value: k, i18n: `contacts.kind_${k}` as TranslationKey })),
    ]);
    kindSelect.value = kind ?? '';
    const value = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', ...keyboardAttrs('text'), 'data-field': 'value' });
    value.value = kind === 'email' ? (contact.value ?? '') : formatPhone(contact.value ?? '');
    const extension = h('input', {
      type: 'text',
      autocomplete: 'off',
      ...keyboardAttrs('numeric'),
      'data-field': 'extension',
    });
    extension.value = contact.extension ?? '';
    const delay = h('input', {
      type: 'number',
      min: 0,
      max: 60,
      step: 1,
      ...keyboardAttrs('numeric'),
      'data-field': 'extension_delay_seconds',
    });
    delay.value = contact.extension_delay_seconds == null ? '' : String(contact.extension_delay_seconds);
    const order = h('input', { type: 'number', min: 1, step: 1, ...keyboardAttrs('numeric'), 'data-field': 'order' });
    order.value = String(contact.order ?? maxOrder() + 1);
    const channels = h('span', { class: 'channels', id: `${p}-channels` });

    // « Monter », « Descendre », « Retirer » shown; named « Monter — Coordonnée 2 » for screen readers.
    const actionButton = (action: 'up' | 'down' | 'remove', key: TranslationKey, glyph: string): HTMLButtonElement =>
      h('button', { type: 'button', class: `btn btn-row-action action-${action}`, 'data-action': action }, [
        h('span', { class: 'row-action-glyph', 'aria-hidden': 'true' }, [glyph]),
        h('span', { i18n: key }),
        h('span', { class: 'visually-hidden' }, [' — ', h('span', { 'data-row-label': '' })]),
      ]);

    const row = h('tr', { class: 'contact-row', 'data-uid': String(uid) }, [
      // As a card, its title: « Coordonnée 2 ».
      cell(`${p}-active`, 'active', active, [h('span', { class: 'card-title', 'data-row-label': '', 'aria-hidden': 'true' })]),
      cell(`${p}-description`, 'description', description),
      cell(`${p}-kind`, 'kind', kindSelect, [channels]),
      cell(`${p}-value`, 'value', value),
      cell(`${p}-extension`, 'extension', extension),
      cell(`${p}-delay`, 'extension_delay_seconds', delay),
      cell(`${p}-order`, 'order', order),
      h('td', { class: 'col-actions' }, [
        h('div', { class: 'row-actions' }, [
          actionButton('up', 'contacts.up', '▲'),
          actionButton('down', 'contacts.down', '▼'),
          actionButton('remove', 'contacts.remove', '✕'),
        ]),
      ]),
    ]);
    // What each type receives (and, until one is chosen, the question) is read with the list.
    kindSelect.setAttribute('aria-describedby', `${channels.id} ${kindSelect.getAttribute('aria-describedby') ?? ''}`.trim());
    tbody.append(row);
    applyKind(row, kind);
    reindex();
    return row;
  }

  tbody.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target : null;
    const btn = target?.closest<HTMLButtonElement>('button[data-action]');
    const row = btn?.closest<HTMLTableRowElement>('tr.contact-row');
    if (!btn || !row || btn.disabled) return;
    const action = btn.dataset.action;
    if (action === 'up' && row.previousElementSibling) {
      row.previousElementSibling.before(row);
    } else if (action === 'down' && row.nextElementSibling) {
      row.nextElementSibling.after(row);
    } else if (action === 'remove') {
      row.remove();
    } else {
      return;
    }
    renumber();
    // Keep the focus on a sensible control for keyboard / switch users.
    if (action !== 'remove') btn.focus();
    else addButton.focus();
  });

  tbody.addEventListener('change', (event) => {
    const target = event.target;
    if (target instanceof HTMLSelectElement && target.dataset.field === 'kind') {
      const row = target.closest<HTMLTableRowElement>('tr.contact-row');
      if (row) applyKind(row, chosenKind(row));
    }
  });

  addButton.addEventListener('click', () => {
    const row = addRow();
    clearFieldError(tableError);
    fieldOf(row, 'value').focus();
  });

  /** The type chosen for a row, or null while it is not. */
  function chosenKind(row: HTMLElement): ContactType | null {
    const value = kindOf(row).value;
    return KINDS.find((k) => k === value) ?? null;
  }

  /** A row as a contact point, its type chosen. */
  function pointOf(row: HTMLElement, kind: ContactType): ContactPoint {
    const delay = fieldOf(row, 'extension_delay_seconds').value.trim();
    const delayNumber = Number(delay);
    const order = Number.parseInt(fieldOf(row, 'order').value, 10);
    return {
      active: fieldOf(row, 'active').checked,
      description: fieldOf(row, 'description').value,
      kind,
      value: fieldOf(row, 'value').value,
      extension: fieldOf(row, 'extension').value,
      extension_delay_seconds: delay === '' || !Number.isFinite(delayNumber) ? null : delayNumber,
      order: Number.isFinite(order) ? order : 0,
    };
  }

  function read(): ContactsRead {
    const contacts: ContactPoint[] = [];
    const errors: FieldError[] = [];
    rows().forEach((row, i) => {
      const kind = chosenKind(row);
      if (kind === null) errors.push({ field: `contacts.${i}.kind`, code: KIND_REQUIRED });
      else contacts.push(pointOf(row, kind));
    });
    return errors.length === 0 ? { ok: true, contacts } : { ok: false, errors };
  }

  function clear(): void {
    tbody.replaceChildren();
    clearFieldError(tableError);
  }

  function setContacts(contacts: ContactPoint[]): void {
    clear();
    const sorted = [...contacts].sort((a, b) => a.order - b.order);
    for (const c of sorted) addRow(c);
  }

  return { element, table, setContacts, addRow, read, clear };
}
