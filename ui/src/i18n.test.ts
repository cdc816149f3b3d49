import { afterEach, describe, expect, it } from 'vitest';
import { ERROR_CODES, errorMessage, setLanguage, t } from './i18n';
import { en } from './locales/en';
import { fr } from './locales/fr';

// The list of the IPC contract, written out so a code dropped from the dictionary fails here.
const CONTRACT_CODES = [
  'phone.required', 'phone.invalid_format', 'phone.invalid_area_code', 'phone.area_code_not_accepted',
  'phone.invalid_exchange', 'postal_code.invalid_format', 'postal_code.outside_quebec', 'email.invalid',
  'contact.description_too_long', 'contact.invalid_type', 'contact.value_required',
  'contact.extension_not_for_email', 'contact.invalid_extension', 'contact.invalid_extension_delay',
  'contact.delay_without_extension', 'contact.invalid_order', 'contact.duplicate_order',
  // The UI's own: a contact's type not chosen yet (contacts.ts asks it before anything is sent).
  'contact.kind_required',
  'profile.name_required', 'profile.too_long', 'profile.language_required', 'profile.city_required',
  'profile.invalid_civic_number', 'profile.too_many_contacts', 'profile.no_active_contact',
  'profile.invalid_category', 'profile.unknown_category',
  'channel.required', 'consent.required', 'captcha.required', 'captcha.wrong', 'code.required',
  'code.invalid_format', 'login.invalid_code', 'offline.capture_limit',
  'session.expired', 'central.unreachable', 'central.incompatible', 'central.error',
  'kiosk.unauthorized', 'kiosk.queue_unavailable', 'api.version_mismatch', 'internal', 'validation', 'request.malformed',
  'request.too_large', 'request.timeout', 'server.busy', 'server.timeout',
  'not_found', 'consent.unknown_version', 'consent.invalid_time', 'consent.invalid_kiosk_id',
  'rate_limited', 'staff.wrong_pin', 'staff.locked', 'staff.disabled', 'staff.required',
  'enroll.invalid_code', 'enroll.unreachable', 'enroll.keystore', 'kiosk.not_enrolled', 'kiosk.revoked',
  'update.busy', 'update.none', 'update.failed',
];

const GENERIC_FR = 'Une erreur est survenue. Veuillez réessayer.';
const GENERIC_EN = 'Something went wrong. Please try again.';

afterEach(() => {
  setLanguage('fr');
});

describe('error dictionary', () => {
  it.each(CONTRACT_CODES)('has %s in French and English', (code) => {
    expect(Object.keys(fr.errors)).toContain(code);
    expect(Object.keys(en.errors)).toContain(code);
    expect(errorMessage(code, 'fr').length).toBeGreaterThan(5);
    expect(errorMessage(code, 'en').length).toBeGreaterThan(5);
    expect(errorMessage(code, 'fr')).not.toBe(errorMessage(code, 'en'));
  });

  it('has no codes outside the contract', () => {
    expect([...ERROR_CODES].sort()).toEqual([...CONTRACT_CODES].sort());
  });

  it('gives specific messages, not the generic one, for known codes', () => {
    expect(errorMessage('phone.required', 'fr')).toBe('Veuillez entrer votre numéro de téléphone.');
    expect(errorMessage('captcha.wrong', 'en')).toContain('security code');
    expect(errorMessage('phone.invalid_format', 'fr')).not.toBe(GENERIC_FR);
  });

  it('has rate_limited in French and English, with the seconds to wait', () => {
    expect(fr.errors).toHaveProperty(['rate_limited']);
    expect(en.errors).toHaveProperty(['rate_limited']);
    expect(errorMessage('rate_limited', 'fr', { seconds: 42 })).toBe(
      'Trop de demandes. Veuillez réessayer dans 42 secondes.',
    );
    expect(errorMessage('rate_limited', 'en', { seconds: 42 })).toBe(
      'Too many requests. Please try again in 42 seconds.',
    );
  });

  it('has kiosk.queue_unavailable in French and English, asking for staff', () => {
    expect(errorMessage('kiosk.queue_unavailable', 'fr')).toBe(
      'Cette borne n’a pas pu enregistrer votre inscription. Veuillez avertir le personnel.',
    );
    expect(errorMessage('kiosk.queue_unavailable', 'en')).toBe(
      'This kiosk could not save your registration. Please tell a staff member.',
    );
  });

  it('falls back to the generic message for unknown codes', () => {
    expect(errorMessage('nope.unknown', 'fr')).toBe(GENERIC_FR);
    expect(errorMessage('nope.unknown', 'en')).toBe(GENERIC_EN);
    expect(errorMessage('', 'fr')).toBe(GENERIC_FR);
    // Keys of the UI namespace are not error codes.
    expect(errorMessage('home.title', 'en')).toBe(GENERIC_EN);
    expect(errorMessage('toString', 'fr')).toBe(GENERIC_FR);
  });

  it('uses the current language by default', () => {
    expect(errorMessage('consent.required')).toContain('cocher');
    setLanguage('en');
    expect(errorMessage('consent.required')).toContain('check the box');
    expect(t('home.new_user')).toBe('New user');
  });

  it('has every UI text in English too', () => {
    for (const key of Object.keys(fr.translation)) {
      expect(en.translation[key as keyof typeof en.translation], key).toBeTruthy();
    }
  });
});
