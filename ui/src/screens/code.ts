// Step 3, « Saisissez votre mot de passe »: where the code is (delivery_status, polled), the wait before
// another can be asked, sending it again by SMS or call, and the code typed.
import type { Channel, CodeSent, DeliveryState, DeliveryStatus, Fallback } from '../bindings';
import type { Navigation, ScreenPart, Services } from '../context';
import { codeSent } from '../flow';
import { h } from '../dom';
import type { TranslationKey } from '../i18n';
import { toErrorBody } from '../ipc';
import { keyboardAttrs } from '../keyboard';
import { RATE_LIMITED } from '../shell/banner';
import { button, clearFieldErrors, clearInputs, clearText, fieldBlock, input, setI18n } from '../ui';
import { actionBar, buttonRow, form, guardCancel, requiredNote, screen } from './common';

/** How often `delivery_status` is asked while step 3 is shown. */
export const POLL_MS = 3000;
/** After these, the delivery will not change any more: polling stops. */
const FINAL_STATES: ReadonlySet<DeliveryState> = new Set<DeliveryState>(['delivered', 'failed', 'expired', 'superseded']);

export interface CodeContext
  extends Pick<Services, 'api' | 'session' | 'dispatch' | 'screen' | 'show' | 'reset' | 'connected' | 'banner' | 'noticeError'>,
    Pick<Navigation, 'request' | 'login'> {
  /** The number typed at step 1 ('' if step 1 was never shown). */
  typedPhone(): string;
}

export interface CodeScreen extends ScreenPart {
  /** Step 3 for the code just sent: say where, follow its delivery, start the wait before another. */
  open(sent: CodeSent): void;
}

function build() {
  const sentText = h('p', { id: 'code-sent', class: 'lead' });
  const fallbackText = h('p', { id: 'code-fallback', class: 'notice', hidden: true });
  const deliveryStatus = h('p', { id: 'delivery-status', class: 'delivery-status', role: 'status', 'aria-live': 'polite' });
  const code = input({ ...keyboardAttrs('numeric'), maxlength: 7, autocomplete: 'one-time-code' });
  const resendCountdown = h('p', { id: 'resend-countdown', class: 'countdown', hidden: true });
  const resendSms = button('btn-code-resend-sms', 'code.resend_sms', 'secondary');
  const resendVoice = button('btn-code-resend-voice', 'code.resend_voice', 'secondary');
  const resendButton = button('btn-code-resend', 'code.resend', 'secondary');
  const cancel = button('btn-cancel-code', 'common.cancel', 'ghost');
  const codeForm = form('form-code', [
    sentText,
    fallbackText,
    deliveryStatus,
    requiredNote(),
    fieldBlock({ id: 'code', field: 'code', label: 'code.label', control: code, required: true }),
    actionBar([button('btn-code-submit', 'code.submit', 'primary', 'submit'), resendButton, cancel]),
    h('div', { id: 'resend-area', class: 'resend-area' }, [resendCountdown, buttonRow([resendSms, resendVoice])]),
  ]);
  const element = screen('code', 'code.title', [codeForm]);
  return { element, form: codeForm, code, sentText, fallbackText, deliveryStatus, resendCountdown, resendSms, resendVoice, resendButton, cancel };
}

