// Package storetest is the conformance suite every cdr.Store must pass:
// the upsert classes of the version rule, independence from arrival order,
// every filter, cursor pagination, counts and tenant isolation.
//
// A store's test calls Run with a function that opens a new, empty store
// and returns it with its capabilities (Subject).
package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/google/go-cmp/cmp"
)

// Run runs the suite. newStore returns a new, empty store with its
// capabilities; Run closes it.
func Run(t *testing.T, newStore func(t *testing.T) Subject) {
	subject := func(t *testing.T) Subject {
		s := newStore(t)
		t.Cleanup(func() { s.Close() })
		return s
	}
	open := func(t *testing.T) cdr.Store { return subject(t).Store }
	t.Run("UpsertClasses", func(t *testing.T) { testUpsertClasses(t, open(t)) })
	t.Run("SameKeyInOneBatch", func(t *testing.T) { testSameKeyInOneBatch(t, open(t)) })
	t.Run("ArrivalOrder", func(t *testing.T) { testArrivalOrder(t, open) })
	t.Run("ReplaceIsTotal", func(t *testing.T) { testReplaceIsTotal(t, open(t)) })
	t.Run("DryRun", func(t *testing.T) { testDryRun(t, open(t)) })
	t.Run("InvalidBatch", func(t *testing.T) { testInvalidBatch(t, open(t)) })
	t.Run("FindByID", func(t *testing.T) { testFindByID(t, open(t)) })
	t.Run("Filters", func(t *testing.T) { testFilters(t, open(t)) })
	t.Run("Pagination", func(t *testing.T) { testPagination(t, open(t)) })
	t.Run("Stream", func(t *testing.T) { testStream(t, open(t)) })
	t.Run("OrderBy", func(t *testing.T) { testOrderBy(t, open(t)) })
	t.Run("TenantIsolation", func(t *testing.T) { testTenantIsolation(t, open(t)) })
	t.Run("ZeroTenant", func(t *testing.T) { testZeroTenant(t, open(t)) })
	t.Run("LargeBatch", func(t *testing.T) { testLargeBatch(t, open(t)) })
	t.Run("Bounds", func(t *testing.T) { testBounds(t, open(t)) })
	t.Run("Prune", func(t *testing.T) { s := subject(t); testPrune(t, s.Store, s.Pruner) })
	t.Run("Totals", func(t *testing.T) { s := subject(t); testTotals(t, s.Store, s.Pruner) })
	t.Run("SyncCheckpoint", func(t *testing.T) { testSyncCheckpoint(t, subject(t).SyncState) })
	t.Run("SyncErrors", func(t *testing.T) { testSyncErrors(t, subject(t).SyncState) })
	t.Run("SyncRuns", func(t *testing.T) { testSyncRuns(t, subject(t).SyncState) })
	t.Run("SyncLeases", func(t *testing.T) { testSyncLeases(t, subject(t).SyncState) })
	t.Run("SyncLeaseRace", func(t *testing.T) { testSyncLeaseRace(t, subject(t).SyncState) })
	t.Run("SyncZeroTenant", func(t *testing.T) { testSyncZeroTenant(t, subject(t).SyncState) })
	archive := func(name string, test func(*testing.T, cdr.Store, cdr.Archive)) {
		t.Run(name, func(t *testing.T) { s := subject(t); test(t, s.Store, s.Archive) })
	}
	archive("ArchivePlan", testArchivePlan)
	archive("ArchivePlanMark", testArchivePlanMark)
	archive("ArchivePlanRecord", testArchivePlanRecord)
	archive("ArchiveDue", testArchiveDue)
	archive("ArchiveDueUnaddressed", testArchiveDueUnaddressed)
	archive("ArchiveStates", testArchiveStates)
	archive("ArchivePrune", testArchivePrune)
	archive("ArchiveDelete", testArchiveDelete)
	archive("ArchiveCounts", testArchiveCounts)
	archive("ArchiveIsolation", testArchiveIsolation)
	archive("ArchiveZeroTenant", testArchiveZeroTenant)
	archive("ArchiveRace", testArchiveRace)
	t.Run("Secrets", func(t *testing.T) { testSecrets(t, subject(t).Secrets) })
	t.Run("Sessions", func(t *testing.T) { testSessions(t, subject(t).Sessions) })
	t.Run("SessionsExpiry", func(t *testing.T) { testSessionsExpiry(t, subject(t).Sessions) })
	t.Run("SessionsIsolation", func(t *testing.T) { testSessionsIsolation(t, subject(t).Sessions) })
	t.Run("SavedSearches", func(t *testing.T) { testSavedSearches(t, subject(t).Saved) })
	t.Run("SavedSearchesRace", func(t *testing.T) { testSavedSearchesRace(t, subject(t).Saved) })
	rollups := func(name string, test func(*testing.T, cdr.Store, cdr.Pruner, cdr.Rollups)) {
		t.Run(name, func(t *testing.T) { s := subject(t); test(t, s.Store, s.Pruner, s.Rollups) })
	}
	rollups("RollupsMaintained", testRollupsMaintained)
	rollups("RollupsPrunedMark", testRollupsPrunedMark)
	rollups("RollupsIsolation", testRollupsIsolation)
	t.Run("KPISums", func(t *testing.T) { s := subject(t); testKPISums(t, s.Store, s.Rollups) })
	t.Run("Stats", func(t *testing.T) { s := subject(t); testStats(t, s.Store, s.Rollups) })
	t.Run("RollupsZeroTenant", func(t *testing.T) { testRollupsZeroTenant(t, subject(t).Rollups) })
}

