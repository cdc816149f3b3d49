// The times of day the offline confirmation names (the kiosk's send hours).
import { describe, expect, it } from 'vitest';
import { formatHour } from './format';

describe('formatHour', () => {
  it('writes hours the OQLF way in French, with non-breaking spaces', () => {
    expect(formatHour('08:00', 'fr')).toBe('8\u00a0h');
    expect(formatHour('21:30', 'fr')).toBe('21\u00a0h\u00a030');
    expect(formatHour('24:00', 'fr')).toBe('24\u00a0h');
  });

  it('writes a.m. and p.m. in English', () => {
    expect(formatHour('08:00', 'en')).toBe('8\u00a0a.m.');
    expect(formatHour('21:00', 'en')).toBe('9\u00a0p.m.');
    expect(formatHour('12:15', 'en')).toBe('12:15\u00a0p.m.');
    expect(formatHour('00:00', 'en')).toBe('12\u00a0a.m.');
    expect(formatHour('24:00', 'en')).toBe('midnight');
  });
});
