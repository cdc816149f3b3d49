// The town as residents read it: its designation and name from the kiosk's configuration
// (BORNE_TOWN_DESIGNATION, BORNE_TOWN_NAME), « de » written the French way before the name.
import type { KioskInfo, TownDesignation } from './bindings';
import type { TranslationKey } from './i18n';

const TITLES: Record<TownDesignation, TranslationKey> = {
  ville: 'town.ville',
  municipalite: 'town.municipalite',
  paroisse: 'town.paroisse',
  canton: 'town.canton',
  cantons_unis: 'town.cantons_unis',
  village: 'town.village',
};

/** A vowel, accented or not (« Alma », « Îles », « Œuf »); h and y are left alone (« de Hampstead », « de Yamaska »). */
const VOWEL = /^[aeiouœæ]/i;

/**
 * « de » followed by the town's name, as French writes it: « de Mille-Isles », « d’Alma », « d’Ivry-sur-le-Lac »;
 * a leading article contracts, « des Cèdres » (Les Cèdres), « du Bic » (Le Bic); « La » and « L’ » stay,
 * « de La Pêche », « de L’Isle-Verte ».
 */
export function deTown(town: string): string {
  const article = /^(Les|Le) (.+)$/.exec(town);
  if (article) return `${article[1] === 'Les' ? 'des' : 'du'} ${article[2]}`;
  return VOWEL.test(town.normalize('NFD')) ? `d’${town}` : `de ${town}`;
}

/** What the texts naming the town take: `{{town}}` (« Mille-Isles ») and `{{de_town}}` (« de Mille-Isles », « d’Alma »). */
export function townArgs(town: string): { town: string; de_town: string } {
  return { town, de_town: deTown(town) };
}

/**
 * The town's title for `setI18n` or `t`, in either language: « Ville de Mille-Isles », « Municipalité d’Ivry-sur-le-Lac »,
 * "Town of Mille-Isles", "Township of Hatley".
 */
export function townTitle(info: Pick<KioskInfo, 'town_name' | 'town_designation'>): {
  key: TranslationKey;
  args: { town: string; de_town: string };
} {
  return { key: TITLES[info.town_designation], args: townArgs(info.town_name) };
}
