// Step 1, « Obtention du mot de passe »: the number, SMS or call, the captcha and the consent.
import type { Channel, CodeRequestForm, CodeRequestOutcome } from '../bindings';
import type { Navigation, ScreenPart, Services } from '../context';
import { byId, h } from '../dom';
import { currentLanguage, type TranslationKey } from '../i18n';
import { toErrorBody } from '../ipc';
import { keyboardAttrs } from '../keyboard';
import { button, clearErrorsOfControl, clearFieldErrors, clearInputs, errorElement, fieldBlock, input, withBusy } from '../ui';
import { actionBar, form, guardCancel, requiredNote, screen } from './common';
import { createCollectionNotice } from './notice';

export type RequestContext = Pick<
  Services,
  'api' | 'info' | 'session' | 'dispatch' | 'show' | 'reset' | 'banner' | 'noticeError' | 'refreshConnectivity'
> &
  Pick<Navigation, 'code' | 'profile'>;

export interface RequestScreen extends ScreenPart {
  /** Shows step 1 with a new captcha; `keepTyped`: what was typed stays (back for another code). */
  open(keepTyped: boolean): Promise<void>;
  /** The number typed. */
  phone(): string;
}

function channelChoice(value: Channel, title: TranslationKey, help: TranslationKey): HTMLElement {
  const id = `channel-${value}`;
  const radio = h('input', {
    type: 'radio',
    name: 'channel',
    id,
    value,
    'aria-describedby': `help-${id} error-channel`,
  });
  return h('div', { class: 'choice' }, [
    radio,
    h('div', { class: 'choice-text' }, [h('label', { for: id, i18n: title }), h('p', { class: 'help', id: `help-${id}`, i18n: help })]),
  ]);
}

function build(notice: HTMLElement) {
  const phone = input({ type: 'tel', ...keyboardAttrs('numeric'), autocomplete: 'off' });
  const captchaImg = h('img', { id: 'captcha-img', class: 'captcha', 'data-i18n': 'request.captcha_alt', 'data-i18n-attr': 'alt', alt: '' });
  const captchaAnswer = input({ autocapitalize: 'characters', autocorrect: 'off', spellcheck: 'false', autocomplete: 'off' });
  const captchaRefresh = button('btn-captcha-refresh', 'request.captcha_refresh', 'secondary');
  const consent = h('input', { type: 'checkbox', id: 'consent', 'aria-describedby': 'error-consent', 'aria-required': 'true' });
  const submit = button('btn-request-submit', 'common.confirm', 'primary', 'submit');
  const cancel = button('btn-cancel-request', 'common.cancel', 'ghost');
  const requestForm = form('form-request', [
    requiredNote(),
    fieldBlock({ id: 'phone', field: 'phone', label: 'request.phone', control: phone, required: true, help: 'request.phone_help' }),
    h('fieldset', { class: 'group', 'aria-describedby': 'error-channel' }, [
      h('legend', {}, [h('span', { i18n: 'request.channel' }), h('span', { class: 'required-mark', 'aria-hidden': 'true' }, [' *'])]),
      channelChoice('voice', 'request.channel_voice', 'request.channel_voice_help'),
      channelChoice('sms', 'request.channel_sms', 'request.channel_sms_help'),
      errorElement('error-channel', 'channel'),
    ]),
    h('fieldset', { class: 'group', id: 'captcha-block' }, [
      h('legend', { i18n: 'request.security' }),
      h('div', { class: 'captcha-row' }, [captchaImg, captchaRefresh]),
      fieldBlock({ id: 'captcha-answer', field: 'captcha', label: 'request.captcha_answer', control: captchaAnswer, required: true }),
    ]),
    // What the law requires the town to say before the consent (s. 65 of the Access Act).
    notice,
    h('fieldset', { class: 'group' }, [
      h('legend', { i18n: 'request.conditions' }),
      h('div', { class: 'check' }, [
        consent,
        h('label', { for: 'consent', i18n: 'request.consent' }),
        h('span', { class: 'required-mark', 'aria-hidden': 'true' }, ['*']),
      ]),
      errorElement('error-consent', 'consent'),
    ]),
    actionBar([submit, cancel]),
  ]);
  // Assisted signup (staff mode): said on screen, and the captcha block is hidden.
  const assistedNote = h('p', { id: 'assisted-note', class: 'notice', i18n: 'staff.assisted_note', hidden: true });
  const captchaBlock = byId(requestForm, 'captcha-block');
  const element = screen('request', 'request.title', [assistedNote, requestForm]);
  return { element, form: requestForm, phone, captchaImg, captchaAnswer, captchaRefresh, consent, submit, cancel, assistedNote, captchaBlock };
}

