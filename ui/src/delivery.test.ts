// Step 3: delivery status, resending the code, and « Trop de demandes » waits.
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Channel, CodeRequestOutcome, CodeSent, DeliveryState, DeliveryStatus, ErrorBody } from './bindings';
import { setLanguage, t } from './i18n';
import { mount, type Handler, type Mounted, type, visibleScreen } from './test-helpers';

beforeEach(() => {
  setLanguage('fr');
});
afterEach(() => {
  vi.useRealTimers();
  clearMocks();
});

function codeSent(partial: Partial<CodeSent> = {}): CodeSent {
  return {
    phone_display: '514 555-0100',
    channel: 'sms',
    code_expires_at: '2030-01-01T00:00:00Z',
    fallback: null,
    resend_after_seconds: 60,
    ...partial,
  };
}

/** request_code's answer when the central server is reachable. */
function requested(partial: Partial<CodeSent> = {}): CodeRequestOutcome {
  return { mode: 'online', ...codeSent(partial) };
}

function status(state: DeliveryState, partial: Partial<DeliveryStatus> = {}): DeliveryStatus {
  return { state, channel: 'sms', fallback: null, ...partial };
}

function rateLimited(seconds: number): ErrorBody {
  return { code: 'rate_limited', message: 'too many requests', fields: [], retry_after_seconds: seconds };
}

/** Lets the mocked IPC promises settle without letting fake time pass. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await vi.advanceTimersByTimeAsync(0);
}

/** Lets `ms` of fake time pass, settling the IPC replies on the way. */
async function wait(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
  await settle();
}

/** Mounts with fake timers and goes to step 3 through a successful request_code. */
async function toCodeScreen(handler: Handler): Promise<Mounted> {
  const m = await mount(handler);
  vi.useFakeTimers();
  m.$('#btn-start').click();
  m.$('#btn-new-user').click();
  await settle();
  type(m.$<HTMLInputElement>('#phone'), '514 555-0100');
  m.$<HTMLInputElement>('#channel-sms').click();
  m.$('#btn-request-submit').click();
  await settle();
  expect(visibleScreen(m.root)).toBe('screen-code');
  return m;
}

/** delivery_status answers the given states in turn, then repeats the last one. */
function statuses(...list: (DeliveryStatus | Error)[]): () => DeliveryStatus {
  let i = 0;
  return () => {
    const next = list[Math.min(i, list.length - 1)];
    i += 1;
    if (next instanceof Error) throw { code: 'central.unreachable', message: next.message, fields: [], retry_after_seconds: null };
    return next;
  };
}

const text = (m: Mounted, selector: string): string => m.$(selector).textContent;

