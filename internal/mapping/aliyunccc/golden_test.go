package aliyunccc

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/cdrhub/cdrhub/internal/mapping/mappingtest"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the current output")

// nativeRecords are voice records of a native PBX that ListCallDetailRecords
// must list in its own shape (docs/record-model.md §5).
func nativeRecords() map[string]*cdr.Record {
	at := func(s int64) *int64 { return new(1700000000000 + s*1000) }
	return map[string]*cdr.Record{
		// Answered inbound: two agents (one name has a comma: R8), two
		// queues, a recording with a URL, a CSAT score of 3.
		"answered_inbound": {
			Channel: cdr.ChannelVoice, Source: cdr.SourceNative, SourceID: "pbx-1001", StartAt: 1700000000000,
			QueuedAt: at(10), RingAt: at(20), AnswerAt: at(25), EndAt: at(325),
			Direction: cdr.DirectionInbound, Disposition: cdr.DispositionAnswered, DispositionRaw: "ANSWERED", HangupBy: cdr.HangupByCustomer,
			Caller: cdr.Party{Address: "+86 139-1234-5678", Location: "Beijing"}, Callee: cdr.Party{Address: "4008001234"},
			Agents: []cdr.Agent{{ID: "a.chen", Name: "Chen, An", Email: "a.chen@acme.example"}, {Kind: cdr.AgentAI, ID: "bot-1"}},
			Queues: []cdr.Queue{{ID: "sales-01", Name: "Sales"}, {ID: "42", Name: "Overflow"}},
			IVRS:   new(int64(10)), QueueS: new(int64(10)), RingS: new(int64(5)), HoldS: new(int64(20)),
			Satisfaction: &cdr.Satisfaction{Score: new(3), Raw: "good", Label: "Neutral", Channel: "sms", Offered: true},
			Recordings:   []cdr.Recording{{URL: "https://pbx.example/rec/1001.wav", DurationS: new(int64(300))}},
			IVRKeys:      []cdr.IVRKey{{Key: "1"}}, Tags: []string{"vip"}, Note: "callback requested",
		},
		// Abandoned while queued.
		"abandoned_in_queue": {
			Channel: cdr.ChannelVoice, Source: cdr.SourceNative, SourceID: "pbx-1002", StartAt: 1700000100000,
			QueuedAt: new(int64(1700000108000)), EndAt: new(int64(1700000160000)),
			Direction: cdr.DirectionInbound, Disposition: cdr.DispositionAbandoned, HangupBy: cdr.HangupByCustomer,
			Caller: cdr.Party{Address: "02066668888"}, Callee: cdr.Party{Address: "4008001234"},
			Queues: []cdr.Queue{{ID: "7", Name: "Support"}},
		},
		// Outbound, busy; a protected callee; an unmapped score.
		"outbound_busy": {
			Channel: cdr.ChannelVoice, Source: cdr.SourceNative, SourceID: "pbx-1003", StartAt: 1700000200000,
			RingAt: new(int64(1700000202000)), EndAt: new(int64(1700000232000)), TalkS: new(int64(0)), DialS: new(int64(2)),
			Direction: cdr.DirectionOutbound, Disposition: cdr.DispositionBusy, HangupBy: cdr.HangupBySystem,
			Caller: cdr.Party{Address: "4008001234"}, Callee: cdr.Party{ProtectedID: "pe_1"},
			Agents:       []cdr.Agent{{ID: "b.li", Name: "Li Bo"}},
			Satisfaction: &cdr.Satisfaction{Score: new(4), Offered: true, Channel: "ivr"},
		},
		// Predictive outbound, not answered.
		"predictive_no_answer": {
			Channel: cdr.ChannelVoice, Source: cdr.SourceNative, SourceID: "pbx-1004", StartAt: 1700000300000,
			EndAt: new(int64(1700000330000)), CallType: cdr.CallTypePredictive,
			Direction: cdr.DirectionOutbound, Disposition: cdr.DispositionNoAnswer,
			Caller: cdr.Party{Address: "4008001234"}, Callee: cdr.Party{Address: "138****5678"},
			Recordings: []cdr.Recording{{Kind: cdr.RecordingVoicemail, URL: "https://pbx.example/vm/1.wav"}},
		},
		// Only the required fields.
		"required_only": {
			Channel: cdr.ChannelVoice, Source: cdr.SourceNative, SourceID: "pbx-1005", StartAt: 1700000400000,
		},
	}
}

