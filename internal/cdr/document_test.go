package cdr

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestAppendJSON(t *testing.T) {
	recs := []*Record{
		validRecord(),
		func() *Record {
			r := validRecord()
			r.SameAs = RecordID("acme", SourceNative, "other")
			r.SourceID = `tricky ,"start_at": ,"same_as": "quoted" \ é`
			r.Note = `,"start_at":1`
			r.Attributes = map[string]json.RawMessage{"k": json.RawMessage(`{"start_at":1}`)}
			r.Agents = []Agent{{ID: "a", Name: "<b>&"}}
			return r
		}(),
		func() *Record {
			r := validRecord()
			r.Version, r.VersionSet = 0, true
			return r
		}(),
	}
	for _, r := range recs {
		if err := r.Prepare(MustTenantID("acme"), 1700000001234); err != nil {
			t.Fatal(err)
		}
		doc, err := r.Document()
		if err != nil {
			t.Fatal(err)
		}
		for _, server := range [][2]int64{{0, 0}, {1700000005000, 1700000006000}} {
			r.CreatedAt, r.UpdatedAt = server[0], server[1]
			want, _ := EncodeJSON(r)
			got, err := AppendJSON(nil, doc, r.ID, r.Version, r.CreatedAt, r.UpdatedAt)
			if err != nil || string(got) != string(want) {
				t.Errorf("AppendJSON:\n got %s\nwant %s (%v)", got, want, err)
			}
			if !strings.Contains(string(got), fmt.Sprintf(`,"version":%d,`, r.Version)) {
				t.Errorf("AppendJSON without the version %d: %s", r.Version, got)
			}
			// With raw, after a record already in dst: as EncodeJSON
			// writes it, raw compacted.
			r.Raw = json.RawMessage("{ \"CallId\" : \"c-1\", \"Note\": \"<&> ,\\\"attributes\\\":\" }")
			want, _ = EncodeJSON(r)
			got, err = AppendJSONRaw([]byte("prev\n"), doc, r.Raw, r.ID, r.Version, r.CreatedAt, r.UpdatedAt)
			if err != nil || string(got) != "prev\n"+string(want) {
				t.Errorf("AppendJSONRaw:\n got %s\nwant prev\n%s (%v)", got, want, err)
			}
			r.Raw = nil
		}
	}
	if _, err := AppendJSON(nil, []byte(`{"a":1}`), "x", 1, 0, 0); err == nil {
		t.Error("a non-document accepted")
	}
}
