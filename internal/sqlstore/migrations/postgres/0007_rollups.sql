-- Rollups (cdr.Rollups, internal/sqlstore/rollup.go; docs/design.md,
-- Rollups): additive sums of each tenant's records on 15-minute UTC buckets
-- of start_at (bucket, ms: cdr.BucketOf), kept by the upsert and the prune
-- in the transactions that change the records. Shadows (same_as) count
-- nowhere. Key texts are COLLATE "C" as in 0001.
--
-- record_counts: the records of each (bucket, channel, source, direction).
CREATE TABLE record_counts (
	tenant_id     text COLLATE "C" NOT NULL,
	bucket        bigint NOT NULL,
	channel       text NOT NULL,
	source        text NOT NULL,
	direction     text NOT NULL,
	records       bigint NOT NULL,
	PRIMARY KEY (tenant_id, bucket, channel, source, direction)
);

-- kpi_rollup: cdr.KPIMeasures of each (bucket, channel, source, direction,
-- queue, agent, disposition); queue and agent are '' when the record has
-- none (cdr.KPIOf).
CREATE TABLE kpi_rollup (
	tenant_id     text COLLATE "C" NOT NULL,
	bucket        bigint NOT NULL,
	channel       text NOT NULL,
	source        text NOT NULL,
	direction     text NOT NULL,
	queue         text COLLATE "C" NOT NULL,
	agent         text COLLATE "C" NOT NULL,
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
	PRIMARY KEY (tenant_id, bucket, channel, source, direction, queue, agent, disposition)
);

-- rollup_marks: each tenant's pruned mark (cdr.Rollups.PrunedBefore): the
-- latest prune's cutoff; kpi_rollup keeps the pruned records' sums in the
-- buckets before it.
CREATE TABLE rollup_marks (
	tenant_id     text COLLATE "C" NOT NULL PRIMARY KEY,
	pruned_before bigint NOT NULL
);

-- rollup_backfill: the tenants whose kpi_rollup the store still has to fill
-- from their records' documents, which SQL cannot read: every tenant with
-- records when this migration ran. Opening the store fills each one's rows
-- and deletes its row here in one transaction (fillRollups).
CREATE TABLE rollup_backfill (
	tenant_id text COLLATE "C" NOT NULL PRIMARY KEY
);
INSERT INTO rollup_backfill (tenant_id) SELECT DISTINCT tenant_id FROM records;

-- record_counts of the existing records. bucket is start_at floored to
-- 900000 ms; the double remainder makes it exact for negative start_at too
-- (which validation refuses: start_at is after 2000).
INSERT INTO record_counts (tenant_id, bucket, channel, source, direction, records)
SELECT tenant_id, start_at - ((start_at % 900000) + 900000) % 900000, channel, source, direction, count(*)
FROM records
WHERE same_as IS NULL
GROUP BY tenant_id, start_at - ((start_at % 900000) + 900000) % 900000, channel, source, direction;