describe('delivery status', () => {
  it('polls every 3 s, says pending → sent → delivered in plain words, then stops', async () => {
    const next = statuses(status('pending'), status('sent'), status('delivered'));
    const m = await toCodeScreen((cmd) => {
      if (cmd === 'request_code') return requested();
      if (cmd === 'delivery_status') return next();
      return undefined;
    });
    const line = m.$('#delivery-status');
    expect(line.getAttribute('role')).toBe('status');
    expect(line.getAttribute('aria-live')).toBe('polite');
    expect(text(m, '#code-sent')).toBe('Un mot de passe a été envoyé par SMS au 514 555-0100.');
    expect(m.$('#code-fallback').hidden).toBe(true);

    expect(m.count('delivery_status')).toBe(1);
    expect(line.textContent).toBe('Envoi en cours…');
    await wait(2999);
    expect(m.count('delivery_status')).toBe(1);
    await wait(1);
    expect(m.count('delivery_status')).toBe(2);
    expect(line.textContent).toBe(t('code.status_sent', {}, 'fr'));
    await wait(3000);
    expect(m.count('delivery_status')).toBe(3);
    expect(line.textContent).toBe('Votre téléphone a reçu le message.');

    // Final state: no more polling.
    await wait(30_000);
    expect(m.count('delivery_status')).toBe(3);

    // Re-translated with the rest of the screen.
    m.$('#btn-lang').click();
    expect(line.textContent).toBe('Your phone received the message.');
    expect(text(m, '#code-sent')).toBe('A password was sent by text message to 514 555-0100.');
  });

  it('says the call went through for a voice code', async () => {
    const m = await toCodeScreen((cmd) => {
      if (cmd === 'request_code') return requested({ channel: 'voice' });
      if (cmd === 'delivery_status') return status('delivered', { channel: 'voice' });
      return undefined;
    });
    expect(text(m, '#delivery-status')).toBe(t('code.status_delivered_voice', {}, 'fr'));
    await wait(9000);
    expect(m.count('delivery_status')).toBe(1);
  });

  it('ignores delivery_status errors: keeps the last words and keeps polling', async () => {
    const next = statuses(status('sent'), new Error('down'), status('sent'));
    const m = await toCodeScreen((cmd) => {
      if (cmd === 'request_code') return requested();
      if (cmd === 'delivery_status') return next();
      return undefined;
    });
    await wait(3000);
    expect(m.count('delivery_status')).toBe(2);
    expect(text(m, '#delivery-status')).toBe(t('code.status_sent', {}, 'fr'));
    expect(m.$('#form-error').hidden).toBe(true);
    await wait(3000);
    expect(m.count('delivery_status')).toBe(3);
  });

  it('stops polling on « Annuler » and leaves no timer behind', async () => {
    const m = await toCodeScreen((cmd) => {
      if (cmd === 'request_code') return requested();
      if (cmd === 'delivery_status') return status('sent');
      return undefined;
    });
    await wait(3000);
    expect(m.count('delivery_status')).toBe(2);

    m.$('#btn-cancel-code').click();
    await settle();
    expect(visibleScreen(m.root)).toBe('screen-attract');
    expect(vi.getTimerCount()).toBe(0);
    await wait(60_000);
    expect(m.count('delivery_status')).toBe(2);
    for (const id of ['#code-sent', '#delivery-status', '#resend-countdown', '#code-fallback']) {
      expect(text(m, id), id).toBe('');
    }
  });

  it('stops polling when leaving step 3', async () => {
    const m = await toCodeScreen((cmd) => {
      if (cmd === 'request_code') return requested();
      if (cmd === 'delivery_status') return status('sent');
      return undefined;
    });
    type(m.$<HTMLInputElement>('#code'), '123456');
    m.$('#btn-code-submit').click();
    await settle();
    expect(visibleScreen(m.root)).toBe('screen-login');
    // Only the idle timer (« Êtes-vous toujours là? ») is left.
    expect(vi.getTimerCount()).toBe(1);
    await wait(30_000);
    expect(m.count('delivery_status')).toBe(1);
  });

  it('on failure says to try the other way, puts that button forward and keeps the countdown', async () => {
    const m = await toCodeScreen((cmd) => {
      if (cmd === 'request_code') return requested({ resend_after_seconds: 30 });
      if (cmd === 'delivery_status') return status('failed');
      return undefined;
    });
    expect(text(m, '#delivery-status')).toBe(t('code.status_failed_sms', {}, 'fr'));
    const voice = m.$<HTMLButtonElement>('#btn-code-resend-voice');
    const sms = m.$<HTMLButtonElement>('#btn-code-resend-sms');
    expect(voice.classList.contains('btn-suggested')).toBe(true);
    expect(sms.classList.contains('btn-suggested')).toBe(false);
    // The server would refuse a resend before the wait is over.
    expect(voice.disabled).toBe(true);
    expect(m.$('#resend-countdown').hidden).toBe(false);
    await wait(30_000);
    expect(voice.disabled).toBe(false);
    expect(m.count('delivery_status')).toBe(1);
    m.$('#btn-lang').click();
    expect(text(m, '#delivery-status')).toBe('The message could not be delivered. Try by phone call.');
  });

  it('says when the code expired', async () => {
    const m = await toCodeScreen((cmd) => {
      if (cmd === 'request_code') return requested();
      if (cmd === 'delivery_status') return status('expired');
      return undefined;
    });
    expect(text(m, '#delivery-status')).toBe('Le mot de passe a expiré. Demandez-en un nouveau.');
  });
});

