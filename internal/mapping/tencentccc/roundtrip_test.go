package tencentccc

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/google/go-cmp/cmp"
)

// roundTrip checks invariant R: Render(Ingest(x)) is x byte for byte, and
// (unless prepareErr names the field Prepare must reject) the ingested
// record passes Prepare, after which Render still returns x.
func roundTrip(t *testing.T, x []byte, prepareErr string) *cdr.Record {
	t.Helper()
	r, err := Ingest(x, nil)
	if err != nil {
		t.Fatalf("Ingest: %v", err)
	}
	for _, stage := range []string{"ingested", "prepared"} {
		got, err := Render(r, 1400000000)
		if err != nil {
			t.Fatalf("%s: Render: %v", stage, err)
		}
		if !bytes.Equal(got, x) {
			t.Fatalf("%s: Render(Ingest(x)) is not x:\n%s\n%s", stage, got, x)
		}
		if d := jsonDiff(t, x, got); d != "" {
			t.Fatalf("%s: not JSON-equal (-want +got):\n%s", stage, d)
		}
		if stage == "ingested" && prepareErr != "" {
			var fe *cdr.FieldError
			if err := r.Prepare(cdr.MustTenantID("acme"), 1); !errors.As(err, &fe) || fe.Field != prepareErr {
				t.Fatalf("Prepare: %v, want an error naming %s", err, prepareErr)
			}
		} else if stage == "ingested" {
			mustPrepare(t, r)
		}
	}
	return r
}

func TestRoundTripSeed(t *testing.T) {
	body, err := os.ReadFile("testdata/seed_response.json")
	if err != nil {
		t.Fatal(err)
	}
	objs, err := ParseList(body)
	if err != nil || len(objs) != 2 {
		t.Fatalf("ParseList: %d objects, %v", len(objs), err)
	}
	for i, x := range objs {
		// The second example ends (EndedTimestamp 1590547606) before it
		// starts (Time 1590547630): the round trip holds, Prepare refuses it.
		r := roundTrip(t, x, []string{"", "end_at"}[i])
		// The seed's values are placeholders ("abc"); check what they become.
		type summary struct {
			Disposition cdr.Disposition
			Direction   cdr.Direction
			HangupBy    cdr.HangupBy
			Queues      []cdr.Queue
			SatRaw      string
			SatScored   bool
			Keys        int
			Recordings  int
		}
		got := summary{r.Disposition, r.Direction, r.HangupBy, r.Queues, r.Satisfaction.Raw, r.Satisfaction.Score != nil, len(r.IVRKeys), len(r.Recordings)}
		want := summary{cdr.DispositionAnswered, cdr.DirectionInbound, cdr.HangupByUnknown, []cdr.Queue{{ID: "100", Name: "abc"}}, "abc", false, 2, 2}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("seed record %d (-want +got):\n%s", i, d)
		}
	}
}

