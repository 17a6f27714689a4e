package demo

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
	"github.com/cdrhub/cdrhub/internal/storetest"
)

var scopes = Scopes{TencentSdkAppID: 1400000000, AliyunInstanceID: "ccc-demo", IMAppID: 1400000001,
	Zone: time.FixedZone("Asia/Shanghai", 8*3600)}

// callKey identifies a call across its native and vendor records: the
// vendors list times in seconds.
func callKey(r *cdr.Record) string {
	return fmt.Sprintf("%s %d %q %q", r.Channel, r.StartAt/1000, r.Caller.Address, r.Callee.Address)
}

// seed returns the demo's native records and their vendor copies, prepared.
func seed(t *testing.T, tenant string) (natives, vendor []*cdr.Record) {
	t.Helper()
	natives = Records(tenant, now, n)
	vendor, err := VendorRecords(tenant, natives, scopes)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range append(append([]*cdr.Record(nil), natives...), vendor...) {
		if err := r.Prepare(cdr.MustTenantID(tenant), now.UnixMilli()); err != nil {
			t.Fatalf("%s: %v", r.SourceID, err)
		}
	}
	return natives, vendor
}

// Every native record a vendor record copies is its shadow: same_as names
// the vendor record, which is the primary (docs/record-model.md §2).
func TestVendorRecordsLinkShadows(t *testing.T) {
	natives, vendor := seed(t, "acme")
	nativeByKey := map[string]*cdr.Record{}
	for _, r := range natives {
		if nativeByKey[callKey(r)] != nil {
			t.Fatalf("two native records of one call %s", callKey(r))
		}
		nativeByKey[callKey(r)] = r
	}
	vendorIDs := map[string]bool{}
	sources := map[cdr.Source]int{}
	unlinked := 0
	for _, v := range vendor {
		sources[v.Source]++
		if v.Source == cdr.SourceNative || v.SameAs != "" || v.Version != natives[0].Version || len(v.Raw) == 0 {
			t.Errorf("%s: source %s, same_as %q, version %d, raw %d bytes: want a vendor primary of the native version with its object",
				v.SourceID, v.Source, v.SameAs, v.Version, len(v.Raw))
		}
		if v.ID != cdr.RecordID("acme", v.Source, v.SourceID) || vendorIDs[v.ID] {
			t.Fatalf("%s: id %s derived twice or not from its key", v.SourceID, v.ID)
		}
		vendorIDs[v.ID] = true
		r := nativeByKey[callKey(v)]
		switch {
		case r == nil:
			t.Errorf("%s %s: no native record of the call %s", v.Source, v.SourceID, callKey(v))
		case r.SameAs != v.ID:
			unlinked++
			if unlinked == 1 {
				t.Errorf("%s duplicates %s %s (%s) but its same_as is %q", r.SourceID, v.Source, v.SourceID, v.ID, r.SameAs)
			}
		}
	}
	if unlinked > 0 {
		t.Errorf("%d of %d native records that duplicate a vendor record do not name it", unlinked, len(vendor))
	}
	shadows := 0
	for _, r := range natives {
		if r.SameAs == "" {
			continue
		}
		shadows++
		if !vendorIDs[r.SameAs] {
			t.Errorf("%s: same_as %s names no vendor record", r.SourceID, r.SameAs)
		}
	}
	if shadows != len(vendor) {
		t.Errorf("%d shadows for %d vendor records", shadows, len(vendor))
	}
	for _, src := range []cdr.Source{cdr.SourceTencentCCC, cdr.SourceAliyunCCC, cdr.SourceLaaffic, cdr.SourceTRTCCallKit, cdr.SourceTencentDesk} {
		if sources[src] < n/40 {
			t.Errorf("%d %s records, want at least %d", sources[src], src, n/40)
		}
	}

	// The same records on the same day.
	again, _ := seed(t, "acme")
	if !reflect.DeepEqual(natives, again) {
		t.Error("two seeds on the same day differ")
	}
	if _, err := VendorRecords("Not a tenant", Records("acme", now, 10), scopes); err == nil {
		t.Error("an invalid tenant id was accepted")
	}
}

// Through a store, every list shows each call once (the vendor record) and
// the native shadow is still read by id.
func TestVendorRecordsListedOnce(t *testing.T) {
	for _, b := range []storetest.Backend{storetest.SQLite, storetest.Postgres} {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			s := b.Open(t, sqlstore.Options{})
			tn := cdr.MustTenantID("demo")
			natives, vendor := seed(t, "demo")
			res, err := s.UpsertRecords(ctx, tn, append(natives, vendor...), cdr.UpsertOptions{})
			if err != nil || res.Inserted != len(natives)+len(vendor) {
				t.Fatalf("upsert: %+v, %v", res, err)
			}
			for _, ch := range []cdr.Channel{cdr.ChannelVoice, cdr.ChannelRTC, cdr.ChannelChat} {
				listed, total, err := s.FindRecords(ctx, tn, cdr.Filter{Channels: []cdr.Channel{ch}, Count: true})
				if err != nil {
					t.Fatal(err)
				}
				calls := 0
				for _, r := range natives {
					if r.Channel == ch {
						calls++
					}
				}
				seen := map[string]string{}
				var twice []string
				for _, r := range listed {
					if other, ok := seen[callKey(r)]; ok {
						twice = append(twice, other+" and "+r.SourceID)
					}
					seen[callKey(r)] = r.SourceID
					if r.SameAs != "" {
						t.Errorf("shadow %s listed", r.SourceID)
					}
				}
				if len(twice) > 0 {
					t.Errorf("%s: %d calls listed twice, such as %s", ch, len(twice), twice[0])
				}
				if len(listed) != calls || total != calls {
					t.Errorf("%s: %d records listed (total %d), want each of the %d calls once", ch, len(listed), total, calls)
				}
			}
			for _, r := range natives {
				if r.SameAs == "" {
					continue
				}
				got, err := s.FindRecordByID(ctx, tn, r.ID)
				if err != nil || got.SameAs != r.SameAs || got.SourceID != r.SourceID {
					t.Fatalf("shadow %s by id: %+v, %v", r.SourceID, got, err)
				}
			}
			_, total, err := s.FindRecords(ctx, tn, cdr.Filter{IncludeShadows: true, Limit: 1, Count: true})
			if err != nil || total != len(natives)+len(vendor) {
				t.Errorf("with shadows: %d records, %v, want %d", total, err, len(natives)+len(vendor))
			}
		})
	}
}