describe('fallback to a call', () => {
  it('explains that the number does not take texts, and offers only a call', async () => {
    const m = await toCodeScreen((cmd) => {
      if (cmd === 'request_code') return requested({ channel: 'voice', fallback: 'sms_opted_out', resend_after_seconds: 5 });
      if (cmd === 'delivery_status') return status('pending', { channel: 'voice', fallback: 'sms_opted_out' });
      return undefined;
    });
    expect(text(m, '#code-sent')).toBe('Un mot de passe vous a été communiqué par appel au 514 555-0100.');
    expect(m.$('#code-fallback').hidden).toBe(false);
    expect(text(m, '#code-fallback')).toBe(t('code.fallback', {}, 'fr'));
    await wait(5000);
    expect(m.$('#btn-code-resend-sms').hidden).toBe(true);
    expect(m.$<HTMLButtonElement>('#btn-code-resend-voice').disabled).toBe(false);
    m.$('#btn-lang').click();
    expect(text(m, '#code-fallback')).toBe(
      'This number does not accept text messages: you will get a phone call instead.',
    );
  });

  it('switches the sentence to a call when the network refuses the SMS later', async () => {
    const next = statuses(status('pending'), status('pending', { channel: 'voice', fallback: 'sms_refused' }));
    const m = await toCodeScreen((cmd) => {
      if (cmd === 'request_code') return requested();
      if (cmd === 'delivery_status') return next();
      return undefined;
    });
    expect(m.$('#code-fallback').hidden).toBe(true);
    await wait(3000);
    expect(text(m, '#code-sent')).toContain('par appel au 514 555-0100');
    expect(m.$('#code-fallback').hidden).toBe(false);
    expect(m.$('#btn-code-resend-sms').hidden).toBe(true);
  });
});

describe('resending the code', () => {
  it('waits for the countdown, then resends by call and restarts the countdown and polling', async () => {
    let resent = codeSent({ channel: 'voice', resend_after_seconds: 90 });
    let channelNow: Channel = 'sms';
    const m = await toCodeScreen((cmd) => {
      if (cmd === 'request_code') return requested({ resend_after_seconds: 60 });
      if (cmd === 'resend_code') {
        channelNow = resent.channel;
        return resent;
      }
      if (cmd === 'delivery_status') return status('sent', { channel: channelNow });
      return undefined;
    });
    const sms = m.$<HTMLButtonElement>('#btn-code-resend-sms');
    const voice = m.$<HTMLButtonElement>('#btn-code-resend-voice');
    const countdown = m.$('#resend-countdown');
    expect(sms.textContent).toBe('Renvoyer par SMS');
    expect(voice.textContent).toBe('Recevoir un appel');
    expect(m.$('#btn-code-resend').textContent).toBe('Je n’ai rien reçu');
    expect(sms.disabled).toBe(true);
    expect(voice.disabled).toBe(true);
    expect(countdown.hidden).toBe(false);
    expect(countdown.textContent).toBe(t('code.resend_countdown', { seconds: 60 }, 'fr'));
    await wait(1000);
    expect(countdown.textContent).toBe(t('code.resend_countdown', { seconds: 59 }, 'fr'));
    m.$('#btn-lang').click();
    expect(countdown.textContent).toBe('You can ask for a new password in 59 s.');
    expect(voice.textContent).toBe('Get a phone call');
    expect(sms.textContent).toBe('Send again by text');
    m.$('#btn-lang').click();

    // Disabled: pressing does nothing.
    voice.click();
    await settle();
    expect(m.count('resend_code')).toBe(0);

    await wait(58_000);
    expect(voice.disabled).toBe(true);
    await wait(1000);
    expect(sms.disabled).toBe(false);
    expect(voice.disabled).toBe(false);
    expect(countdown.hidden).toBe(true);
    expect(countdown.textContent).toBe('');

    type(m.$<HTMLInputElement>('#code'), '111');
    const polls = m.count('delivery_status');
    voice.click();
    await settle();
    expect(m.calls.filter((c) => c.cmd === 'resend_code').map((c) => c.args)).toEqual([{ channel: 'voice' }]);
    expect(m.$<HTMLInputElement>('#code').value).toBe('');
    expect(text(m, '#code-sent')).toBe('Un mot de passe vous a été communiqué par appel au 514 555-0100.');
    expect(voice.disabled).toBe(true);
    expect(countdown.textContent).toBe(t('code.resend_countdown', { seconds: 90 }, 'fr'));
    expect(m.count('delivery_status')).toBe(polls + 1);
    await wait(3000);
    expect(m.count('delivery_status')).toBe(polls + 2);

    // And by SMS once the new wait is over.
    resent = codeSent({ resend_after_seconds: 60 });
    await wait(90_000);
    sms.click();
    await settle();
    expect(m.calls.filter((c) => c.cmd === 'resend_code').at(-1)?.args).toEqual({ channel: 'sms' });
    expect(text(m, '#code-sent')).toBe('Un mot de passe a été envoyé par SMS au 514 555-0100.');
  });

  it('on rate_limited keeps the buttons waiting as long as the server asks', async () => {
    const m = await toCodeScreen((cmd) => {
      if (cmd === 'request_code') return requested({ resend_after_seconds: 1 });
      if (cmd === 'resend_code') throw rateLimited(120);
      if (cmd === 'delivery_status') return status('sent');
      return undefined;
    });
    await wait(1000);
    m.$('#btn-code-resend-voice').click();
    await settle();
    expect(text(m, '#form-error')).toBe('Trop de demandes. Veuillez réessayer dans 120 secondes.');
    expect(m.$<HTMLButtonElement>('#btn-code-resend-voice').disabled).toBe(true);
    expect(text(m, '#resend-countdown')).toBe(t('code.resend_countdown', { seconds: 120 }, 'fr'));
    expect(visibleScreen(m.root)).toBe('screen-code');
  });
});

