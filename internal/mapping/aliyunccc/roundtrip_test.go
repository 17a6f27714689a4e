package aliyunccc

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
	r, err := Ingest(x, nil)
	if err != nil {
		t.Fatalf("Ingest: %v", err)
	}
	for _, stage := range []string{"ingested", "prepared"} {
		got, err := Render(r, "other-instance")
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
	if err != nil || len(objs) != 1 {
		t.Fatalf("ParseList: %d objects, %v", len(objs), err)
	}
	r := roundTrip(t, objs[0])
	want := &cdr.Record{
		Tenant: "acme", Channel: cdr.ChannelVoice, Source: cdr.SourceAliyunCCC, SourceID: "job-12515239414412****",
		ID: cdr.RecordID("acme", cdr.SourceAliyunCCC, "job-12515239414412****"), Version: 1700000000000,
		StartAt: 1532448000000, AnswerAt: new(int64(1532448000000)), EndAt: new(int64(1532707199000)),
		Direction: cdr.DirectionOutbound, CallType: cdr.CallTypeDirect, Media: cdr.MediaAudio,
		Disposition: cdr.DispositionAnswered, DispositionRaw: "Success", HangupBy: cdr.HangupByCustomer,
		Caller: cdr.Party{Address: "0533128****", Digits: "0533128****", Location: "北京市-北京"},
		Callee: cdr.Party{Address: "1332315****", Digits: "1332315****", Location: "山东省-济南"},
		Agents: []cdr.Agent{{Kind: cdr.AgentHuman, ID: "agent@ccc-test", Name: "坐席小王"}},
		Queues: []cdr.Queue{{ID: "skillgroup@ccc-test", Name: "测试技能组"}},
		TotalS: new(int64(30)), TalkS: new(int64(259199)), RingS: new(int64(5)), IVRS: new(int64(8)), QueueS: new(int64(0)),
		Satisfaction: &cdr.Satisfaction{Score: new(5), Raw: "1", Label: "满意", Channel: "ivr", Offered: true},
		Recordings:   []cdr.Recording{{Kind: cdr.RecordingMain, DurationS: new(int64(10))}},
	}
	got := withoutRaw(r)
	got.Hash = nil
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("seed record (-want +got):\n%s", d)
	}
}

// Example 2 of docs/record-model.md §6.5, built by hand from the table of
// docs/mapping-aliyun-ccc.md, Fields.
const example2 = `{"ContactId":"job-125152394144120001","InstanceId":"ccc-test","ContactType":"Outbound",
 "ContactDisposition":"Success","EarlyMediaState":"","CallingNumber":"057188880000","CalledNumber":"13800001111",
 "CallerLocation":"浙江省-杭州","CalleeLocation":"北京市-北京","StartTime":1700200000000,"EstablishedTime":1700200015000,
 "ReleaseTime":1700200195000,"CallDuration":"195","TalkTime":180,"RingTime":12,"IvrTime":0,"QueueTime":0,"HeldTime":15,
 "DialingTime":3,"WaitTime":12,"AgentIds":"agent01@ccc-test","AgentNames":"Wang Fang","SkillGroupIds":"sg-outbound@ccc-test",
 "SkillGroupNames":"Outbound Sales","ReleaseInitiator":"customer","RecordingReady":true,"RecordingDuration":180,
 "SatisfactionIndex":2,"SatisfactionDescription":"一般","SatisfactionSurveyChannel":"SMS","SatisfactionSurveyOffered":true,
 "Broker":"057188880001","AdditionalBroker":"","CallIds":"c-1,c-2","ReleaseReason":"normal"}`

const example2Record = `{"id":"rec_yj6xgmgpbxgsf22jvhwu2qte","tenant":"acme","channel":"voice","source":"aliyun_ccc",
 "source_id":"job-125152394144120001","version":1700200800456,
 "start_at":1700200000000,"answer_at":1700200015000,"end_at":1700200195000,
 "direction":"outbound","call_type":"direct","media":"audio",
 "disposition":"answered","disposition_raw":"Success","hangup_by":"customer",
 "caller":{"address":"057188880000","digits":"057188880000","location":"浙江省-杭州"},
 "callee":{"address":"13800001111","digits":"13800001111","location":"北京市-北京"},
 "agents":[{"kind":"human","id":"agent01@ccc-test","name":"Wang Fang"}],
 "queues":[{"id":"sg-outbound@ccc-test","name":"Outbound Sales"}],
 "talk_s":180,"total_s":195,"ring_s":12,"queue_s":0,"ivr_s":0,"hold_s":15,"dial_s":3,
 "satisfaction":{"score":3,"raw":"2","label":"一般","channel":"sms","offered":true},
 "recordings":[{"kind":"main","duration_s":180}]}`

