package laaffic

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/mapping/mappingtest"
)

// FuzzIngestRender feeds its input to Ingest as it is, and uses it to
// generate a valid record object that must survive the whole mapping.
//
//	go test -run=NONE -fuzz=FuzzIngestRender -fuzztime=15s ./internal/mapping/laaffic/
func FuzzIngestRender(f *testing.F) {
	for _, tt := range edgeCases {
		f.Add([]byte(tt.x))
	}
	f.Add([]byte{})
	f.Add([]byte("\x00\x10\xff\x80 random choices \x01\x02\x03\x04\x05\x06\x07\x08\x09"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if r, err := Ingest(data, shanghai); err == nil {
			if out, err := Render(r, time.UTC); err != nil || !bytes.Equal(out, data) {
				t.Fatalf("Render(Ingest(x)) = %s, %v; want x", out, err)
			}
			Terms(r)
			if _, err := RenderV3(r, nil); err != nil {
				t.Fatalf("RenderV3: %v", err)
			}
			renderRecord(t, withoutRaw(r), shanghai)
		}
		x := genObject(data)
		r, err := Ingest(x, shanghai)
		if err != nil {
			t.Fatalf("Ingest of a generated object: %v\n%s", err, x)
		}
		if err := r.Prepare(cdr.MustTenantID("t"), 1700000000000); err != nil {
			t.Fatalf("Prepare: %v\n%s", err, x)
		}
		if out, _ := Render(r, nil); !bytes.Equal(out, x) {
			t.Fatalf("Render after Prepare is not the raw object")
		}
		checkTerms(t, r, x)
		checkCanonicalRender(t, r)
	})
}

// checkTerms: the terms are the output's enum values.
func checkTerms(t *testing.T, r *cdr.Record, x []byte) {
	t.Helper()
	var v Record
	if err := json.Unmarshal(x, &v); err != nil {
		t.Fatal(err)
	}
	want := map[string]*int{FieldCallType: v.CallType, FieldHangupReason: v.HangupReason, FieldHangingDirection: v.HangingDirection}
	n := 0
	for _, p := range want {
		if p != nil {
			n++
		}
	}
	ts := Terms(r)
	for _, term := range ts {
		p := want[strings.TrimPrefix(term.Kind, "laaffic.")]
		if p == nil || fmt.Sprint(*p) != term.Value {
			t.Fatalf("term %s=%s, output %v\n%s", term.Kind, term.Value, p, x)
		}
	}
	if len(ts) != n {
		t.Fatalf("%d terms for %d enums\n%s", len(ts), n, x)
	}
}

// checkCanonicalRender: rendering from canonical fields is stable,
// Render(Ingest(Render(r))) = Render(r), and both records pass Prepare.
func checkCanonicalRender(t *testing.T, r *cdr.Record) {
	t.Helper()
	first := renderRecord(t, withoutRaw(r), shanghai)
	b1, _ := cdr.EncodeJSON(first)
	r2, err := Ingest(b1, shanghai)
	if err != nil {
		t.Fatalf("Ingest(Render(r)): %v\n%s", err, b1)
	}
	if err := r2.Prepare(cdr.MustTenantID("t"), 1700000000000); err != nil {
		t.Fatalf("Prepare(Ingest(Render(r))): %v\n%s", err, b1)
	}
	b2, _ := Render(withoutRaw(r2), shanghai)
	if !bytes.Equal(b1, b2) {
		t.Fatalf("the canonical render is not stable (-first +second):\n%s", jsonDiff(t, b1, b2))
	}
}

// gen turns fuzz input into choices; an exhausted input yields zeros.
type gen struct{ *mappingtest.Choices }

