-- The kiosk's queue of registrations captured while the central server was
-- out of reach. Times are Unix milliseconds (UTC).

-- Per-database facts, e.g. `key_check`: a known text sealed with the queue
-- key, to refuse a key that cannot read this database.
CREATE TABLE meta (
    name   TEXT PRIMARY KEY,
    value  BLOB NOT NULL
);

-- One row per registration, written in one transaction at capture. The
-- personal data is only in `payload`: the wire Registration as JSON,
-- sealed with XChaCha20-Poly1305 (the id as associated data). Once the
-- central server acknowledges it, `payload` and `nonce` are cleared and
-- only the id, state and times remain. Rejected rows keep their payload
-- for staff, with the reason.
CREATE TABLE queue (
    id               TEXT PRIMARY KEY,          -- UUIDv7, the idempotency key
    state            TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'acknowledged', 'rejected')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    last_error       TEXT,
    outcome          TEXT,                      -- the central server's, once acknowledged
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    acknowledged_at  INTEGER,
    nonce            BLOB,
    payload          BLOB
);
CREATE INDEX queue_due ON queue (state, next_attempt_at);
