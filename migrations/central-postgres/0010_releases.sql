-- Kiosk releases served by the central server (issue 16). The same change
-- as migrations/central-sqlite/0010, in PostgreSQL's types.
CREATE TABLE releases (
    id               TEXT PRIMARY KEY,
    target           TEXT NOT NULL,
    version          TEXT NOT NULL,
    signature        TEXT NOT NULL,
    notes            TEXT NOT NULL DEFAULT '',
    sha256           TEXT NOT NULL,
    size             BIGINT NOT NULL,
    artifact         BYTEA NOT NULL,
    rollout_percent  BIGINT NOT NULL CHECK (rollout_percent BETWEEN 0 AND 100),
    rollout_group    TEXT,
    created_at       BIGINT NOT NULL,
    UNIQUE (target, version)
);

ALTER TABLE kiosks ADD COLUMN update_group TEXT;
