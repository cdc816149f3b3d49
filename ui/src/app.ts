// The kiosk's UI, assembled: the shell (header, banners, idle watch, wipe), the screens of the signup
// (`screens/`), staff mode (`staff/`), and the resident's session (`flow.ts`). Each part owns its element
// and its state; this file only makes them, hands each the few services it uses, and shows one screen
// at a time.
import type { ErrorBody, KioskInfo, QueueStatus } from './bindings';
import type { ContactsEditor } from './contacts';
import type { Navigation, ScreenId, ScreenPart, Services, UiPart } from './context';
import { byId, h } from './dom';
import { codeSent, initialSession, next, type Session } from './flow';
import { currentLanguage, setLanguage } from './i18n';
import { api, toErrorBody } from './ipc';
import { createKeyboard, type OnScreenKeyboard } from './keyboard';
import { part, type Part } from './part';
import { createAttract, type Attract } from './screens/attract';
import { createCode, type CodeScreen } from './screens/code';
import { createDone, type DoneScreen } from './screens/done';
import { createHome } from './screens/home';
import { createLogin, type LoginScreen } from './screens/login';
import { createProfile, type ProfileScreen } from './screens/profile';
import { createRequest, type RequestScreen } from './screens/request';
import { createBanner } from './shell/banner';
import { createHelp, type Help } from './shell/help';
import { createConnectivity, type ConnectivityMonitor } from './shell/connectivity';
import { createHeader, createStepIndicator, type Header, type StepIndicator } from './shell/header';
import { createIdleWatch, type IdleWatch } from './shell/idle';
import { createWipe, type Wipe } from './shell/wipe';
import { createStaffPanel, type StaffPanel } from './staff/panel';
import { createPinDialog, type PinDialog } from './staff/pin';
import { applyTranslations, clearErrorsOfControl } from './ui';
import { createVoiceGuide, type VoiceGuide } from './voice';

export type { ScreenId } from './context';
export { POLL_MS } from './screens/code';
export { CONNECTIVITY_POLL_MS } from './shell/connectivity';
export { clearBrowserStorage } from './shell/wipe';
export { STAFF_POLL_MS } from './staff/panel';

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

/** What the app knows besides its parts: the kiosk's configuration, the resident's session, the screen shown. */
interface Store {
  info: KioskInfo | null;
  session: Session;
  screen: ScreenId;
}

/** Every screen, in document order; each but the attract screen is built when first shown (see `part`). */
interface Screens {
  attract: Part<Attract>;
  home: Part<ScreenPart>;
  request: Part<RequestScreen>;
  code: Part<CodeScreen>;
  login: Part<LoginScreen>;
  profile: Part<ProfileScreen>;
  done: Part<DoneScreen>;
  staff: Part<StaffPanel>;
}

/** The assembled app. */
interface Kiosk {
  readonly root: HTMLElement;
  readonly store: Store;
  readonly services: Services;
  readonly connectivity: ConnectivityMonitor;
  readonly header: Header;
  readonly steps: StepIndicator;
  /** The page area, between the header and the on-screen keyboard: the only part that scrolls. */
  readonly page: HTMLElement;
  readonly keyboard: OnScreenKeyboard;
  readonly screens: Screens;
  readonly pin: Part<PinDialog>;
  readonly idle: IdleWatch;
  readonly wipe: Wipe;
  /** « Besoin d’aide? »: the header's button and its panel at the top of the page area. */
  readonly help: Help;
  /** Voice guidance (off until turned on at the attract screen; the wipe turns it off). */
  readonly voice: VoiceGuide;
}

export function mountApp(root: HTMLElement): App {
  // Asked before anything is built: the answer travels while the attract screen is being made.
  const kioskInfo = api.kioskInfo();
  const k = assemble(root);
  // Editing a field clears its error (and only its error).
  const onEdit = (event: Event): void => {
    if (event.target instanceof HTMLElement) clearErrorsOfControl(event.target);
  };
  root.addEventListener('input', onEdit);
  root.addEventListener('change', onEdit);

  // ---------- start: the attract screen only, put in the page once configured ----------
  show(k, 'attract');
  // Kiosk-wide: runs on every screen, for as long as the app is mounted.
  k.connectivity.start();
  const ready = kioskInfo
    .then((info) => {
      k.store.info = info;
      if (!info.english_enabled && currentLanguage() !== 'fr') setLanguage('fr');
    })
    .catch((e: unknown) => {
      const body = toErrorBody(e);
      k.services.noticeError(body);
      k.services.banner.set([body.code]);
    })
    .finally(() => {
      attach(k);
      drawInfo(k);
      retranslate(k);
      // The title could not take the focus while out of the page.
      if (!k.idle.isOpen()) focusTitle(k);
    });

  return {
    ready,
    current: () => k.store.screen,
    show: (id) => {
      show(k, id);
    },
    get contacts(): ContactsEditor {
      return k.screens.profile.get().contacts;
    },
    buildAll(): void {
      for (const s of Object.values(k.screens) as Part<ScreenPart>[]) s.get();
      k.idle.dialog.get();
      k.pin.get();
    },
    reset: () => k.wipe.reset(),
    wipe: () => k.wipe.wipe(),
  };
}

