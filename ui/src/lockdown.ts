/**
 * A public kiosk: no context menu, and none of the browser's reload,
 * devtools, print, save, find or zoom shortcuts. Rust refuses navigation
 * outside the app; release builds have no devtools at all.
 */
const BLOCKED_KEYS = new Set(['F5', 'F7', 'F11', 'F12']);
const BLOCKED_WITH_CTRL = new Set(['r', 'p', 's', 'f', 'g', 'u', 'o', 'n', 't', 'w', '+', '-', '=', '0']);

export function isBlockedShortcut(e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey'>): boolean {
  if (BLOCKED_KEYS.has(e.key)) return true;
  if ((e.ctrlKey || e.metaKey) && BLOCKED_WITH_CTRL.has(e.key.toLowerCase())) return true;
  // Alt+Left / Alt+Right: history navigation.
  if (e.altKey && (e.key === 'ArrowLeft' || e.key === 'ArrowRight')) return true;
  return false;
}

export function installLockdown(target: Document = document): void {
  target.addEventListener('contextmenu', (e) => {
    e.preventDefault();
  });
  target.addEventListener(
    'keydown',
    (e) => {
      if (isBlockedShortcut(e)) {
        e.preventDefault();
        e.stopPropagation();
      }
    },
    { capture: true },
  );
}
