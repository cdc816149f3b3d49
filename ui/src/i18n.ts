import i18next, { type i18n as I18n } from 'i18next';
import type { Language } from './bindings';
import { en } from './locales/en';
import { fr, type ErrorKey, type TranslationKey } from './locales/fr';

export type { ErrorKey, TranslationKey };

/** Every error code the Rust side may send, in the order of the contract. */
export const ERROR_CODES = Object.keys(fr.errors) as ErrorKey[];

const resources = { fr, en };

let instance: I18n | null = null;

function i18n(): I18n {
  if (instance) return instance;
  const created = i18next.createInstance();
  void created.init({
    resources,
    lng: 'fr',
    fallbackLng: 'fr',
    supportedLngs: ['fr', 'en'],
    ns: ['translation', 'errors'],
    defaultNS: 'translation',
    // Keys are flat ("phone.required"): no nesting, no namespace prefix parsing.
    keySeparator: false,
    nsSeparator: false,
    // We only ever write through textContent / attributes, never innerHTML.
    interpolation: { escapeValue: false },
    initAsync: false,
    returnNull: false,
  });
  instance = created;
  return created;
}

export function currentLanguage(): Language {
  return i18n().language === 'en' ? 'en' : 'fr';
}

export function setLanguage(lang: Language): void {
  void i18n().changeLanguage(lang);
}

/** Translates a UI text in the current (or given) language. */
export function t(
  key: TranslationKey,
  options: Record<string, string | number> = {},
  lang: Language = currentLanguage(),
): string {
  return i18n().getFixedT(lang)(key, options);
}

function hasOwn(obj: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

/**
 * The plain-words message for an error code; unknown codes get the generic message.
 * `options` fills placeholders such as `{{seconds}}` (code `rate_limited`).
 */
export function errorMessage(
  code: string,
  lang: Language = currentLanguage(),
  options: Record<string, string | number> = {},
): string {
  if (!hasOwn(resources[lang].errors, code)) {
    return t('app.generic_error', {}, lang);
  }
  return i18n().getFixedT(lang, 'errors')(code, options);
}

export function isKnownErrorCode(code: string): boolean {
  return hasOwn(fr.errors, code);
}