/** Makes every part (only the header and the attract screen are built now) and wires them together. */
function assemble(root: HTMLElement): Kiosk {
  const store: Store = { info: null, session: initialSession(), screen: 'attract' };
  // The parts call back into the assembled app only once it is made (at the earliest, on show('attract')).
  const late = (): Kiosk => kiosk;
  const { services, connectivity } = createServices(root, store, late);
  const help = createHelp({
    info: () => store.info,
    scrollToTop: () => {
      late().page.scrollTop = 0;
    },
  });
  const header = createHeader(
    root.ownerDocument,
    () => {
      retranslate(late());
    },
    connectivity.element,
    help.button,
  );
  const steps = createStepIndicator();
  const voice = createVoiceGuide(root, {
    api,
    onAttract: () => store.screen === 'attract',
    startButton: () => late().screens.attract.get().startButton(),
  });
  const screens = createScreens(services, connectivity, voice, late);
  const pin = part('staff-pin-dialog', () =>
    createPinDialog({
      ...services,
      setBackgroundInert: (on) => {
        setBackgroundInert(late(), on);
      },
      focusStaffEntry: () => {
        screens.attract.get().focusStaffEntry();
      },
      opened: (status) => {
        staffOpened(late(), status);
      },
    }),
  );
  const slots = (Object.values(screens) as Part<ScreenPart>[]).map((s) => s.slot);
  const page = h('div', { id: 'page', class: 'page' }, [
    h('main', { class: 'content' }, [help.panel, steps.element, services.banner.element, ...slots]),
  ]);
  // Under the page area while a text field has the focus (the page shrinks); the overlays (idle warning, PIN) go over it.
  const keyboard = createKeyboard(root);
  const idle = createIdleWatch({
    ...services,
    root,
    setBackgroundInert: (on) => {
      setBackgroundInert(late(), on);
    },
    pinOpen: () => pin.built?.isOpen() ?? false,
    onActivity: () => pin.built?.activity(),
    onDetach: () => pin.built?.stopIdle(),
    focusTitle: () => {
      focusTitle(late());
    },
    wipe: () => late().wipe.wipe(),
  });
  const wipe = createWipe({
    ...services,
    builtParts: () => builtParts(late()),
    keyboard,
    idle,
    display: header.display,
    retranslate: () => {
      retranslate(late());
    },
  });
  const kiosk: Kiosk = { root, store, services, connectivity, header, steps, page, keyboard, screens, pin, idle, wipe, help, voice };
  return kiosk;
}

/** The services every part may pick from (see `context.ts`). */
function createServices(
  root: HTMLElement,
  store: Store,
  late: () => Kiosk,
): { services: Services; connectivity: ConnectivityMonitor } {
  const connected = (): boolean => root.isConnected;
  const connectivity = createConnectivity({
    api,
    connected,
    screen: () => store.screen,
    onRefusedChange: () => {
      late().screens.attract.get().renderInService();
    },
  });
  const noticeError = (body: ErrorBody): void => {
    connectivity.noticeError(body);
  };
  const services: Services = {
    api,
    info: () => store.info,
    session: () => store.session,
    dispatch: (event) => {
      store.session = next(store.session, event);
    },
    screen: () => store.screen,
    show: (id) => {
      show(late(), id);
    },
    reset: () => late().wipe.reset(),
    connected,
    banner: createBanner({ connected, noticeError }),
    noticeError,
    refreshConnectivity: () => connectivity.refresh(),
    idleWarningOpen: () => late().idle.isOpen(),
  };
  return { services, connectivity };
}

/** The screens and the way from one to the next. */
function createScreens(s: Services, connectivity: ConnectivityMonitor, voice: VoiceGuide, late: () => Kiosk): Screens {
  const nav: Navigation = {
    request: (keepTyped) => screens.request.get().open(keepTyped),
    code: () => {
      const sent = codeSent(s.session().flow);
      if (sent) screens.code.get().open(sent);
    },
    login: (phone, code) => {
      screens.login.get().open(phone, code);
    },
    profile: (profile) => {
      screens.profile.get().open(profile);
    },
    done: () => {
      screens.done.built?.render();
      s.show('done');
    },
    deleted: () => {
      screens.done.built?.render();
      s.show('done');
    },
  };
  const attract = createAttract({
    ...s,
    refused: () => connectivity.refused(),
    swallowClick: () => {
      late().idle.swallowClick();
    },
    openPin: () => {
      openPin(late());
    },
    closePin: () => {
      late().pin.built?.close(false);
    },
    voiceButton: voice.button,
  });
  const screens: Screens = {
    attract: part('screen-attract', () => attract),
    home: part('screen-home', () => createHome(nav)),
    request: part('screen-request', () => createRequest({ ...s, ...nav })),
    code: part('screen-code', () => createCode({ ...s, ...nav, typedPhone: () => screens.request.built?.phone() ?? '' })),
    login: part('screen-login', () =>
      createLogin({
        ...s,
        ...nav,
        backToCode: () => {
          s.show('code');
        },
      }),
    ),
    profile: part('screen-profile', () => createProfile({ ...s, ...nav })),
    done: part('screen-done', () => createDone(s)),
    staff: part('screen-staff', () =>
      createStaffPanel({
        ...s,
        ...nav,
        setOnline: (online) => {
          connectivity.setOnline(online);
        },
        setRefused: (refused) => {
          connectivity.setRefused(refused);
        },
        updateInfo: (patch) => {
          updateInfo(late(), patch);
        },
        refreshKioskInfo: () => refreshKioskInfo(late()),
      }),
    ),
  };
  return screens;
}

