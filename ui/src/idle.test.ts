// Attract screen, « Êtes-vous toujours là? » and the wipe after a resident walks away.
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LoginOutcome } from './bindings';
import { clearBrowserStorage } from './app';
import { currentLanguage, setLanguage, t } from './i18n';
import { contact, emptyProfile, mount, type Mounted, type, visibleScreen } from './test-helpers';

beforeEach(() => {
  setLanguage('fr');
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  clearMocks();
});

const PHONE = '514 555-0199';

const outcome: LoginOutcome = {
  phone_display: PHONE,
  existing_profile: false,
  profile: emptyProfile({ name: 'Tremblay', contacts: [contact({ value: '+15145550199' })] }),
  offline: false,
  pending_change: null,
};

/** Lets the mocked IPC promises settle without letting fake time pass. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await vi.advanceTimersByTimeAsync(0);
}

/** jsdom's focus() queues a « selectionchange » for the next millisecond: let it pass before counting timers. */
async function focusSettled(): Promise<void> {
  await vi.advanceTimersByTimeAsync(1);
}

async function wait(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
  await settle();
}

async function mountFake(handler?: Parameters<typeof mount>[0]): Promise<Mounted> {
  const m = await mount(handler);
  vi.useFakeTimers();
  return m;
}

const warning = (m: Mounted): HTMLElement => m.$('#idle-warning');
/** Whether the idle warning is on screen (until it first appears, it is not even built). */
const warningShown = (m: Mounted): boolean => m.root.querySelector<HTMLElement>('#idle-warning')?.hidden === false;

