package trtccallkit

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

// nativeRecords are rtc records of a native app-call system that
// get_records_by_filter must list in its own shape (docs/record-model.md §5).
func nativeRecords() map[string]*cdr.Record {
	at := func(s int64) *int64 { return new(1700000000000 + s*1000) }
	return map[string]*cdr.Record{
		// A group video call with three callee participants and an agent
		// leg that is not a callee; times with milliseconds.
		"group_video": {
			Channel: cdr.ChannelRTC, Source: cdr.SourceNative, SourceID: "app-2001", StartAt: 1700000000250,
			AnswerAt: new(int64(1700000004999)), EndAt: at(600), Direction: cdr.DirectionInternal,
			CallType: cdr.CallTypeConference, Media: cdr.MediaVideo, Disposition: cdr.DispositionTransferred,
			Caller: cdr.Party{Address: "u_alice", Name: "Alice"}, Callee: cdr.Party{Address: "u_bob"},
			ParticipantCount: new(int64(4)), RoomID: "room-7",
			Participants: []cdr.Participant{{Seq: 0, Role: cdr.RoleCallee, ID: "u_bob"}, {Seq: 1, Role: cdr.RoleAgent, ID: "agent-9"},
				{Seq: 2, Role: cdr.RoleCallee, Address: "u_carol"}, {Seq: 3, Role: cdr.RoleCallee, ID: "u_dave"}},
		},
		// A one-to-one audio call the caller cancelled; callee only as an address.
		"cancelled_audio": {
			Channel: cdr.ChannelRTC, Source: cdr.SourceNative, SourceID: "app-2002", StartAt: 1700000100000,
			EndAt: new(int64(1700000112000)), Direction: cdr.DirectionOutbound, CallType: cdr.CallTypePrivacy,
			Media: cdr.MediaAudio, Disposition: cdr.DispositionAbandoned, HangupBy: cdr.HangupByCustomer,
			Caller: cdr.Party{Address: "u_eve"}, Callee: cdr.Party{Address: "u_frank"},
		},
		// Blocked; a protected callee; text media has no mediaType.
		"blocked_protected": {
			Channel: cdr.ChannelRTC, Source: cdr.SourceNative, SourceID: "app-2003", StartAt: 1700000200000,
			Media: cdr.MediaText, Disposition: cdr.DispositionBlocked, DispositionRaw: "POLICY",
			Caller: cdr.Party{Address: "u_gina"}, Callee: cdr.Party{ProtectedID: "pe_1"},
			Agents: []cdr.Agent{{ID: "a1"}}, Tags: []string{"vip"},
		},
		// Only the required fields.
		"required_only": {
			Channel: cdr.ChannelRTC, Source: cdr.SourceNative, SourceID: "app-2004", StartAt: 1700000300000,
		},
	}
}

func TestRenderGolden(t *testing.T) {
	for name, r := range nativeRecords() {
		t.Run(name, func(t *testing.T) {
			mustPrepare(t, r)
			out, err := Render(r, 1400000001)
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

func readGolden(t *testing.T, name string) *CallRecord {
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

// The golden files hold what docs/mapping-trtc-callkit.md and
// docs/record-model.md §5 R2–R5 demand.
func TestRenderGoldenContent(t *testing.T) {
	for name, r := range nativeRecords() {
		mustPrepare(t, r)
		if in := readGolden(t, name); in.CallId != r.ID || in.SdkAppId != 1400000001 { // R2, R3
			t.Errorf("%s: callId %q sdkAppId %d, want %q", name, in.CallId, in.SdkAppId, r.ID)
		}
	}
	g := readGolden(t, "group_video")
	if g.CallType != "group" || g.MediaType != "video" || g.CallResult != "normal_end" || g.StartCallTs != 1700000000 ||
		g.AcceptTs != 1700000004 || g.EndTs != 1700000600 || g.TotalUserNumber != 4 || g.RoomId != "room-7" || g.Caller != "u_alice" ||
		len(g.Callees) != 3 || g.Callees[0] != "u_bob" || g.Callees[1] != "u_carol" || g.Callees[2] != "u_dave" {
		t.Errorf("group: %+v", g)
	}
	c := readGolden(t, "cancelled_audio")
	if c.CallType != "single" || c.MediaType != "audio" || c.CallResult != "cancel" || c.AcceptTs != 0 ||
		len(c.Callees) != 1 || c.Callees[0] != "u_frank" {
		t.Errorf("cancelled: %+v", c)
	}
	if b := readGolden(t, "blocked_protected"); b.CallResult != "reject" || b.MediaType != "" || len(b.Callees) != 0 {
		t.Errorf("blocked: %+v", b)
	}
	m := readGolden(t, "required_only")
	if m.CallResult != "" || m.CallType != "single" || m.MediaType != "" || m.EndTs != 0 || m.TotalUserNumber != 0 ||
		m.Callees == nil || len(m.Callees) != 0 || m.StartCallTs != 1700000300 {
		t.Errorf("required only: %+v", m)
	}
}

// The strict check fails when any member of a golden file has another
// JSON type, is missing or is unknown.
func TestStrictDecodeRejects(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "group_video.golden.json"))
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
		case []any:
			mutated = "x"
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
	if len(doc) != len(mappingtest.JSONFields(CallRecord{})) {
		t.Errorf("%d fields checked", len(doc))
	}
	if _, err := strictDecode(append([]byte(`{"unknown":1,`), b[1:]...)); err == nil {
		t.Error("an unknown field decoded")
	}
}
