import type {
  Category,
  Channel,
  CodeRequestForm,
  CodeRequestOutcome,
  CodeSent,
  Connectivity,
  DeliveryState,
  DeliveryStatus,
  Enrolled,
  ErrorBody,
  Fallback,
  KioskInfo,
  Language,
  LoginOutcome,
  PendingChange,
  Profile,
  ProfileOutcome,
  QueueStatus,
  Queued,
  SavedProfile,
} from './bindings';
import { createDisplaySettings } from './a11y';
import { createContactsEditor, type ContactsEditor } from './contacts';
import { byId, h } from './dom';
import { formatDateTime, formatPhone } from './format';
import { currentLanguage, errorMessage, setLanguage, t, type TranslationKey } from './i18n';
import { api, toErrorBody } from './ipc';
import { createKeyboard, keyboardAttrs } from './keyboard';
import {
  applyTranslations,
  button,
  clearErrorsOfControl,
  clearFieldError,
  clearFieldErrors,
  errorElement,
  fieldBlock,
  input,
  setI18n,
  showFieldError,
} from './ui';

export type ScreenId = 'attract' | 'home' | 'request' | 'code' | 'login' | 'profile' | 'done' | 'staff';

const STEPS: Record<ScreenId, number> = { attract: 0, home: 0, request: 1, code: 2, login: 3, profile: 4, done: 5, staff: 0 };
const TOTAL_STEPS = 5;
/** Offline from step 1: no code to type, straight to the form (steps 2 and 3 of 3). */
const OFFLINE_STEPS: Record<ScreenId, number> = {
  attract: 0,
  home: 0,
  request: 1,
  code: 0,
  login: 0,
  profile: 2,
  done: 3,
  staff: 0,
};
const OFFLINE_TOTAL_STEPS = 3;
/** How often `connectivity` is asked, on every screen, for the offline banner. */
export const CONNECTIVITY_POLL_MS = 5000;
const UNREACHABLE = 'central.unreachable';
/** Stands for the reference number inside its translated sentence (replaced by an element). */
const REFERENCE_MARK = '\u0000reference\u0000';
const NEW_CODE_ERRORS = new Set(['login.code_expired', 'login.code_burned']);
const RATE_LIMITED = 'rate_limited';
/** How often `delivery_status` is asked while step 3 is shown. */
export const POLL_MS = 3000;
/** After these, the delivery will not change any more: polling stops. */
const FINAL_STATES: ReadonlySet<DeliveryState> = new Set<DeliveryState>(['delivered', 'failed', 'expired', 'superseded']);
/** Used until kiosk_info has answered (same defaults as the Rust side). */
const DEFAULT_IDLE_SECONDS = 90;
const DEFAULT_IDLE_WARNING_SECONDS = 30;
/** Any of these on the document means someone is still there. */
const ACTIVITY_EVENTS = ['pointerdown', 'touchstart', 'keydown', 'input', 'wheel'] as const;
/** Touching the attract screen: any of these goes to the home screen. */
const START_EVENTS = ['pointerdown', 'touchstart', 'keydown', 'click'] as const;
/** How often `queue_status` is asked while the staff panel is shown. */
export const STAFF_POLL_MS = 5000;
/** Longest PIN the keypad takes. */
const PIN_MAX_LENGTH = 12;
/** Dot shown for each digit typed (the digits themselves are never shown). */
const PIN_DOT = '●';
const STAFF_LOCKED = 'staff.locked';
const STAFF_REQUIRED = 'staff.required';
const ENROLL_UNREACHABLE = 'enroll.unreachable';

function positiveSeconds(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? Math.ceil(value) : fallback;
}

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

export interface App {
  /** Resolves once kiosk_info has been loaded (or failed) and the configured attract screen is in the page. */
  ready: Promise<void>;
  current(): ScreenId;
  show(screen: ScreenId): void;
  /** The contact points of the form (step 5): asking for it builds that screen if it is not yet. */
  readonly contacts: ContactsEditor;
  /** Builds now every screen and dialog not built yet (each is otherwise built when first needed). */
  buildAll(): void;
  /** Same as pressing « Annuler ». */
  reset(): Promise<void>;
  /** Ends the idle warning's countdown now: the same wipe as when it reaches 0. */
  wipe(): Promise<void>;
}

interface State {
  info: KioskInfo | null;
  screen: ScreenId;
  codeSent: CodeSent | null;
  outcome: LoginOutcome | null;
  saved: SavedProfile | null;
  bannerCodes: string[];
  /** Seconds left of the wait asked by the server (counts down); null for none. */
  retryAfter: number | null;
  /** Bumped on every reset: a reply arriving after it belongs to the previous resident. */
  session: number;
  /** Where the code really goes, from CodeSent then updated by delivery_status. */
  delivery: { channel: Channel; fallback: Fallback | null } | null;
  /** Seconds before another code may be asked (step 3). */
  resendLeft: number;
  resendBusy: boolean;
  /** Whether the central server answers (kiosk-wide: kept across residents, follows `connectivity`). */
  online: boolean;
  /** The central server answers but refuses this kiosk (not enrolled, or revoked); follows `connectivity`. */
  refused: boolean;
  /**
   * Offline variant of this resident's form: `request` when step 1 went straight to the form (no code),
   * `login` when the code typed could not be checked. Null online.
   */
  offline: 'request' | 'login' | null;
  /** The number shown on the form (offline variant) and put as first contact when there is none. */
  phoneDisplay: string | null;
  /** An offline registration for this number waiting for the verified owner's decision. */
  pendingChange: PendingChange | null;
  /** Saved in the kiosk's queue instead of the central server (offline confirmation). */
  queued: Queued | null;
  /** Staff mode is open (PIN accepted); it ends with the session (reset_session). */
  staff: boolean;
  /** This resident is signed up by a staff member: no captcha, consent recorded as staff-assisted. */
  assisted: boolean;
  /** The kiosk's queue, for the staff panel. */
  queue: QueueStatus | null;
}

function screen(id: ScreenId, title: TranslationKey, children: Node[]): HTMLElement {
  return h('section', { class: 'screen', id: `screen-${id}`, hidden: true, 'aria-labelledby': `title-${id}` }, [
    h('h1', { id: `title-${id}`, tabindex: '-1', i18n: title }),
    ...children,
  ]);
}

function requiredNote(): HTMLElement {
  return h('p', { class: 'required-note', i18n: 'app.required_note' });
}

function buttonRow(children: Node[]): HTMLElement {
  return h('div', { class: 'button-row' }, children);
}

function form(id: string, children: Node[]): HTMLFormElement {
  return h('form', { id, novalidate: true, autocomplete: 'off' }, children);
}

/**
 * A piece of the UI (a screen, a dialog) built the first time it is needed. At start only the header and
 * the attract screen are built, so that the kiosk's first screen is drawn sooner; a resident takes seconds
 * to reach any other. Until a part is built, a comment holds its place in the document: the elements keep
 * the same order whatever is built first.
 *
 * The rule that keeps this simple: a part is built, translated into the language of the moment, then
 * `draw` draws it from the app's state. What draws the state (a language change, the kiosk's information,
 * the session wipe) skips the parts not built yet (`built` is null); what acts on a part the resident is
 * using asks for it with `get()`.
 */
interface Part<T extends { element: HTMLElement }> {
  /** Holds the part's place in the document until it is built. */
  readonly slot: Comment;
  /** The part, or null while it has not been needed yet. */
  readonly built: T | null;
  /** The part, built and put in its place now if it was not yet. */
  get(): T;
}

function part<T extends { element: HTMLElement }>(name: string, build: () => T, draw?: (built: T) => void): Part<T> {
  const slot = document.createComment(name);
  let value: T | null = null;
  return {
    slot,
    get built(): T | null {
      return value;
    },
    get(): T {
      if (value === null) {
        value = build();
        slot.replaceWith(value.element);
        // `h` translates what it creates; this also covers texts only a retranslation sets (an `alt`, say).
        applyTranslations(value.element);
        draw?.(value);
      }
      return value;
    },
  };
}

