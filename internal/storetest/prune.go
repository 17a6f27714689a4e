package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// testPrune: retention deletes exactly the tenant's records that started
// before the cutoff, shadows included, and nothing of another tenant;
// deleted records can be written again.
func testPrune(t *testing.T, s cdr.Store, p cdr.Pruner) {
	var recs []*cdr.Record
	for i := range 30 {
		recs = append(recs, voice(fmt.Sprint("r", i), base+int64(i)*1000))
	}
	shadow := voice("shadow", base+500)
	shadow.SameAs = cdr.RecordID(tenant.String(), cdr.SourceNative, "r20")
	recs = append(recs, shadow)
	upsert(t, s, tenant, recs...)
	upsert(t, s, other, recs...)

	ts, err := p.Tenants(ctx)
	if err != nil || !slices.Equal(ts, []cdr.TenantID{tenant, other}) {
		t.Fatalf("tenants %v, %v", ts, err)
	}
	cutoff := base + 10*1000
	n, err := p.Prune(ctx, tenant, cutoff)
	if err != nil || n != 11 {
		t.Fatalf("pruned %d, %v; want 11 (10 records and the shadow)", n, err)
	}
	left, total, err := s.FindRecords(ctx, tenant, cdr.Filter{IncludeShadows: true, Count: true})
	if err != nil || total != 20 || len(left) != 20 {
		t.Fatalf("%d left (count %d), %v", len(left), total, err)
	}
	for _, r := range left {
		if r.StartAt < cutoff {
			t.Errorf("%s at %d survived the cutoff %d", r.SourceID, r.StartAt, cutoff)
		}
	}
	if _, total, _ := s.FindRecords(ctx, other, cdr.Filter{IncludeShadows: true, Count: true}); total != 31 {
		t.Errorf("the other tenant has %d records, want 31", total)
	}
	if n, err := p.Prune(ctx, tenant, cutoff); err != nil || n != 0 {
		t.Errorf("second prune: %d, %v", n, err)
	}
	// Index entries went with the records: a pruned number is not found,
	// and a record written again is found once.
	if got, _, err := s.FindRecords(ctx, tenant, cdr.Filter{IDs: []string{cdr.RecordID(tenant.String(), cdr.SourceNative, "r0")}}); err != nil || len(got) != 0 {
		t.Errorf("pruned record found: %v, %v", got, err)
	}
	res := upsert(t, s, tenant, recs[0])
	if res.Inserted != 1 {
		t.Errorf("re-ingest of a pruned record: %+v", res)
	}
	if n, err := p.Prune(ctx, tenant, base+100*1000); err != nil || n != 21 {
		t.Errorf("prune all: %d, %v", n, err)
	}
	if ts, _ := p.Tenants(ctx); !slices.Equal(ts, []cdr.TenantID{other}) {
		t.Errorf("tenants after pruning all of one: %v", ts)
	}
	if _, err := p.Prune(ctx, cdr.TenantID{}, cutoff); err == nil {
		t.Error("pruned for the zero tenant")
	}
}