export function createRequest(ctx: RequestContext): RequestScreen {
  const notice = createCollectionNotice(ctx.info);
  const ui = build(notice.element);
  const { element, phone, captchaImg, captchaAnswer, consent } = ui;
  const cancelQuestion = guardCancel('confirm-cancel-request', ui.cancel, ui.form, ctx.reset);
  ui.form.append(cancelQuestion.element);

  function renderAssisted(): void {
    const assisted = ctx.session().assisted;
    ui.assistedNote.hidden = !assisted;
    ui.captchaBlock.hidden = assisted;
  }

  function chosenChannel(): Channel | null {
    const checked = ui.form.querySelector<HTMLInputElement>('input[name="channel"]:checked');
    return checked ? (checked.value as Channel) : null;
  }

  async function refreshCaptcha(): Promise<void> {
    captchaAnswer.value = '';
    // Assisted signup: no captcha at all.
    if (ctx.session().assisted) {
      captchaImg.removeAttribute('src');
      return;
    }
    const session = ctx.session().id;
    try {
      const img = await ctx.api.captchaNew();
      // Reset meanwhile: the image belongs to no one any more.
      if (session !== ctx.session().id) return;
      if (img.data_url.startsWith('data:image/')) captchaImg.src = img.data_url;
    } catch (e) {
      if (session !== ctx.session().id) return;
      captchaImg.removeAttribute('src');
      const body = toErrorBody(e);
      ctx.noticeError(body);
      // Keep the wait (if any) of the error already shown.
      ctx.banner.set([...ctx.banner.codes().filter((c) => c !== body.code), body.code], ctx.banner.retryAfter());
    }
  }

  async function open(keepTyped: boolean): Promise<void> {
    if (!keepTyped) {
      ui.form.reset();
      ctx.dispatch({ type: 'request' });
    }
    clearFieldErrors(element);
    renderAssisted();
    ctx.show('request');
    await refreshCaptcha();
  }

  /** « Confirmer »: a code goes out (step 3), or, the central server out of reach, straight to the form. */
  async function submitRequest(): Promise<void> {
    const assisted = ctx.session().assisted;
    const payload: CodeRequestForm = {
      phone: phone.value,
      channel: chosenChannel(),
      // Assisted: no captcha shown, none sent (the Rust side skips it in staff mode).
      captcha_answer: assisted ? '' : captchaAnswer.value,
      consent_accepted: consent.checked,
      language: currentLanguage(),
      staff_assisted: assisted,
    };
    const session = ctx.session().id;
    let outcome: CodeRequestOutcome;
    try {
      outcome = await ctx.api.requestCode(payload);
    } catch (e) {
      if (session !== ctx.session().id) return;
      ctx.banner.showErrors(e, element);
      // Every request_code consumes the captcha, right or wrong.
      await refreshCaptcha();
      return;
    }
    // « Annuler » pressed meanwhile: this code belongs to no one on screen any more.
    if (session !== ctx.session().id) return;
    if (outcome.mode === 'offline') {
      // Central server out of reach: no code now, straight to the form (queued on this kiosk).
      void ctx.refreshConnectivity();
      ctx.dispatch({ type: 'requestOffline', phoneDisplay: outcome.phone_display });
      ctx.profile(outcome.profile);
      return;
    }
    ctx.dispatch({ type: 'codeSent', sent: outcome });
    ctx.code();
  }

  ui.captchaRefresh.addEventListener('click', () => {
    clearErrorsOfControl(captchaAnswer);
    void refreshCaptcha();
  });
  ui.form.addEventListener('submit', (event) => {
    event.preventDefault();
    void withBusy(ui.submit, submitRequest);
  });

  return {
    element,
    open,
    phone: () => phone.value,
    draw(): void {
      renderAssisted();
      notice.render();
    },
    drawInfo(): void {
      notice.render();
    },
    retranslate(): void {
      notice.render();
    },
    show(): void {
      // Drawn by `open`, which leads here.
    },
    clear(): void {
      ui.form.reset();
      clearInputs(element);
      clearFieldErrors(element);
      captchaImg.removeAttribute('src');
      renderAssisted();
      cancelQuestion.clear();
      notice.clear();
    },
  };
}
