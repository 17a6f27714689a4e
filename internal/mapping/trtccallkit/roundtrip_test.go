package trtccallkit

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/google/go-cmp/cmp"
)

// roundTrip checks invariant R: Render(Ingest(x)) is x byte for byte,
// before and after Prepare.
func roundTrip(t *testing.T, x []byte) *cdr.Record {
	t.Helper()
	r, err := Ingest(x)
	if err != nil {
		t.Fatalf("Ingest: %v", err)
	}
	for _, stage := range []string{"ingested", "prepared"} {
		got, err := Render(r, 999)
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

func TestRoundTripSeed(t *testing.T) {
	body, err := os.ReadFile("testdata/seed_response.json")
	if err != nil {
		t.Fatal(err)
	}
	objs, err := ParseList(body)
	if err != nil || len(objs) != 3 {
		t.Fatalf("ParseList: %d objects, %v", len(objs), err)
	}
	for i, o := range objs {
		r := roundTrip(t, o)
		id := "2ae7d549-c441-4a9b-87c0-61810fe1958" + string(rune('1'+i))
		start := []int64{1688709003, 1688709303, 1688709903}[i] * 1000
		want := &cdr.Record{
			Tenant: "acme", Channel: cdr.ChannelRTC, Source: cdr.SourceTRTCCallKit, SourceID: id,
			ID: cdr.RecordID("acme", cdr.SourceTRTCCallKit, id), Version: 1700000000000,
			StartAt: start, AnswerAt: new(start), EndAt: new(int64(1689150030000)),
			Direction: cdr.DirectionInternal, CallType: cdr.CallTypeDirect, Media: cdr.MediaVideo,
			Disposition: cdr.DispositionFailed, DispositionRaw: "offline", HangupBy: cdr.HangupByUnknown,
			Caller: cdr.Party{Address: "123"}, Callee: cdr.Party{Address: "111"}, RoomID: "456",
			TalkS: new((1689150030000 - start) / 1000), TotalS: new((1689150030000 - start) / 1000),
			Participants: []cdr.Participant{{Seq: 0, Role: "callee", ID: "111"}, {Seq: 1, Role: "callee", ID: "123"}},
		}
		got := withoutRaw(r)
		got.Hash = nil
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("seed record %d (-want +got):\n%s", i, d)
		}
	}
}

// A CallRecord for example 3 of docs/record-model.md §6.5, built from the
// table of docs/mapping-trtc-callkit.md, Fields.
const example3 = `{"callId":"7c1e0a52-5f0b-4c1e-9d7a-2f3b9a6c8e10","sdkAppId":1400000001,"mediaType":"video",
 "roomId":"room-88231","startCallTs":1700100000,"acceptTs":1700100008,"endTs":1700101200,"caller":"user_alice",
 "totalUserNumber":4,"callType":"group","callResult":"normal_end","callees":["user_bob","user_carol","user_dave"]}`

const example3Record = `{"id":"rec_x3bulfaarzqlfbnxntuggi5d","tenant":"acme","channel":"rtc","source":"trtc_callkit",
 "source_id":"7c1e0a52-5f0b-4c1e-9d7a-2f3b9a6c8e10","version":1700101500789,
 "start_at":1700100000000,"answer_at":1700100008000,"end_at":1700101200000,
 "direction":"internal","call_type":"conference","media":"video",
 "disposition":"answered","disposition_raw":"normal_end","hangup_by":"unknown",
 "caller":{"address":"user_alice"},"callee":{"address":"user_bob"},
 "talk_s":1192,"total_s":1200,"participant_count":4,"room_id":"room-88231",
 "participants":[{"seq":0,"role":"callee","id":"user_bob"},{"seq":1,"role":"callee","id":"user_carol"},
   {"seq":2,"role":"callee","id":"user_dave"}]}`

func TestExample3(t *testing.T) {
	r := roundTrip(t, []byte(example3))
	r.Version = 1700101500789
	mustPrepare(t, r)
	var want cdr.Record
	if err := json.Unmarshal([]byte(example3Record), &want); err != nil {
		t.Fatal(err)
	}
	got := withoutRaw(r)
	got.Hash = nil
	if d := cmp.Diff(&want, got); d != "" {
		t.Errorf("example 3 (-want +got):\n%s", d)
	}
}

var edgeCases = []struct {
	name  string
	x     string
	check func(t *testing.T, r *cdr.Record)
}{
	{"required only", `{"callId":"c-1","startCallTs":1700000000}`,
		func(t *testing.T, r *cdr.Record) {
			if r.AnswerAt != nil || r.EndAt != nil || r.Media != "" || r.Participants != nil || r.Callee.Address != "" ||
				r.ParticipantCount != nil || r.Disposition != cdr.DispositionUnknown || r.DispositionRaw != "" || r.CallType != cdr.CallTypeDirect {
				t.Errorf("absent fields: %+v", r)
			}
		}},
	{"zeros and empties", `{"callId":"z-1","sdkAppId":0,"mediaType":"","roomId":"","startCallTs":1700000000,"acceptTs":0,"endTs":0,
	  "caller":"","totalUserNumber":0,"callType":"","callResult":"","callees":[]}`,
		func(t *testing.T, r *cdr.Record) {
			if r.AnswerAt != nil || r.EndAt != nil || r.ParticipantCount != nil || r.Participants != nil || r.Callee.Address != "" {
				t.Errorf("zeros made values: %+v", r)
			}
		}},
	{"nulls", `{"callId":"n-1","startCallTs":1700000000,"callees":null,"acceptTs":null,"totalUserNumber":null,"callResult":null}`,
		func(t *testing.T, r *cdr.Record) {
			if r.Participants != nil || r.AnswerAt != nil || r.ParticipantCount != nil || r.Disposition != cdr.DispositionUnknown {
				t.Errorf("nulls made values: %+v", r)
			}
		}},
	{"unknown enums", `{"callId":"u-1","startCallTs":1700000000,"mediaType":"screen","callType":"broadcast","callResult":"weird"}`,
		func(t *testing.T, r *cdr.Record) {
			if r.Media != "" || r.CallType != cdr.CallTypeDirect || r.Disposition != cdr.DispositionUnknown || r.DispositionRaw != "weird" {
				t.Errorf("%+v", r)
			}
		}},
	{"audio cancel single, empty callee id", `{"callId":"a-1","startCallTs":1700000000,"mediaType":"audio","callType":"single",
	  "callResult":"cancel","callees":["","x"],"endTs":1700000005}`,
		func(t *testing.T, r *cdr.Record) {
			if r.Media != cdr.MediaAudio || r.Disposition != cdr.DispositionCancelled || r.Callee.Address != "" ||
				len(r.Participants) != 2 || r.Participants[1].ID != "x" || *r.TalkS != 0 {
				t.Errorf("%+v", r)
			}
		}},
	{"unicode and escapes", "{\"callId\":\"通话-\\u00e9-🙂\",\"startCallTs\":1700000000,\"caller\":\"用户 \\\"q\\\" </b>&\",\n \"callees\":[\"é\"]}",
		func(t *testing.T, r *cdr.Record) {
			if r.SourceID != "通话-é-🙂" || r.Caller.Address != `用户 "q" </b>&` || r.Caller.Digits != "" || r.Callee.Address != "é" {
				t.Errorf("%+v", r)
			}
		}},
	{"whitespace, key order and unknown fields", "\n { \"startCallTs\" : 1700000000 ,\t\"future\":{\"a\":[1,2.50,true]},\"callId\":\"w-1\" }\r\n",
		func(t *testing.T, r *cdr.Record) {
			if r.SourceID != "w-1" || r.StartAt != 1700000000000 {
				t.Errorf("%+v", r)
			}
		}},
}

func TestRoundTripEdgeCases(t *testing.T) {
	for _, tt := range edgeCases {
		t.Run(tt.name, func(t *testing.T) { tt.check(t, roundTrip(t, []byte(tt.x))) })
	}
}

func TestIngestErrors(t *testing.T) {
	for _, tt := range []struct{ x, field string }{
		{`{"startCallTs":1700000000}`, "callId"},
		{`{"callId":"x"}`, "startCallTs"},
		{`{"callId":"x","startCallTs":"1700000000"}`, "startCallTs"},
		{`{"callId":"x","startCallTs":1700000000,"sdkAppId":"1"}`, "sdkAppId"},
		{`{"callId":"x","startCallTs":1700000000,"sdkAppId":-1}`, "sdkAppId"},
		{`{"callId":"x","startCallTs":1700000000,"callees":"a"}`, "callees"},
		{`{"callId":"x","startCallTs":1700000000,"totalUserNumber":-1}`, "totalUserNumber"},
		{`{"callId":"x","startCallTs":1700000000,"endTs":-1}`, "endTs"},
		{`{"callId":"x","startCallTs":9300000000000000}`, "startCallTs"},
		{`{"callId":1,"startCallTs":1700000000}`, "callId"},
	} {
		_, err := Ingest(json.RawMessage(tt.x))
		fe, ok := err.(*cdr.FieldError)
		if !ok || fe.Field != tt.field {
			t.Errorf("%s: %v, want an error naming %s", tt.x, err, tt.field)
		}
	}
	for _, x := range []string{``, `[]`, `"x"`, `{"callId":"x",`} {
		if _, err := Ingest(json.RawMessage(x)); cdr.ErrorCode(err) != cdr.EINVALID {
			t.Errorf("%q: %v", x, err)
		}
	}
}
