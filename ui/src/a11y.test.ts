// Text size and high contrast: on every screen, the resident's own, gone with the session wipe;
// and every control a touch target of at least 44 × 44 CSS px.
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { currentLanguage, setLanguage, t } from './i18n';
// The real stylesheet, as text (vite.config.ts lets vitest read styles.css).
import css from './styles.css?raw';
import { flush, happyPath, mount, type Mounted, type, visibleScreen } from './test-helpers';

beforeEach(() => {
  setLanguage('fr');
});
afterEach(() => {
  vi.useRealTimers();
  clearMocks();
});

const SIZES = ['normal', 'large', 'larger'] as const;
const html = (): HTMLElement => document.documentElement;

function pressed(m: Mounted, selector: string): string | null {
  return m.$(selector).getAttribute('aria-pressed');
}

/** Which text-size button says it is pressed. */
function pressedSizes(m: Mounted): string[] {
  return SIZES.filter((s) => pressed(m, `#btn-text-size-${s}`) === 'true');
}

/** The accessible name given by the element's own text (parts hidden from assistive technologies left out). */
function nameFromContent(el: Element): string {
  return Array.from(el.childNodes)
    .filter((n) => !(n instanceof Element && n.getAttribute('aria-hidden') === 'true'))
    .map((n) => n.textContent)
    .join('')
    .trim();
}

function expectDefaults(m: Mounted): void {
  expect(html().dataset.textSize).toBe('normal');
  expect(html().dataset.contrast).toBe('normal');
  expect(pressedSizes(m)).toEqual(['normal']);
  expect(pressed(m, '#btn-contrast')).toBe('false');
}

/** Larger text and high contrast, chosen the way a resident does. */
function chooseLargestHighContrast(m: Mounted): void {
  m.$('#btn-text-size-larger').click();
  m.$('#btn-contrast').click();
  expect(html().dataset.textSize).toBe('larger');
  expect(html().dataset.contrast).toBe('high');
}

describe('text size', () => {
  it('starts at normal, and each button sets its step on the root element and is the only one pressed', async () => {
    const m = await mount();
    expectDefaults(m);
    for (const size of ['large', 'larger', 'normal', 'larger'] as const) {
      m.$(`#btn-text-size-${size}`).click();
      expect(html().dataset.textSize).toBe(size);
      expect(pressedSizes(m)).toEqual([size]);
    }
    // Pressing the current step again keeps it.
    m.$('#btn-text-size-larger').click();
    expect(html().dataset.textSize).toBe('larger');
    expect(pressedSizes(m)).toEqual(['larger']);
    // The contrast is another setting.
    expect(html().dataset.contrast).toBe('normal');
  });

  it('is a labelled group of three buttons, named in French then in English', async () => {
    const m = await mount();
    const group = m.$('#text-size');
    expect(group.getAttribute('role')).toBe('group');
    const labelId = group.getAttribute('aria-labelledby') ?? '';
    expect(m.$(`#${labelId}`).textContent).toBe('Taille du texte');
    const names = (): (string | null)[] => SIZES.map((s) => m.$(`#btn-text-size-${s}`).getAttribute('aria-label'));
    const visible = SIZES.map((s) => m.$(`#btn-text-size-${s}`).textContent);
    expect(visible).toEqual(['A', 'A+', 'A++']);
    expect(names()).toEqual([t('a11y.text_size_normal', {}, 'fr'), t('a11y.text_size_large', {}, 'fr'), t('a11y.text_size_larger', {}, 'fr')]);
    // The name starts with what is seen on the button (voice control: « cliquer A plus »).
    names().forEach((name, i) => {
      expect(name?.startsWith(visible[i] ?? '?')).toBe(true);
    });
    for (const s of SIZES) expect(m.$(`#btn-text-size-${s}`).getAttribute('type')).toBe('button');

    m.$('#btn-lang').click();
    expect(m.$(`#${labelId}`).textContent).toBe('Text size');
    expect(names()).toEqual(['A: normal text', 'A+: large text', 'A++: very large text']);
    m.$('#btn-lang').click();
    expect(m.$(`#${labelId}`).textContent).toBe('Taille du texte');
  });
});

