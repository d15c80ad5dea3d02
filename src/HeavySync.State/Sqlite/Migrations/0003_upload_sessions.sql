-- Resumable upload sessions (GCS), so an upload a crashed run interrupted continues from the bytes
-- the store already persisted. One row per (job, key); a session belongs to one source version
-- (source_fingerprint), and a write of another version replaces it. Numbered 3: 0002 is another
-- change; the migrator applies whichever numbers are missing.

CREATE TABLE upload_sessions (
    job_id             INTEGER NOT NULL REFERENCES jobs (id),
    key                TEXT    NOT NULL,
    source_fingerprint TEXT    NOT NULL,
    session_uri        TEXT    NOT NULL,
    created_at         INTEGER NOT NULL,
    PRIMARY KEY (job_id, key)
);
