// The on-screen keyboard (#osk): the letter layout and the digit keypad, typing at the caret with real
// `input` events, never taking the focus, gone with the session; every text field says which one it uses.
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ScreenId } from './app';
import { setLanguage, t } from './i18n';
import { createKeyboard, keyboardAttrs } from './keyboard';
import { contact, flush, happyPath, INFO, mount, type Mounted, typeOnKeys, visibleScreen } from './test-helpers';

beforeEach(() => {
  setLanguage('fr');
});
afterEach(() => {
  clearMocks();
});

const osk = (m: Mounted): HTMLElement => m.$('#osk');
const key = (m: Mounted, k: string): HTMLButtonElement => m.$<HTMLButtonElement>(`#osk [data-key="${k}"]`);
const keysOf = (m: Mounted): string[] =>
  Array.from(osk(m).querySelectorAll<HTMLButtonElement>('button[data-key]')).map((b) => b.dataset.key ?? '');

/** A screen shown and one of its fields touched (focused), the way a resident does. */
function focusOn(m: Mounted, screen: ScreenId, selector: string): HTMLInputElement {
  m.app.show(screen);
  const field = m.$<HTMLInputElement>(selector);
  field.focus();
  expect(document.activeElement).toBe(field);
  return field;
}

/** Counts the `input` events reaching the app root (where the app clears field errors). */
function countInputs(m: Mounted): { events: InputEvent[] } {
  const seen = { events: [] as InputEvent[] };
  m.root.addEventListener('input', (e) => {
    if (e instanceof InputEvent) seen.events.push(e);
  });
  return seen;
}

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
const ACCENTS = ['é', 'è', 'ê', 'ë', 'à', 'â', 'ç', 'ô', 'î', 'ï', 'û', 'ù', 'ü', 'œ'];

