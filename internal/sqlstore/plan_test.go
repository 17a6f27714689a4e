package sqlstore

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// TestQueryPlans pins the access path of each query shape, so that a
// selective filter never turns into a walk over all of a tenant's records
// and pages are read from the time index in order.
func TestQueryPlans(t *testing.T) {
	s, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "db"), Options{CacheMiB: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tn := cdr.MustTenantID("acme")
	tests := []struct {
		name string
		f    cdr.Filter
		want []string // substrings of the plan, in order
		not  []string
	}{
		{"page", cdr.Filter{Limit: 100}, []string{"USING INDEX records_start (tenant_id=?)"}, []string{"TEMP B-TREE"}},
		{"window", cdr.Filter{Limit: 100, From: cdr.MinTime, To: cdr.MinTime + 1, Channels: []cdr.Channel{"voice"}}, []string{"records_start (tenant_id=? AND start_at>? AND start_at<?)"}, []string{"TEMP B-TREE"}},
		{"ids", cdr.Filter{Limit: 100, IDs: []string{"a", "b"}}, []string{"records_id (tenant_id=? AND id=?)", "TEMP B-TREE FOR ORDER BY"}, nil},
		{"vendor ids", cdr.Filter{Limit: 100, VendorIDs: cdr.VendorIDs{Source: "native", Values: []string{"a"}}}, []string{"MULTI-INDEX OR", "records_id", "records_id"}, []string{"records_start"}},
		{"phone", cdr.Filter{Limit: 100, Phones: []string{"+8613912345678"}}, []string{"INTEGER PRIMARY KEY (rowid=?)", "record_index VIRTUAL TABLE"}, []string{"records_start"}},
		{"address", cdr.Filter{Limit: 100, CallerAddrs: []string{"user_1"}}, []string{"INTEGER PRIMARY KEY (rowid=?)"}, []string{"records_start"}},
		{"contains", cdr.Filter{Limit: 100, PhoneContains: "123456"}, []string{"INTEGER PRIMARY KEY (rowid=?)"}, []string{"records_start"}},
		// With no records, an agent's matches are few: read and sorted.
		{"few agent matches", cdr.Filter{Limit: 100, Agents: []string{"a"}}, []string{"INTEGER PRIMARY KEY (rowid=?)"}, []string{"records_start"}},
		{"short substring", cdr.Filter{Limit: 100, PhoneContains: "123"}, []string{"INTEGER PRIMARY KEY (rowid=?)"}, nil},
	}
	for _, tt := range tests {
		q, err := buildQuery(tn, &tt.f)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.choose(context.Background(), q); err != nil {
			t.Fatal(err)
		}
		sqlText, args := q.selectSQL(s.d, "r.doc", &tt.f)
		rows, err := s.db.Query("EXPLAIN QUERY PLAN "+sqlText, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			rows.Scan(&id, &parent, &unused, &detail)
			plan = append(plan, detail)
		}
		rows.Close()
		text := strings.Join(plan, "\n")
		rest := text
		for _, w := range tt.want {
			i := strings.Index(rest, w)
			if i < 0 {
				t.Errorf("%s: plan lacks %q:\n%s", tt.name, w, text)
				break
			}
			rest = rest[i+len(w):]
		}
		for _, n := range tt.not {
			if strings.Contains(text, n) {
				t.Errorf("%s: plan has %q:\n%s", tt.name, n, text)
			}
		}
	}
}

// TestManyMatchesWalkTime: an agent with more than smallMatch records is
// found by walking the time index, not by sorting all of them.
func TestManyMatchesWalkTime(t *testing.T) {
	s, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "db"), Options{CacheMiB: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tn := cdr.MustTenantID("acme")
	var recs []*cdr.Record
	for i := range smallMatch + 1 {
		recs = append(recs, &cdr.Record{Channel: cdr.ChannelVoice, Source: cdr.SourceNative, SourceID: fmt.Sprint("busy-", i),
			StartAt: 1700000000000 + int64(i), Agents: []cdr.Agent{{ID: "busy@acme"}}})
	}
	if _, err := s.UpsertRecords(context.Background(), tn, recs, cdr.UpsertOptions{}); err != nil {
		t.Fatal(err)
	}
	f := cdr.Filter{Limit: 100, Agents: []string{"busy@acme"}, Count: true}
	q, _ := buildQuery(tn, &f)
	if err := s.choose(context.Background(), q); err != nil {
		t.Fatal(err)
	}
	if q.selective || q.driven {
		t.Errorf("%d matches read by pk", smallMatch+1)
	}
	got, n, err := s.FindRecords(context.Background(), tn, f)
	if err != nil || len(got) != 100 || n != smallMatch+1 || got[0].StartAt != 1700000000000+smallMatch {
		t.Errorf("%d records, count %d, first %v: %v", len(got), n, got[0].StartAt, err)
	}
}

// TestDueUnaddressedPlan: a source's due files without an address are read
// along archive_files_unaddressed, in its order, without a sort.
func TestDueUnaddressedPlan(t *testing.T) {
	s, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "db"), Options{CacheMiB: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rows, err := s.db.Query("EXPLAIN QUERY PLAN "+dueUnaddressedSQL, "acme", "aliyun_ccc", 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	got := strings.Join(plan, "\n")
	if !strings.Contains(got, "USING INDEX archive_files_unaddressed (tenant_id=? AND source=?)") || strings.Contains(got, "TEMP B-TREE") {
		t.Errorf("plan:\n%s", got)
	}
}
