// The kiosk's own on-screen keyboard: there is no physical keyboard, only touch.
//
// Every text field says which keys it needs with `data-keyboard` (set where it is created):
//   `text`    the French Canadian letter layout (digits row, accented letters, what an e-mail needs);
//   `numeric` a keypad of digits (phones, codes, civic number, extension, delay, order);
//   `none`    no on-screen keyboard (the staff PIN has a keypad of its own in its dialog).
// The keyboard shows itself when such a field gets the focus and hides when the focus leaves the
// fields. Keys never take the focus (pointerdown/mousedown are cancelled) and act on `click`, so
// WebDriver clicks and screen readers work; each key types at the caret of the field and fires a
// real `input` event. A physical keyboard keeps working (fields are never read-only).
//
// It sits under the page area, which shrinks above it: the field with its label and the step's primary
// action are kept in view (`reveal.ts`). Its `enter` key is that action: it reads like the step's button
// (« Confirmer », « Continuer », « Connexion »…) and presses it, so it validates exactly as the button does.
//
// Stable selectors: the container is `#osk`; each key has `data-key`: the character it types
// (`é`, `5`, `@`; the capital while Shift is on: `É`) or `backspace`, `shift`, `space`, `next`,
// `close`, `letters`, `enter`.
import { h } from './dom';
import { t, type TranslationKey } from './i18n';
import { primaryAction, reveal, unreveal } from './reveal';

export type KeyboardKind = 'text' | 'numeric' | 'none';
export type KeyboardLayout = 'text' | 'numeric';
type TextField = HTMLInputElement | HTMLTextAreaElement;

type Special = 'backspace' | 'shift' | 'space' | 'next' | 'close' | 'letters' | 'enter';

/** Shift: off, for the next character only, or locked (fields that take capitals only). */
type ShiftState = 'off' | 'once' | 'lock';

/** Attributes of a field typed on the given keyboard (no system keyboard pops over ours). */
export function keyboardAttrs(kind: KeyboardKind): Record<string, string> {
  return { 'data-keyboard': kind, inputmode: 'none' };
}

/** Sets (or changes) the keyboard of a field, e.g. a contact value that becomes an e-mail. */
export function setKeyboardKind(field: TextField, kind: KeyboardKind): void {
  for (const [name, value] of Object.entries(keyboardAttrs(kind))) field.setAttribute(name, value);
}

/** Its keyboard, or null for a field that has none declared. */
export function keyboardKind(field: Element): KeyboardKind | null {
  const kind = field.getAttribute('data-keyboard');
  return kind === 'text' || kind === 'numeric' || kind === 'none' ? kind : null;
}

const S = (name: Special): `{${Special}}` => `{${name}}`;

/** fr-CA (CSA) letter layout, with a digits row and the accented letters of French on their own row. */
const TEXT_ROWS: readonly (readonly string[])[] = [
  ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0', S('backspace')],
  ['q', 'w', 'e', 'r', 't', 'y', 'u', 'i', 'o', 'p', "'"],
  ['a', 's', 'd', 'f', 'g', 'h', 'j', 'k', 'l', '-'],
  [S('shift'), 'z', 'x', 'c', 'v', 'b', 'n', 'm', ',', '.', '@'],
  ['é', 'è', 'ê', 'ë', 'à', 'â', 'ç', 'ô', 'î', 'ï', 'û', 'ù', 'ü', 'œ'],
  ['_', '+', S('space'), S('next'), S('close'), S('enter')],
];

/** A keypad of four columns; the last row starts with « ABC » for the fields that take letters too. */
const NUMERIC_ROWS: readonly (readonly string[])[] = [
  ['1', '2', '3', S('backspace')],
  ['4', '5', '6', S('next')],
  ['7', '8', '9', S('close')],
];
/** Keeps the digits in their columns when there is no « ABC ». */
const GAP = '{gap}';

