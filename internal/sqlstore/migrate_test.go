package sqlstore

import (
	"context"
	"database/sql"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/demo"
)

// plainTrigrams is the index value of digits before migration 0003: the
// digits themselves, the mask written as x.
func plainTrigrams(digits string) string {
	d := strings.ReplaceAll(digits, "*", "x")
	var grams []string
	for i := 0; i+3 <= len(d); i++ {
		grams = append(grams, d[i:i+3])
	}
	return strings.Join(grams, " ")
}

// Migration 0003 rewrites the phone trigrams of a database indexed before
// it in each tenant's alphabet, keeping every record and its pk, and
// substring search then finds exactly the tenant's records that contain
// the digits.
func TestSaltedTrigramsMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cdrhub.db")
	s, err := OpenSQLite(ctx, path, Options{CacheMiB: 4})
	if err != nil {
		t.Fatal(err)
	}
	tenants := []string{"acme", "globex"}
	for _, tn := range tenants {
		for i := range 2 {
			if _, err := s.UpsertRecords(ctx, cdr.MustTenantID(tn), demo.Batch(tn, i, 200), cdr.UpsertOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	s.Close()

	// The database as a release before 0003 left it.
	db, err := sql.Open(driverName, dsn(path, 4, nil))
	if err != nil {
		t.Fatal(err)
	}
	type digits struct{ tenant, id, caller, callee string }
	before := map[int64]digits{}
	rows, err := db.Query(`SELECT pk, tenant_id, id, coalesce(caller_digits, ''), coalesce(callee_digits, '') FROM records`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var pk int64
		var d digits
		if err := rows.Scan(&pk, &d.tenant, &d.id, &d.caller, &d.callee); err != nil {
			t.Fatal(err)
		}
		before[pk] = d
	}
	rows.Close()
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for pk, d := range before {
		if _, err := tx.Exec(`UPDATE record_index SET caller = ?, callee = ? WHERE docid = ?`, plainTrigrams(d.caller), plainTrigrams(d.callee), pk); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tx.Exec(`DELETE FROM schema_migrations WHERE version = 3`); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err = OpenSQLite(ctx, path, Options{CacheMiB: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.SchemaVersion(ctx); err != nil || v < 3 {
		t.Fatalf("schema version %d, %v", v, err)
	}
	after := map[int64]digits{}
	rows, err = s.db.Query(`SELECT r.pk, r.tenant_id, r.id, coalesce(r.caller_digits, ''), coalesce(r.callee_digits, ''), i.caller, i.callee
		FROM records r JOIN record_index i ON i.docid = r.pk`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var pk int64
		var d digits
		var caller, callee string
		if err := rows.Scan(&pk, &d.tenant, &d.id, &d.caller, &d.callee, &caller, &callee); err != nil {
			t.Fatal(err)
		}
		after[pk] = d
		sym := tenantSymbols(d.tenant)
		if want := phoneTrigrams(&sym, d.caller); caller != want {
			t.Fatalf("record %s: caller grams %q, want %q", d.id, caller, want)
		}
		if want := phoneTrigrams(&sym, d.callee); callee != want {
			t.Fatalf("record %s: callee grams %q, want %q", d.id, callee, want)
		}
	}
	rows.Close()
	if !maps.Equal(before, after) || len(after) != 800 {
		t.Fatalf("records changed: %d before, %d after", len(before), len(after))
	}

	// Substrings of 3 to 7 digits, with and without the mask, taken from
	// the data: each finds exactly its tenant's records that contain it.
	var subs []string
	for _, d := range before {
		for _, n := range []int{3, 5, 7} {
			if len(d.caller) >= n+2 && !strings.Contains(d.caller, "*") && len(subs) < 40 {
				subs = append(subs, d.caller[2:2+n])
			}
		}
	}
	for _, d := range before {
		if i := strings.Index(d.caller, "****"); i >= 2 && len(d.caller) >= i+6 {
			subs = append(subs, d.caller[i-2:i+6])
			break
		}
	}
	found, masked := 0, 0
	for _, tn := range tenants {
		for _, sub := range subs {
			var want []string
			for _, d := range before {
				if d.tenant == tn && (strings.Contains(d.caller, sub) || strings.Contains(d.callee, sub)) {
					want = append(want, d.id)
				}
			}
			recs, _, err := s.FindRecords(ctx, cdr.MustTenantID(tn), cdr.Filter{PhoneContains: sub, IncludeShadows: true, Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range recs {
				got = append(got, r.ID)
			}
			slices.Sort(want)
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("%s, %q: %d found, want %d", tn, sub, len(got), len(want))
			}
			if len(got) > 0 {
				found++
				if strings.Contains(sub, "*") {
					masked++
				}
			}
		}
	}
	if found < len(subs) || masked == 0 {
		t.Errorf("only %d searches found records, %d of them masked: the test proves little", found, masked)
	}
}