describe('letter keyboard', () => {
  it('is hidden until a text field has the focus, then docked, named and labelled in French and English', async () => {
    const m = await mount();
    expect(osk(m).hidden).toBe(true);
    focusOn(m, 'profile', '#name');
    expect(osk(m).hidden).toBe(false);
    expect(osk(m).dataset.layout).toBe('text');
    expect(osk(m).getAttribute('role')).toBe('group');
    expect(osk(m).getAttribute('aria-label')).toBe('Clavier à l’écran');
    const keys = keysOf(m);
    const LETTERS = Array.from('azertyuiopqsdfghjklmwxcvbn');
    for (const k of [...DIGITS, ...ACCENTS, ...LETTERS, '-', "'", '.', ',', '@', '_', '+']) expect(keys, k).toContain(k);
    for (const k of ['backspace', 'shift', 'space', 'next', 'close', 'enter']) expect(keys, k).toContain(k);
    // One key per data-key: a selector finds exactly one.
    expect(new Set(keys).size).toBe(keys.length);
    for (const b of osk(m).querySelectorAll('button')) expect(b.getAttribute('type')).toBe('button');
    const names = (): (string | null)[] =>
      ['backspace', 'shift', 'space', 'next', 'close'].map((k) => key(m, k).getAttribute('aria-label'));
    expect(names()).toEqual(['Effacer', 'Majuscule', 'Espace', 'Champ suivant', 'Masquer le clavier']);
    expect(key(m, 'shift').getAttribute('aria-pressed')).toBe('false');

    m.$('#btn-lang').click();
    expect(names()).toEqual(['Backspace', 'Shift', 'Space', 'Next field', 'Hide keyboard']);
    expect(osk(m).getAttribute('aria-label')).toBe('On-screen keyboard');
  });

  it('types « Élise Côté-Lévesque » with Shift into the Nom field, key by key', async () => {
    const m = await mount();
    const name = focusOn(m, 'profile', '#name');
    const inputs = countInputs(m);

    key(m, 'shift').click();
    expect(key(m, 'shift').getAttribute('aria-pressed')).toBe('true');
    // With Shift on, the letters show and type capitals, and their data-key is the capital.
    expect(key(m, 'É').textContent).toBe('É');
    // (Compared by dataset: jsdom matches attribute selectors without regard to case.)
    expect(keysOf(m)).not.toContain('é');
    expect(keysOf(m)).toContain('É');
    expect(key(m, 'Œ').textContent).toBe('Œ');
    expect(key(m, '5').textContent).toBe('5');
    key(m, 'É').click();
    // Shift is for one character.
    expect(key(m, 'shift').getAttribute('aria-pressed')).toBe('false');
    expect(key(m, 'é').textContent).toBe('é');
    typeOnKeys(m, 'lise Côté-Lévesque');
    expect(name.value).toBe('Élise Côté-Lévesque');
    expect(inputs.events).toHaveLength('Élise Côté-Lévesque'.length);
    expect(inputs.events.every((e) => e.bubbles && e.inputType === 'insertText')).toBe(true);
    expect(document.activeElement).toBe(name);

    // Accents, capitals, digits and the signs an e-mail needs.
    name.value = '';
    typeOnKeys(m, 'ÀÂÇÈÊËÎÏÔÛÙÜŒ àâçèêëîïôûùüœ 0123456789 a.b_c-d+e@f.ca, l\'été');
    expect(name.value).toBe('ÀÂÇÈÊËÎÏÔÛÙÜŒ àâçèêëîïôûùüœ 0123456789 a.b_c-d+e@f.ca, l\'été');
  });

  it('types at the caret, replaces a selection, and Backspace deletes before the caret', async () => {
    const m = await mount();
    const name = focusOn(m, 'profile', '#name');
    name.value = 'Trmblay';
    name.setSelectionRange(2, 2);
    key(m, 'e').click();
    expect(name.value).toBe('Tremblay');
    expect([name.selectionStart, name.selectionEnd]).toEqual([3, 3]);
    key(m, 'é').click();
    expect(name.value).toBe('Treémblay');
    key(m, 'backspace').click();
    expect(name.value).toBe('Tremblay');
    expect(name.selectionStart).toBe(3);

    // A selection is replaced by the key typed, or deleted by Backspace.
    name.setSelectionRange(0, 3);
    typeOnKeys(m, 'G');
    expect(name.value).toBe('Gmblay');
    expect(name.selectionStart).toBe(1);
    name.setSelectionRange(1, 6);
    key(m, 'backspace').click();
    expect(name.value).toBe('G');

    // Nothing before the caret: nothing deleted, no input event.
    const inputs = countInputs(m);
    name.setSelectionRange(0, 0);
    key(m, 'backspace').click();
    expect(name.value).toBe('G');
    expect(inputs.events).toHaveLength(0);
    name.setSelectionRange(1, 1);
    key(m, 'backspace').click();
    expect(name.value).toBe('');
    expect(inputs.events.map((e) => e.inputType)).toEqual(['deleteContentBackward']);
  });

  it('never takes the focus: pointerdown and mousedown on the keys are cancelled', async () => {
    const m = await mount();
    const city = focusOn(m, 'profile', '#city');
    for (const type of ['pointerdown', 'mousedown']) {
      const event = new MouseEvent(type, { bubbles: true, cancelable: true });
      key(m, 'a').dispatchEvent(event);
      expect(event.defaultPrevented, type).toBe(true);
    }
    key(m, 'a').click();
    key(m, 'space').click();
    expect(document.activeElement).toBe(city);
    expect(osk(m).hidden).toBe(false);
    // The field is never read-only: a physical keyboard keeps working.
    expect(city.readOnly).toBe(false);
    expect(city.getAttribute('inputmode')).toBe('none');
  });

  it('postal code, captcha and enrollment code open with Shift locked: capitals', async () => {
    const m = await mount();
    const postal = focusOn(m, 'profile', '#postal-code');
    expect(osk(m).dataset.layout).toBe('text');
    expect(key(m, 'shift').getAttribute('aria-pressed')).toBe('true');
    for (const k of ['H', '2', 'X', 'space', '1', 'Y', '4']) key(m, k).click();
    expect(postal.value).toBe('H2X 1Y4');
    // Still locked after typing; Shift unlocks it.
    key(m, 'shift').click();
    expect(key(m, 'shift').getAttribute('aria-pressed')).toBe('false');
    expect(key(m, 'h').textContent).toBe('h');
    focusOn(m, 'request', '#captcha-answer');
    expect(key(m, 'shift').getAttribute('aria-pressed')).toBe('true');
    // A field of ordinary text starts with Shift off.
    focusOn(m, 'profile', '#street');
    expect(key(m, 'shift').getAttribute('aria-pressed')).toBe('false');
  });
});