const SPECIALS: Record<Special, { name: TranslationKey; glyph?: string; text?: TranslationKey }> = {
  backspace: { name: 'osk.backspace', glyph: '⌫' },
  shift: { name: 'osk.shift', glyph: '⇧' },
  space: { name: 'osk.space', text: 'osk.space' },
  next: { name: 'osk.next', glyph: '⇥', text: 'osk.next_short' },
  close: { name: 'osk.close', glyph: '▾', text: 'osk.close_short' },
  letters: { name: 'osk.letters', text: 'osk.letters_short' },
  // Named by its text: the step's button's own words (see `renderEnter`).
  enter: { name: 'osk.enter', glyph: '↵', text: 'osk.enter' },
};

export interface OnScreenKeyboard {
  /** `#osk`, docked at the bottom of the window (hidden until a text field has the focus). */
  element: HTMLElement;
  /** The field the keys type into; null while hidden. */
  target(): TextField | null;
  layout(): KeyboardLayout;
  /** Hides the keyboard (the focus stays where it is). */
  hide(): void;
  /** The session wipe: hidden, Shift off, back to the letter layout. */
  reset(): void;
}

function isTextField(el: unknown): el is TextField {
  return el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement;
}

/** A field the keyboard types into: it declares a keyboard, and can be typed into now. */
function typable(el: unknown): el is TextField {
  if (!isTextField(el)) return false;
  const kind = keyboardKind(el);
  return (kind === 'text' || kind === 'numeric') && !el.disabled && !el.readOnly;
}

/** Selection of the field, or its end for the types that have none (`number`). */
function selectionOf(field: TextField): { start: number; end: number; selectable: boolean } {
  const { selectionStart, selectionEnd } = field;
  if (selectionStart === null || selectionEnd === null) {
    return { start: field.value.length, end: field.value.length, selectable: false };
  }
  return { start: Math.min(selectionStart, selectionEnd), end: Math.max(selectionStart, selectionEnd), selectable: true };
}

function fireInput(field: TextField, inputType: string, data: string | null): void {
  field.dispatchEvent(new InputEvent('input', { bubbles: true, inputType, data }));
}

/** Types `text` at the caret (replacing the selection), within maxlength; false when nothing fits. */
export function insertText(field: TextField, text: string): boolean {
  const value = field.value;
  const { start, end, selectable } = selectionOf(field);
  const max = field.maxLength;
  const room = max >= 0 ? max - (value.length - (end - start)) : Number.POSITIVE_INFINITY;
  const chunk = room >= text.length ? text : Array.from(text).slice(0, Math.max(0, room)).join('');
  if (chunk === '' && start === end) return false;
  field.value = value.slice(0, start) + chunk + value.slice(end);
  const caret = start + chunk.length;
  if (selectable) field.setSelectionRange(caret, caret);
  fireInput(field, 'insertText', chunk);
  return true;
}

/** Deletes the selection, or the character before the caret; false when there is nothing to delete. */
export function deleteBackward(field: TextField): boolean {
  const value = field.value;
  const { start, end, selectable } = selectionOf(field);
  let from = start;
  if (start === end) {
    if (start === 0) return false;
    // One character, even outside the BMP (a surrogate pair).
    const low = value.charCodeAt(start - 1);
    from = start >= 2 && low >= 0xdc00 && low <= 0xdfff ? start - 2 : start - 1;
  }
  field.value = value.slice(0, from) + value.slice(end);
  if (selectable) field.setSelectionRange(from, from);
  fireInput(field, 'deleteContentBackward', null);
  return true;
}

/** Whether Shift changes this key (letters; digits and signs stay as they are). */
function hasCapital(char: string): boolean {
  return char.toLocaleUpperCase('fr-CA') !== char;
}

/**
 * Creates the keyboard and follows the focus inside `root` (the app root, where it must be appended, after
 * the page area: the page shrinks above it while it is shown).
 * The keys themselves are made when it is first shown (nothing to type into on the first screen).
 */
