package sqlstore_test

import (
	"context"
	"database/sql"
	"maps"
	"path/filepath"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/dbtest"
	"github.com/cdrhub/cdrhub/internal/demo"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
	_ "github.com/jackc/pgx/v5/stdlib"
)

// rollupStore is a store with its rollups.
type rollupStore interface {
	cdr.Store
	cdr.Rollups
	cdr.Pruner
	cdr.SchemaVersioner
}

// An existing database upgrades with correct rollups: migration 0007
// fills record_counts in SQL, and opening the store fills kpi_rollup from
// the records of every tenant the migration listed, once.
func TestRollupsBackfill(t *testing.T) {
	onBothDatabases(t, testBackfill)
}

// onBothDatabases runs test on a new SQLite file and on a new PostgreSQL
// database: driver and dsn reach the database directly, beneath the
// store; open opens (and migrates) a store on it.
func onBothDatabases(t *testing.T, test func(t *testing.T, driver, dsn string, open func() rollupStore)) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cdrhub.db")
	t.Run("sqlite", func(t *testing.T) {
		test(t, "sqlite3", "file:"+path, func() rollupStore {
			s, err := sqlstore.OpenSQLite(ctx, path, sqlstore.Options{CacheMiB: 4})
			if err != nil {
				t.Fatal(err)
			}
			return s
		})
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := dbtest.Postgres(t)
		test(t, "pgx", dsn, func() rollupStore {
			s, err := sqlstore.OpenPostgres(ctx, dsn, sqlstore.Options{Readers: 2})
			if err != nil {
				t.Fatal(err)
			}
			return s
		})
	})
}

func testBackfill(t *testing.T, driver, dsn string, open func() rollupStore) {
	ctx := context.Background()
	tenants := []cdr.TenantID{cdr.MustTenantID("acme"), cdr.MustTenantID("globex")}
	s := open()
	for i, tn := range tenants {
		recs := demo.Records(tn.String(), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), 400+100*i)
		recs[3].SameAs = cdr.RecordID(tn.String(), recs[4].Source, recs[4].SourceID)
		if _, err := s.UpsertRecords(ctx, tn, recs, cdr.UpsertOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	want := map[cdr.TenantID][2]int{}
	for _, tn := range tenants {
		c, _ := s.CountRows(ctx, tn, -1<<62, 1<<62)
		k, _ := s.KPIRows(ctx, tn, -1<<62, 1<<62)
		if len(c) == 0 || len(k) == 0 {
			t.Fatalf("%s: %d count rows, %d kpi rows", tn, len(c), len(k))
		}
		want[tn] = [2]int{len(c), len(k)}
	}
	s.Close()

	// Back to schema version 6, with 0008 applied (migrations 0007, 0009
	// and 0012 run again).
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DROP TABLE record_counts`, `DROP TABLE kpi_rollup`, `DROP TABLE rollup_marks`,
		`DROP TABLE rollup_backfill`, `DELETE FROM schema_migrations WHERE version = 7`,
		`DROP TABLE record_days`, `DROP TABLE kpi_daily`, `DROP TABLE rollup_days`,
		`ALTER TABLE rollup_checks DROP COLUMN day_rows`, `ALTER TABLE rollup_checks DROP COLUMN count_day_rows`,
		`DELETE FROM schema_migrations WHERE version = 9`,
		`DROP TABLE kpi_agent_daily`, `ALTER TABLE rollup_checks DROP COLUMN agent_day_rows`,
		`DELETE FROM schema_migrations WHERE version = 12`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}

	s = open()
	defer s.Close()
	if v, err := s.SchemaVersion(ctx); err != nil || v < 7 {
		t.Fatalf("schema version %d, %v", v, err)
	}
	for _, tn := range tenants {
		if diff, err := s.RebuildRollups(ctx, tn, true); err != nil || diff != (cdr.RollupDiff{}) {
			t.Errorf("%s after the upgrade: %+v, %v", tn, diff, err)
		}
		c, _ := s.CountRows(ctx, tn, -1<<62, 1<<62)
		k, _ := s.KPIRows(ctx, tn, -1<<62, 1<<62)
		if got := [2]int{len(c), len(k)}; got != want[tn] {
			t.Errorf("%s after the upgrade: %v rows, want %v", tn, got, want[tn])
		}
		if d, _ := s.CountDayRows(ctx, tn, -1<<62, 1<<62); len(d) == 0 {
			t.Errorf("%s after the upgrade: no record_days rows", tn)
		}
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM rollup_backfill`).Scan(&n); err != nil || n != 0 {
		t.Errorf("rollup_backfill holds %d tenants, %v", n, err)
	}
	db.Close()
}

// Migration 0012 fills kpi_agent_daily in SQL for the offsets each tenant
// already keeps: the rows the store would have kept.
func TestAgentDailyMigration(t *testing.T) {
	onBothDatabases(t, testAgentDailyMigration)
}

func testAgentDailyMigration(t *testing.T, driver, dsn string, open func() rollupStore) {
	ctx := context.Background()
	const hour = int64(time.Hour / time.Millisecond)
	tenants := map[cdr.TenantID][]int64{
		cdr.MustTenantID("acme"):    {-5 * hour, -4 * hour},
		cdr.MustTenantID("globex"):  {5*hour + 45*60*1000},
		cdr.MustTenantID("initech"): nil,
	}
	s := open()
	want := map[cdr.TenantID]map[cdr.KPIKey]cdr.KPIMeasures{}
	for tn, offs := range tenants {
		recs := demo.Records(tn.String(), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), 600)
		if _, err := s.UpsertRecords(ctx, tn, recs, cdr.UpsertOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetDayOffsets(ctx, tn, offs); err != nil {
			t.Fatal(err)
		}
		kpi, err := s.KPIRows(ctx, tn, -1<<62, 1<<62)
		if err != nil {
			t.Fatal(err)
		}
		want[tn] = cdr.AgentDaySums(kpi, offs)
		if got, err := s.AgentDayRows(ctx, tn, -1<<62, 1<<62); err != nil || !maps.Equal(got, want[tn]) || len(offs) > 0 && len(got) == 0 {
			t.Fatalf("%s: %d kpi_agent_daily rows, %v; want %d", tn, len(got), err, len(want[tn]))
		}
	}
	s.Close()

	// Back to schema version 11: migration 0012 runs again.
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{`DROP TABLE kpi_agent_daily`, `ALTER TABLE rollup_checks DROP COLUMN agent_day_rows`,
		`DELETE FROM schema_migrations WHERE version = 12`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	s = open()
	defer s.Close()
	if v, err := s.SchemaVersion(ctx); err != nil || v < 12 {
		t.Fatalf("schema version %d, %v", v, err)
	}
	for tn := range tenants {
		got, err := s.AgentDayRows(ctx, tn, -1<<62, 1<<62)
		if err != nil || !maps.Equal(got, want[tn]) {
			t.Errorf("%s after the migration: %d kpi_agent_daily rows, %v; want %d", tn, len(got), err, len(want[tn]))
		}
		if diff, err := s.RebuildRollups(ctx, tn, true); err != nil || diff != (cdr.RollupDiff{}) {
			t.Errorf("%s after the migration: %+v, %v", tn, diff, err)
		}
	}
}
