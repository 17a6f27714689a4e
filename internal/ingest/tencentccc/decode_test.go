package tencentccc

import (
	"bytes"
	"encoding/json"
	"testing"
)

// The list of a page is split as encoding/json splits it, whatever the
// answer, and decode never panics.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"Response":{"TotalCount":2,"TelCdrList":[{"SessionId":"a"},  {"B":[1,{"c":"]"}]}],"RequestId":"r"}}`,
		`{"Response":{"TotalCount":1,"TelCdrList":[ {"A":"\"],[{"} ],"RequestId":"r"}}`,
		`{"Response":{"TotalCount":0,"TelCdrList":null,"RequestId":"r"}}`,
		`{"Response":{"TotalCount":0,"TelCdrList":[],"RequestId":"r"}}`,
		`{"Response":{"TotalCount":3,"TelCdrList":[1,"x",[2]],"RequestId":"r"}}`,
		`{"Response":{"Error":{"Code":"RequestLimitExceeded","Message":"m"},"RequestId":"r"}}`,
		`{"Response":{}}`, `[]`, `null`, `{"Response":{"TelCdrList":{}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := decode(200, body, 1000)
		var want struct {
			Response struct{ TelCdrList []json.RawMessage }
		}
		if err != nil || json.Unmarshal(body, &want) != nil {
			return
		}
		if len(p.Records) != len(want.Response.TelCdrList) {
			t.Fatalf("%q: %d records, encoding/json splits %d", body, len(p.Records), len(want.Response.TelCdrList))
		}
		for i, r := range p.Records {
			if !bytes.Equal(r, want.Response.TelCdrList[i]) {
				t.Errorf("%q: record %d is %q, encoding/json gives %q", body, i, r, want.Response.TelCdrList[i])
			}
		}
	})
}
