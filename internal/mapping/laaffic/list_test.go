package laaffic

import (
	"testing"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/google/go-cmp/cmp"
)

func TestParseList(t *testing.T) {
	a, b := `{"callSessionId":"a","callStartTime":"2024-01-02 03:04:05"}`, `{ "callSessionId" : "b", "callStartTime":"2024-01-02 03:04:06" }`
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
		{"response", `{"status":"0","reason":"success","data":{"records":[` + a + `,` + b + `],"total":2,"size":20,"current":1,"pages":1,"searchCount":true}}`, []string{a, b}},
		{"data only", `{"data":{"records":[` + b + `]}}`, []string{b}},
		{"empty records", `{"status":"0","data":{"records":[],"total":0}}`, nil},
		{"null records", `{"status":"0","data":{"records":null}}`, nil},
		{"no records", `{"status":"0","data":{"total":0}}`, nil},
		{"null data", `{"status":"0","data":null}`, nil},
		{"status only", `{"status":"0","reason":"success"}`, nil},
		{"pages as ndjson", `{"status":"0","data":{"records":[` + a + `]}}` + "\n" + `{"data":{"records":[` + b + `]}}`, []string{a, b}},
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
	for _, body := range []string{`{"status":"-1","reason":"Authentication error"}`, `{"status":"-25","reason":"Out of time range","data":null}`,
		`{"status":0,"data":{"records":[]}}`, `{"status":"","data":{"records":[]}}`, `[1,`, `"x"`,
		`{"data":[1]}`, `{"data":{"records":{"a":1}}}`, a + "\n{"} {
		if _, err := ParseList([]byte(body)); cdr.ErrorCode(err) != cdr.EINVALID {
			t.Errorf("%s: %v", body, err)
		}
	}
}
