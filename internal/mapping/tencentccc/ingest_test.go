package tencentccc

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/google/go-cmp/cmp"
)

// example1 is example 1 of docs/record-model.md §6.5 as DescribeTelCdr lists
// it, written by hand from the table of docs/mapping-tencent-ccc.md, Fields.
const example1 = `{
 "SessionId": "5f0c8a2e-7731-4c1b-9e55-3a9d2b1c0e7f",
 "Caller": "+8613912345678", "Callee": "+862066668888", "CallerLocation": "Guangdong Guangzhou",
 "ProtectedCaller": "", "ProtectedCallee": "",
 "Time": 1700000000, "StartTimestamp": 1700000000, "QueuedTimestamp": 1700000030,
 "RingTimestamp": 1700000041, "AcceptTimestamp": 1700000045, "EndedTimestamp": 1700000355,
 "Direction": 0, "CallType": 2, "Duration": 300, "IVRDuration": 30,
 "EndStatus": 1, "EndStatusString": "ok", "HungUpSide": "user",
 "SeatUser": {"UserId": "zhang.min@acme.example", "Name": "Zhang Min", "Mail": "zhang.min@acme.example",
   "StaffNumber": "1017", "ExtensionNumber": "8017", "Role": 3, "SkillGroupNameList": ["Billing"],
   "Nick": "", "Phone": ""},
 "SkillGroupId": 101, "SkillGroup": "Billing", "QueuedSkillGroupId": 101, "QueuedSkillGroupName": "Billing",
 "RecordId": "r-7731", "RecordURL": "https://rec.example/7731.mp3", "CustomRecordURL": "",
 "AsrUrl": "https://rec.example/7731.asr.json", "AsrStatus": "Complete",
 "VoicemailRecordURL": [], "VoicemailAsrURL": null,
 "IVRKeyPressed": ["2"],
 "IVRKeyPressedEx": [{"Key": "2", "Label": "Billing", "Timestamp": 1700000012000, "NodeLabel": "Main menu"}],
 "PostIVRKeyPressed": [{"Key": "1", "Label": "Satisfied", "Timestamp": 1700000350000, "NodeLabel": "CSAT"}],
 "PostIVRKeyPressedEx": [{"Key": "1", "Label": "Satisfied", "Timestamp": 1700000350000, "NodeLabel": "CSAT"}],
 "ServeParticipants": [
  {"Sequence": 0, "Type": "staffSeat", "Mail": "zhang.min@acme.example", "Phone": "",
   "StartTimestamp": 1700000041, "RingTimestamp": 1700000041, "AcceptTimestamp": 1700000045, "EndedTimestamp": 1700000120,
   "SkillGroupId": 101, "SkillGroupName": "Billing", "EndStatusString": "ok",
   "TransferTo": "li.wei@acme.example", "TransferToType": "staffSeat"},
  {"Sequence": 1, "Type": "staffSeat", "Mail": "li.wei@acme.example",
   "StartTimestamp": 1700000120, "RingTimestamp": 1700000121, "AcceptTimestamp": 1700000125, "EndedTimestamp": 1700000345,
   "SkillGroupId": 102, "SkillGroupName": "Tier2", "EndStatusString": "ok",
   "TransferFrom": "zhang.min@acme.example", "TransferFromType": "staffSeat"}],
 "AIAgentId": 0, "AIAgentName": "", "Remark": "", "UUI": "order=88231", "SysHangupReason": 0
}`

