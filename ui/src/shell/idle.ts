// One resident after another: on every screen but the attract one, `idle_seconds` without a touch opens
// « Êtes-vous toujours là? », which counts down `idle_warning_seconds` with a « Continuer » button; at 0,
// the wipe. Also here: the touch that leaves the attract screen must not press what is then under it.
import type { KioskInfo } from '../bindings';
import type { ScreenId, Services } from '../context';
import { h } from '../dom';
import { part, type Part } from '../part';
import { button, clearText, setI18n } from '../ui';

/** Used until kiosk_info has answered (same defaults as the Rust side). */
const DEFAULT_IDLE_SECONDS = 90;
const DEFAULT_IDLE_WARNING_SECONDS = 30;
/** Any of these on the document means someone is still there. */
const ACTIVITY_EVENTS = ['pointerdown', 'touchstart', 'keydown', 'input', 'wheel'] as const;

function positiveSeconds(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? Math.ceil(value) : fallback;
}

/** Seconds without a touch before the warning (the PIN dialog closes after as long). */
export function idleDelaySeconds(info: KioskInfo | null): number {
  return positiveSeconds(info?.idle_seconds, DEFAULT_IDLE_SECONDS);
}

export interface IdleContext extends Pick<Services, 'info' | 'screen'> {
  /** The app's root: in the page while mounted; the focus to restore must be inside it. */
  readonly root: HTMLElement;
  setBackgroundInert(on: boolean): void;
  pinOpen(): boolean;
  /** Someone touched the kiosk (the PIN dialog's own wait restarts). */
  onActivity(): void;
  /** The app left the page: every timer stops. */
  onDetach(): void;
  focusTitle(): void;
  /** The countdown reached 0. */
  wipe(): Promise<void>;
}

interface IdleWarning {
  element: HTMLElement;
  countdown: HTMLElement;
  message: HTMLElement;
  continueButton: HTMLButtonElement;
}

export interface IdleWatch {
  /** The warning dialog, built the first time it opens. */
  readonly dialog: Part<IdleWarning>;
  isOpen(): boolean;
  /** A screen is shown: no timer on the attract screen; elsewhere the wait (re)starts, unless the warning is open. */
  screenShown(id: ScreenId): void;
  /** Both timers stop (the wipe is on its way). */
  stop(): void;
  /** The wipe: the warning closed and its countdown forgotten. */
  clear(): void;
  /** The touch that left the attract screen: the click ending it is swallowed. */
  swallowClick(): void;
}

function buildWarning(onContinue: () => void): IdleWarning {
  const countdown = h('p', { id: 'idle-countdown', class: 'idle-countdown', role: 'timer', 'aria-live': 'off' });
  const message = h('p', { id: 'idle-message', class: 'idle-message' });
  const continueButton = button('btn-idle-continue', 'idle.continue', 'primary');
  continueButton.classList.add('btn-idle-continue');
  const element = h(
    'div',
    {
      id: 'idle-warning',
      class: 'idle-overlay',
      role: 'alertdialog',
      'aria-modal': 'true',
      'aria-labelledby': 'idle-title',
      'aria-describedby': 'idle-message',
      hidden: true,
    },
    [h('div', { class: 'idle-box' }, [h('h2', { id: 'idle-title', class: 'idle-title', i18n: 'idle.title' }), countdown, message, continueButton])],
  );
  continueButton.addEventListener('click', onContinue);
  return { element, countdown, message, continueButton };
}

