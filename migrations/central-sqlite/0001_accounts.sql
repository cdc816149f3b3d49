-- Central server, SQLite. Times are Unix seconds (UTC).

-- One account per phone number; the number is the username.
CREATE TABLE accounts (
    id           TEXT PRIMARY KEY,              -- UUIDv7
    phone        TEXT NOT NULL,                 -- E.164
    language     TEXT NOT NULL CHECK (language IN ('fr', 'en')),
    created_at   INTEGER NOT NULL,
    verified_at  INTEGER,                       -- first successful login
    CONSTRAINT accounts_phone_unique UNIQUE (phone)
);

-- Every consent given (Law 25): text version, language, time, kiosk,
-- staff-assisted or not. Never updated.
CREATE TABLE consents (
    id              TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    text_version    TEXT NOT NULL,
    language        TEXT NOT NULL CHECK (language IN ('fr', 'en')),
    accepted_at     INTEGER NOT NULL,           -- as stated by the kiosk
    recorded_at     INTEGER NOT NULL,           -- as seen by this server
    kiosk_id        TEXT NOT NULL,
    staff_assisted  INTEGER NOT NULL CHECK (staff_assisted IN (0, 1))
);
CREATE INDEX consents_account ON consents (account_id);

-- One-time codes: only an argon2id hash is kept. At most one is 'active'
-- per account: issuing a new one supersedes the old.
CREATE TABLE codes (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    code_hash   TEXT NOT NULL,
    channel     TEXT NOT NULL CHECK (channel IN ('sms', 'voice')),
    state       TEXT NOT NULL CHECK (state IN ('active', 'used', 'burned', 'superseded')),
    attempts    INTEGER NOT NULL DEFAULT 0,     -- wrong tries
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX codes_one_active ON codes (account_id) WHERE state = 'active';

-- The telephony outbox. A row is written in the same transaction as its
-- code; the worker delivers it. `secret` holds the code only until the
-- delivery ends (sent, failed, expired, superseded), then it is wiped.
-- Rows are never deleted on failure.
CREATE TABLE deliveries (
    id               TEXT PRIMARY KEY,
    code_id          TEXT NOT NULL REFERENCES codes (id) ON DELETE CASCADE,
    to_phone         TEXT NOT NULL,             -- E.164
    channel          TEXT NOT NULL CHECK (channel IN ('sms', 'voice')),
    language         TEXT NOT NULL CHECK (language IN ('fr', 'en')),
    secret           TEXT,
    state            TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed', 'expired', 'superseded')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    lease_until      INTEGER,                   -- a worker holds it until then
    expires_at       INTEGER NOT NULL,          -- the code's expiry
    provider_id      TEXT,
    last_error       TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at);

-- Resident sessions after login; only a SHA-256 of the token is kept.
CREATE TABLE sessions (
    token_hash    TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

-- Step 5, « Formulaire ».
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
    newsletter    INTEGER NOT NULL CHECK (newsletter IN (0, 1)),
    updated_at    INTEGER NOT NULL
);

-- « Coordonnées », in the order the resident wants to be reached.
CREATE TABLE contact_points (
    account_id               TEXT NOT NULL REFERENCES profiles (account_id) ON DELETE CASCADE,
    position                 INTEGER NOT NULL,   -- « Ordre »
    active                   INTEGER NOT NULL CHECK (active IN (0, 1)),
    description              TEXT NOT NULL,
    kind                     TEXT NOT NULL CHECK (kind IN ('landline', 'mobile', 'email')),
    value                    TEXT NOT NULL,      -- E.164 or e-mail
    extension                TEXT,
    extension_delay_seconds  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, position)
);
