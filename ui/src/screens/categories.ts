// « Catégories d'alertes »: emergencies are always on (a checked checkbox that cannot be unticked); the
// town's optional categories (kiosk_info) are ticked by the resident, none by default.
import type { Category, KioskInfo } from '../bindings';
import { h } from '../dom';
import { currentLanguage } from '../i18n';
import { errorElement, optionalMark } from '../ui';

/** The optional categories this town offers, in order (none until kiosk_info has answered). */
export function offeredCategories(info: KioskInfo | null): Category[] {
  return info?.categories ?? [];
}

/** A category's name in the current language. */
function categoryLabel(c: Category): string {
  return currentLanguage() === 'en' ? c.label_en : c.label_fr;
}

/** The name of a category id (an id this kiosk does not offer is shown as is). */
export function categoryName(info: KioskInfo | null, id: string): string {
  const c = offeredCategories(info).find((o) => o.id === id);
  return c ? categoryLabel(c) : id;
}

export interface CategoryChooser {
  /** The fieldset `#profile-categories`. */
  readonly element: HTMLElement;
  /** The ids ticked, in the order offered. */
  chosen(): string[];
  /** Ticks exactly the given ids (ids not offered here are left out). */
  tick(ids: readonly string[]): void;
  /** One checkbox per offered category (`#category-<id>`); what was ticked stays ticked. */
  render(): void;
  /** The names follow the language (they come from kiosk_info, not from the dictionaries). */
  renderLabels(): void;
  /** Emergencies and civil security are always included, for every resident. */
  clear(): void;
}

export function createCategoryChooser(info: () => KioskInfo | null): CategoryChooser {
  const emergency = h('input', { type: 'checkbox', id: 'categories-emergency', checked: true, disabled: true });
  const help = h('p', { class: 'help', id: 'help-categories', i18n: 'profile.categories_help' });
  const list = h('div', { id: 'categories-list', class: 'categories-list' });
  const element = h(
    'fieldset',
    { class: 'group categories', id: 'profile-categories', 'aria-describedby': 'help-categories error-categories' },
    [
      h('legend', {}, [h('span', { i18n: 'profile.categories' }), ' ', optionalMark()]),
      help,
      h('div', { class: 'check check-always' }, [emergency, h('label', { for: 'categories-emergency', i18n: 'profile.category_emergency' })]),
      list,
      errorElement('error-categories', 'categories'),
    ],
  );

  function boxes(): HTMLInputElement[] {
    return Array.from(list.querySelectorAll<HTMLInputElement>('input[type="checkbox"]'));
  }

  function chosen(): string[] {
    return boxes()
      .filter((box) => box.checked)
      .map((box) => box.value);
  }

  function render(): void {
    const ticked = chosen();
    const offered = offeredCategories(info());
    list.replaceChildren(
      ...offered.map((c) => {
        const id = `category-${c.id}`;
        const box = h('input', { type: 'checkbox', id, name: 'categories', value: c.id, 'aria-describedby': 'error-categories' });
        box.checked = ticked.includes(c.id);
        return h('div', { class: 'check' }, [box, h('label', { for: id, 'data-category': c.id }, [categoryLabel(c)])]);
      }),
    );
    // Nothing to choose: only the always-on line is shown.
    help.hidden = offered.length === 0;
    list.hidden = offered.length === 0;
  }

  return {
    element,
    chosen,
    tick(ids: readonly string[]): void {
      for (const box of boxes()) box.checked = ids.includes(box.value);
    },
    render,
    renderLabels(): void {
      for (const label of list.querySelectorAll<HTMLLabelElement>('label[data-category]')) {
        label.textContent = categoryName(info(), label.dataset.category ?? '');
      }
    },
    clear(): void {
      emergency.checked = true;
    },
  };
}
