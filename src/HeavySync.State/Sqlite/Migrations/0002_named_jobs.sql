-- HeavySync state schema, version 2 (SQLite): named jobs with their options (cluster mode).
-- name is unique among named jobs; implicit jobs of `heavysync sync` keep a NULL name (NULLs never
-- collide in a UNIQUE index). options_json is opaque to the store: the CLI owns its shape.

ALTER TABLE jobs ADD COLUMN name TEXT;
ALTER TABLE jobs ADD COLUMN options_json TEXT;

CREATE UNIQUE INDEX jobs_name ON jobs (name);
