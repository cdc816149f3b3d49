/** `+15145550101` → `514 555-0101`; anything else is returned unchanged. */
export function formatPhone(value: string): string {
  const m = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(value.trim());
  return m ? `${m[1]} ${m[2]}-${m[3]}` : value;
}

/**
 * An RFC 3339 instant as a date and time in the UI language and the kiosk's time zone:
 * `14 mars 2025 à 15 h 30`, `March 14, 2025 at 3:30 p.m.`. Anything unreadable is returned unchanged.
 */
export function formatDateTime(value: string, lang: 'fr' | 'en'): string {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return new Intl.DateTimeFormat(lang === 'en' ? 'en-CA' : 'fr-CA', { dateStyle: 'long', timeStyle: 'short' }).format(date);
}
