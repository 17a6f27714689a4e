-- Daily rollups (cdr.Rollups, internal/sqlstore/daily.go; docs/design.md,
-- Rollups). kpi_daily: kpi_rollup's sums per local day without the agent, the
-- disposition reduced to answered, abandoned or '' (cdr.DayKey), for each
-- UTC offset of rollup_days. bucket is the day's start (ms,
-- cdr.DayStart): the offset is its bucket's distance to a UTC midnight, so
-- the days of two offsets never share a key. Kept with kpi_rollup, in the
-- same transactions; recomputed from it where a prune or a rebuild
-- replaces kpi_rollup's rows. Empty until a tenant's offsets are set.
CREATE TABLE kpi_daily (
	tenant_id     text COLLATE "C" NOT NULL,
	bucket        bigint NOT NULL,
	channel       text NOT NULL,
	source        text NOT NULL,
	direction     text NOT NULL,
	queue         text COLLATE "C" NOT NULL,
	disposition   text NOT NULL,
	contacts      bigint DEFAULT 0 NOT NULL,
	answered_10   bigint DEFAULT 0 NOT NULL,
	answered_20   bigint DEFAULT 0 NOT NULL,
	answered_30   bigint DEFAULT 0 NOT NULL,
	answered_60   bigint DEFAULT 0 NOT NULL,
	answered_120  bigint DEFAULT 0 NOT NULL,
	abandoned_10  bigint DEFAULT 0 NOT NULL,
	abandoned_20  bigint DEFAULT 0 NOT NULL,
	abandoned_30  bigint DEFAULT 0 NOT NULL,
	abandoned_60  bigint DEFAULT 0 NOT NULL,
	abandoned_120 bigint DEFAULT 0 NOT NULL,
	wait_s        bigint DEFAULT 0 NOT NULL,
	wait_n        bigint DEFAULT 0 NOT NULL,
	queue_s       bigint DEFAULT 0 NOT NULL,
	queue_n       bigint DEFAULT 0 NOT NULL,
	ring_s        bigint DEFAULT 0 NOT NULL,
	ring_n        bigint DEFAULT 0 NOT NULL,
	talk_s        bigint DEFAULT 0 NOT NULL,
	talk_n        bigint DEFAULT 0 NOT NULL,
	hold_s        bigint DEFAULT 0 NOT NULL,
	hold_n        bigint DEFAULT 0 NOT NULL,
	total_s       bigint DEFAULT 0 NOT NULL,
	total_n       bigint DEFAULT 0 NOT NULL,
	sat_n         bigint DEFAULT 0 NOT NULL,
	sat_sum       bigint DEFAULT 0 NOT NULL,
	sat_1         bigint DEFAULT 0 NOT NULL,
	sat_2         bigint DEFAULT 0 NOT NULL,
	sat_3         bigint DEFAULT 0 NOT NULL,
	sat_4         bigint DEFAULT 0 NOT NULL,
	sat_5         bigint DEFAULT 0 NOT NULL,
	PRIMARY KEY (tenant_id, bucket, channel, source, direction, queue, disposition)
);

-- rollup_days: the offsets (ms) whose days kpi_daily keeps for each
-- tenant (cdr.Rollups.SetDayOffsets): its zone's.
CREATE TABLE rollup_days (
	tenant_id  text COLLATE "C" NOT NULL,
	utc_offset bigint NOT NULL,
	PRIMARY KEY (tenant_id, utc_offset)
);

-- record_days: record_counts summed per UTC day (bucket: the day's start),
-- kept by the same upserts and prunes; a count over days reads it for the
-- window's whole days (internal/sqlstore/total.go).
CREATE TABLE record_days (
	tenant_id     text COLLATE "C" NOT NULL,
	bucket        bigint NOT NULL,
	channel       text NOT NULL,
	source        text NOT NULL,
	direction     text NOT NULL,
	records       bigint NOT NULL,
	PRIMARY KEY (tenant_id, bucket, channel, source, direction) INCLUDE (records)
);
INSERT INTO record_days (tenant_id, bucket, channel, source, direction, records)
SELECT tenant_id, bucket - ((bucket % 86400000) + 86400000) % 86400000, channel, source, direction, sum(records)
FROM record_counts
GROUP BY tenant_id, bucket - ((bucket % 86400000) + 86400000) % 86400000, channel, source, direction;

-- A count sums the rows of a window from the primary key alone
-- (index-only scans): the rows of a window lie on heap pages at random.
ALTER TABLE record_counts DROP CONSTRAINT record_counts_pkey,
	ADD PRIMARY KEY (tenant_id, bucket, channel, source, direction) INCLUDE (records);

-- What a rebuild found differing in kpi_daily and record_days.
ALTER TABLE rollup_checks ADD COLUMN day_rows bigint DEFAULT 0 NOT NULL;
ALTER TABLE rollup_checks ADD COLUMN count_day_rows bigint DEFAULT 0 NOT NULL;