/**
 * Puts the UI in the page, once kiosk_info has answered (or failed; see `ready`): the page's first layout
 * is then the configured attract screen, never a generic one redrawn with the town's name a moment later.
 * That layout would also hold the answer up: WebKit lays out what the page holds before handling it.
 */
function attach(k: Kiosk): void {
  k.root.replaceChildren(k.header.element, k.page, k.keyboard.element, k.idle.dialog.slot, k.pin.slot);
}

function show(k: Kiosk, id: ScreenId): void {
  const entries = Object.entries(k.screens) as [ScreenId, Part<ScreenPart>][];
  // Leaving: the screen's timers stop (and the PIN dialog, which belongs to the attract screen, closes).
  for (const [key, s] of entries) if (key !== id) s.built?.leave?.();
  k.store.screen = id;
  // Built now if it is the first time.
  const shown = k.screens[id].get();
  for (const [key, s] of entries) {
    if (s.built) s.built.element.hidden = key !== id;
  }
  // A new screen starts at its top (its step line and title), whatever the last one scrolled to.
  k.page.scrollTop = 0;
  k.services.banner.set([]);
  k.steps.render(id, k.store.session.flow);
  k.idle.screenShown(id);
  shown.show();
  k.voice.screenShown(shown.element);
  if (!k.idle.isOpen()) focusTitle(k);
}

/** The focus goes to the title of the screen shown, where a screen reader starts reading. */
function focusTitle(k: Kiosk): void {
  const id = k.store.screen;
  byId(k.screens[id].get().element, `title-${id}`).focus();
}

/** Every part built so far (the wipe clears them; a language change redraws them). */
function builtParts(k: Kiosk): UiPart[] {
  const { help: h } = k;
  const help: UiPart = {
    element: h.panel,
    clear: () => {
      h.clear();
    },
    retranslate: () => {
      h.render();
    },
  };
  const voice: UiPart = {
    element: k.voice.button,
    clear: () => {
      k.voice.clear();
    },
  };
  const parts: (UiPart | null)[] = [...(Object.values(k.screens) as Part<ScreenPart>[]).map((s) => s.built), k.pin.built, help, voice];
  return parts.filter((p): p is UiPart => p !== null);
}

function retranslate(k: Kiosk): void {
  document.documentElement.lang = currentLanguage();
  applyTranslations(k.root);
  k.services.banner.render();
  for (const p of builtParts(k)) p.retranslate?.();
}

/** The kiosk's information drawn where it shows: the town, the categories, staff mode, the enrollment. */
function drawInfo(k: Kiosk): void {
  k.header.drawInfo(k.store.info);
  k.help.render();
  for (const s of Object.values(k.screens) as Part<ScreenPart>[]) s.built?.drawInfo?.();
}

/** Modal open (idle warning or PIN dialog): the header and the page area are out of reach. */
function setBackgroundInert(k: Kiosk, on: boolean): void {
  for (const el of [k.header.element, k.page]) {
    if (on) el.setAttribute('inert', '');
    else el.removeAttribute('inert');
  }
}

/** The staff entry: the PIN dialog, on the attract screen of a kiosk with a staff PIN. */
function openPin(k: Kiosk): void {
  if (!(k.store.info?.staff_enabled ?? false) || k.store.screen !== 'attract' || k.pin.built?.isOpen() === true) return;
  k.pin.get().open();
}

function staffOpened(k: Kiosk, status: QueueStatus): void {
  k.services.dispatch({ type: 'staffOpened' });
  k.screens.staff.get().open(status);
}

/** The enrollment changed the kiosk's information: the attract screen follows. */
function updateInfo(k: Kiosk, patch: Partial<KioskInfo>): void {
  const info = k.store.info;
  if (!info) return;
  k.store.info = { ...info, ...patch };
  k.screens.attract.get().renderInService();
}

/** Asks kiosk_info again (after enrollment): the name and the attract screen follow it. */
async function refreshKioskInfo(k: Kiosk): Promise<void> {
  try {
    const info = await k.services.api.kioskInfo();
    if (!k.root.isConnected) return;
    k.store.info = info;
    drawInfo(k);
  } catch (e) {
    k.services.noticeError(toErrorBody(e));
  }
}
