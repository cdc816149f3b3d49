// « Annuler », « Terminer » and the end of the idle warning: nothing of the resident stays. The Rust side
// forgets the session (reset_session); every part of the UI built so far clears itself; the webview's
// storages are emptied; the next resident starts in French, with the default display, on the attract screen.
import type { DisplaySettings } from '../a11y';
import type { Services, UiPart } from '../context';
import { currentLanguage, setLanguage } from '../i18n';
import type { OnScreenKeyboard } from '../keyboard';
import type { Banner } from './banner';
import type { IdleWatch } from './idle';

/**
 * Empties what the webview may keep between residents (the Rust side also does it on reset_session).
 * localStorage and sessionStorage are emptied before this returns; IndexedDB and Cache Storage follow.
 */
export async function clearBrowserStorage(): Promise<void> {
  for (const storage of ['localStorage', 'sessionStorage'] as const) {
    try {
      globalThis[storage].clear();
    } catch {
      // Unavailable storage keeps nothing.
    }
  }
  const idb = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  try {
    if (idb && typeof idb.databases === 'function') {
      for (const db of await idb.databases()) {
        if (db.name) idb.deleteDatabase(db.name);
      }
    }
  } catch {
    // No IndexedDB here.
  }
  const cacheStorage = (globalThis as { caches?: CacheStorage }).caches;
  try {
    if (cacheStorage) {
      const keys = await cacheStorage.keys();
      await Promise.all(keys.map((key) => cacheStorage.delete(key)));
    }
  } catch {
    // No Cache Storage here (e.g. not a secure context).
  }
}

export interface WipeContext extends Pick<Services, 'api' | 'session' | 'dispatch' | 'show'> {
  /** The parts built so far (a part built later starts empty). */
  builtParts(): UiPart[];
  readonly keyboard: OnScreenKeyboard;
  readonly banner: Banner;
  readonly idle: IdleWatch;
  readonly display: DisplaySettings;
  retranslate(): void;
}

export interface Wipe {
  /** « Annuler », « Terminer »: the wipe. */
  reset(): Promise<void>;
  /** The idle warning ran out: its timers stop, then the wipe. */
  wipe(): Promise<void>;
}

export function createWipe(ctx: WipeContext): Wipe {
  /** Forgets the resident: a new session, and every part built so far clears itself. */
  function clearAll(): void {
    // Staff mode ends with the session (the Rust side forgets it on reset_session too).
    ctx.dispatch({ type: 'reset' });
    for (const p of ctx.builtParts()) p.clear();
    ctx.keyboard.reset();
    ctx.banner.set([]);
    ctx.idle.clear();
  }

  async function reset(): Promise<void> {
    // reset_session also ends staff mode; staff_logout says it outright.
    const logout = ctx.session().staff ? ctx.api.staffLogout().catch(() => null) : null;
    const pending = ctx.api.resetSession().catch(() => null);
    clearAll();
    // localStorage / sessionStorage are emptied synchronously; IndexedDB and caches follow.
    const storage = clearBrowserStorage();
    // The next resident starts in French, the default language, with the default text size and contrast.
    if (currentLanguage() !== 'fr') {
      setLanguage('fr');
      ctx.retranslate();
    }
    ctx.display.reset();
    ctx.show('attract');
    await Promise.all([logout, pending, storage]);
  }

  return {
    reset,
    async wipe(): Promise<void> {
      ctx.idle.stop();
      await reset();
    },
  };
}