// The edge cases of the round trip; check inspects the canonical record.
var edgeCases = []struct {
	name  string
	x     string
	check func(t *testing.T, r *cdr.Record)
}{
	{"nulls", `{"SessionId":"n-1","Time":1700000000,"Caller":null,"SeatUser":null,"ServeParticipants":null,
	  "IVRKeyPressedEx":null,"PostIVRKeyPressedEx":null,"Duration":null,"EndStatus":null,"Direction":null,"CallType":null,
	  "VoicemailRecordURL":null,"Uui":null,"SkillGroupId":null}`,
		func(t *testing.T, r *cdr.Record) {
			if r.Caller.Address != "" || r.Agents != nil || r.Participants != nil || r.IVRKeys != nil || r.Satisfaction != nil ||
				r.TalkS != nil || r.DispositionRaw != "" || r.Disposition != cdr.DispositionUnknown || r.Direction != cdr.DirectionUnknown {
				t.Errorf("nulls ingested as values: %+v", r)
			}
		}},
	{"zeros", `{"SessionId":"z-1","Time":1700000000,"RingTimestamp":0,"AcceptTimestamp":0,"EndedTimestamp":0,"QueuedTimestamp":0,
	  "Duration":0,"IVRDuration":0,"EndStatus":0,"Direction":0,"CallType":0,"SkillGroupId":0,"QueuedSkillGroupId":0,"AIAgentId":0,
	  "SeatUser":{"Name":"","Role":0,"SkillGroupNameList":[]},"HungUpSide":""}`,
		func(t *testing.T, r *cdr.Record) {
			if r.RingAt != nil || r.AnswerAt != nil || r.EndAt != nil || r.QueuedAt != nil || r.Agents != nil || r.Queues != nil {
				t.Errorf("zero times or ids kept: %+v", r)
			}
			if *r.TalkS != 0 || *r.IVRS != 0 || r.DispositionRaw != "0" || r.Direction != cdr.DirectionInbound {
				t.Errorf("zero durations or codes lost: %+v", r)
			}
		}},
	{"empty arrays", `{"SessionId":"e-1","Time":1700000000,"IVRKeyPressed":[],"IVRKeyPressedEx":[],"PostIVRKeyPressed":[],
	  "PostIVRKeyPressedEx":[],"ServeParticipants":[],"VoicemailRecordURL":[],"VoicemailAsrURL":[]}`,
		func(t *testing.T, r *cdr.Record) {
			if r.IVRKeys != nil || r.Participants != nil || r.Recordings != nil || r.Satisfaction != nil {
				t.Errorf("empty arrays made values: %+v", r)
			}
		}},
	{"absent fields", `{"Time":1700000000,"SessionId":"a-1"}`,
		func(t *testing.T, r *cdr.Record) {
			if r.TalkS != nil || r.HangupBy != cdr.HangupByUnknown || r.CallType != cdr.CallTypeDirect {
				t.Errorf("absent fields: %+v", r)
			}
		}},
	{"unicode", "{\"SessionId\":\"会话-\u00e9-🙂\",\"Time\":1700000000,\"CallerLocation\":\"广东 广州\",\"Remark\":\"line1\\nline2 \\u00e9 \\\"q\\\" </b>&\",\n  \"SeatUser\":{\"Name\":\"山浓\",\"Nick\":\"\\ud83d\\ude00\"},\"SkillGroup\":\"在线客服\"}",
		func(t *testing.T, r *cdr.Record) {
			if r.SourceID != "会话-é-🙂" || r.Note != "line1\nline2 é \"q\" </b>&" || r.Agents[0].Nick != "😀" || r.Queues[0].Name != "在线客服" {
				t.Errorf("unicode: %+v", r)
			}
		}},
	{"masked numbers", `{"SessionId":"m-1","Time":1700000000,"Caller":"138****5678","Callee":"0086 20 6666 8888","Direction":1}`,
		func(t *testing.T, r *cdr.Record) {
			if r.Caller.Address != "138****5678" || r.Caller.Digits != "138****5678" || r.Callee.Digits != "862066668888" {
				t.Errorf("masked: %+v %+v", r.Caller, r.Callee)
			}
		}},
	{"protected numbers", `{"SessionId":"p-1","Time":1700000000,"Caller":"","Callee":"","ProtectedCaller":"pc_8f2a","ProtectedCallee":"pe_11c0"}`,
		func(t *testing.T, r *cdr.Record) {
			want := cdr.Party{ProtectedID: "pc_8f2a"}
			if r.Caller != want || r.Callee.ProtectedID != "pe_11c0" || r.Callee.Address != "" {
				t.Errorf("protected: %+v %+v", r.Caller, r.Callee)
			}
		}},
	{"several transfers", `{"SessionId":"t-1","Time":1700000000,"ServeParticipants":[
	  {"Sequence":0,"Type":"staffSeat","Mail":"a@x","TransferTo":"b@x","TransferToType":"staffSeat","StartTimestamp":1700000001},
	  {"Sequence":1,"Type":"staffPhoneSeat","Mail":"b@x","Phone":"008613900000000","TransferFrom":"a@x","TransferFromType":"staffSeat","TransferTo":"c@x","TransferToType":"outboundSeat","SkillGroupId":7,"RecordId":"r2","RecordURL":"u2","CustomRecordURL":"c2"},
	  {"Sequence":2,"Type":"outboundSeat","Mail":"c@x","TransferFrom":"b@x","TransferFromType":"staffPhoneSeat","EndStatusString":"notAnswer","EndedTimestamp":1700000099}]}`,
		func(t *testing.T, r *cdr.Record) {
			want := []cdr.Participant{
				{Seq: 0, Role: "agent", Type: "staffSeat", Email: "a@x", TransferTo: "b@x", TransferToType: "staffSeat", StartAt: new(int64(1700000001000))},
				{Seq: 1, Role: "agent", Type: "staffPhoneSeat", Email: "b@x", Address: "008613900000000", TransferFrom: "a@x", TransferFromType: "staffSeat",
					TransferTo: "c@x", TransferToType: "outboundSeat", QueueID: "7", RecordingID: "r2", RecordingURL: "u2", RecordingCopyURL: "c2"},
				{Seq: 2, Role: "agent", Type: "outboundSeat", Email: "c@x", TransferFrom: "b@x", TransferFromType: "staffPhoneSeat", StatusRaw: "notAnswer", EndAt: new(int64(1700000099000))},
			}
			if d := cmp.Diff(want, r.Participants); d != "" {
				t.Errorf("participants (-want +got):\n%s", d)
			}
		}},
	{"survey noInput", `{"SessionId":"s-1","Time":1700000000,"EndStatus":1,
	  "PostIVRKeyPressedEx":[{"Key":"noInput","Label":"","Timestamp":1700000100000},{"Key":"2","Label":"Neutral","Timestamp":1700000105000}]}`,
		func(t *testing.T, r *cdr.Record) {
			want := &cdr.Satisfaction{Score: new(3), Raw: "2", Label: "Neutral", Channel: "ivr", Offered: true}
			if d := cmp.Diff(want, r.Satisfaction); d != "" || len(r.IVRKeys) != 2 || r.IVRKeys[0].Key != "noInput" {
				t.Errorf("satisfaction (-want +got):\n%s\nkeys %+v", d, r.IVRKeys)
			}
		}},
	{"AI agent", `{"SessionId":"ai-1","Time":1700000000,"CallType":2,"EndStatus":233,"EndStatusString":"aiAgentEndCall",
	  "AIAgentId":9001,"AIAgentName":"Xiao Ai","SeatUser":{},"HungUpSide":"system","SysHangupReason":3}`,
		func(t *testing.T, r *cdr.Record) {
			want := []cdr.Agent{{Kind: "ai", ID: "9001", Name: "Xiao Ai"}}
			if d := cmp.Diff(want, r.Agents); d != "" || r.Disposition != cdr.DispositionSelfService || r.HangupBy != cdr.HangupBySystem {
				t.Errorf("agents (-want +got):\n%s\n%+v", d, r)
			}
		}},
	{"whitespace, key order and unknown fields", "\n { \"Time\" : 1700000000 ,\t\"FutureField\":{\"a\":[1,2.50,true]},\"SessionId\":\"w-1\" ,\"EndStatus\":206}\r\n",
		func(t *testing.T, r *cdr.Record) {
			if r.SourceID != "w-1" || r.Disposition != cdr.DispositionBusy {
				t.Errorf("%+v", r)
			}
		}},
}