// example1Record is the record of example 1 of docs/record-model.md §6.5,
// server times omitted.
const example1Record = `{"id":"rec_catpnujtwrzvmslpelalyih5","tenant":"acme","channel":"voice","source":"tencent_ccc",
 "source_id":"5f0c8a2e-7731-4c1b-9e55-3a9d2b1c0e7f","version":1700000460123,
 "start_at":1700000000000,"queued_at":1700000030000,"ring_at":1700000041000,
 "answer_at":1700000045000,"end_at":1700000355000,
 "direction":"inbound","call_type":"direct","media":"audio",
 "disposition":"answered","disposition_raw":"1","hangup_by":"customer",
 "caller":{"address":"+8613912345678","digits":"8613912345678","location":"Guangdong Guangzhou"},
 "callee":{"address":"+862066668888","digits":"862066668888"},
 "agents":[{"kind":"human","id":"zhang.min@acme.example","name":"Zhang Min","email":"zhang.min@acme.example",
   "staff_number":"1017","extension":"8017","role":"3","groups":["Billing"]}],
 "queues":[{"id":"101","name":"Billing"}],
 "talk_s":300,"total_s":355,"ivr_s":30,
 "satisfaction":{"score":5,"raw":"1","label":"Satisfied","channel":"ivr","offered":true},
 "recordings":[{"kind":"main","id":"r-7731","url":"https://rec.example/7731.mp3",
   "transcript_url":"https://rec.example/7731.asr.json","transcript_status":"Complete"}],
 "ivr_keys":[{"phase":"ivr","key":"2","label":"Billing","at":1700000012000,"node":"Main menu"},
   {"phase":"survey","key":"1","label":"Satisfied","at":1700000350000,"node":"CSAT"}],
 "participants":[
   {"seq":0,"role":"agent","type":"staffSeat","email":"zhang.min@acme.example","start_at":1700000041000,
    "ring_at":1700000041000,"answer_at":1700000045000,"end_at":1700000120000,"queue_id":"101",
    "queue_name":"Billing","status_raw":"ok","transfer_to":"li.wei@acme.example","transfer_to_type":"staffSeat"},
   {"seq":1,"role":"agent","type":"staffSeat","email":"li.wei@acme.example","start_at":1700000120000,
    "ring_at":1700000121000,"answer_at":1700000125000,"end_at":1700000345000,"queue_id":"102",
    "queue_name":"Tier2","status_raw":"ok","transfer_from":"zhang.min@acme.example","transfer_from_type":"staffSeat"}]}`

func TestIngestExample1(t *testing.T) {
	r := mustIngest(t, example1)
	r.Version = 1700000460123
	mustPrepare(t, r)
	if string(r.Raw) != example1 {
		t.Error("Raw is not the object byte for byte")
	}
	got, err := json.Marshal(withoutRaw(r))
	if err != nil {
		t.Fatal(err)
	}
	if d := jsonDiff(t, []byte(example1Record), got); d != "" {
		t.Errorf("canonical record of example 1 (-want +got):\n%s", d)
	}
	if want := []cdr.Term{
		{Kind: "tencent_ccc.EndStatus", Value: "1"}, {Kind: "tencent_ccc.CallType", Value: "2"},
		{Kind: "tencent_ccc.Direction", Value: "0"},
	}; !cmp.Equal(Terms(r), want) {
		t.Errorf("Terms (-want +got):\n%s", cmp.Diff(want, Terms(r)))
	}
}

func TestIngestSatisfactionMap(t *testing.T) {
	tenant := func(raw string) (int, bool) {
		s, ok := map[string]int{"1": 4, "9": 7}[raw]
		return s, ok
	}
	for _, tt := range []struct {
		survey string
		want   *cdr.Satisfaction
	}{
		{`[{"Key":"1","Label":"ok"}]`, &cdr.Satisfaction{Score: new(4), Raw: "1", Label: "ok", Channel: "ivr", Offered: true}},
		{`[{"Key":"noInput"},{"Key":"2"}]`, &cdr.Satisfaction{Raw: "2", Channel: "ivr", Offered: true}}, // unmapped
		{`[{"Key":"9"}]`, &cdr.Satisfaction{Raw: "9", Channel: "ivr", Offered: true}},                   // 7 is out of 1–5
		{`[{"Key":"noInput"}]`, &cdr.Satisfaction{Channel: "ivr", Offered: true}},
		{`[]`, nil},
		{`null`, nil},
	} {
		r, err := Ingest(json.RawMessage(`{"SessionId":"s","Time":1700000000,"PostIVRKeyPressedEx":`+tt.survey+`}`), tenant)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(tt.want, r.Satisfaction); d != "" {
			t.Errorf("%s (-want +got):\n%s", tt.survey, d)
		}
	}
}

