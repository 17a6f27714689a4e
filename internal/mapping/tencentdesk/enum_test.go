package tencentdesk

import (
	"testing"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/google/go-cmp/cmp"
)

// Every (disposition, hangup_by) renders to an EndStatus that ingests back
// to the disposition, or to "" for the documented unrendered ones.
func TestEndStatusBothWays(t *testing.T) {
	for _, c := range endCodes {
		if d, by := IngestEndStatus(c.EndStatus); d != c.Disposition || by != c.HangupBy {
			t.Errorf("%s → %s/%s", c.EndStatus, d, by)
		}
	}
	if d, by := IngestEndStatus("agentEndedSession"); d != cdr.DispositionUnknown || by != cdr.HangupByUnknown {
		t.Error("a third spelling ingested")
	}
	rendered := map[cdr.Disposition]bool{cdr.DispositionSelfService: true, cdr.DispositionNoAgent: true,
		cdr.DispositionTransferred: true, cdr.DispositionAbandoned: true}
	for _, d := range cdr.Dispositions {
		for _, by := range cdr.HangupBys {
			r := mustPrepare(t, &cdr.Record{Channel: cdr.ChannelChat, Source: cdr.SourceNative, SourceID: "n", StartAt: 1730443136000,
				Disposition: d, HangupBy: by})
			in := renderRecord(t, r)
			out, _ := Render(r)
			back, err := Ingest(out, nil)
			if err != nil {
				t.Fatal(err)
			}
			answered := d == cdr.DispositionAnswered && by != cdr.HangupByUnknown
			switch {
			case answered && (back.Disposition != d || back.HangupBy != by):
				t.Errorf("%s/%s → %q → %s/%s", d, by, in.EndStatus, back.Disposition, back.HangupBy)
			case rendered[d] && back.Disposition != d:
				t.Errorf("%s/%s → %q → %s", d, by, in.EndStatus, back.Disposition)
			case !answered && !rendered[d] && in.EndStatus != "":
				t.Errorf("%s/%s rendered %q", d, by, in.EndStatus)
			}
		}
	}
}

// A tencent_desk record without raw renders its own EndStatus and
// satisfaction value (R1); a foreign one renders the score.
func TestRenderOwnSourceWithoutRaw(t *testing.T) {
	r := mustPrepare(t, &cdr.Record{Channel: cdr.ChannelChat, Source: cdr.SourceTencentDesk, SourceID: "s-9", StartAt: 1730443136000,
		Disposition: cdr.DispositionAnswered, DispositionRaw: "AgentTimeout", HangupBy: cdr.HangupBySystem,
		Satisfaction: &cdr.Satisfaction{Score: new(5), Raw: "1"}})
	if in := renderRecord(t, r); in.SessionId != "s-9" || in.EndStatus != "AgentTimeout" || in.SatisfactionSelected != 1 {
		t.Errorf("%+v", in)
	}
	r.DispositionRaw, r.Source, r.ID = "", cdr.SourceNative, ""
	mustPrepare(t, r)
	if in := renderRecord(t, r); in.EndStatus != "UserTimeout" || in.SatisfactionSelected != 5 {
		t.Errorf("%+v", in)
	}
}

func TestTerms(t *testing.T) {
	r := mustIngest(t, `{"SessionId":"s","Timestamp":1730443136,"EndStatus":"TimeoutTransfer"}`)
	want := []cdr.Term{{Kind: "tencent_desk.EndStatus", Value: "TimeoutTransfer"}}
	r.Disposition = cdr.DispositionAbandoned // terms follow the output
	if d := cmp.Diff(want, Terms(r)); d != "" {
		t.Errorf("raw terms (-want +got):\n%s", d)
	}
	if ts := Terms(mustIngest(t, `{"SessionId":"s","Timestamp":1730443136}`)); ts != nil {
		t.Errorf("no EndStatus has terms: %v", ts)
	}
	n := mustPrepare(t, &cdr.Record{Channel: cdr.ChannelChat, Source: cdr.SourceNative, SourceID: "x", StartAt: 1730443136000,
		Disposition: cdr.DispositionNoAgent})
	if d := cmp.Diff([]cdr.Term{{Kind: "tencent_desk.EndStatus", Value: "NoAgentsOnline"}}, Terms(n)); d != "" {
		t.Errorf("native terms (-want +got):\n%s", d)
	}
	n.Channel = cdr.ChannelRTC
	if Terms(n) != nil {
		t.Error("an rtc record has terms")
	}
	if _, err := Render(n); cdr.ErrorCode(err) != cdr.EINVALID {
		t.Errorf("an rtc record rendered: %v", err)
	}
	if _, err := Render(nil); err == nil {
		t.Error("nil rendered")
	}
}

func TestParseList(t *testing.T) {
	a, b := `{"SessionId":"a","Timestamp":1730443136}`, `{ "SessionId" : "b", "Timestamp":1730443137 }`
	for _, tt := range []struct {
		name, body string
		want       []string
	}{
		{"array", "[" + a + ",\n  " + b + "]", []string{a, b}},
		{"ndjson with bom", "\xef\xbb\xbf" + a + "\r\n\n" + b + "\n", []string{a, b}},
		{"empty", " \n", nil},
		{"response", `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","TotalCount":2,"IMCdrList":[` + a + `,` + b + `]}`, []string{a, b}},
		{"pages as ndjson", `{"IMCdrList":[` + a + `]}` + "\n" + `{"ActionStatus":"OK","IMCdrList":[` + b + `]}`, []string{a, b}},
		{"empty list", `{"ActionStatus":"OK","ErrorCode":0,"TotalCount":0,"IMCdrList":[]}`, nil},
		{"null list", `{"ActionStatus":"OK","ErrorCode":0,"IMCdrList":null}`, nil},
		{"no list", `{"ActionStatus":"OK","ErrorCode":0,"TotalCount":0}`, nil},
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
	english := `{"ActionStatus": "OK","ErrorCode": 0,"ErrorInfo": "","TotalCount": 1,"IMCdrList": [{"SessionId": "a97d3e1f","AgentGroupName": "Online customer service""AgentId": "shannon@qq.com"}]}`
	for _, body := range []string{`{"ActionStatus":"FAIL","ErrorCode":141004,"ErrorInfo":"invalid parameter"}`,
		`{"ErrorCode":141009,"IMCdrList":[]}`, `{"ActionStatus":0}`, `{"IMCdrList":{"a":1}}`, `[1,`, `"x"`, a + "\n{", english} {
		if _, err := ParseList([]byte(body)); cdr.ErrorCode(err) != cdr.EINVALID {
			t.Errorf("%s: %v", body, err)
		}
	}
}
