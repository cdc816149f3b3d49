import { describe, expect, it } from 'vitest';
import { installLockdown, isBlockedShortcut } from './lockdown';

const key = (k: string, mods: Partial<Pick<KeyboardEvent, 'ctrlKey' | 'metaKey' | 'altKey'>> = {}) => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  ...mods,
});

describe('lockdown', () => {
  it('blocks reload, devtools, print and zoom shortcuts but not typing', () => {
    for (const k of ['F5', 'F12']) expect(isBlockedShortcut(key(k))).toBe(true);
    for (const k of ['r', 'R', 'p', '+', '0']) expect(isBlockedShortcut(key(k, { ctrlKey: true }))).toBe(true);
    expect(isBlockedShortcut(key('ArrowLeft', { altKey: true }))).toBe(true);
    for (const k of ['r', 'é', '5', 'Backspace', 'Enter', 'Tab', 'ArrowLeft']) {
      expect(isBlockedShortcut(key(k))).toBe(false);
    }
    expect(isBlockedShortcut(key('a', { ctrlKey: true }))).toBe(false);
  });

  it('cancels the context menu and blocked keys on the document', () => {
    installLockdown(document);
    const menu = new MouseEvent('contextmenu', { bubbles: true, cancelable: true });
    document.body.dispatchEvent(menu);
    expect(menu.defaultPrevented).toBe(true);
    const reload = new KeyboardEvent('keydown', { key: 'r', ctrlKey: true, bubbles: true, cancelable: true });
    document.body.dispatchEvent(reload);
    expect(reload.defaultPrevented).toBe(true);
    const typing = new KeyboardEvent('keydown', { key: 'é', bubbles: true, cancelable: true });
    document.body.dispatchEvent(typing);
    expect(typing.defaultPrevented).toBe(false);
  });
});
