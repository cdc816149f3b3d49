-- The administration console (issue 17): named staff accounts with a
-- role, their sessions, and the access log of personal data.

-- A town employee who signs in to /admin. No password until the one-time
-- setup link is used (only its SHA-256 is kept); the password as an
-- argon2id hash; an optional TOTP second factor; failed sign-ins counted
-- for the lockout.
CREATE TABLE staff (
    id                TEXT PRIMARY KEY,             -- UUIDv7
    email             TEXT NOT NULL,                -- lower case
    role              TEXT NOT NULL CHECK (role IN ('administrator', 'coordinator', 'privacy_officer')),
    password_hash     TEXT,
    setup_token_hash  TEXT,
    setup_expires_at  INTEGER,
    totp_secret       TEXT,                         -- base32, NULL without a second factor
    totp_last_step    INTEGER,                      -- a TOTP code is accepted once
    failed_logins     INTEGER NOT NULL DEFAULT 0,
    last_failure_at   INTEGER,
    locked_until      INTEGER,
    created_at        INTEGER NOT NULL,
    disabled_at       INTEGER,
    CONSTRAINT staff_email_unique UNIQUE (email)
);
CREATE UNIQUE INDEX staff_setup_token ON staff (setup_token_hash);

-- A signed-in browser: the cookie's SHA-256, the form token (CSRF) of
-- that session, its idle and absolute expiry, and whether the second
-- factor is still awaited.
CREATE TABLE staff_sessions (
    token_hash     TEXT PRIMARY KEY,
    staff_id       TEXT NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    csrf_token     TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    last_seen_at   INTEGER NOT NULL,
    awaiting_totp  INTEGER NOT NULL CHECK (awaiting_totp IN (0, 1))
);
CREATE INDEX staff_sessions_staff ON staff_sessions (staff_id);

-- Every view, export, correction and deletion of personal data: who,
-- when, what, from where. Append-only: no statement updates a row; only
-- the retention job deletes rows older than BORNE_RETENTION_ACCESS_LOG_DAYS.
CREATE TABLE access_log (
    id          TEXT PRIMARY KEY,                   -- UUIDv7
    at          INTEGER NOT NULL,
    actor       TEXT NOT NULL,                      -- a staff e-mail, `token`, or the command's user
    via         TEXT NOT NULL CHECK (via IN ('console', 'api', 'command')),
    action      TEXT NOT NULL CHECK (action IN ('lookup', 'view', 'export', 'correct', 'delete', 'export_contacts')),
    account_id  TEXT,                               -- the resident's account (an opaque id)
    detail      TEXT,                               -- the export's filters, the corrected fields
    origin      TEXT NOT NULL                       -- the client's address, or `local`
);
CREATE INDEX access_log_at ON access_log (at);
CREATE TRIGGER access_log_append_only BEFORE UPDATE ON access_log
BEGIN
    SELECT RAISE(ABORT, 'access_log is append-only');
END;
