package main

import (
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRollupCommand: rollup rebuild has kpi_daily and kpi_agent_daily keep
// the tenant's days,
// finds nothing to change in rollups the store kept, finds and fixes a row
// of each table changed behind its back, and prune keeps the pruned
// records' statistics unless --keep-stats=false.
func TestRollupCommand(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir)
	nd := writeRecords(t, dir, "calls.ndjson", "n", 300, false)
	if _, stderr, err := runCLI(t, nil, "import", "--config", cfg, nd); err != nil {
		t.Fatalf("import: %v\n%s", err, stderr)
	}
	for _, args := range [][]string{{}, {"--dry-run"}} {
		out, _, err := runCLI(t, nil, append([]string{"rollup", "rebuild", "--config", cfg}, args...)...)
		if err != nil || !strings.HasPrefix(out, "acme: 0 record_counts rows, 0 record_days rows, 0 kpi_rollup rows, 0 kpi_daily rows and 0 kpi_agent_daily rows differed\n") {
			t.Fatalf("rebuild %v of kept rollups: %v\n%s", args, err, out)
		}
	}
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "data", "cdrhub.db")+"?_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exec := func(q string) int64 {
		t.Helper()
		res, err := db.Exec(q)
		if err != nil {
			t.Fatal(err)
		}
		n, _ := res.RowsAffected()
		return n
	}
	count := func(table string) (n int) {
		t.Helper()
		if err := db.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	changed := exec(`UPDATE record_counts SET records = records + 5 WHERE (bucket, channel, source, direction) IN
		(SELECT bucket, channel, source, direction FROM record_counts LIMIT 1)`)
	deleted := exec(`DELETE FROM kpi_rollup WHERE (bucket, queue, agent, disposition) IN
		(SELECT bucket, queue, agent, disposition FROM kpi_rollup LIMIT 1)`)
	days := count("kpi_daily")
	changedDay := exec(`UPDATE kpi_daily SET talk_s = talk_s + 1 WHERE (bucket, channel, source, direction, queue, disposition) IN
		(SELECT bucket, channel, source, direction, queue, disposition FROM kpi_daily LIMIT 1)`)
	deletedDay := exec(`DELETE FROM record_days WHERE (bucket, channel, source, direction) IN
		(SELECT bucket, channel, source, direction FROM record_days LIMIT 1)`)
	agentDays := count("kpi_agent_daily")
	changedAgentDay := exec(`UPDATE kpi_agent_daily SET contacts = contacts + 2 WHERE (bucket, channel, source, direction, agent, disposition) IN
		(SELECT bucket, channel, source, direction, agent, disposition FROM kpi_agent_daily LIMIT 1)`)
	if changed != 1 || deleted != 1 || changedDay != 1 || deletedDay != 1 || changedAgentDay != 1 {
		t.Fatalf("changed %d record_counts rows, deleted %d kpi_rollup rows, changed %d kpi_daily rows, deleted %d record_days rows and changed %d kpi_agent_daily rows, want 1 each",
			changed, deleted, changedDay, deletedDay, changedAgentDay)
	}
	for _, args := range [][]string{{"--dry-run"}, {}} {
		out, _, err := runCLI(t, nil, append([]string{"rollup", "rebuild", "--config", cfg}, args...)...)
		var exit *exitError
		if !errors.As(err, &exit) || exit.code != 1 ||
			!strings.HasPrefix(out, "acme: 1 record_counts rows, 1 record_days rows, 1 kpi_rollup rows, 1 kpi_daily rows and 1 kpi_agent_daily rows differed\n") {
			t.Fatalf("rebuild %v of changed rollups: %v\n%s", args, err, out)
		}
	}
	if out, _, err := runCLI(t, nil, "rollup", "rebuild", "--config", cfg); err != nil {
		t.Fatalf("rebuild after the fix: %v\n%s", err, out)
	}
	// serve reports what the rebuilds found (1 and 1, twice: the dry run
	// and the fix), and when the latest ran.
	p := start(t, "--config", cfg, "--listen", "127.0.0.1:0")
	for _, table := range []string{"record_counts", "record_days", "kpi_rollup", "kpi_daily", "kpi_agent_daily"} {
		if v := metricValue(t, p.addr, `cdrhub_rollup_rebuild_differences{table="`+table+`"}`); v != 2 {
			t.Errorf("%s differences on /metrics: %v, want 2", table, v)
		}
	}
	if v := metricValue(t, p.addr, "cdrhub_rollup_rebuild_timestamp_seconds"); v < float64(time.Now().Add(-time.Hour).Unix()) {
		t.Errorf("cdrhub_rollup_rebuild_timestamp_seconds %v", v)
	}
	p.cmd.Process.Kill()
	<-p.done

	kpi := count("kpi_rollup")
	if _, _, err := runCLI(t, nil, "prune", "--config", cfg, "--before", "2030-01-01"); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"record_counts", "record_days"} {
		if n := count(table); n != 0 {
			t.Errorf("%d %s rows after every record was pruned", n, table)
		}
	}
	if n := count("kpi_rollup"); n != kpi {
		t.Errorf("kpi_rollup rows %d → %d: prune dropped the statistics", kpi, n)
	}
	if n := count("kpi_daily"); n != days || n == 0 {
		t.Errorf("kpi_daily rows %d → %d: prune dropped the statistics", days, n)
	}
	if n := count("kpi_agent_daily"); n != agentDays || n == 0 {
		t.Errorf("kpi_agent_daily rows %d → %d: prune dropped the statistics", agentDays, n)
	}
	if _, _, err := runCLI(t, nil, "prune", "--config", cfg, "--before", "2030-01-01", "--keep-stats=false"); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"kpi_rollup", "kpi_daily", "kpi_agent_daily"} {
		if n := count(table); n != 0 {
			t.Errorf("%d %s rows after prune --keep-stats=false", n, table)
		}
	}
}
