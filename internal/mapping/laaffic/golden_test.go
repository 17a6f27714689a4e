package laaffic

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

// nativeRecords are voice records of a native PBX that ccRecordQuery must
// list in its own shape (docs/record-model.md §5), rendered in Asia/Shanghai.
func nativeRecords() map[string]*cdr.Record {
	at := func(s int64) *int64 { return new(1700000000000 + s*1000) }
	return map[string]*cdr.Record{
		// Answered inbound: an AI agent before the human one, two queues,
		// a voicemail before the main recording, tags, a note, a country.
		"answered_inbound": {
			Channel: cdr.ChannelVoice, Source: cdr.SourceNative, SourceID: "pbx-1001", StartAt: 1700000000500,
			QueuedAt: at(10), RingAt: at(20), AnswerAt: at(25), EndAt: at(325),
			Direction: cdr.DirectionInbound, Disposition: cdr.DispositionAnswered, DispositionRaw: "ANSWERED", HangupBy: cdr.HangupByCustomer,
			Caller: cdr.Party{Address: "+86 139-1234-5678"}, Callee: cdr.Party{Address: "4008001234"},
			CountryCode: "86", CountryName: "China",
			Agents: []cdr.Agent{{Kind: cdr.AgentAI, ID: "bot-1", Name: "Bot"}, {ID: "a.chen", Name: "Chen, An"}},
			Queues: []cdr.Queue{{ID: "sales-01", Name: "Sales"}, {ID: "42", Name: "Overflow"}},
			Recordings: []cdr.Recording{{Kind: cdr.RecordingVoicemail, URL: "https://pbx.example/vm/1.wav"},
				{URL: "https://pbx.example/rec/1001.wav", DurationS: new(int64(300))}},
			Tags: []string{"vip", "意向客户"}, Note: "callback requested",
		},
		// Predictive outbound, abandoned by the agent side; system hangup.
		"predictive_abandoned": {
			Channel: cdr.ChannelVoice, Source: cdr.SourceNative, SourceID: "pbx-1002", StartAt: 1700000100000,
			EndAt: new(int64(1700000160000)), Direction: cdr.DirectionOutbound, CallType: cdr.CallTypePredictive,
			Disposition: cdr.DispositionAbandoned, HangupBy: cdr.HangupBySystem,
			Caller: cdr.Party{Address: "02066668888"}, Callee: cdr.Party{Address: "138****5678"},
		},
		// Outbound, busy; a protected callee; a recording without a URL.
		"outbound_busy": {
			Channel: cdr.ChannelVoice, Source: cdr.SourceNative, SourceID: "pbx-1003", StartAt: 1700000200000,
			RingAt: new(int64(1700000202000)), EndAt: new(int64(1700000232000)), TalkS: new(int64(0)),
			Direction: cdr.DirectionOutbound, Disposition: cdr.DispositionBusy, HangupBy: cdr.HangupByAgent,
			Caller: cdr.Party{Address: "4008001234"}, Callee: cdr.Party{ProtectedID: "pe_1"},
			Agents:     []cdr.Agent{{ID: "b.li", Name: "Li Bo"}},
			Recordings: []cdr.Recording{{DurationS: new(int64(3))}},
		},
		// Only the required fields: unknown direction, disposition and
		// hangup side omit all three enums.
		"required_only": {
			Channel: cdr.ChannelVoice, Source: cdr.SourceNative, SourceID: "pbx-1005", StartAt: 1700000400000,
		},
	}
}

func TestRenderGolden(t *testing.T) {
	for name, r := range nativeRecords() {
		t.Run(name, func(t *testing.T) {
			mustPrepare(t, r)
			out, err := Render(r, shanghai)
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, name, out)
			v3, err := RenderV3(r, shanghai)
			if err != nil {
				t.Fatal(err)
			}
			var got RecordV3
			dec := json.NewDecoder(bytes.NewReader(v3))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&got); err != nil {
				t.Fatal(err)
			}
			l, _ := strictDecode(out)
			if got.KeyID != r.ID || got.EncryptCalled != MaskCalled(l.Called) {
				t.Errorf("v3: keyId %q encryptCalled %q", got.KeyID, got.EncryptCalled)
			}
			if b, _ := cdr.EncodeJSON(&got.Record); !bytes.Equal(b, out) {
				t.Errorf("v3 differs beyond keyId and encryptCalled:\n%s\n%s", b, out)
			}
		})
	}
}

func checkGolden(t *testing.T, name string, out []byte) {
	t.Helper()
	mappingtest.CheckGolden(t, name, out, *update, func(b []byte) error { _, err := strictDecode(b); return err })
}

func readGolden(t *testing.T, name string) *Record {
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

// The golden files hold what docs/mapping-laaffic.md and
// docs/record-model.md §5 R2–R5 demand.
func TestRenderGoldenContent(t *testing.T) {
	for name, r := range nativeRecords() {
		mustPrepare(t, r)
		if in := readGolden(t, name); in.CallSessionID != r.ID || in.CallID != "" || in.HangupCode != "" { // R2, R5
			t.Errorf("%s: callSessionId %q, want %q", name, in.CallSessionID, r.ID)
		}
	}
	a := readGolden(t, "answered_inbound")
	if *a.CallType != 2 || *a.HangupReason != 9 || *a.HangingDirection != 0 || *a.CallDuration != 300 ||
		a.AgentName != "Chen, An" || a.AgentGroupName != "Sales" || a.VoiceURL != "https://pbx.example/rec/1001.wav" ||
		a.CallStartTime != "2023-11-15 06:13:20" || a.AnswerTime != "2023-11-15 06:13:45" || a.CallEndTime != "2023-11-15 06:18:45" ||
		a.Ccode != "86" || a.CcodeName != "China" || len(a.Labels) != 2 || a.Remark != "callback requested" {
		t.Errorf("answered: %+v", a)
	}
	p := readGolden(t, "predictive_abandoned")
	if *p.CallType != 1 || *p.HangupReason != 2 || *p.HangingDirection != 3 || p.AnswerTime != "" || *p.CallDuration != 0 || p.Called != "138****5678" {
		t.Errorf("predictive: %+v", p)
	}
	o := readGolden(t, "outbound_busy")
	if *o.CallType != 3 || *o.HangupReason != 7 || *o.HangingDirection != 1 || o.Called != "" || o.VoiceURL != "" || o.AgentName != "Li Bo" {
		t.Errorf("busy: %+v", o)
	}
	m := readGolden(t, "required_only")
	if m.CallType != nil || m.HangupReason != nil || m.HangingDirection != nil || *m.CallDuration != 0 || m.Labels == nil ||
		m.CallEndTime != "" || m.CallStartTime != "2023-11-15 06:20:00" {
		t.Errorf("required only: %+v", m)
	}
}

// The strict check fails when any number of a golden file arrives as a
// string, any string as a number, labels as a string, or on an unknown
// field.
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
		case []any:
			mutated = "vip"
		}
		doc[k] = mutated
		m, _ := json.Marshal(doc)
		if _, err := strictDecode(m); err == nil {
			t.Errorf("%s: %v sent as %#v decoded", k, v, mutated)
		}
		doc[k] = v
		n++
	}
	if n != len(mappingtest.JSONFields(Record{}))-1 { // all but agentAccount
		t.Errorf("%d fields checked", n)
	}
	if _, err := strictDecode(append([]byte(`{"unknown":1,`), b[1:]...)); err == nil {
		t.Error("an unknown field decoded")
	}
}