export function createKeyboard(root: HTMLElement): OnScreenKeyboard {
  const doc = root.ownerDocument;
  let current: TextField | null = null;
  let layout: KeyboardLayout = 'text';
  let shift: ShiftState = 'off';
  let shiftKey: HTMLButtonElement | null = null;
  let enterKey: HTMLButtonElement | null = null;

  const keys = h('div', { class: 'osk-keys' });
  const element = h(
    'div',
    {
      id: 'osk',
      class: 'osk',
      role: 'group',
      'aria-label': t('osk.label'),
      'data-i18n': 'osk.label',
      'data-i18n-attr': 'aria-label',
      'data-layout': layout,
      'data-shift': shift,
      hidden: true,
    },
    [keys],
  );

  function specialKey(name: Special): HTMLButtonElement {
    const spec = SPECIALS[name];
    // The enter key is named by its text (the step's button's words); the others by what they do.
    const named = name === 'enter' ? {} : { 'aria-label': t(spec.name), 'data-i18n': spec.name, 'data-i18n-attr': 'aria-label' };
    const key = h('button', { type: 'button', class: `osk-key osk-special osk-${name}`, 'data-key': name, ...named }, [
      spec.glyph ? h('span', { class: 'osk-glyph', 'aria-hidden': 'true' }, [spec.glyph]) : null,
      spec.text ? h('span', { class: 'osk-text', i18n: spec.text }) : null,
    ]);
    if (name === 'shift') {
      key.setAttribute('aria-pressed', 'false');
      shiftKey = key;
    }
    if (name === 'enter') enterKey = key;
    return key;
  }

  function charKey(char: string): HTMLButtonElement {
    return h('button', { type: 'button', class: 'osk-key osk-char', 'data-key': char, 'data-char': char }, [char]);
  }

  function key(spec: string): HTMLElement {
    if (spec === GAP) return h('span', { class: 'osk-gap', 'aria-hidden': 'true' });
    const special = /^\{(\w+)\}$/.exec(spec)?.[1];
    return special ? specialKey(special as Special) : charKey(spec);
  }

  function rows(): readonly (readonly string[])[] {
    if (layout === 'text') return TEXT_ROWS;
    // A field that may also take letters (a civic number such as 123A) gets « ABC ».
    const letters = current?.dataset.keyboardLetters === 'true';
    return [...NUMERIC_ROWS, [letters ? S('letters') : GAP, '0', S('enter')]];
  }

  /** Builds the keys of the current layout (only one layout's keys exist at a time: `data-key` is unique). */
  function build(): void {
    shiftKey = null;
    enterKey = null;
    element.dataset.layout = layout;
    keys.replaceChildren(...rows().map((row) => h('div', { class: 'osk-row' }, row.map(key))));
    renderShift();
    renderEnter();
  }

  /** Capitals on the letter keys while Shift is on; each key's data-key is what it types. */
  function renderShift(): void {
    const upper = shift !== 'off';
    for (const k of keys.querySelectorAll<HTMLButtonElement>('button.osk-char')) {
      const base = k.dataset.char ?? '';
      if (!hasCapital(base)) continue;
      const char = upper ? base.toLocaleUpperCase('fr-CA') : base;
      if (k.dataset.key === char) continue;
      k.dataset.key = char;
      k.textContent = char;
    }
    if (shiftKey) {
      shiftKey.setAttribute('aria-pressed', String(upper));
      shiftKey.dataset.shift = shift;
    }
    element.dataset.shift = shift;
  }

  /** The enter key reads like the field's primary action (« Confirmer »…); a field without one has none. */
  function renderEnter(): void {
    const text = enterKey?.querySelector<HTMLElement>('.osk-text');
    if (!enterKey || !text) return;
    const action = current ? primaryAction(current) : null;
    enterKey.hidden = action === null;
    const words = (action?.dataset.i18n ?? 'osk.enter') as TranslationKey;
    // Kept as a key: a language change retranslates it with the rest of the app.
    text.dataset.i18n = words;
    text.textContent = t(words);
  }

  function setShift(next: ShiftState): void {
    shift = next;
    renderShift();
  }

  /** Shown: the page area has shrunk above the keys; the field, its label and the way on are kept in view. */
  function fit(): void {
    if (element.hidden) unreveal(root);
    else if (current) reveal(current, root);
  }

  function show(field: TextField): void {
    const wanted: KeyboardLayout = keyboardKind(field) === 'numeric' ? 'numeric' : 'text';
    const changed = field !== current || element.hidden;
    current = field;
    if (changed) {
      // Fields of capitals only (postal code, captcha, enrollment code): Shift locked.
      shift = field.getAttribute('autocapitalize') === 'characters' ? 'lock' : 'off';
      layout = wanted;
      build();
    }
    element.hidden = false;
    fit();
  }

  function hide(): void {
    current = null;
    element.hidden = true;
    if (shift === 'once') setShift('off');
    fit();
  }

  /** « Champ suivant »: the next field with a keyboard in the same form (or dialog, or screen); none: hidden. */
  function focusNext(field: TextField): void {
    const scope = field.closest('form, [role="dialog"], .screen') ?? root;
    const fields = Array.from(scope.querySelectorAll('input, textarea')).filter(
      (el): el is TextField => typable(el) && el.closest('[hidden], [inert]') === null,
    );
    const i = fields.indexOf(field);
    if (i >= 0 && i + 1 < fields.length) fields[i + 1]?.focus();
    else hide();
  }

  function press(k: HTMLButtonElement): void {
    const field = current;
    if (!field?.isConnected || !typable(field)) {
      hide();
      return;
    }
    const name = k.dataset.key ?? '';
    if (!k.classList.contains('osk-special')) {
      insertText(field, name);
      if (shift === 'once') setShift('off');
      return;
    }
    switch (name as Special) {
      case 'space':
        insertText(field, ' ');
        if (shift === 'once') setShift('off');
        break;
      case 'backspace':
        deleteBackward(field);
        break;
      case 'shift':
        setShift(shift === 'off' ? 'once' : 'off');
        break;
      case 'next':
        focusNext(field);
        break;
      case 'close':
        hide();
        break;
      case 'letters':
        layout = 'text';
        build();
        fit();
        break;
      case 'enter':
        // Exactly as the button: a disabled (busy) one does nothing; errors show as they do for it.
        primaryAction(field)?.click();
        break;
    }
  }

  // Touching a key must not take the focus from the field (nor select text).
  for (const type of ['pointerdown', 'mousedown'] as const) {
    element.addEventListener(type, (event) => {
      event.preventDefault();
    });
  }
  element.addEventListener('click', (event) => {
    const k = event.target instanceof Element ? event.target.closest<HTMLButtonElement>('button[data-key]') : null;
    if (k && element.contains(k)) press(k);
  });

  root.addEventListener('focusin', (event) => {
    const target = event.target;
    // On a key (a screen reader or a switch moved there): the keys still type into the field.
    if (target instanceof Node && element.contains(target)) return;
    if (typable(target)) show(target);
    else hide();
  });
  root.addEventListener('focusout', (event) => {
    const next = event.relatedTarget;
    if (next instanceof Node && (element.contains(next) || typable(next))) return;
    if (event.target === current || (event.target instanceof Node && element.contains(event.target))) hide();
  });
  // Hidden by « Masquer » while the field kept the focus: touching the field brings it back.
  root.addEventListener('click', (event) => {
    const target = event.target;
    if (element.hidden && typable(target) && target === doc.activeElement) show(target);
  });
  // The keyboard's height changed while shown (another layout, the text size): the field is kept in view.
  const Observer = (doc.defaultView as { ResizeObserver?: typeof ResizeObserver } | null)?.ResizeObserver;
  if (Observer) {
    new Observer(() => {
      if (!element.hidden) fit();
    }).observe(element);
  }

  // No keys yet: they are made when the keyboard is first shown (`show` builds the layout the field needs).
  return {
    element,
    target: () => current,
    layout: () => layout,
    hide,
    reset(): void {
      hide();
      shift = 'off';
      layout = 'text';
      build();
    },
  };
}
