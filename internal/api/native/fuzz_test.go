package native

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// FuzzDecodeBody feeds arbitrary bodies through the upsert parsing: it must
// never panic, every line it accepts must be a record that marshals, and
// line numbers must increase.
func FuzzDecodeBody(f *testing.F) {
	seeds := []string{
		`[{"channel":"voice","source":"native","source_id":"a","start_at":1700000000000}]`,
		"{\"channel\":\"voice\"}\n\n{\"source\":\"native\"}\n{",
		`[1, "x", null, {"caller":{"address":12}}]`,
		`{"participants":[{"seq":"x"}],"attributes":{"k":[1,2]}}`,
		"\xef\xbb\xbf[]",
		`[{"start_at":1e30}]`,
		``,
	}
	for _, s := range seeds {
		f.Add(s, true)
		f.Add(s, false)
	}
	tenant := cdr.MustTenantID("acme")
	f.Fuzz(func(t *testing.T, body string, asArray bool) {
		ct := "application/x-ndjson"
		if asArray {
			ct = "application/json"
		}
		lines, err := splitBody(ct, []byte(body), Limits{MaxBody: 1 << 20, MaxRecords: 1000, MaxRecord: 4096})
		if err != nil {
			if cdr.ErrorCode(err) != cdr.EINVALID && cdr.ErrorCode(err) != cdr.ETOOLARGE {
				t.Fatalf("error with code %s: %v", cdr.ErrorCode(err), err)
			}
			return
		}
		prev := 0
		for _, l := range lines {
			if l.n <= prev {
				t.Fatalf("line numbers not increasing: %d after %d", l.n, prev)
			}
			prev = l.n
			if !asArray && !bytes.Contains([]byte(body), l.raw) {
				t.Fatalf("line %d is not a part of the body", l.n)
			}
			r, le := decodeRecord(l.raw, 4096)
			if le != nil {
				if le.Code == "" || le.Message == "" {
					t.Fatalf("line error without code or message: %+v", le)
				}
				continue
			}
			if err := r.Prepare(tenant, 1700000000000); err == nil {
				if _, err := json.Marshal(r); err != nil {
					t.Fatalf("accepted record does not marshal: %v", err)
				}
				if err := r.ComputeHash(); err != nil {
					t.Fatalf("accepted record does not hash: %v", err)
				}
			}
		}
	})
}
