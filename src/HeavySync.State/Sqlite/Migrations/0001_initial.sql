-- HeavySync state schema, version 1 (SQLite).
-- Times are INTEGER 100-ns ticks since the Unix epoch (Fingerprint.UnixTicks); keys are TEXT in the
-- default BINARY collation, so they compare as UTF-8 bytes (DESIGN.md §3 invariant 5).

CREATE TABLE jobs (
    id          INTEGER PRIMARY KEY,
    source      TEXT    NOT NULL,
    destination TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (source, destination)
);

CREATE TABLE runs (
    id                       INTEGER PRIMARY KEY,
    job_id                   INTEGER NOT NULL REFERENCES jobs (id),
    number                   INTEGER NOT NULL,
    phase                    INTEGER NOT NULL,
    source_listed            INTEGER NOT NULL DEFAULT 0,
    destination_listed       INTEGER NOT NULL DEFAULT 0,
    source_resume_after      TEXT,
    destination_resume_after TEXT,
    -- The plan summary; all NULL until the run is planned.
    plan_source_objects      INTEGER,
    plan_source_bytes        INTEGER,
    plan_destination_objects INTEGER,
    plan_destination_bytes   INTEGER,
    plan_copy_objects        INTEGER,
    plan_copy_bytes          INTEGER,
    plan_unchanged_objects   INTEGER,
    plan_delete_objects      INTEGER,
    plan_delete_bytes        INTEGER,
    started_at               INTEGER NOT NULL,
    finished_at              INTEGER,
    report                   TEXT,
    UNIQUE (job_id, number)
);

-- side: 0 = source, 1 = destination (StoreSide). fp = Fingerprint.Of(entry), computed at insert.
-- WITHOUT ROWID clusters rows by (run_id, side, key), so the plan's joins walk the primary key.
CREATE TABLE manifest (
    run_id      INTEGER NOT NULL REFERENCES runs (id),
    side        INTEGER NOT NULL,
    key         TEXT    NOT NULL,
    size        INTEGER NOT NULL,
    etag        TEXT,
    md5         TEXT,
    crc32c      INTEGER,
    mtime_ticks INTEGER,
    version     TEXT,
    fp          TEXT    NOT NULL,
    PRIMARY KEY (run_id, side, key)
) WITHOUT ROWID;

CREATE TABLE ledger (
    job_id      INTEGER NOT NULL REFERENCES jobs (id),
    key         TEXT    NOT NULL,
    src_fp      TEXT    NOT NULL,
    dst_fp      TEXT    NOT NULL,
    md5         TEXT,
    crc32c      INTEGER,
    copied_at   INTEGER,
    verified_at INTEGER,
    PRIMARY KEY (job_id, key)
) WITHOUT ROWID;

-- action: 0 = copy, 1 = delete (TaskAction); status: WorkTaskStatus.
CREATE TABLE tasks (
    id         INTEGER PRIMARY KEY,
    run_id     INTEGER NOT NULL REFERENCES runs (id),
    key        TEXT    NOT NULL,
    action     INTEGER NOT NULL,
    size       INTEGER NOT NULL,
    src_fp     TEXT,
    status     INTEGER NOT NULL DEFAULT 0,
    attempts   INTEGER NOT NULL DEFAULT 0,
    error      TEXT,
    updated_at INTEGER NOT NULL
);

CREATE INDEX tasks_run_action_status ON tasks (run_id, action, status, id);
