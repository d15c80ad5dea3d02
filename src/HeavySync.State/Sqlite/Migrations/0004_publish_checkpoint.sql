-- Version 4: how far a run's copy tasks have been published to a durable queue (cluster mode), so a
-- lister restarted mid-publish continues after the last task it published instead of sending every
-- pending task again. 0 = nothing published yet.
ALTER TABLE runs ADD COLUMN published_through INTEGER NOT NULL DEFAULT 0;
