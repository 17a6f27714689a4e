package recordio

import (
	"errors"
	"strings"
	"testing"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/google/go-cmp/cmp"
)

func TestDecode(t *testing.T) {
	const base = `"channel":"voice","source":"native","source_id":"a","start_at":1700000000000`
	tests := []struct {
		name string
		in   string
		max  int
		want *LineError // nil: accepted
	}{
		{"valid", `{` + base + `}`, 1000, nil},
		{"server-owned fields dropped", `{` + base + `,"raw":{"x":1},"created_at":5,"updated_at":6}`, 1000, nil},
		{"the archive's files dropped", `{` + base + `,"files":[{"n":0,"of":"recordings[0].url","archived":true}]}`, 1000, nil},
		{"unknown field", `{` + base + `,"start_time":1}`, 1000, &LineError{Code: "invalid", Field: "start_time"}},
		{"wrong type", `{` + base + `,"caller":{"address":12}}`, 1000, &LineError{Code: "invalid", Field: "caller.address"}},
		{"wrong type in a list", `{"participants":[{"seq":"x"}]}`, 1000, &LineError{Code: "invalid", Field: "participants.seq"}},
		{"not an object", `[1]`, 1000, &LineError{Code: "invalid"}},
		{"malformed", `{"channel":`, 1000, &LineError{Code: "invalid"}},
		{"two values", `{} {}`, 1000, &LineError{Code: "invalid"}},
		{"too large", `{"note":"` + strings.Repeat("x", 100) + `"}`, 50, &LineError{Code: "too_large"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, le := Decode([]byte(tt.in), tt.max)
			if tt.want == nil {
				if le != nil {
					t.Fatalf("rejected: %v", le)
				}
				if r.Raw != nil || r.CreatedAt != 0 || r.UpdatedAt != 0 {
					t.Errorf("server-owned fields kept: %+v", r)
				}
				return
			}
			if le == nil {
				t.Fatalf("accepted %+v", r)
			}
			if le.Message == "" {
				t.Error("empty message")
			}
			le.Message = ""
			if diff := cmp.Diff(tt.want, le); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeFields(t *testing.T) {
	r, le := Decode([]byte(`{"channel":"voice","source":"native","source_id":"a","start_at":1700000000000,"answer_at":1700000001000,"agents":[{"id":"x"}]}`), 1000)
	if le != nil {
		t.Fatal(le)
	}
	if r.Channel != cdr.ChannelVoice || r.SourceID != "a" || *r.AnswerAt != 1700000001000 || r.Agents[0].ID != "x" {
		t.Errorf("decoded %+v", r)
	}
}

func TestDecodeVersion(t *testing.T) {
	const base = `"channel":"voice","source":"native","source_id":"a","start_at":1700000000000`
	tests := []struct {
		name    string
		in      string
		version int64
		set     bool
	}{
		{"absent", `{` + base + `}`, 0, false},
		{"null", `{` + base + `,"version":null}`, 0, false},
		{"zero", `{` + base + `,"version":0}`, 0, true},
		{"one", `{"version":1,` + base + `}`, 1, true},
		{"other letter case", `{` + base + `,"Version":0}`, 0, true},
		{"negative (Prepare refuses it)", `{` + base + `,"version":-1}`, -1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, le := Decode([]byte(tt.in), 1000)
			if le != nil {
				t.Fatal(le)
			}
			if r.Version != tt.version || r.VersionSet != tt.set {
				t.Errorf("version %d set %v, want %d %v", r.Version, r.VersionSet, tt.version, tt.set)
			}
		})
	}
	if _, le := Decode([]byte(`{`+base+`,"version":"1"}`), 1000); le == nil || le.Field != "version" {
		t.Errorf("a string version: %+v", le)
	}
}

// TestVersionZeroRoundTrip: a record given version 0 keeps it through
// Prepare, and its JSON (what export writes) carries "version":0, which
// decodes to the same version and hash (what a re-import compares).
func TestVersionZeroRoundTrip(t *testing.T) {
	tenant := cdr.MustTenantID("acme")
	r, le := Decode([]byte(`{"channel":"voice","source":"native","source_id":"a","start_at":1700000000000,"version":0}`), 1000)
	if le != nil {
		t.Fatal(le)
	}
	if le := Validate(r, 1, tenant, 1700000009000); le != nil {
		t.Fatal(le)
	}
	out, err := cdr.EncodeJSON(r)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"version":0`) {
		t.Errorf("version 0 left out: %s", out)
	}
	r2, le := Decode(out, 1000)
	if le != nil {
		t.Fatal(le)
	}
	if le := Validate(r2, 1, tenant, 1700000010000); le != nil {
		t.Fatal(le)
	}
	if err := errors.Join(r.ComputeHash(), r2.ComputeHash()); err != nil {
		t.Fatal(err)
	}
	if r2.Version != 0 || string(r2.Hash) != string(r.Hash) {
		t.Errorf("re-decoded version %d, same hash %v", r2.Version, string(r2.Hash) == string(r.Hash))
	}
}

func TestLineErrorString(t *testing.T) {
	le := &LineError{Line: 3, Field: "caller.address", Message: "unknown field"}
	if got := le.Error(); got != "line 3: caller.address: unknown field" {
		t.Errorf("%q", got)
	}
	le.Field = ""
	if got := le.Error(); got != "line 3: unknown field" {
		t.Errorf("%q", got)
	}
}