export function mountApp(root: HTMLElement): App {
  // Asked before anything is built: the answer travels while the attract screen is being made.
  const kioskInfo = api.kioskInfo();
  const state: State = {
    info: null,
    screen: 'attract',
    codeSent: null,
    outcome: null,
    saved: null,
    bannerCodes: [],
    retryAfter: null,
    session: 0,
    delivery: null,
    resendLeft: 0,
    resendBusy: false,
    online: true,
    refused: false,
    offline: null,
    phoneDisplay: null,
    pendingChange: null,
    queued: null,
    staff: false,
    assisted: false,
    queue: null,
  };
  // Every timer of the resident's session; all of them are cleared by reset() (the kiosk-wide
  // `connectivity` poll, started at the end of mountApp, is not: it runs while the app is mounted).
  let bannerTimer: ReturnType<typeof setInterval> | null = null;
  let pollTimer: ReturnType<typeof setTimeout> | null = null;
  let pollGeneration = 0;
  let countdownTimer: ReturnType<typeof setInterval> | null = null;
  // Idle: `idleTimer` runs on every screen but attract; `idleWarningTimer` counts the warning down.
  let idleTimer: ReturnType<typeof setTimeout> | null = null;
  let idleWarningTimer: ReturnType<typeof setInterval> | null = null;
  let idleLeft = 0;
  let focusBeforeWarning: HTMLElement | null = null;
  // Staff: the PIN dialog closes itself when left alone; a lock counts down; the panel asks queue_status.
  let pinIdleTimer: ReturnType<typeof setTimeout> | null = null;
  let pinLockTimer: ReturnType<typeof setInterval> | null = null;
  /** Seconds left of the lock after too many wrong PINs; null for none. */
  let pinLockLeft: number | null = null;
  /** The message of the PIN dialog: an error code, or a text of the dialog itself. */
  let pinMessage: { code: string } | { key: TranslationKey } | null = null;
  let pinBusy = false;
  /** Bumped when the PIN dialog closes: a reply arriving after it is for a dialog no longer there. */
  let pinGeneration = 0;
  let staffTimer: ReturnType<typeof setTimeout> | null = null;
  let staffGeneration = 0;
  let staffAsked = 0;
  let staffSyncing = false;
  /** A touch (pointerdown) left the attract screen: the click ending that same touch is swallowed. */
  let swallowClick = false;

  // ---------- header, banner, step indicator ----------
  const townName = h('p', { class: 'town', id: 'town-name' });
  const langButton = h('button', { id: 'btn-lang', type: 'button', class: 'btn btn-lang', i18n: 'app.lang_toggle', hidden: true });
  // Text size and high contrast: the resident's, on every screen, back to the defaults with the session.
  const display = createDisplaySettings(root.ownerDocument);
  const header = h('header', { class: 'topbar' }, [
    townName,
    h('div', { class: 'topbar-tools' }, [display.textSizeGroup, display.contrastButton, langButton]),
  ]);
  const stepIndicator = h('p', { id: 'step-indicator', class: 'step', hidden: true });
  const banner = h('div', { id: 'form-error', class: 'banner', role: 'alert', 'aria-live': 'assertive', hidden: true });
  // Kiosk-wide, on every screen: shown while `connectivity` says the central server is out of reach.
  const offlineBanner = h('div', { id: 'offline-banner', class: 'offline-banner', role: 'status', hidden: true });

  // ---------- 0. attract (made at start: the first screen) ----------
  const attractTitle = h('h1', { id: 'title-attract', class: 'attract-title', tabindex: '-1', i18n: 'attract.title_generic' });
  const attractPitch = h('p', { id: 'attract-pitch', class: 'attract-pitch', i18n: 'attract.pitch_generic' });
  const startButton = button('btn-start', 'attract.start', 'primary');
  startButton.classList.add('btn-start');
  // Not enrolled (or refused by the central server): no signup can go through, the start does nothing.
  const notEnrolled = h('p', { id: 'not-enrolled', class: 'notice not-enrolled', role: 'status', hidden: true });
  // Staff entry: discreet (an icon in a corner), named for assistive technologies, shown only with a staff PIN.
  const staffButton = h(
    'button',
    {
      id: 'btn-staff',
      type: 'button',
      class: 'btn-staff',
      'aria-haspopup': 'dialog',
      'aria-label': t('staff.entry'),
      'data-i18n': 'staff.entry',
      'data-i18n-attr': 'aria-label',
      hidden: true,
    },
    [h('span', { class: 'btn-staff-icon', 'aria-hidden': 'true' }, ['⚙'])],
  );
  const attract = h('section', { class: 'screen attract', id: 'screen-attract', hidden: true, 'aria-labelledby': 'title-attract' }, [
    attractTitle,
    attractPitch,
    notEnrolled,
    startButton,
    staffButton,
  ]);

  // ---------- every other screen, and the dialogs: each built when first needed (see `part`) ----------
  const homeScreen = part('screen-home', buildHome);
  const requestScreen = part('screen-request', buildRequest, renderAssisted);
  const codeScreen = part('screen-code', buildCode);
  const loginScreen = part('screen-login', buildLogin);
  const profileScreen = part('screen-profile', buildProfile, drawProfile);
  const doneScreen = part('screen-done', buildDone, renderSummary);
  const staffScreen = part('screen-staff', buildStaff, drawStaff);
  const screens: Record<ScreenId, Part<{ element: HTMLElement }>> = {
    attract: part('screen-attract', () => ({ element: attract })),
    home: homeScreen,
    request: requestScreen,
    code: codeScreen,
    login: loginScreen,
    profile: profileScreen,
    done: doneScreen,
    staff: staffScreen,
  };
  const idleDialog = part('idle-warning', buildIdleWarning);
  const pinDialog = part('staff-pin-dialog', buildPinDialog);
  const main = h('main', { class: 'content' }, [offlineBanner, stepIndicator, banner, ...Object.values(screens).map((s) => s.slot)]);
  // Docked at the bottom while a text field has the focus; the overlays (idle warning, PIN) go over it.
  const keyboard = createKeyboard(root);

  /**
   * Puts the UI in the page, once kiosk_info has answered (or failed; see `ready`): the page's first layout
   * is then the configured attract screen, never a generic one redrawn with the town's name a moment later.
   * That layout would also hold the answer up: WebKit lays out what the page holds before handling it.
   */
  function attach(): void {
    root.replaceChildren(header, main, keyboard.element, idleDialog.slot, pinDialog.slot);
  }

  // ---------- 1. home ----------
  function buildHome(): { element: HTMLElement } {
    const newUser = button('btn-new-user', 'home.new_user', 'primary');
    const forgot = button('btn-forgot', 'home.forgot', 'secondary');
    const element = screen('home', 'home.title', [
      h('p', { class: 'subtitle', i18n: 'home.subtitle' }),
      h('p', { class: 'intro', i18n: 'home.intro' }),
      h('div', { class: 'button-column' }, [newUser, forgot]),
    ]);
    newUser.addEventListener('click', () => void goRequest(false));
    forgot.addEventListener('click', () => void goRequest(false));
    return { element };
  }

  // ---------- 2. request a code ----------
  function buildRequest() {
    const phone = input({ type: 'tel', ...keyboardAttrs('numeric'), autocomplete: 'off' });
    const channelError = errorElement('error-channel', 'channel');
    const channelChoice = (value: Channel, title: TranslationKey, help: TranslationKey): HTMLElement => {
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
        h('div', { class: 'choice-text' }, [
          h('label', { for: id, i18n: title }),
          h('p', { class: 'help', id: `help-${id}`, i18n: help }),
        ]),
      ]);
    };
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
        channelError,
      ]),
      h('fieldset', { class: 'group', id: 'captcha-block' }, [
        h('legend', { i18n: 'request.security' }),
        h('div', { class: 'captcha-row' }, [captchaImg, captchaRefresh]),
        fieldBlock({ id: 'captcha-answer', field: 'captcha', label: 'request.captcha_answer', control: captchaAnswer, required: true }),
      ]),
      h('fieldset', { class: 'group' }, [
        h('legend', { i18n: 'request.conditions' }),
        h('div', { class: 'check' }, [
          consent,
          h('label', { for: 'consent', i18n: 'request.consent' }),
          h('span', { class: 'required-mark', 'aria-hidden': 'true' }, ['*']),
        ]),
        errorElement('error-consent', 'consent'),
      ]),
      buttonRow([submit, cancel]),
    ]);
    // Assisted signup (staff mode): said on screen, and the captcha block is hidden.
    const assistedNote = h('p', { id: 'assisted-note', class: 'notice', i18n: 'staff.assisted_note', hidden: true });
    const captchaBlock = byId(requestForm, 'captcha-block');
    const element = screen('request', 'request.title', [assistedNote, requestForm]);

    captchaRefresh.addEventListener('click', () => {
      clearErrorsOfControl(captchaAnswer);
      void refreshCaptcha();
    });
    requestForm.addEventListener('submit', (event) => {
      event.preventDefault();
      void withBusy(submit, submitRequest);
    });
    cancel.addEventListener('click', () => void reset());
    return { element, form: requestForm, phone, captchaImg, captchaAnswer, consent, assistedNote, captchaBlock };
  }

  // ---------- 3. type the code ----------
  function buildCode() {
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
      buttonRow([button('btn-code-submit', 'code.submit', 'primary', 'submit'), resendButton, cancel]),
      h('div', { id: 'resend-area', class: 'resend-area' }, [resendCountdown, buttonRow([resendSms, resendVoice])]),
    ]);
    const element = screen('code', 'code.title', [codeForm]);

    resendSms.addEventListener('click', () => void resend('sms', resendSms));
    resendVoice.addEventListener('click', () => void resend('voice', resendVoice));
    codeForm.addEventListener('submit', (event) => {
      event.preventDefault();
      submitCode();
    });
    resendButton.addEventListener('click', () => void goRequest(true));
    cancel.addEventListener('click', () => void reset());
    return { element, form: codeForm, code, sentText, fallbackText, deliveryStatus, resendCountdown, resendSms, resendVoice };
  }

  // ---------- 4. login ----------
  function buildLogin() {
    const phone = input({ type: 'tel', ...keyboardAttrs('numeric') });
    const code = input({ type: 'password', ...keyboardAttrs('numeric'), maxlength: 7 });
    const submit = button('btn-login', 'login.submit', 'primary', 'submit');
    const newCodeButton = button('btn-new-code', 'login.new_code', 'secondary');
    newCodeButton.hidden = true;
    const cancel = button('btn-cancel-login', 'common.cancel', 'ghost');
    const loginForm = form('form-login', [
      requiredNote(),
      fieldBlock({ id: 'login-phone', field: 'phone', label: 'login.phone', control: phone, required: true }),
      fieldBlock({ id: 'login-code', field: 'code', label: 'login.code', control: code, required: true }),
      buttonRow([submit, newCodeButton, cancel]),
    ]);
    const element = screen('login', 'login.title', [loginForm]);

    newCodeButton.addEventListener('click', () => {
      newCodeButton.hidden = true;
      void goRequest(true);
    });
    loginForm.addEventListener('submit', (event) => {
      event.preventDefault();
      void withBusy(submit, submitLogin);
    });
    cancel.addEventListener('click', () => void reset());
    return { element, form: loginForm, phone, code, newCodeButton };
  }

  // ---------- 5. profile ----------
  function buildProfile() {
    const name = input({ autocomplete: 'off' });
    const firstName = input();
    const language = h('select', {}, [
      h('option', { value: 'fr', i18n: 'lang.fr' }),
      h('option', { value: 'en', i18n: 'lang.en' }),
    ]);
    const city = input();
    const street = input();
    // Digits first; « ABC » on the keypad for a civic number such as 123A.
    const civicNumber = input({ ...keyboardAttrs('numeric'), 'data-keyboard-letters': 'true' });
    const apartment = input();
    const postalCode = input({ autocapitalize: 'characters' });
    const newsletter = h('input', { type: 'checkbox', id: 'newsletter', 'aria-describedby': 'help-newsletter' });
    const newsletterLabel = h('label', { for: 'newsletter', i18n: 'profile.newsletter' });
    // « Catégories d'alertes »: emergencies are always on (a checked checkbox that cannot be unticked);
    // the town's optional categories (kiosk_info) are ticked by the resident, none by default.
    const emergencyCategory = h('input', { type: 'checkbox', id: 'categories-emergency', checked: true, disabled: true });
    const categoriesHelp = h('p', { class: 'help', id: 'help-categories', i18n: 'profile.categories_help' });
    const categoriesList = h('div', { id: 'categories-list', class: 'categories-list' });
    const categoriesFieldset = h(
      'fieldset',
      { class: 'group categories', id: 'profile-categories', 'aria-describedby': 'help-categories error-categories' },
      [
        h('legend', { i18n: 'profile.categories' }),
        categoriesHelp,
        h('div', { class: 'check check-always' }, [
          emergencyCategory,
          h('label', { for: 'categories-emergency', i18n: 'profile.category_emergency' }),
        ]),
        categoriesList,
        errorElement('error-categories', 'categories'),
      ],
    );
    const contacts = createContactsEditor();
    const submit = button('btn-profile-submit', 'common.confirm', 'primary', 'submit');
    const cancel = button('btn-cancel-profile', 'common.cancel', 'ghost');
    const profileForm = form('form-profile', [
      requiredNote(),
      h('div', { class: 'grid' }, [
        fieldBlock({ id: 'name', field: 'name', label: 'profile.name', control: name, required: true }),
        fieldBlock({ id: 'first-name', field: 'first_name', label: 'profile.first_name', control: firstName }),
        fieldBlock({ id: 'language', field: 'language', label: 'profile.language', control: language, required: true }),
        fieldBlock({ id: 'city', field: 'city', label: 'profile.city', control: city, required: true }),
        fieldBlock({ id: 'street', field: 'street', label: 'profile.street', control: street }),
        fieldBlock({ id: 'civic-number', field: 'civic_number', label: 'profile.civic_number', control: civicNumber }),
        fieldBlock({ id: 'apartment', field: 'apartment', label: 'profile.apartment', control: apartment }),
        fieldBlock({ id: 'postal-code', field: 'postal_code', label: 'profile.postal_code', control: postalCode }),
      ]),
      h('div', { class: 'check' }, [newsletter, newsletterLabel]),
      h('p', { class: 'help', id: 'help-newsletter', i18n: 'profile.newsletter_help' }),
      categoriesFieldset,
      h('fieldset', { class: 'group' }, [
        h('legend', {}, [h('span', { i18n: 'profile.contacts' }), h('span', { class: 'required-mark', 'aria-hidden': 'true' }, [' *'])]),
        h('p', { class: 'help', id: 'help-contacts', i18n: 'profile.contacts_help' }),
        contacts.element,
      ]),
      buttonRow([submit, cancel]),
    ]);
    // Offline variant: the number (not verified) and why no code was asked.
    const profilePhone = h('p', { id: 'profile-phone', class: 'lead', hidden: true });
    const offlineNote = h('p', { id: 'offline-note', class: 'notice', hidden: true });
    // After login: an offline registration for this number waiting for the owner's decision.
    const pendingText = h('p', { id: 'pending-change-text', class: 'lead' });
    const pendingSummary = h('div', { id: 'pending-change-summary', class: 'summary' });
    const pendingAccept = button('pending-accept', 'pending.accept', 'primary');
    const pendingDiscard = button('pending-discard', 'pending.discard', 'secondary');
    const pendingPanel = h(
      'section',
      { id: 'pending-change', class: 'pending-change', role: 'region', 'aria-labelledby': 'pending-change-title', hidden: true },
      [
        h('h2', { id: 'pending-change-title', i18n: 'pending.title' }),
        pendingText,
        pendingSummary,
        buttonRow([pendingAccept, pendingDiscard]),
      ],
    );
    // Says what the decision did (empty, and unstyled, until then).
    const pendingResult = h('p', { id: 'pending-result', class: 'status-line', role: 'status' });
    const element = screen('profile', 'profile.title', [profilePhone, offlineNote, pendingResult, pendingPanel, profileForm]);

    pendingAccept.addEventListener('click', () => void decidePending(true, pendingAccept));
    pendingDiscard.addEventListener('click', () => void decidePending(false, pendingDiscard));
    profileForm.addEventListener('submit', (event) => {
      event.preventDefault();
      void withBusy(submit, submitProfile);
    });
    cancel.addEventListener('click', () => void reset());
    return {
      element,
      form: profileForm,
      name,
      firstName,
      language,
      city,
      street,
      civicNumber,
      apartment,
      postalCode,
      newsletter,
      newsletterLabel,
      emergencyCategory,
      categoriesHelp,
      categoriesList,
      contacts,
      profilePhone,
      offlineNote,
      pendingPanel,
      pendingText,
      pendingSummary,
      pendingAccept,
      pendingDiscard,
      pendingResult,
    };
  }

  /** The form as the state has it: the town, the categories offered, the offline notes, a pending change. */
  function drawProfile(): void {
    renderNewsletter();
    renderCategories();
    renderProfileNotes();
    renderPending();
  }

  // ---------- 6. done ----------
  function buildDone() {
    const confirmation = h('div', { id: 'confirmation', class: 'summary' });
    // Offline confirmation: when it will be sent, how the code will come, the reference to note.
    const offlineText = h('p', { id: 'done-offline-text', class: 'lead' });
    const referenceLine = h('p', { id: 'done-reference-line', class: 'reference' });
    const offline = h('div', { id: 'done-offline', class: 'done-offline', hidden: true }, [offlineText, referenceLine]);
    const finish = button('btn-finish', 'done.finish', 'primary');
    const element = screen('done', 'done.title', [offline, confirmation, buttonRow([finish])]);
    finish.addEventListener('click', () => void reset());
    return { element, title: byId(element, 'title-done'), confirmation, offline, offlineText, referenceLine };
  }

  // ---------- idle warning ----------
  function buildIdleWarning() {
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
      [
        h('div', { class: 'idle-box' }, [
          h('h2', { id: 'idle-title', class: 'idle-title', i18n: 'idle.title' }),
          countdown,
          message,
          continueButton,
        ]),
      ],
    );
    continueButton.addEventListener('click', continueAfterWarning);
    return { element, countdown, message, continueButton };
  }

  // ---------- staff panel ----------
  function buildStaff() {
    const staffValue = (id: string): HTMLElement => h('dd', { id });
    const pending = staffValue('staff-pending');
    const sending = staffValue('staff-sending');
    const acknowledged = staffValue('staff-acknowledged');
    const rejected = staffValue('staff-rejected');
    const oldest = staffValue('staff-oldest');
    const lastSync = staffValue('staff-last-sync');
    const lastError = staffValue('staff-last-error');
    const online = staffValue('staff-online');
    const staffRow = (label: TranslationKey, value: HTMLElement): Node[] => [h('dt', { i18n: label }), value];
    const syncStatus = h('p', { id: 'staff-sync-status', class: 'status-line', role: 'status' });
    const sync = button('btn-staff-sync', 'staff.sync', 'primary');
    const assisted = button('btn-staff-assisted', 'staff.assisted', 'primary');
    const close = button('btn-staff-close', 'staff.close', 'secondary');
    const exit = button('btn-staff-exit', 'staff.exit', 'ghost');
    exit.setAttribute('aria-expanded', 'false');
    exit.setAttribute('aria-controls', 'staff-exit-confirm');
    const exitQuestion = h('p', { id: 'staff-exit-question', class: 'lead', tabindex: '-1', i18n: 'staff.exit_question' });
    const exitConfirm = button('btn-staff-exit-confirm', 'staff.exit_confirm', 'primary');
    const exitCancel = button('btn-staff-exit-cancel', 'staff.exit_cancel', 'secondary');
    const exitPanel = h(
      'div',
      { id: 'staff-exit-confirm', class: 'staff-exit-confirm', role: 'group', 'aria-labelledby': 'staff-exit-question', hidden: true },
      [exitQuestion, buttonRow([exitConfirm, exitCancel])],
    );
    // Enrollment: the one-time code from `borne-central kiosk enroll` (e.g. K7QX-M3PA-W9TR).
    const enrollCurrent = h('p', { id: 'enroll-current', class: 'lead' });
    const enrollCode = input({ autocapitalize: 'characters', autocorrect: 'off', spellcheck: 'false', maxlength: 32 });
    const enrollSubmit = button('btn-enroll', 'staff.enroll_submit', 'primary', 'submit');
    const enrollStatus = h('p', { id: 'enroll-status', class: 'status-line', role: 'status' });
    const enrollForm = form('form-enroll', [
      fieldBlock({ id: 'enroll-code', field: 'code', label: 'staff.enroll_code', control: enrollCode, required: true, help: 'staff.enroll_code_help' }),
      buttonRow([enrollSubmit]),
    ]);
    const enrollSection = h('section', { id: 'staff-enroll', class: 'staff-enroll', 'aria-labelledby': 'staff-enroll-title' }, [
      h('h2', { id: 'staff-enroll-title', i18n: 'staff.enroll_title' }),
      enrollCurrent,
      enrollForm,
      enrollStatus,
    ]);
    const element = screen('staff', 'staff.title', [
      h('h2', { id: 'staff-queue-title', i18n: 'staff.queue_title' }),
      h('dl', { id: 'staff-status', class: 'staff-status' }, [
        ...staffRow('staff.pending', pending),
        ...staffRow('staff.sending', sending),
        ...staffRow('staff.acknowledged', acknowledged),
        ...staffRow('staff.rejected', rejected),
        ...staffRow('staff.oldest', oldest),
        ...staffRow('staff.last_sync', lastSync),
        ...staffRow('staff.last_error', lastError),
        ...staffRow('staff.central', online),
      ]),
      syncStatus,
      buttonRow([sync, assisted]),
      enrollSection,
      buttonRow([close, exit]),
      exitPanel,
    ]);

    sync.addEventListener('click', () => {
      void withStaffBusy(sync, syncQueueNow);
    });
    assisted.addEventListener('click', () => {
      if (!state.staff) return;
      // Step 1 for the resident at the screen, with a staff member: no captcha, consent recorded as assisted.
      state.assisted = true;
      void goRequest(false);
    });
    close.addEventListener('click', () => void reset());
    /** Codes are capitals and digits: what is typed (keys or a physical keyboard) becomes capitals. */
    enrollCode.addEventListener('input', () => {
      const upper = enrollCode.value.toLocaleUpperCase('fr-CA');
      if (upper === enrollCode.value) return;
      const { selectionStart, selectionEnd } = enrollCode;
      enrollCode.value = upper;
      if (selectionStart !== null && selectionEnd !== null) enrollCode.setSelectionRange(selectionStart, selectionEnd);
    });
    enrollForm.addEventListener('submit', (event) => {
      event.preventDefault();
      void withStaffBusy(enrollSubmit, submitEnrollment);
    });
    exit.addEventListener('click', () => {
      if (!state.staff) return;
      exitPanel.hidden = false;
      exit.setAttribute('aria-expanded', 'true');
      exitQuestion.focus();
    });
    exitCancel.addEventListener('click', () => {
      hideExitConfirm();
      exit.focus();
    });
    exitConfirm.addEventListener('click', () => {
      void withStaffBusy(exitConfirm, async () => {
        const session = state.session;
        try {
          // The app closes: nothing follows on success.
          await api.staffExit();
        } catch (e) {
          if (session !== state.session || state.screen !== 'staff') return;
          staffFailed(e);
        }
      });
    });
    return {
      element,
      pending,
      sending,
      acknowledged,
      rejected,
      oldest,
      lastSync,
      lastError,
      online,
      syncStatus,
      sync,
      assisted,
      close,
      exit,
      exitPanel,
      exitConfirm,
      enrollCurrent,
      enrollCode,
      enrollForm,
      enrollSubmit,
      enrollStatus,
    };
  }

  /** The panel as the state has it: the queue's figures, the kiosk's enrollment. */
  function drawStaff(): void {
    renderStaff();
    renderEnrollment();
  }

  // ---------- staff PIN dialog (on-screen keypad; a physical keyboard also works) ----------
  function buildPinDialog() {
    const pinInput = h('input', {
      id: 'pin-input',
      class: 'pin-input',
      type: 'password',
      // Its own keypad (below): no on-screen keyboard, no system keyboard.
      ...keyboardAttrs('none'),
      autocomplete: 'off',
      maxlength: PIN_MAX_LENGTH,
      'aria-describedby': 'pin-error',
    });
    // The dots stand for the digits typed; the input under them carries the value for assistive technologies.
    const dots = h('div', { id: 'pin-dots', class: 'pin-dots', 'aria-hidden': 'true' });
    const count = h('p', { id: 'pin-count', class: 'visually-hidden', role: 'status' });
    const error = h('div', { id: 'pin-error', class: 'pin-error', role: 'alert', 'aria-live': 'assertive' });
    const pinKey = (digit: string): HTMLButtonElement => {
      const key = h('button', { id: `pin-key-${digit}`, type: 'button', class: 'btn btn-secondary pin-key' }, [digit]);
      key.addEventListener('click', () => {
        typePin(digit);
      });
      return key;
    };
    const back = button('pin-key-back', 'staff.pin_back', 'secondary');
    back.classList.add('pin-key', 'pin-key-back');
    const submit = button('pin-submit', 'staff.pin_submit', 'primary', 'submit');
    submit.classList.add('pin-key', 'pin-submit');
    const cancel = button('pin-cancel', 'common.cancel', 'ghost');
    cancel.classList.add('pin-cancel');
    const pinForm = form('pin-form', [
      h('div', { class: 'pin-field' }, [
        h('label', { for: 'pin-input', class: 'pin-label', i18n: 'staff.pin_label' }),
        h('div', { class: 'pin-display' }, [dots, pinInput]),
      ]),
      count,
      error,
      h(
        'div',
        {
          class: 'pin-keypad',
          role: 'group',
          'aria-label': t('staff.keypad'),
          'data-i18n': 'staff.keypad',
          'data-i18n-attr': 'aria-label',
        },
        [...['1', '2', '3', '4', '5', '6', '7', '8', '9'].map(pinKey), back, pinKey('0'), submit],
      ),
      cancel,
    ]);
    const element = h(
      'div',
      {
        id: 'staff-pin-dialog',
        class: 'pin-overlay',
        role: 'dialog',
        'aria-modal': 'true',
        'aria-labelledby': 'pin-title',
        'aria-describedby': 'pin-help',
        hidden: true,
      },
      [
        h('div', { class: 'pin-box' }, [
          h('h2', { id: 'pin-title', class: 'pin-title', i18n: 'staff.pin_title' }),
          h('p', { id: 'pin-help', class: 'pin-help', i18n: 'staff.pin_help' }),
          pinForm,
        ]),
      ],
    );

    back.addEventListener('click', erasePinDigit);
    cancel.addEventListener('click', () => {
      closePinDialog(true);
    });
    pinInput.addEventListener('input', () => {
      setPin(pinInput.value);
      pinEdited();
    });
    pinForm.addEventListener('submit', (event) => {
      event.preventDefault();
      void submitPin();
    });
    // Physical keyboard, wherever the focus is in the dialog: digits, Backspace, Escape.
    element.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        closePinDialog(true);
        return;
      }
      if (event.target === pinInput || event.ctrlKey || event.metaKey || event.altKey) return;
      if (/^[0-9]$/.test(event.key)) {
        event.preventDefault();
        typePin(event.key);
      } else if (event.key === 'Backspace') {
        event.preventDefault();
        erasePinDigit();
      }
    });
    return { element, input: pinInput, dots, count, error, submit };
  }

  // ---------- rendering helpers ----------
  function renderTown(): void {
    const town = state.info?.town_name ?? '';
    townName.hidden = town === '';
    setI18n(townName, 'app.town', { town });
    if (town === '') {
      setI18n(attractTitle, 'attract.title_generic');
      setI18n(attractPitch, 'attract.pitch_generic');
    } else {
      setI18n(attractTitle, 'app.town', { town });
      setI18n(attractPitch, 'attract.pitch', { town });
    }
    renderNewsletter();
    renderCategories();
    langButton.hidden = !(state.info?.english_enabled ?? false);
    // No staff PIN configured: no staff entry at all.
    staffButton.hidden = !(state.info?.staff_enabled ?? false);
    renderInService();
    renderEnrollment();
  }

  /** The newsletter's label names the town. */
  function renderNewsletter(): void {
    const label = profileScreen.built?.newsletterLabel;
    if (label) setI18n(label, 'profile.newsletter', { town: state.info?.town_name ?? '' });
  }

  // ---------- « Catégories d'alertes » ----------
  /** The optional categories this town offers, in order (none until kiosk_info has answered). */
  function offeredCategories(): Category[] {
    return state.info?.categories ?? [];
  }

  /** A category's name in the current language. */
  function categoryLabel(c: Category): string {
    return currentLanguage() === 'en' ? c.label_en : c.label_fr;
  }

  /** The name of a category id (an id this kiosk does not offer is shown as is). */
  function categoryName(id: string): string {
    const c = offeredCategories().find((o) => o.id === id);
    return c ? categoryLabel(c) : id;
  }

  function categoryBoxes(): HTMLInputElement[] {
    const list = profileScreen.built?.categoriesList;
    return list ? Array.from(list.querySelectorAll<HTMLInputElement>('input[type="checkbox"]')) : [];
  }

  /** The ids ticked, in the order offered. */
  function chosenCategories(): string[] {
    return categoryBoxes()
      .filter((box) => box.checked)
      .map((box) => box.value);
  }

  /** Ticks exactly the given ids (ids not offered here are left out). */
  function tickCategories(ids: readonly string[]): void {
    for (const box of categoryBoxes()) box.checked = ids.includes(box.value);
  }

  /** One checkbox per offered category (`#category-<id>`); what was ticked stays ticked. */
  function renderCategories(): void {
    const profile = profileScreen.built;
    if (!profile) return;
    const ticked = chosenCategories();
    const offered = offeredCategories();
    profile.categoriesList.replaceChildren(
      ...offered.map((c) => {
        const id = `category-${c.id}`;
        const box = h('input', { type: 'checkbox', id, name: 'categories', value: c.id, 'aria-describedby': 'error-categories' });
        box.checked = ticked.includes(c.id);
        return h('div', { class: 'check' }, [box, h('label', { for: id, 'data-category': c.id }, [categoryLabel(c)])]);
      }),
    );
    // Nothing to choose: only the always-on line is shown.
    profile.categoriesHelp.hidden = offered.length === 0;
    profile.categoriesList.hidden = offered.length === 0;
  }

  /** The categories' names follow the language (they come from kiosk_info, not from the dictionaries). */
  function renderCategoryLabels(): void {
    const list = profileScreen.built?.categoriesList;
    if (!list) return;
    for (const label of list.querySelectorAll<HTMLLabelElement>('label[data-category]')) {
      label.textContent = categoryName(label.dataset.category ?? '');
    }
  }

  /** Not enrolled, or refused by the central server: a resident cannot sign up on this kiosk. */
  function outOfService(): boolean {
    return state.info?.enrolled === false || state.refused;
  }

  /** The attract screen says the kiosk is not in service instead of offering to start. */
  function renderInService(): void {
    const out = outOfService();
    notEnrolled.hidden = !out;
    startButton.hidden = out;
    attract.classList.toggle('out-of-service', out);
    if (!out) clearText(notEnrolled);
    else if (notEnrolled.dataset.i18n !== 'attract.not_enrolled') setI18n(notEnrolled, 'attract.not_enrolled');
  }

  /** The staff panel's « Inscription de la borne »: the kiosk's name, or that it is not enrolled. */
  function renderEnrollment(): void {
    const enrollCurrent = staffScreen.built?.enrollCurrent;
    if (!enrollCurrent) return;
    const info = state.info;
    if (!info) clearText(enrollCurrent);
    else if (!info.enrolled) setI18n(enrollCurrent, 'staff.enroll_none');
    else if (info.kiosk_name) setI18n(enrollCurrent, 'staff.enroll_current', { name: info.kiosk_name });
    else setI18n(enrollCurrent, 'staff.enroll_unnamed');
  }

  /** The banner's messages; `countdown` marks the one holding the seconds left. */
  function bannerEntries(): { text: string; countdown: boolean }[] {
    const seconds = state.retryAfter;
    const entries = state.bannerCodes.map((c) => {
      if (c !== RATE_LIMITED) return { text: errorMessage(c), countdown: false };
      // « Trop de demandes… dans N secondes »: the wait is part of the message itself.
      return seconds !== null
        ? { text: errorMessage(c, currentLanguage(), { seconds }), countdown: true }
        : { text: t('app.too_many_requests'), countdown: false };
    });
    if (seconds !== null && !state.bannerCodes.includes(RATE_LIMITED)) {
      entries.push({ text: t('app.retry_after', { seconds }), countdown: true });
    }
    return entries;
  }

  function renderBanner(): void {
    const entries = bannerEntries();
    banner.replaceChildren(...entries.map((e) => h('p', { 'data-countdown': e.countdown }, [e.text])));
    banner.hidden = entries.length === 0;
  }

  function stopBannerTimer(): void {
    if (bannerTimer !== null) clearInterval(bannerTimer);
    bannerTimer = null;
  }

  /** One second of the server's wait has passed; at 0 the wait (and « Trop de demandes ») goes away. */
  function tickBanner(): void {
    if (state.retryAfter === null || !root.isConnected) {
      stopBannerTimer();
      return;
    }
    state.retryAfter -= 1;
    if (state.retryAfter > 0) {
      const entry = bannerEntries().find((e) => e.countdown);
      const p = banner.querySelector<HTMLElement>('p[data-countdown]');
      if (entry && p) {
        // Only the number changes: screen readers need not re-read the alert every second.
        p.setAttribute('aria-live', 'off');
        p.textContent = entry.text;
      }
      return;
    }
    stopBannerTimer();
    state.retryAfter = null;
    state.bannerCodes = state.bannerCodes.filter((c) => c !== RATE_LIMITED);
    renderBanner();
  }

  function setBanner(codes: string[], retryAfter: number | null = null): void {
    stopBannerTimer();
    state.bannerCodes = codes;
    state.retryAfter = retryAfter !== null && retryAfter > 0 ? Math.ceil(retryAfter) : null;
    if (state.retryAfter !== null) bannerTimer = setInterval(tickBanner, 1000);
    renderBanner();
  }

  function renderStep(): void {
    // Offline from step 1, steps 2–4 (code, login) are skipped: « Étape 2 de 3 » is the form.
    const skipped = state.offline === 'request';
    const step = (skipped ? OFFLINE_STEPS : STEPS)[state.screen];
    stepIndicator.hidden = step === 0;
    setI18n(stepIndicator, 'app.step', { step, total: skipped ? OFFLINE_TOTAL_STEPS : TOTAL_STEPS });
  }

  // ---------- offline: banner, form notes, pending change ----------
  function renderOfflineBanner(): void {
    offlineBanner.hidden = state.online;
    if (state.online) clearText(offlineBanner);
    else if (offlineBanner.dataset.i18n !== 'app.offline_banner') setI18n(offlineBanner, 'app.offline_banner');
  }

  function setOnline(online: boolean): void {
    if (state.online === online) return;
    state.online = online;
    renderOfflineBanner();
  }

  function setRefused(refused: boolean): void {
    if (state.refused === refused) return;
    state.refused = refused;
    renderInService();
  }

  let connectivityAsked = 0;
  /** Asks `connectivity`; only the answer to the latest question counts. Failures keep the banner as it is. */
  /** install_update was asked and has not failed (it restarts the kiosk when it succeeds). */
  let updateAsked = false;

  async function refreshConnectivity(): Promise<void> {
    connectivityAsked += 1;
    const asked = connectivityAsked;
    let answer: Connectivity;
    try {
      answer = await api.connectivity();
    } catch {
      return;
    }
    if (asked !== connectivityAsked || !root.isConnected) return;
    setOnline(answer.online);
    setRefused(answer.refused);
    // A signed update waits: installed only between residents, on the attract screen (the kiosk restarts).
    if (answer.update_ready && state.screen === 'attract' && !updateAsked) {
      updateAsked = true;
      api.installUpdate().catch(() => {
        updateAsked = false;
      });
    }
  }

  /** A command failed: if the central server is out of reach, the banner is checked now rather than in 5 s. */
  function noticeError(body: ErrorBody): void {
    if (body.code === UNREACHABLE) void refreshConnectivity();
  }

  function renderProfileNotes(): void {
    const profile = profileScreen.built;
    if (!profile) return;
    const { profilePhone, offlineNote } = profile;
    const offline = state.offline;
    const phoneShown = offline !== null && state.phoneDisplay !== null;
    if (phoneShown) setI18n(profilePhone, 'profile.phone', { phone: state.phoneDisplay ?? '' });
    else clearText(profilePhone);
    profilePhone.hidden = !phoneShown;
    if (offline === null) clearText(offlineNote);
    else setI18n(offlineNote, offline === 'request' ? 'profile.offline_note' : 'profile.offline_note_login');
    offlineNote.hidden = offline === null;
  }

  function renderPending(): void {
    const profile = profileScreen.built;
    if (!profile) return;
    const { pendingPanel, pendingText, pendingSummary } = profile;
    const pending = state.pendingChange;
    pendingPanel.hidden = pending === null;
    if (!pending) {
      pendingText.replaceChildren();
      pendingSummary.replaceChildren();
      return;
    }
    pendingText.textContent = t('pending.text', { date: formatDateTime(pending.captured_at, currentLanguage()) });
    pendingSummary.replaceChildren(
      h('p', {}, [t('pending.intro')]),
      ...profileDetails(pending.profile, { full: false, heading: 'h3', contactsTitle: 'profile.contacts' }),
    );
  }

  function languageName(lang: Language): string {
    return t(lang === 'en' ? 'lang.en' : 'lang.fr');
  }

  /** Name, address and contact points of a profile, as a definition list and an ordered list. */
  function profileDetails(
    p: Profile,
    options: { full: boolean; heading: 'h2' | 'h3'; contactsTitle: TranslationKey },
  ): Node[] {
    const address = [
      [p.civic_number, p.street].filter(Boolean).join(' '),
      p.apartment ? `${t('profile.apartment')} ${p.apartment}` : '',
      p.city,
      p.postal_code,
    ]
      .filter(Boolean)
      .join(', ');
    const row = (key: TranslationKey, value: string): Node[] => [h('dt', {}, [t(key)]), h('dd', {}, [value])];
    const list = [...p.contacts].sort((a, b) => a.order - b.order);
    // Emergencies first (always included), then the chosen ones in the order offered.
    const offeredIds = offeredCategories().map((c) => c.id);
    const rank = (id: string): number => {
      const i = offeredIds.indexOf(id);
      return i === -1 ? offeredIds.length : i;
    };
    const chosen = [...new Set(p.categories)].sort((a, b) => rank(a) - rank(b));
    const categories = [t('profile.category_emergency'), ...chosen.map(categoryName)];
    return [
      h('dl', {}, [
        ...row('done.name', p.name),
        ...row('done.first_name', p.first_name),
        ...(options.full ? row('done.language', languageName(p.language)) : []),
        ...row('done.address', address),
        ...(options.full ? row('done.newsletter', t(p.newsletter ? 'done.yes' : 'done.no')) : []),
        h('dt', {}, [t('done.categories')]),
        h('dd', {}, [
          h(
            'ul',
            { class: 'summary-categories' },
            categories.map((name) => h('li', {}, [name])),
          ),
        ]),
      ]),
      h(options.heading, {}, [t(options.contactsTitle)]),
      h(
        'ol',
        { class: 'summary-contacts' },
        list.map((c) => {
          const parts = [
            t(`contacts.kind_${c.kind}` as TranslationKey),
            c.kind === 'email' ? c.value : formatPhone(c.value),
          ];
          if (c.extension) parts.push(t('done.extension', { extension: c.extension }));
          if (c.extension_delay_seconds !== null) {
            parts.push(t('done.delay', { seconds: c.extension_delay_seconds }));
          }
          if (c.description) parts.push(c.description);
          if (!c.active) parts.push(`(${t('done.inactive')})`);
          return h('li', { class: c.active ? '' : 'inactive' }, [parts.join(' — ')]);
        }),
      ),
    ];
  }

  /** Step 6: the summary of what was saved, and, when queued on this kiosk, the offline variant's texts. */
  function renderSummary(): void {
    const done = doneScreen.built;
    if (!done) return;
    const { confirmation, offlineText: doneOfflineText, referenceLine: doneReferenceLine } = done;
    const queued = state.queued;
    setI18n(done.title, queued ? 'done.title_offline' : 'done.title');
    done.offline.hidden = queued === null;
    if (queued) {
      const town = state.info?.town_name ?? '';
      doneOfflineText.textContent = [
        town === '' ? t('done.offline_town_generic') : t('done.offline_town', { town }),
        t(queued.channel === 'voice' ? 'done.offline_code_voice' : 'done.offline_code_sms', { phone: queued.phone_display }),
      ].join(' ');
      // « Numéro de référence : 7F3A-92C1 », the number in its own element (#done-reference).
      const [before = '', after = ''] = t('done.reference', { reference: REFERENCE_MARK }).split(REFERENCE_MARK);
      doneReferenceLine.replaceChildren(before, h('strong', { id: 'done-reference' }, [queued.reference]), after);
    } else {
      doneOfflineText.replaceChildren();
      doneReferenceLine.replaceChildren();
    }
    const p = state.saved?.profile ?? queued?.profile;
    if (!p) {
      confirmation.replaceChildren();
      return;
    }
    confirmation.replaceChildren(
      h('p', {}, [t('done.intro')]),
      ...profileDetails(p, { full: true, heading: 'h2', contactsTitle: 'done.contacts' }),
    );
  }

  function retranslate(): void {
    const lang = currentLanguage();
    document.documentElement.lang = lang;
    applyTranslations(root);
    renderCategoryLabels();
    renderBanner();
    renderSummary();
    renderPending();
    renderStaff();
    renderPinError();
  }

  function show(id: ScreenId): void {
    if (id !== 'code') stopCodeTimers();
    if (id !== 'staff') stopStaffPolling();
    // The PIN dialog belongs to the attract screen only.
    if (id !== 'attract') closePinDialog(false);
    state.screen = id;
    // Built now if it is the first time.
    screens[id].get();
    for (const [key, s] of Object.entries(screens)) {
      if (s.built) s.built.element.hidden = key !== id;
    }
    setBanner([]);
    renderStep();
    if (id === 'attract') {
      // Nobody is there: no timer at all runs on the attract screen.
      closeIdleWarning();
      stopIdleTimer();
    } else if (!idleWarningOpen()) {
      armIdleTimer();
    }
    if (id === 'staff') {
      hideExitConfirm();
      renderStaff();
      startStaffPolling();
    }
    if (!idleWarningOpen()) focusTitle();
  }

  /** The focus goes to the title of the screen shown, where a screen reader starts reading. */
  function focusTitle(): void {
    byId(screens[state.screen].get().element, `title-${state.screen}`).focus();
  }

  // ---------- idle: « Êtes-vous toujours là? », then the wipe ----------
  function idleWarningOpen(): boolean {
    const dialog = idleDialog.built;
    return dialog !== null && !dialog.element.hidden;
  }

  function stopIdleTimer(): void {
    if (idleTimer !== null) clearTimeout(idleTimer);
    idleTimer = null;
  }

  function stopIdleWarningTimer(): void {
    if (idleWarningTimer !== null) clearInterval(idleWarningTimer);
    idleWarningTimer = null;
  }

  /** (Re)starts the wait before the warning. */
  function armIdleTimer(): void {
    stopIdleTimer();
    if (state.screen === 'attract' || !root.isConnected) return;
    idleTimer = setTimeout(openIdleWarning, positiveSeconds(state.info?.idle_seconds, DEFAULT_IDLE_SECONDS) * 1000);
  }

  function renderIdleCountdown(): void {
    const { countdown, message } = idleDialog.get();
    countdown.textContent = String(idleLeft);
    setI18n(message, 'idle.message', { seconds: idleLeft });
  }

  function openIdleWarning(): void {
    idleTimer = null;
    if (!root.isConnected) {
      detachActivity();
      return;
    }
    if (state.screen === 'attract') return;
    idleLeft = positiveSeconds(state.info?.idle_warning_seconds, DEFAULT_IDLE_WARNING_SECONDS);
    renderIdleCountdown();
    const active = document.activeElement;
    focusBeforeWarning = active instanceof HTMLElement && root.contains(active) ? active : null;
    // Modal: everything behind it is out of reach until « Continuer ».
    setBackgroundInert(true);
    const dialog = idleDialog.get();
    dialog.element.hidden = false;
    dialog.continueButton.focus();
    stopIdleWarningTimer();
    idleWarningTimer = setInterval(tickIdleWarning, 1000);
  }

  function tickIdleWarning(): void {
    if (!root.isConnected) {
      stopIdleWarningTimer();
      detachActivity();
      return;
    }
    idleLeft = Math.max(0, idleLeft - 1);
    if (idleLeft > 0) {
      renderIdleCountdown();
      return;
    }
    stopIdleWarningTimer();
    void wipe();
  }

  /** Hides the warning and forgets its countdown (no timer left). */
  function closeIdleWarning(): void {
    stopIdleWarningTimer();
    const dialog = idleDialog.built;
    if (dialog) dialog.element.hidden = true;
    if (!pinDialogOpen()) setBackgroundInert(false);
    idleLeft = 0;
    if (dialog) {
      clearText(dialog.countdown);
      clearText(dialog.message);
    }
  }

  /** « Continuer »: the warning goes away, the wait starts again, the focus goes back where it was. */
  function continueAfterWarning(): void {
    if (!idleWarningOpen()) return;
    closeIdleWarning();
    const back = focusBeforeWarning;
    focusBeforeWarning = null;
    armIdleTimer();
    if (back?.isConnected) back.focus();
    else focusTitle();
  }

  /** Any input restarts the wait, except while the warning is shown (only its button answers it). */
  const onActivity = (event: Event): void => {
    if (!root.isConnected) {
      detachActivity();
      return;
    }
    // A new touch or key: the click of the touch that left the attract screen has passed.
    if (event.type === 'pointerdown' || event.type === 'keydown') swallowClick = false;
    if (pinDialogOpen()) armPinIdle();
    if (state.screen === 'attract' || idleWarningOpen()) return;
    armIdleTimer();
  };
  const onClickCapture = (event: Event): void => {
    if (!swallowClick) return;
    swallowClick = false;
    // The touch that left the attract screen must not also press what is now under the finger.
    event.preventDefault();
    event.stopImmediatePropagation();
  };
  function detachActivity(): void {
    for (const type of ACTIVITY_EVENTS) document.removeEventListener(type, onActivity, true);
    document.removeEventListener('click', onClickCapture, true);
    stopIdleTimer();
    stopIdleWarningTimer();
    stopPinIdle();
  }
  for (const type of ACTIVITY_EVENTS) document.addEventListener(type, onActivity, { capture: true, passive: true });
  document.addEventListener('click', onClickCapture, true);

  /** Touching the attract screen anywhere starts. */
  const onStart = (event: Event): void => {
    if (state.screen !== 'attract') return;
    // The staff entry sits on the attract screen: it opens the PIN dialog, not the home screen.
    if (event.target instanceof Node && staffButton.contains(event.target)) return;
    // Not in service: the notice says so; a signup could not go through.
    if (outOfService()) return;
    if (event.type === 'pointerdown' || event.type === 'touchstart') swallowClick = true;
    show('home');
  };
  for (const type of START_EVENTS) attract.addEventListener(type, onStart);

  /** Places field errors next to their fields; anything else goes to the banner. */
  function showErrors(error: unknown, scope: HTMLElement): ErrorBody {
    const body = toErrorBody(error);
    noticeError(body);
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
    setBanner(bannerCodes, body.retry_after_seconds);
    const control = first ? scope.querySelector<HTMLElement>(
          `:is(input, select, textarea)[aria-describedby~="${first.id}"]`,
        ) : null;
    control?.focus();
    return body;
  }

  async function withBusy(btn: HTMLButtonElement, work: () => Promise<void>): Promise<void> {
    if (btn.disabled) return;
    btn.disabled = true;
    btn.setAttribute('aria-busy', 'true');
    try {
      await work();
    } finally {
      btn.disabled = false;
      btn.removeAttribute('aria-busy');
    }
  }

  // ---------- captcha ----------
  async function refreshCaptcha(): Promise<void> {
    const { captchaImg, captchaAnswer } = requestScreen.get();
    captchaAnswer.value = '';
    // Assisted signup: no captcha at all.
    if (state.assisted) {
      captchaImg.removeAttribute('src');
      return;
    }
    const session = state.session;
    try {
      const img = await api.captchaNew();
      // Reset meanwhile: the image belongs to no one any more.
      if (session !== state.session) return;
      if (img.data_url.startsWith('data:image/')) captchaImg.src = img.data_url;
    } catch (e) {
      if (session !== state.session) return;
      captchaImg.removeAttribute('src');
      const body = toErrorBody(e);
      noticeError(body);
      // Keep the wait (if any) of the error already shown.
      setBanner([...state.bannerCodes.filter((c) => c !== body.code), body.code], state.retryAfter);
    }
  }

  // ---------- navigation ----------
  async function goRequest(keepTyped: boolean): Promise<void> {
    const request = requestScreen.get();
    if (!keepTyped) {
      request.form.reset();
      state.codeSent = null;
    }
    clearFieldErrors(request.element);
    renderAssisted();
    show('request');
    await refreshCaptcha();
  }

  function renderAssisted(): void {
    const request = requestScreen.built;
    if (!request) return;
    request.assistedNote.hidden = !state.assisted;
    request.captchaBlock.hidden = state.assisted;
  }

  /** Forgets the resident: in the parts built so far (a part built later starts empty). */
  function clearAll(): void {
    const profile = profileScreen.built;
    for (const s of [requestScreen, codeScreen, loginScreen, profileScreen]) s.built?.form.reset();
    for (const el of root.querySelectorAll<HTMLInputElement | HTMLSelectElement>('input, select')) {
      if (el instanceof HTMLInputElement && (el.type === 'checkbox' || el.type === 'radio')) el.checked = false;
      else if (el instanceof HTMLInputElement) el.value = '';
    }
    if (profile) {
      // Emergencies and civil security are always included, for every resident.
      profile.emergencyCategory.checked = true;
      profile.contacts.clear();
    }
    keyboard.reset();
    clearFieldErrors(root);
    requestScreen.built?.captchaImg.removeAttribute('src');
    clearCodeScreen();
    const login = loginScreen.built;
    if (login) login.newCodeButton.hidden = true;
    state.session += 1;
    state.codeSent = null;
    state.outcome = null;
    state.saved = null;
    state.offline = null;
    state.phoneDisplay = null;
    state.pendingChange = null;
    state.queued = null;
    // Staff mode ends with the session (the Rust side forgets it on reset_session too).
    state.staff = false;
    state.assisted = false;
    state.queue = null;
    stopStaffPolling();
    staffSyncing = false;
    const staff = staffScreen.built;
    if (staff) {
      clearText(staff.syncStatus);
      clearText(staff.enrollStatus);
      for (const btn of [staff.sync, staff.assisted, staff.exit, staff.exitConfirm, staff.close, staff.enrollSubmit]) {
        btn.disabled = false;
        btn.removeAttribute('aria-busy');
      }
    }
    hideExitConfirm();
    closePinDialog(false);
    renderAssisted();
    renderStaff();
    renderSummary();
    renderProfileNotes();
    renderPending();
    if (profile) {
      clearText(profile.pendingResult);
      for (const btn of [profile.pendingAccept, profile.pendingDiscard]) {
        btn.disabled = false;
        btn.removeAttribute('aria-busy');
      }
    }
    setBanner([]);
    closeIdleWarning();
    focusBeforeWarning = null;
  }

  /** « Annuler », « Terminer » and the end of the idle warning: nothing of the resident stays. */
  async function reset(): Promise<void> {
    // reset_session also ends staff mode; staff_logout says it outright.
    const logout = state.staff ? api.staffLogout().catch(() => null) : null;
    const pending = api.resetSession().catch(() => null);
    clearAll();
    // localStorage / sessionStorage are emptied synchronously; IndexedDB and caches follow.
    const storage = clearBrowserStorage();
    // The next resident starts in French, the default language, with the default text size and contrast.
    if (currentLanguage() !== 'fr') {
      setLanguage('fr');
      retranslate();
    }
    display.reset();
    show('attract');
    await Promise.all([logout, pending, storage]);
  }

  /** The idle warning ran out. */
  async function wipe(): Promise<void> {
    stopIdleTimer();
    stopIdleWarningTimer();
    await reset();
  }

  // ---------- header: the language ----------
  langButton.addEventListener('click', () => {
    setLanguage(currentLanguage() === 'fr' ? 'en' : 'fr');
    retranslate();
  });

  // ---------- step 1: « Confirmer » ----------
  async function submitRequest(): Promise<void> {
    const { element: request, phone, captchaAnswer, consent } = requestScreen.get();
    const assisted = state.assisted;
    const payload: CodeRequestForm = {
      phone: phone.value,
      channel: chosenChannel(),
      // Assisted: no captcha shown, none sent (the Rust side skips it in staff mode).
      captcha_answer: assisted ? '' : captchaAnswer.value,
      consent_accepted: consent.checked,
      language: currentLanguage(),
      staff_assisted: assisted,
    };
    const session = state.session;
    let outcome: CodeRequestOutcome;
    try {
      outcome = await api.requestCode(payload);
    } catch (e) {
      if (session !== state.session) return;
      showErrors(e, request);
      // Every request_code consumes the captcha, right or wrong.
      await refreshCaptcha();
      return;
    }
    // « Annuler » pressed meanwhile: this code belongs to no one on screen any more.
    if (session !== state.session) return;
    if (outcome.mode === 'offline') {
      // Central server out of reach: no code now, straight to the form (queued on this kiosk).
      void refreshConnectivity();
      state.codeSent = null;
      state.outcome = null;
      state.pendingChange = null;
      state.offline = 'request';
      goProfile(outcome.phone_display, outcome.profile);
      return;
    }
    state.offline = null;
    state.codeSent = outcome;
    goCode();
  }

  function chosenChannel(): Channel | null {
    const checked = requestScreen.built?.form.querySelector<HTMLInputElement>('input[name="channel"]:checked');
    return checked ? (checked.value as Channel) : null;
  }

  function goCode(): void {
    const sent = state.codeSent;
    if (!sent) return;
    const { element, code } = codeScreen.get();
    code.value = '';
    clearFieldErrors(element);
    show('code');
    trackCode(sent);
  }

  // ---------- step 3: where the code is, resending it ----------
  function clearText(el: HTMLElement): void {
    el.replaceChildren();
    delete el.dataset.i18n;
    delete el.dataset.i18nArgs;
  }

  function smsPossible(): boolean {
    return state.delivery?.fallback == null;
  }

  /** « Un mot de passe a été envoyé… » with the channel actually used, and why when it is not the one asked for. */
  function renderSent(): void {
    const { sentText, fallbackText, resendSms } = codeScreen.get();
    const sent = state.codeSent;
    const delivery = state.delivery;
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
    const { resendSms, resendVoice } = codeScreen.get();
    for (const [btn, c] of [[resendSms, 'sms'], [resendVoice, 'voice']] as const) {
      const on = c === channel;
      btn.classList.toggle('btn-primary', on);
      btn.classList.toggle('btn-secondary', !on);
      btn.classList.toggle('btn-suggested', on);
    }
  }

  function applyDelivery(status: DeliveryStatus): void {
    const delivery = state.delivery;
    if (delivery && (status.channel !== delivery.channel || (status.fallback !== null && status.fallback !== delivery.fallback))) {
      // E.g. the network refused the SMS: a call is coming instead.
      state.delivery = { channel: status.channel, fallback: status.fallback ?? delivery.fallback };
      renderSent();
    }
    const key = statusKey(status);
    const { deliveryStatus } = codeScreen.get();
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
        status = await api.deliveryStatus();
      } catch (e) {
        // Only a hint for the resident: keep the last status, never block.
        noticeError(toErrorBody(e));
      }
      if (generation !== pollGeneration || state.screen !== 'code' || !root.isConnected) return;
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
    const { resendCountdown, resendSms, resendVoice } = codeScreen.get();
    const waiting = state.resendLeft > 0;
    resendCountdown.hidden = !waiting;
    if (waiting) setI18n(resendCountdown, 'code.resend_countdown', { seconds: state.resendLeft });
    else clearText(resendCountdown);
    for (const btn of [resendSms, resendVoice]) {
      btn.disabled = waiting || state.resendBusy;
      if (waiting) btn.setAttribute('aria-describedby', 'resend-countdown');
      else btn.removeAttribute('aria-describedby');
    }
  }

  /** « Vous pourrez demander un nouveau mot de passe dans N s. »; the resend buttons wait for it. */
  function startCountdown(seconds: number): void {
    stopCountdown();
    state.resendLeft = Number.isFinite(seconds) && seconds > 0 ? Math.ceil(seconds) : 0;
    renderResend();
    if (state.resendLeft === 0) return;
    countdownTimer = setInterval(() => {
      if (!root.isConnected) {
        stopCountdown();
        return;
      }
      state.resendLeft = Math.max(0, state.resendLeft - 1);
      if (state.resendLeft === 0) stopCountdown();
      renderResend();
    }, 1000);
  }

  function stopCodeTimers(): void {
    stopPolling();
    stopCountdown();
  }

  /** A code just went out: say where, follow its delivery, start the wait before another. */
  function trackCode(sent: CodeSent): void {
    state.codeSent = sent;
    state.delivery = { channel: sent.channel, fallback: sent.fallback ?? null };
    clearText(codeScreen.get().deliveryStatus);
    suggest(null);
    renderSent();
    startCountdown(sent.resend_after_seconds);
    startPolling();
  }

  function clearCodeScreen(): void {
    stopCodeTimers();
    state.delivery = null;
    state.resendLeft = 0;
    state.resendBusy = false;
    const code = codeScreen.built;
    if (!code) return;
    const { sentText, fallbackText, deliveryStatus, resendCountdown, resendSms, resendVoice } = code;
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
  }

  async function resend(channel: Channel, btn: HTMLButtonElement): Promise<void> {
    if (state.resendBusy || state.resendLeft > 0) return;
    const { element: codeScreenElement, code } = codeScreen.get();
    const session = state.session;
    state.resendBusy = true;
    btn.setAttribute('aria-busy', 'true');
    renderResend();
    let sent: CodeSent;
    try {
      sent = await api.resendCode(channel);
    } catch (e) {
      if (session !== state.session || state.screen !== 'code') return;
      const body = showErrors(e, codeScreenElement);
      // Too many codes: the buttons wait as long as the server asks.
      if (body.code === RATE_LIMITED && body.retry_after_seconds !== null) startCountdown(body.retry_after_seconds);
      return;
    } finally {
      state.resendBusy = false;
      btn.removeAttribute('aria-busy');
      if (session === state.session) renderResend();
    }
    if (session !== state.session || state.screen !== 'code') return;
    code.value = '';
    clearFieldErrors(codeScreenElement);
    setBanner([]);
    trackCode(sent);
    code.focus();
  }

  /** « Continuer » of step 3: the code typed goes to the login (step 4), with the number. */
  function submitCode(): void {
    const { element, code } = codeScreen.get();
    clearFieldErrors(element);
    if (code.value.trim() === '') {
      showErrors({ code: 'validation', message: '', fields: [{ field: 'code', code: 'code.required' }], retry_after_seconds: null }, element);
      return;
    }
    const login = loginScreen.get();
    clearFieldErrors(login.element);
    login.newCodeButton.hidden = true;
    login.phone.value = state.codeSent?.phone_display ?? requestScreen.built?.phone.value ?? '';
    login.code.value = code.value;
    show('login');
  }

  // ---------- step 4: « Se connecter » ----------
  async function submitLogin(): Promise<void> {
    const { element: login, phone: loginPhone, code: loginCode, newCodeButton } = loginScreen.get();
    newCodeButton.hidden = true;
    const session = state.session;
    let outcome: LoginOutcome;
    try {
      outcome = await api.login({ phone: loginPhone.value, code: loginCode.value });
    } catch (e) {
      if (session !== state.session) return;
      const body = showErrors(e, login);
      if (NEW_CODE_ERRORS.has(body.code) || body.fields.some((f) => NEW_CODE_ERRORS.has(f.code))) {
        newCodeButton.hidden = false;
      }
      return;
    }
    // « Annuler » pressed meanwhile: nothing of this resident may stay.
    if (session !== state.session) return;
    state.outcome = outcome;
    if (outcome.offline) {
      // The server stopped answering after step 1: the form, offline, with what step 1 gave.
      void refreshConnectivity();
      state.offline = 'login';
      state.pendingChange = null;
    } else {
      state.offline = null;
      state.pendingChange = outcome.pending_change ?? null;
    }
    goProfile(outcome.phone_display, outcome.profile);
  }

  function goProfile(phoneDisplay: string, p: Profile): void {
    state.phoneDisplay = phoneDisplay;
    const profile = profileScreen.get();
    profile.form.reset();
    clearFieldErrors(profile.element);
    fillProfile(p);
    renderProfileNotes();
    clearText(profile.pendingResult);
    renderPending();
    show('profile');
  }

  /** Puts a profile in the form; with no contact at all, the resident's number comes first. */
  function fillProfile(p: Profile): void {
    const { name, firstName, language, city, street, civicNumber, apartment, postalCode, newsletter, contacts } = profileScreen.get();
    name.value = p.name;
    firstName.value = p.first_name;
    language.value = p.language;
    city.value = p.city || (state.info?.town_name ?? '');
    street.value = p.street;
    civicNumber.value = p.civic_number;
    apartment.value = p.apartment;
    postalCode.value = p.postal_code;
    newsletter.checked = p.newsletter;
    tickCategories(p.categories);
    contacts.setContacts(p.contacts);
    if (p.contacts.length === 0 && state.phoneDisplay !== null) {
      contacts.addRow({
        kind: (state.codeSent?.channel ?? chosenChannel()) === 'voice' ? 'landline' : 'mobile',
        value: state.phoneDisplay,
        order: 1,
        active: true,
      });
    }
  }

  /** « Appliquer ces informations » / « Garder mes informations actuelles ». */
  async function decidePending(accept: boolean, btn: HTMLButtonElement): Promise<void> {
    const { element: profile, pendingAccept, pendingDiscard, pendingResult } = profileScreen.get();
    if (pendingAccept.disabled || pendingDiscard.disabled || state.pendingChange === null) return;
    const session = state.session;
    pendingAccept.disabled = true;
    pendingDiscard.disabled = true;
    btn.setAttribute('aria-busy', 'true');
    let decided: Profile;
    try {
      decided = await api.decidePendingChange(accept);
    } catch (e) {
      if (session === state.session) showErrors(e, profile);
      return;
    } finally {
      pendingAccept.disabled = false;
      pendingDiscard.disabled = false;
      btn.removeAttribute('aria-busy');
    }
    // « Annuler » pressed meanwhile: this profile belongs to no one on screen any more.
    if (session !== state.session) return;
    state.pendingChange = null;
    setBanner([]);
    clearFieldErrors(profile);
    fillProfile(decided);
    renderPending();
    setI18n(pendingResult, accept ? 'pending.accepted' : 'pending.discarded');
    // The pressed button is gone: back to the top of the form.
    if (state.screen === 'profile' && !idleWarningOpen()) byId(profile, 'title-profile').focus();
  }

  function readProfile(): Profile {
    const { name, firstName, language, city, street, civicNumber, apartment, postalCode, newsletter, contacts } = profileScreen.get();
    return {
      name: name.value,
      first_name: firstName.value,
      language: language.value === 'en' ? 'en' : 'fr',
      city: city.value,
      street: street.value,
      civic_number: civicNumber.value,
      apartment: apartment.value,
      postal_code: postalCode.value,
      newsletter: newsletter.checked,
      contacts: contacts.read(),
      categories: chosenCategories(),
    };
  }

  // ---------- step 5: « Confirmer » ----------
  async function submitProfile(): Promise<void> {
    const session = state.session;
    let outcome: ProfileOutcome;
    try {
      outcome = await api.saveProfile(readProfile());
    } catch (e) {
      if (session !== state.session) return;
      showErrors(e, profileScreen.get().element);
      return;
    }
    if (session !== state.session) return;
    if (outcome.mode === 'offline') {
      // Saved in the kiosk's queue: sent when the service is back.
      void refreshConnectivity();
      state.saved = null;
      state.queued = outcome;
    } else {
      state.queued = null;
      state.saved = outcome;
    }
    renderSummary();
    show('done');
  }

  // ---------- staff mode: entry, PIN dialog, panel, assisted signup ----------
  /** Modal open (idle warning or PIN dialog): the header and the screens are out of reach. */
  function setBackgroundInert(on: boolean): void {
    for (const el of [header, main]) {
      if (on) el.setAttribute('inert', '');
      else el.removeAttribute('inert');
    }
  }

  /** « 4 min 59 s », « 5 min », « 45 s »: how long staff mode stays locked. */
  function formatWait(seconds: number): string {
    const minutes = Math.floor(seconds / 60);
    const rest = seconds % 60;
    if (minutes === 0) return t('staff.wait_seconds', { seconds: rest });
    if (rest === 0) return t('staff.wait_minutes', { minutes });
    return t('staff.wait_minutes_seconds', { minutes, seconds: rest });
  }

  /** « moins d'une minute », « 12 min », « 3 h 5 min »: age of the oldest registration waiting. */
  function formatAge(seconds: number): string {
    if (seconds < 60) return t('staff.age_under_minute');
    const minutes = Math.floor(seconds / 60);
    if (minutes < 60) return t('staff.age_minutes', { minutes });
    const hours = Math.floor(minutes / 60);
    const rest = minutes % 60;
    return rest === 0 ? t('staff.age_hours_only', { hours }) : t('staff.age_hours', { hours, minutes: rest });
  }

  function pinDialogOpen(): boolean {
    const dialog = pinDialog.built;
    return dialog !== null && !dialog.element.hidden;
  }

  function stopPinIdle(): void {
    if (pinIdleTimer !== null) clearTimeout(pinIdleTimer);
    pinIdleTimer = null;
  }

  /** Left alone, the PIN dialog closes by itself (the attract screen must not stay blocked). */
  function armPinIdle(): void {
    stopPinIdle();
    if (!pinDialogOpen() || !root.isConnected) return;
    pinIdleTimer = setTimeout(() => {
      pinIdleTimer = null;
      if (root.isConnected) closePinDialog(false);
    }, positiveSeconds(state.info?.idle_seconds, DEFAULT_IDLE_SECONDS) * 1000);
  }

  function pinLocked(): boolean {
    return pinLockLeft !== null;
  }

  function stopPinLock(): void {
    if (pinLockTimer !== null) clearInterval(pinLockTimer);
    pinLockTimer = null;
  }

  function pinMessageText(): string {
    if (pinMessage === null) return '';
    if ('key' in pinMessage) return t(pinMessage.key);
    if (pinMessage.code === STAFF_LOCKED) {
      const wait = pinLockLeft !== null ? formatWait(pinLockLeft) : t('staff.wait_unknown');
      return errorMessage(STAFF_LOCKED, currentLanguage(), { wait });
    }
    return errorMessage(pinMessage.code);
  }

  function renderPinError(): void {
    const pinError = pinDialog.built?.error;
    if (!pinError) return;
    if (pinMessage === null) {
      pinError.replaceChildren();
      return;
    }
    const countdown = 'code' in pinMessage && pinMessage.code === STAFF_LOCKED && pinLockLeft !== null;
    pinError.replaceChildren(h('p', { 'data-countdown': countdown }, [pinMessageText()]));
  }

  function setPinMessage(message: typeof pinMessage): void {
    pinMessage = message;
    renderPinError();
  }

  /** The digits typed so far (anything else dropped), shown as dots only. */
  function setPin(value: string, announce = false): void {
    const dialog = pinDialog.built;
    if (!dialog) return;
    const { input: pinInput, dots: pinDots, count: pinCount } = dialog;
    const digits = value.replace(/\D/g, '').slice(0, PIN_MAX_LENGTH);
    if (pinInput.value !== digits) pinInput.value = digits;
    pinDots.textContent = PIN_DOT.repeat(digits.length);
    pinDots.dataset.count = String(digits.length);
    if (!announce) clearText(pinCount);
    else if (digits.length === 0) setI18n(pinCount, 'staff.pin_count_zero');
    else if (digits.length === 1) setI18n(pinCount, 'staff.pin_count_one');
    else setI18n(pinCount, 'staff.pin_count_many', { n: digits.length });
  }

  /** A new digit or correction: a previous error (not the lock) has been read. */
  function pinEdited(): void {
    if (pinMessage !== null && !(pinLockLeft !== null && 'code' in pinMessage && pinMessage.code === STAFF_LOCKED)) {
      setPinMessage(null);
    }
  }

  function typePin(digit: string): void {
    const typed = pinDialog.built?.input.value ?? '';
    if (!pinDialogOpen() || typed.length >= PIN_MAX_LENGTH) return;
    armPinIdle();
    setPin(typed + digit, true);
    pinEdited();
  }

  function erasePinDigit(): void {
    if (!pinDialogOpen()) return;
    armPinIdle();
    setPin((pinDialog.built?.input.value ?? '').slice(0, -1), true);
    pinEdited();
  }

  /** « Trop d'essais… verrouillé pendant 4 min 59 s. », counting down; « Valider » waits for it. */
  function startPinLock(seconds: number | null): void {
    stopPinLock();
    pinLockLeft = seconds !== null && Number.isFinite(seconds) && seconds > 0 ? Math.ceil(seconds) : null;
    setPinMessage({ code: STAFF_LOCKED });
    pinDialog.get().submit.disabled = pinLockLeft !== null;
    if (pinLockLeft !== null) pinLockTimer = setInterval(tickPinLock, 1000);
  }

  function tickPinLock(): void {
    if (pinLockLeft === null || !root.isConnected) {
      stopPinLock();
      return;
    }
    const { error: pinError, submit: pinSubmit } = pinDialog.get();
    pinLockLeft -= 1;
    if (pinLockLeft > 0) {
      const p = pinError.querySelector<HTMLElement>('p[data-countdown]');
      if (p) {
        // Only the time changes: screen readers need not re-read the alert every second.
        p.setAttribute('aria-live', 'off');
        p.textContent = pinMessageText();
      } else {
        renderPinError();
      }
      return;
    }
    stopPinLock();
    pinLockLeft = null;
    pinSubmit.disabled = pinBusy;
    setPinMessage(null);
  }

  function openPinDialog(): void {
    if (!(state.info?.staff_enabled ?? false) || state.screen !== 'attract' || pinDialogOpen()) return;
    const dialog = pinDialog.get();
    pinGeneration += 1;
    setPin('');
    setPinMessage(null);
    dialog.submit.disabled = false;
    setBackgroundInert(true);
    dialog.element.hidden = false;
    dialog.input.focus();
    armPinIdle();
  }

  /** Closes the PIN dialog, forgetting the digits typed; `returnFocus`: back to the staff entry. */
  function closePinDialog(returnFocus: boolean): void {
    const wasOpen = pinDialogOpen();
    pinGeneration += 1;
    stopPinIdle();
    stopPinLock();
    pinLockLeft = null;
    pinBusy = false;
    const dialog = pinDialog.built;
    if (dialog) dialog.element.hidden = true;
    setPin('');
    setPinMessage(null);
    if (dialog) {
      dialog.submit.disabled = false;
      dialog.submit.removeAttribute('aria-busy');
    }
    if (!wasOpen) return;
    if (!idleWarningOpen()) setBackgroundInert(false);
    if (returnFocus && state.screen === 'attract' && !staffButton.hidden) staffButton.focus();
  }

  async function submitPin(): Promise<void> {
    if (!pinDialogOpen() || pinBusy || pinLockLeft !== null) return;
    const { input: pinInput, submit: pinSubmit } = pinDialog.get();
    const pin = pinInput.value;
    if (pin === '') {
      setPinMessage({ key: 'staff.pin_empty' });
      pinInput.focus();
      return;
    }
    const generation = pinGeneration;
    pinBusy = true;
    pinSubmit.disabled = true;
    pinSubmit.setAttribute('aria-busy', 'true');
    let status: QueueStatus;
    try {
      status = await api.staffLogin({ pin });
    } catch (e) {
      if (generation !== pinGeneration) return;
      const body = toErrorBody(e);
      noticeError(body);
      // Whatever went wrong, the PIN typed is not kept.
      setPin('');
      if (body.code === STAFF_LOCKED) startPinLock(body.retry_after_seconds);
      else setPinMessage({ code: body.code });
      pinInput.focus();
      return;
    } finally {
      if (generation === pinGeneration) {
        pinBusy = false;
        pinSubmit.removeAttribute('aria-busy');
        pinSubmit.disabled = pinLocked();
      }
    }
    if (generation !== pinGeneration) {
      // The dialog was closed meanwhile: staff mode must not stay open behind the attract screen.
      void api.staffLogout().catch(() => null);
      return;
    }
    closePinDialog(false);
    state.staff = true;
    state.queue = status;
    setOnline(status.online);
    show('staff');
  }

  staffButton.addEventListener('click', openPinDialog);

  // ---------- staff panel ----------
  function renderStaff(): void {
    const staff = staffScreen.built;
    if (!staff) return;
    const q = state.queue;
    const dash = '—';
    staff.pending.textContent = q ? String(q.pending) : dash;
    staff.sending.textContent = q ? String(q.sending) : dash;
    staff.acknowledged.textContent = q ? String(q.acknowledged) : dash;
    staff.rejected.textContent = q ? String(q.rejected) : dash;
    staff.rejected.classList.toggle('staff-attention', (q?.rejected ?? 0) > 0);
    staff.oldest.textContent = q?.oldest_pending_seconds != null ? formatAge(q.oldest_pending_seconds) : dash;
    staff.lastSync.textContent = q ? (q.last_sync_at ? formatDateTime(q.last_sync_at, currentLanguage()) : t('staff.never')) : dash;
    staff.lastError.textContent = q ? (q.last_error ?? t('staff.no_error')) : dash;
    staff.lastError.classList.toggle('staff-attention', Boolean(q?.last_error));
    staff.online.textContent = q ? t(q.online ? 'staff.reachable' : 'staff.unreachable') : dash;
    staff.online.classList.toggle('staff-attention', q !== null && !q.online);
  }
  /** The staff panel is on screen, staff mode open. */
  function staffPanelLive(): boolean {
    return state.screen === 'staff' && state.staff && root.isConnected;
  }

  function applyQueue(status: QueueStatus): void {
    state.queue = status;
    setOnline(status.online);
    renderStaff();
  }

  function stopStaffPolling(): void {
    staffGeneration += 1;
    if (staffTimer !== null) clearTimeout(staffTimer);
    staffTimer = null;
  }

  /** Every STAFF_POLL_MS while the panel is shown, the figures are asked again. */
  function startStaffPolling(): void {
    stopStaffPolling();
    if (!state.staff) return;
    const generation = staffGeneration;
    const poll = async (): Promise<void> => {
      staffTimer = null;
      if (generation !== staffGeneration || !staffPanelLive()) return;
      // « Envoyer maintenant » running: its answer will bring the figures.
      if (!staffSyncing) await refreshQueue();
      if (generation === staffGeneration && staffPanelLive()) staffTimer = setTimeout(() => void poll(), STAFF_POLL_MS);
    };
    staffTimer = setTimeout(() => void poll(), STAFF_POLL_MS);
  }

  async function refreshQueue(): Promise<void> {
    staffAsked += 1;
    const asked = staffAsked;
    const session = state.session;
    let status: QueueStatus;
    try {
      status = await api.queueStatus();
    } catch (e) {
      if (asked === staffAsked && session === state.session && state.screen === 'staff') staffFailed(e);
      return;
    }
    // Only the answer to the latest question counts, and only for this staff session.
    if (asked !== staffAsked || session !== state.session || state.screen !== 'staff') return;
    applyQueue(status);
  }

  /** An error on the panel goes to the banner (once, not every 5 s); `staff.required` ends staff mode. */
  function staffFailed(error: unknown): void {
    const body = toErrorBody(error);
    noticeError(body);
    if (body.code === STAFF_REQUIRED) {
      staffEnded();
      return;
    }
    if (state.bannerCodes.length !== 1 || state.bannerCodes[0] !== body.code) setBanner([body.code], body.retry_after_seconds);
  }

  /** The Rust side no longer knows staff mode: only « Fermer le mode personnel » is left. */
  function staffEnded(): void {
    state.staff = false;
    stopStaffPolling();
    hideExitConfirm();
    const staff = staffScreen.built;
    if (staff) for (const btn of [staff.sync, staff.assisted, staff.exit, staff.enrollSubmit]) btn.disabled = true;
    setBanner([STAFF_REQUIRED]);
  }

  function hideExitConfirm(): void {
    const staff = staffScreen.built;
    if (!staff) return;
    staff.exitPanel.hidden = true;
    staff.exit.setAttribute('aria-expanded', 'false');
  }

  /** Like withBusy, for the panel: once staff mode has ended, the button stays disabled. */
  async function withStaffBusy(btn: HTMLButtonElement, work: () => Promise<void>): Promise<void> {
    if (btn.disabled || !state.staff) return;
    const session = state.session;
    btn.disabled = true;
    btn.setAttribute('aria-busy', 'true');
    try {
      await work();
    } finally {
      // After a reset, clearAll has already put the panel back as new.
      if (session === state.session) {
        btn.removeAttribute('aria-busy');
        btn.disabled = !state.staff;
      }
    }
  }

  /** « Envoyer maintenant »: the queue is sent now, its figures follow. */
  async function syncQueueNow(): Promise<void> {
    const { syncStatus: staffSyncStatus } = staffScreen.get();
    const session = state.session;
    staffSyncing = true;
    staffAsked += 1;
    const asked = staffAsked;
    setI18n(staffSyncStatus, 'staff.syncing');
    // No queue_status poll answer may overwrite this one's figures.
    let status: QueueStatus;
    try {
      status = await api.syncNow();
    } catch (e) {
      if (session !== state.session || state.screen !== 'staff') return;
      clearText(staffSyncStatus);
      staffFailed(e);
      return;
    } finally {
      if (session === state.session) staffSyncing = false;
    }
    if (session !== state.session || state.screen !== 'staff' || asked !== staffAsked) return;
    setBanner([]);
    applyQueue(status);
    setI18n(staffSyncStatus, status.online ? 'staff.sync_done' : 'staff.sync_offline');
  }

  // ---------- staff panel: kiosk enrollment ----------
  /** « Inscrire la borne » with the one-time code typed. */
  async function submitEnrollment(): Promise<void> {
    const { enrollForm, enrollCode, enrollStatus, enrollCurrent } = staffScreen.get();
    const session = state.session;
    const errorEl = byId(enrollForm, 'error-enroll-code');
    clearFieldError(errorEl);
    setI18n(enrollStatus, 'staff.enrolling');
    let enrolled: Enrolled;
    try {
      // Hyphens are optional: the code goes as typed, in capitals, without surrounding spaces.
      enrolled = await api.enrollKiosk({ code: enrollCode.value.trim().toLocaleUpperCase('fr-CA') });
    } catch (e) {
      if (session !== state.session || state.screen !== 'staff') return;
      clearText(enrollStatus);
      const body = toErrorBody(e);
      if (body.code === STAFF_REQUIRED) {
        staffFailed(e);
        return;
      }
      noticeError(body);
      if (body.code === ENROLL_UNREACHABLE) void refreshConnectivity();
      // Next to the field, what was typed kept for correction.
      const fieldCode = body.code === 'validation' ? body.fields[0]?.code : undefined;
      showFieldError(errorEl, fieldCode ?? body.code);
      enrollCode.focus();
      return;
    }
    if (session !== state.session || state.screen !== 'staff') return;
    enrollCode.value = '';
    setI18n(enrollStatus, 'staff.enroll_done', { name: enrolled.kiosk_name });
    // The new token is the kiosk's: the central server no longer refuses it.
    setRefused(false);
    if (state.info) {
      state.info = { ...state.info, enrolled: true, kiosk_name: enrolled.kiosk_name };
      renderEnrollment();
      renderInService();
    } else {
      setI18n(enrollCurrent, 'staff.enroll_current', { name: enrolled.kiosk_name });
    }
    await refreshKioskInfo();
    void refreshConnectivity();
  }

  /** Asks kiosk_info again (after enrollment): the name and the attract screen follow it. */
  async function refreshKioskInfo(): Promise<void> {
    try {
      const info = await api.kioskInfo();
      if (!root.isConnected) return;
      state.info = info;
      renderTown();
    } catch (e) {
      noticeError(toErrorBody(e));
    }
  }

  // Editing a field clears its error (and only its error).
  const onEdit = (event: Event): void => {
    if (event.target instanceof HTMLElement) clearErrorsOfControl(event.target);
  };
  root.addEventListener('input', onEdit);
  root.addEventListener('change', onEdit);

  // ---------- start: the attract screen only, put in the page once configured ----------
  show('attract');
  // Kiosk-wide: runs on every screen, for as long as the app is mounted.
  void refreshConnectivity();
  const connectivityTimer = setInterval(() => {
    if (!root.isConnected) {
      clearInterval(connectivityTimer);
      return;
    }
    void refreshConnectivity();
  }, CONNECTIVITY_POLL_MS);
  const ready = kioskInfo
    .then((info) => {
      state.info = info;
      if (!info.english_enabled && currentLanguage() !== 'fr') setLanguage('fr');
    })
    .catch((e: unknown) => {
      const body = toErrorBody(e);
      noticeError(body);
      setBanner([body.code]);
    })
    .finally(() => {
      attach();
      renderTown();
      retranslate();
      // The title could not take the focus while out of the page.
      if (!idleWarningOpen()) focusTitle();
    });

  return {
    ready,
    current: () => state.screen,
    show,
    get contacts(): ContactsEditor {
      return profileScreen.get().contacts;
    },
    buildAll(): void {
      for (const s of Object.values(screens)) s.get();
      idleDialog.get();
      pinDialog.get();
    },
    reset,
    wipe,
  };
}
