-- Records: one row per (tenant, source, source_id). doc holds the canonical
-- record as JSON (without id, version and server times, which are columns),
-- raw the vendor object verbatim; the other columns are
-- projections of doc, recomputed on every write; empty values are NULL so
-- that the partial indexes skip them.
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
	caller_tail7  TEXT,
	callee_tail7  TEXT,
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
-- Time order for pages and windows; same_as makes them cover counts of
-- visible records (shadows have it set) without reading the rows.
CREATE INDEX records_channel_start ON records (tenant_id, channel, start_at, id, same_as);
CREATE INDEX records_start ON records (tenant_id, start_at, id, same_as);
CREATE INDEX records_caller_tail7 ON records (tenant_id, caller_tail7) WHERE caller_tail7 IS NOT NULL;
CREATE INDEX records_callee_tail7 ON records (tenant_id, callee_tail7) WHERE callee_tail7 IS NOT NULL;
CREATE INDEX records_caller_addr ON records (tenant_id, caller_addr, start_at) WHERE caller_addr IS NOT NULL;

-- Multi-valued filters (agents, queues, tags, rendered vendor enums), one
-- row per value, rewritten in the record's transaction.
CREATE TABLE record_terms (
	tenant_id TEXT    NOT NULL,
	kind      TEXT    NOT NULL,
	value     TEXT    NOT NULL,
	start_at  INTEGER NOT NULL,
	record_pk INTEGER NOT NULL,
	PRIMARY KEY (tenant_id, kind, value, start_at, record_pk)
) WITHOUT ROWID;

-- Phone substring search: each side's digits as overlapping trigrams (the
-- mask * written as x), docid = records.pk. A query's trigrams as a phrase
-- match exactly the numbers that contain it. Results are joined back to
-- records under the tenant predicate.
CREATE VIRTUAL TABLE phone_grams USING fts4(caller, callee, tokenize=simple);
