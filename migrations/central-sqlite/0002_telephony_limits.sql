-- Real telephony and anti-abuse limits.

-- Deliveries gain: the kiosk that asked (per-kiosk caps), 'delivered'
-- (confirmed by the provider's status callback), when the provider
-- accepted it (cost breaker), and the SMS→voice fallback. SQLite cannot
-- change a CHECK constraint in place: the table is rebuilt.
CREATE TABLE deliveries_v2 (
    id               TEXT PRIMARY KEY,
    code_id          TEXT NOT NULL REFERENCES codes (id) ON DELETE CASCADE,
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
    sent_at          INTEGER,                   -- the provider accepted it
    fallback         TEXT                       -- 'sms_refused': switched to a call
);
INSERT INTO deliveries_v2 (id, code_id, to_phone, channel, language, secret, state, attempts,
                           next_attempt_at, lease_until, expires_at, provider_id, last_error,
                           created_at, updated_at, sent_at)
    SELECT id, code_id, to_phone, channel, language, secret, state, attempts,
           next_attempt_at, lease_until, expires_at, provider_id, last_error,
           created_at, updated_at, CASE WHEN state = 'sent' THEN updated_at END
    FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_v2 RENAME TO deliveries;
CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at);
CREATE INDEX deliveries_phone_time ON deliveries (to_phone, created_at);
CREATE INDEX deliveries_kiosk_time ON deliveries (kiosk_id, created_at);
CREATE INDEX deliveries_sent_at ON deliveries (sent_at);
CREATE INDEX deliveries_provider ON deliveries (provider_id);

-- Consecutive failed logins; past a threshold each failure adds a delay.
ALTER TABLE accounts ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN login_locked_until INTEGER;

-- SMS opt-out (STOP/ARRET…) and opt-in (START…), per number, with time.
CREATE TABLE sms_opt_outs (
    phone       TEXT PRIMARY KEY,              -- E.164
    opted_out   INTEGER NOT NULL CHECK (opted_out IN (0, 1)),
    keyword     TEXT NOT NULL,
    changed_at  INTEGER NOT NULL
);

-- The cost breaker: one row. Paused sends wait for an administrator.
CREATE TABLE cost_breaker (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    paused_at   INTEGER,
    reason      TEXT,
    resumed_at  INTEGER
);
INSERT INTO cost_breaker (id) VALUES (1);
