// Display settings of the resident in front of the kiosk: text size and high contrast.
// They are set on the root element (<html>), where styles.css reads them; the session wipe
// puts them back to the defaults, like the language goes back to French.
import { h } from './dom';
import { t, type TranslationKey } from './i18n';

export type TextSize = 'normal' | 'large' | 'larger';

/** In order: 100 %, 125 %, 150 % of the root font size (see `--text-scale` in styles.css). */
export const TEXT_SIZES: readonly TextSize[] = ['normal', 'large', 'larger'];
export const DEFAULT_TEXT_SIZE: TextSize = 'normal';

/** The step's name for assistive technologies; it starts with the visible text (A, A+, A++). */
const SIZE_LABELS: Record<TextSize, TranslationKey> = {
  normal: 'a11y.text_size_normal',
  large: 'a11y.text_size_large',
  larger: 'a11y.text_size_larger',
};
const SIZE_GLYPHS: Record<TextSize, string> = { normal: 'A', large: 'A+', larger: 'A++' };

export interface DisplaySettings {
  /** « Taille du texte » A / A+ / A++ (a group of three toggle buttons). */
  textSizeGroup: HTMLElement;
  /** « Contraste élevé » (a toggle button). */
  contrastButton: HTMLButtonElement;
  textSize(): TextSize;
  setTextSize(size: TextSize): void;
  highContrast(): boolean;
  setHighContrast(on: boolean): void;
  /** Back to the defaults, for the next resident. */
  reset(): void;
}

/** Creates the header controls and applies the defaults to `doc`'s root element at once. */
export function createDisplaySettings(doc: Document = document): DisplaySettings {
  const rootEl = doc.documentElement;
  let size: TextSize = DEFAULT_TEXT_SIZE;
  let contrast = false;

  const sizeButtons = TEXT_SIZES.map((step) => {
    const btn = h(
      'button',
      {
        id: `btn-text-size-${step}`,
        type: 'button',
        class: 'btn btn-tool btn-text-size',
        'data-size': step,
        'aria-pressed': 'false',
        'aria-label': t(SIZE_LABELS[step]),
        'data-i18n': SIZE_LABELS[step],
        'data-i18n-attr': 'aria-label',
      },
      [h('span', { class: 'text-size-glyph' }, [SIZE_GLYPHS[step]])],
    );
    btn.addEventListener('click', () => {
      setTextSize(step);
    });
    return btn;
  });
  const textSizeGroup = h('div', { id: 'text-size', class: 'text-size', role: 'group', 'aria-labelledby': 'text-size-label' }, [
    h('span', { id: 'text-size-label', class: 'text-size-label', i18n: 'a11y.text_size' }),
    ...sizeButtons,
  ]);

  const contrastButton = h('button', { id: 'btn-contrast', type: 'button', class: 'btn btn-tool btn-contrast', 'aria-pressed': 'false' }, [
    // Shown only when on: the state is not told by colour alone.
    h('span', { class: 'tool-check', 'aria-hidden': 'true' }, ['✓']),
    // The icon; from A+ on, the label is for assistive technologies only (the header holds one row).
    h('span', { class: 'tool-icon', 'aria-hidden': 'true' }, ['◐']),
    h('span', { class: 'tool-label', i18n: 'a11y.contrast' }),
  ]);
  contrastButton.addEventListener('click', () => {
    setHighContrast(!contrast);
  });

  function render(): void {
    rootEl.dataset.textSize = size;
    rootEl.dataset.contrast = contrast ? 'high' : 'normal';
    for (const btn of sizeButtons) btn.setAttribute('aria-pressed', String(btn.dataset.size === size));
    contrastButton.setAttribute('aria-pressed', String(contrast));
  }

  function setTextSize(next: TextSize): void {
    size = TEXT_SIZES.includes(next) ? next : DEFAULT_TEXT_SIZE;
    render();
  }

  function setHighContrast(on: boolean): void {
    contrast = on;
    render();
  }

  function reset(): void {
    size = DEFAULT_TEXT_SIZE;
    contrast = false;
    render();
  }

  render();
  return {
    textSizeGroup,
    contrastButton,
    textSize: () => size,
    setTextSize,
    highContrast: () => contrast,
    setHighContrast,
    reset,
  };
}
