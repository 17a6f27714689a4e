package tencentccc

import (
	"bytes"
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

// mustPrepare prepares r for tenant acme.
func mustPrepare(tb testing.TB, r *cdr.Record) *cdr.Record {
	tb.Helper()
	if err := r.Prepare(cdr.MustTenantID("acme"), 1700000000000); err != nil {
		tb.Fatalf("Prepare: %v", err)
	}
	return r
}

// strictDecode decodes one TelCdrInfo as the SDK would, and more strictly:
// no unknown field, no trailing data. A string where the SDK has an integer
// fails, as it fails in the SDK.
func strictDecode(b []byte) (*TelCdrInfo, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var info TelCdrInfo
	if err := dec.Decode(&info); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, &json.SyntaxError{}
	}
	return &info, nil
}

// findNull returns the path of the first JSON null in v, "" if none.
func findNull(v any, path string) string {
	switch x := v.(type) {
	case nil:
		return path
	case map[string]any:
		for k, e := range x {
			if p := findNull(e, path+"."+k); p != "" {
				return p
			}
		}
	case []any:
		for _, e := range x {
			if p := findNull(e, path+"[]"); p != "" {
				return p
			}
		}
	}
	return ""
}

// withoutRaw returns a copy of r without Raw, which Render then builds from
// the canonical fields.
func withoutRaw(r *cdr.Record) *cdr.Record {
	c := *r
	c.Raw = nil
	return &c
}

func decodeAny(tb testing.TB, b []byte) any { return mappingtest.DecodeAny(tb, b) }

func jsonDiff(tb testing.TB, want, got []byte) string { return mappingtest.JSONDiff(tb, want, got) }
