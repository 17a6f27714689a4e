package tencentccc

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cdrhub/cdrhub/internal/mapping/mappingtest"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the current output")

// nativeRecords are voice records of a native PBX, built from scratch, that
// DescribeTelCdr must list in its own shape (docs/record-model.md §5).
func nativeRecords() map[string]*cdr.Record {
	at := func(s int64) *int64 { return new(1700000000000 + s*1000) }
	return map[string]*cdr.Record{
		// Answered inbound call: agent, two queues (the first id is not an
		// integer: R7), a recording, an IVR key and a CSAT score given
		// without survey keys.
		"answered_inbound": {
			Channel: cdr.ChannelVoice, Source: cdr.SourceNative, SourceID: "pbx-1001", StartAt: 1700000000000,
			QueuedAt: at(10), RingAt: at(20), AnswerAt: at(25), EndAt: at(325),
			Direction: cdr.DirectionInbound, Disposition: cdr.DispositionAnswered, DispositionRaw: "ANSWERED",
			HangupBy: cdr.HangupByCustomer,
			Caller:   cdr.Party{Address: "+86 139-1234-5678", Location: "Beijing"}, Callee: cdr.Party{Address: "4008001234"},
			Agents: []cdr.Agent{{ID: "a.chen", Name: "Chen An", Email: "a.chen@acme.example", StaffNumber: "0042",
				Extension: "8042", Role: "supervisor", Groups: []string{"Sales", "VIP"}}},
			Queues:       []cdr.Queue{{ID: "sales-01", Name: "Sales"}, {ID: "42", Name: "Overflow"}},
			IVRS:         new(int64(10)),
			Satisfaction: &cdr.Satisfaction{Score: new(5), Raw: "5", Channel: "sms", Offered: true},
			Recordings:   []cdr.Recording{{URL: "https://pbx.example/rec/1001.wav", DurationS: new(int64(300))}},
			IVRKeys:      []cdr.IVRKey{{Key: "1", Label: "Sales", At: new(int64(1700000005000))}},
			Participants: []cdr.Participant{{Seq: 0, Role: cdr.RoleAgent, Email: "a.chen@acme.example", AnswerAt: at(25), EndAt: at(325), QueueID: "42"},
				{Seq: 1, Role: cdr.RoleCallee, Address: "13800000000"}},
			Tags: []string{"vip"}, Note: "callback requested",
		},
		// Abandoned while queued: EndStatus 103 (queued_at, no ring_at).
		"abandoned_in_queue": {
			Channel: cdr.ChannelVoice, Source: cdr.SourceNative, SourceID: "pbx-1002", StartAt: 1700000100000,
			QueuedAt: new(int64(1700000108000)), EndAt: new(int64(1700000160000)),
			Direction: cdr.DirectionInbound, Disposition: cdr.DispositionAbandoned, HangupBy: cdr.HangupByCustomer,
			Caller: cdr.Party{Address: "02066668888"}, Callee: cdr.Party{Address: "4008001234"},
			Queues: []cdr.Queue{{ID: "7", Name: "Support"}},
		},
		// Outbound, not answered: EndStatus 202, no AcceptTimestamp.
		"outbound_no_answer": {
			Channel: cdr.ChannelVoice, Source: cdr.SourceNative, SourceID: "pbx-1003", StartAt: 1700000200000,
			RingAt: new(int64(1700000202000)), EndAt: new(int64(1700000232000)), TalkS: new(int64(0)),
			Direction: cdr.DirectionOutbound, Disposition: cdr.DispositionNoAnswer, HangupBy: cdr.HangupBySystem,
			Caller: cdr.Party{Address: "4008001234"}, Callee: cdr.Party{Address: "138****5678"},
			Agents: []cdr.Agent{{Kind: cdr.AgentAI, ID: "77", Name: "Dialer bot"}, {ID: "b.li", Name: "Li Bo", Role: "3"}},
		},
		// Only the required fields.
		"required_only": {
			Channel: cdr.ChannelVoice, Source: cdr.SourceNative, SourceID: "pbx-1004", StartAt: 1700000300000,
		},
		// A protected caller; a recording that exists but has no URL.
		"protected_party": {
			Channel: cdr.ChannelVoice, Source: cdr.SourceNative, SourceID: "pbx-1005", StartAt: 1700000400000,
			AnswerAt: new(int64(1700000405000)), EndAt: new(int64(1700000465000)),
			Direction: cdr.DirectionInbound, Disposition: cdr.DispositionTransferred, HangupBy: cdr.HangupByAgent,
			Caller: cdr.Party{ProtectedID: "pc_5f0c8a2e"}, Callee: cdr.Party{Address: "4008001234"},
			Recordings: []cdr.Recording{{Kind: cdr.RecordingMain, DurationS: new(int64(60))},
				{Kind: cdr.RecordingVoicemail, URL: "https://pbx.example/vm/1.wav"}},
		},
	}
}