export function createIdleWatch(ctx: IdleContext): IdleWatch {
  const { root } = ctx;
  // `idleTimer` runs on every screen but attract; `warningTimer` counts the warning down.
  let idleTimer: ReturnType<typeof setTimeout> | null = null;
  let warningTimer: ReturnType<typeof setInterval> | null = null;
  let left = 0;
  let focusBefore: HTMLElement | null = null;
  /** A touch (pointerdown) left the attract screen: the click ending that same touch is swallowed. */
  let swallow = false;
  const dialog = part('idle-warning', () => buildWarning(continueAfterWarning));

  function isOpen(): boolean {
    const built = dialog.built;
    return built !== null && !built.element.hidden;
  }

  function stopIdle(): void {
    if (idleTimer !== null) clearTimeout(idleTimer);
    idleTimer = null;
  }

  function stopWarning(): void {
    if (warningTimer !== null) clearInterval(warningTimer);
    warningTimer = null;
  }

  /** (Re)starts the wait before the warning. */
  function arm(): void {
    stopIdle();
    if (ctx.screen() === 'attract' || !root.isConnected) return;
    idleTimer = setTimeout(open, idleDelaySeconds(ctx.info()) * 1000);
  }

  function renderCountdown(): void {
    const { countdown, message } = dialog.get();
    countdown.textContent = String(left);
    setI18n(message, 'idle.message', { seconds: left });
  }

  function open(): void {
    idleTimer = null;
    if (!root.isConnected) {
      detach();
      return;
    }
    if (ctx.screen() === 'attract') return;
    left = positiveSeconds(ctx.info()?.idle_warning_seconds, DEFAULT_IDLE_WARNING_SECONDS);
    renderCountdown();
    const active = document.activeElement;
    focusBefore = active instanceof HTMLElement && root.contains(active) ? active : null;
    // Modal: everything behind it is out of reach until « Continuer ».
    ctx.setBackgroundInert(true);
    const warning = dialog.get();
    warning.element.hidden = false;
    warning.continueButton.focus();
    stopWarning();
    warningTimer = setInterval(tick, 1000);
  }

  function tick(): void {
    if (!root.isConnected) {
      stopWarning();
      detach();
      return;
    }
    left = Math.max(0, left - 1);
    if (left > 0) {
      renderCountdown();
      return;
    }
    stopWarning();
    void ctx.wipe();
  }

  /** Hides the warning and forgets its countdown (no timer left). */
  function close(): void {
    stopWarning();
    const warning = dialog.built;
    if (warning) warning.element.hidden = true;
    if (!ctx.pinOpen()) ctx.setBackgroundInert(false);
    left = 0;
    if (warning) {
      clearText(warning.countdown);
      clearText(warning.message);
    }
  }

  /** « Continuer »: the warning goes away, the wait starts again, the focus goes back where it was. */
  function continueAfterWarning(): void {
    if (!isOpen()) return;
    close();
    const back = focusBefore;
    focusBefore = null;
    arm();
    if (back?.isConnected) back.focus();
    else ctx.focusTitle();
  }

  /** Any input restarts the wait, except while the warning is shown (only its button answers it). */
  const onActivity = (event: Event): void => {
    if (!root.isConnected) {
      detach();
      return;
    }
    // A new touch or key: the click of the touch that left the attract screen has passed.
    if (event.type === 'pointerdown' || event.type === 'keydown') swallow = false;
    ctx.onActivity();
    if (ctx.screen() === 'attract' || isOpen()) return;
    arm();
  };
  const onClickCapture = (event: Event): void => {
    if (!swallow) return;
    swallow = false;
    // The touch that left the attract screen must not also press what is now under the finger.
    event.preventDefault();
    event.stopImmediatePropagation();
  };
  function detach(): void {
    for (const type of ACTIVITY_EVENTS) document.removeEventListener(type, onActivity, true);
    document.removeEventListener('click', onClickCapture, true);
    stopIdle();
    stopWarning();
    ctx.onDetach();
  }
  for (const type of ACTIVITY_EVENTS) document.addEventListener(type, onActivity, { capture: true, passive: true });
  document.addEventListener('click', onClickCapture, true);

  return {
    dialog,
    isOpen,
    screenShown(id: ScreenId): void {
      if (id === 'attract') {
        // Nobody is there: no timer at all runs on the attract screen.
        close();
        stopIdle();
      } else if (!isOpen()) {
        arm();
      }
    },
    stop(): void {
      stopIdle();
      stopWarning();
    },
    clear(): void {
      close();
      focusBefore = null;
    },
    swallowClick(): void {
      swallow = true;
    },
  };
}
