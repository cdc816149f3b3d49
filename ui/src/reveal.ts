// The way on stays in view above the on-screen keyboard. While it is open, the page area (`.page`, between
// the header and the keyboard) is all there is: the field being typed into is scrolled into it with its
// label (and its help and error), and the step's primary action (its form's submit button, in the form's
// sticky `.action-bar`) stays at its bottom. When both cannot fit, the field and its label win: the bar lets
// go of the bottom (`data-osk-tight` on the app root) and the keyboard's own « Confirmer » key is the way on.

/** Room kept between what is revealed and the edges of the page area. */
export const MARGIN_PX = 12;

/** Attribute on the app root while the field and the action bar cannot both fit above the keyboard. */
export const TIGHT_ATTR = 'data-osk-tight';

/** The step's primary action for a field: the submit button of its form (null: a field outside a form). */
export function primaryAction(field: HTMLElement): HTMLButtonElement | null {
  const form = field.closest('form');
  return form?.querySelector<HTMLButtonElement>('button[type="submit"]') ?? null;
}

/** The field with what names it: its `.field` block (label, help, control, error), or its contact cell. */
export function labelledBlock(field: HTMLElement): HTMLElement {
  return field.closest<HTMLElement>('.field, td') ?? field;
}

/** Vertical extent, in viewport pixels. */
export interface Span {
  top: number;
  bottom: number;
}

export interface RevealPlan {
  /** Pixels to scroll the page area by (negative: up). */
  scrollBy: number;
  /** The block and the action bar cannot both fit: the bar is let go. */
  tight: boolean;
}

/**
 * Where to scroll so `block` shows inside `view`, between `topInset` (a sticky table header) and the action bar
 * (`bar` pixels high, held at the bottom of the view). When both cannot fit, the bar is let go and only the
 * block counts; a block taller than the view shows its top (the label).
 */
export function planReveal(view: Span, block: Span, bar: number, topInset = 0): RevealPlan {
  const top = view.top + topInset + MARGIN_PX;
  const room = view.bottom - MARGIN_PX - top;
  const tight = block.bottom - block.top + bar > room;
  const bottom = view.bottom - MARGIN_PX - (tight ? 0 : bar);
  if (block.top < top) return { scrollBy: block.top - top, tight };
  if (block.bottom > bottom) return { scrollBy: Math.min(block.bottom - bottom, block.top - top), tight };
  return { scrollBy: 0, tight };
}

/** The element the page scrolls in: the nearest ancestor that scrolls vertically (null: none). */
function scrollParent(el: HTMLElement): HTMLElement | null {
  const view = el.ownerDocument.defaultView;
  for (let p = el.parentElement; p && view; p = p.parentElement) {
    const overflow = view.getComputedStyle(p).overflowY;
    if (overflow === 'auto' || overflow === 'scroll') return p;
  }
  return null;
}

/** A contact table's column headers, when they stay at the top of the page area (table layout). */
function stickyHeaderHeight(block: HTMLElement): number {
  const head = block.closest('table')?.tHead;
  const cell = head?.rows[0]?.cells[0];
  const view = block.ownerDocument.defaultView;
  if (!head || !cell || !view || view.getComputedStyle(cell).position !== 'sticky') return 0;
  return head.getBoundingClientRect().height;
}

/** Scrolls `field` with its label into the page area, above the action bar when both fit (see planReveal). */
export function reveal(field: HTMLElement, root: HTMLElement): void {
  const block = labelledBlock(field);
  const page = scrollParent(block);
  const bar = primaryAction(field)?.closest<HTMLElement>('.action-bar') ?? null;
  if (!page) return;
  const view = page.getBoundingClientRect();
  if (view.height <= 0) return;
  const plan = planReveal(view, block.getBoundingClientRect(), bar?.getBoundingClientRect().height ?? 0, stickyHeaderHeight(block));
  root.toggleAttribute(TIGHT_ATTR, plan.tight);
  if (plan.scrollBy !== 0) page.scrollTop += plan.scrollBy;
}

/** The keyboard is gone: the action bar holds the bottom again. */
export function unreveal(root: HTMLElement): void {
  root.removeAttribute(TIGHT_ATTR);
}
