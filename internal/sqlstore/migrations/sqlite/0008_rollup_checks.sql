-- rollup_checks: what `cdrhub rollup rebuild` found for each tenant
-- (cdr.Rollups.RollupChecks): the rows that differed, summed over every
-- rebuild and dry run, and the time of the latest (ms). serve reports the
-- sums on /metrics.
CREATE TABLE rollup_checks (
	tenant_id  TEXT NOT NULL PRIMARY KEY,
	checked_at INTEGER NOT NULL,
	count_rows INTEGER NOT NULL,
	kpi_rows   INTEGER NOT NULL
) WITHOUT ROWID;
