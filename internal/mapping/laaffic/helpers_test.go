package laaffic

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/mapping/mappingtest"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

var shanghai = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// mustIngest ingests raw in Asia/Shanghai.
func mustIngest(tb testing.TB, raw string) *cdr.Record {
	tb.Helper()
	r, err := Ingest(json.RawMessage(raw), shanghai)
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

// optional are the members a rendered record may omit: enums without
// mapping and agentAccount (never rendered).
var optional = map[string]bool{"agentAccount": true, FieldCallType: true, FieldHangupReason: true, FieldHangingDirection: true}

// strictDecode decodes one Record with its JSON types, and more strictly:
// no unknown field, no trailing data, every non-optional member present,
// no null. A string where a number is due fails, and the reverse.
func strictDecode(b []byte) (*Record, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var in Record
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
	for _, f := range mappingtest.JSONFields(Record{}) {
		if v, ok := m[f]; (!ok && !optional[f]) || string(v) == "null" {
			return nil, &json.UnmarshalTypeError{Field: f, Value: "absent or null"}
		}
	}
	if _, ok := m["agentAccount"]; ok {
		return nil, &json.UnmarshalTypeError{Field: "agentAccount", Value: "rendered"}
	}
	return &in, nil
}

// withoutRaw returns a copy of r without Raw.
func withoutRaw(r *cdr.Record) *cdr.Record {
	c := *r
	c.Raw = nil
	return &c
}

// renderRecord renders r in loc and decodes the output strictly.
func renderRecord(tb testing.TB, r *cdr.Record, loc *time.Location) *Record {
	tb.Helper()
	out, err := Render(r, loc)
	if err != nil {
		tb.Fatal(err)
	}
	in, err := strictDecode(out)
	if err != nil {
		tb.Fatalf("%v\n%s", err, out)
	}
	return in
}

func intp(v int) *int { return &v }

func decodeAny(tb testing.TB, b []byte) any { return mappingtest.DecodeAny(tb, b) }

func jsonDiff(tb testing.TB, want, got []byte) string { return mappingtest.JSONDiff(tb, want, got) }
