package aliyunccc

import (
	"encoding/json"
	"testing"

	"github.com/cdrhub/cdrhub/internal/mapping/mappingtest"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// mustIngest ingests raw with the default satisfaction map.
func mustIngest(tb testing.TB, raw string) *cdr.Record {
	tb.Helper()
	r, err := Ingest(json.RawMessage(raw), nil)
	if err != nil {
		tb.Fatalf("Ingest: %v\n%s", err, raw)
	}
	return r
}

// strictDecode decodes one CallDetailRecord with the SDK's JSON types and
// more strictly: no unknown field, no trailing data, every member present.
func strictDecode(b []byte) (*CallDetailRecord, error) {
	in, err := mappingtest.StrictDecode[CallDetailRecord](b)
	if err != nil {
		return nil, err
	}
	return in, mappingtest.RequireMembers(b, CallDetailRecord{}, true)
}

// renderRecord renders r and decodes the output strictly.
func renderRecord(tb testing.TB, r *cdr.Record) *CallDetailRecord {
	tb.Helper()
	out, err := Render(r, "ccc-test")
	if err != nil {
		tb.Fatal(err)
	}
	in, err := strictDecode(out)
	if err != nil {
		tb.Fatalf("%v\n%s", err, out)
	}
	if p := findNull(decodeAny(tb, out), "$"); p != "" {
		tb.Fatalf("null at %s in %s", p, out)
	}
	return in
}

func decodeAny(tb testing.TB, b []byte) any { return mappingtest.DecodeAny(tb, b) }

func jsonDiff(tb testing.TB, want, got []byte) string { return mappingtest.JSONDiff(tb, want, got) }

func mustPrepare(tb testing.TB, r *cdr.Record) *cdr.Record { return mappingtest.MustPrepare(tb, r) }

func withoutRaw(r *cdr.Record) *cdr.Record { return mappingtest.WithoutRaw(r) }

func findNull(v any, path string) string { return mappingtest.FindNull(v, path) }
