package aliyunccc

import (
	"testing"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/google/go-cmp/cmp"
)

func TestParseList(t *testing.T) {
	a, b := `{"ContactId":"a","StartTime":1700000000000}`, `{ "ContactId" : "b", "StartTime":1700000001000 }`
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
		{"list response", `{"Code":"OK","HttpStatusCode":200,"Message":"","RequestId":"r","Data":{"PageNumber":1,"PageSize":10,"TotalCount":2,"List":[` + a + `,` + b + `]}}`, []string{a, b}},
		{"Data only", `{"Data":{"List":[` + b + `]}}`, []string{b}},
		{"empty list", `{"Code":"OK","Data":{"TotalCount":0,"List":[]}}`, nil},
		{"null list", `{"Data":{"List":null}}`, nil},
		{"detail response", `{"Code":"OK","RequestId":"r","Data":` + a + `}`, []string{a}},
		{"null data", `{"Code":"OK","Data":null}`, nil},
		{"pages as ndjson", `{"Data":{"List":[` + a + `]}}` + "\n" + `{"Code":"OK","Data":{"List":[` + b + `]}}`, []string{a, b}},
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
	for _, body := range []string{`{"Code":"Throttling.User","Message":"slow down","RequestId":"r"}`, `[1,`, `"x"`,
		`{"Data":[1]}`, `{"Data":{"List":{"a":1}}}`, a + "\n{"} {
		if _, err := ParseList([]byte(body)); cdr.ErrorCode(err) != cdr.EINVALID {
			t.Errorf("%s: %v", body, err)
		}
	}
}

func TestRenderDetailRaw(t *testing.T) {
	r := mustIngest(t, `{"ContactId":"c", "StartTime":1700000000000,"ContactType":"PrivacyDial","Note":"é\u00e9"}`)
	got, err := RenderDetail(r, "x")
	if want := `{"ContactId":"c","StartTime":1700000000000,"ContactType":"PRIVACY_DIAL","Note":"é\u00e9"}`; err != nil || string(got) != want {
		t.Errorf("RenderDetail raw:\n got %s %v\nwant %s", got, err, want)
	}
	r = mustIngest(t, `{"ContactId":"c","StartTime":1700000000000,"ContactType":"BACK2BACK"}`)
	if got, _ := RenderDetail(r, "x"); string(got) != string(r.Raw) {
		t.Errorf("an upper-case raw was changed: %s", got)
	}
	if _, err := RenderDetail(nil, "x"); err == nil {
		t.Error("nil rendered")
	}
}
