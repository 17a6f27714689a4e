-- The sync engine's state (cdr.SyncState, internal/sqlstore/sync.go;
-- docs/design.md, Sync state), per tenant and vendor source, as on SQLite.
--
-- sync_sources: the checkpoint (end of the last verified window, ms; only
-- ever moves forward), the count of verified windows, and the last error.
CREATE TABLE sync_sources (
	tenant_id        text COLLATE "C" NOT NULL,
	source           text COLLATE "C" NOT NULL,
	checkpoint       bigint NOT NULL DEFAULT 0,
	windows_verified bigint NOT NULL DEFAULT 0,
	error_code       text,
	error_message    text,
	error_at         bigint,
	PRIMARY KEY (tenant_id, source)
);

-- sync_windows: one audit row per window read, in the order recorded (id).
CREATE TABLE sync_windows (
	id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	tenant_id     text COLLATE "C" NOT NULL,
	source        text COLLATE "C" NOT NULL,
	from_at       bigint NOT NULL,
	to_at         bigint NOT NULL,
	vendor_count  bigint NOT NULL,
	pages         bigint NOT NULL,
	inserted      bigint NOT NULL,
	updated       bigint NOT NULL,
	unchanged     bigint NOT NULL,
	rejected      bigint NOT NULL,
	started_at    bigint NOT NULL,
	finished_at   bigint NOT NULL,
	outcome       text   NOT NULL,
	error_code    text,
	error_message text
);
CREATE INDEX sync_windows_source ON sync_windows (tenant_id, source, id);

-- sync_leases: who may pull a source until when; a row only while held.
-- Every change is one statement on the row, so two processes never both
-- hold it.
CREATE TABLE sync_leases (
	tenant_id   text COLLATE "C" NOT NULL,
	source      text COLLATE "C" NOT NULL,
	holder_id   text   NOT NULL,
	holder_host text   NOT NULL,
	holder_pid  bigint NOT NULL,
	acquired_at bigint NOT NULL,
	expires_at  bigint NOT NULL,
	PRIMARY KEY (tenant_id, source)
);