func TestRoundTripEdgeCases(t *testing.T) {
	for _, tt := range edgeCases {
		t.Run(tt.name, func(t *testing.T) {
			r := roundTrip(t, []byte(tt.x), "")
			tt.check(t, r)
		})
	}
}

func TestRenderRawOnlyForOwnSource(t *testing.T) {
	r := mustPrepare(t, mustIngest(t, example1))
	// A record of another source carrying a Raw (not a TelCdrInfo) is built
	// from its canonical fields, its SessionId being the cdrhub id.
	r.Source, r.SourceID = cdr.SourceNative, "pbx-1"
	r.ID = ""
	mustPrepare(t, r)
	out, err := Render(r, 0)
	if err != nil {
		t.Fatal(err)
	}
	info, err := strictDecode(out)
	if err != nil {
		t.Fatal(err)
	}
	if info.SessionId != r.ID || info.UUI != "" || info.SeatUser.UserId != "zhang.min@acme.example" {
		t.Errorf("native render: %s", out)
	}
	for _, ch := range []cdr.Channel{cdr.ChannelRTC, cdr.ChannelChat, ""} {
		r.Channel = ch
		if _, err := Render(r, 0); err == nil {
			t.Errorf("channel %q rendered", ch)
		}
		if Terms(r) != nil {
			t.Errorf("channel %q has terms", ch)
		}
	}
	if _, err := Render(nil, 0); err == nil {
		t.Error("nil rendered")
	}
}

