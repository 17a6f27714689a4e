-- The recording archive's state (cdr.Archive, internal/sqlstore/archive.go;
-- docs/design.md, Recording archive (state)), per tenant, beside the
-- records and never in them: archiving a file changes no record.
--
-- archive_files: one row per file of a record, numbered by
-- cdr.RecordingFiles (n): the record's field it comes from (of) and its
-- URLs ('' when none), the record's source and start, when the vendor
-- deletes it (expires_at, ms; 0 unknown), its state (pending, archived,
-- given_up, pruned), the failed attempts, when a pending file is due
-- (next_attempt_at; 0 at once) and the last failure, and what archiving
-- stored (blob_key, bytes, sha256, content_type, archived_at). Only an
-- archived row names a blob: pruning clears blob_key.
CREATE TABLE archive_files (
	tenant_id       TEXT    NOT NULL,
	record_id       TEXT    NOT NULL,
	n               INTEGER NOT NULL,
	source          TEXT    NOT NULL,
	of              TEXT    NOT NULL,
	url             TEXT    NOT NULL,
	copy_url        TEXT    NOT NULL,
	transcript      INTEGER NOT NULL,
	start_at        INTEGER NOT NULL,
	expires_at      INTEGER NOT NULL,
	state           TEXT    NOT NULL,
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at INTEGER NOT NULL DEFAULT 0,
	reason          TEXT,
	message         TEXT,
	blob_key        TEXT,
	bytes           INTEGER,
	sha256          TEXT,
	content_type    TEXT,
	archived_at     INTEGER,
	PRIMARY KEY (tenant_id, record_id, n)
);
-- DueFiles: the pending files that have a URL, in the order they are
-- due (known expiry first, earliest first; then start, record, number),
-- so that a call reads its rows in order instead of sorting the backlog.
CREATE INDEX archive_files_due ON archive_files (tenant_id, (expires_at = 0), expires_at, start_at, record_id, n)
	WHERE state = 'pending' AND (url <> '' OR copy_url <> '');
-- BlobInUse, and the keys PruneFiles and DeleteFiles leave behind.
CREATE INDEX archive_files_blob ON archive_files (tenant_id, blob_key) WHERE blob_key IS NOT NULL;
-- DeleteFiles (every state) and PruneFiles (archived files) by start.
CREATE INDEX archive_files_start ON archive_files (tenant_id, start_at);
CREATE INDEX archive_files_archived ON archive_files (tenant_id, start_at) WHERE state = 'archived';
-- ArchiveCounts, from the index alone.
CREATE INDEX archive_files_counts ON archive_files (tenant_id, source, state, expires_at, bytes);

-- archive_marks: the plan mark of each tenant (PlanFiles), the
-- (updated_at, id) of the last record planned.
CREATE TABLE archive_marks (
	tenant_id  TEXT    NOT NULL PRIMARY KEY,
	updated_at INTEGER NOT NULL,
	record_id  TEXT    NOT NULL
) WITHOUT ROWID;

-- The planner reads the records with a recording in (updated_at, id)
-- order after the mark.
CREATE INDEX records_recording ON records (tenant_id, updated_at, id) WHERE has_recording = 1;

-- secrets: the server's own secrets (cdr.Secrets), shared by every
-- instance of one deployment; the first value stored under a name stays.
CREATE TABLE secrets (
	name  TEXT NOT NULL PRIMARY KEY,
	value BLOB NOT NULL
) WITHOUT ROWID;
