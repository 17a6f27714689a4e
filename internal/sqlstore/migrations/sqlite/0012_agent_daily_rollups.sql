-- kpi_agent_daily (cdr.Rollups, internal/sqlstore/daily.go; docs/design.md,
-- Rollups): kpi_daily's mirror for the agents. kpi_rollup's sums per local
-- day without the queue, the disposition reduced to answered, abandoned or
-- '' (cdr.AgentDayKey), for each UTC offset of rollup_days; bucket is the
-- day's start (ms, cdr.DayStart), as in kpi_daily. Kept with kpi_rollup in
-- the same transactions, recomputed from it where kpi_daily is.
CREATE TABLE kpi_agent_daily (
	tenant_id     TEXT NOT NULL,
	bucket        INTEGER NOT NULL,
	channel       TEXT NOT NULL,
	source        TEXT NOT NULL,
	direction     TEXT NOT NULL,
	agent         TEXT NOT NULL,
	disposition   TEXT NOT NULL,
	contacts      INTEGER DEFAULT 0 NOT NULL,
	answered_10   INTEGER DEFAULT 0 NOT NULL,
	answered_20   INTEGER DEFAULT 0 NOT NULL,
	answered_30   INTEGER DEFAULT 0 NOT NULL,
	answered_60   INTEGER DEFAULT 0 NOT NULL,
	answered_120  INTEGER DEFAULT 0 NOT NULL,
	abandoned_10  INTEGER DEFAULT 0 NOT NULL,
	abandoned_20  INTEGER DEFAULT 0 NOT NULL,
	abandoned_30  INTEGER DEFAULT 0 NOT NULL,
	abandoned_60  INTEGER DEFAULT 0 NOT NULL,
	abandoned_120 INTEGER DEFAULT 0 NOT NULL,
	wait_s        INTEGER DEFAULT 0 NOT NULL,
	wait_n        INTEGER DEFAULT 0 NOT NULL,
	queue_s       INTEGER DEFAULT 0 NOT NULL,
	queue_n       INTEGER DEFAULT 0 NOT NULL,
	ring_s        INTEGER DEFAULT 0 NOT NULL,
	ring_n        INTEGER DEFAULT 0 NOT NULL,
	talk_s        INTEGER DEFAULT 0 NOT NULL,
	talk_n        INTEGER DEFAULT 0 NOT NULL,
	hold_s        INTEGER DEFAULT 0 NOT NULL,
	hold_n        INTEGER DEFAULT 0 NOT NULL,
	total_s       INTEGER DEFAULT 0 NOT NULL,
	total_n       INTEGER DEFAULT 0 NOT NULL,
	sat_n         INTEGER DEFAULT 0 NOT NULL,
	sat_sum       INTEGER DEFAULT 0 NOT NULL,
	sat_1         INTEGER DEFAULT 0 NOT NULL,
	sat_2         INTEGER DEFAULT 0 NOT NULL,
	sat_3         INTEGER DEFAULT 0 NOT NULL,
	sat_4         INTEGER DEFAULT 0 NOT NULL,
	sat_5         INTEGER DEFAULT 0 NOT NULL,
	PRIMARY KEY (tenant_id, bucket, channel, source, direction, agent, disposition)
) WITHOUT ROWID;

-- The days of every tenant's offsets, from kpi_rollup (cdr.DayStart and
-- cdr.KPIKey.Reduce in SQL, as internal/sqlstore/daily.go computes them).
INSERT INTO kpi_agent_daily (tenant_id, bucket, channel, source, direction, agent, disposition,
	contacts, answered_10, answered_20, answered_30, answered_60, answered_120, abandoned_10, abandoned_20, abandoned_30, abandoned_60,
	abandoned_120, wait_s, wait_n, queue_s, queue_n, ring_s, ring_n, talk_s, talk_n, hold_s,
	hold_n, total_s, total_n, sat_n, sat_sum, sat_1, sat_2, sat_3, sat_4, sat_5)
SELECT r.tenant_id, (r.bucket + d.utc_offset) - (((r.bucket + d.utc_offset) % 86400000) + 86400000) % 86400000 - d.utc_offset,
	r.channel, r.source, r.direction, r.agent,
	CASE WHEN r.disposition IN ('answered', 'transferred') THEN 'answered' WHEN r.disposition = 'abandoned' THEN r.disposition ELSE '' END,
	sum(r.contacts), sum(r.answered_10), sum(r.answered_20), sum(r.answered_30), sum(r.answered_60), sum(r.answered_120),
	sum(r.abandoned_10), sum(r.abandoned_20), sum(r.abandoned_30), sum(r.abandoned_60), sum(r.abandoned_120), sum(r.wait_s),
	sum(r.wait_n), sum(r.queue_s), sum(r.queue_n), sum(r.ring_s), sum(r.ring_n), sum(r.talk_s),
	sum(r.talk_n), sum(r.hold_s), sum(r.hold_n), sum(r.total_s), sum(r.total_n), sum(r.sat_n),
	sum(r.sat_sum), sum(r.sat_1), sum(r.sat_2), sum(r.sat_3), sum(r.sat_4), sum(r.sat_5)
FROM kpi_rollup r JOIN rollup_days d ON d.tenant_id = r.tenant_id
GROUP BY r.tenant_id, 2, r.channel, r.source, r.direction, r.agent, 7;

-- What a rebuild found differing in kpi_agent_daily.
ALTER TABLE rollup_checks ADD COLUMN agent_day_rows INTEGER DEFAULT 0 NOT NULL;
