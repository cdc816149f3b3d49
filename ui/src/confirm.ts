// A question asked in the page, next to the button that raised it: « Effacer ce que vous avez écrit? »,
// « Supprimer votre inscription? ». Never a modal over the page: the resident sees what the answer is about,
// the on-screen keyboard never covers it (it holds buttons only), and a screen reader reads it as an alert.
// The answer is a promise; the wipe (`clear`) answers « no » to a question still open.
import { h } from './dom';
import type { TranslationKey } from './i18n';
import { button, setI18n } from './ui';

export interface Confirmation {
  /** The question's region, hidden until asked: put it right after the button that asks. */
  readonly element: HTMLElement;
  /** Shows the question and moves the focus to it; resolves true for « yes », false for « no » or the wipe. */
  ask(): Promise<boolean>;
  clear(): void;
}

export interface ConfirmationTexts {
  question: TranslationKey;
  /** What « yes » does (« Oui, tout effacer »): the buttons say what they do, never a bare « Oui ». */
  yes: TranslationKey;
  no: TranslationKey;
}

export function createConfirmation(id: string, texts: ConfirmationTexts): Confirmation {
  const question = h('p', { id: `${id}-question`, class: 'confirm-question', tabindex: '-1' });
  const yes = button(`${id}-yes`, texts.yes, 'danger');
  const no = button(`${id}-no`, texts.no, 'secondary');
  const element = h('div', { id, class: 'confirm', role: 'alertdialog', 'aria-labelledby': question.id, hidden: true }, [
    question,
    h('div', { class: 'button-row' }, [no, yes]),
  ]);
  setI18n(question, texts.question);
  let answer: ((yes: boolean) => void) | null = null;

  function close(result: boolean): void {
    element.hidden = true;
    const resolve = answer;
    answer = null;
    resolve?.(result);
  }

  yes.addEventListener('click', () => {
    close(true);
  });
  no.addEventListener('click', () => {
    close(false);
  });

  return {
    element,
    ask(): Promise<boolean> {
      // Asked again while open: the first question is answered « no », the new one stands.
      if (answer) close(false);
      element.hidden = false;
      // The focus brings the question into view (the page area scrolls to it).
      question.focus();
      return new Promise((resolve) => {
        answer = resolve;
      });
    },
    clear(): void {
      close(false);
    },
  };
}
