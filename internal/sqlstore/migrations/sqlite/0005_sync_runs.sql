-- What a source's runs did (cdr.SyncState.RecordRun and RecordWindow;
-- docs/design.md, Sync state): the totals of every window's upserts, and
-- the last run's start, finish and outcome, so that any process, and the
-- status endpoint, reads them from the database.
ALTER TABLE sync_sources ADD COLUMN records_inserted  INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_sources ADD COLUMN records_updated   INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_sources ADD COLUMN records_unchanged INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_sources ADD COLUMN records_rejected  INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_sources ADD COLUMN run_started_at    INTEGER;
ALTER TABLE sync_sources ADD COLUMN run_finished_at   INTEGER;
ALTER TABLE sync_sources ADD COLUMN run_outcome       TEXT;