describe('high contrast', () => {
  it('toggles the palette on the root element and says whether it is on', async () => {
    const m = await mount();
    expectDefaults(m);
    m.$('#btn-contrast').click();
    expect(html().dataset.contrast).toBe('high');
    expect(pressed(m, '#btn-contrast')).toBe('true');
    m.$('#btn-contrast').click();
    expect(html().dataset.contrast).toBe('normal');
    expect(pressed(m, '#btn-contrast')).toBe('false');
    // The text size is another setting.
    expect(html().dataset.textSize).toBe('normal');
  });

  it('keeps the same name, in French then in English (the state is aria-pressed)', async () => {
    const m = await mount();
    const btn = m.$('#btn-contrast');
    expect(btn.getAttribute('type')).toBe('button');
    expect(nameFromContent(btn)).toBe('Contraste élevé');
    btn.click();
    expect(nameFromContent(btn)).toBe('Contraste élevé');
    m.$('#btn-lang').click();
    expect(nameFromContent(btn)).toBe('High contrast');
    expect(pressed(m, '#btn-contrast')).toBe('true');
  });
});

describe('the header', () => {
  /** The stylesheet applied while `check` runs (jsdom resolves the cascade; it does not lay out). */
  async function withStyles(check: (m: Mounted) => void | Promise<void>): Promise<void> {
    const m = await mount();
    const style = document.createElement('style');
    style.textContent = css;
    document.head.append(style);
    try {
      await check(m);
    } finally {
      style.remove();
    }
  }

  it('holds one row at every text size, with high contrast: from A+ on, the tools show their icons only', async () => {
    await withStyles((m) => {
      const hidden = (selector: string): boolean => {
        const style = getComputedStyle(m.$(selector));
        return style.position === 'absolute' && style.width === '1px' && style.overflow === 'hidden';
      };
      for (const size of SIZES) {
        for (const contrast of [false, true]) {
          m.$(`#btn-text-size-${size}`).click();
          if (m.$('#btn-contrast').getAttribute('aria-pressed') !== String(contrast)) m.$('#btn-contrast').click();
          const where = `${size}${contrast ? ', high contrast' : ''}`;
          for (const selector of ['header .topbar', 'header .topbar-tools', '#text-size']) {
            expect(getComputedStyle(m.$(selector)).flexWrap, `${selector}, ${where}`).toBe('nowrap');
          }
          // A very long town name gives way (…) rather than push the tools onto a second row.
          const town = getComputedStyle(m.$('#town-name'));
          expect([town.whiteSpace, town.textOverflow, town.overflow], where).toEqual(['nowrap', 'ellipsis', 'hidden']);
          const compact = size !== 'normal';
          expect(hidden('#text-size-label'), where).toBe(compact);
          expect(hidden('#btn-contrast .tool-label'), where).toBe(compact);
        }
      }
    });
  });

  it('keeps the names of the compact tools, in French then in English', async () => {
    await withStyles((m) => {
      m.$('#btn-text-size-larger').click();
      const contrast = m.$('#btn-contrast');
      expect(contrast.querySelector('.tool-icon')?.getAttribute('aria-hidden')).toBe('true');
      expect(nameFromContent(contrast)).toBe('Contraste élevé');
      expect(m.$('#text-size').getAttribute('aria-labelledby')).toBe('text-size-label');
      expect(m.$('#text-size-label').textContent).toBe('Taille du texte');
      m.$('#btn-lang').click();
      expect(nameFromContent(contrast)).toBe('High contrast');
      expect(m.$('#text-size-label').textContent).toBe('Text size');
    });
  });

  it('stays on screen: outside the page area that scrolls, with the offline banner under its row', async () => {
    await withStyles((m) => {
      const header = m.$('header');
      const page = m.$('#page');
      expect(getComputedStyle(page).overflowY).toBe('auto');
      expect(page.contains(header)).toBe(false);
      expect(getComputedStyle(header).overflowY).not.toBe('auto');
      expect(m.$('#offline-banner').closest('header')).toBe(header);
      expect(Array.from(m.root.children).indexOf(header)).toBe(0);
      expect(getComputedStyle(m.root).display).toBe('flex');
      expect(getComputedStyle(m.root).flexDirection).toBe('column');
    });
  });
});

