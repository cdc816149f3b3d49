-- Offline registrations are confirmed from the phone itself: an SMS
-- answered OUI, or 1 pressed during a call (issue 13). The same change as
-- migrations/central-sqlite/0007, in PostgreSQL's types.
CREATE TABLE confirmations (
    id              TEXT PRIMARY KEY,                -- the registration's id
    account_id      TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    phone           TEXT NOT NULL,                   -- E.164
    channel         TEXT NOT NULL CHECK (channel IN ('sms', 'voice')),
    language        TEXT NOT NULL CHECK (language IN ('fr', 'en')),
    kiosk_id        TEXT NOT NULL,
    applies_change  BIGINT NOT NULL CHECK (applies_change IN (0, 1)),
    state           TEXT NOT NULL CHECK (state IN ('pending', 'confirmed', 'refused', 'superseded')),
    created_at      BIGINT NOT NULL,
    sends           BIGINT NOT NULL DEFAULT 0,
    remind_at       BIGINT,
    reminded        BIGINT NOT NULL DEFAULT 0 CHECK (reminded IN (0, 1)),
    decided_at      BIGINT,
    via             TEXT CHECK (via IN ('sms_reply', 'voice_key')),
    provider_ref    TEXT
);
CREATE UNIQUE INDEX confirmations_one_pending ON confirmations (phone) WHERE state = 'pending';
CREATE INDEX confirmations_account ON confirmations (account_id);
CREATE INDEX confirmations_remind ON confirmations (state, remind_at);
CREATE INDEX deliveries_registration ON deliveries (registration_id);
CREATE INDEX registrations_kiosk_received ON registrations (kiosk_id, received_at);

ALTER TABLE consents ADD COLUMN registration_id TEXT;
ALTER TABLE consents ADD COLUMN confirmed_via TEXT CHECK (confirmed_via IN ('sms_reply', 'voice_key'));
ALTER TABLE consents ADD COLUMN confirmed_at BIGINT;
ALTER TABLE consents ADD COLUMN confirmation_ref TEXT;

CREATE TABLE login_failures (
    scope         TEXT NOT NULL CHECK (scope IN ('phone', 'kiosk')),
    key           TEXT NOT NULL,
    failures      BIGINT NOT NULL,
    last_at       BIGINT NOT NULL,
    locked_until  BIGINT,
    PRIMARY KEY (scope, key)
);
ALTER TABLE accounts DROP COLUMN failed_logins;
ALTER TABLE accounts DROP COLUMN login_locked_until;
