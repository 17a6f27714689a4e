package tencentdesk

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
		got, err := Render(r)
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

// Example 4 of docs/record-model.md §6.5 is the vendor's own example record.
const example4Record = `{"id":"rec_hql73n2ounubqkg43zfd3klv","tenant":"acme","channel":"chat","source":"tencent_desk",
 "source_id":"a97d3e1f-a88b-403b-9b3a-7bc6554ea05d","version":1730443800000,
 "start_at":1730443136000,"direction":"inbound","call_type":"direct","media":"text",
 "disposition":"answered","disposition_raw":"AgentEndedSession","hangup_by":"agent",
 "caller":{"address":"1299314544","name":"山浓"},"agents":[{"kind":"human","id":"shannon@qq.com"}],
 "queues":[{"id":"3067","name":"在线客服"}],"total_s":10,
 "satisfaction":{"score":5,"raw":"5","offered":true}}`

func TestSeedAndExample4(t *testing.T) {
	body, err := os.ReadFile("testdata/seed_response.json")
	if err != nil {
		t.Fatal(err)
	}
	objs, err := ParseList(body)
	if err != nil || len(objs) != 1 {
		t.Fatalf("ParseList: %d objects, %v", len(objs), err)
	}
	r := roundTrip(t, objs[0])
	r.Version = 1730443800000
	mustPrepare(t, r)
	var want cdr.Record
	if err := json.Unmarshal([]byte(example4Record), &want); err != nil {
		t.Fatal(err)
	}
	got := withoutRaw(r)
	got.Hash = nil
	if d := cmp.Diff(&want, got); d != "" {
		t.Errorf("example 4 (-want +got):\n%s", d)
	}
	if ts := Terms(r); len(ts) != 1 || ts[0] != (cdr.Term{Kind: "tencent_desk.EndStatus", Value: "AgentEndedSession"}) {
		t.Errorf("terms %v", ts)
	}
}

