package tencentdesk

import (
	"bytes"
	"encoding/json"
	"testing"
)

// The list of a page is split as encoding/json splits it, whatever the
// answer, and decode never panics.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","TotalCount":2,"IMCdrList":[{"SessionId":"a"},  {"b":[1,{"c":"]"}]}]}`,
		`{"ActionStatus":"OK","ErrorCode":0,"TotalCount":1,"IMCdrList":[ {"a":"\"],[{"} ]}`,
		`{"ActionStatus":"OK","ErrorCode":0,"TotalCount":0,"IMCdrList":null}`,
		`{"ActionStatus":"OK","ErrorCode":0,"TotalCount":0,"IMCdrList":[]}`,
		`{"ActionStatus":"OK","ErrorCode":0,"TotalCount":3,"IMCdrList":[1,"x",[2]]}`,
		`{"ActionStatus":"FAIL","ErrorCode":141009,"ErrorInfo":"API rate limiting"}`,
		`{"ActionStatus":"FAIL","ErrorCode":70001,"ErrorInfo":"m"}`,
		`{"ActionStatus":"OK","ErrorCode":"0","RequestId":7,"TotalCount":0,"IMCdrList":[]}`,
		`{}`, `[]`, `null`, `{"IMCdrList":{}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := decode(200, body, 1000)
		var want struct {
			IMCdrList []json.RawMessage
		}
		if err != nil || json.Unmarshal(body, &want) != nil {
			return
		}
		if len(p.Records) != len(want.IMCdrList) {
			t.Fatalf("%q: %d records, encoding/json splits %d", body, len(p.Records), len(want.IMCdrList))
		}
		for i, r := range p.Records {
			if !bytes.Equal(r, want.IMCdrList[i]) {
				t.Errorf("%q: record %d is %q, encoding/json gives %q", body, i, r, want.IMCdrList[i])
			}
			if r[0] != '{' {
				t.Errorf("%q: record %d is not an object", body, i)
			}
		}
		if p.TotalCount < len(p.Records) {
			t.Errorf("%q: %d records of a total of %d", body, len(p.Records), p.TotalCount)
		}
	})
}
