package tencentdesk

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/cdrhub/cdrhub/internal/mapping/mappingtest"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

func ptr[T any](v T) *T { return &v }

func mustIngest(tb testing.TB, raw string) *cdr.Record {
	tb.Helper()
	r, err := Ingest(json.RawMessage(raw), nil)
	if err != nil {
		tb.Fatalf("Ingest: %v\n%s", err, raw)
	}
	return r
}

func mustPrepare(tb testing.TB, r *cdr.Record) *cdr.Record {
	tb.Helper()
	if err := r.Prepare(cdr.MustTenantID("acme"), 1700000000000); err != nil {
		tb.Fatalf("Prepare: %v", err)
	}
	return r
}

// strictDecode decodes one IMCdrInfo with its JSON types and more
// strictly: no unknown field, no trailing data, every member present and
// none null.
func strictDecode(b []byte) (*IMCdrInfo, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var in IMCdrInfo
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
	for _, f := range mappingtest.JSONFields(IMCdrInfo{}) {
		if v, ok := m[f]; !ok || string(v) == "null" {
			return nil, &json.UnmarshalTypeError{Field: f, Value: "absent or null"}
		}
	}
	return &in, nil
}

func withoutRaw(r *cdr.Record) *cdr.Record {
	c := *r
	c.Raw = nil
	return &c
}

// renderRecord renders r and decodes the output strictly.
func renderRecord(tb testing.TB, r *cdr.Record) *IMCdrInfo {
	tb.Helper()
	out, err := Render(r)
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
