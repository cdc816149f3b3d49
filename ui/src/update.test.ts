// Signed updates: the UI asks for the verified update to be installed only from the attract screen.
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CONNECTIVITY_POLL_MS } from './app';
import { setLanguage } from './i18n';
import { flush, mount, start, visibleScreen } from './test-helpers';

beforeEach(() => {
  setLanguage('fr');
});
afterEach(() => {
  vi.useRealTimers();
  clearMocks();
});

function ready(cmd: string): unknown {
  if (cmd === 'connectivity') return { online: true, refused: false, update_ready: true };
  if (cmd === 'install_update') return null;
  return undefined;
}

describe('updates', () => {
  it('installs a ready update from the attract screen, once', async () => {
    vi.useFakeTimers();
    const m = await mount(ready);
    expect(visibleScreen(m.root)).toBe('screen-attract');
    await vi.advanceTimersByTimeAsync(CONNECTIVITY_POLL_MS);
    await flush();
    expect(m.count('install_update')).toBe(1);
    await vi.advanceTimersByTimeAsync(CONNECTIVITY_POLL_MS * 3);
    expect(m.count('install_update')).toBe(1);
  });

  it('never installs while a resident is signing up', async () => {
    vi.useFakeTimers();
    const m = await mount((cmd) => (cmd === 'connectivity' ? { online: true, refused: false, update_ready: false } : undefined));
    start(m);
    await flush();
    expect(visibleScreen(m.root)).not.toBe('screen-attract');
    // The update becomes ready mid-session: nothing happens until the attract screen is back.
    clearMocks();
    const m2calls: string[] = [];
    const { mockIPC } = await import('@tauri-apps/api/mocks');
    mockIPC((cmd) => {
      m2calls.push(cmd);
      return ready(cmd) ?? null;
    });
    await vi.advanceTimersByTimeAsync(CONNECTIVITY_POLL_MS * 3);
    expect(m2calls).toContain('connectivity');
    expect(m2calls).not.toContain('install_update');
  });

  it('tells the Rust side when the first screen is ready', async () => {
    const { api } = await import('./ipc');
    const calls: string[] = [];
    const { mockIPC } = await import('@tauri-apps/api/mocks');
    mockIPC((cmd) => {
      calls.push(cmd);
      return null;
    });
    await api.uiReady();
    expect(calls).toEqual(['ui_ready']);
  });
});