describe('rate_limited', () => {
  it('on request_code shows the wait once, counts it down, then removes it', async () => {
    const m = await mount((cmd) => {
      if (cmd === 'request_code') throw rateLimited(3);
      return undefined;
    });
    vi.useFakeTimers();
    m.$('#btn-start').click();
    m.$('#btn-new-user').click();
    await settle();
    m.$('#btn-request-submit').click();
    await settle();
    const banner = m.$('#form-error');
    expect(banner.hidden).toBe(false);
    // The seconds are in the message: the generic « Veuillez réessayer dans… » is not added.
    expect(banner.textContent).toBe('Trop de demandes. Veuillez réessayer dans 3 secondes.');
    expect(banner.querySelectorAll('p')).toHaveLength(1);
    await wait(1000);
    expect(banner.textContent).toBe('Trop de demandes. Veuillez réessayer dans 2 secondes.');
    m.$('#btn-lang').click();
    expect(banner.textContent).toBe('Too many requests. Please try again in 2 seconds.');
    m.$('#btn-lang').click();
    await wait(1000);
    expect(banner.textContent).toBe('Trop de demandes. Veuillez réessayer dans 1 secondes.');
    await wait(1000);
    expect(banner.hidden).toBe(true);
    expect(banner.textContent).toBe('');
    // Only the idle timer (« Êtes-vous toujours là? ») is left.
    expect(vi.getTimerCount()).toBe(1);
  });

  it('on login shows the wait in the banner', async () => {
    const m = await toCodeScreen((cmd) => {
      if (cmd === 'request_code') return requested();
      if (cmd === 'delivery_status') return status('sent');
      if (cmd === 'login') throw rateLimited(600);
      return undefined;
    });
    type(m.$<HTMLInputElement>('#code'), '123456');
    m.$('#btn-code-submit').click();
    m.$('#btn-login').click();
    await settle();
    expect(text(m, '#form-error')).toBe('Trop de demandes. Veuillez réessayer dans 600 secondes.');
    await wait(1000);
    expect(text(m, '#form-error')).toBe('Trop de demandes. Veuillez réessayer dans 599 secondes.');
    // « Annuler » ends the wait shown: nothing survives into the next session.
    m.$('#btn-cancel-login').click();
    m.$('#confirm-cancel-login-yes').click();
    await settle();
    expect(m.$('#form-error').hidden).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('counts down the generic retry text of other errors and keeps their message', async () => {
    const m = await mount((cmd) => {
      if (cmd === 'request_code') throw { code: 'central.unreachable', message: '', fields: [], retry_after_seconds: 2 };
      return undefined;
    });
    vi.useFakeTimers();
    m.$('#btn-start').click();
    m.$('#btn-new-user').click();
    await settle();
    m.$('#btn-request-submit').click();
    await settle();
    const banner = m.$('#form-error');
    expect(banner.querySelectorAll('p')).toHaveLength(2);
    expect(banner.textContent).toContain('Veuillez réessayer dans 2 secondes.');
    await wait(1000);
    expect(banner.textContent).toContain('Veuillez réessayer dans 1 secondes.');
    await wait(1000);
    expect(banner.textContent).toBe(
      'Le service de la ville ne répond pas pour le moment. Veuillez réessayer dans quelques minutes.',
    );
    // Only the idle timer (« Êtes-vous toujours là? ») is left.
    expect(vi.getTimerCount()).toBe(1);
  });
});
