// Where the resident in front of the kiosk stands in the signup: a pure state machine (no DOM, no IPC).
//
// `Flow` is the signup itself, one state per stage; `Session` adds what runs beside it until the wipe
// (staff mode, an assisted signup) and the session's number (a reply arriving after a wipe carries an
// older number: it belongs to the previous resident). `next` is the only way from one to the next;
// the selectors at the end answer what the screens ask (which number to show, which variant of the
// form, what was saved).
import type { CodeSent, LoginOutcome, PendingChange, ProfileOutcome, Queued, SavedProfile } from './bindings';

export type Flow =
  /** Nobody has begun: the attract screen, the home screen, the staff panel. */
  | { readonly kind: 'idle' }
  /** Step 1 is being filled in; no code was sent yet. */
  | { readonly kind: 'requesting' }
  /** A code went out (steps 3 and 4; back at step 1 for another code, it is kept). */
  | { readonly kind: 'codeSent'; readonly sent: CodeSent }
  /** Logged in: the form (step 5), online; an offline registration for the number may wait for a decision. */
  | {
      readonly kind: 'loggedIn';
      readonly sent: CodeSent | null;
      readonly outcome: LoginOutcome;
      readonly pendingChange: PendingChange | null;
    }
  /** The central server was out of reach at step 1: straight to the form, no code (queued on the kiosk). */
  | { readonly kind: 'offlineRequest'; readonly phoneDisplay: string }
  /** The code typed could not be checked (the server stopped answering after step 1): the form, offline. */
  | { readonly kind: 'offlineLogin'; readonly sent: CodeSent | null; readonly outcome: LoginOutcome }
  /** Saved by the central server (step 6). `form`: how the form was reached (null: shown without a signup). */
  | { readonly kind: 'doneOnline'; readonly form: FormFlow | null; readonly saved: SavedProfile }
  /** Saved in the kiosk's queue, sent when the service is back (the offline confirmation). */
  | { readonly kind: 'doneQueued'; readonly form: FormFlow | null; readonly queued: Queued }
  /** « Mon inscription »: the resident deleted their registration (the central session ended with it). */
  | { readonly kind: 'deleted' };

/** The states in which the form (step 5) is filled in. */
export type FormFlow = Extract<Flow, { kind: 'loggedIn' | 'offlineRequest' | 'offlineLogin' }>;

export interface Session {
  /** Bumped by every wipe: a reply arriving after it belongs to the previous resident. */
  readonly id: number;
  /** Staff mode is open (PIN accepted); it ends with the session, or when the Rust side no longer knows it. */
  readonly staff: boolean;
  /** This resident is signed up by a staff member: no captcha, consent recorded as staff-assisted. */
  readonly assisted: boolean;
  readonly flow: Flow;
}

export type FlowEvent =
  /** « Annuler », « Terminer », the idle warning's end: the next resident starts from nothing. */
  | { readonly type: 'reset' }
  /** The staff PIN was accepted. */
  | { readonly type: 'staffOpened' }
  /** The Rust side no longer knows staff mode (`staff.required`). */
  | { readonly type: 'staffEnded' }
  /** « Inscription assistée » (staff mode only): step 1 for the resident at the screen. */
  | { readonly type: 'assist' }
  /** Step 1 afresh (« Nouvel usager », « Déjà inscrit? Modifier mon inscription »): no code any more. */
  | { readonly type: 'request' }
  /** A code went out (step 1 online, or sent again at step 3). */
  | { readonly type: 'codeSent'; readonly sent: CodeSent }
  /** Step 1 answered `offline`: the form, with the number typed. */
  | { readonly type: 'requestOffline'; readonly phoneDisplay: string }
  /** Step 4 answered (`outcome.offline`: the code could not be checked). */
  | { readonly type: 'loggedIn'; readonly outcome: LoginOutcome }
  /** The pending change was applied or discarded. */
  | { readonly type: 'pendingDecided' }
  /** Step 5 answered: saved online or queued on the kiosk. */
  | { readonly type: 'saved'; readonly outcome: ProfileOutcome }
  /** « Supprimer mon inscription », confirmed and done by the central server. */
  | { readonly type: 'deleted' };

