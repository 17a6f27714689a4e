package trtccallkit

import (
	"testing"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/google/go-cmp/cmp"
)

// Every disposition renders to a callResult that ingests back to it,
// except the documented lossy ones; every callResult ingests per (b).
func TestCallResultBothWays(t *testing.T) {
	lossy := map[cdr.Disposition]cdr.Disposition{
		cdr.DispositionSelfService: cdr.DispositionAnswered, cdr.DispositionTransferred: cdr.DispositionAnswered,
		cdr.DispositionAbandoned: cdr.DispositionCancelled, cdr.DispositionBlocked: cdr.DispositionRejected,
		cdr.DispositionNoAgent: cdr.DispositionNoAnswer, cdr.DispositionVoicemail: cdr.DispositionNoAnswer,
	}
	for _, d := range cdr.Dispositions {
		r := mustPrepare(t, &cdr.Record{Channel: cdr.ChannelRTC, Source: cdr.SourceNative, SourceID: "n", StartAt: 1700000000000, Disposition: d})
		in := renderRecord(t, r)
		out, _ := Render(r, 1)
		back, err := Ingest(out)
		if err != nil {
			t.Fatal(err)
		}
		want := d
		if l, ok := lossy[d]; ok {
			want = l
		}
		if back.Disposition != want || back.DispositionRaw != in.CallResult {
			t.Errorf("%s renders %q, ingests as %s, want %s", d, in.CallResult, back.Disposition, want)
		}
	}
	for s, want := range map[string]cdr.Disposition{"normal_end": "answered", "cancel": "cancelled", "reject": "rejected",
		"not_answer": "no_answer", "call_busy": "busy", "interrupt": "failed", "offline": "failed", "": "unknown", "NORMAL_END": "unknown"} {
		if got := IngestCallResult(s); got != want {
			t.Errorf("%q → %s, want %s", s, got, want)
		}
	}
	if renderCallResult(cdr.DispositionUnknown) != "" || renderCallResult("") != "" {
		t.Error("unknown renders a callResult")
	}
}

// A trtc_callkit record without raw renders its own callResult (R1).
func TestRenderOwnSourceWithoutRaw(t *testing.T) {
	r := mustPrepare(t, &cdr.Record{Channel: cdr.ChannelRTC, Source: cdr.SourceTRTCCallKit, SourceID: "c-9", StartAt: 1700000000000,
		Disposition: cdr.DispositionFailed, DispositionRaw: "offline"})
	if in := renderRecord(t, r); in.CallId != "c-9" || in.CallResult != "offline" {
		t.Errorf("%+v", in)
	}
	r.DispositionRaw = ""
	if in := renderRecord(t, r); in.CallResult != "interrupt" {
		t.Errorf("%+v", in)
	}
}

func TestCallTypeAndMedia(t *testing.T) {
	for s, ct := range callTypes {
		if ingestCallType(s) != ct || renderCallType(ct) != s {
			t.Errorf("%s ↔ %s", s, ct)
		}
	}
	for _, ct := range []cdr.CallType{cdr.CallTypePredictive, cdr.CallTypeDual, cdr.CallTypePrivacy, ""} {
		if renderCallType(ct) != "single" {
			t.Errorf("%q renders %q", ct, renderCallType(ct))
		}
	}
	if ingestCallType("Group") != cdr.CallTypeDirect {
		t.Error("a third spelling ingested")
	}
	for s, m := range mediaTypes {
		if renderMediaType(m) != s {
			t.Errorf("%s ↔ %s", s, m)
		}
	}
	if renderMediaType(cdr.MediaText) != "" || renderMediaType("") != "" {
		t.Error("text or none renders a mediaType")
	}
}

func TestTerms(t *testing.T) {
	k := func(f, v string) cdr.Term { return cdr.Term{Kind: "trtc_callkit." + f, Value: v} }
	r := mustIngest(t, `{"callId":"c","startCallTs":1700000000,"callResult":"offline","callType":"group"}`)
	want := []cdr.Term{k("callResult", "offline"), k("callType", "group")}
	if d := cmp.Diff(want, Terms(r)); d != "" {
		t.Errorf("raw terms (-want +got):\n%s", d)
	}
	r.Disposition, r.CallType = cdr.DispositionBusy, cdr.CallTypeDirect // terms follow the output
	if d := cmp.Diff(want, Terms(r)); d != "" {
		t.Errorf("after a canonical change (-want +got):\n%s", d)
	}
	if ts := Terms(mustIngest(t, `{"callId":"c","startCallTs":1700000000,"callResult":""}`)); ts != nil {
		t.Errorf("absent members have terms: %v", ts)
	}
	n := mustPrepare(t, &cdr.Record{Channel: cdr.ChannelRTC, Source: cdr.SourceNative, SourceID: "x", StartAt: 1700000000000,
		Disposition: cdr.DispositionVoicemail})
	if d := cmp.Diff([]cdr.Term{k("callResult", "not_answer"), k("callType", "single")}, Terms(n)); d != "" {
		t.Errorf("native terms (-want +got):\n%s", d)
	}
	n.Channel = cdr.ChannelVoice
	if Terms(n) != nil {
		t.Error("a voice record has terms")
	}
	if _, err := Render(n, 1); cdr.ErrorCode(err) != cdr.EINVALID {
		t.Errorf("a voice record rendered: %v", err)
	}
	if _, err := Render(nil, 1); err == nil {
		t.Error("nil rendered")
	}
}

func TestParseList(t *testing.T) {
	a, b := `{"callId":"a","startCallTs":1700000000}`, `{ "callId" : "b", "startCallTs":1700000001 }`
	for _, tt := range []struct {
		name, body string
		want       []string
	}{
		{"array", "[" + a + ",\n  " + b + "]", []string{a, b}},
		{"ndjson with bom", "\xef\xbb\xbf" + a + "\r\n\n" + b + "\n", []string{a, b}},
		{"empty", " \n", nil},
		{"filter response", `{"errorCode":0,"errorMessage":"Success","requestId":"r","data":{"totalNum":2,"page":0,"callRecordList":[` + a + `,` + b + `]}}`, []string{a, b}},
		{"pages as ndjson", `{"errorCode":0,"data":{"callRecordList":[` + a + `]}}` + "\n" + `{"data":{"page":0,"callRecordList":[` + b + `]}}`, []string{a, b}},
		{"empty list", `{"errorCode":0,"data":{"totalNum":0,"page":0,"callRecordList":[]}}`, nil},
		{"null list", `{"errorCode":0,"data":{"callRecordList":null}}`, nil},
		{"by callId", `{"errorCode":0,"errorMessage":"Success","requestId":"r","data":` + a + `}`, []string{a}},
		{"no records found", `{"errorCode":70011,"errorMessage":"no records","requestId":"r"}`, nil},
		{"null data", `{"errorCode":0,"data":null}`, nil},
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
	for _, body := range []string{`{"errorCode":70001,"errorMessage":"bad sig","requestId":"r"}`, `{"errorCode":"0","data":null}`,
		`[1,`, `"x"`, `{"errorCode":0,"data":[1]}`, `{"data":{"callRecordList":{"a":1}}}`, a + "\n{"} {
		if _, err := ParseList([]byte(body)); cdr.ErrorCode(err) != cdr.EINVALID {
			t.Errorf("%s: %v", body, err)
		}
	}
}