func TestExample2(t *testing.T) {
	r := roundTrip(t, []byte(example2))
	r.Version = 1700200800456
	mustPrepare(t, r)
	var want cdr.Record
	if err := json.Unmarshal([]byte(example2Record), &want); err != nil {
		t.Fatal(err)
	}
	got := withoutRaw(r)
	got.Hash = nil
	if d := cmp.Diff(&want, got); d != "" {
		t.Errorf("example 2 (-want +got):\n%s", d)
	}
}

// The edge cases of the round trip; check inspects the canonical record.
var edgeCases = []struct {
	name  string
	x     string
	check func(t *testing.T, r *cdr.Record)
}{
	{"required only", `{"ContactId":"c-1","StartTime":1700000000000}`,
		func(t *testing.T, r *cdr.Record) {
			if r.TotalS != nil || r.TalkS != nil || r.Agents != nil || r.Queues != nil || r.Satisfaction != nil || r.Recordings != nil ||
				r.Direction != cdr.DirectionUnknown || r.Disposition != cdr.DispositionUnknown || r.HangupBy != cdr.HangupByUnknown || r.DispositionRaw != "" {
				t.Errorf("absent fields: %+v", r)
			}
		}},
	{"zeros", `{"ContactId":"z-1","StartTime":1700000000000,"EstablishedTime":0,"ReleaseTime":0,"CallDuration":"0","TalkTime":0,
	  "RingTime":0,"IvrTime":0,"QueueTime":0,"HeldTime":0,"DialingTime":0,"SatisfactionIndex":0,"SatisfactionSurveyOffered":false,
	  "RecordingReady":false,"RecordingDuration":0,"AgentIds":"","AgentNames":"","SkillGroupIds":"","SkillGroupNames":""}`,
		func(t *testing.T, r *cdr.Record) {
			if r.AnswerAt != nil || r.EndAt != nil || r.Satisfaction != nil || r.Recordings != nil || r.Agents != nil || r.Queues != nil {
				t.Errorf("zeros made values: %+v", r)
			}
			for _, p := range []*int64{r.TotalS, r.TalkS, r.RingS, r.IVRS, r.QueueS, r.HoldS, r.DialS} {
				if p == nil || *p != 0 {
					t.Errorf("a zero duration was lost: %+v", r)
				}
			}
		}},
	{"nulls", `{"ContactId":"n-1","StartTime":1700000000000,"CallDuration":null,"TalkTime":null,"AgentIds":null,"SatisfactionIndex":null}`,
		func(t *testing.T, r *cdr.Record) {
			if r.TotalS != nil || r.TalkS != nil || r.Agents != nil || r.Satisfaction != nil {
				t.Errorf("nulls made values: %+v", r)
			}
		}},
	{"fewer names than ids, empty elements", `{"ContactId":"l-1","StartTime":1700000000000,"AgentIds":"a1,,a3,a4","AgentNames":"Ann,Bo",
	  "SkillGroupIds":"","SkillGroupNames":"Sales,,Billing"}`,
		func(t *testing.T, r *cdr.Record) {
			wantA := []cdr.Agent{{Kind: "human", ID: "a1", Name: "Ann"}, {Kind: "human", Name: "Bo"}, {Kind: "human", ID: "a3"}, {Kind: "human", ID: "a4"}}
			wantQ := []cdr.Queue{{Name: "Sales"}, {Name: "Billing"}}
			if d := cmp.Diff(wantA, r.Agents) + cmp.Diff(wantQ, r.Queues); d != "" {
				t.Errorf("comma lists (-want +got):\n%s", d)
			}
		}},
	{"CallDuration not an integer", `{"ContactId":"d-1","StartTime":1700000000000,"ReleaseTime":1700000030000,"CallDuration":"30.5"}`,
		func(t *testing.T, r *cdr.Record) {
			if *r.TotalS != 30 { // derived by Prepare, not ingested
				t.Errorf("total_s %v", *r.TotalS)
			}
		}},
	{"CallDuration negative", `{"ContactId":"d-2","StartTime":1700000000000,"CallDuration":"-1"}`,
		func(t *testing.T, r *cdr.Record) {
			if r.TotalS != nil {
				t.Errorf("total_s %v", *r.TotalS)
			}
		}},
	{"unicode and escapes", "{\"ContactId\":\"会话-\u00e9-🙂\",\"StartTime\":1700000000000,\"AgentNames\":\"坐席小王,\\u00e9 \\\"q\\\" </b>&\",\n \"AgentIds\":\"a,b\",\"SatisfactionDescription\":\"满意\\n\"}",
		func(t *testing.T, r *cdr.Record) {
			if r.SourceID != "会话-é-🙂" || r.Agents[1].Name != "é \"q\" </b>&" || r.Satisfaction.Label != "满意\n" || r.Satisfaction.Offered {
				t.Errorf("unicode: %+v %+v", r.Agents, r.Satisfaction)
			}
		}},
	{"masked numbers", `{"ContactId":"m-1","StartTime":1700000000000,"CallingNumber":"138****5678","CalledNumber":"0086 20 6666 8888"}`,
		func(t *testing.T, r *cdr.Record) {
			if r.Caller.Address != "138****5678" || r.Caller.Digits != "138****5678" || r.Callee.Digits != "862066668888" {
				t.Errorf("masked: %+v %+v", r.Caller, r.Callee)
			}
		}},
	{"no answer busy, upper-case type, other initiator", `{"ContactId":"b-1","StartTime":1700000000000,"ContactType":"PRIVACY_DIAL",
	  "ContactDisposition":"NoAnswer","EarlyMediaState":"Busy","ReleaseInitiator":"system"}`,
		func(t *testing.T, r *cdr.Record) {
			if r.Disposition != cdr.DispositionBusy || r.DispositionRaw != "NoAnswer" || r.Direction != cdr.DirectionOutbound ||
				r.CallType != cdr.CallTypePrivacy || r.HangupBy != cdr.HangupBySystem {
				t.Errorf("%+v", r)
			}
		}},
	{"offered without rating, unmapped index", `{"ContactId":"s-1","StartTime":1700000000000,"SatisfactionSurveyOffered":true,"SatisfactionSurveyChannel":"IVR"}
	`, func(t *testing.T, r *cdr.Record) {
		if d := cmp.Diff(&cdr.Satisfaction{Channel: "ivr", Offered: true}, r.Satisfaction); d != "" {
			t.Errorf("(-want +got):\n%s", d)
		}
	}},
	{"unmapped index", `{"ContactId":"s-2","StartTime":1700000000000,"SatisfactionIndex":7,"RecordingReady":true}`,
		func(t *testing.T, r *cdr.Record) {
			if d := cmp.Diff(&cdr.Satisfaction{Raw: "7"}, r.Satisfaction); d != "" || r.Recordings[0].DurationS != nil {
				t.Errorf("(-want +got):\n%s %+v", d, r.Recordings)
			}
		}},
	{"whitespace, key order and unknown fields", "\n { \"StartTime\" : 1700000000000 ,\t\"Future\":{\"a\":[1,2.50,true]},\"ContactId\":\"w-1\" }\r\n",
		func(t *testing.T, r *cdr.Record) {
			if r.SourceID != "w-1" {
				t.Errorf("%+v", r)
			}
		}},
}

