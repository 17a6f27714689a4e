package tencentccc

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseList(t *testing.T) {
	a, b := `{"SessionId":"a","Time":1700000000}`, `{ "SessionId" : "b", "Time":1700000001 }`
	for _, tt := range []struct {
		name, body string
		want       []string
	}{
		{"array", "[" + a + ",\n  " + b + "]", []string{a, b}},
		{"empty array", " [ ] ", nil},
		{"ndjson", a + "\n\n" + b + "\n", []string{a, b}},
		{"ndjson crlf and bom", "\xef\xbb\xbf" + a + "\r\n" + b + "\r\n", []string{a, b}},
		{"one object", a, []string{a}},
		{"empty", " \n", nil},
		{"envelope", `{"Response":{"TotalCount":2,"TelCdrList":[` + a + `,` + b + `],"TelCdrs":[` + a + `,` + b + `],"RequestId":"r"}}`, []string{a, b}},
		{"envelope TelCdrs only", `{"Response":{"TotalCount":1,"TelCdrs":[` + b + `],"RequestId":"r"}}`, []string{b}},
		{"envelope TelCdrList empty", `{"Response":{"TelCdrList":[],"TelCdrs":[` + b + `]}}`, []string{b}},
		{"envelope TelCdrList null", `{"Response":{"TelCdrList":null,"TelCdrs":[` + a + `]}}`, []string{a}},
		{"envelope no records", `{"Response":{"TotalCount":0,"RequestId":"r"}}`, nil},
		{"unwrapped envelope", `{"TotalCount":1,"TelCdrList":[` + a + `],"RequestId":"r"}`, []string{a}},
		{"pages as ndjson", `{"Response":{"TelCdrList":[` + a + `]}}` + "\n" + `{"TelCdrList":[` + b + `]}` + "\n", []string{a, b}},
		{"non-object element kept for Ingest", `[1,` + a + `]`, []string{"1", a}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseList([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			var gs []string
			for _, g := range got {
				gs = append(gs, string(g))
			}
			if d := cmp.Diff(tt.want, gs); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestParseListErrors(t *testing.T) {
	for _, tt := range []struct{ body, msg string }{
		{`[{"SessionId":"a"}`, "JSON array"},
		{`[{}] x`, "JSON array"},
		{"{\"SessionId\":\"a\"}\n{\"SessionId\":", "line 2"},
		{`{"Response":{"Error":{"Code":"AuthFailure.SignatureFailure","Message":"bad"},"RequestId":"r"}}`, "AuthFailure.SignatureFailure: bad"},
		{`{"Response":{"TelCdrList":{"a":1}}}`, "TelCdrList must be an array"},
		{`{"TelCdrs":"x"}`, "TelCdrs must be an array"},
		{`"x"`, "must be a JSON array"},
		{`5`, "must be a JSON array"},
	} {
		_, err := ParseList([]byte(tt.body))
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: %v, want an error with %q", tt.body, err, tt.msg)
		}
	}
}

// What ParseList returns ingests and renders back byte for byte.
func TestParseListIngest(t *testing.T) {
	objs, err := ParseList([]byte("[" + example1 + "]"))
	if err != nil || len(objs) != 1 {
		t.Fatal(len(objs), err)
	}
	r, err := Ingest(objs[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	if out, _ := Render(r, 0); string(out) != example1 {
		t.Error("the element's bytes changed")
	}
	var _ json.RawMessage = objs[0]
}
