// The signup's state machine on its own: every transition, and what the screens read from each state.
import { describe, expect, it } from 'vitest';
import type { CodeSent, LoginOutcome, PendingChange, Profile, ProfileOutcome } from './bindings';
import {
  codeSent,
  formFlow,
  initialSession,
  next,
  offlineVariant,
  pendingChange,
  phoneDisplay,
  queued,
  saved,
  type FlowEvent,
  type Session,
} from './flow';

function emptyProfile(partial: Partial<Profile> = {}): Profile {
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

const SENT: CodeSent = {
  phone_display: '514 555-0100',
  channel: 'sms',
  code_expires_at: '2030-01-01T00:00:00Z',
  fallback: null,
  resend_after_seconds: 60,
};

const PENDING: PendingChange = {
  id: 'p1',
  captured_at: '2025-03-14T19:30:00Z',
  kiosk_id: 'k1',
  profile: emptyProfile({ name: 'Roy' }),
};

function login(partial: Partial<LoginOutcome> = {}): LoginOutcome {
  return {
    phone_display: '514 555-0100',
    existing_profile: false,
    profile: emptyProfile(),
    offline: false,
    pending_change: null,
    ...partial,
  };
}

const ONLINE_SAVE: ProfileOutcome = { mode: 'online', profile: emptyProfile({ name: 'Roy' }), saved_at: '2025-03-14T19:30:00Z' };
const QUEUED_SAVE: ProfileOutcome = {
  mode: 'offline',
  reference: '7F3A-92C1',
  phone_display: '514 555-0199',
  channel: 'voice',
  profile: emptyProfile({ name: 'Roy' }),
  needs_confirmation: true,
};

function run(...events: FlowEvent[]): Session {
  return events.reduce(next, initialSession());
}

describe('a new session', () => {
  it('starts idle, number 0, without staff mode', () => {
    const s = initialSession();
    expect(s).toEqual({ id: 0, staff: false, assisted: false, flow: { kind: 'idle' } });
    expect(codeSent(s.flow)).toBeNull();
    expect(offlineVariant(s.flow)).toBeNull();
    expect(phoneDisplay(s.flow)).toBeNull();
    expect(pendingChange(s.flow)).toBeNull();
    expect(formFlow(s.flow)).toBeNull();
  });
});

describe('the online signup', () => {
  it('goes requesting → code sent → logged in → done online', () => {
    const requesting = run({ type: 'request' });
    expect(requesting.flow).toEqual({ kind: 'requesting' });

    const sent = next(requesting, { type: 'codeSent', sent: SENT });
    expect(sent.flow).toEqual({ kind: 'codeSent', sent: SENT });
    expect(codeSent(sent.flow)).toBe(SENT);
    expect(phoneDisplay(sent.flow)).toBeNull();

    const outcome = login({ phone_display: '514 555-0111' });
    const logged = next(sent, { type: 'loggedIn', outcome });
    expect(logged.flow).toEqual({ kind: 'loggedIn', sent: SENT, outcome, pendingChange: null });
    // The code's channel stays known (the first contact's kind), the number comes from the login.
    expect(codeSent(logged.flow)).toBe(SENT);
    expect(phoneDisplay(logged.flow)).toBe('514 555-0111');
    expect(offlineVariant(logged.flow)).toBeNull();

    const done = next(logged, { type: 'saved', outcome: ONLINE_SAVE });
    expect(done.flow.kind).toBe('doneOnline');
    expect(saved(done.flow)).toBe(ONLINE_SAVE);
    expect(queued(done.flow)).toBeNull();
    // The confirmation keeps how the form was reached.
    expect(formFlow(done.flow)).toBe(logged.flow);
    expect(phoneDisplay(done.flow)).toBe('514 555-0111');
    // The session's number only changes with a wipe.
    expect(done.id).toBe(0);
  });

  it('keeps the latest code when another one is sent', () => {
    const other: CodeSent = { ...SENT, channel: 'voice' };
    const s = run({ type: 'request' }, { type: 'codeSent', sent: SENT }, { type: 'codeSent', sent: other });
    expect(codeSent(s.flow)).toBe(other);
  });

  it('forgets the code when step 1 starts afresh', () => {
    const s = run({ type: 'codeSent', sent: SENT }, { type: 'request' });
    expect(s.flow).toEqual({ kind: 'requesting' });
    expect(codeSent(s.flow)).toBeNull();
  });

  it('carries the pending change of the login until it is decided', () => {
    const logged = run({ type: 'codeSent', sent: SENT }, { type: 'loggedIn', outcome: login({ pending_change: PENDING }) });
    expect(pendingChange(logged.flow)).toBe(PENDING);
    const decided = next(logged, { type: 'pendingDecided' });
    expect(pendingChange(decided.flow)).toBeNull();
    expect(decided.flow.kind).toBe('loggedIn');
    expect(codeSent(decided.flow)).toBe(SENT);
  });

  it('ignores a decision where no change waits', () => {
    const s = run({ type: 'request' });
    expect(next(s, { type: 'pendingDecided' })).toBe(s);
  });

  it('logs in without a code sent here (the login screen reached directly)', () => {
    const s = run({ type: 'loggedIn', outcome: login() });
    expect(s.flow.kind).toBe('loggedIn');
    expect(codeSent(s.flow)).toBeNull();
  });
});

describe('the offline variant', () => {
  it('from step 1: straight to the form, no code, then queued', () => {
    const s = run({ type: 'request' }, { type: 'requestOffline', phoneDisplay: '514 555-0199' });
    expect(s.flow).toEqual({ kind: 'offlineRequest', phoneDisplay: '514 555-0199' });
    expect(offlineVariant(s.flow)).toBe('request');
    expect(phoneDisplay(s.flow)).toBe('514 555-0199');
    expect(codeSent(s.flow)).toBeNull();
    expect(pendingChange(s.flow)).toBeNull();

    const done = next(s, { type: 'saved', outcome: QUEUED_SAVE });
    expect(done.flow.kind).toBe('doneQueued');
    expect(queued(done.flow)).toBe(QUEUED_SAVE);
    expect(saved(done.flow)).toBeNull();
    // « Étape 3 de 3 »: the confirmation is still the offline variant from step 1.
    expect(offlineVariant(done.flow)).toBe('request');
  });

  it('forgets a code sent before step 1 went offline', () => {
    const s = run({ type: 'codeSent', sent: SENT }, { type: 'requestOffline', phoneDisplay: '514 555-0199' });
    expect(codeSent(s.flow)).toBeNull();
  });

  it('from the login: the form offline, the code sent kept, no pending change', () => {
    const outcome = login({ offline: true, pending_change: PENDING });
    const s = run({ type: 'codeSent', sent: SENT }, { type: 'loggedIn', outcome });
    expect(s.flow).toEqual({ kind: 'offlineLogin', sent: SENT, outcome });
    expect(offlineVariant(s.flow)).toBe('login');
    expect(pendingChange(s.flow)).toBeNull();
    expect(codeSent(s.flow)).toBe(SENT);
    expect(phoneDisplay(s.flow)).toBe('514 555-0100');
    expect(next(s, { type: 'pendingDecided' })).toBe(s);
  });

  it('a save may be queued after an online login (the server stopped answering at step 5)', () => {
    const s = run({ type: 'codeSent', sent: SENT }, { type: 'loggedIn', outcome: login() }, { type: 'saved', outcome: QUEUED_SAVE });
    expect(s.flow.kind).toBe('doneQueued');
    expect(offlineVariant(s.flow)).toBeNull();
  });

  it('a save without a form state (the form shown directly) keeps no form', () => {
    const s = run({ type: 'saved', outcome: ONLINE_SAVE });
    expect(s.flow).toEqual({ kind: 'doneOnline', form: null, saved: ONLINE_SAVE });
    expect(phoneDisplay(s.flow)).toBeNull();
  });
});

describe('staff mode', () => {
  it('opens with the PIN and lets a staff member start an assisted signup', () => {
    const s = run({ type: 'staffOpened' }, { type: 'assist' });
    expect(s).toEqual({ id: 0, staff: true, assisted: true, flow: { kind: 'requesting' } });
    // The assisted signup goes on like any other, staff mode still open.
    const sent = next(s, { type: 'codeSent', sent: SENT });
    expect(sent.staff).toBe(true);
    expect(sent.assisted).toBe(true);
  });

  it('no assisted signup without staff mode', () => {
    const s = initialSession();
    expect(next(s, { type: 'assist' })).toBe(s);
    const ended = run({ type: 'staffOpened' }, { type: 'staffEnded' });
    expect(ended.staff).toBe(false);
    expect(next(ended, { type: 'assist' })).toBe(ended);
  });

  it('opening twice or ending when closed changes nothing', () => {
    const open = run({ type: 'staffOpened' });
    expect(next(open, { type: 'staffOpened' })).toBe(open);
    const closed = initialSession();
    expect(next(closed, { type: 'staffEnded' })).toBe(closed);
  });
});

describe('the wipe', () => {
  it('forgets everything and bumps the session number, from any state', () => {
    const states: Session[] = [
      initialSession(),
      run({ type: 'request' }),
      run({ type: 'codeSent', sent: SENT }),
      run({ type: 'loggedIn', outcome: login({ pending_change: PENDING }) }),
      run({ type: 'requestOffline', phoneDisplay: '514 555-0199' }),
      run({ type: 'staffOpened' }, { type: 'assist' }, { type: 'codeSent', sent: SENT }, { type: 'loggedIn', outcome: login({ offline: true }) }),
      run({ type: 'requestOffline', phoneDisplay: '514 555-0199' }, { type: 'saved', outcome: QUEUED_SAVE }),
    ];
    for (const s of states) {
      const wiped = next(s, { type: 'reset' });
      expect(wiped).toEqual({ id: s.id + 1, staff: false, assisted: false, flow: { kind: 'idle' } });
    }
    expect(run({ type: 'reset' }, { type: 'reset' }).id).toBe(2);
  });
});
