-- Accounts deleted at their owner's request (Law 25): that it happened,
-- when, and who asked; nothing that identifies the resident.
CREATE TABLE deletions (
    id            TEXT PRIMARY KEY,            -- UUIDv7, not the account's id
    deleted_at    INTEGER NOT NULL,
    requested_by  TEXT NOT NULL CHECK (requested_by IN ('resident', 'administrator'))
);
