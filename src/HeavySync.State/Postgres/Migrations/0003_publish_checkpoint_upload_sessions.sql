-- Version 3 (Postgres), the same two additions as SQLite's 0003 and 0004:
--  * runs.published_through: how far a run's copy tasks have been published to the durable queue,
--    so a lister restarted mid-publish continues after the last task it published (0 = none).
--  * upload_sessions: resumable upload sessions (GCS) per (job, key), so a copier that died in the
--    middle of a large upload lets the next one continue it. Session URIs grant upload access:
--    they are never logged.
ALTER TABLE runs ADD COLUMN published_through bigint NOT NULL DEFAULT 0;

CREATE TABLE upload_sessions (
    job_id             bigint NOT NULL REFERENCES jobs (id),
    key                text   COLLATE "C" NOT NULL,
    source_fingerprint text   NOT NULL,
    session_uri        text   NOT NULL,
    created_at         bigint NOT NULL,
    PRIMARY KEY (job_id, key)
);
