-- Sends paced per sender, and codes ahead of confirmations (issue 18).
-- The next free slot of each sender of this server ('sms': the SMS
-- sender; 'voice': the caller id), shared by every instance's worker.
CREATE TABLE send_pacing (
    sender      TEXT PRIMARY KEY CHECK (sender IN ('sms', 'voice')),
    next_at_us  INTEGER NOT NULL     -- the next send may start then (Unix microseconds)
);
-- The codes a resident waits for at a kiosk, found without visiting the
-- confirmations and reminders queued behind them.
CREATE INDEX deliveries_codes_due ON deliveries (next_attempt_at)
    WHERE state = 'pending' AND registration_id IS NULL;
