import { h } from './dom';
import { errorMessage, t, type TranslationKey } from './i18n';
import { keyboardAttrs } from './keyboard';

/** The `<p class="field-error">` placed next to a field. */
export function errorElement(id: string, field: string): HTMLParagraphElement {
  return h('p', {
    class: 'field-error',
    id,
    'data-error-for': field,
    'aria-live': 'polite',
    hidden: true,
  });
}

/** A visible label; the required mark sits outside it so the label text stays exact. */
export function labelRow(
  forId: string,
  key: TranslationKey,
  required = false,
  args?: Record<string, string>,
): HTMLDivElement {
  const label = h('label', { for: forId, i18n: key });
  if (args) label.dataset.i18nArgs = JSON.stringify(args);
  return h('div', { class: 'label-row' }, [
    label,
    required ? h('span', { class: 'required-mark', 'aria-hidden': 'true' }, ['*']) : null,
  ]);
}

export interface FieldOptions {
  id: string;
  field: string;
  label: TranslationKey;
  control: HTMLInputElement | HTMLSelectElement;
  required?: boolean;
  /** Says « (facultatif) » after the label: where a form marks both kinds (step 5). */
  optional?: boolean;
  help?: TranslationKey;
}

/** « (facultatif) » after an optional answer's label, so that required and optional are both said. */
export function optionalMark(): HTMLElement {
  return h('span', { class: 'optional-mark', i18n: 'common.optional' });
}

/** Label + optional help + control + error element, wired with aria-describedby. */
export function fieldBlock(o: FieldOptions): HTMLDivElement {
  o.control.id = o.id;
  const describedBy: string[] = [];
  const help = o.help ? h('p', { class: 'help', id: `help-${o.id}`, i18n: o.help }) : null;
  if (help) describedBy.push(help.id);
  const error = errorElement(`error-${o.id}`, o.field);
  describedBy.push(error.id);
  o.control.setAttribute('aria-describedby', describedBy.join(' '));
  if (o.required) o.control.setAttribute('aria-required', 'true');
  const label = labelRow(o.id, o.label, o.required);
  if (o.optional) label.append(optionalMark());
  return h('div', { class: 'field' }, [label, help, o.control, error]);
}

/** A text field, typed on the on-screen letter keyboard unless `attrs` say otherwise (see keyboard.ts). */
export function input(attrs: Record<string, string | boolean | number> = {}): HTMLInputElement {
  return h('input', { type: 'text', autocomplete: 'off', ...keyboardAttrs('text'), ...attrs });
}

export function button(
  id: string | undefined,
  key: TranslationKey,
  kind: 'primary' | 'secondary' | 'ghost' | 'danger' = 'secondary',
  type: 'button' | 'submit' = 'button',
): HTMLButtonElement {
  return h('button', { id, type, class: `btn btn-${kind}`, i18n: key });
}

/** Controls whose aria-describedby points at the given error element. */
function controlsFor(errorEl: HTMLElement): HTMLElement[] {
  const scope = errorEl.closest('.screen') ?? errorEl.ownerDocument;
  return Array.from(scope.querySelectorAll<HTMLElement>('[aria-describedby]')).filter((c) =>
    (c.getAttribute('aria-describedby') ?? '').split(/\s+/).includes(errorEl.id),
  );
}

export function showFieldError(errorEl: HTMLElement, code: string): void {
  errorEl.dataset.errorCode = code;
  errorEl.textContent = errorMessage(code);
  errorEl.hidden = false;
  for (const c of controlsFor(errorEl)) c.setAttribute('aria-invalid', 'true');
}

export function clearFieldError(errorEl: HTMLElement): void {
  if (errorEl.dataset.errorCode === undefined && errorEl.hidden) return;
  delete errorEl.dataset.errorCode;
  errorEl.textContent = '';
  errorEl.hidden = true;
  for (const c of controlsFor(errorEl)) c.removeAttribute('aria-invalid');
}

export function clearFieldErrors(scope: ParentNode): void {
  for (const el of scope.querySelectorAll<HTMLElement>('.field-error')) clearFieldError(el);
}

/** Clears the errors a control is described by (used when the resident edits it). */
export function clearErrorsOfControl(control: HTMLElement): void {
  const ids = (control.getAttribute('aria-describedby') ?? '').split(/\s+/).filter(Boolean);
  const doc = control.ownerDocument;
  for (const id of ids) {
    const el = doc.getElementById(id);
    if (el?.classList.contains('field-error')) clearFieldError(el);
  }
}

/** Re-renders every translated text (data-i18n) and every shown error (data-error-code). */
export function applyTranslations(root: ParentNode): void {
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n]')) {
    const key = el.dataset.i18n as TranslationKey;
    const args = el.dataset.i18nArgs ? (JSON.parse(el.dataset.i18nArgs) as Record<string, string>) : {};
    const text = t(key, args);
    const attr = el.dataset.i18nAttr;
    if (attr) el.setAttribute(attr, text);
    else el.textContent = text;
  }
  for (const el of root.querySelectorAll<HTMLElement>('[data-error-code]')) {
    el.textContent = errorMessage(el.dataset.errorCode ?? '');
  }
}

/** Sets a translated text on an element and remembers the key for later re-translation. */
export function setI18n(el: HTMLElement, key: TranslationKey, args?: Record<string, string | number>): void {
  el.dataset.i18n = key;
  if (args) el.dataset.i18nArgs = JSON.stringify(args);
  else delete el.dataset.i18nArgs;
  const text = t(key, args ?? {});
  const attr = el.dataset.i18nAttr;
  if (attr) el.setAttribute(attr, text);
  else el.textContent = text;
}

/** Empties an element's text and forgets its translation key. */
export function clearText(el: HTMLElement): void {
  el.replaceChildren();
  delete el.dataset.i18n;
  delete el.dataset.i18nArgs;
}

/** The wipe's part for fields: every text emptied, every box unticked, in `scope`. */
export function clearInputs(scope: ParentNode): void {
  for (const el of scope.querySelectorAll<HTMLInputElement>('input')) {
    if (el.type === 'checkbox' || el.type === 'radio') el.checked = false;
    else el.value = '';
  }
}

/** Disables the button (marked busy) while `work` runs; a disabled button does nothing. */
export async function withBusy(btn: HTMLButtonElement, work: () => Promise<void>): Promise<void> {
  if (btn.disabled) return;
  btn.disabled = true;
  btn.setAttribute('aria-busy', 'true');
  try {
    await work();
  } finally {
    btn.disabled = false;
    btn.removeAttribute('aria-busy');
  }
}
