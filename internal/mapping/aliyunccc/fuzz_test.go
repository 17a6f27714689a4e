package aliyunccc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/mapping/mappingtest"
)

// FuzzIngestRender feeds its input to Ingest as it is, and uses it to
// generate a valid record object that must survive the whole mapping.
//
//	go test -run=NONE -fuzz=FuzzIngestRender -fuzztime=30s ./internal/mapping/aliyunccc/
func FuzzIngestRender(f *testing.F) {
	for _, tt := range edgeCases {
		f.Add([]byte(tt.x))
	}
	f.Add([]byte{})
	f.Add([]byte("\x00\x10\xff\x80 random choices \x01\x02\x03\x04\x05\x06\x07\x08\x09"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if r, err := Ingest(data, nil); err == nil {
			if out, err := Render(r, ""); err != nil || !bytes.Equal(out, data) {
				t.Fatalf("Render(Ingest(x)) = %s, %v; want x", out, err)
			}
			Terms(r)
			renderRecord(t, withoutRaw(r))
		}
		x := genObject(data)
		r, err := Ingest(x, nil)
		if err != nil {
			t.Fatalf("Ingest of a generated object: %v\n%s", err, x)
		}
		if err := r.Prepare(cdr.MustTenantID("t"), 1700000000000); err != nil {
			t.Fatalf("Prepare: %v\n%s", err, x)
		}
		if out, _ := Render(r, ""); !bytes.Equal(out, x) {
			t.Fatalf("Render after Prepare is not the raw object")
		}
		checkTerms(t, r, x)
		checkCanonicalRender(t, r)
	})
}

// checkTerms: the terms are the output's enum values.
func checkTerms(t *testing.T, r *cdr.Record, x []byte) {
	t.Helper()
	var v CallDetailRecord
	if err := json.Unmarshal(x, &v); err != nil {
		t.Fatal(err)
	}
	for _, term := range Terms(r) {
		var want string
		switch strings.TrimPrefix(term.Kind, "aliyun_ccc.") {
		case FieldContactType:
			want = v.ContactType
		case FieldContactDisposition:
			want = v.ContactDisposition
		case FieldEarlyMediaState:
			want = v.EarlyMediaState
		case FieldSatisfactionIndex:
			want = fmt.Sprint(v.SatisfactionIndex)
		case FieldSatisfactionSurveyChannel:
			want = v.SatisfactionSurveyChannel
		}
		if term.Value != want {
			t.Fatalf("term %s=%s, output %q\n%s", term.Kind, term.Value, want, x)
		}
	}
}

// checkCanonicalRender: rendering from canonical fields is stable,
// Render(Ingest(Render(r))) = Render(r), and both records pass Prepare.
func checkCanonicalRender(t *testing.T, r *cdr.Record) {
	t.Helper()
	first := renderRecord(t, withoutRaw(r))
	b1, _ := cdr.EncodeJSON(first)
	r2, err := Ingest(b1, nil)
	if err != nil {
		t.Fatalf("Ingest(Render(r)): %v\n%s", err, b1)
	}
	if err := r2.Prepare(cdr.MustTenantID("t"), 1700000000000); err != nil {
		t.Fatalf("Prepare(Ingest(Render(r))): %v\n%s", err, b1)
	}
	b2, _ := Render(withoutRaw(r2), "ccc-test")
	if !bytes.Equal(b1, b2) {
		t.Fatalf("the canonical render is not stable (-first +second):\n%s", jsonDiff(t, b1, b2))
	}
}

// gen turns fuzz input into choices; an exhausted input yields zeros.
type gen struct{ *mappingtest.Choices }

func (g *gen) num(v int64) string { return fmt.Sprint(v) }
func (g *gen) list(pool ...string) string {
	var es []string
	for range g.Intn(4) {
		es = append(es, g.Pick(pool...))
	}
	return mappingtest.Quote(strings.Join(es, ","))
}

var strPool = []string{"", "abc", "山浓", "😀", "a,b", "138****5678", "line\nbreak", `q " \`, "</b>&", "é"}

// genObject builds a valid record object: Ingest and Prepare accept it.
// Members are shuffled; optional members may be absent, null or set.
func genObject(data []byte) []byte {
	g := &gen{mappingtest.NewChoices(data)}
	start := int64(946684800000) + int64(g.Intn(256))*int64(g.Intn(256)+1)*3_600_000_000/256
	ms := []string{`"ContactId":` + mappingtest.Quote("c"+g.Pick(strPool...)), `"StartTime":` + g.num(start)}
	opt := func(name string, value func() string) {
		switch {
		case g.Chance(25):
		case g.Chance(10):
			ms = append(ms, fmt.Sprintf("%q:null", name))
		default:
			ms = append(ms, fmt.Sprintf("%q:%s", name, value()))
		}
	}
	answer := start + int64(g.Intn(200))*1000
	end := answer + int64(g.Intn(200))*1000
	opt("EstablishedTime", func() string { return g.Pick("0", g.num(answer)) })
	opt("ReleaseTime", func() string { return g.Pick("0", g.num(end)) })
	opt("CallDuration", func() string {
		return mappingtest.Quote(g.Pick("", "0", "30", "030", "3.5", "-1", "x", "99999999999999999999"))
	})
	for _, f := range []string{"TalkTime", "RingTime", "IvrTime", "QueueTime", "HeldTime", "DialingTime", "RecordingDuration", "WaitTime"} {
		opt(f, func() string { return g.num(int64(g.Intn(40))) })
	}
	var types, cds []string
	for _, c := range contactTypes {
		types = append(types, c.Name, c.Upper)
	}
	for _, c := range dispositionCodes {
		cds = append(cds, c.ContactDisposition)
	}
	opt("ContactType", func() string { return mappingtest.Quote(g.Pick(append(types, "", "x")...)) })
	opt("ContactDisposition", func() string { return mappingtest.Quote(g.Pick(append(cds, "", "x")...)) })
	opt("EarlyMediaState", func() string { return mappingtest.Quote(g.Pick(append(earlyMediaStates, "", "x")...)) })
	opt("ReleaseInitiator", func() string { return mappingtest.Quote(g.Pick("customer", "agent", "", "system", "x")) })
	opt("SatisfactionIndex", func() string { return g.num(int64(g.Intn(6)) - 1) })
	opt("SatisfactionSurveyChannel", func() string { return mappingtest.Quote(g.Pick("IVR", "SMS", "", "Web", "ivr")) })
	opt("SatisfactionSurveyOffered", func() string { return g.Pick("true", "false") })
	opt("RecordingReady", func() string { return g.Pick("true", "false") })
	for _, f := range []string{"AgentIds", "AgentNames", "SkillGroupIds", "SkillGroupNames"} {
		opt(f, func() string { return g.list(strPool...) })
	}
	for _, f := range []string{"CallingNumber", "CalledNumber", "CallerLocation", "CalleeLocation", "SatisfactionDescription",
		"Broker", "AdditionalBroker", "CallIds", "ReleaseReason", "InstanceId"} {
		opt(f, func() string { return mappingtest.Quote(g.Pick(strPool...)) })
	}
	opt("Future", func() string { return `{"a":[1,2.50,true,null]}` })
	for i := len(ms) - 1; i > 0; i-- {
		j := g.Intn(i + 1)
		ms[i], ms[j] = ms[j], ms[i]
	}
	sep := g.Pick(",", ", ", ",\n ")
	return []byte(g.Pick("", " ") + "{" + strings.Join(ms, sep) + "}")
}