var (
	ctx    = context.Background()
	tenant = cdr.MustTenantID("acme")
	other  = cdr.MustTenantID("globex")
)

const base = int64(1700000000000) // 2023-11-14T22:13:20Z

// voice returns a valid native voice record.
func voice(id string, start int64) *cdr.Record {
	return &cdr.Record{Channel: cdr.ChannelVoice, Source: cdr.SourceNative, SourceID: id, StartAt: start, Version: 1}
}

// clone deep-copies r through JSON, keeping raw.
func clone(r *cdr.Record) *cdr.Record {
	b, err := json.Marshal(r)
	if err != nil {
		panic(err)
	}
	c := &cdr.Record{}
	if err := json.Unmarshal(b, c); err != nil {
		panic(err)
	}
	c.Raw = slices.Clone(r.Raw) // verbatim, not compacted
	c.VendorTerms = slices.Clone(r.VendorTerms)
	return c
}

func upsert(t *testing.T, s cdr.Store, tn cdr.TenantID, recs ...*cdr.Record) cdr.UpsertResult {
	t.Helper()
	cp := make([]*cdr.Record, len(recs))
	for i, r := range recs {
		cp[i] = clone(r)
	}
	res, err := s.UpsertRecords(ctx, tn, cp, cdr.UpsertOptions{Now: base + 1})
	if err != nil {
		t.Fatalf("UpsertRecords: %v", err)
	}
	return res
}

func counts(res cdr.UpsertResult) [4]int {
	return [4]int{res.Inserted, res.Updated, res.Unchanged, res.Stale}
}

func find(t *testing.T, s cdr.Store, tn cdr.TenantID, id string) *cdr.Record {
	t.Helper()
	r, err := s.FindRecordByID(ctx, tn, id)
	if err != nil {
		t.Fatalf("FindRecordByID(%s): %v", id, err)
	}
	return r
}

func testUpsertClasses(t *testing.T, s cdr.Store) {
	r := voice("c1", base)
	r.Version = 10
	id := cdr.RecordID("acme", cdr.SourceNative, "c1")
	changed := func(v int64, note string) *cdr.Record { c := clone(r); c.Version, c.Note = v, note; return c }
	steps := []struct {
		name        string
		rec         *cdr.Record
		want        [4]int // inserted, updated, unchanged, stale
		wantVersion int64
		wantNote    string
	}{
		{"insert", r, [4]int{1, 0, 0, 0}, 10, ""},
		{"same again", r, [4]int{0, 0, 1, 0}, 10, ""},
		{"newer version same content", changed(20, ""), [4]int{0, 0, 1, 0}, 20, ""},
		{"older version", changed(15, "old"), [4]int{0, 0, 1, 1}, 20, ""},
		{"newer version other content", changed(30, "new"), [4]int{0, 1, 0, 0}, 30, "new"},
	}
	for _, st := range steps {
		res := upsert(t, s, tenant, st.rec)
		if got := counts(res); got != st.want {
			t.Errorf("%s: counts %v, want %v", st.name, got, st.want)
		}
		got := find(t, s, tenant, id)
		if got.Version != st.wantVersion || got.Note != st.wantNote {
			t.Errorf("%s: stored version %d note %q, want %d %q", st.name, got.Version, got.Note, st.wantVersion, st.wantNote)
		}
	}
	// Equal versions with other content: the greater hash wins, whichever
	// arrives first, and the loser counts as unchanged.
	a, b := changed(40, "a"), changed(40, "b")
	resA := upsert(t, s, tenant, a)
	resB := upsert(t, s, tenant, b)
	winner := find(t, s, tenant, id).Note
	if counts(resA) != [4]int{0, 1, 0, 0} {
		t.Errorf("first of a tie: %v", counts(resA))
	}
	if (winner == "b") != (counts(resB) == [4]int{0, 1, 0, 0}) {
		t.Errorf("tie: stored %q after counts %v", winner, counts(resB))
	}
	if got := counts(upsert(t, s, tenant, a, b)); got != [4]int{0, 0, 2, 0} {
		t.Errorf("replaying the tie: %v, want all unchanged", got)
	}
}

