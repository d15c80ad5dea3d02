-- Version 4 (Postgres), as SQLite's 0005: what the destination listing saw at each task's key, so
-- writes and deletes can be conditional on it (a GCS ifGenerationMatch): dst_exists 0 = the key was
-- absent, 1 = listed at dst_version; NULL = nothing to check (the destination reports no
-- versions, or a task planned before this version).
ALTER TABLE tasks ADD COLUMN dst_exists smallint;
ALTER TABLE tasks ADD COLUMN dst_version text;