describe('a new screen', () => {
  it('starts at its top, whatever the last one scrolled to', async () => {
    const m = await mount();
    const page = m.$('#page');
    m.$('#btn-start').click();
    page.scrollTop = 400;
    expect(page.scrollTop).toBe(400);
    m.$('#btn-new-user').click();
    expect(visibleScreen(m.root)).toBe('screen-request');
    expect(page.scrollTop).toBe(0);
  });
});

describe('on every screen', () => {
  it('sit in the header next to the language, outside the screens', async () => {
    const m = await mount();
    const tools = m.$('header .topbar-tools');
    expect(Array.from(tools.children).map((c) => c.id)).toEqual(['btn-help', 'text-size', 'btn-contrast', 'btn-lang']);
    for (const id of ['#btn-help', '#btn-text-size-normal', '#btn-text-size-large', '#btn-text-size-larger', '#btn-contrast']) {
      expect(m.$(id).closest('section.screen'), id).toBeNull();
      expect(m.$(id).closest('[hidden]'), id).toBeNull();
    }
  });

  it('are chosen on the attract screen without leaving it', async () => {
    const m = await mount();
    m.$('#btn-text-size-large').click();
    m.$('#btn-contrast').click();
    expect(visibleScreen(m.root)).toBe('screen-attract');
    expect(html().dataset.textSize).toBe('large');
    expect(html().dataset.contrast).toBe('high');
  });

  it('stay as chosen from one screen to the next, through a whole registration', async () => {
    const m = await mount(happyPath);
    chooseLargestHighContrast(m);
    const stillChosen = (where: string): void => {
      expect(html().dataset.textSize, where).toBe('larger');
      expect(html().dataset.contrast, where).toBe('high');
      expect(pressedSizes(m), where).toEqual(['larger']);
      expect(pressed(m, '#btn-contrast'), where).toBe('true');
      expect(m.$('#btn-contrast').closest('[hidden]'), where).toBeNull();
    };
    m.$('#btn-start').click();
    expect(visibleScreen(m.root)).toBe('screen-home');
    stillChosen('home');
    m.$('#btn-new-user').click();
    await flush();
    expect(visibleScreen(m.root)).toBe('screen-request');
    stillChosen('request');
    // Changing the language keeps them too.
    m.$('#btn-lang').click();
    stillChosen('request, in English');
    m.$('#btn-lang').click();
    type(m.$<HTMLInputElement>('#phone'), '514 555-0100');
    m.$('#btn-request-submit').click();
    await flush();
    expect(visibleScreen(m.root)).toBe('screen-code');
    stillChosen('code');
    type(m.$<HTMLInputElement>('#code'), '123456');
    m.$('#btn-code-submit').click();
    expect(visibleScreen(m.root)).toBe('screen-login');
    stillChosen('login');
    m.$('#btn-login').click();
    await flush();
    expect(visibleScreen(m.root)).toBe('screen-profile');
    stillChosen('profile');
    m.$('#btn-profile-submit').click();
    await flush();
    expect(visibleScreen(m.root)).toBe('screen-done');
    stillChosen('done');
  });
});

