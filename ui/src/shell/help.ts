// « Besoin d’aide? »: a button in the header, on every screen, and the panel it opens at the top of the page
// area: how to reach staff at this kiosk (the town's text, BORNE_KIOSK_HELP, else a general one), and what
// the kiosk offers to anyone (text size, contrast, voice guidance). Nothing typed is touched: the panel
// opens above the step and closes back to it.
import type { KioskInfo } from '../bindings';
import { h } from '../dom';
import { currentLanguage } from '../i18n';
import { button, clearText, setI18n } from '../ui';

export interface Help {
  /** The header's « Aide » button. */
  readonly button: HTMLButtonElement;
  /** The panel, first in the page area. */
  readonly panel: HTMLElement;
  /** kiosk_info answered, or the language changed: the town's text follows. */
  render(): void;
  /** The wipe: closed. */
  clear(): void;
}

export interface HelpContext {
  info(): KioskInfo | null;
  /** Where the page area scrolls to show the panel. */
  scrollToTop(): void;
}

export function createHelp(ctx: HelpContext): Help {
  const helpButton = h('button', { id: 'btn-help', type: 'button', class: 'btn btn-tool btn-help', 'aria-expanded': 'false', 'aria-controls': 'help-panel' }, [
    h('span', { class: 'tool-icon', 'aria-hidden': 'true' }, ['?']),
    ' ',
    h('span', { class: 'tool-label', i18n: 'help.button' }),
  ]);
  const title = h('h2', { id: 'help-title', tabindex: '-1', i18n: 'help.title' });
  const townText = h('p', { id: 'help-text', class: 'lead' });
  const close = button('btn-help-close', 'help.close', 'primary');
  const panel = h('section', { id: 'help-panel', class: 'help-panel', role: 'region', 'aria-labelledby': 'help-title', hidden: true }, [
    title,
    townText,
    h('p', { i18n: 'help.staff' }),
    h('p', { i18n: 'help.display' }),
    h('p', { i18n: 'help.privacy' }),
    close,
  ]);

  function render(): void {
    const help = ctx.info()?.help ?? null;
    if (help) {
      clearText(townText);
      townText.textContent = currentLanguage() === 'en' ? help.en : help.fr;
    } else setI18n(townText, 'help.default');
  }

  function setOpen(open: boolean): void {
    panel.hidden = !open;
    helpButton.setAttribute('aria-expanded', String(open));
  }

  helpButton.addEventListener('click', () => {
    if (panel.hidden) {
      render();
      setOpen(true);
      ctx.scrollToTop();
      title.focus();
    } else {
      setOpen(false);
    }
  });
  close.addEventListener('click', () => {
    setOpen(false);
    helpButton.focus();
  });
  render();

  return {
    button: helpButton,
    panel,
    render,
    clear(): void {
      setOpen(false);
      render();
    },
  };
}
