package tencentdesk

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/cdrhub/cdrhub/internal/mapping/mappingtest"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the current output")

// nativeRecords are chat records of a native chat system that
// describe_im_cdr_list must list in its own shape (docs/record-model.md §5).
func nativeRecords() map[string]*cdr.Record {
	return map[string]*cdr.Record{
		// Answered, the customer ended it; two agents (the first without
		// an id), two queues, a score with a label.
		"user_ended": {
			Channel: cdr.ChannelChat, Source: cdr.SourceNative, SourceID: "chat-3001", StartAt: 1730443136789,
			EndAt: new(int64(1730443436000)), Disposition: cdr.DispositionAnswered, HangupBy: cdr.HangupByCustomer,
			Caller:       cdr.Party{Address: "web-user-77", Name: "访客 \"77\""},
			Agents:       []cdr.Agent{{Name: "Li", Email: "li@acme.example"}, {ID: "wang@acme.example"}},
			Queues:       []cdr.Queue{{ID: "42", Name: "Sales"}, {ID: "43"}},
			Satisfaction: &cdr.Satisfaction{Score: new(4), Raw: "good", Label: "Good"},
		},
		// The chatbot handled it; the hangup side does not matter.
		"chatbot": {
			Channel: cdr.ChannelChat, Source: cdr.SourceNative, SourceID: "chat-3002", StartAt: 1730443200000,
			TotalS: new(int64(45)), Disposition: cdr.DispositionSelfService, HangupBy: cdr.HangupByCustomer,
			Caller: cdr.Party{Address: "app-user-1"}, Agents: []cdr.Agent{{Kind: cdr.AgentAI, ID: "bot-1"}},
		},
		// Answered with no hangup side, offered but not rated.
		"answered_unknown_side": {
			Channel: cdr.ChannelChat, Source: cdr.SourceNative, SourceID: "chat-3003", StartAt: 1730443300000,
			TotalS: new(int64(0)), Disposition: cdr.DispositionAnswered, DispositionRaw: "closed",
			Caller: cdr.Party{ProtectedID: "pe_9"}, Satisfaction: &cdr.Satisfaction{Offered: true},
		},
		// Only the required fields.
		"required_only": {
			Channel: cdr.ChannelChat, Source: cdr.SourceNative, SourceID: "chat-3004", StartAt: 1730443400000,
		},
	}
}

func TestRenderGolden(t *testing.T) {
	for name, r := range nativeRecords() {
		t.Run(name, func(t *testing.T) {
			mustPrepare(t, r)
			out, err := Render(r)
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, name, out)
		})
	}
}

func checkGolden(t *testing.T, name string, out []byte) {
	t.Helper()
	mappingtest.CheckGolden(t, name, out, *update, func(b []byte) error { _, err := strictDecode(b); return err })
}
func readGolden(t *testing.T, name string) *IMCdrInfo {
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

// The golden files hold what docs/mapping-tencent-desk.md and
// docs/record-model.md §5 R2–R5 demand.
func TestRenderGoldenContent(t *testing.T) {
	for name, r := range nativeRecords() {
		mustPrepare(t, r)
		if in := readGolden(t, name); in.SessionId != r.ID || in.ChannelType != "" || in.Timestamp != r.StartAt/1000 { // R2
			t.Errorf("%s: %+v, want SessionId %q", name, in, r.ID)
		}
	}
	u := readGolden(t, "user_ended")
	if u.EndStatus != "UserEndedSession" || u.AgentId != "li@acme.example" || u.AgentGroupId != "42" || u.AgentGroupName != "Sales" ||
		u.ClientUserId != "web-user-77" || u.ClientUserNickName != `访客 "77"` || *u.Duration != 299 || u.SatisfactionSelected != 4 {
		t.Errorf("user ended: %+v", u)
	}
	if c := readGolden(t, "chatbot"); c.EndStatus != "ChatbotReception" || c.AgentId != "bot-1" || *c.Duration != 45 || c.SatisfactionSelected != 0 {
		t.Errorf("chatbot: %+v", c)
	}
	if a := readGolden(t, "answered_unknown_side"); a.EndStatus != "" || a.ClientUserId != "" || *a.Duration != 0 || a.SatisfactionSelected != 0 {
		t.Errorf("answered, unknown side: %+v", a)
	}
	if m := readGolden(t, "required_only"); m.EndStatus != "" || *m.Duration != 0 || m.AgentId != "" || m.AgentGroupId != "" {
		t.Errorf("required only: %+v", m)
	}
}

// The strict check fails when any member of a golden file has another
// JSON type, is null, is missing or is unknown.
func TestStrictDecodeRejects(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "user_ended.golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	doc := decodeAny(t, b).(map[string]any)
	for k, v := range doc {
		var mutated any
		switch x := v.(type) {
		case json.Number:
			mutated = x.String()
		case string:
			mutated = json.Number("30")
		}
		for _, m := range []any{mutated, nil, "delete"} {
			doc[k] = m
			if m == "delete" {
				delete(doc, k)
			}
			mb, _ := json.Marshal(doc)
			if _, err := strictDecode(mb); err == nil {
				t.Errorf("%s: %v sent as %#v decoded", k, v, m)
			}
		}
		doc[k] = v
	}
	if len(doc) != len(mappingtest.JSONFields(IMCdrInfo{})) {
		t.Errorf("%d fields checked", len(doc))
	}
	if _, err := strictDecode(append([]byte(`{"Unknown":1,`), b[1:]...)); err == nil {
		t.Error("an unknown field decoded")
	}
}
