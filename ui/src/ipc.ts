import { invoke } from '@tauri-apps/api/core';
import type {
  CaptchaImage,
  Channel,
  CodeRequestForm,
  CodeRequestOutcome,
  CodeSent,
  Connectivity,
  DeliveryStatus,
  EnrollForm,
  Enrolled,
  ErrorBody,
  FieldError,
  KioskInfo,
  Language,
  LoginForm,
  LoginOutcome,
  Profile,
  ProfileOutcome,
  QueueStatus,
  StaffPinForm,
} from './bindings';

/** Typed wrappers around the Rust commands. */
export const api = {
  /** The first screen, configured, is in the page and takes touches (logged once; the start-up bench times it). */
  uiReady: (): Promise<null> => invoke<null>('ui_ready'),
  /** On the attract screen, when connectivity says `update_ready`: installs the verified update and restarts. */
  installUpdate: (): Promise<null> => invoke<null>('install_update'),
  kioskInfo: (): Promise<KioskInfo> => invoke<KioskInfo>('kiosk_info'),
  captchaNew: (): Promise<CaptchaImage> => invoke<CaptchaImage>('captcha_new'),
  /**
   * Online: the code is on its way (step 2). Offline: the central server is out of reach,
   * straight to the form of step 5 (queued on this kiosk, the code comes later).
   */
  requestCode: (form: CodeRequestForm): Promise<CodeRequestOutcome> =>
    invoke<CodeRequestOutcome>('request_code', { form }),
  /** A fresh code to the number of this session, by the channel picked now (no captcha). */
  resendCode: (channel: Channel): Promise<CodeSent> => invoke<CodeSent>('resend_code', { channel }),
  /** Where the last code's SMS or call stands. */
  deliveryStatus: (): Promise<DeliveryStatus> => invoke<DeliveryStatus>('delivery_status'),
  /** `offline`: the code could not be checked, step 5 continues offline; `pending_change`: see decidePendingChange. */
  login: (form: LoginForm): Promise<LoginOutcome> => invoke<LoginOutcome>('login', { form }),
  /** Online: saved on the central server. Offline: saved in the kiosk's encrypted queue, sent later. */
  saveProfile: (profile: Profile): Promise<ProfileOutcome> =>
    invoke<ProfileOutcome>('save_profile', { profile }),
  /** After login: apply (`accept`) or discard the offline registration waiting; answers the profile for the form. */
  decidePendingChange: (accept: boolean): Promise<Profile> => invoke<Profile>('decide_pending_change', { accept }),
  /** « Mon inscription », after a login: deletes the registration on the central server; the session ends with it. */
  deleteRegistration: (): Promise<null> => invoke<null>('delete_registration'),
  /** Voice guidance: says `text` through the OS speech engine, cutting what was being said. */
  speak: (text: string, language: Language): Promise<null> => invoke<null>('speak', { text, language }),
  /** Voice guidance off, or the wipe: silence. */
  speechStop: (): Promise<null> => invoke<null>('speech_stop'),
  /** Whether the central server answers (the offline banner). */
  connectivity: (): Promise<Connectivity> => invoke<Connectivity>('connectivity'),
  /** The kiosk's offline queue (staff). */
  queueStatus: (): Promise<QueueStatus> => invoke<QueueStatus>('queue_status'),
  /** « Envoyer maintenant » (staff): checks the server, sends what is due, answers the queue. */
  syncNow: (): Promise<QueueStatus> => invoke<QueueStatus>('sync_now'),
  /** Opens staff mode with the staff PIN (`staff.wrong_pin`, `staff.locked`, `staff.disabled`); answers the queue. */
  staffLogin: (form: StaffPinForm): Promise<QueueStatus> => invoke<QueueStatus>('staff_login', { form }),
  /** « Fermer le mode personnel ». Staff mode also ends with reset_session. */
  staffLogout: (): Promise<null> => invoke<null>('staff_logout'),
  /** « Quitter le mode borne » (staff): closes the kiosk app for maintenance. */
  staffExit: (): Promise<null> => invoke<null>('staff_exit'),
  /**
   * « Inscrire la borne » (staff): the one-time code from `borne-central kiosk enroll`; the device token
   * goes to the OS keyring (`enroll.invalid_code`, `enroll.unreachable`, `enroll.keystore`, `staff.required`).
   */
  enrollKiosk: (form: EnrollForm): Promise<Enrolled> => invoke<Enrolled>('enroll_kiosk', { form }),
  resetSession: (): Promise<null> => invoke<null>('reset_session'),
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isFieldError(value: unknown): value is FieldError {
  return isRecord(value) && typeof value.field === 'string' && typeof value.code === 'string';
}

/**
 * Turns whatever a command rejected with into an ErrorBody. A plain string or
 * an unexpected shape becomes code "internal" (shown as the generic message).
 */
export function toErrorBody(error: unknown): ErrorBody {
  if (isRecord(error) && typeof error.code === 'string') {
    return {
      code: error.code,
      message: typeof error.message === 'string' ? error.message : '',
      fields: Array.isArray(error.fields) ? error.fields.filter(isFieldError) : [],
      retry_after_seconds:
        typeof error.retry_after_seconds === 'number' ? error.retry_after_seconds : null,
    };
  }
  return {
    code: 'internal',
    message: typeof error === 'string' ? error : '',
    fields: [],
    retry_after_seconds: null,
  };
}
