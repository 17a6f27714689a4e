package main

import (
	"strings"
	"testing"

	"github.com/cdrhub/cdrhub/internal/dbtest"
)

// databases are the stores a command test runs against: SQLite from the
// configuration file, PostgreSQL through CDRHUB_DB.
var databases = []struct {
	name string
	env  func(t *testing.T) map[string]string
}{
	{"sqlite", func(*testing.T) map[string]string { return nil }},
	{"postgres", func(t *testing.T) map[string]string { return map[string]string{"CDRHUB_DB": dbtest.Postgres(t)} }},
}

func TestPruneCommand(t *testing.T) {
	for _, db := range databases {
		t.Run(db.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := writeConfig(t, dir)
			env := db.env(t)
			nd := writeRecords(t, dir, "calls.ndjson", "n", 300, false)
			if _, stderr, err := runCLI(t, env, "import", "--config", cfg, nd); err != nil {
				t.Fatalf("import: %v\n%s", err, stderr)
			}
			// Records start at 1700000000000 + i s: 100 of them before this.
			before := "2023-11-14T22:15:00Z"
			out, stderr, err := runCLI(t, env, "prune", "--config", cfg, "--before", before, "--dry-run")
			if err != nil || out != "acme: would delete 100 records before 2023-11-14T22:15:00Z\nwould delete 100 records in all\n" {
				t.Fatalf("dry run: %v\n%s%s", err, out, stderr)
			}
			out, stderr, err = runCLI(t, env, "prune", "--config", cfg, "--before", before, "--tenant", "acme")
			if err != nil || !strings.HasSuffix(out, "deleted 100 records in all\n") {
				t.Fatalf("prune: %v\n%s%s", err, out, stderr)
			}
			out, _, err = runCLI(t, env, "export", "--config", cfg)
			if recs := exportedNDJSON(t, out); err != nil || len(recs) != 200 {
				t.Errorf("%d records left, want 200: %v", len(recs), err)
			}
			out, _, err = runCLI(t, env, "prune", "--config", cfg, "--before", "2030-01-01")
			if err != nil || out != "acme: deleted 200 records before 2030-01-01T00:00:00Z\ndeleted 200 records in all\n" {
				t.Errorf("prune all: %v\n%s", err, out)
			}
			out, _, err = runCLI(t, env, "migrate", "--config", cfg)
			if err != nil || out != "schema version 13\n" {
				t.Errorf("migrate: %v %q", err, out)
			}
		})
	}
}

func TestPruneErrors(t *testing.T) {
	cfg := writeConfig(t, t.TempDir())
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "prune: --before: required"},
		{[]string{"--before", "last week"}, `prune: --before: "last week": want YYYY-MM-DD or RFC 3339`},
		{[]string{"--before", "2026-01-01", "--tenant", "no such!"}, "prune: --tenant:"},
		{[]string{"--before", "2026-01-01", "extra"}, `prune: unexpected argument "extra"`},
	} {
		_, _, err := runCLI(t, nil, append([]string{"prune", "--config", cfg}, tc.args...)...)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %s", tc.args, err, tc.want)
		}
	}
}