describe('digit keypad', () => {
  it('is shown for the phone number, and types digits there', async () => {
    const m = await mount();
    m.$('#btn-start').click();
    m.$('#btn-new-user').click();
    await flush();
    expect(visibleScreen(m.root)).toBe('screen-request');
    const phone = m.$<HTMLInputElement>('#phone');
    phone.focus();
    expect(osk(m).hidden).toBe(false);
    expect(osk(m).dataset.layout).toBe('numeric');
    expect(keysOf(m).sort()).toEqual([...DIGITS, 'backspace', 'close', 'enter', 'next'].sort());
    expect(osk(m).querySelector('[data-key="a"], [data-key="shift"], [data-key="space"]')).toBeNull();
    for (const d of '5145550100') key(m, d).click();
    expect(phone.value).toBe('5145550100');
    key(m, 'backspace').click();
    expect(phone.value).toBe('514555010');
    expect(document.activeElement).toBe(phone);
    expect(key(m, 'backspace').getAttribute('aria-label')).toBe('Effacer');
  });

  it('respects maxlength (the code: 7 characters), without an input event when full', async () => {
    const m = await mount();
    const code = focusOn(m, 'code', '#code');
    expect(osk(m).dataset.layout).toBe('numeric');
    for (const d of '1234567') key(m, d).click();
    expect(code.value).toBe('1234567');
    const inputs = countInputs(m);
    key(m, '8').click();
    expect(code.value).toBe('1234567');
    expect(inputs.events).toHaveLength(0);
    // A selection makes room.
    code.setSelectionRange(0, 1);
    key(m, '9').click();
    expect(code.value).toBe('9234567');
    expect(inputs.events).toHaveLength(1);
  });

  it('fires a real input event: the field error clears as it does when typing', async () => {
    const m = await mount();
    m.app.show('code');
    m.$('#btn-code-submit').click();
    expect(m.$('#error-code').hidden).toBe(false);
    expect(m.$('#code').getAttribute('aria-invalid')).toBe('true');
    m.$('#code').focus();
    key(m, '4').click();
    expect(m.$('#error-code').hidden).toBe(true);
    expect(m.$('#code').hasAttribute('aria-invalid')).toBe(false);
  });

  it('civic number: digits, and « ABC » for a number such as 123A', async () => {
    const m = await mount();
    const civic = focusOn(m, 'profile', '#civic-number');
    expect(osk(m).dataset.layout).toBe('numeric');
    for (const d of '123') key(m, d).click();
    expect(key(m, 'letters').getAttribute('aria-label')).toBe(t('osk.letters', {}, 'fr'));
    key(m, 'letters').click();
    expect(osk(m).dataset.layout).toBe('text');
    typeOnKeys(m, 'A');
    expect(civic.value).toBe('123A');
    expect(document.activeElement).toBe(civic);
    // Phone fields have no « ABC ».
    focusOn(m, 'login', '#login-phone');
    expect(osk(m).dataset.layout).toBe('numeric');
    expect(osk(m).querySelector('[data-key="letters"]')).toBeNull();
  });

  it('follows the contact type: digits for a phone, letters for an e-mail', async () => {
    const m = await mount();
    m.app.show('profile');
    const row = m.app.contacts.addRow({ kind: 'mobile', value: '', order: 1 });
    const value = row.querySelector<HTMLInputElement>('[data-field="value"]');
    const kind = row.querySelector<HTMLSelectElement>('[data-field="kind"]');
    if (!value || !kind) throw new Error('row');
    value.focus();
    expect(osk(m).dataset.layout).toBe('numeric');
    kind.focus();
    expect(osk(m).hidden).toBe(true);
    kind.value = 'email';
    kind.dispatchEvent(new Event('change', { bubbles: true }));
    value.focus();
    expect(osk(m).dataset.layout).toBe('text');
    typeOnKeys(m, 'marie.côté+alertes@exemple.ca');
    expect(value.value).toBe('marie.côté+alertes@exemple.ca');
    for (const field of ['extension', 'extension_delay_seconds', 'order']) {
      expect(row.querySelector(`[data-field="${field}"]`)?.getAttribute('data-keyboard'), field).toBe('numeric');
    }
    // Délai and Ordre are number fields (no caret to read): the digits go at the end.
    kind.value = 'landline';
    kind.dispatchEvent(new Event('change', { bubbles: true }));
    const delay = row.querySelector<HTMLInputElement>('[data-field="extension_delay_seconds"]');
    delay?.focus();
    key(m, '1').click();
    key(m, '5').click();
    expect(delay?.value).toBe('15');
    key(m, 'backspace').click();
    expect(delay?.value).toBe('1');
  });
});