describe('session wipe', () => {
  it('« Annuler » puts both back to the defaults, like the language', async () => {
    const m = await mount();
    m.$('#btn-start').click();
    m.$('#btn-new-user').click();
    await flush();
    chooseLargestHighContrast(m);
    m.$('#btn-lang').click();
    m.$('#btn-cancel-request').click();
    await flush();
    expect(visibleScreen(m.root)).toBe('screen-attract');
    expect(currentLanguage()).toBe('fr');
    expectDefaults(m);
  });

  it('« Terminer » puts both back to the defaults', async () => {
    const m = await mount(happyPath);
    chooseLargestHighContrast(m);
    m.$('#btn-start').click();
    m.$('#btn-new-user').click();
    await flush();
    type(m.$<HTMLInputElement>('#phone'), '514 555-0100');
    m.$('#btn-request-submit').click();
    await flush();
    type(m.$<HTMLInputElement>('#code'), '123456');
    m.$('#btn-code-submit').click();
    m.$('#btn-login').click();
    await flush();
    m.$('#btn-profile-submit').click();
    await flush();
    expect(visibleScreen(m.root)).toBe('screen-done');
    m.$('#btn-finish').click();
    await flush();
    expect(visibleScreen(m.root)).toBe('screen-attract');
    expect(m.count('reset_session')).toBe(1);
    expectDefaults(m);
  });

  it('the end of the idle countdown puts both back to the defaults', async () => {
    const m = await mount();
    vi.useFakeTimers();
    m.$('#btn-start').click();
    m.$('#btn-text-size-large').click();
    m.$('#btn-contrast').click();
    await vi.advanceTimersByTimeAsync(90_000);
    expect(m.$('#idle-warning').hidden).toBe(false);
    // Still the resident's settings while « Êtes-vous toujours là? » counts down.
    expect(html().dataset.textSize).toBe('large');
    expect(html().dataset.contrast).toBe('high');
    await vi.advanceTimersByTimeAsync(30_000);
    for (let i = 0; i < 3; i++) await vi.advanceTimersByTimeAsync(0);
    expect(m.$('#idle-warning').hidden).toBe(true);
    expect(visibleScreen(m.root)).toBe('screen-attract');
    expect(m.count('reset_session')).toBe(1);
    expectDefaults(m);
  });

  it('wipe() (the idle warning ended at once) puts both back to the defaults', async () => {
    const m = await mount();
    m.$('#btn-start').click();
    m.$('#btn-text-size-larger').click();
    m.$('#btn-contrast').click();
    await m.app.wipe();
    expectDefaults(m);
  });

  it('a new kiosk start (mount) begins with the defaults', async () => {
    const first = await mount();
    chooseLargestHighContrast(first);
    const second = await mount();
    expectDefaults(second);
  });
});

// ---------- touch targets ----------

/** The root font size at the normal text size (`:root` in styles.css); the larger steps only add to it. */
const ROOT_PX = 20;

/** `44px` → 44, `11rem` → 220 (at least); anything else (auto, %, calc…) → null. */
function px(value: string): number | null {
  const match = /^(\d+(?:\.\d+)?)(px|rem)$/.exec(value.trim());
  if (!match) return null;
  return Number(match[1]) * (match[2] === 'rem' ? ROOT_PX : 1);
}

/** The smallest size the stylesheet guarantees for one dimension: the larger of min-* and a fixed size in px. */
function guaranteed(style: CSSStyleDeclaration, dimension: 'width' | 'height'): number {
  const min = px(style.getPropertyValue(`min-${dimension}`)) ?? 0;
  const fixed = px(style.getPropertyValue(dimension)) ?? 0;
  return Math.max(min, fixed);
}

/** Visually hidden (for screen readers only), as the stylesheet says. */
function visuallyHidden(el: HTMLElement): boolean {
  const style = getComputedStyle(el);
  return style.position === 'absolute' && style.width === '1px' && style.height === '1px';
}

/**
 * What a resident touches: every button and form control, and the (visible) labels of checkboxes and
 * radio buttons. The contact table's labels are visually hidden (the column names say it): nothing to touch.
 */
