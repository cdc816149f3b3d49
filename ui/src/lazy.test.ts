// Start-up: only the attract screen is built; every other screen, the dialogs and the on-screen keyboard's
// keys are built the first time they are needed — in the language of the moment, under the resident's
// display settings, and wiped with the session like the rest.
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mountApp, type ScreenId } from './app';
import type { KioskInfo } from './bindings';
import { currentLanguage, setLanguage, t } from './i18n';
import { flush, happyPath, INFO, labelText, mount, type Mounted, type, visibleScreen } from './test-helpers';

beforeEach(() => {
  setLanguage('fr');
});
afterEach(() => {
  vi.useRealTimers();
  clearMocks();
});

const ALL: ScreenId[] = ['attract', 'home', 'request', 'code', 'login', 'profile', 'done', 'staff'];

/** The screens in the document, in document order. */
function screensBuilt(m: Mounted): string[] {
  return Array.from(m.root.querySelectorAll('section.screen'), (s) => s.id);
}

describe('start-up', () => {
  it('builds only the header and the attract screen, configured from kiosk_info', async () => {
    const m = await mount(undefined, { ...INFO, staff_enabled: true });
    expect(screensBuilt(m)).toEqual(['screen-attract']);
    expect(visibleScreen(m.root)).toBe('screen-attract');
    expect(m.$('#title-attract').textContent).toBe('Ville de Sainte-Adèle');
    expect(m.$('#town-name').textContent).toBe('Ville de Sainte-Adèle');
    expect(m.$('#btn-staff').hidden).toBe(false);
    expect(m.$('#btn-lang').hidden).toBe(false);
    // No dialog yet, and the on-screen keyboard is there without its keys.
    expect(m.root.querySelector('#idle-warning')).toBeNull();
    expect(m.root.querySelector('#staff-pin-dialog')).toBeNull();
    expect(m.$('#osk').hidden).toBe(true);
    expect(m.$('#osk').querySelector('button')).toBeNull();
    expect(m.$('#osk').dataset.shift).toBe('off');
    expect(m.$('#osk').dataset.layout).toBe('text');
    // kiosk_info is asked first: its answer travels while the attract screen is being built.
    expect(m.calls[0]?.cmd).toBe('kiosk_info');
  });

  it('puts nothing in the page before kiosk_info has answered: the first screen laid out is the configured one', async () => {
    let answer: (info: KioskInfo) => void = () => undefined;
    const info = new Promise<KioskInfo>((resolve) => {
      answer = resolve;
    });
    const asked: string[] = [];
    mockIPC((cmd) => {
      asked.push(cmd);
      if (cmd === 'kiosk_info') return info;
      if (cmd === 'connectivity') return { online: true, refused: false, update_ready: false };
      return null;
    });
    document.body.innerHTML = '<div id="app"></div>';
    const root = document.getElementById('app') as HTMLElement;
    const app = mountApp(root);
    await flush();
    expect(asked).toEqual(['kiosk_info', 'connectivity']);
    expect(root.childElementCount).toBe(0);
    answer({ ...INFO, town_name: 'Val-David' });
    await app.ready;
    expect(visibleScreen(root)).toBe('screen-attract');
    expect(root.querySelector('#title-attract')?.textContent).toBe('Ville de Val-David');
    expect(document.activeElement?.id).toBe('title-attract');
  });

  it('builds a screen when it is first shown, once, in its place whatever the order', async () => {
    const m = await mount();
    m.app.show('staff');
    const staff = m.$('#screen-staff');
    m.app.show('request');
    m.app.show('home');
    expect(screensBuilt(m)).toEqual(['screen-attract', 'screen-home', 'screen-request', 'screen-staff']);
    expect(visibleScreen(m.root)).toBe('screen-home');
    m.app.show('staff');
    expect(m.$('#screen-staff')).toBe(staff);
    expect(m.root.querySelectorAll('#screen-staff')).toHaveLength(1);
    m.app.buildAll();
    expect(screensBuilt(m)).toEqual(ALL.map((s) => `screen-${s}`));
    expect(visibleScreen(m.root)).toBe('screen-staff');
    // The dialogs go after the keyboard, in the same order as ever; both hidden.
    expect(Array.from(m.root.children, (el) => el.id || el.tagName.toLowerCase())).toEqual([
      'header',
      'page',
      'osk',
      'idle-warning',
      'staff-pin-dialog',
    ]);
    expect(m.$('#idle-warning').hidden).toBe(true);
    expect(m.$('#staff-pin-dialog').hidden).toBe(true);
    // Every id is unique.
    const ids = Array.from(m.root.querySelectorAll('[id]'), (el) => el.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('makes the keyboard keys when it is first shown', async () => {
    const m = await mount();
    m.app.show('profile');
    m.$('#name').focus();
    expect(m.$('#osk').hidden).toBe(false);
    expect(m.$('#osk [data-key="a"]').textContent).toBe('a');
  });
});

describe('screens built after a setting was changed', () => {
  it('are built in the language chosen on the attract screen, and follow the next toggle', async () => {
    const m = await mount(happyPath);
    m.$('#btn-lang').click();
    expect(currentLanguage()).toBe('en');
    m.$('#btn-start').click();
    expect(m.$('#title-home').textContent).toBe('Welcome to the citizen portal');
    expect(m.$('#btn-new-user').textContent).toBe('New user');
    m.$('#btn-new-user').click();
    await flush();
    expect(labelText(m.root, 'phone')).toBe('Phone number where you can be reached');
    expect(m.$('#btn-request-submit').textContent).toBe('Confirm');
    expect(m.$<HTMLImageElement>('#captcha-img').alt).toBe('Security code to copy');
    expect(m.$('#step-indicator').textContent).toBe('Step 1 of 5');
    // The form (built later still): the newsletter names the town, the categories are in English.
    m.app.show('profile');
    expect(m.$('#newsletter').parentElement?.textContent).toBe('Sainte-Adèle newsletter (optional)');
    expect(labelText(m.root, 'category-boil_water')).toBe('Boil-water notices');
    // Back to French: the screens built in English follow.
    m.$('#btn-lang').click();
    expect(m.$('#newsletter').parentElement?.textContent).toBe('Info Lettre de Sainte-Adèle (facultatif)');
    expect(labelText(m.root, 'category-boil_water')).toBe('Avis d’ébullition');
    expect(labelText(m.root, 'phone')).toBe('Numéro de téléphone où vous joindre');
    expect(m.$('#btn-new-user').textContent).toBe('Nouvel usager');
  });

  it('builds the dialogs in the language of the moment', async () => {
    const m = await mount(undefined, { ...INFO, staff_enabled: true });
    m.$('#btn-lang').click();
    m.$('#btn-staff').click();
    expect(m.$('#staff-pin-dialog').hidden).toBe(false);
    expect(m.$('#pin-title').textContent).toBe(t('staff.pin_title', {}, 'en'));
    m.$('#btn-lang').click();
    expect(m.$('#pin-title').textContent).toBe(t('staff.pin_title', {}, 'fr'));
  });

  it('keep the text size and the contrast chosen before they were built', async () => {
    const m = await mount();
    m.$('#btn-text-size-larger').click();
    m.$('#btn-contrast').click();
    m.$('#btn-start').click();
    m.$('#btn-new-user').click();
    await flush();
    // The settings live on the root element, which every screen built later is under.
    const html = document.documentElement;
    expect(html.dataset.textSize).toBe('larger');
    expect(html.dataset.contrast).toBe('high');
    expect(m.$('#screen-request').closest('html')).toBe(html);
    expect(m.$('#btn-text-size-larger').getAttribute('aria-pressed')).toBe('true');
    expect(m.$('#btn-contrast').getAttribute('aria-pressed')).toBe('true');
  });
});

describe('the wipe', () => {
  it('clears the screens built, and a screen built after it starts empty', async () => {
    const m = await mount(happyPath);
    m.$('#btn-lang').click();
    m.$('#btn-start').click();
    m.$('#btn-new-user').click();
    await flush();
    type(m.$<HTMLInputElement>('#phone'), '514 555-0100');
    m.$<HTMLInputElement>('#channel-sms').click();
    type(m.$<HTMLInputElement>('#captcha-answer'), 'QWER');
    m.$<HTMLInputElement>('#consent').click();
    m.$('#btn-request-submit').click();
    await flush();
    type(m.$<HTMLInputElement>('#code'), '123456');
    m.$('#btn-code-submit').click();
    m.$('#btn-login').click();
    await flush();
    expect(visibleScreen(m.root)).toBe('screen-profile');
    m.$<HTMLInputElement>('#category-snow_removal').click();
    m.$('#btn-profile-submit').click();
    await flush();
    expect(visibleScreen(m.root)).toBe('screen-done');
    expect(m.$('#confirmation').textContent).toContain('Gagnon');
    m.$('#btn-text-size-large').click();

    await m.app.wipe();

    expect(visibleScreen(m.root)).toBe('screen-attract');
    expect(currentLanguage()).toBe('fr');
    expect(document.documentElement.dataset.textSize).toBe('normal');
    for (const el of m.root.querySelectorAll<HTMLInputElement>('input')) {
      if (el.type === 'checkbox' || el.type === 'radio') expect(el.checked, el.id).toBe(el.id === 'categories-emergency');
      else expect(el.value, el.id).toBe('');
    }
    expect(m.root.querySelectorAll('tr.contact-row')).toHaveLength(0);
    expect(m.$('#confirmation').textContent).toBe('');
    expect(m.$('#code-sent').textContent).toBe('');
    expect(document.body.textContent).not.toContain('514 555-0100');
    // Back in French, built or not.
    expect(m.$('#btn-new-user').textContent).toBe('Nouvel usager');
    expect(m.$('#title-done').textContent).toBe('Votre inscription est confirmée');
    // Never needed by this resident, still not built; built now, it is empty and in French.
    expect(m.root.querySelector('#screen-staff')).toBeNull();
    m.app.show('staff');
    expect(m.$('#staff-sync-status').textContent).toBe('');
    expect(m.$('#staff-pending').textContent).toBe('—');
    expect(m.$('#title-staff').textContent).toBe(t('staff.title', {}, 'fr'));
  });
});
