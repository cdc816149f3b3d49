// What the parts of the UI share: the screens' names, the shape of a part, and the services the app
// hands them. Each part asks only for the few services it uses (a `Pick` of `Services` and its own
// navigation callbacks), so its dependencies are written in its signature.
import type { ErrorBody, KioskInfo, Profile } from './bindings';
import type { FlowEvent, Session } from './flow';
import type { api } from './ipc';
import type { Banner } from './shell/banner';

export type ScreenId = 'attract' | 'home' | 'request' | 'code' | 'login' | 'profile' | 'done' | 'staff';

/** The Rust commands (`ipc.ts`). */
export type Api = typeof api;

/** A screen or a dialog: it owns its element and its state (see `part.ts` for when it is built). */
export interface UiPart {
  readonly element: HTMLElement;
  /** Draws it from the app's state, once it is built and in the page. */
  draw?(): void;
  /** The language changed: redraws what `data-i18n` does not cover. */
  retranslate?(): void;
  /** kiosk_info answered (again): the town, the categories, the enrollment. */
  drawInfo?(): void;
  /** The wipe: nothing of the resident stays (fields, texts, errors, timers); drawn from the new session. */
  clear(): void;
}

export interface ScreenPart extends UiPart {
  /** It has just become the screen shown. */
  show(): void;
  /** Another screen is about to be shown: its timers stop. */
  leave?(): void;
}

/** The services of the app; each part picks the ones it needs. */
export interface Services {
  readonly api: Api;
  /** The kiosk's configuration; null until kiosk_info has answered (or if it failed). */
  info(): KioskInfo | null;
  /** The resident's session (see `flow.ts`). */
  session(): Session;
  dispatch(event: FlowEvent): void;
  /** The screen shown. */
  screen(): ScreenId;
  show(id: ScreenId): void;
  /** « Annuler », « Terminer »: the wipe. */
  reset(): Promise<void>;
  /** The app is still in the page (timers stop otherwise). */
  connected(): boolean;
  readonly banner: Banner;
  /** A command failed: if the central server is out of reach, the offline banner is checked now. */
  noticeError(body: ErrorBody): void;
  refreshConnectivity(): Promise<void>;
  idleWarningOpen(): boolean;
}

/** The way through the signup, for the screens that lead to another. */
export interface Navigation {
  /** Step 1; `keepTyped`: what was typed stays (back for another code), otherwise it starts afresh. */
  request(keepTyped: boolean): Promise<void>;
  /** Step 3, for the code just sent. */
  code(): void;
  /** Step 4, with the number and the code typed. */
  login(phone: string, code: string): void;
  /** Step 5, filled in with this profile. */
  profile(profile: Profile): void;
  /** Step 6, the confirmation. */
  done(): void;
  /** « Mon inscription » deleted: step 6 says so. */
  deleted(): void;
}
