// Voice guidance, for residents who cannot read the screen. Turned on from the attract screen, by touch
// (« Guidage vocal ») or by a physical key (F1, or * on a keypad); the wipe turns it off. While on, the kiosk
// speaks, in the session's language, through the OS speech engine (the Rust `speak` command):
// - each screen's title and instructions when it is shown;
// - the control that takes the focus: its label, required or optional, its help and its error;
// and the arrow keys of a physical keyboard or keypad move from one control to the next (Tab also does).
// What the resident typed is never spoken: the kiosk stands in a public hall.
import type { Api } from './context';
import { h } from './dom';
import { currentLanguage, t } from './i18n';

/** Physical keys that turn guidance on or off on the attract screen. */
const VOICE_KEYS: ReadonlySet<string> = new Set(['F1', '*']);

/** What the screen says first: its title, then these, in document order (visible ones only). */
const INSTRUCTIONS = 'h1, .subtitle, .intro, .lead, .notice, .attract-pitch';

/** What the arrow keys move between. */
const FOCUSABLE = 'button, input, select, textarea, [href], [tabindex]:not([tabindex="-1"])';

export interface VoiceContext {
  api: Pick<Api, 'speak' | 'speechStop'>;
  /** The attract screen is shown (the physical key works there only). */
  onAttract(): boolean;
  /** The attract screen's way on, focused when guidance turns on. */
  startButton(): HTMLElement | null;
}

export interface VoiceGuide {
  /** « Guidage vocal », on the attract screen (aria-pressed says whether it is on). */
  readonly button: HTMLButtonElement;
  /** A screen was just shown: its title and instructions are spoken. */
  screenShown(screen: HTMLElement): void;
  /** The wipe: guidance off, silence. */
  clear(): void;
}

function visible(el: Element): boolean {
  return el instanceof HTMLElement && el.closest('[hidden]') === null;
}

/** Sentences said one after the other, each ending once: « système. Veuillez… », « aide? Un membre… ». */
function sentences(parts: string[]): string {
  return parts
    .map((p) => p.trim().replace(/[\s:;,]+$/u, ''))
    .filter((p) => p !== '')
    .map((p) => (/[.!?…]$/u.test(p) ? p : `${p}.`))
    .join(' ');
}

/** The words of `el` a sighted resident reads: its text, without what is hidden from everyone. */
function textOf(el: Element): string {
  return el.textContent.replace(/\s+/g, ' ').trim();
}

/** A control's name: its label, its aria-label, or its own text (a button). */
function nameOf(control: HTMLElement): string {
  const label = control.id === '' ? null : control.ownerDocument.querySelector(`label[for="${control.id}"]`);
  if (label) return textOf(label);
  const aria = control.getAttribute('aria-label');
  if (aria !== null && aria !== '') return aria;
  return textOf(control);
}

/** What is said when `control` takes the focus: name, role, required or optional, help and error. */
function describeControl(control: HTMLElement): string {
  const parts = [nameOf(control)];
  if (control instanceof HTMLButtonElement) parts.push(t('voice.button'));
  else if (control instanceof HTMLInputElement && (control.type === 'checkbox' || control.type === 'radio')) {
    parts.push(t(control.checked ? 'voice.checked' : 'voice.unchecked'));
  } else if (control instanceof HTMLInputElement || control instanceof HTMLSelectElement || control instanceof HTMLTextAreaElement) {
    parts.push(t('voice.field'));
    if (control.getAttribute('aria-required') === 'true') parts.push(t('voice.required'));
  }
  const described = (control.getAttribute('aria-describedby') ?? '').split(/\s+/).filter((id) => id !== '');
  for (const id of described) {
    const el = control.ownerDocument.getElementById(id);
    if (el && visible(el) && textOf(el) !== '') parts.push(textOf(el));
  }
  return sentences(parts);
}

/** What is said when `screen` is shown: its title and its instructions, as they read. */
function describeScreen(screen: HTMLElement): string {
  return sentences(
    Array.from(screen.querySelectorAll(INSTRUCTIONS))
      .filter((el) => visible(el))
      .map(textOf),
  );
}

export function createVoiceGuide(root: HTMLElement, ctx: VoiceContext): VoiceGuide {
  let on = false;
  const button = h('button', { id: 'btn-voice', type: 'button', class: 'btn btn-secondary btn-voice', 'aria-pressed': 'false', i18n: 'voice.toggle' });

  function say(text: string): void {
    if (!on || text === '') return;
    void ctx.api.speak(text, currentLanguage()).catch(() => undefined);
  }

  function setOn(next: boolean): void {
    if (next === on) return;
    on = next;
    button.setAttribute('aria-pressed', String(on));
    if (on) {
      say(t('voice.on'));
      ctx.startButton()?.focus();
    } else void ctx.api.speechStop().catch(() => undefined);
  }

  /** The next (or previous) control on screen from the focused one: the header's, the screen's, a dialog's. */
  function move(from: Element | null, step: 1 | -1): void {
    const all = Array.from(root.querySelectorAll<HTMLElement>(FOCUSABLE)).filter(
      (el) => visible(el) && !(el as HTMLButtonElement).disabled && el.closest('[inert]') === null,
    );
    if (all.length === 0) return;
    const at = from instanceof HTMLElement ? all.indexOf(from) : -1;
    all[(at + step + all.length) % all.length].focus();
  }

  button.addEventListener('click', () => {
    setOn(!on);
  });
  // Captured before the attract screen sees the key (any key there starts a signup).
  root.addEventListener(
    'keydown',
    (event) => {
      if (ctx.onAttract() && VOICE_KEYS.has(event.key)) {
        event.preventDefault();
        event.stopPropagation();
        setOn(!on);
        return;
      }
      if (!on || (event.key !== 'ArrowDown' && event.key !== 'ArrowUp')) return;
      const target = event.target;
      // Arrows choose within a list or a group of radio buttons: left to them.
      if (target instanceof HTMLSelectElement || (target instanceof HTMLInputElement && target.type === 'radio')) return;
      event.preventDefault();
      move(target instanceof Element ? target : null, event.key === 'ArrowDown' ? 1 : -1);
    },
    { capture: true },
  );
  root.addEventListener('focusin', (event) => {
    const target = event.target;
    if (!on || !(target instanceof HTMLElement)) return;
    // A screen's title takes the focus when it is shown: `screenShown` has said it with the instructions.
    if (target.tagName === 'H1') return;
    // A panel's title (« Besoin d’aide? »): the whole panel is read.
    if (target instanceof HTMLHeadingElement) say(textOf(target.closest('section') ?? target));
    else say(describeControl(target));
  });

  return {
    button,
    screenShown(screen: HTMLElement): void {
      say(describeScreen(screen));
    },
    clear(): void {
      setOn(false);
    },
  };
}
