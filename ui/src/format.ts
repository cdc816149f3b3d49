/** `+15145550101` → `514 555-0101`; anything else is returned unchanged. */
export function formatPhone(value: string): string {
  const m = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(value.trim());
  return m ? `${m[1]} ${m[2]}-${m[3]}` : value;
}

/**
 * An RFC 3339 instant as a date and time in the UI language and the kiosk's time zone:
 * `14 mars 2025 à 15 h 30`, `March 14, 2025 at 3:30 p.m.`. The date and the time each hold together
 * (non-breaking spaces: « 15 h 30 » never breaks across lines); a line may break only around « à », "at".
 * Anything unreadable is returned unchanged.
 */
export function formatDateTime(value: string, lang: 'fr' | 'en'): string {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  const parts = new Intl.DateTimeFormat(lang === 'en' ? 'en-CA' : 'fr-CA', { dateStyle: 'long', timeStyle: 'short' }).formatToParts(date);
  // The text between the date and the time (« à », "at") is the one place a line may break.
  const between = parts.findIndex((p) => p.type === 'hour') - 1;
  return parts.map((p, i) => (p.type === 'literal' && i !== between ? p.value.replace(/ /g, '\u00a0') : p.value)).join('');
}

/**
 * A time of day from the kiosk's configuration (`08:00`, `21:30`) as a resident reads it:
 * « 8 h », « 21 h 30 » (OQLF, non-breaking spaces), "8 a.m.", "9:30 p.m.".
 */
export function formatHour(value: string, lang: 'fr' | 'en'): string {
  const [h = 0, m = 0] = value.split(':').map((n) => Number.parseInt(n, 10));
  const hour = Number.isFinite(h) ? h : 0;
  const minutes = Number.isFinite(m) && m > 0 ? String(m).padStart(2, '0') : '';
  // `24:00` ends the day: « 24 h », "midnight".
  if (lang === 'fr') return minutes ? `${hour}\u00a0h\u00a0${minutes}` : `${hour}\u00a0h`;
  if (hour % 24 === 0 && !minutes) return hour === 0 ? '12\u00a0a.m.' : 'midnight';
  const twelve = hour % 12 === 0 ? 12 : hour % 12;
  const suffix = hour < 12 ? 'a.m.' : 'p.m.';
  return minutes ? `${twelve}:${minutes}\u00a0${suffix}` : `${twelve}\u00a0${suffix}`;
}
