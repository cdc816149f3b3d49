// The way on in view above the on-screen keyboard: the field with its label scrolled into the page area, the
// action bar kept at its bottom, and the field first when both cannot fit. jsdom does not lay out: the
// geometry here is given to the elements, as WebKit would measure it on a 1280 × 800 screen.
import { describe, expect, it } from 'vitest';
import { h } from './dom';
import { labelledBlock, MARGIN_PX, planReveal, primaryAction, reveal, TIGHT_ATTR, unreveal } from './reveal';

/** The page area between the header (80 px) and the keys (from y = 450). */
const VIEW = { top: 80, bottom: 450 };

describe('planReveal', () => {
  it('leaves a block already in view above the bar alone', () => {
    expect(planReveal(VIEW, { top: 150, bottom: 250 }, 90)).toEqual({ scrollBy: 0, tight: false });
  });

  it('brings a block below the bar up just above it', () => {
    // Its bottom must reach 450 − margin − 90.
    expect(planReveal(VIEW, { top: 500, bottom: 600 }, 90)).toEqual({ scrollBy: 600 - (VIEW.bottom - MARGIN_PX - 90), tight: false });
  });

  it('brings a block above the page area (under the header) down, its label first', () => {
    expect(planReveal(VIEW, { top: -40, bottom: 60 }, 90)).toEqual({ scrollBy: -40 - (VIEW.top + MARGIN_PX), tight: false });
  });

  it('keeps a sticky table header above the block', () => {
    expect(planReveal(VIEW, { top: 100, bottom: 160 }, 90, 50)).toEqual({ scrollBy: 100 - (VIEW.top + 50 + MARGIN_PX), tight: false });
  });

  it('lets the bar go when the block and the bar cannot both fit: the field and its label win', () => {
    // 370 px of page: 200 + 150 and the margins is too much; the block alone goes just above the keys.
    const plan = planReveal(VIEW, { top: 500, bottom: 700 }, 150);
    expect(plan.tight).toBe(true);
    expect(plan.scrollBy).toBe(700 - (VIEW.bottom - MARGIN_PX));
  });

  it('shows the top (the label) of a block taller than the page area', () => {
    const plan = planReveal(VIEW, { top: 600, bottom: 1200 }, 90);
    expect(plan).toEqual({ scrollBy: 600 - (VIEW.top + MARGIN_PX), tight: true });
  });
});

describe('the field’s label and primary action', () => {
  it('is its form’s submit button, and its `.field` block (label, help, control, error)', () => {
    const input = h('input', { type: 'text' });
    const field = h('div', { class: 'field' }, [h('label', {}, ['Nom']), input]);
    const submit = h('button', { type: 'submit' }, ['Confirmer']);
    h('form', {}, [field, h('div', { class: 'action-bar' }, [h('button', { type: 'button' }, ['Annuler']), submit])]);
    expect(primaryAction(input)).toBe(submit);
    expect(labelledBlock(input)).toBe(field);
  });

  it('is the cell of a contact (its label inside), and none outside a form', () => {
    const input = h('input', { type: 'text' });
    const cell = h('td', {}, [h('label', {}, ['Poste']), input]);
    h('table', {}, [h('tbody', {}, [h('tr', {}, [cell])])]);
    expect(labelledBlock(input)).toBe(cell);
    expect(primaryAction(input)).toBeNull();
  });
});

describe('reveal', () => {
  function rect(el: Element, top: number, bottom: number): void {
    el.getBoundingClientRect = (): DOMRect => DOMRect.fromRect({ x: 0, y: top, width: 600, height: bottom - top });
  }

  /** A page area scrolled at 300, with a form: a field at `fieldTop`, its action bar 90 px high. */
  function page(fieldTop: number, bar = 90): { root: HTMLElement; page: HTMLElement; input: HTMLInputElement } {
    const input = h('input', { type: 'text' });
    const field = h('div', { class: 'field' }, [h('label', {}, ['Code postal']), input]);
    const actionBar = h('div', { class: 'button-row action-bar' }, [h('button', { type: 'submit' }, ['Confirmer'])]);
    const scroller = h('div', { style: 'overflow-y: auto' }, [h('form', {}, [field, actionBar])]);
    const root = h('div', { id: 'app' }, [scroller]);
    document.body.replaceChildren(root);
    scroller.scrollTop = 300;
    rect(scroller, VIEW.top, VIEW.bottom);
    rect(field, fieldTop, fieldTop + 100);
    rect(actionBar, VIEW.bottom - bar, VIEW.bottom);
    return { root, page: scroller, input };
  }

  it('scrolls the page area so the field and its label sit above the action bar', () => {
    const { root, page: scroller, input } = page(400);
    reveal(input, root);
    // The block's bottom (500) goes just above the bar: 450 − margin − 90.
    expect(scroller.scrollTop).toBe(300 + 500 - (VIEW.bottom - MARGIN_PX - 90));
    expect(root.hasAttribute(TIGHT_ATTR)).toBe(false);
  });

  it('lets the bar go (and says so on the root) when both cannot fit, until the keyboard is gone', () => {
    const { root, page: scroller, input } = page(400, 300);
    reveal(input, root);
    expect(root.hasAttribute(TIGHT_ATTR)).toBe(true);
    expect(scroller.scrollTop).toBe(300 + 500 - (VIEW.bottom - MARGIN_PX));
    unreveal(root);
    expect(root.hasAttribute(TIGHT_ATTR)).toBe(false);
  });
});
