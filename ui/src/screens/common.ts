// Building blocks shared by the screens.
import { createConfirmation, type Confirmation } from '../confirm';
import { h } from '../dom';
import type { TranslationKey } from '../i18n';
import type { ScreenId } from '../context';

/** A screen: a hidden section titled by its `h1` (where the focus goes when it is shown). */
export function screen(id: ScreenId, title: TranslationKey, children: Node[]): HTMLElement {
  return h('section', { class: 'screen', id: `screen-${id}`, hidden: true, 'aria-labelledby': `title-${id}` }, [
    h('h1', { id: `title-${id}`, tabindex: '-1', i18n: title }),
    ...children,
  ]);
}

export function requiredNote(): HTMLElement {
  return h('p', { class: 'required-note', i18n: 'app.required_note' });
}

export function buttonRow(children: Node[]): HTMLElement {
  return h('div', { class: 'button-row' }, children);
}

/**
 * The buttons of a step's form, its primary action first: the bar holds the bottom of the page area while the
 * form goes on below it, so the way on stays in view (above the on-screen keyboard too: see `reveal.ts`).
 */
export function actionBar(children: Node[]): HTMLElement {
  return h('div', { class: 'button-row action-bar' }, children);
}

export function form(id: string, children: Node[]): HTMLFormElement {
  return h('form', { id, novalidate: true, autocomplete: 'off' }, children);
}

/** What the resident typed or chose on this step: a field not empty, a box ticked, a choice made. */
export function hasTypedData(scope: HTMLElement): boolean {
  return Array.from(scope.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>('input, select, textarea')).some(
    (c) => {
      if (c instanceof HTMLInputElement && (c.type === 'checkbox' || c.type === 'radio')) return c.checked;
      if (c instanceof HTMLSelectElement) return false;
      return c.value.trim() !== '';
    },
  );
}

/**
 * « Annuler » of a step: with something typed, it asks first (« Effacer tout ce que vous avez écrit et
 * recommencer? »); with nothing typed, it starts over at once. Answers the question's region, to put right
 * after the step's action bar.
 */
export function guardCancel(id: string, cancel: HTMLButtonElement, scope: HTMLElement, reset: () => Promise<void>): Confirmation {
  const question = createConfirmation(id, {
    question: 'confirm.cancel_question',
    yes: 'confirm.cancel_yes',
    no: 'confirm.cancel_no',
  });
  cancel.addEventListener('click', () => {
    if (!hasTypedData(scope)) {
      void reset();
      return;
    }
    void question.ask().then((yes) => {
      if (yes) void reset();
      else cancel.focus();
    });
  });
  return question;
}