// A tencent_ccc record without raw (a canonical line naming the source)
// renders its own code from disposition_raw (R1), its SessionId from
// source_id (R2).
func TestRenderOwnSourceWithoutRaw(t *testing.T) {
	r := mustPrepare(t, &cdr.Record{Channel: cdr.ChannelVoice, Source: cdr.SourceTencentCCC, SourceID: "sess-9",
		StartAt: 1700000000000, Disposition: cdr.DispositionFailed, DispositionRaw: "204", Direction: cdr.DirectionOutbound})
	info := renderInfo(t, r)
	if info.SessionId != "sess-9" || *info.EndStatus != 204 || info.EndStatusString != "powerOff" {
		t.Errorf("SessionId %q EndStatus %d %q", info.SessionId, *info.EndStatus, info.EndStatusString)
	}
	r.DispositionRaw = "powerOff" // not a code: the foreign column applies
	if info := renderInfo(t, r); *info.EndStatus != 208 || info.EndStatusString != "operatorError" {
		t.Errorf("EndStatus %d %q", *info.EndStatus, info.EndStatusString)
	}
}

func renderInfo(t *testing.T, r *cdr.Record) *TelCdrInfo {
	t.Helper()
	out, err := Render(r, 0)
	if err != nil {
		t.Fatal(err)
	}
	info, err := strictDecode(out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if p := findNull(decodeAny(t, out), "$"); p != "" {
		t.Errorf("null at %s in %s", p, out)
	}
	return info
}

func TestRenderProtected(t *testing.T) {
	raw := `{"Caller":"+8613912345678","SessionId":"p-2","caller":"13800000000","Time":1700000000,
	  "ProtectedCaller":"pc_1","Remark":"x\u00e9","Callee":null,"Nested":{"Caller":"keep"},"ProtectedCallee":null}`
	r := mustPrepare(t, mustIngest(t, raw))
	got, err := RenderProtected(r, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Caller":"","SessionId":"p-2","caller":"","Time":1700000000,"ProtectedCaller":"pc_1","Remark":"x\u00e9",` +
		`"Callee":"","Nested":{"Caller":"keep"},"ProtectedCallee":""}`
	if string(got) != want {
		t.Errorf("RenderProtected raw:\n got %s\nwant %s", got, want)
	}
	// Absent members are added; a canonical render empties the numbers.
	r = mustPrepare(t, mustIngest(t, `{"SessionId":"p-3","Time":1700000000,"Caller":"1"}`))
	if got, _ := RenderProtected(r, 0); string(got) != `{"SessionId":"p-3","Time":1700000000,"Caller":"","Callee":"","ProtectedCaller":"","ProtectedCallee":""}` {
		t.Errorf("RenderProtected raw without members: %s", got)
	}
	n := mustPrepare(t, &cdr.Record{Channel: cdr.ChannelVoice, Source: cdr.SourceNative, SourceID: "x", StartAt: 1700000000000,
		Caller: cdr.Party{Address: "+8613912345678"}, Callee: cdr.Party{ProtectedID: "pe_2"}})
	out, err := RenderProtected(n, 0)
	if err != nil {
		t.Fatal(err)
	}
	info, err := strictDecode(out)
	if err != nil || info.Caller != "" || info.Callee != "" || info.ProtectedCaller != "" || info.ProtectedCallee != "pe_2" {
		t.Errorf("RenderProtected canonical: %s %v", out, err)
	}
}

func TestTermsFromRaw(t *testing.T) {
	r := mustIngest(t, `{"SessionId":"s","Time":1700000000,"EndStatus":-0,"Direction":1}`)
	want := []cdr.Term{{Kind: "tencent_ccc.EndStatus", Value: "0"}, {Kind: "tencent_ccc.Direction", Value: "1"}}
	if d := cmp.Diff(want, Terms(r)); d != "" {
		t.Errorf("Terms of a raw without CallType (-want +got):\n%s", d)
	}
	// Terms follow the output, not the canonical fields.
	r.Disposition, r.Direction = cdr.DispositionBusy, cdr.DirectionInbound
	if d := cmp.Diff(want, Terms(r)); d != "" {
		t.Errorf("Terms after a canonical change (-want +got):\n%s", d)
	}
	var _ json.RawMessage = r.Raw
}
