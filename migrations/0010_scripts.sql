-- Scripts as the server listed or described them (haas.script.observed), versioned by position like labs.
-- `version` is the SHA-256 of the source, known once a GET_SCRIPT_RECORD was recorded; a listing keeps it.
CREATE TABLE scripts (
    script_id TEXT NOT NULL,
    name TEXT, type INTEGER, compiled INTEGER, valid INTEGER, version TEXT, source_bytes INTEGER,
    updated_at INTEGER,
    valid_from INTEGER NOT NULL, valid_to INTEGER
);
CREATE INDEX scripts_by_key ON scripts (script_id, valid_from);