var strPool = []string{"", "abc", "山浓", "😀", "a,b", "138****5678", "line\nbreak", `q " \`, "</b>&", "é"}

// genObject builds a valid record object: Ingest and Prepare accept it.
// Members are shuffled; optional members may be absent, null or set.
func genObject(data []byte) []byte {
	g := &gen{mappingtest.NewChoices(data)}
	start := time.Date(2001+g.Intn(40), time.Month(1+g.Intn(12)), 1+g.Intn(28), g.Intn(24), g.Intn(60), g.Intn(60), 0, shanghai)
	answer := start.Add(time.Duration(g.Intn(200)) * time.Second)
	end := answer.Add(time.Duration(g.Intn(200)) * time.Second)
	ms := []string{`"callSessionId":` + mappingtest.Quote("c"+g.Pick(strPool...)), `"callStartTime":` + mappingtest.Quote(start.Format(TimeLayout))}
	opt := func(name string, value func() string) {
		switch {
		case g.Chance(25):
		case g.Chance(10):
			ms = append(ms, fmt.Sprintf("%q:null", name))
		default:
			ms = append(ms, fmt.Sprintf("%q:%s", name, value()))
		}
	}
	opt("answerTime", func() string { return mappingtest.Quote(g.Pick("", answer.Format(TimeLayout))) })
	opt("callEndTime", func() string { return mappingtest.Quote(g.Pick("", end.Format(TimeLayout))) })
	opt("callDuration", func() string { return fmt.Sprint(g.Intn(300)) })
	opt("callType", func() string { return fmt.Sprint(g.Intn(6) - 1) })
	opt("hangupReason", func() string { return fmt.Sprint(g.Intn(12) - 1) })
	opt("hangingDirection", func() string { return fmt.Sprint(g.Intn(5) - 1) })
	opt("labels", func() string {
		var ls []string
		for range g.Intn(4) {
			ls = append(ls, mappingtest.Quote(g.Pick(strPool...)))
		}
		return "[" + strings.Join(ls, ",") + "]"
	})
	opt("voiceUrl", func() string { return mappingtest.Quote(g.Pick("", "https://x.example/r.mp3", "é")) })
	for _, f := range []string{"callId", "called", "calledInfo", "caller", "ccode", "ccodeName", "agentName", "agentAccount",
		"agentGroupName", "hangupCode", "remark", "keyId", "encryptCalled"} {
		opt(f, func() string { return mappingtest.Quote(g.Pick(strPool...)) })
	}
	opt("future", func() string { return `{"a":[1,2.50,true,null]}` })
	for i := len(ms) - 1; i > 0; i-- {
		j := g.Intn(i + 1)
		ms[i], ms[j] = ms[j], ms[i]
	}
	sep := g.Pick(",", ", ", ",\n ")
	return []byte(g.Pick("", " ") + "{" + strings.Join(ms, sep) + "}")
}

// FuzzParseTime: ParseTime never panics; a time it accepts formats back to
// one it reads as the same instant; a record-layout time built from the
// input parses to its fields in the zone.
//
//	go test -run=NONE -fuzz=FuzzParseTime -fuzztime=15s ./internal/mapping/laaffic/
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2022-01-01T00:00:00+08:00", "2022-01-01T00:00:00Z", "2022-01-01T00:00:00.5+0800",
		"2022-01-01T00:00:00", "2022-01-01 00:00:00", "2022-01-01", "", "x"} {
		f.Add(s, uint32(0))
	}
	f.Fuzz(func(t *testing.T, s string, n uint32) {
		for _, loc := range []*time.Location{nil, shanghai} {
			if tm, err := ParseTime(s, loc); err == nil && tm.UTC().Year() >= 0 && tm.UTC().Year() <= 9999 {
				back, err := ParseTime(tm.UTC().Format(time.RFC3339Nano), loc) // UTC: zones with sub-minute offsets (LMT)
				if err != nil || !back.Equal(tm) {
					t.Fatalf("%q → %v → %v, %v", s, tm, back, err)
				}
			}
		}
		want := time.Date(2000+int(n%60), time.Month(1+n%12), 1+int(n/7%28), int(n/11%24), int(n/13%60), int(n/17%60), 0, shanghai)
		got, err := ParseTime(want.Format(TimeLayout), shanghai)
		if err != nil || got.Format(TimeLayout) != want.Format(TimeLayout) {
			t.Fatalf("%s → %v, %v", want.Format(TimeLayout), got, err)
		}
	})
}
