package trtccallkit

import (
	"encoding/json"
	"testing"

	"github.com/cdrhub/cdrhub/internal/mapping/mappingtest"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

func mustIngest(tb testing.TB, raw string) *cdr.Record {
	tb.Helper()
	r, err := Ingest(json.RawMessage(raw))
	if err != nil {
		tb.Fatalf("Ingest: %v\n%s", err, raw)
	}
	return r
}

// strictDecode decodes one CallRecord with its JSON types and more
// strictly: no unknown field, no trailing data, every member present and
// none null.
func strictDecode(b []byte) (*CallRecord, error) {
	in, err := mappingtest.StrictDecode[CallRecord](b)
	if err != nil {
		return nil, err
	}
	return in, mappingtest.RequireMembers(b, CallRecord{}, false)
}

// renderRecord renders r and decodes the output strictly.
func renderRecord(tb testing.TB, r *cdr.Record) *CallRecord {
	tb.Helper()
	out, err := Render(r, 1400000001)
	if err != nil {
		tb.Fatal(err)
	}
	in, err := strictDecode(out)
	if err != nil {
		tb.Fatalf("%v\n%s", err, out)
	}
	return in
}

func decodeAny(tb testing.TB, b []byte) any { return mappingtest.DecodeAny(tb, b) }

func jsonDiff(tb testing.TB, want, got []byte) string { return mappingtest.JSONDiff(tb, want, got) }

func mustPrepare(tb testing.TB, r *cdr.Record) *cdr.Record { return mappingtest.MustPrepare(tb, r) }

func withoutRaw(r *cdr.Record) *cdr.Record { return mappingtest.WithoutRaw(r) }
