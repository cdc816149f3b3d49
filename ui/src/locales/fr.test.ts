// Every French text the kiosk shows, checked against French typography (OQLF) and the one word for the
// one-time secret: the UI texts, the error messages, and what the formatters write into them.
import { describe, expect, it } from 'vitest';
import { formatDateTime, formatHour } from '../format';
import { errorMessage, t } from '../i18n';
import { townArgs } from '../town';
import { fr } from './fr';

const NBSP = '\u00a0';
const NNBSP = '\u202f';

/** What breaks French typography in `text`, in words (empty: nothing). */
function typographyFaults(text: string): string[] {
  const faults: string[] = [];
  // Placeholders (`{{seconds}}`) and times of day (`08:00`) are not French text.
  const prose = text.replace(/\{\{\w+\}\}/g, '{}').replace(/\d:\d/g, '0');
  if (prose.includes("'")) faults.push('U+0027 apostrophe instead of ’');
  if (/ [:;!?»]/.test(prose) || prose.includes('« ')) faults.push('plain space that may break before : ; ! ? » or after «');
  if (/(?<!\u00a0):/.test(prose)) faults.push('« : » without a no-break space (U+00A0) before it');
  if (/(?<![\u00a0\u202f])[;!?]/.test(prose)) faults.push('« ; », « ! » or « ? » without a no-break space before it');
  if (/«(?!\u00a0)/.test(prose)) faults.push('« without a no-break space after it');
  if (/(?<!\u00a0)»/.test(prose)) faults.push('» without a no-break space before it');
  // A number and its unit hold together: « 30 s », « 21 h 30 », « 5 min ».
  if (/(\d|\{\}) (h|min|s)\b/.test(prose)) faults.push('a unit separated from its number by a plain space');
  if (prose.includes('...')) faults.push('three dots instead of …');
  return faults;
}

/**
 * « code » in French names something else than the one-time secret (« mot de passe », as the town portal says):
 * these, and the portal's own titles for the captcha.
 */
const OTHER_CODES = [
  'code postal',
  'code de sécurité', // the captcha
  'code d’inscription', // a kiosk's enrollment
  'changer de code', // the portal's title: a new captcha
  'le code affiché ci-dessus', // the portal's title: the captcha
];

/** Words the French texts must not use, in words (empty: none). */
function vocabularyFaults(text: string): string[] {
  const faults: string[] = [];
  let rest = text.toLocaleLowerCase('fr-CA');
  for (const phrase of OTHER_CODES) rest = rest.split(phrase).join('');
  if (/\bcodes?\b/.test(rest)) faults.push('« code » for the one-time secret: the kiosk calls it « mot de passe »');
  if (rest.includes('mode personnel')) faults.push('« mode personnel » reads as "personal mode": « accès du personnel »');
  return faults;
}

/** Every French text, named by its key: the UI's and the error messages. */
const FRENCH: [string, string][] = [...Object.entries(fr.translation), ...Object.entries(fr.errors)];

/** The texts that break a rule, with what they break. */
function offenders(check: (text: string) => string[], texts: [string, string][] = FRENCH): Record<string, string[]> {
  const found: Record<string, string[]> = {};
  for (const [key, text] of texts) {
    const faults = check(text);
    if (faults.length > 0) found[key] = faults;
  }
  return found;
}

describe('the checks', () => {
  it('find each fault, and none in text set right', () => {
    expect(typographyFaults("Touchez l'écran")).toHaveLength(1);
    expect(typographyFaults('Exemple : H2X 1Y4.')).toHaveLength(2);
    expect(typographyFaults('Exemple: H2X 1Y4.')).toHaveLength(1);
    expect(typographyFaults('Mot de passe oublié?')).toHaveLength(1);
    expect(typographyFaults('Mot de passe oublié ?')).toHaveLength(2);
    expect(typographyFaults('« Terminer »')).toHaveLength(3);
    expect(typographyFaults('dans {{seconds}} s.')).toHaveLength(1);
    expect(typographyFaults('15 h 29')).toHaveLength(1);
    expect(typographyFaults('Un instant...')).toHaveLength(1);
    expect(vocabularyFaults('Votre code vous sera envoyé.')).toHaveLength(1);
    expect(vocabularyFaults('Le mode personnel est verrouillé.')).toHaveLength(1);
    expect(
      typographyFaults(`Mot de passe oublié${NNBSP}? Exemple${NBSP}: 08:00, {{from}}, «${NBSP}Terminer${NBSP}», 15${NBSP}h${NBSP}29, un instant…`),
    ).toEqual([]);
    expect(vocabularyFaults('Code postal, code de sécurité, code d’inscription, Changer de code')).toEqual([]);
  });
});

describe('every French text', () => {
  it('uses ’ and no-break spaces where French typography needs them', () => {
    expect(offenders(typographyFaults)).toEqual({});
  });

  it('calls the one-time secret « mot de passe », and staff mode « accès du personnel »', () => {
    expect(offenders(vocabularyFaults)).toEqual({});
  });

  it('keeps its typography once the town and the times are written in', () => {
    const filled: [string, string][] = [
      ['attract.pitch', t('attract.pitch', townArgs('Alma'), 'fr')],
      ['done.offline_town', t('done.offline_town', townArgs('Les Cèdres'), 'fr')],
      ['profile.newsletter', t('profile.newsletter', townArgs('Mille-Isles'), 'fr')],
      [
        'done.offline_confirm_sms',
        t('done.offline_confirm_sms', { phone: '514 555-0142', from: formatHour('08:00', 'fr'), until: formatHour('21:30', 'fr') }, 'fr'),
      ],
      ['pending.text', t('pending.text', { date: formatDateTime('2025-03-14T19:29:00Z', 'fr') }, 'fr')],
      ['staff.locked', errorMessage('staff.locked', 'fr', { wait: t('staff.wait_minutes_seconds', { minutes: 4, seconds: 30 }, 'fr') })],
    ];
    expect(offenders(typographyFaults, filled)).toEqual({});
    expect(filled[0]?.[1]).toContain('alertes d’urgence d’Alma');
    expect(filled[3]?.[1]).toContain(`entre 8${NBSP}h et 21${NBSP}h${NBSP}30,`);
  });
});

describe('the formatters', () => {
  it('write a date and time whose parts hold together: « 14 mars 2025 à 15 h 29 »', () => {
    for (const instant of ['2025-03-14T19:29:00Z', '2026-11-01T04:05:00Z', '2025-07-31T23:59:00-04:00']) {
      const text = formatDateTime(instant, 'fr');
      expect(text).toMatch(new RegExp(`^\\d{1,2}${NBSP}\\p{L}+${NBSP}\\d{4} à \\d{1,2}${NBSP}h${NBSP}\\d{2}$`, 'u'));
      expect(typographyFaults(text)).toEqual([]);
    }
    // In English too, the time stays with its "p.m." (ICU may already put U+202F there): "March 14, 2025 at 3:29 p.m."
    expect(formatDateTime('2025-03-14T19:29:00Z', 'en')).toMatch(
      new RegExp(`^\\p{L}+${NBSP}\\d{1,2},${NBSP}\\d{4} at \\d{1,2}:\\d{2}[${NBSP}${NNBSP}][ap]\\.m\\.$`, 'u'),
    );
  });

  it('write the hours of the day with no-break spaces: « 8 h », « 21 h 30 »', () => {
    for (const hour of ['08:00', '21:30', '24:00', '00:15']) {
      expect(typographyFaults(formatHour(hour, 'fr'))).toEqual([]);
      expect(formatHour(hour, 'fr')).not.toContain(' ');
    }
  });
});
