-- Version 5 (Postgres only: SQLite has neither autovacuum nor per-row foreign-key triggers).
--
-- * manifest: no VACUUM triggered by inserts alone (autovacuum_vacuum_insert_threshold = -1). An
--   insert-only vacuum sets visibility bits and freezes rows early; manifest rows live for two runs,
--   are never read by index-only scans, and the plan refreshes the statistics itself (ANALYZE). A
--   listing of 2,000,000 rows into a table holding the previous run's 2,000,000 set off one or more
--   full-table vacuums in the middle of every listing, paid for by the ingest. Deleted rows (old
--   runs) still trigger the usual vacuum, and anti-wraparound vacuums are not affected.
-- * tasks: no foreign key to runs. Tasks are inserted only by the plan, for the run it holds
--   locked, and deleted before their run; the key's trigger cost one lookup per planned task (8-9% of
--   a plan's CPU at 300,000 x 300,000), the same reason manifest never had one.
ALTER TABLE manifest SET (autovacuum_vacuum_insert_threshold = -1);

ALTER TABLE tasks DROP CONSTRAINT tasks_run_id_fkey;