function touchTargets(root: ParentNode): HTMLElement[] {
  const controls = Array.from(root.querySelectorAll<HTMLElement>('button, input, select, textarea, a[href]'));
  const labels = Array.from(root.querySelectorAll<HTMLLabelElement>('label[for]:not(.visually-hidden)')).filter((label) => {
    if (visuallyHidden(label)) return false;
    const target = label.ownerDocument.getElementById(label.htmlFor);
    return target instanceof HTMLInputElement && (target.type === 'checkbox' || target.type === 'radio');
  });
  return [...controls, ...labels];
}

function describeEl(el: HTMLElement): string {
  return `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}.${el.className}`;
}

describe('touch targets (styles.css)', () => {
  it('declares at least 44 × 44 CSS px for every control of every screen, header and dialog, in every display', async () => {
    // jsdom does not lay out: this reads what styles.css declares for each element (jsdom resolves the cascade:
    // selector matching, specificity, !important). The real sizes are only larger (padding, text).
    expect(css.length).toBeGreaterThan(1000);
    const m = await mount();
    // Every screen and dialog at once (each is otherwise built when first needed).
    m.app.buildAll();
    const style = document.createElement('style');
    style.textContent = css;
    document.head.append(style);
    try {
      // A contact row with its controls (checkbox, inputs, list, « Monter », « Descendre », « Retirer »).
      m.app.contacts.addRow({ kind: 'landline', value: '+15145550100', order: 1 });
      m.app.contacts.addRow({ kind: 'email', value: 'a@b.ca', order: 2 });
      const targets = touchTargets(document);
      // Not an empty check: the kinds of controls the brief names are all there.
      const ids = targets.map((el) => el.id);
      for (const id of [
        'btn-text-size-normal', 'btn-text-size-large', 'btn-text-size-larger', 'btn-contrast', 'btn-lang', 'btn-start',
        'btn-staff', 'phone', 'channel-voice', 'channel-sms', 'consent', 'captcha-answer', 'btn-captcha-refresh',
        'code', 'login-code', 'language', 'newsletter', 'btn-add-contact', 'pin-input', 'pin-key-0', 'pin-key-back',
        'pin-submit', 'pin-cancel', 'btn-idle-continue', 'btn-staff-exit-confirm', 'enroll-code', 'btn-enroll',
        'categories-emergency', 'category-boil_water', 'category-community',
      ]) {
        expect(ids, id).toContain(id);
      }
      // Per row: the checkbox, six fields (inputs and the list), « Monter », « Descendre », « Retirer ».
      expect(targets.filter((el) => el.closest('#contacts')).length).toBe(2 * 10);
      expect(targets.filter((el) => el.tagName === 'LABEL').length).toBeGreaterThanOrEqual(4);
      // « Catégories d'alertes »: the always-on line and each offered category, box and label.
      const categoryTargets = targets.filter((el) => el.closest('#profile-categories'));
      expect(categoryTargets.length).toBe(2 * 6);
      const DISPLAYS = [['normal', 'normal'], ['larger', 'high'], ['large', 'normal']] as const;
      /** Checked while attached to the document (the stylesheet applies to attached elements only). */
      const expectLargeEnough = (list: HTMLElement[], what: string): void => {
        for (const [size, contrast] of DISPLAYS) {
          html().dataset.textSize = size;
          html().dataset.contrast = contrast;
          const tooSmall = list
            .map((el) => {
              const computed = getComputedStyle(el);
              return { el, width: guaranteed(computed, 'width'), height: guaranteed(computed, 'height') };
            })
            .filter((t) => t.width < 44 || t.height < 44)
            .map((t) => `${describeEl(t.el)} ${t.width}×${t.height}`);
          expect(tooSmall, `${what}: ${size} / ${contrast}`).toEqual([]);
        }
      };
      expectLargeEnough(targets, 'controls');

      // The on-screen keyboard's keys: the letter layout (shown for a text field)…
      m.app.show('profile');
      m.$('#name').focus();
      expect(m.$('#osk').hidden).toBe(false);
      const letterKeys = Array.from(m.$('#osk').querySelectorAll<HTMLElement>('button'));
      expect(letterKeys.map((el) => el.dataset.key)).toEqual(
        expect.arrayContaining(['a', 'é', 'œ', '5', '@', 'backspace', 'shift', 'space', 'next', 'close', 'enter']),
      );
      expectLargeEnough(letterKeys, 'letter keys');
      // …and the digit keypad (built when a numeric field has the focus).
      m.app.show('request');
      m.$('#phone').focus();
      expect(m.$('#osk').dataset.layout).toBe('numeric');
      const digitKeys = Array.from(m.$('#osk').querySelectorAll<HTMLElement>('button'));
      expect(digitKeys.map((el) => el.dataset.key)).toEqual(expect.arrayContaining(['0', '9', 'backspace', 'next', 'close', 'enter']));
      expectLargeEnough(digitKeys, 'digit keys');
    } finally {
      style.remove();
    }
    // jsdom resolves the whole stylesheet for each of some 180 controls in three displays: seconds on a busy machine.
  }, 30_000);

  it('has the minimum-size rules themselves, for each kind of control', () => {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    const rules = Array.from(sheet.cssRules).filter((r): r is CSSStyleRule => r instanceof CSSStyleRule);
    /** The rule whose selector list contains exactly `selector`. */
    const rule = (selector: string): CSSStyleRule => {
      const found = rules.find((r) => r.selectorText.split(',').map((s) => s.trim()).includes(selector));
      if (!found) throw new Error(`no rule for ${selector}`);
      return found;
    };
    const atLeast44 = (selector: string): void => {
      const r = rule(selector);
      expect(guaranteed(r.style, 'width'), `${selector} width`).toBeGreaterThanOrEqual(44);
      expect(guaranteed(r.style, 'height'), `${selector} height`).toBeGreaterThanOrEqual(44);
    };
    for (const selector of [
      'button',
      '.btn',
      '.btn.btn-tool',
      '.btn.btn-row-action',
      '.btn.pin-key',
      '.btn-staff',
      '.osk-key',
      "input[type='text']",
      "input[type='tel']",
      "input[type='password']",
      "input[type='number']",
      'select',
      "input[type='checkbox']",
      "input[type='radio']",
      '.choice-text label',
      '.check label',
    ]) {
      atLeast44(selector);
    }
    // The PIN input is see-through, over the whole dot display: its touch area is the display's.
    const pinInput = rule('.pin-display .pin-input').style;
    expect([pinInput.getPropertyValue('width'), pinInput.getPropertyValue('height')]).toEqual(['100%', '100%']);
    expect(guaranteed(pinInput, 'height')).toBeGreaterThanOrEqual(44);
    expect(guaranteed(rule('.pin-display').style, 'height')).toBeGreaterThanOrEqual(44);
    // What a rem is worth at least (see ROOT_PX): 20 px times the text size's scale (1, 1.25, 1.5).
    const root = rule(':root').style;
    expect(root.getPropertyValue('font-size').replace(/\s+/g, '')).toBe('calc(20px*var(--text-scale))');
    expect(root.getPropertyValue('--text-scale').trim()).toBe('1');
    expect(rule(":root[data-text-size='large']").style.getPropertyValue('--text-scale').trim()).toBe('1.25');
    expect(rule(":root[data-text-size='larger']").style.getPropertyValue('--text-scale').trim()).toBe('1.5');
    // A visible focus ring on every control.
    const focus = rule('.btn:focus');
    expect(focus.style.getPropertyValue('outline')).toMatch(/4px solid/);
    expect(rule(':focus-visible')).toBe(focus);
  });
});
