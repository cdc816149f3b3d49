// A profile as the resident reads it back: the confirmation (step 6) and the pending change (step 5).
import type { KioskInfo, Language, Profile } from '../bindings';
import { h } from '../dom';
import { formatPhone } from '../format';
import { t, type TranslationKey } from '../i18n';
import { categoryName, offeredCategories } from './categories';

function languageName(lang: Language): string {
  return t(lang === 'en' ? 'lang.en' : 'lang.fr');
}

function addressOf(p: Profile): string {
  return [
    [p.civic_number, p.street].filter(Boolean).join(' '),
    p.apartment ? `${t('profile.apartment')} ${p.apartment}` : '',
    p.city,
    p.postal_code,
  ]
    .filter(Boolean)
    .join(', ');
}

/** Emergencies first (always included), then the chosen ones in the order offered. */
function categoryNames(p: Profile, info: KioskInfo | null): string[] {
  const offeredIds = offeredCategories(info).map((c) => c.id);
  const rank = (id: string): number => {
    const i = offeredIds.indexOf(id);
    return i === -1 ? offeredIds.length : i;
  };
  const chosen = [...new Set(p.categories)].sort((a, b) => rank(a) - rank(b));
  return [t('profile.category_emergency'), ...chosen.map((id) => categoryName(info, id))];
}

function contactList(p: Profile): HTMLElement {
  const list = [...p.contacts].sort((a, b) => a.order - b.order);
  return h(
    'ol',
    { class: 'summary-contacts' },
    list.map((c) => {
      const parts = [t(`contacts.kind_${c.kind}` as TranslationKey), c.kind === 'email' ? c.value : formatPhone(c.value)];
      if (c.extension) parts.push(t('done.extension', { extension: c.extension }));
      if (c.extension_delay_seconds !== null) {
        parts.push(t('done.delay', { seconds: c.extension_delay_seconds }));
      }
      if (c.description) parts.push(c.description);
      if (!c.active) parts.push(`(${t('done.inactive')})`);
      return h('li', { class: c.active ? '' : 'inactive' }, [parts.join(' — ')]);
    }),
  );
}

/** Name, address and contact points of a profile, as a definition list and an ordered list. */
export function profileDetails(
  p: Profile,
  info: KioskInfo | null,
  options: { full: boolean; heading: 'h2' | 'h3'; contactsTitle: TranslationKey },
): Node[] {
  const row = (key: TranslationKey, value: string): Node[] => [h('dt', {}, [t(key)]), h('dd', {}, [value])];
  return [
    h('dl', {}, [
      ...row('done.name', p.name),
      ...row('done.first_name', p.first_name),
      ...(options.full ? row('done.language', languageName(p.language)) : []),
      ...row('done.address', addressOf(p)),
      ...(options.full ? row('done.newsletter', t(p.newsletter ? 'done.yes' : 'done.no')) : []),
      h('dt', {}, [t('done.categories')]),
      h('dd', {}, [
        h(
          'ul',
          { class: 'summary-categories' },
          categoryNames(p, info).map((name) => h('li', {}, [name])),
        ),
      ]),
    ]),
    h(options.heading, {}, [t(options.contactsTitle)]),
    contactList(p),
  ];
}