var edgeCases = []struct {
	name  string
	x     string
	check func(t *testing.T, r *cdr.Record)
}{
	{"required only", `{"SessionId":"s-1","Timestamp":1730443136}`,
		func(t *testing.T, r *cdr.Record) {
			if r.TotalS != nil || r.Agents != nil || r.Queues != nil || r.Satisfaction != nil || r.Caller != (cdr.Party{}) ||
				r.Disposition != cdr.DispositionUnknown || r.HangupBy != cdr.HangupByUnknown || r.DispositionRaw != "" {
				t.Errorf("absent fields: %+v", r)
			}
		}},
	{"zeros and empties", `{"SessionId":"z-1","Timestamp":1730443136,"Duration":0,"SatisfactionSelected":0,"AgentId":"",
	  "AgentGroupId":"","AgentGroupName":"","EndStatus":"","ChannelType":""}`,
		func(t *testing.T, r *cdr.Record) {
			if r.TotalS == nil || *r.TotalS != 0 || r.Satisfaction != nil || r.Agents != nil || r.Queues != nil {
				t.Errorf("zeros: %+v", r)
			}
		}},
	{"nulls", `{"SessionId":"n-1","Timestamp":1730443136,"Duration":null,"AgentGroupId":null,"SatisfactionSelected":null}`,
		func(t *testing.T, r *cdr.Record) {
			if r.TotalS != nil || r.Queues != nil || r.Satisfaction != nil {
				t.Errorf("nulls made values: %+v", r)
			}
		}},
	{"group name only, unrated out of range", `{"SessionId":"q-1","Timestamp":1730443136,"AgentGroupName":"Sales","SatisfactionSelected":7,
	  "EndStatus":"TimeoutTransfer"}`,
		func(t *testing.T, r *cdr.Record) {
			if d := cmp.Diff([]cdr.Queue{{Name: "Sales"}}, r.Queues) + cmp.Diff(&cdr.Satisfaction{Raw: "7", Offered: true}, r.Satisfaction); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
			if r.Disposition != cdr.DispositionNoAgent || r.HangupBy != cdr.HangupBySystem {
				t.Errorf("%+v", r)
			}
		}},
	{"unknown status", `{"SessionId":"u-1","Timestamp":1730443136,"EndStatus":"Weird","ChannelType":"Web"}`,
		func(t *testing.T, r *cdr.Record) {
			if r.Disposition != cdr.DispositionUnknown || r.HangupBy != cdr.HangupByUnknown || r.DispositionRaw != "Weird" {
				t.Errorf("%+v", r)
			}
		}},
	{"unicode and escapes", "{\"SessionId\":\"会话-\\u00e9\",\"Timestamp\":1730443136,\"ClientUserNickName\":\"山浓 \\\"q\\\" </b>&🙂\"}",
		func(t *testing.T, r *cdr.Record) {
			if r.SourceID != "会话-é" || r.Caller.Name != `山浓 "q" </b>&🙂` {
				t.Errorf("%+v", r)
			}
		}},
	{"whitespace, key order and unknown fields", "\n { \"Timestamp\" : 1730443136 ,\t\"Future\":{\"a\":[1,2.50]},\"SessionId\":\"w-1\" }\r\n",
		func(t *testing.T, r *cdr.Record) {
			if r.SourceID != "w-1" || r.StartAt != 1730443136000 {
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
		{`{"Timestamp":1730443136}`, "SessionId"},
		{`{"SessionId":"x"}`, "Timestamp"},
		{`{"SessionId":"x","Timestamp":1730443136,"AgentGroupId":3067}`, "AgentGroupId"},
		{`{"SessionId":"x","Timestamp":"1730443136"}`, "Timestamp"},
		{`{"SessionId":"x","Timestamp":1730443136,"Duration":"10"}`, "Duration"},
		{`{"SessionId":"x","Timestamp":1730443136,"SatisfactionSelected":"5"}`, "SatisfactionSelected"},
		{`{"SessionId":"x","Timestamp":1730443136,"Duration":-1}`, "Duration"},
		{`{"SessionId":"x","Timestamp":-5}`, "Timestamp"},
		{`{"SessionId":"x","Timestamp":9300000000000000}`, "Timestamp"},
	} {
		_, err := Ingest(json.RawMessage(tt.x), nil)
		fe, ok := err.(*cdr.FieldError)
		if !ok || fe.Field != tt.field {
			t.Errorf("%s: %v, want an error naming %s", tt.x, err, tt.field)
		}
	}
	for _, x := range []string{``, `[]`, `"x"`, `{"SessionId":"x",`} {
		if _, err := Ingest(json.RawMessage(x), nil); cdr.ErrorCode(err) != cdr.EINVALID {
			t.Errorf("%q: %v", x, err)
		}
	}
}

// The tenant's satisfaction map decides the score; nil is the identity.
func TestIngestSatisfactionMap(t *testing.T) {
	x := json.RawMessage(`{"SessionId":"x","Timestamp":1730443136,"SatisfactionSelected":2}`)
	if r, _ := Ingest(x, nil); *r.Satisfaction.Score != 2 {
		t.Errorf("identity: %+v", r.Satisfaction)
	}
	if r, _ := Ingest(x, func(string) (int, bool) { return 4, true }); *r.Satisfaction.Score != 4 {
		t.Errorf("tenant map: %+v", r.Satisfaction)
	}
	if r, _ := Ingest(x, func(string) (int, bool) { return 9, true }); r.Satisfaction.Score != nil || r.Satisfaction.Raw != "2" {
		t.Errorf("out of range score kept: %+v", r.Satisfaction)
	}
	for raw, want := range map[string]bool{"1": true, "5": true, "0": false, "6": false, "05": false, "": false} {
		if _, ok := IdentitySatisfaction(raw); ok != want {
			t.Errorf("identity %q: %v", raw, ok)
		}
	}
}
