-- Kiosk releases served by the central server (issue 16): a signed
-- executable per target and version, and who may have it (staged
-- rollout). `borne-central release add|list|rollout` writes them;
-- `GET /v1/updates/{target}/{current_version}` and
-- `GET /v1/updates/files/{id}` serve them to enrolled kiosks.
CREATE TABLE releases (
    id               TEXT PRIMARY KEY,
    -- The Tauri updater's platform: linux-x86_64, windows-x86_64, darwin-aarch64, …
    target           TEXT NOT NULL,
    version          TEXT NOT NULL,
    -- The `.sig` file's text (base64 of a minisign signature whose trusted
    -- comment binds the version); kiosks verify it, the server only keeps it.
    signature        TEXT NOT NULL,
    notes            TEXT NOT NULL DEFAULT '',
    sha256           TEXT NOT NULL,
    size             INTEGER NOT NULL,
    artifact         BLOB NOT NULL,
    -- Staged rollout: every kiosk whose bucket (from its id) is below the
    -- percentage, or, when a group is named, the kiosks of that group only.
    rollout_percent  INTEGER NOT NULL CHECK (rollout_percent BETWEEN 0 AND 100),
    rollout_group    TEXT,
    created_at       INTEGER NOT NULL,
    UNIQUE (target, version)
);

-- The rollout group a kiosk belongs to (`borne-central kiosk group`).
ALTER TABLE kiosks ADD COLUMN update_group TEXT;
