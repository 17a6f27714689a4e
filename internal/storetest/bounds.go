package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// distinct returns n distinct strings of width characters.
func distinct(n, width int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%0*d", width, i)
	}
	return out
}

// testBounds checks the store's own guard (cdr.Filter.Check): a filter over
// the bounds is refused as invalid by FindRecords and StreamRecords, before
// any query, whatever API built it; at the bounds, and with any number of
// duplicates, it is served.
func testBounds(t *testing.T, s cdr.Store) {
	tn := cdr.MustTenantID("acme")
	rec := voice("bounded", 1_763_700_000_000)
	rec.Caller = cdr.Party{Address: "+86 139 1234 5678"}
	upsert(t, s, tn, rec)
	// 100 distinct numbers, one matching, and their duplicates.
	dups := append(distinct(99, 11), distinct(99, 11)...)
	dups = append(dups, "13912345678", "13912345678")
	for _, tc := range []struct {
		name string
		f    cdr.Filter
		ok   bool
	}{
		{"phone of 32 characters", cdr.Filter{Phones: []string{strings.Repeat("9", 32)}}, true},
		{"phone of 33 characters", cdr.Filter{Phones: []string{strings.Repeat("9", 33)}}, false},
		{"phone of 9 million digits", cdr.Filter{Phones: []string{strings.Repeat("9", 9_000_000)}}, false},
		{"phone_contains of 33 characters", cdr.Filter{PhoneContains: strings.Repeat("9", 33)}, false},
		{"100 distinct phones and duplicates", cdr.Filter{Phones: dups}, true},
		{"101 distinct phones", cdr.Filter{Phones: distinct(101, 11)}, false},
		{"16,000 vendor ids", cdr.Filter{VendorIDs: cdr.VendorIDs{Source: cdr.SourceTencentCCC, Values: distinct(16000, 20)}}, false},
		{"vendor id of 129 bytes", cdr.Filter{VendorIDs: cdr.VendorIDs{Source: cdr.SourceTencentCCC, Values: []string{strings.Repeat("v", 129)}}}, false},
		{"caller address of 129 bytes", cdr.Filter{CallerAddrs: []string{strings.Repeat("c", 129)}}, false},
		{"agent of 256 bytes", cdr.Filter{Agents: []string{strings.Repeat("a", 256)}}, true},
		{"agent of 257 bytes", cdr.Filter{Agents: []string{strings.Repeat("a", 257)}}, false},
		{"2,000 agents", cdr.Filter{Agents: distinct(2000, 8)}, false},
		{"4,000 queue names", cdr.Filter{QueueNames: distinct(4000, 8)}, false},
		{"101 tags", cdr.Filter{Tags: distinct(101, 3)}, false},
		{"vendor enum of 101 values", cdr.Filter{VendorEnums: []cdr.VendorEnum{{Source: cdr.SourceAliyunCCC, Field: "ContactType", Values: distinct(101, 3)}}}, false},
		{"from 2000-01-01", cdr.Filter{From: cdr.MinTime}, true},
		{"from before 2000", cdr.Filter{From: cdr.MinTime - 1}, false},
		{"to at the epoch", cdr.Filter{To: 1}, false},
		{"negative from", cdr.Filter{From: -3_600_000}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			recs, _, err := s.FindRecords(context.Background(), tn, tc.f)
			serr := s.StreamRecords(context.Background(), tn, tc.f, func([]byte, cdr.Cursor) error { return nil })
			if tc.ok {
				if err != nil || serr != nil {
					t.Fatalf("FindRecords: %v; StreamRecords: %v", err, serr)
				}
				return
			}
			for _, e := range []error{err, serr} {
				if cdr.ErrorCode(e) != cdr.EINVALID {
					t.Errorf("got %v (%d records), want code invalid", e, len(recs))
				}
			}
		})
	}
	// Duplicates removed, the match remains.
	recs, _, err := s.FindRecords(context.Background(), tn, cdr.Filter{Phones: dups})
	if err != nil || len(recs) != 1 {
		t.Errorf("100 distinct phones with duplicates, one matching: %d records, %v", len(recs), err)
	}
}