const IDLE: Flow = { kind: 'idle' };

export function initialSession(): Session {
  return { id: 0, staff: false, assisted: false, flow: IDLE };
}

/** The form state the flow is in or came from (the confirmation keeps it), or null. */
export function formFlow(flow: Flow): FormFlow | null {
  switch (flow.kind) {
    case 'loggedIn':
    case 'offlineRequest':
    case 'offlineLogin':
      return flow;
    case 'doneOnline':
    case 'doneQueued':
      return flow.form;
    default:
      return null;
  }
}

/** The code sent for this resident (its number, its channel), or null. */
export function codeSent(flow: Flow): CodeSent | null {
  if (flow.kind === 'codeSent') return flow.sent;
  const form = formFlow(flow);
  return form !== null && form.kind !== 'offlineRequest' ? form.sent : null;
}

/** The offline variant of the form: `request` (no code at all), `login` (the code could not be checked), or null. */
export function offlineVariant(flow: Flow): 'request' | 'login' | null {
  const form = formFlow(flow);
  if (form?.kind === 'offlineRequest') return 'request';
  if (form?.kind === 'offlineLogin') return 'login';
  return null;
}

/** The number shown on the form (offline) and put as first contact when the profile has none. */
export function phoneDisplay(flow: Flow): string | null {
  const form = formFlow(flow);
  if (form === null) return null;
  return form.kind === 'offlineRequest' ? form.phoneDisplay : form.outcome.phone_display;
}

/** An offline registration for this number waiting for the verified owner's decision. */
export function pendingChange(flow: Flow): PendingChange | null {
  const form = formFlow(flow);
  return form?.kind === 'loggedIn' ? form.pendingChange : null;
}

export function saved(flow: Flow): SavedProfile | null {
  return flow.kind === 'doneOnline' ? flow.saved : null;
}

export function queued(flow: Flow): Queued | null {
  return flow.kind === 'doneQueued' ? flow.queued : null;
}

/**
 * « Mon inscription »: logged in online to a registration that exists, which the resident may change or
 * delete (offline, or a number with no registration yet, there is nothing to delete).
 */
export function registered(flow: Flow): boolean {
  return flow.kind === 'loggedIn' && flow.outcome.existing_profile;
}

function nextFlow(flow: Flow, event: FlowEvent): Flow {
  switch (event.type) {
    case 'request':
      return { kind: 'requesting' };
    case 'codeSent':
      return { kind: 'codeSent', sent: event.sent };
    case 'requestOffline':
      return { kind: 'offlineRequest', phoneDisplay: event.phoneDisplay };
    case 'loggedIn': {
      const sent = codeSent(flow);
      const { outcome } = event;
      if (outcome.offline) return { kind: 'offlineLogin', sent, outcome };
      return { kind: 'loggedIn', sent, outcome, pendingChange: outcome.pending_change ?? null };
    }
    case 'pendingDecided':
      return flow.kind === 'loggedIn' ? { ...flow, pendingChange: null } : flow;
    case 'deleted':
      return registered(flow) ? { kind: 'deleted' } : flow;
    case 'saved': {
      const form = formFlow(flow);
      const { outcome } = event;
      if (outcome.mode === 'offline') return { kind: 'doneQueued', form, queued: outcome };
      return { kind: 'doneOnline', form, saved: outcome };
    }
    default:
      return flow;
  }
}

/** The session after `event`; the same object when the event changes nothing. */
export function next(session: Session, event: FlowEvent): Session {
  switch (event.type) {
    case 'reset':
      return { id: session.id + 1, staff: false, assisted: false, flow: IDLE };
    case 'staffOpened':
      return session.staff ? session : { ...session, staff: true };
    case 'staffEnded':
      return session.staff ? { ...session, staff: false } : session;
    case 'assist':
      return session.staff ? { ...session, assisted: true, flow: { kind: 'requesting' } } : session;
    default: {
      const flow = nextFlow(session.flow, event);
      return flow === session.flow ? session : { ...session, flow };
    }
  }
}
