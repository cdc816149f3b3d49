// Step 4, « Connexion »: the number and the code; a code expired or burned offers another.
import type { LoginOutcome } from '../bindings';
import type { Navigation, ScreenPart, Services } from '../context';
import { keyboardAttrs } from '../keyboard';
import { button, clearFieldErrors, clearInputs, fieldBlock, input, withBusy } from '../ui';
import { actionBar, form, guardCancel, requiredNote, screen } from './common';

/** Every failed login reads the same (the server tells nothing more): a new code may be what is needed. */
const NEW_CODE_ERRORS = new Set(['login.invalid_code']);

export type LoginContext = Pick<Services, 'api' | 'session' | 'dispatch' | 'show' | 'reset' | 'banner' | 'refreshConnectivity'> &
  Pick<Navigation, 'request' | 'profile'> & {
    /** « Retour »: step 3 as it was left (the code typed, the delivery followed). */
    backToCode(): void;
  };

export interface LoginScreen extends ScreenPart {
  /** Step 4 with the number and the code typed at step 3. */
  open(phone: string, code: string): void;
}

export function createLogin(ctx: LoginContext): LoginScreen {
  const phone = input({ type: 'tel', ...keyboardAttrs('numeric') });
  const code = input({ type: 'password', ...keyboardAttrs('numeric'), maxlength: 7 });
  const submit = button('btn-login', 'login.submit', 'primary', 'submit');
  const newCodeButton = button('btn-new-code', 'login.new_code', 'secondary');
  newCodeButton.hidden = true;
  const back = button('btn-back-login', 'common.back', 'secondary');
  const cancel = button('btn-cancel-login', 'common.cancel', 'ghost');
  const loginForm = form('form-login', [
    requiredNote(),
    fieldBlock({ id: 'login-phone', field: 'phone', label: 'login.phone', control: phone, required: true }),
    fieldBlock({ id: 'login-code', field: 'code', label: 'login.code', control: code, required: true }),
    actionBar([submit, newCodeButton, back, cancel]),
  ]);
  const cancelQuestion = guardCancel('confirm-cancel-login', cancel, loginForm, ctx.reset);
  loginForm.append(cancelQuestion.element);
  const element = screen('login', 'login.title', [loginForm]);

  /** « Se connecter »: the form (step 5), online, or offline when the code could not be checked. */
  async function submitLogin(): Promise<void> {
    newCodeButton.hidden = true;
    const session = ctx.session().id;
    let outcome: LoginOutcome;
    try {
      outcome = await ctx.api.login({ phone: phone.value, code: code.value });
    } catch (e) {
      if (session !== ctx.session().id) return;
      const body = ctx.banner.showErrors(e, element);
      if (NEW_CODE_ERRORS.has(body.code) || body.fields.some((f) => NEW_CODE_ERRORS.has(f.code))) {
        newCodeButton.hidden = false;
      }
      return;
    }
    // « Annuler » pressed meanwhile: nothing of this resident may stay.
    if (session !== ctx.session().id) return;
    // The server stopped answering after step 1: the form, offline, with what step 1 gave.
    if (outcome.offline) void ctx.refreshConnectivity();
    ctx.dispatch({ type: 'loggedIn', outcome });
    ctx.profile(outcome.profile);
  }

  newCodeButton.addEventListener('click', () => {
    newCodeButton.hidden = true;
    void ctx.request(true);
  });
  loginForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void withBusy(submit, submitLogin);
  });
  back.addEventListener('click', () => {
    ctx.backToCode();
  });

  return {
    element,
    open(typedPhone: string, typedCode: string): void {
      clearFieldErrors(element);
      newCodeButton.hidden = true;
      phone.value = typedPhone;
      code.value = typedCode;
      ctx.show('login');
    },
    show(): void {
      // Drawn by `open`, which leads here.
    },
    clear(): void {
      loginForm.reset();
      clearInputs(element);
      clearFieldErrors(element);
      newCodeButton.hidden = true;
      cancelQuestion.clear();
    },
  };
}