func TestIngestErrors(t *testing.T) {
	for _, tt := range []struct {
		in, field, msg string
	}{
		{`[]`, "", "JSON object"},
		{`"x"`, "", "JSON object"},
		{`null`, "", "JSON object"},
		{``, "", "JSON object"},
		{`{"SessionId":"s","Time":1700000000`, "", "valid JSON"},
		{`{"SessionId":"s","Time":1700000000} {}`, "", "valid JSON"},
		{`{"Time":1700000000}`, "SessionId", "required"},
		{`{"SessionId":"","Time":1700000000}`, "SessionId", "required"},
		{`{"SessionId":null,"Time":1700000000}`, "SessionId", "required"},
		{`{"SessionId":"s"}`, "Time", "required"},
		{`{"SessionId":"s","Time":"1700000000"}`, "Time", "int64"},
		{`{"SessionId":"s","Time":1.7e9}`, "Time", "int64"},
		{`{"SessionId":7,"Time":1700000000}`, "SessionId", "string"},
		{`{"SessionId":"s","Time":1700000000,"SeatUser":{"Role":"3"}}`, "SeatUser.Role", "int64"},
		{`{"SessionId":"s","Time":1700000000,"ServeParticipants":[{"SkillGroupId":"101"}]}`, "ServeParticipants.SkillGroupId", "int64"},
		{`{"SessionId":"s","Time":1700000000,"RingTimestamp":-1}`, "RingTimestamp", "Unix time"},
		{`{"SessionId":"s","Time":9300000000000000}`, "Time", "Unix time"},
		{`{"SessionId":"s","Time":0,"StartTimestamp":-2}`, "StartTimestamp", "Unix time"},
		{`{"SessionId":"s","Time":1700000000,"ServeParticipants":[{},{"EndedTimestamp":-5}]}`, "ServeParticipants[1].EndedTimestamp", "Unix time"},
	} {
		_, err := Ingest(json.RawMessage(tt.in), nil)
		if err == nil {
			t.Errorf("%s: accepted", tt.in)
			continue
		}
		var fe *cdr.FieldError
		if errors.As(err, &fe) != (tt.field != "") || (fe != nil && fe.Field != tt.field) {
			t.Errorf("%s: error %v, want one naming %q", tt.in, err, tt.field)
		}
		if !strings.Contains(err.Error(), tt.msg) || cdr.ErrorCode(err) != cdr.EINVALID {
			t.Errorf("%s: error %v (code %s), want code invalid and %q", tt.in, err, cdr.ErrorCode(err), tt.msg)
		}
	}
}

// Time falls back on StartTimestamp; a record without CallType takes its
// direction from Direction.
func TestIngestFallbacks(t *testing.T) {
	r := mustIngest(t, `{"SessionId":"s","StartTimestamp":1700000000,"Direction":1,"IVRKeyPressed":["1","#"]}`)
	if r.StartAt != 1700000000000 || r.Direction != cdr.DirectionOutbound || r.CallType != cdr.CallTypeDirect {
		t.Errorf("start_at %d direction %s call_type %s", r.StartAt, r.Direction, r.CallType)
	}
	want := []cdr.IVRKey{{Phase: cdr.PhaseIVR, Key: "1"}, {Phase: cdr.PhaseIVR, Key: "#"}}
	if d := cmp.Diff(want, r.IVRKeys); d != "" {
		t.Errorf("ivr keys from the deprecated IVRKeyPressed (-want +got):\n%s", d)
	}
}
