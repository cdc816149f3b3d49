// The banner above the screens (`#form-error`): errors that belong to no field, and the server's wait.
import type { ErrorBody } from '../bindings';
import { h } from '../dom';
import { currentLanguage, errorMessage, t } from '../i18n';
import { toErrorBody } from '../ipc';
import { clearFieldErrors, showFieldError } from '../ui';

export const RATE_LIMITED = 'rate_limited';

export interface Banner {
  readonly element: HTMLElement;
  /** Shows these codes (none: hidden); `retryAfter` seconds of the server's wait are counted down. */
  set(codes: string[], retryAfter?: number | null): void;
  codes(): readonly string[];
  /** Seconds left of the wait asked by the server; null for none. */
  retryAfter(): number | null;
  /** Draws it again (a language change). */
  render(): void;
  /** Places field errors next to their fields in `scope`; anything else goes to the banner. */
  showErrors(error: unknown, scope: HTMLElement): ErrorBody;
}

export interface BannerContext {
  /** The app is still in the page (a countdown stops otherwise). */
  connected(): boolean;
  /** A command failed: connectivity may want to know. */
  noticeError(body: ErrorBody): void;
}

export function createBanner(ctx: BannerContext): Banner {
  let codes: string[] = [];
  let retryAfter: number | null = null;
  let timer: ReturnType<typeof setInterval> | null = null;
  const element = h('div', { id: 'form-error', class: 'banner', role: 'alert', 'aria-live': 'assertive', hidden: true });

  /** The banner's messages; `countdown` marks the one holding the seconds left. */
  function entries(): { text: string; countdown: boolean }[] {
    const seconds = retryAfter;
    const list = codes.map((c) => {
      if (c !== RATE_LIMITED) return { text: errorMessage(c), countdown: false };
      // « Trop de demandes… dans N secondes »: the wait is part of the message itself.
      return seconds !== null
        ? { text: errorMessage(c, currentLanguage(), { seconds }), countdown: true }
        : { text: t('app.too_many_requests'), countdown: false };
    });
    if (seconds !== null && !codes.includes(RATE_LIMITED)) {
      list.push({ text: t('app.retry_after', { seconds }), countdown: true });
    }
    return list;
  }

  function render(): void {
    const list = entries();
    element.replaceChildren(...list.map((e) => h('p', { 'data-countdown': e.countdown }, [e.text])));
    element.hidden = list.length === 0;
  }

  function stopTimer(): void {
    if (timer !== null) clearInterval(timer);
    timer = null;
  }

  /** One second of the server's wait has passed; at 0 the wait (and « Trop de demandes ») goes away. */
  function tick(): void {
    if (retryAfter === null || !ctx.connected()) {
      stopTimer();
      return;
    }
    retryAfter -= 1;
    if (retryAfter > 0) {
      const entry = entries().find((e) => e.countdown);
      const p = element.querySelector<HTMLElement>('p[data-countdown]');
      if (entry && p) {
        // Only the number changes: screen readers need not re-read the alert every second.
        p.setAttribute('aria-live', 'off');
        p.textContent = entry.text;
      }
      return;
    }
    stopTimer();
    retryAfter = null;
    codes = codes.filter((c) => c !== RATE_LIMITED);
    render();
  }

  function set(next: string[], wait: number | null = null): void {
    stopTimer();
    codes = next;
    retryAfter = wait !== null && wait > 0 ? Math.ceil(wait) : null;
    if (retryAfter !== null) timer = setInterval(tick, 1000);
    render();
  }

  function showErrors(error: unknown, scope: HTMLElement): ErrorBody {
    const body = toErrorBody(error);
    ctx.noticeError(body);
    clearFieldErrors(scope);
    const targets = Array.from(scope.querySelectorAll<HTMLElement>('.field-error[data-error-for]'));
    const bannerCodes: string[] = [];
    let first: HTMLElement | null = null;
    for (const fe of body.fields) {
      const target = targets.find((el) => el.dataset.errorFor === fe.field);
      if (target) {
        // The first error of a field wins; later ones are usually consequences.
        if (target.dataset.errorCode === undefined) showFieldError(target, fe.code);
        first ??= target;
      } else if (!bannerCodes.includes(fe.code)) {
        bannerCodes.push(fe.code);
      }
    }
    if (body.code !== 'validation' || body.fields.length === 0) bannerCodes.unshift(body.code);
    else if (first) bannerCodes.unshift('validation');
    set(bannerCodes, body.retry_after_seconds);
    const control = first ? scope.querySelector<HTMLElement>(`:is(input, select, textarea)[aria-describedby~="${first.id}"]`) : null;
    control?.focus();
    return body;
  }

  return { element, set, codes: () => codes, retryAfter: () => retryAfter, render, showErrors };
}