func TestRenderGolden(t *testing.T) {
	for name, r := range nativeRecords() {
		t.Run(name, func(t *testing.T) {
			mustPrepare(t, r)
			out, err := Render(r, 1400000000)
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, name, out)
			protected, err := RenderProtected(r, 1400000000)
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, name+".protected", protected)
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

// The golden files hold what R2, R4, R5 and R7 demand.
func TestRenderGoldenContent(t *testing.T) {
	recs := nativeRecords()
	read := func(name string) *TelCdrInfo {
		b, err := os.ReadFile(filepath.Join("testdata", name+".golden.json"))
		if err != nil {
			t.Fatal(err)
		}
		info, err := strictDecode(b)
		if err != nil {
			t.Fatal(err)
		}
		return info
	}
	for name, r := range recs {
		mustPrepare(t, r)
		if info := read(name); info.SessionId != r.ID { // R2
			t.Errorf("%s: SessionId %q, want the cdrhub id %q", name, info.SessionId, r.ID)
		}
	}
	a := read("answered_inbound")
	if len(a.PostIVRKeyPressedEx) != 0 || len(a.PostIVRKeyPressed) != 0 { // R5: no key from a score
		t.Errorf("a survey key was made from the score: %+v", a.PostIVRKeyPressedEx)
	}
	if a.SkillGroupId != 0 || a.SkillGroup != "Sales" || a.QueuedSkillGroupId != 42 || a.SeatUser.Role != 0 { // R7
		t.Errorf("R7: SkillGroupId %d %q QueuedSkillGroupId %d Role %d", a.SkillGroupId, a.SkillGroup, a.QueuedSkillGroupId, a.SeatUser.Role)
	}
	if len(a.ServeParticipants) != 1 || a.ServeParticipants[0].SkillGroupId != 42 || *a.Duration != 300 || *a.EndStatus != 1 {
		t.Errorf("answered: %+v", a)
	}
	m := read("required_only")
	if *m.Duration != 0 || *m.IVRDuration != 0 || m.RecordURL != "" || m.AcceptTimestamp != 0 || m.EndedTimestamp != 0 ||
		*m.EndStatus != 0 || m.EndStatusString != "" || m.SeatUser.UserId != "" || m.SeatUser.SkillGroupNameList == nil ||
		*m.CallType != 0 || *m.Direction != 0 || m.Time != 1700000300 { // R4, R5
		t.Errorf("required only: %+v", m)
	}
	o := read("outbound_no_answer")
	if o.AcceptTimestamp != 0 || *o.EndStatus != 202 || o.EndStatusString != "notAnswer" || *o.CallType != 1 || *o.Direction != 1 ||
		o.SeatUser.UserId != "b.li" || o.SeatUser.Role != 3 || o.AIAgentId != 77 || o.HungUpSide != "system" {
		t.Errorf("outbound: %+v", o)
	}
	if q := read("abandoned_in_queue"); *q.EndStatus != 103 || q.EndStatusString != "waitingGiveUp" || q.QueuedSkillGroupId != 7 {
		t.Errorf("abandoned: EndStatus %d %q", *q.EndStatus, q.EndStatusString)
	}
	p := read("protected_party")
	if p.Caller != "" || p.ProtectedCaller != "pc_5f0c8a2e" || p.RecordURL != "" || *p.EndStatus != 1 ||
		strings.Join(p.VoicemailRecordURL, ",") != "https://pbx.example/vm/1.wav" || len(p.VoicemailAsrURL) != 0 {
		t.Errorf("protected: %+v", p)
	}
	if pp := read("answered_inbound.protected"); pp.Caller != "" || pp.Callee != "" || pp.CallerLocation != "Beijing" {
		t.Errorf("protected render: %+v", pp)
	}
}

// The strict check of the golden files fails when any number of a golden
// file arrives as a JSON string, or when a field is unknown to the SDK.
func TestStrictDecodeRejectsStrings(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "answered_inbound.golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	doc := decodeAny(t, b)
	n := 0
	var walk func(v any, set func(any))
	walk = func(v any, set func(any)) {
		switch x := v.(type) {
		case json.Number:
			n++
			set(x.String())
			mutated, _ := json.Marshal(doc)
			if _, err := strictDecode(mutated); err == nil {
				t.Errorf("a number sent as the string %q decoded", x.String())
			}
			set(x)
		case map[string]any:
			for k, e := range x {
				walk(e, func(nv any) { x[k] = nv })
			}
		case []any:
			for i, e := range x {
				walk(e, func(nv any) { x[i] = nv })
			}
		}
	}
	walk(doc, func(any) {})
	if n < 20 {
		t.Errorf("only %d numbers checked", n)
	}
	if _, err := strictDecode(append([]byte(`{"Unknown":1,`), b[1:]...)); err == nil {
		t.Error("an unknown field decoded")
	}
}
