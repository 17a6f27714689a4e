package tencentccc

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

// strictDecode decodes one TelCdrInfo as the SDK would, and more strictly:
// no unknown field, no trailing data.
func strictDecode(b []byte) (*TelCdrInfo, error) {
	return mappingtest.StrictDecode[TelCdrInfo](b)
}

func decodeAny(tb testing.TB, b []byte) any { return mappingtest.DecodeAny(tb, b) }

func jsonDiff(tb testing.TB, want, got []byte) string { return mappingtest.JSONDiff(tb, want, got) }

func mustPrepare(tb testing.TB, r *cdr.Record) *cdr.Record { return mappingtest.MustPrepare(tb, r) }

func withoutRaw(r *cdr.Record) *cdr.Record { return mappingtest.WithoutRaw(r) }

func findNull(v any, path string) string { return mappingtest.FindNull(v, path) }
