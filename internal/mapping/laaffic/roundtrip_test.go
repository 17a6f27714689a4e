package laaffic

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/google/go-cmp/cmp"
)

// roundTrip checks invariant R: Render(Ingest(x)) is x byte for byte,
// before and after Prepare, whatever zone Render is given.
func roundTrip(t *testing.T, x []byte) *cdr.Record {
	t.Helper()
	r, err := Ingest(x, shanghai)
	if err != nil {
		t.Fatalf("Ingest: %v", err)
	}
	for _, stage := range []string{"ingested", "prepared"} {
		got, err := Render(r, time.UTC)
		if err != nil {
			t.Fatalf("%s: Render: %v", stage, err)
		}
		if !bytes.Equal(got, x) {
			t.Fatalf("%s: Render(Ingest(x)) is not x:\n%s\n%s", stage, got, x)
		}
		if stage == "ingested" {
			mustPrepare(t, r)
		}
	}
	return r
}

func shanghaiMS(s string) int64 {
	t, err := time.ParseInLocation(TimeLayout, s, shanghai)
	if err != nil {
		panic(err)
	}
	return t.UnixMilli()
}

func TestRoundTripSeed(t *testing.T) {
	body, err := os.ReadFile("testdata/seed_response.json")
	if err != nil {
		t.Fatal(err)
	}
	objs, err := ParseList(body)
	if err != nil || len(objs) != 1 {
		t.Fatalf("ParseList: %d objects, %v", len(objs), err)
	}
	r := roundTrip(t, objs[0])
	want := &cdr.Record{
		Tenant: "acme", Channel: cdr.ChannelVoice, Source: cdr.SourceLaaffic, SourceID: "23112023432602510",
		ID: cdr.RecordID("acme", cdr.SourceLaaffic, "23112023432602510"), Version: 1700000000000,
		StartAt: shanghaiMS("2023-11-20 23:43:12"), AnswerAt: new(shanghaiMS("2023-11-20 23:43:14")), EndAt: new(shanghaiMS("2023-11-20 23:43:26")),
		Direction: cdr.DirectionOutbound, CallType: cdr.CallTypeDirect, Media: cdr.MediaAudio,
		Disposition: cdr.DispositionAnswered, DispositionRaw: "1", HangupBy: cdr.HangupByAgent,
		Caller:      cdr.Party{Address: "91778800001", Digits: "91778800001"},
		Callee:      cdr.Party{Address: "91861****978737", Digits: "91861****978737"},
		CountryCode: "91", CountryName: "India",
		Agents: []cdr.Agent{{Kind: cdr.AgentHuman, Name: "0705C049_053"}},
		Queues: []cdr.Queue{{Name: "agentGroupName"}},
		TalkS:  new(int64(12)), TotalS: new(int64(14)),
		Tags: []string{"tag1"}, Note: "Remark message",
	}
	got := withoutRaw(r)
	got.Hash = nil
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("seed record (-want +got):\n%s", d)
	}
	// Rendered from its canonical fields, the seed comes back as it was,
	// but for the members only raw holds.
	in := renderRecord(t, withoutRaw(r), shanghai)
	var seed Record
	_ = json.Unmarshal(objs[0], &seed)
	seed.CallID, seed.CalledInfo = "", ""
	if d := cmp.Diff(&seed, in); d != "" {
		t.Errorf("canonical render of the seed (-want +got):\n%s", d)
	}
}

