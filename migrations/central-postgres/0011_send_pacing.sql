-- Sends paced per sender, and codes ahead of confirmations (issue 18).
-- The same change as migrations/central-sqlite/0011, in PostgreSQL's types.
CREATE TABLE send_pacing (
    sender      TEXT PRIMARY KEY CHECK (sender IN ('sms', 'voice')),
    next_at_us  BIGINT NOT NULL      -- the next send may start then (Unix microseconds)
);
CREATE INDEX deliveries_codes_due ON deliveries (next_attempt_at)
    WHERE state = 'pending' AND registration_id IS NULL;
