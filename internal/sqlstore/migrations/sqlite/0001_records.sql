-- Records: one row per (tenant, source, source_id). doc holds the canonical
-- record as JSON (without id, version and server times, which are columns),
-- raw the vendor object verbatim; the other columns are
-- projections of doc, recomputed on every write; empty values are NULL.
CREATE TABLE records (
	pk            INTEGER PRIMARY KEY,
	tenant_id     TEXT    NOT NULL,
	id            TEXT    NOT NULL,
	source        TEXT    NOT NULL,
	source_id     TEXT    NOT NULL,
	channel       TEXT    NOT NULL,
	start_at      INTEGER NOT NULL,
	direction     TEXT    NOT NULL,
	call_type     TEXT    NOT NULL,
	media         TEXT    NOT NULL,
	disposition   TEXT    NOT NULL,
	hangup_by     TEXT    NOT NULL,
	caller_digits TEXT,
	callee_digits TEXT,
	caller_addr   TEXT,
	callee_addr   TEXT,
	country_code  TEXT,
	talk_s        INTEGER,
	total_s       INTEGER,
	ring_s        INTEGER,
	queue_s       INTEGER,
	ivr_s         INTEGER,
	dial_s        INTEGER,
	sat_score     INTEGER,
	sat_label     TEXT,
	has_recording INTEGER NOT NULL,
	same_as       TEXT,
	version       INTEGER NOT NULL,
	content_hash  BLOB    NOT NULL,
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL,
	doc           TEXT    NOT NULL,
	raw           TEXT
);

-- id is a function of (tenant, source, source_id), so this one index is
-- also the natural key's uniqueness.
CREATE UNIQUE INDEX records_id ON records (tenant_id, id);
-- Time order for pages and windows. same_as and channel make it cover
-- counts of visible records, and the channel filter of the vendor APIs,
-- without reading the rows.
CREATE INDEX records_start ON records (tenant_id, start_at, id, same_as, channel);
-- Phone substrings, party keys and multi-valued filters (agents, queues,
-- tags, rendered vendor enums): see internal/sqlstore/index.go.
CREATE VIRTUAL TABLE record_index USING fts4(caller, callee, terms, tokenize=simple);