// The edge cases of the round trip; check inspects the canonical record.
var edgeCases = []struct {
	name  string
	x     string
	check func(t *testing.T, r *cdr.Record)
}{
	{"required only", `{"callSessionId":"s-1","callStartTime":"2024-01-02 03:04:05"}`,
		func(t *testing.T, r *cdr.Record) {
			if r.TalkS != nil || r.AnswerAt != nil || r.EndAt != nil || r.Agents != nil || r.Queues != nil || r.Tags != nil || r.Recordings != nil ||
				r.Direction != cdr.DirectionUnknown || r.Disposition != cdr.DispositionUnknown || r.HangupBy != cdr.HangupByUnknown || r.DispositionRaw != "" {
				t.Errorf("absent fields: %+v", r)
			}
		}},
	{"empty times, zero duration and zero enums", `{"callSessionId":"z-1","callStartTime":"2024-01-02 03:04:05","answerTime":"","callEndTime":"",
	  "callDuration":0,"callType":0,"hangupReason":0,"hangingDirection":0,"labels":[],"voiceUrl":"","agentName":"","agentGroupName":""}`,
		func(t *testing.T, r *cdr.Record) {
			if r.AnswerAt != nil || r.EndAt != nil || r.TalkS == nil || *r.TalkS != 0 || r.Tags != nil || r.Recordings != nil || r.Agents != nil ||
				r.Disposition != cdr.DispositionNoAnswer || r.DispositionRaw != "0" || r.HangupBy != cdr.HangupByCustomer || r.Direction != cdr.DirectionUnknown {
				t.Errorf("zeros: %+v", r)
			}
		}},
	{"nulls", `{"callSessionId":"n-1","callStartTime":"2024-01-02 03:04:05","callDuration":null,"hangupReason":null,"labels":null,"answerTime":null}`,
		func(t *testing.T, r *cdr.Record) {
			if r.TalkS != nil || r.DispositionRaw != "" || r.Tags != nil || r.AnswerAt != nil {
				t.Errorf("nulls made values: %+v", r)
			}
		}},
	{"unicode and escapes", "{\"callSessionId\":\"会话-\u00e9-🙂\",\"callStartTime\":\"2024-01-02 03:04:05\",\"agentName\":\"坐席小王 \\\"q\\\" </b>&\",\n \"remark\":\"备注\\n\\u00e9\",\"labels\":[\"意向客户\",\"\",\"a,b\"]}",
		func(t *testing.T, r *cdr.Record) {
			if r.SourceID != "会话-é-🙂" || r.Agents[0].Name != "坐席小王 \"q\" </b>&" || r.Note != "备注\né" || len(r.Tags) != 3 || r.Tags[2] != "a,b" {
				t.Errorf("unicode: %+v %q %q", r.Agents, r.Note, r.Tags)
			}
		}},
	{"masked numbers", `{"callSessionId":"m-1","callStartTime":"2024-01-02 03:04:05","caller":"138****5678","called":"0086 20 6666 8888"}`,
		func(t *testing.T, r *cdr.Record) {
			if r.Caller.Address != "138****5678" || r.Caller.Digits != "138****5678" || r.Callee.Digits != "862066668888" {
				t.Errorf("masked: %+v %+v", r.Caller, r.Callee)
			}
		}},
	{"inbound not answered, customer hung up; push variant", `{"callSessionId":"p-1","callStartTime":"2024-01-02 03:04:05","callType":2,
	  "hangupReason":8,"hangingDirection":0,"agentAccount":"seat01","agentName":"Ann","voiceUrl":"https://x.example/r.mp3","hangupCode":"487"}`,
		func(t *testing.T, r *cdr.Record) {
			want := []cdr.Agent{{Kind: "human", ID: "seat01", Name: "Ann"}}
			if r.Disposition != cdr.DispositionAbandoned || r.Direction != cdr.DirectionInbound || cmp.Diff(want, r.Agents) != "" ||
				r.Recordings[0].URL != "https://x.example/r.mp3" || r.Recordings[0].Kind != "main" {
				t.Errorf("%+v", r)
			}
		}},
	{"unmapped enums", `{"callSessionId":"u-1","callStartTime":"2024-01-02 03:04:05","callType":7,"hangupReason":42,"hangingDirection":2}`,
		func(t *testing.T, r *cdr.Record) {
			if r.Direction != cdr.DirectionUnknown || r.Disposition != cdr.DispositionUnknown || r.DispositionRaw != "42" || r.HangupBy != cdr.HangupByUnknown {
				t.Errorf("%+v", r)
			}
		}},
	{"v3 record, whitespace, key order and unknown fields", "\n { \"keyId\":\"k-9\", \"callStartTime\" : \"2024-01-02 03:04:05\" ,\t\"future\":{\"a\":[1,2.50,true]},\"callSessionId\":\"w-1\",\"encryptCalled\":\"138****5678\" }\r\n",
		func(t *testing.T, r *cdr.Record) {
			if r.SourceID != "w-1" {
				t.Errorf("%+v", r)
			}
		}},
}

func TestRoundTripEdgeCases(t *testing.T) {
	for _, tt := range edgeCases {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, roundTrip(t, []byte(tt.x)))
		})
	}
}

func TestIngestErrors(t *testing.T) {
	const ok = `"callSessionId":"x","callStartTime":"2024-01-02 03:04:05"`
	for _, tt := range []struct{ x, field string }{
		{`{"callStartTime":"2024-01-02 03:04:05"}`, "callSessionId"},
		{`{"callSessionId":"x"}`, "callStartTime"},
		{`{` + ok + `,"callDuration":"12"}`, "callDuration"},
		{`{` + ok + `,"callDuration":12.5}`, "callDuration"},
		{`{` + ok + `,"callDuration":-1}`, "callDuration"},
		{`{` + ok + `,"callType":"3"}`, "callType"},
		{`{` + ok + `,"hangupReason":"1"}`, "hangupReason"},
		{`{` + ok + `,"hangingDirection":true}`, "hangingDirection"},
		{`{` + ok + `,"labels":"tag1"}`, "labels"},
		{`{` + ok + `,"caller":91778800001}`, "caller"},
		{`{"callSessionId":"x","callStartTime":"2024-01-02T03:04:05"}`, "callStartTime"},
		{`{"callSessionId":"x","callStartTime":"2024-01-02 3:04:05"}`, "callStartTime"},
		{`{` + ok + `,"answerTime":"2024-01-02 03:04:05.5"}`, "answerTime"},
		{`{` + ok + `,"callEndTime":"2024-13-02 03:04:05"}`, "callEndTime"},
	} {
		_, err := Ingest(json.RawMessage(tt.x), shanghai)
		fe, ok := err.(*cdr.FieldError)
		if !ok || fe.Field != tt.field {
			t.Errorf("%s: %v, want an error naming %s", tt.x, err, tt.field)
		}
	}
	for _, x := range []string{``, `[]`, `"x"`, `{"callSessionId":"x",`} {
		if _, err := Ingest(json.RawMessage(x), nil); cdr.ErrorCode(err) != cdr.EINVALID {
			t.Errorf("%q: %v", x, err)
		}
	}
}
