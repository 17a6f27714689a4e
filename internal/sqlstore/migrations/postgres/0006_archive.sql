-- The recording archive's state (cdr.Archive, internal/sqlstore/archive.go;
-- docs/design.md, Recording archive (state)), per tenant, beside the
-- records and never in them, as on SQLite.
--
-- archive_files: one row per file of a record, numbered by
-- cdr.RecordingFiles (n): the record's field it comes from (of) and its
-- URLs ('' when none), the record's source and start, when the vendor
-- deletes it (expires_at, ms; 0 unknown), its state (pending, archived,
-- given_up, pruned), the failed attempts, when a pending file is due
-- (next_attempt_at; 0 at once) and the last failure, and what archiving
-- stored (blob_key, bytes, sha256, content_type, archived_at). Only an
-- archived row names a blob: pruning clears blob_key. Every change of a
-- row is one conditional statement on it, or runs after locking it, so
-- that processes sharing the database lose no row and never set an
-- archived file back to pending.
CREATE TABLE archive_files (
	tenant_id       text COLLATE "C" NOT NULL,
	record_id       text COLLATE "C" NOT NULL,
	n               integer  NOT NULL,
	source          text     NOT NULL,
	of              text     NOT NULL,
	url             text     NOT NULL,
	copy_url        text     NOT NULL,
	transcript      smallint NOT NULL,
	start_at        bigint   NOT NULL,
	expires_at      bigint   NOT NULL,
	state           text     NOT NULL,
	attempts        integer  NOT NULL DEFAULT 0,
	next_attempt_at bigint   NOT NULL DEFAULT 0,
	reason          text,
	message         text,
	blob_key        text COLLATE "C",
	bytes           bigint,
	sha256          text,
	content_type    text,
	archived_at     bigint,
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
-- (updated_at, id) of the last record planned. PlanFiles locks the row,
-- so that one planner at a time moves it.
CREATE TABLE archive_marks (
	tenant_id  text COLLATE "C" PRIMARY KEY,
	updated_at bigint NOT NULL,
	record_id  text COLLATE "C" NOT NULL
);

-- The planner reads the records with a recording in (updated_at, id)
-- order after the mark.
CREATE INDEX records_recording ON records (tenant_id, updated_at, id) WHERE has_recording = 1;

-- secrets: the server's own secrets (cdr.Secrets), shared by every
-- instance of one deployment; the first value stored under a name stays.
CREATE TABLE secrets (
	name  text COLLATE "C" PRIMARY KEY,
	value bytea NOT NULL
);
