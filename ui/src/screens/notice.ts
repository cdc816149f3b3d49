// The notice at collection (Québec's Access Act, s. 65), at step 1 before the consent: a short text, and
// « En savoir plus » opening the six points — who collects, why, who will see it, which answers are
// mandatory, what refusing means, and the rights of access and correction. The town and the person in
// charge of personal information come from the kiosk's configuration (BORNE_TOWN_*, BORNE_PRIVACY_OFFICER).
import type { KioskInfo } from '../bindings';
import { h } from '../dom';
import { t, type TranslationKey } from '../i18n';
import { townTitle } from '../town';
import { clearText, setI18n } from '../ui';

/** The six points, in the order the Act gives them. */
const POINTS: readonly [TranslationKey, TranslationKey | null][] = [
  ['notice.who', null],
  ['notice.why', 'notice.why_text'],
  ['notice.access', 'notice.access_text'],
  ['notice.mandatory', 'notice.mandatory_text'],
  ['notice.refusal', 'notice.refusal_text'],
  ['notice.rights', 'notice.rights_text'],
];

export interface CollectionNotice {
  readonly element: HTMLElement;
  /** The town and its officer, in the language shown. */
  render(): void;
  /** The wipe: the details closed. */
  clear(): void;
}

export function createCollectionNotice(info: () => KioskInfo | null): CollectionNotice {
  const who = h('dd', { id: 'notice-who' });
  const rights = h('dd', { id: 'notice-rights' });
  const items = POINTS.flatMap(([term, text]) => {
    const dd = term === 'notice.who' ? who : term === 'notice.rights' ? rights : h('dd', { i18n: text ?? term });
    return [h('dt', { i18n: term }), dd];
  });
  const details = h('dl', { id: 'notice-details', hidden: true }, items);
  const more = h('button', { id: 'btn-notice-more', type: 'button', class: 'btn btn-secondary', 'aria-expanded': 'false', 'aria-controls': 'notice-details', i18n: 'notice.more' });
  const element = h('section', { id: 'collection-notice', class: 'group collection-notice', 'aria-labelledby': 'notice-title' }, [
    h('h2', { id: 'notice-title', i18n: 'notice.title' }),
    h('p', { id: 'notice-short', i18n: 'notice.short' }),
    more,
    details,
  ]);

  function setOpen(open: boolean): void {
    details.hidden = !open;
    more.setAttribute('aria-expanded', String(open));
    setI18n(more, open ? 'notice.less' : 'notice.more');
  }

  function render(): void {
    const kiosk = info();
    if (kiosk && kiosk.town_name !== '') {
      const title = townTitle(kiosk);
      setI18n(who, title.key, title.args);
    } else clearText(who);
    const officer = kiosk?.privacy_officer ?? t('notice.officer_default');
    setI18n(rights, 'notice.rights_text', { officer });
  }

  more.addEventListener('click', () => {
    setOpen(details.hidden);
  });
  render();
  return {
    element,
    render,
    clear(): void {
      setOpen(false);
    },
  };
}
