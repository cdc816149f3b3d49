import { invoke } from '@tauri-apps/api/core';
import type {
  CaptchaImage,
  Channel,
  CodeRequestForm,
  CodeSent,
  DeliveryStatus,
  ErrorBody,
  FieldError,
  KioskInfo,
  LoginForm,
  LoginOutcome,
  Profile,
  SavedProfile,
} from './bindings';

/** Typed wrappers around the Rust commands. */
export const api = {
  kioskInfo: (): Promise<KioskInfo> => invoke<KioskInfo>('kiosk_info'),
  captchaNew: (): Promise<CaptchaImage> => invoke<CaptchaImage>('captcha_new'),
  requestCode: (form: CodeRequestForm): Promise<CodeSent> =>
    invoke<CodeSent>('request_code', { form }),
  /** A fresh code to the number of this session, by the channel picked now (no captcha). */
  resendCode: (channel: Channel): Promise<CodeSent> => invoke<CodeSent>('resend_code', { channel }),
  /** Where the last code's SMS or call stands. */
  deliveryStatus: (): Promise<DeliveryStatus> => invoke<DeliveryStatus>('delivery_status'),
  login: (form: LoginForm): Promise<LoginOutcome> => invoke<LoginOutcome>('login', { form }),
  saveProfile: (profile: Profile): Promise<SavedProfile> =>
    invoke<SavedProfile>('save_profile', { profile }),
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
