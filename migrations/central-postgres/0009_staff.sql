-- The administration console (issue 17): the same change as
-- migrations/central-sqlite/0009, in PostgreSQL's types.
CREATE TABLE staff (
    id                TEXT PRIMARY KEY,
    email             TEXT NOT NULL,
    role              TEXT NOT NULL CHECK (role IN ('administrator', 'coordinator', 'privacy_officer')),
    password_hash     TEXT,
    setup_token_hash  TEXT,
    setup_expires_at  BIGINT,
    totp_secret       TEXT,
    totp_last_step    BIGINT,
    failed_logins     BIGINT NOT NULL DEFAULT 0,
    last_failure_at   BIGINT,
    locked_until      BIGINT,
    created_at        BIGINT NOT NULL,
    disabled_at       BIGINT,
    CONSTRAINT staff_email_unique UNIQUE (email)
);
CREATE UNIQUE INDEX staff_setup_token ON staff (setup_token_hash);

CREATE TABLE staff_sessions (
    token_hash     TEXT PRIMARY KEY,
    staff_id       TEXT NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    csrf_token     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    last_seen_at   BIGINT NOT NULL,
    awaiting_totp  BIGINT NOT NULL CHECK (awaiting_totp IN (0, 1))
);
CREATE INDEX staff_sessions_staff ON staff_sessions (staff_id);

CREATE TABLE access_log (
    id          TEXT PRIMARY KEY,
    at          BIGINT NOT NULL,
    actor       TEXT NOT NULL,
    via         TEXT NOT NULL CHECK (via IN ('console', 'api', 'command')),
    action      TEXT NOT NULL CHECK (action IN ('lookup', 'view', 'export', 'correct', 'delete', 'export_contacts')),
    account_id  TEXT,
    detail      TEXT,
    origin      TEXT NOT NULL
);
CREATE INDEX access_log_at ON access_log (at);
CREATE FUNCTION access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'access_log is append-only';
END;
$$;
CREATE TRIGGER access_log_append_only BEFORE UPDATE ON access_log
    FOR EACH ROW EXECUTE FUNCTION access_log_append_only();