describe('showing and hiding', () => {
  it('hides when the focus leaves the fields, « Suivant » goes to the next field, « Masquer » hides it', async () => {
    const m = await mount();
    const name = focusOn(m, 'profile', '#name');
    expect(osk(m).hidden).toBe(false);
    // Not over the page: under it, which shrinks above the keys (the app root is a column: header, page, keys).
    expect(osk(m).previousElementSibling?.id).toBe('page');
    key(m, 'next').click();
    expect(document.activeElement?.id).toBe('first-name');
    expect(osk(m).hidden).toBe(false);
    // The language list is no text field: « Suivant » skips it.
    key(m, 'next').click();
    expect(document.activeElement?.id).toBe('city');
    key(m, 'close').click();
    expect(osk(m).hidden).toBe(true);
    expect(document.activeElement?.id).toBe('city');
    // Touching the field again brings it back.
    m.$('#city').click();
    expect(osk(m).hidden).toBe(false);
    m.$('#btn-profile-submit').focus();
    expect(osk(m).hidden).toBe(true);
    name.focus();
    expect(osk(m).hidden).toBe(false);
    name.blur();
    expect(osk(m).hidden).toBe(true);
  });

  it('« Suivant » on the last field of the form hides the keyboard', async () => {
    const m = await mount();
    focusOn(m, 'login', '#login-code');
    key(m, 'next').click();
    expect(osk(m).hidden).toBe(true);
  });

  it('is not shown for the staff PIN (its own keypad) nor on a new screen', async () => {
    const m = await mount(undefined, { ...INFO, staff_enabled: true });
    focusOn(m, 'profile', '#name');
    m.app.show('home');
    expect(osk(m).hidden).toBe(true);
    // The PIN dialog opens on the attract screen, its field focused.
    m.app.show('attract');
    m.$('#btn-staff').click();
    m.$<HTMLInputElement>('#pin-input').focus();
    expect(document.activeElement?.id).toBe('pin-input');
    expect(osk(m).hidden).toBe(true);
  });

  it('is hidden and back to its defaults after the wipe', async () => {
    const m = await mount();
    m.$('#btn-start').click();
    const name = focusOn(m, 'profile', '#name');
    typeOnKeys(m, 'Gagnon');
    key(m, 'shift').click();
    expect(osk(m).hidden).toBe(false);
    await m.app.wipe();
    expect(visibleScreen(m.root)).toBe('screen-attract');
    expect(osk(m).hidden).toBe(true);
    expect(name.value).toBe('');
    expect(osk(m).dataset.shift).toBe('off');
    expect(osk(m).dataset.layout).toBe('text');
    // The next resident: Shift off, letters in lowercase.
    focusOn(m, 'profile', '#name');
    expect(key(m, 'shift').getAttribute('aria-pressed')).toBe('false');
    expect(key(m, 'a').textContent).toBe('a');
  });

  it('follows high contrast and text size (root settings) and sits outside the screens', async () => {
    const m = await mount();
    expect(osk(m).closest('main')).toBeNull();
    expect(osk(m).parentElement).toBe(m.root);
    m.$('#btn-contrast').click();
    m.$('#btn-text-size-larger').click();
    focusOn(m, 'profile', '#name');
    expect(osk(m).hidden).toBe(false);
    expect(document.documentElement.dataset.contrast).toBe('high');
  });
});

