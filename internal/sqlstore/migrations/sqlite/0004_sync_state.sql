-- The sync engine's state (cdr.SyncState, internal/sqlstore/sync.go;
-- docs/design.md, Sync state), per tenant and vendor source.
--
-- sync_sources: the checkpoint (end of the last verified window, ms; only
-- ever moves forward), the count of verified windows, and the last error.
CREATE TABLE sync_sources (
	tenant_id        TEXT    NOT NULL,
	source           TEXT    NOT NULL,
	checkpoint       INTEGER NOT NULL DEFAULT 0,
	windows_verified INTEGER NOT NULL DEFAULT 0,
	error_code       TEXT,
	error_message    TEXT,
	error_at         INTEGER,
	PRIMARY KEY (tenant_id, source)
) WITHOUT ROWID;

-- sync_windows: one audit row per window read, in the order recorded (id).
CREATE TABLE sync_windows (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id     TEXT    NOT NULL,
	source        TEXT    NOT NULL,
	from_at       INTEGER NOT NULL,
	to_at         INTEGER NOT NULL,
	vendor_count  INTEGER NOT NULL,
	pages         INTEGER NOT NULL,
	inserted      INTEGER NOT NULL,
	updated       INTEGER NOT NULL,
	unchanged     INTEGER NOT NULL,
	rejected      INTEGER NOT NULL,
	started_at    INTEGER NOT NULL,
	finished_at   INTEGER NOT NULL,
	outcome       TEXT    NOT NULL,
	error_code    TEXT,
	error_message TEXT
);
CREATE INDEX sync_windows_source ON sync_windows (tenant_id, source, id);

-- sync_leases: who may pull a source until when; a row only while held.
CREATE TABLE sync_leases (
	tenant_id   TEXT    NOT NULL,
	source      TEXT    NOT NULL,
	holder_id   TEXT    NOT NULL,
	holder_host TEXT    NOT NULL,
	holder_pid  INTEGER NOT NULL,
	acquired_at INTEGER NOT NULL,
	expires_at  INTEGER NOT NULL,
	PRIMARY KEY (tenant_id, source)
) WITHOUT ROWID;