describe('attract screen', () => {
  it('is shown at start-up, with the town, the pitch and no step, and no timer runs', async () => {
    const m = await mountFake();
    expect(visibleScreen(m.root)).toBe('screen-attract');
    expect(m.app.current()).toBe('attract');
    expect(m.$('#title-attract').textContent).toBe('Ville de Sainte-Adèle');
    expect(m.$('#attract-pitch').textContent).toBe(
      'Inscrivez-vous aux alertes d’urgence de Sainte-Adèle\u00a0: en cas d’inondation, de panne prolongée ou d’avis d’ébullition, la ville vous joint par appel, SMS ou courriel.',
    );
    expect(m.$('#btn-start').textContent).toBe(t('attract.start', {}, 'fr'));
    expect(m.$('#step-indicator').hidden).toBe(true);
    expect(m.$('#btn-lang').hidden).toBe(false);
    expect(warningShown(m)).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    // Nobody there: no warning, however long.
    await wait(600_000);
    expect(warningShown(m)).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('goes to the home screen on « Touchez l’écran pour commencer »', async () => {
    const m = await mountFake();
    m.$('#btn-start').click();
    expect(visibleScreen(m.root)).toBe('screen-home');
    expect(document.activeElement?.id).toBe('title-home');
    await focusSettled();
    expect(vi.getTimerCount()).toBe(1);
  });

  it.each(['pointerdown', 'touchstart', 'keydown', 'click'])('goes to the home screen on %s anywhere on it', async (event) => {
    const m = await mountFake();
    m.$('#attract-pitch').dispatchEvent(new Event(event, { bubbles: true }));
    expect(visibleScreen(m.root)).toBe('screen-home');
  });

  it('swallows the click that ends the touch which left it, not the next one', async () => {
    const m = await mountFake();
    m.$('#btn-start').dispatchEvent(new Event('pointerdown', { bubbles: true }));
    expect(visibleScreen(m.root)).toBe('screen-home');
    // The home screen is built when first shown: its button exists from now on.
    const clicks = vi.fn();
    m.$('#btn-new-user').addEventListener('click', clicks);
    // Same touch: the click lands on what is now under the finger.
    m.$('#btn-new-user').click();
    expect(clicks).not.toHaveBeenCalled();
    expect(visibleScreen(m.root)).toBe('screen-home');
    // A new touch works.
    m.$('#btn-new-user').dispatchEvent(new Event('pointerdown', { bubbles: true }));
    m.$('#btn-new-user').click();
    expect(clicks).toHaveBeenCalledTimes(1);
    await settle();
    expect(visibleScreen(m.root)).toBe('screen-request');
  });

  it('keeps the language toggle, and translates its texts', async () => {
    const m = await mountFake();
    m.$('#btn-lang').click();
    expect(visibleScreen(m.root)).toBe('screen-attract');
    expect(m.$('#title-attract').textContent).toBe('Town of Sainte-Adèle');
    expect(m.$('#btn-start').textContent).toBe('Touch the screen to start');
    expect(m.$('#attract-pitch').textContent).toContain('Sign up for emergency alerts from Sainte-Adèle');
    m.$('#btn-lang').click();
    expect(m.$('#btn-start').textContent).toBe(t('attract.start', {}, 'fr'));
  });

  it('has a generic title when kiosk_info fails', async () => {
    const m = await mount((cmd) => {
      if (cmd === 'kiosk_info') throw { code: 'internal', message: '', fields: [], retry_after_seconds: null };
      return undefined;
    });
    expect(visibleScreen(m.root)).toBe('screen-attract');
    expect(m.$('#title-attract').textContent).toBe('Alertes d’urgence');
    expect(m.$('#attract-pitch').textContent).toContain('de votre ville');
  });

  it('is where « Annuler » and « Terminer » lead', async () => {
    const m = await mountFake();
    m.$('#btn-start').click();
    m.$('#btn-new-user').click();
    await settle();
    m.$('#btn-cancel-request').click();
    await settle();
    expect(visibleScreen(m.root)).toBe('screen-attract');
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('idle warning', () => {
  it('appears after idle_seconds without input, with the countdown, focus on its button', async () => {
    const m = await mountFake();
    m.$('#btn-start').click();
    await wait(89_000);
    expect(warningShown(m)).toBe(false);
    await wait(1000);
    const dialog = warning(m);
    expect(dialog.hidden).toBe(false);
    expect(dialog.getAttribute('role')).toBe('alertdialog');
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    expect(m.$(`#${dialog.getAttribute('aria-labelledby') ?? ''}`).textContent).toBe(t('idle.title', {}, 'fr'));
    expect(m.$('#idle-countdown').textContent).toBe('30');
    expect(m.$('#idle-message').textContent).toBe(
      'Pour protéger vos renseignements, tout sera effacé dans 30 secondes.',
    );
    expect(m.$('#btn-idle-continue').textContent).toBe('Continuer');
    expect(document.activeElement?.id).toBe('btn-idle-continue');
    // The rest of the page is out of reach.
    expect(m.root.querySelector('main')?.closest('[inert]')?.id).toBe('page');
    await wait(1000);
    expect(m.$('#idle-countdown').textContent).toBe('29');
    expect(m.$('#idle-message').textContent).toContain('dans 29 secondes');
  });

  it('is postponed by typing, touching, keys and the wheel', async () => {
    const m = await mountFake();
    m.$('#btn-start').click();
    m.$('#btn-new-user').click();
    await settle();
    await wait(80_000);
    type(m.$<HTMLInputElement>('#phone'), '514');
    await wait(80_000);
    expect(warningShown(m)).toBe(false);
    m.$('#phone').dispatchEvent(new Event('pointerdown', { bubbles: true }));
    await wait(80_000);
    m.$('#phone').dispatchEvent(new KeyboardEvent('keydown', { bubbles: true, key: '5' }));
    await wait(80_000);
    document.dispatchEvent(new Event('wheel'));
    await wait(89_000);
    expect(warningShown(m)).toBe(false);
    await wait(1000);
    expect(warningShown(m)).toBe(true);
  });

  it('is not cancelled by other input; « Continuer » hides it and restarts the wait', async () => {
    const m = await mountFake();
    m.$('#btn-start').click();
    m.$('#btn-new-user').click();
    await settle();
    type(m.$<HTMLInputElement>('#phone'), PHONE);
    await wait(90_000);
    expect(warningShown(m)).toBe(true);
    m.$('#phone').dispatchEvent(new Event('pointerdown', { bubbles: true }));
    document.dispatchEvent(new KeyboardEvent('keydown', { key: 'a' }));
    await wait(5000);
    expect(warningShown(m)).toBe(true);
    expect(m.$('#idle-countdown').textContent).toBe('25');

    m.$('#btn-idle-continue').click();
    await focusSettled();
    expect(warningShown(m)).toBe(false);
    expect(m.root.querySelector('main')?.closest('[inert]')).toBeNull();
    // Only the idle timer, started again.
    expect(vi.getTimerCount()).toBe(1);
    expect(m.$<HTMLInputElement>('#phone').value).toBe(PHONE);
    expect(visibleScreen(m.root)).toBe('screen-request');
    // The countdown did not go on behind the scenes.
    await wait(60_000);
    expect(m.count('reset_session')).toBe(0);
    await wait(29_000);
    expect(warningShown(m)).toBe(false);
    await wait(1000);
    expect(warningShown(m)).toBe(true);
    expect(m.$('#idle-countdown').textContent).toBe('30');
  });

  it('uses the durations of kiosk_info', async () => {
    const m = await mount(undefined, {
      town_name: 'Sainte-Adèle',
      town_designation: 'ville',
      english_enabled: true,
      consent_text_version: '2024-01',
      app_version: '0.1.0',
      idle_seconds: 45,
      idle_warning_seconds: 20,
      staff_enabled: false,
      enrolled: true,
      kiosk_name: 'Hôtel de ville',
      categories: [],
      send_hours: '08:00-21:00', privacy_officer: null, help: null,
    });
    vi.useFakeTimers();
    m.$('#btn-start').click();
    await wait(44_000);
    expect(warningShown(m)).toBe(false);
    await wait(1000);
    expect(m.$('#idle-countdown').textContent).toBe('20');
    await wait(20_000);
    expect(visibleScreen(m.root)).toBe('screen-attract');
    await focusSettled();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('re-translates with the language chosen before it appeared', async () => {
    const m = await mountFake();
    m.$('#btn-lang').click();
    m.$('#btn-start').click();
    await wait(90_000);
    expect(m.$('#idle-title').textContent).toBe('Are you still there?');
    expect(m.$('#idle-message').textContent).toBe('To protect your information, everything will be erased in 30 seconds.');
    expect(m.$('#btn-idle-continue').textContent).toBe('Continue');
  });
});

describe('wipe at the end of the countdown', () => {
  it('calls reset_session, erases everything of the resident and leaves no timer', async () => {
    sessionStorage.setItem('s', PHONE);
    localStorage.setItem('l', PHONE);
    const m = await mountFake((cmd) => {
      if (cmd === 'request_code') {
        return { mode: 'online', phone_display: PHONE, channel: 'sms', code_expires_at: 'x', fallback: null, resend_after_seconds: 60 };
      }
      if (cmd === 'delivery_status') return { state: 'sent', channel: 'sms', fallback: null };
      if (cmd === 'login') return outcome;
      return undefined;
    });
    m.$('#btn-lang').click();
    m.$('#btn-start').click();
    m.$('#btn-new-user').click();
    await settle();
    type(m.$<HTMLInputElement>('#phone'), PHONE);
    m.$<HTMLInputElement>('#channel-sms').click();
    type(m.$<HTMLInputElement>('#captcha-answer'), 'QWER');
    m.$<HTMLInputElement>('#consent').click();
    m.$('#btn-request-submit').click();
    await settle();
    expect(visibleScreen(m.root)).toBe('screen-code');
    type(m.$<HTMLInputElement>('#code'), '123456');
    m.$('#btn-code-submit').click();
    m.$('#btn-login').click();
    await settle();
    expect(visibleScreen(m.root)).toBe('screen-profile');
    const values = (): string[] =>
      Array.from(m.root.querySelectorAll<HTMLInputElement | HTMLSelectElement>('input, select')).map((el) => el.value);
    expect(values().some((v) => v.includes(PHONE) || v.includes('5145550199'))).toBe(true);

    await wait(90_000);
    expect(warningShown(m)).toBe(true);
    expect(m.count('reset_session')).toBe(0);
    await wait(29_000);
    expect(m.count('reset_session')).toBe(0);
    expect(m.$('#idle-countdown').textContent).toBe('1');
    await wait(1000);

    expect(m.count('reset_session')).toBe(1);
    expect(visibleScreen(m.root)).toBe('screen-attract');
    expect(m.app.current()).toBe('attract');
    for (const v of values()) {
      expect(v.includes(PHONE) || v.includes('5145550199') || v.includes('Tremblay')).toBe(false);
    }
    const body = document.body.textContent;
    expect(body).not.toContain(PHONE);
    expect(body).not.toContain('5145550199');
    expect(body).not.toContain('Tremblay');
    expect(m.root.querySelectorAll('tr.contact-row')).toHaveLength(0);
    expect(m.$<HTMLInputElement>('#consent').checked).toBe(false);
    expect(m.$('#captcha-img').hasAttribute('src')).toBe(false);
    // Step 6 was not reached (its screen is built when first shown): no summary anywhere.
    expect(m.root.querySelector('#confirmation')?.textContent ?? '').toBe('');
    expect(localStorage.length).toBe(0);
    expect(sessionStorage.length).toBe(0);
    // Dialog and countdown are gone, the page is usable again.
    expect(warningShown(m)).toBe(false);
    expect(m.$('#idle-countdown').textContent).toBe('');
    expect(m.$('#idle-message').textContent).toBe('');
    expect(m.root.querySelector('[inert]')).toBeNull();
    expect(document.activeElement?.id).toBe('title-attract');
    // The next resident starts in French.
    expect(currentLanguage()).toBe('fr');
    await focusSettled();
    expect(vi.getTimerCount()).toBe(0);
    // Nothing comes back later: no polling, no warning.
    const polls = m.count('delivery_status');
    await wait(600_000);
    expect(m.count('delivery_status')).toBe(polls);
    expect(m.count('reset_session')).toBe(1);
    expect(warningShown(m)).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a captcha arriving after the wipe is not shown', async () => {
    const captcha: { answer?: (v: unknown) => void } = {};
    const m = await mountFake((cmd) => {
      if (cmd === 'captcha_new') {
        return new Promise((resolve) => {
          captcha.answer = resolve;
        });
      }
      return undefined;
    });
    m.$('#btn-start').click();
    m.$('#btn-new-user').click();
    await settle();
    await wait(120_000);
    expect(visibleScreen(m.root)).toBe('screen-attract');
    expect(captcha.answer).toBeDefined();
    captcha.answer?.({ data_url: 'data:image/png;base64,LATE' });
    await settle();
    expect(m.$('#captcha-img').hasAttribute('src')).toBe(false);
  });
});

describe('clearBrowserStorage', () => {
  it('deletes every IndexedDB database and every cache', async () => {
    const deleted: string[] = [];
    const cachesDeleted: string[] = [];
    vi.stubGlobal('indexedDB', {
      databases: () => Promise.resolve([{ name: 'a', version: 1 }, { name: 'b', version: 1 }]),
      deleteDatabase: (name: string) => {
        deleted.push(name);
        return {};
      },
    });
    vi.stubGlobal('caches', {
      keys: () => Promise.resolve(['c1', 'c2']),
      delete: (key: string) => {
        cachesDeleted.push(key);
        return Promise.resolve(true);
      },
    });
    localStorage.setItem('x', '1');
    sessionStorage.setItem('y', '2');
    await clearBrowserStorage();
    expect(deleted).toEqual(['a', 'b']);
    expect(cachesDeleted).toEqual(['c1', 'c2']);
    expect(localStorage.length).toBe(0);
    expect(sessionStorage.length).toBe(0);
  });

  it('works where IndexedDB, databases() and Cache Storage are missing or failing', async () => {
    vi.stubGlobal('indexedDB', { deleteDatabase: () => ({}) });
    vi.stubGlobal('caches', { keys: () => Promise.reject(new Error('insecure')) });
    await expect(clearBrowserStorage()).resolves.toBeUndefined();
    vi.stubGlobal('indexedDB', undefined);
    vi.stubGlobal('caches', undefined);
    await expect(clearBrowserStorage()).resolves.toBeUndefined();
  });
});
