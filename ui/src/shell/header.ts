// The header (the town's name, text size, contrast, the language, and the offline banner under them) and the
// step indicator. The header never scrolls away (the page area scrolls under it) and its controls hold one
// row at every text size: from A+ on they show their icons only (their names stay for assistive technologies).
import type { KioskInfo } from '../bindings';
import { createDisplaySettings, type DisplaySettings } from '../a11y';
import type { ScreenId } from '../context';
import { h } from '../dom';
import { offlineVariant, type Flow } from '../flow';
import { currentLanguage, setLanguage } from '../i18n';
import { townTitle } from '../town';
import { clearText, setI18n } from '../ui';

const STEPS: Record<ScreenId, number> = { attract: 0, home: 0, request: 1, code: 2, login: 3, profile: 4, done: 5, staff: 0 };
const TOTAL_STEPS = 5;
/** Offline from step 1: no code to type, straight to the form (steps 2 and 3 of 3). */
const OFFLINE_STEPS: Record<ScreenId, number> = {
  attract: 0,
  home: 0,
  request: 1,
  code: 0,
  login: 0,
  profile: 2,
  done: 3,
  staff: 0,
};
const OFFLINE_TOTAL_STEPS = 3;

export interface Header {
  /** `<header>`: the row of controls, then the offline banner. */
  readonly element: HTMLElement;
  /** Text size and high contrast: the resident's, on every screen, back to the defaults with the session. */
  readonly display: DisplaySettings;
  /** The town's title (« Municipalité d’Ivry-sur-le-Lac »); the language toggle only where English is on. */
  drawInfo(info: KioskInfo | null): void;
}

/**
 * `retranslate` redraws the app in the language chosen with the toggle; `offlineBanner` goes under the row;
 * `helpButton` (« Aide ») comes first of the tools.
 */
export function createHeader(doc: Document, retranslate: () => void, offlineBanner: HTMLElement, helpButton: HTMLElement): Header {
  const townName = h('p', { class: 'town', id: 'town-name' });
  const langButton = h('button', { id: 'btn-lang', type: 'button', class: 'btn btn-lang', i18n: 'app.lang_toggle', hidden: true });
  const display = createDisplaySettings(doc);
  const element = h('header', { class: 'app-header' }, [
    h('div', { class: 'topbar' }, [
      townName,
      h('div', { class: 'topbar-tools' }, [helpButton, display.textSizeGroup, display.contrastButton, langButton]),
    ]),
    offlineBanner,
  ]);
  langButton.addEventListener('click', () => {
    setLanguage(currentLanguage() === 'fr' ? 'en' : 'fr');
    retranslate();
  });
  return {
    element,
    display,
    drawInfo(info: KioskInfo | null): void {
      townName.hidden = (info?.town_name ?? '') === '';
      if (info && !townName.hidden) {
        const title = townTitle(info);
        setI18n(townName, title.key, title.args);
      } else clearText(townName);
      langButton.hidden = !(info?.english_enabled ?? false);
    },
  };
}

export interface StepIndicator {
  readonly element: HTMLElement;
  /** « Étape N de 5 » for the screen shown (none outside the signup); offline from step 1, « de 3 ». */
  render(screen: ScreenId, flow: Flow): void;
}

export function createStepIndicator(): StepIndicator {
  const element = h('p', { id: 'step-indicator', class: 'step', hidden: true });
  return {
    element,
    render(screen: ScreenId, flow: Flow): void {
      // Offline from step 1, steps 2–4 (code, login) are skipped: « Étape 2 de 3 » is the form.
      const skipped = offlineVariant(flow) === 'request';
      const step = (skipped ? OFFLINE_STEPS : STEPS)[screen];
      // A deleted registration is no step of a signup.
      element.hidden = step === 0 || flow.kind === 'deleted';
      setI18n(element, 'app.step', { step, total: skipped ? OFFLINE_TOTAL_STEPS : TOTAL_STEPS });
    },
  };
}
