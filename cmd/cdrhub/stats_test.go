package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/cdrhub/cdrhub/internal/analytics"
)

// TestStatsCommand: cdrhub stats prints the KPIs of the local database as
// JSON, CSV and a table, and a server's GET /api/v1/stats gives the same
// JSON.
func TestStatsCommand(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir)
	nd := writeRecords(t, dir, "calls.ndjson", "n", 300, false)
	if _, stderr, err := runCLI(t, nil, "import", "--config", cfg, nd); err != nil {
		t.Fatalf("import: %v\n%s", err, stderr)
	}
	window := []string{"--from", "2023-11-14T00:00:00Z", "--to", "2023-11-16T00:00:00Z", "--interval", "1d", "--group-by", "channel"}
	local := func(format string) string {
		t.Helper()
		out, stderr, err := runCLI(t, nil, append(append([]string{"stats", "--config", cfg}, window...), "--format", format)...)
		if err != nil {
			t.Fatalf("stats --format %s: %v\n%s", format, err, stderr)
		}
		return out
	}
	decode := func(s string) (res analytics.Result) {
		t.Helper()
		if err := json.Unmarshal([]byte(s), &res); err != nil {
			t.Fatalf("%v: %s", err, s)
		}
		return res
	}
	res := decode(local("json"))
	var contacts int64
	for _, s := range res.Series {
		contacts += s.Total.Contacts
		if len(s.Buckets) != 2 {
			t.Errorf("series %v: %d buckets, want 2 days", s.Group, len(s.Buckets))
		}
	}
	if len(res.Series) != 3 || contacts != 300 || res.TZ != "UTC" {
		t.Errorf("%d series, %d contacts in %s; want 3 channels, 300, UTC", len(res.Series), contacts, res.TZ)
	}
	if csv := local("csv"); !strings.HasPrefix(csv, "channel,from,to,offered,answered,") || strings.Count(csv, "\n") != 1+3*3 {
		t.Errorf("csv:\n%s", csv)
	}
	if table := local("table"); strings.Count(table, " total ") != 3 || !strings.Contains(table, "times in UTC") {
		t.Errorf("table:\n%s", table)
	}

	p := start(t, "--config", cfg, "--listen", "127.0.0.1:0")
	out, stderr, err := runCLI(t, nil, append(append([]string{"stats", "--server", "http://" + p.addr, "--token", testToken}, window...), "--format", "json")...)
	if err != nil {
		t.Fatalf("stats --server: %v\n%s", err, stderr)
	}
	remote := decode(out)
	a, _ := json.Marshal(&res)
	b, _ := json.Marshal(&remote)
	if string(a) != string(b) {
		t.Errorf("the server's answer differs from the local one:\n%s\n%s", b, a)
	}

	// A bad parameter names itself, locally and through the server.
	for _, where := range [][]string{{"--config", cfg}, {"--server", "http://" + p.addr, "--token", testToken}} {
		args := append(append([]string{"stats"}, where...), "--from", "2023-11-14T00:00:00Z", "--to", "2023-11-16T00:00:00Z", "--interval", "2h")
		if _, _, err := runCLI(t, nil, args...); err == nil || !strings.Contains(err.Error(), "interval") {
			t.Errorf("%v: %v, want an error naming interval", where, err)
		}
	}
}
