// tauri.conf.json sets `freezePrototype: true`: the app must work with a frozen Object.prototype.
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flush, mount, type, visibleScreen } from './test-helpers';

beforeAll(() => {
  Object.freeze(Object.prototype);
});
afterAll(() => {
  clearMocks();
});

describe('with a frozen Object.prototype', () => {
  it('mounts, translates, toggles the language and reaches the code screen', async () => {
    const m = await mount((cmd) =>
      cmd === 'request_code' ? { mode: 'online', phone_display: '514 555-0100', channel: 'voice', code_expires_at: 'x' } : undefined,
    );
    expect(Object.isFrozen(Object.prototype)).toBe(true);
    m.$('#btn-lang').click();
    m.$('#btn-start').click();
    expect(m.$('#btn-new-user').textContent).toBe('New user');
    m.$('#btn-lang').click();
    expect(m.$('#btn-new-user').textContent).toBe('Nouvel usager');
    m.$('#btn-new-user').click();
    await flush();
    type(m.$<HTMLInputElement>('#phone'), '514 555-0100');
    m.$('#btn-request-submit').click();
    await flush();
    expect(visibleScreen(m.root)).toBe('screen-code');
    expect(m.$('#code-sent').textContent).toContain('514 555-0100');
  });
});