func TestRoundTripEdgeCases(t *testing.T) {
	for _, tt := range edgeCases {
		t.Run(tt.name, func(t *testing.T) {
			r := roundTrip(t, []byte(tt.x))
			tt.check(t, r)
		})
	}
}

func TestIngestErrors(t *testing.T) {
	for _, tt := range []struct{ x, field string }{
		{`{"StartTime":1700000000000}`, "ContactId"},
		{`{"ContactId":"x"}`, "StartTime"},
		{`{"ContactId":"x","StartTime":1700000000000,"CallDuration":30}`, "CallDuration"},
		{`{"ContactId":"x","StartTime":1700000000000,"TalkTime":"30"}`, "TalkTime"},
		{`{"ContactId":"x","StartTime":"1700000000000"}`, "StartTime"},
		{`{"ContactId":"x","StartTime":1700000000000,"RecordingReady":"true"}`, "RecordingReady"},
		{`{"ContactId":"x","StartTime":1700000000000,"SatisfactionIndex":2147483648}`, "SatisfactionIndex"},
		{`{"ContactId":"x","StartTime":1700000000000,"ReleaseTime":-1}`, "ReleaseTime"},
	} {
		_, err := Ingest(json.RawMessage(tt.x), nil)
		fe, ok := err.(*cdr.FieldError)
		if !ok || fe.Field != tt.field {
			t.Errorf("%s: %v, want an error naming %s", tt.x, err, tt.field)
		}
	}
	for _, x := range []string{``, `[]`, `"x"`, `{"ContactId":"x",`} {
		if _, err := Ingest(json.RawMessage(x), nil); cdr.ErrorCode(err) != cdr.EINVALID {
			t.Errorf("%q: %v", x, err)
		}
	}
}

// The tenant's satisfaction map decides the score; nil is the default.
func TestIngestSatisfactionMap(t *testing.T) {
	x := json.RawMessage(`{"ContactId":"x","StartTime":1700000000000,"SatisfactionIndex":3}`)
	r, _ := Ingest(x, func(raw string) (int, bool) { return map[string]int{"3": 4, "9": 7}[raw], raw == "3" || raw == "9" })
	if r.Satisfaction.Score == nil || *r.Satisfaction.Score != 4 {
		t.Errorf("tenant map: %+v", r.Satisfaction)
	}
	if r, _ := Ingest(x, nil); *r.Satisfaction.Score != 1 {
		t.Errorf("default map: %+v", r.Satisfaction)
	}
	r, _ = Ingest(x, func(string) (int, bool) { return 7, true })
	if r.Satisfaction.Score != nil || r.Satisfaction.Raw != "3" {
		t.Errorf("out of range score kept: %+v", r.Satisfaction)
	}
}
