-- Files recorded by `haasledger import` (cache.file.imported) and files it could not import (import.failed),
-- one row per event, so `query cache` can list imported files as of any position.
CREATE TABLE imported_files (
    position INTEGER NOT NULL,
    run_id TEXT,
    path TEXT NOT NULL,
    kind TEXT,
    sha256 TEXT,
    bytes INTEGER,
    modified_at INTEGER,              -- the file's mtime (µs), the event's observedAt
    status TEXT NOT NULL,             -- 'imported' or 'failed'
    reason TEXT,
    recorded_at INTEGER NOT NULL
);
CREATE INDEX imported_files_by_position ON imported_files (position);