func TestRenderGolden(t *testing.T) {
	for name, r := range nativeRecords() {
		t.Run(name, func(t *testing.T) {
			mustPrepare(t, r)
			out, err := Render(r, "ccc-test")
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, name, out)
			detail, err := RenderDetail(r, "ccc-test")
			if err != nil {
				t.Fatal(err)
			}
			d, err := strictDecode(detail)
			if err != nil {
				t.Fatal(err)
			}
			l, _ := strictDecode(out)
			if d.ContactType != upperContactType(l.ContactType) || (l.ContactType != "" && d.ContactType == l.ContactType) {
				t.Errorf("detail ContactType %q for %q", d.ContactType, l.ContactType)
			}
			d.ContactType = l.ContactType
			if b, _ := cdr.EncodeJSON(d); !bytes.Equal(b, out) {
				t.Errorf("detail differs beyond ContactType:\n%s\n%s", b, out)
			}
		})
	}
}

func checkGolden(t *testing.T, name string, out []byte) {
	t.Helper()
	mappingtest.CheckGolden(t, name, out, *update, func(b []byte) error { _, err := strictDecode(b); return err })
	want, err := os.ReadFile(filepath.Join("testdata", name+".golden.json"))
	if err == nil {
		if p := findNull(decodeAny(t, want), "$"); p != "" {
			t.Errorf("%s golden: null at %s", name, p)
		}
	}
}

func readGolden(t *testing.T, name string) *CallDetailRecord {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	in, err := strictDecode(b)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// The golden files hold what docs/mapping-aliyun-ccc.md and
// docs/record-model.md §5 R2–R8 demand.
func TestRenderGoldenContent(t *testing.T) {
	for name, r := range nativeRecords() {
		mustPrepare(t, r)
		if in := readGolden(t, name); in.ContactId != r.ID || in.InstanceId != "ccc-test" { // R2, R3
			t.Errorf("%s: ContactId %q InstanceId %q, want %q", name, in.ContactId, in.InstanceId, r.ID)
		}
	}
	a := readGolden(t, "answered_inbound")
	if a.ContactType != "Inbound" || a.ContactDisposition != "Success" || a.CallDuration != "325" || *a.TalkTime != 300 ||
		a.AgentIds != "a.chen,bot-1" || a.AgentNames != "Chen, An," || a.SkillGroupIds != "sales-01,42" ||
		!a.RecordingReady || *a.RecordingDuration != 300 || a.SatisfactionIndex != 2 || a.SatisfactionSurveyChannel != "SMS" ||
		a.ReleaseInitiator != "customer" || a.EstablishedTime != 1700000025000 || *a.HeldTime != 20 {
		t.Errorf("answered: %+v", a)
	}
	if q := readGolden(t, "abandoned_in_queue"); q.ContactDisposition != "AbandonedInQueue" || q.EarlyMediaState != "" || q.SkillGroupNames != "Support" {
		t.Errorf("abandoned: %+v", q)
	}
	o := readGolden(t, "outbound_busy")
	if o.ContactDisposition != "NoAnswer" || o.EarlyMediaState != "Busy" || o.CalledNumber != "" || o.SatisfactionIndex != 0 ||
		!o.SatisfactionSurveyOffered || o.ReleaseInitiator != "" || *o.DialingTime != 2 || o.EstablishedTime != 0 {
		t.Errorf("busy: %+v", o)
	}
	p := readGolden(t, "predictive_no_answer")
	if p.ContactType != "Predictive" || p.ContactDisposition != "NoAnswer" || p.EarlyMediaState != "NoAnswer" || p.RecordingReady || p.CallDuration != "30" {
		t.Errorf("predictive: %+v", p) // a voicemail is not a main recording
	}
	m := readGolden(t, "required_only")
	if m.CallDuration != "0" || m.ContactType != "" || m.ContactDisposition != "" || *m.TalkTime != 0 || m.AgentIds != "" ||
		m.RecordingReady || m.SatisfactionIndex != 0 || m.StartTime != 1700000400000 || m.ReleaseTime != 0 {
		t.Errorf("required only: %+v", m)
	}
}

// The strict check fails when any number of a golden file arrives as a
// string, when CallDuration arrives as a number, or on an unknown field.
func TestStrictDecodeRejectsWrongTypes(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "answered_inbound.golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	doc := decodeAny(t, b).(map[string]any)
	n := 0
	for k, v := range doc {
		var mutated any
		switch x := v.(type) {
		case json.Number:
			mutated = x.String()
		case string:
			mutated = json.Number("30")
		case bool:
			mutated = "true"
		}
		doc[k] = mutated
		m, _ := json.Marshal(doc)
		if _, err := strictDecode(m); err == nil {
			t.Errorf("%s: %v sent as %#v decoded", k, v, mutated)
		}
		doc[k] = v
		n++
	}
	if n != len(mappingtest.JSONFields(CallDetailRecord{})) {
		t.Errorf("%d fields checked", n)
	}
	if _, err := strictDecode(append([]byte(`{"Unknown":1,`), b[1:]...)); err == nil {
		t.Error("an unknown field decoded")
	}
}