describe('every text field has a keyboard', () => {
  const TEXT = ['captcha-answer', 'name', 'first-name', 'city', 'street', 'apartment', 'postal-code', 'enroll-code'];
  const NUMERIC = ['phone', 'code', 'login-phone', 'login-code', 'civic-number'];

  it('on every screen: text, numeric or none (the PIN), and no system keyboard', async () => {
    const m = await mount();
    // Every screen and dialog at once (each is otherwise built when first needed).
    m.app.buildAll();
    m.app.contacts.setContacts([
      contact({ kind: 'mobile', value: '+15145550100', order: 1 }),
      contact({ kind: 'email', value: 'a@b.ca', order: 2 }),
    ]);
    const screens: ScreenId[] = ['attract', 'home', 'request', 'code', 'login', 'profile', 'done', 'staff'];
    let seen = 0;
    for (const screen of screens) {
      m.app.show(screen);
      const fields = Array.from(document.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>('input, textarea')).filter(
        (el) => !(el instanceof HTMLInputElement && (el.type === 'checkbox' || el.type === 'radio')),
      );
      for (const el of fields) {
        const what = `${screen}: ${el.id || el.getAttribute('data-field') || el.outerHTML}`;
        expect(['text', 'numeric', 'none'], what).toContain(el.getAttribute('data-keyboard'));
        expect(el.getAttribute('inputmode'), what).toBe('none');
        expect(el.readOnly, what).toBe(false);
      }
      seen = Math.max(seen, fields.length);
    }
    expect(seen).toBeGreaterThanOrEqual(TEXT.length + NUMERIC.length + 2 * 5 + 1);
    const kind = (id: string): string | null => m.$(`#${id}`).getAttribute('data-keyboard');
    for (const id of TEXT) expect(kind(id), id).toBe('text');
    for (const id of NUMERIC) expect(kind(id), id).toBe('numeric');
    expect(kind('pin-input')).toBe('none');
    const rows = Array.from(m.root.querySelectorAll('tr.contact-row'));
    const rowKinds = rows.map((row) =>
      ['description', 'value', 'extension', 'extension_delay_seconds', 'order'].map((f) =>
        row.querySelector(`[data-field="${f}"]`)?.getAttribute('data-keyboard'),
      ),
    );
    expect(rowKinds).toEqual([
      ['text', 'numeric', 'numeric', 'numeric', 'numeric'],
      ['text', 'text', 'numeric', 'numeric', 'numeric'],
    ]);
  });
});

