// Shared helpers for the vitest suites (not part of the app bundle).
import { mockIPC } from '@tauri-apps/api/mocks';
import { vi } from 'vitest';
import { mountApp, type App } from './app';
import type { Category, ContactPoint, KioskInfo, LoginOutcome, Profile } from './bindings';

export interface Call {
  cmd: string;
  args: unknown;
}

export type Handler = (cmd: string, args: unknown) => unknown;

/** The optional alert categories a town offers by default (`borne_domain::DEFAULT_CATEGORIES`), in order. */
export const CATEGORIES: Category[] = [
  { id: 'boil_water', label_fr: 'Avis d’ébullition', label_en: 'Boil-water notices' },
  { id: 'snow_removal', label_fr: 'Déneigement', label_en: 'Snow removal' },
  { id: 'street_closures', label_fr: 'Fermetures de rues', label_en: 'Street closures' },
  { id: 'collections', label_fr: 'Collectes', label_en: 'Waste collection' },
  { id: 'community', label_fr: 'Loisirs et vie communautaire', label_en: 'Recreation and community life' },
];

export const INFO: KioskInfo = {
  town_name: 'Sainte-Adèle',
  town_designation: 'ville',
  english_enabled: true,
  consent_text_version: '2024-01',
  app_version: '0.1.0',
  idle_seconds: 90,
  idle_warning_seconds: 30,
  staff_enabled: false,
  enrolled: true,
  kiosk_name: 'Hôtel de ville',
  categories: CATEGORIES,
  send_hours: '08:00-21:00', privacy_officer: null, help: null,
};

/** The one-time enrollment code the default `enroll_kiosk` mock accepts (hyphens optional). */
export const ENROLL_CODE = 'K7QX-M3PA-W9TR';
/** The name the default `enroll_kiosk` mock answers. */
export const ENROLLED_NAME = 'Bibliothèque municipale';

export function contact(partial: Partial<ContactPoint>): ContactPoint {
  return {
    active: true,
    description: '',
    kind: 'mobile',
    value: '',
    extension: '',
    extension_delay_seconds: null,
    order: 1,
    ...partial,
  };
}

export function emptyProfile(partial: Partial<Profile> = {}): Profile {
  return {
    name: '',
    first_name: '',
    language: 'fr',
    city: '',
    street: '',
    civic_number: '',
    apartment: '',
    postal_code: '',
    newsletter: false,
    contacts: [],
    categories: [],
    ...partial,
  };
}

/** Waits until pending promises (mocked IPC) have settled (without letting fake time pass, if faked). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    if (vi.isFakeTimers()) await vi.advanceTimersByTimeAsync(0);
    else await new Promise((r) => setTimeout(r, 0));
  }
}

export interface Mounted {
  app: App;
  root: HTMLElement;
  calls: Call[];
  count(cmd: string): number;
  $<T extends HTMLElement = HTMLElement>(selector: string): T;
}

/**
 * Mounts the app with a mocked IPC; `handler` may override any command (`connectivity` answers online).
 * The app's 5 s `connectivity` poll starts here: suites that fake timers only after mounting
 * do not see it in `vi.getTimerCount()`, which then counts the resident's timers only.
 */
export async function mount(handler: Handler = () => undefined, info: KioskInfo = INFO): Promise<Mounted> {
  const calls: Call[] = [];
  let captchas = 0;
  mockIPC((cmd, args) => {
    calls.push({ cmd, args });
    const result = handler(cmd, args);
    if (result !== undefined) return result;
    switch (cmd) {
      case 'kiosk_info':
        return info;
      case 'captcha_new':
        captchas += 1;
        return { data_url: `data:image/png;base64,CAPTCHA${captchas}` };
      case 'reset_session':
        return null;
      case 'connectivity':
        return { online: true, refused: false, update_ready: false };
      case 'enroll_kiosk': {
        const code = (args as { form: { code: string } }).form.code.replace(/-/g, '');
        if (code !== ENROLL_CODE.replace(/-/g, '')) {
          throw { code: 'enroll.invalid_code', message: 'unknown code', fields: [], retry_after_seconds: null };
        }
        return { kiosk_name: ENROLLED_NAME };
      }
      default:
        throw new Error(`unexpected command ${cmd}`);
    }
  });
  document.body.innerHTML = '<div id="app"></div>';
  const root = document.getElementById('app');
  if (!root) throw new Error('no root');
  const app = mountApp(root);
  await app.ready;
  await flush();
  return {
    app,
    root,
    calls,
    count: (cmd) => calls.filter((c) => c.cmd === cmd).length,
    $: <T extends HTMLElement = HTMLElement>(selector: string): T => {
      const el = root.querySelector<T>(selector);
      if (!el) throw new Error(`missing ${selector}`);
      return el;
    },
  };
}

/**
 * Types `text` on the on-screen keyboard (`#osk`), key by key, into the field that has the focus:
 * Shift before each capital, « Espace » for spaces.
 */
export function typeOnKeys(m: Mounted, text: string): void {
  for (const char of text) {
    if (char === ' ') {
      m.$('#osk [data-key="space"]').click();
      continue;
    }
    const lower = char.toLocaleLowerCase('fr-CA');
    const shifted = m.$('#osk').dataset.shift !== 'off';
    if (lower !== char && !shifted) m.$('#osk [data-key="shift"]').click();
    // A field of capitals only keeps Shift locked: its lowercase letters need Shift off.
    if (lower === char && char.toLocaleUpperCase('fr-CA') !== char && shifted) m.$('#osk [data-key="shift"]').click();
    m.$(`#osk [data-key="${char}"]`).click();
  }
}

/** Leaves the attract screen the way a resident does: touching its big button. */
export function start(m: Mounted): void {
  m.$('#btn-start').click();
}

export function type(el: HTMLInputElement | HTMLSelectElement, value: string): void {
  el.value = value;
  el.dispatchEvent(new Event('input', { bubbles: true }));
  el.dispatchEvent(new Event('change', { bubbles: true }));
}

export function labelText(root: ParentNode, forId: string): string {
  return root.querySelector(`label[for="${forId}"]`)?.textContent ?? '';
}

export function visibleScreen(root: ParentNode): string {
  const shown = Array.from(root.querySelectorAll<HTMLElement>('section.screen')).filter((s) => !s.hidden);
  return shown.map((s) => s.id).join(',');
}

const happyOutcome: LoginOutcome = {
  phone_display: '514 555-0100',
  existing_profile: false,
  profile: emptyProfile({ name: 'Gagnon', contacts: [contact({ value: '+15145550100' })] }),
  offline: false,
  pending_change: null,
};

/** An IPC handler where request_code, login and save_profile succeed: a resident can go through every step. */
export function happyPath(cmd: string): unknown {
  if (cmd === 'request_code') {
    return { mode: 'online', phone_display: '514 555-0100', channel: 'sms', code_expires_at: 'x', fallback: null, resend_after_seconds: 60 };
  }
  if (cmd === 'delivery_status') return { state: 'sent', channel: 'sms', fallback: null };
  if (cmd === 'login') return happyOutcome;
  if (cmd === 'save_profile') return { mode: 'online', profile: happyOutcome.profile, saved_at: '2024-05-01T12:00:00Z' };
  return undefined;
}
