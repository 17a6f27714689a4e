package trtccallkit

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/cdrhub/cdrhub/internal/ingest/imauth"
)

// The list of a page is split as encoding/json splits it, whatever the
// answer, and decode never panics.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"errorCode":0,"requestId":"r","data":{"totalNum":2,"callRecordList":[{"callId":"a"},  {"b":[1,{"c":"]"}]}]}}`,
		`{"errorCode":0,"requestId":"r","data":{"totalNum":1,"callRecordList":[ {"a":"\"],[{"} ]}}`,
		`{"errorCode":0,"requestId":"r","data":{"totalNum":0,"callRecordList":null}}`,
		`{"errorCode":0,"requestId":"r","data":{"totalNum":0,"callRecordList":[]}}`,
		`{"errorCode":0,"requestId":"r","data":{"totalNum":3,"callRecordList":[1,"x",[2]]}}`,
		`{"errorCode":60007,"errorMessage":"m","requestId":"r"}`,
		`{"errorCode":70011,"errorMessage":"m","requestId":"r"}`,
		`{"errorCode":"0","requestId":7,"data":{"totalNum":0,"callRecordList":[]}}`,
		`{}`, `[]`, `null`, `{"data":{"callRecordList":{}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := decode(200, body, 1000)
		var want struct {
			ErrorCode json.RawMessage `json:"errorCode"`
			Data      struct {
				CallRecordList []json.RawMessage `json:"callRecordList"`
			} `json:"data"`
		}
		if err != nil || json.Unmarshal(body, &want) != nil {
			return
		}
		if code, _ := imauth.IntMember(want.ErrorCode); code == CodeNoRecords {
			if len(p.Records) != 0 || p.TotalCount != 0 {
				t.Fatalf("%q: 70011 read as %d records of %d", body, len(p.Records), p.TotalCount)
			}
			return
		}
		if len(p.Records) != len(want.Data.CallRecordList) {
			t.Fatalf("%q: %d records, encoding/json splits %d", body, len(p.Records), len(want.Data.CallRecordList))
		}
		for i, r := range p.Records {
			if !bytes.Equal(r, want.Data.CallRecordList[i]) {
				t.Errorf("%q: record %d is %q, encoding/json gives %q", body, i, r, want.Data.CallRecordList[i])
			}
		}
	})
}