func testSameKeyInOneBatch(t *testing.T, s cdr.Store) {
	r1 := voice("dup", base)
	r2 := clone(r1)
	r2.Version, r2.Note = 2, "second"
	r3 := clone(r1)
	r3.Version, r3.Note = 1, "stale"
	res := upsert(t, s, tenant, r1, r2, r3)
	if got := counts(res); got != [4]int{1, 1, 1, 1} {
		t.Errorf("counts %v, want inserted, updated, stale", got)
	}
	if got := find(t, s, tenant, cdr.RecordID("acme", cdr.SourceNative, "dup")); got.Note != "second" || got.Version != 2 {
		t.Errorf("stored %q v%d", got.Note, got.Version)
	}
}

func testArrivalOrder(t *testing.T, open func(*testing.T) cdr.Store) {
	var versions []*cdr.Record
	for i, v := range []int64{3, 5, 5, 5, 1, 4, 5} {
		r := voice("order", base)
		r.Version, r.Note = v, fmt.Sprintf("variant %d", i)
		r.Tags = []string{fmt.Sprint("t", i)}
		versions = append(versions, r)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var want *cdr.Record
	for trial := range 6 {
		s := open(t)
		order := slices.Clone(versions)
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		if trial%2 == 0 {
			upsert(t, s, tenant, order...)
		} else {
			for _, r := range order {
				upsert(t, s, tenant, r)
			}
		}
		got := find(t, s, tenant, cdr.RecordID("acme", cdr.SourceNative, "order"))
		got.CreatedAt, got.UpdatedAt = 0, 0
		if want == nil {
			want = got
			if want.Version != 5 {
				t.Fatalf("final version %d, want 5", want.Version)
			}
			continue
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("trial %d: final record depends on arrival order (-want +got):\n%s", trial, diff)
		}
		recs, _, err := s.FindRecords(ctx, tenant, cdr.Filter{Tags: []string{got.Tags[0]}})
		if err != nil || len(recs) != 1 {
			t.Errorf("trial %d: tag of the final version finds %d records, %v", trial, len(recs), err)
		}
	}
}

func testReplaceIsTotal(t *testing.T, s cdr.Store) {
	r := voice("total", base)
	r.Caller.Address = "+86 139 1234 5678"
	r.Agents = []cdr.Agent{{ID: "old.agent@x", Name: "Old Agent"}}
	r.Tags = []string{"vip"}
	r.Note = "remark"
	r.Satisfaction = &cdr.Satisfaction{Score: new(4), Label: "good"}
	upsert(t, s, tenant, r)
	r2 := voice("total", base+1000)
	r2.Version = 2
	r2.Caller.Address = "+86 150 0000 1111"
	upsert(t, s, tenant, r2)
	got := find(t, s, tenant, cdr.RecordID("acme", cdr.SourceNative, "total"))
	if got.Note != "" || got.Agents != nil || got.Tags != nil || got.Satisfaction != nil || got.StartAt != base+1000 {
		t.Errorf("fields survived a replace: %+v", got)
	}
	for name, f := range map[string]cdr.Filter{
		"old agent":     {Agents: []string{"old.agent@x"}},
		"old tag":       {Tags: []string{"vip"}},
		"old number":    {Phones: []string{"13912345678"}},
		"old substring": {PhoneContains: "912345"},
		"old label":     {SatLabels: []string{"good"}},
	} {
		if recs, _, _ := s.FindRecords(ctx, tenant, f); len(recs) != 0 {
			t.Errorf("%s still matches after a replace", name)
		}
	}
	if recs, _, _ := s.FindRecords(ctx, tenant, cdr.Filter{PhoneContains: "0001111"}); len(recs) != 1 {
		t.Errorf("new number not found by substring")
	}
}

func testDryRun(t *testing.T, s cdr.Store) {
	r := voice("dry", base)
	res, err := s.UpsertRecords(ctx, tenant, []*cdr.Record{clone(r), clone(r)}, cdr.UpsertOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := counts(res); got != [4]int{1, 0, 1, 0} {
		t.Errorf("dry run counts %v", got)
	}
	if _, err := s.FindRecordByID(ctx, tenant, cdr.RecordID("acme", cdr.SourceNative, "dry")); cdr.ErrorCode(err) != cdr.ENOTFOUND {
		t.Errorf("dry run wrote: %v", err)
	}
}

func testInvalidBatch(t *testing.T, s cdr.Store) {
	bad := voice("bad", 1700000000) // seconds
	_, err := s.UpsertRecords(ctx, tenant, []*cdr.Record{voice("good", base), bad}, cdr.UpsertOptions{})
	if cdr.ErrorCode(err) != cdr.EINVALID {
		t.Fatalf("invalid record: %v", err)
	}
	if _, err := s.FindRecordByID(ctx, tenant, cdr.RecordID("acme", cdr.SourceNative, "good")); cdr.ErrorCode(err) != cdr.ENOTFOUND {
		t.Errorf("a batch with an invalid record was half-written: %v", err)
	}
}

func testFindByID(t *testing.T, s cdr.Store) {
	r := &cdr.Record{Channel: cdr.ChannelChat, Source: cdr.SourceTencentDesk, SourceID: "s1", StartAt: base, Version: 7,
		Raw: json.RawMessage(`{"SessionId":"s1","Timestamp":1700000000,  "Extra":[1,2]}`)}
	upsert(t, s, tenant, r)
	id := cdr.RecordID("acme", cdr.SourceTencentDesk, "s1")
	got := find(t, s, tenant, id)
	if string(got.Raw) != string(r.Raw) {
		t.Errorf("raw changed: %s", got.Raw)
	}
	if got.ID != id || got.Tenant != "acme" || got.Media != cdr.MediaText || got.CreatedAt != base+1 || got.UpdatedAt != base+1 {
		t.Errorf("stored record %+v", got)
	}
	recs, _, err := s.FindRecords(ctx, tenant, cdr.Filter{})
	if err != nil || len(recs) != 1 || recs[0].Raw != nil {
		t.Errorf("list without WithRaw: %v %v", recs, err)
	}
	recs, _, _ = s.FindRecords(ctx, tenant, cdr.Filter{WithRaw: true})
	if len(recs) != 1 || string(recs[0].Raw) != string(r.Raw) {
		t.Errorf("list WithRaw lost raw")
	}
	// Streamed, with raw and without, as the APIs write the record.
	for _, withRaw := range []bool{false, true} {
		var got []string
		if err := s.StreamRecords(ctx, tenant, cdr.Filter{WithRaw: withRaw}, func(b []byte, _ cdr.Cursor) error {
			got = append(got, string(b))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		want := *recs[0]
		if !withRaw {
			want.Raw = nil
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.Encode(&want)
		if len(got) != 1 || got[0]+"\n" != buf.String() || withRaw != strings.Contains(got[0], `"raw":{"SessionId"`) {
			t.Errorf("StreamRecords (raw %v): %q, want %q", withRaw, got, buf.String())
		}
	}
	if _, err := s.FindRecordByID(ctx, tenant, "rec_nonexistent"); cdr.ErrorCode(err) != cdr.ENOTFOUND {
		t.Errorf("unknown id: %v", err)
	}
}

func testZeroTenant(t *testing.T, s cdr.Store) {
	var zero cdr.TenantID
	if _, err := s.UpsertRecords(ctx, zero, []*cdr.Record{voice("z", base)}, cdr.UpsertOptions{}); err == nil {
		t.Error("upsert with the zero tenant succeeded")
	}
	if _, _, err := s.FindRecords(ctx, zero, cdr.Filter{}); err == nil {
		t.Error("find with the zero tenant succeeded")
	}
	if _, err := s.FindRecordByID(ctx, zero, "rec_x"); err == nil {
		t.Error("get with the zero tenant succeeded")
	}
}

func testLargeBatch(t *testing.T, s cdr.Store) {
	var recs []*cdr.Record
	for i := range 1234 {
		recs = append(recs, voice(fmt.Sprint("big-", i), base+int64(i)))
	}
	if got := counts(upsert(t, s, tenant, recs...)); got != [4]int{1234, 0, 0, 0} {
		t.Errorf("counts %v", got)
	}
	if got := counts(upsert(t, s, tenant, recs...)); got != [4]int{0, 0, 1234, 0} {
		t.Errorf("re-run counts %v", got)
	}
	_, n, err := s.FindRecords(ctx, tenant, cdr.Filter{Count: true, Limit: 1})
	if err != nil || n != 1234 {
		t.Errorf("count %d, %v", n, err)
	}
}
