package aliyunccc

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

// strictDecode decodes one CallDetailRecord with the SDK's JSON types and
// more strictly: no unknown field, no trailing data, every member present.
// A string where the SDK has a number fails, and the reverse.
func strictDecode(b []byte) (*CallDetailRecord, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var in CallDetailRecord
	if err := dec.Decode(&in); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, &json.SyntaxError{}
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for _, f := range mappingtest.JSONFields(CallDetailRecord{}) {
		if _, ok := m[f]; !ok {
			return nil, &json.UnmarshalTypeError{Field: f, Value: "absent"}
		}
	}
	return &in, nil
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
	}
	return ""
}

// withoutRaw returns a copy of r without Raw.
func withoutRaw(r *cdr.Record) *cdr.Record {
	c := *r
	c.Raw = nil
	return &c
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
