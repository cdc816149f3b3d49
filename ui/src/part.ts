import { applyTranslations } from './ui';

/**
 * A piece of the UI (a screen, a dialog) built the first time it is needed. At start only the header and
 * the attract screen are built, so that the kiosk's first screen is drawn sooner; a resident takes seconds
 * to reach any other. Until a part is built, a comment holds its place in the document: the elements keep
 * the same order whatever is built first.
 *
 * The rule that keeps this simple: a part is built, translated into the language of the moment, then
 * `draw` draws it from the app's state. What draws the state (a language change, the kiosk's information,
 * the session wipe) skips the parts not built yet (`built` is null); what acts on a part the resident is
 * using asks for it with `get()`.
 */
export interface Part<T extends { element: HTMLElement }> {
  /** Holds the part's place in the document until it is built. */
  readonly slot: Comment;
  /** The part, or null while it has not been needed yet. */
  readonly built: T | null;
  /** The part, built and put in its place now if it was not yet. */
  get(): T;
}

/** `build` makes the part; its `draw` (if any) draws it from the app's state once it is in the page. */
export function part<T extends { element: HTMLElement; draw?: () => void }>(name: string, build: () => T): Part<T> {
  const slot = document.createComment(name);
  let value: T | null = null;
  return {
    slot,
    get built(): T | null {
      return value;
    },
    get(): T {
      if (value === null) {
        value = build();
        slot.replaceWith(value.element);
        // `h` translates what it creates; this also covers texts only a retranslation sets (an `alt`, say).
        applyTranslations(value.element);
        value.draw?.();
      }
      return value;
    },
  };
}
