package laaffic

import (
	"bytes"
	"encoding/json"
	"testing"
)

// The list of a page is split as encoding/json splits it, whatever the
// answer, and decode never panics.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"status":"0","reason":"success","data":{"records":[{"callSessionId":"a"},  {"b":[1,{"c":"]"}]}],"total":2,"size":100,"current":1,"pages":1}}`,
		`{"status":"0","data":{"total":1,"records":[ {"a":"\"],[{"} ]}}`,
		`{"status":"0","data":{"total":0,"records":null}}`,
		`{"status":"0","data":{"total":0,"records":[]}}`,
		`{"status":"0","data":{"total":3,"records":[1,"x",[2]]}}`,
		`{"status":"-15","reason":"Query too frequently"}`,
		`{"status":"0"}`, `[]`, `null`, `{"status":"0","data":{"records":{}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := decode(200, body, 1000)
		var want struct {
			Data struct {
				Records []json.RawMessage `json:"records"`
			} `json:"data"`
		}
		if err != nil || json.Unmarshal(body, &want) != nil {
			return
		}
		if len(p.Records) != len(want.Data.Records) {
			t.Fatalf("%q: %d records, encoding/json splits %d", body, len(p.Records), len(want.Data.Records))
		}
		for i, r := range p.Records {
			if !bytes.Equal(r, want.Data.Records[i]) {
				t.Errorf("%q: record %d is %q, encoding/json gives %q", body, i, r, want.Data.Records[i])
			}
		}
	})
}
