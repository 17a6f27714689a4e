package laaffic

import (
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

// strictDecode decodes one Record with its JSON types, and more strictly:
// no unknown field, no trailing data, every non-optional member present
// (agentAccount is never rendered, enums without a mapping may be
// omitted), no null.
func strictDecode(b []byte) (*Record, error) {
	in, err := mappingtest.StrictDecode[Record](b)
	if err != nil {
		return nil, err
	}
	if err := mappingtest.RequireMembers(b, Record{}, false, "agentAccount", FieldCallType, FieldHangupReason, FieldHangingDirection); err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	if _, ok := m["agentAccount"]; ok {
		return nil, &json.UnmarshalTypeError{Field: "agentAccount", Value: "rendered"}
	}
	return in, nil
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

func mustPrepare(tb testing.TB, r *cdr.Record) *cdr.Record { return mappingtest.MustPrepare(tb, r) }

func withoutRaw(r *cdr.Record) *cdr.Record { return mappingtest.WithoutRaw(r) }