describe('the enter key: the step’s primary action', () => {
  /** The key's name, from its text (the glyph is hidden from assistive technologies). */
  const enterName = (m: Mounted): string =>
    Array.from(key(m, 'enter').childNodes)
      .filter((n) => !(n instanceof Element && n.getAttribute('aria-hidden') === 'true'))
      .map((n) => n.textContent)
      .join('')
      .trim();

  it('reads like the step’s button, on the keypad and the letter keyboard, in French then in English', async () => {
    const m = await mount();
    const cases: [ScreenId, string, string, 'numeric' | 'text', string][] = [
      ['request', '#phone', '#btn-request-submit', 'numeric', 'Confirmer'],
      ['request', '#captcha-answer', '#btn-request-submit', 'text', 'Confirmer'],
      ['code', '#code', '#btn-code-submit', 'numeric', 'Continuer'],
      ['login', '#login-code', '#btn-login', 'numeric', 'Connexion'],
      ['profile', '#name', '#btn-profile-submit', 'text', 'Confirmer'],
    ];
    for (const [screen, field, button, layout, words] of cases) {
      focusOn(m, screen, field);
      expect(osk(m).dataset.layout, field).toBe(layout);
      expect(enterName(m), field).toBe(words);
      expect(enterName(m), field).toBe(m.$(button).textContent);
      expect(key(m, 'enter').hidden, field).toBe(false);
      // Named by what it shows, nothing else.
      expect(key(m, 'enter').hasAttribute('aria-label'), field).toBe(false);
    }
    m.$('#btn-lang').click();
    focusOn(m, 'code', '#code');
    expect(enterName(m)).toBe('Continue');
    expect(enterName(m)).toBe(m.$('#btn-code-submit').textContent);
  });

  it('presses the step’s button: the same errors next to the field, then the next step', async () => {
    // The kiosk core refuses an empty number, as it does.
    const m = await mount((cmd, args) => {
      const phone = cmd === 'request_code' ? (args as { form: { phone: string } }).form.phone : null;
      if (phone === '') throw { code: 'validation', message: '', fields: [{ field: 'phone', code: 'phone.required' }], retry_after_seconds: null };
      return happyPath(cmd);
    });
    m.$('#btn-start').click();
    m.$('#btn-new-user').click();
    await flush();
    // Nothing typed: « Confirmer » on the keypad is refused as the button is, the error next to the field.
    const phone = m.$<HTMLInputElement>('#phone');
    phone.focus();
    key(m, 'enter').click();
    await flush();
    expect(m.$('#error-phone').textContent).toBe('Veuillez entrer votre numéro de téléphone.');
    expect(phone.getAttribute('aria-invalid')).toBe('true');
    expect(m.$('#form-error').textContent).toBe('Certains renseignements sont à corriger.');
    // What the button shows is what the key showed.
    const shown = (): string[] => [
      m.$('#form-error').textContent,
      ...Array.from(m.root.querySelectorAll<HTMLElement>('.field-error:not([hidden])'), (e) => `${e.dataset.errorFor ?? ''}: ${e.textContent}`),
    ];
    const byKey = shown();
    m.$('#btn-request-submit').click();
    await flush();
    expect(shown()).toEqual(byKey);
    expect(visibleScreen(m.root)).toBe('screen-request');
    phone.focus();
    typeOnKeys(m, '5145550100');
    m.$<HTMLInputElement>('#channel-sms').click();
    m.$<HTMLInputElement>('#consent').click();
    phone.focus();
    key(m, 'enter').click();
    await flush();
    expect(m.calls.filter((c) => c.cmd === 'request_code').map((c) => (c.args as { form: { phone: string } }).form.phone)).toEqual([
      '',
      '',
      '5145550100',
    ]);
    expect(visibleScreen(m.root)).toBe('screen-code');

    // Step 3, nothing typed: the same error as the button's, and the keys stay for the field.
    const code = m.$<HTMLInputElement>('#code');
    code.focus();
    key(m, 'enter').click();
    expect(m.$('#error-code').hidden).toBe(false);
    expect(m.$('#error-code').textContent).toBe('Veuillez entrer le mot de passe reçu.');
    expect(code.getAttribute('aria-invalid')).toBe('true');
    expect(visibleScreen(m.root)).toBe('screen-code');
    expect(document.activeElement).toBe(code);
    expect(osk(m).hidden).toBe(false);
    typeOnKeys(m, '123456');
    key(m, 'enter').click();
    expect(visibleScreen(m.root)).toBe('screen-login');
    expect(m.$<HTMLInputElement>('#login-code').value).toBe('123456');
    // The new screen's title has the focus: the keys are gone.
    expect(osk(m).hidden).toBe(true);
  });

  it('does nothing while the button does nothing (busy: the form is being sent)', async () => {
    let saves = 0;
    const m = await mount((cmd) => {
      if (cmd === 'save_profile') {
        saves += 1;
        return new Promise(() => undefined);
      }
      return happyPath(cmd);
    });
    m.app.show('profile');
    m.app.contacts.addRow({ kind: 'mobile', value: '514 555-0100' });
    const name = focusOn(m, 'profile', '#name');
    typeOnKeys(m, 'Gagnon');
    key(m, 'enter').click();
    await flush();
    expect(saves).toBe(1);
    expect(m.$<HTMLButtonElement>('#btn-profile-submit').disabled).toBe(true);
    name.focus();
    key(m, 'enter').click();
    await flush();
    expect(saves).toBe(1);
  });

  it('is not there for a field outside a form (no step to validate)', () => {
    const root = document.createElement('div');
    document.body.replaceChildren(root);
    const keyboard = createKeyboard(root);
    const loose = document.createElement('input');
    for (const [name, value] of Object.entries(keyboardAttrs('numeric'))) loose.setAttribute(name, value);
    root.append(loose, keyboard.element);
    loose.focus();
    const enter = keyboard.element.querySelector<HTMLButtonElement>('[data-key="enter"]');
    expect(keyboard.element.hidden).toBe(false);
    expect(enter?.hidden).toBe(true);
  });
});
