-- Records: one row per (tenant, source, source_id), keyed by (tenant_id, id)
-- as on SQLite. doc holds the canonical record as JSON (without id, version
-- and server times, which are columns), raw the vendor object verbatim; the
-- other columns are projections of doc, recomputed on every write; empty
-- values are NULL. Every index leads with tenant_id, the distribution
-- column of a sharded deployment (docs/scaling.md).
--
-- pg_trgm is a trusted extension (PostgreSQL 13 and later): the database
-- owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE records (
	tenant_id     text COLLATE "C" NOT NULL,
	id            text COLLATE "C" NOT NULL,
	source        text     NOT NULL,
	source_id     text     NOT NULL,
	channel       text     NOT NULL,
	start_at      bigint   NOT NULL,
	direction     text     NOT NULL,
	call_type     text     NOT NULL,
	media         text     NOT NULL,
	disposition   text     NOT NULL,
	hangup_by     text     NOT NULL,
	caller_digits text,
	callee_digits text,
	caller_addr   text,
	callee_addr   text,
	country_code  text,
	talk_s        bigint,
	total_s       bigint,
	ring_s        bigint,
	queue_s       bigint,
	ivr_s         bigint,
	dial_s        bigint,
	sat_score     integer,
	sat_label     text,
	has_recording smallint NOT NULL,
	same_as       text,
	version       bigint   NOT NULL,
	content_hash  bytea    NOT NULL,
	updated_at    bigint   NOT NULL,
	doc           text     NOT NULL,
	raw           bytea,
	-- Index tokens (internal/sqlstore/index.go): party keys, agents,
	-- queues, tags and rendered vendor enum terms, each a hash salted
	-- with the tenant.
	keys          text[]   NOT NULL,
	-- Both sides' digits in the tenant's own alphabet, for substring
	-- search (internal/sqlstore/index.go).
	phones        text     NOT NULL,
	created_at    bigint   NOT NULL,
	-- id is a function of (tenant, source, source_id), so this key is also
	-- the natural key's uniqueness; "C" collation orders ids bytewise, as
	-- cursors and SQLite do.
	PRIMARY KEY (tenant_id, id)
);

-- Time order for pages and windows; same_as and channel let counts of
-- visible records of a channel be answered from the index.
CREATE INDEX records_start ON records (tenant_id, start_at, id) INCLUDE (same_as, channel);
-- Party keys and multi-valued filters, and phone substrings. These GIN
-- indexes are partitioned by tenant through their keys, which are salted
-- with the tenant, rather than by a leading tenant_id column: in a GIN
-- index such a column is one posting list of all the tenant's rows that
-- every lookup must intersect (8 times slower at a million records).
CREATE INDEX records_keys ON records USING gin (keys);
CREATE INDEX records_phones ON records USING gin (phones gin_trgm_ops);
