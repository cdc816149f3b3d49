-- Enrolled kiosks (`borne-central kiosk enroll|list|revoke`). Replaces
-- the secrets shared through configuration: each kiosk has its own
-- device token, and only the SHA-256 of it (and of its one-time
-- enrollment code) is kept here.
CREATE TABLE kiosks (
    id                      TEXT PRIMARY KEY,
    name                    TEXT NOT NULL,
    created_at              INTEGER NOT NULL,
    -- SHA-256 of the one-time enrollment code; NULL once used.
    enrollment_code_hash    TEXT UNIQUE,
    enrollment_expires_at   INTEGER NOT NULL,
    -- SHA-256 of the device token; NULL until enrolled.
    token_hash              TEXT UNIQUE,
    enrolled_at             INTEGER,
    revoked_at              INTEGER,
    -- The last heartbeat.
    last_seen_at            INTEGER,
    app_version             TEXT,
    mode                    TEXT CHECK (mode IN ('online', 'offline')),
    queue_depth             INTEGER,
    queue_rejected          INTEGER,
    oldest_pending_seconds  INTEGER,
    last_sync_at            TEXT
);
