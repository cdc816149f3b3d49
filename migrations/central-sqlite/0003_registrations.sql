-- Offline registrations synced from kiosk queues.

-- Deliveries gain: the account (a registration's delivery has no code
-- until the worker makes one, just before sending, so that its 10
-- minutes start when it goes out) and the registration that queued it.
-- code_id becomes nullable: the table is rebuilt (SQLite cannot drop
-- NOT NULL in place).
CREATE TABLE deliveries_v3 (
    id               TEXT PRIMARY KEY,
    code_id          TEXT REFERENCES codes (id) ON DELETE CASCADE,
    account_id       TEXT REFERENCES accounts (id) ON DELETE CASCADE,
    registration_id  TEXT,
    to_phone         TEXT NOT NULL,
    channel          TEXT NOT NULL CHECK (channel IN ('sms', 'voice')),
    language         TEXT NOT NULL CHECK (language IN ('fr', 'en')),
    secret           TEXT,
    state            TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'delivered', 'failed', 'expired', 'superseded')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    lease_until      INTEGER,
    expires_at       INTEGER NOT NULL,
    provider_id      TEXT,
    last_error       TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    kiosk_id         TEXT NOT NULL DEFAULT '',
    sent_at          INTEGER,
    fallback         TEXT
);
INSERT INTO deliveries_v3 (id, code_id, account_id, to_phone, channel, language, secret, state,
                           attempts, next_attempt_at, lease_until, expires_at, provider_id,
                           last_error, created_at, updated_at, kiosk_id, sent_at, fallback)
    SELECT d.id, d.code_id, c.account_id, d.to_phone, d.channel, d.language, d.secret, d.state,
           d.attempts, d.next_attempt_at, d.lease_until, d.expires_at, d.provider_id,
           d.last_error, d.created_at, d.updated_at, d.kiosk_id, d.sent_at, d.fallback
    FROM deliveries d LEFT JOIN codes c ON c.id = d.code_id;
DROP TABLE deliveries;
ALTER TABLE deliveries_v3 RENAME TO deliveries;
CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at);
CREATE INDEX deliveries_phone_time ON deliveries (to_phone, created_at);
CREATE INDEX deliveries_kiosk_time ON deliveries (kiosk_id, created_at);
CREATE INDEX deliveries_sent_at ON deliveries (sent_at);
CREATE INDEX deliveries_provider ON deliveries (provider_id);
CREATE INDEX deliveries_account ON deliveries (account_id);

-- One row per registration id ever stored: the idempotency record. A
-- repeated id with the same content_hash gets `outcome` again; another
-- content is refused.
CREATE TABLE registrations (
    id            TEXT PRIMARY KEY,             -- UUIDv7 made at the kiosk
    content_hash  TEXT NOT NULL,                -- SHA-256 of the registration as sent
    kiosk_id      TEXT NOT NULL,
    account_id    TEXT REFERENCES accounts (id) ON DELETE SET NULL,
    outcome       TEXT NOT NULL CHECK (outcome IN ('created', 'updated', 'pending_change')),
    captured_at   INTEGER NOT NULL,
    received_at   INTEGER NOT NULL
);

-- Takeover safety: an offline registration for a number that already has
-- a verified account waits here until that account's owner logs in with a
-- fresh code and applies or discards it.
CREATE TABLE pending_changes (
    id               TEXT PRIMARY KEY,          -- the registration id
    account_id       TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    profile          TEXT NOT NULL,             -- JSON, the wire Profile
    consent          TEXT NOT NULL,             -- JSON, the wire Consent
    kiosk_id         TEXT NOT NULL,
    captured_at      INTEGER NOT NULL,
    received_at      INTEGER NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('pending', 'applied', 'discarded', 'superseded')),
    decided_at       INTEGER
);
CREATE INDEX pending_changes_account ON pending_changes (account_id, state);
