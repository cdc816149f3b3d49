// « Inscription de la borne » in the staff panel: the one-time code from `borne-central kiosk enroll`
// (e.g. K7QX-M3PA-W9TR) makes this kiosk known to the central server.
import type { Enrolled, KioskInfo } from '../bindings';
import type { Services, UiPart } from '../context';
import { byId, h } from '../dom';
import { toErrorBody } from '../ipc';
import { actionBar, form } from '../screens/common';
import { button, clearFieldError, clearText, fieldBlock, input, setI18n, showFieldError } from '../ui';

const STAFF_REQUIRED = 'staff.required';
const ENROLL_UNREACHABLE = 'enroll.unreachable';

export interface EnrollContext extends Pick<Services, 'api' | 'info' | 'session' | 'screen' | 'noticeError' | 'refreshConnectivity'> {
  /** The central server no longer refuses this kiosk (its new token). */
  setRefused(refused: boolean): void;
  /** What the enrollment changed in the kiosk's information (the attract screen follows). */
  updateInfo(patch: Partial<KioskInfo>): void;
  /** Asks kiosk_info again: the name and the attract screen follow it. */
  refreshKioskInfo(): Promise<void>;
  /** An error of the staff panel (`staff.required` ends staff mode). */
  staffFailed(error: unknown): void;
  /** Runs the panel's work with its button busy (and left disabled once staff mode has ended). */
  withStaffBusy(btn: HTMLButtonElement, work: () => Promise<void>): Promise<void>;
}

export interface Enrollment extends UiPart {
  /** The kiosk's name, or that it is not enrolled. */
  render(): void;
  /** Staff mode ended: the code cannot be sent any more. */
  disable(): void;
}

export function createEnrollment(ctx: EnrollContext): Enrollment {
  const current = h('p', { id: 'enroll-current', class: 'lead' });
  const code = input({ autocapitalize: 'characters', autocorrect: 'off', spellcheck: 'false', maxlength: 32 });
  const submit = button('btn-enroll', 'staff.enroll_submit', 'primary', 'submit');
  const status = h('p', { id: 'enroll-status', class: 'status-line', role: 'status' });
  const enrollForm = form('form-enroll', [
    fieldBlock({ id: 'enroll-code', field: 'code', label: 'staff.enroll_code', control: code, required: true, help: 'staff.enroll_code_help' }),
    actionBar([submit]),
  ]);
  const element = h('section', { id: 'staff-enroll', class: 'staff-enroll', 'aria-labelledby': 'staff-enroll-title' }, [
    h('h2', { id: 'staff-enroll-title', i18n: 'staff.enroll_title' }),
    current,
    enrollForm,
    status,
  ]);
  const errorEl = byId(enrollForm, 'error-enroll-code');

  function render(): void {
    const info = ctx.info();
    if (!info) clearText(current);
    else if (!info.enrolled) setI18n(current, 'staff.enroll_none');
    else if (info.kiosk_name) setI18n(current, 'staff.enroll_current', { name: info.kiosk_name });
    else setI18n(current, 'staff.enroll_unnamed');
  }

  /** An enrollment refused: next to the field, what was typed kept for correction. */
  function failed(e: unknown): void {
    clearText(status);
    const body = toErrorBody(e);
    if (body.code === STAFF_REQUIRED) {
      ctx.staffFailed(e);
      return;
    }
    ctx.noticeError(body);
    if (body.code === ENROLL_UNREACHABLE) void ctx.refreshConnectivity();
    const fieldCode = body.code === 'validation' ? body.fields[0]?.code : undefined;
    showFieldError(errorEl, fieldCode ?? body.code);
    code.focus();
  }

  /** « Inscrire la borne » with the one-time code typed. */
  async function submitEnrollment(): Promise<void> {
    const session = ctx.session().id;
    clearFieldError(errorEl);
    setI18n(status, 'staff.enrolling');
    let enrolled: Enrolled;
    try {
      // Hyphens are optional: the code goes as typed, in capitals, without surrounding spaces.
      enrolled = await ctx.api.enrollKiosk({ code: code.value.trim().toLocaleUpperCase('fr-CA') });
    } catch (e) {
      if (session !== ctx.session().id || ctx.screen() !== 'staff') return;
      failed(e);
      return;
    }
    if (session !== ctx.session().id || ctx.screen() !== 'staff') return;
    code.value = '';
    setI18n(status, 'staff.enroll_done', { name: enrolled.kiosk_name });
    // The new token is the kiosk's: the central server no longer refuses it.
    ctx.setRefused(false);
    if (ctx.info()) {
      ctx.updateInfo({ enrolled: true, kiosk_name: enrolled.kiosk_name });
      render();
    } else {
      setI18n(current, 'staff.enroll_current', { name: enrolled.kiosk_name });
    }
    await ctx.refreshKioskInfo();
    void ctx.refreshConnectivity();
  }

  /** Codes are capitals and digits: what is typed (keys or a physical keyboard) becomes capitals. */
  code.addEventListener('input', () => {
    const upper = code.value.toLocaleUpperCase('fr-CA');
    if (upper === code.value) return;
    const { selectionStart, selectionEnd } = code;
    code.value = upper;
    if (selectionStart !== null && selectionEnd !== null) code.setSelectionRange(selectionStart, selectionEnd);
  });
  enrollForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void ctx.withStaffBusy(submit, submitEnrollment);
  });

  return {
    element,
    render,
    drawInfo: render,
    disable(): void {
      submit.disabled = true;
    },
    clear(): void {
      code.value = '';
      clearFieldError(errorEl);
      clearText(status);
      submit.disabled = false;
      submit.removeAttribute('aria-busy');
    },
  };
}
