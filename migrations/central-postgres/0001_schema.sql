-- The central schema on PostgreSQL: the same tables, columns and
-- constraints as migrations/central-sqlite after its 0006, written for
-- PostgreSQL. Times are Unix seconds (BIGINT), flags 0/1 (BIGINT with a
-- CHECK), ids UUIDv7 text, as in SQLite: one set of statements serves both.
-- New migrations are added to both folders.

CREATE TABLE accounts (
    id                  TEXT PRIMARY KEY,              -- UUIDv7
    phone               TEXT NOT NULL,                 -- E.164
    language            TEXT NOT NULL CHECK (language IN ('fr', 'en')),
    created_at          BIGINT NOT NULL,
    verified_at         BIGINT,                        -- first successful login
    failed_logins       BIGINT NOT NULL DEFAULT 0,
    login_locked_until  BIGINT,
    CONSTRAINT accounts_phone_unique UNIQUE (phone)
);

CREATE TABLE consents (
    id              TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    text_version    TEXT NOT NULL,
    language        TEXT NOT NULL CHECK (language IN ('fr', 'en')),
    accepted_at     BIGINT NOT NULL,               -- as stated by the kiosk
    recorded_at     BIGINT NOT NULL,               -- as seen by this server
    kiosk_id        TEXT NOT NULL,
    staff_assisted  BIGINT NOT NULL CHECK (staff_assisted IN (0, 1))
);
CREATE INDEX consents_account ON consents (account_id);

CREATE TABLE codes (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    code_hash   TEXT NOT NULL,
    channel     TEXT NOT NULL CHECK (channel IN ('sms', 'voice')),
    state       TEXT NOT NULL CHECK (state IN ('active', 'used', 'burned', 'superseded')),
    attempts    BIGINT NOT NULL DEFAULT 0,         -- wrong tries
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX codes_one_active ON codes (account_id) WHERE state = 'active';

CREATE TABLE deliveries (
    id               TEXT PRIMARY KEY,
    code_id          TEXT REFERENCES codes (id) ON DELETE CASCADE,
    account_id       TEXT REFERENCES accounts (id) ON DELETE CASCADE,
    registration_id  TEXT,
    to_phone         TEXT NOT NULL,                -- E.164
    channel          TEXT NOT NULL CHECK (channel IN ('sms', 'voice')),
    language         TEXT NOT NULL CHECK (language IN ('fr', 'en')),
    secret           TEXT,
    state            TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'delivered', 'failed', 'expired', 'superseded')),
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    lease_until      BIGINT,                       -- a worker holds it until then
    expires_at       BIGINT NOT NULL,              -- the code's expiry
    provider_id      TEXT,
    last_error       TEXT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    kiosk_id         TEXT NOT NULL DEFAULT '',
    sent_at          BIGINT,                       -- the provider accepted it
    fallback         TEXT                          -- 'sms_refused' / 'sms_opted_out'
);
CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at);
CREATE INDEX deliveries_phone_time ON deliveries (to_phone, created_at);
CREATE INDEX deliveries_kiosk_time ON deliveries (kiosk_id, created_at);
CREATE INDEX deliveries_sent_at ON deliveries (sent_at);
CREATE INDEX deliveries_provider ON deliveries (provider_id);
CREATE INDEX deliveries_account ON deliveries (account_id);
CREATE INDEX deliveries_code ON deliveries (code_id);

CREATE TABLE sessions (
    token_hash    TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

CREATE TABLE profiles (
    account_id    TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    first_name    TEXT,
    language      TEXT NOT NULL CHECK (language IN ('fr', 'en')),
    city          TEXT NOT NULL,
    street        TEXT,
    civic_number  TEXT,
    apartment     TEXT,
    postal_code   TEXT,
    newsletter    BIGINT NOT NULL CHECK (newsletter IN (0, 1)),
    updated_at    BIGINT NOT NULL,
    categories    TEXT NOT NULL DEFAULT ''        -- optional alert categories, ids joined by commas
);

CREATE TABLE contact_points (
    account_id               TEXT NOT NULL REFERENCES profiles (account_id) ON DELETE CASCADE,
    position                 BIGINT NOT NULL,      -- « Ordre »
    active                   BIGINT NOT NULL CHECK (active IN (0, 1)),
    description              TEXT NOT NULL,
    kind                     TEXT NOT NULL CHECK (kind IN ('landline', 'mobile', 'email')),
    value                    TEXT NOT NULL,        -- E.164 or e-mail
    extension                TEXT,
    extension_delay_seconds  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, position)
);

CREATE TABLE sms_opt_outs (
    phone       TEXT PRIMARY KEY,                  -- E.164
    opted_out   BIGINT NOT NULL CHECK (opted_out IN (0, 1)),
    keyword     TEXT NOT NULL,
    changed_at  BIGINT NOT NULL
);

CREATE TABLE cost_breaker (
    id          BIGINT PRIMARY KEY CHECK (id = 1),
    paused_at   BIGINT,
    reason      TEXT,
    resumed_at  BIGINT
);
INSERT INTO cost_breaker (id) VALUES (1);

CREATE TABLE registrations (
    id            TEXT PRIMARY KEY,                -- UUIDv7 made at the kiosk
    content_hash  TEXT NOT NULL,                   -- SHA-256 of the registration as sent
    kiosk_id      TEXT NOT NULL,
    account_id    TEXT REFERENCES accounts (id) ON DELETE SET NULL,
    outcome       TEXT NOT NULL CHECK (outcome IN ('created', 'updated', 'pending_change')),
    captured_at   BIGINT NOT NULL,
    received_at   BIGINT NOT NULL
);
CREATE INDEX registrations_account ON registrations (account_id);

CREATE TABLE pending_changes (
    id           TEXT PRIMARY KEY,                 -- the registration id
    account_id   TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    profile      TEXT NOT NULL,                    -- JSON, the wire Profile
    consent      TEXT NOT NULL,                    -- JSON, the wire Consent
    kiosk_id     TEXT NOT NULL,
    captured_at  BIGINT NOT NULL,
    received_at  BIGINT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('pending', 'applied', 'discarded', 'superseded')),
    decided_at   BIGINT
);
CREATE INDEX pending_changes_account ON pending_changes (account_id, state);

CREATE TABLE kiosks (
    id                      TEXT PRIMARY KEY,
    name                    TEXT NOT NULL,
    created_at              BIGINT NOT NULL,
    enrollment_code_hash    TEXT UNIQUE,
    enrollment_expires_at   BIGINT NOT NULL,
    token_hash              TEXT UNIQUE,
    enrolled_at             BIGINT,
    revoked_at              BIGINT,
    last_seen_at            BIGINT,
    app_version             TEXT,
    mode                    TEXT CHECK (mode IN ('online', 'offline')),
    queue_depth             BIGINT,
    queue_rejected          BIGINT,
    oldest_pending_seconds  BIGINT,
    last_sync_at            TEXT
);

CREATE TABLE deletions (
    id            TEXT PRIMARY KEY,                -- UUIDv7, not the account's id
    deleted_at    BIGINT NOT NULL,
    requested_by  TEXT NOT NULL CHECK (requested_by IN ('resident', 'administrator'))
);
