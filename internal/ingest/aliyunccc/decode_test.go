package aliyunccc

import (
	"bytes"
	"encoding/json"
	"testing"
)

// The list of a page is split as encoding/json splits it, whatever the
// answer; a page kept holds only objects, no more than asked for; and
// decode never panics.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"Code":"OK","RequestId":"r","Data":{"TotalCount":2,"List":[{"ContactId":"a"},  {"B":[1,{"c":"]"}]}]}}`,
		`{"Code":"OK","RequestId":"r","Data":{"TotalCount":1,"List":[ {"A":"\"],[{"} ]}}`,
		`{"Code":"OK","RequestId":"r","Data":{"TotalCount":0,"List":null}}`,
		`{"Code":"OK","RequestId":"r","Data":{"TotalCount":0,"List":[]}}`,
		`{"Code":"OK","RequestId":"r","Data":{"TotalCount":3,"List":[1,"x",[2]]}}`,
		`{"RequestId":"r","HostId":"h","Code":"Throttling.User","Message":"m","HttpStatusCode":400}`,
		`{"Code":"OK"}`, `[]`, `null`, `{"Data":{"List":{}}}`, `{"RequestId":"r","Data":{"List":[{}]}}`,
	} {
		f.Add([]byte(s), 1)
		f.Add([]byte(s), 2)
	}
	f.Fuzz(func(t *testing.T, body []byte, number int) {
		const size = 10
		p, err := decode(200, body, size, number)
		if err != nil {
			if KindOf(err) == 0 {
				t.Fatalf("%q: an error of no kind: %v", body, err)
			}
			return
		}
		if len(p.Records) > size || p.TotalCount < 0 || p.RequestID == "" {
			t.Fatalf("%q: %d records of %d, RequestId %q", body, len(p.Records), p.TotalCount, p.RequestID)
		}
		var want struct {
			Data struct{ List []json.RawMessage }
		}
		if err := json.Unmarshal(body, &want); err != nil {
			t.Fatalf("%q: decoded, but encoding/json refuses it: %v", body, err)
		}
		if len(p.Records) != len(want.Data.List) {
			t.Fatalf("%q: %d records, encoding/json splits %d", body, len(p.Records), len(want.Data.List))
		}
		for i, r := range p.Records {
			if !bytes.Equal(r, want.Data.List[i]) || r[0] != '{' {
				t.Errorf("%q: record %d is %q, encoding/json gives %q", body, i, r, want.Data.List[i])
			}
		}
	})
}