export function createCode(ctx: CodeContext): CodeScreen {
  const ui = build();
  const { element, code, sentText, fallbackText, deliveryStatus, resendCountdown, resendSms, resendVoice } = ui;
  const cancelQuestion = guardCancel('confirm-cancel-code', ui.cancel, ui.form, ctx.reset);
  ui.cancel.closest('.action-bar')?.after(cancelQuestion.element);
  /** Where the code really goes, from CodeSent then updated by delivery_status. */
  let delivery: { channel: Channel; fallback: Fallback | null } | null = null;
  /** Seconds before another code may be asked. */
  let resendLeft = 0;
  let resendBusy = false;
  let pollTimer: ReturnType<typeof setTimeout> | null = null;
  let pollGeneration = 0;
  let countdownTimer: ReturnType<typeof setInterval> | null = null;

  function smsPossible(): boolean {
    return delivery?.fallback == null;
  }

  /** « Un mot de passe a été envoyé… » with the channel actually used, and why when it is not the one asked for. */
  function renderSent(): void {
    const sent = codeSent(ctx.session().flow);
    if (!sent || !delivery) {
      clearText(sentText);
      clearText(fallbackText);
      fallbackText.hidden = true;
      return;
    }
    setI18n(sentText, delivery.channel === 'sms' ? 'code.sent_sms' : 'code.sent_voice', { phone: sent.phone_display });
    if (delivery.fallback === null) clearText(fallbackText);
    else setI18n(fallbackText, 'code.fallback');
    fallbackText.hidden = delivery.fallback === null;
    // Texts do not reach this number: only a call is offered.
    resendSms.hidden = !smsPossible();
  }

  function statusKey(status: DeliveryStatus): TranslationKey | null {
    switch (status.state) {
      case 'pending':
        return 'code.status_pending';
      case 'sent':
        return 'code.status_sent';
      case 'delivered':
        return status.channel === 'sms' ? 'code.status_delivered_sms' : 'code.status_delivered_voice';
      case 'failed':
        if (status.channel === 'sms') return 'code.status_failed_sms';
        return smsPossible() ? 'code.status_failed_voice' : 'code.status_failed_voice_only';
      case 'expired':
        return 'code.status_expired';
      case 'superseded':
        return null;
    }
  }

  /** Puts forward the resend button of the given channel (null: none). */
  function suggest(channel: Channel | null): void {
    for (const [btn, c] of [[resendSms, 'sms'], [resendVoice, 'voice']] as const) {
      const on = c === channel;
      btn.classList.toggle('btn-primary', on);
      btn.classList.toggle('btn-secondary', !on);
      btn.classList.toggle('btn-suggested', on);
    }
  }

  function applyDelivery(status: DeliveryStatus): void {
    if (delivery && (status.channel !== delivery.channel || (status.fallback !== null && status.fallback !== delivery.fallback))) {
      // E.g. the network refused the SMS: a call is coming instead.
      delivery = { channel: status.channel, fallback: status.fallback ?? delivery.fallback };
      renderSent();
    }
    const key = statusKey(status);
    if (key === null) clearText(deliveryStatus);
    // Same words as before: leave the live region alone (no repeated announcement).
    else if (deliveryStatus.dataset.i18n !== key) setI18n(deliveryStatus, key);
    if (status.state === 'failed') {
      // The server still enforces the wait: the countdown stays, the other way is put forward.
      suggest(status.channel === 'sms' || !smsPossible() ? 'voice' : 'sms');
    }
    if (FINAL_STATES.has(status.state)) stopPolling();
  }

  function stopPolling(): void {
    pollGeneration += 1;
    if (pollTimer !== null) clearTimeout(pollTimer);
    pollTimer = null;
  }

  /** Asks delivery_status now, then every POLL_MS while step 3 is shown and the state is not final. */
  function startPolling(): void {
    stopPolling();
    const generation = pollGeneration;
    const poll = async (): Promise<void> => {
      pollTimer = null;
      let status: DeliveryStatus | null = null;
      try {
        status = await ctx.api.deliveryStatus();
      } catch (e) {
        // Only a hint for the resident: keep the last status, never block.
        ctx.noticeError(toErrorBody(e));
      }
      if (generation !== pollGeneration || ctx.screen() !== 'code' || !ctx.connected()) return;
      if (status) applyDelivery(status);
      if (generation === pollGeneration) pollTimer = setTimeout(() => void poll(), POLL_MS);
    };
    void poll();
  }

  function stopCountdown(): void {
    if (countdownTimer !== null) clearInterval(countdownTimer);
    countdownTimer = null;
  }

  function renderResend(): void {
    const waiting = resendLeft > 0;
    resendCountdown.hidden = !waiting;
    if (waiting) setI18n(resendCountdown, 'code.resend_countdown', { seconds: resendLeft });
    else clearText(resendCountdown);
    for (const btn of [resendSms, resendVoice]) {
      btn.disabled = waiting || resendBusy;
      if (waiting) btn.setAttribute('aria-describedby', 'resend-countdown');
      else btn.removeAttribute('aria-describedby');
    }
  }

  /** « Vous pourrez demander un nouveau mot de passe dans N s. »; the resend buttons wait for it. */
  function startCountdown(seconds: number): void {
    stopCountdown();
    resendLeft = Number.isFinite(seconds) && seconds > 0 ? Math.ceil(seconds) : 0;
    renderResend();
    if (resendLeft === 0) return;
    countdownTimer = setInterval(() => {
      if (!ctx.connected()) {
        stopCountdown();
        return;
      }
      resendLeft = Math.max(0, resendLeft - 1);
      if (resendLeft === 0) stopCountdown();
      renderResend();
    }, 1000);
  }

  function stopTimers(): void {
    stopPolling();
    stopCountdown();
  }

  /** A code just went out: say where, follow its delivery, start the wait before another. */
  function trackCode(sent: CodeSent): void {
    ctx.dispatch({ type: 'codeSent', sent });
    delivery = { channel: sent.channel, fallback: sent.fallback ?? null };
    clearText(deliveryStatus);
    suggest(null);
    renderSent();
    startCountdown(sent.resend_after_seconds);
    startPolling();
  }

  async function resend(channel: Channel, btn: HTMLButtonElement): Promise<void> {
    if (resendBusy || resendLeft > 0) return;
    const session = ctx.session().id;
    resendBusy = true;
    btn.setAttribute('aria-busy', 'true');
    renderResend();
    let sent: CodeSent;
    try {
      sent = await ctx.api.resendCode(channel);
    } catch (e) {
      if (session !== ctx.session().id || ctx.screen() !== 'code') return;
      const body = ctx.banner.showErrors(e, element);
      // Too many codes: the buttons wait as long as the server asks.
      if (body.code === RATE_LIMITED && body.retry_after_seconds !== null) startCountdown(body.retry_after_seconds);
      return;
    } finally {
      resendBusy = false;
      btn.removeAttribute('aria-busy');
      if (session === ctx.session().id) renderResend();
    }
    if (session !== ctx.session().id || ctx.screen() !== 'code') return;
    code.value = '';
    clearFieldErrors(element);
    ctx.banner.set([]);
    trackCode(sent);
    code.focus();
  }

  /** « Continuer » of step 3: the code typed goes to the login (step 4), with the number. */
  function submitCode(): void {
    clearFieldErrors(element);
    if (code.value.trim() === '') {
      ctx.banner.showErrors(
        { code: 'validation', message: '', fields: [{ field: 'code', code: 'code.required' }], retry_after_seconds: null },
        element,
      );
      return;
    }
    ctx.login(codeSent(ctx.session().flow)?.phone_display ?? ctx.typedPhone(), code.value);
  }

  resendSms.addEventListener('click', () => void resend('sms', resendSms));
  resendVoice.addEventListener('click', () => void resend('voice', resendVoice));
  ui.form.addEventListener('submit', (event) => {
    event.preventDefault();
    submitCode();
  });
  ui.resendButton.addEventListener('click', () => void ctx.request(true));

  return {
    element,
    open(sent: CodeSent): void {
      code.value = '';
      // A new code: nothing of the last one's delivery resumes when the screen shows (see `show`).
      delivery = null;
      clearFieldErrors(element);
      ctx.show('code');
      trackCode(sent);
    },
    show(): void {
      // Back from step 4 (« Retour »): the code typed is still there; the delivery and the wait go on.
      if (delivery !== null) {
        startCountdown(resendLeft);
        startPolling();
      }
    },
    leave: stopTimers,
    clear(): void {
      ui.form.reset();
      clearInputs(element);
      clearFieldErrors(element);
      stopTimers();
      cancelQuestion.clear();
      delivery = null;
      resendLeft = 0;
      resendBusy = false;
      for (const el of [sentText, fallbackText, deliveryStatus, resendCountdown]) clearText(el);
      fallbackText.hidden = true;
      resendCountdown.hidden = true;
      resendSms.hidden = false;
      suggest(null);
      for (const btn of [resendSms, resendVoice]) {
        btn.disabled = false;
        btn.removeAttribute('aria-busy');
        btn.removeAttribute('aria-describedby');
      }
    },
  };
}
