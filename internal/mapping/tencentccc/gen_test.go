package tencentccc

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/cdrhub/cdrhub/internal/mapping/mappingtest"
)

// byteSource turns fuzz input into choices (mappingtest.Choices), with
// the numbers and strings of TelCdrInfo.
type byteSource struct{ *mappingtest.Choices }

// int64 returns a small number, an extreme one or eight bytes' worth.
func (s *byteSource) int64() int64 {
	switch c := s.Byte(); {
	case c < 128:
		return int64(c) - 16
	case c < 136:
		return []int64{math.MinInt64, math.MaxInt64, math.MaxInt64 / 1000, 1 << 53, -1 << 53, 100, 1700000000, 4294967295}[c-128]
	}
	var v uint64
	for range 8 {
		v = v<<8 | uint64(s.Byte())
	}
	return int64(v)
}

var stringPool = []string{
	"", "abc", "+8613912345678", "138****5678", "0086 20 6666 8888", "山浓", "在线客服", "😀", "é", "noInput",
	"line\nbreak", `quote " and \ backslash`, "</script>&", "\u2028", "1", "2", "3", "5", "staffSeat", "zhang.min@acme.example",
}

// str returns a JSON string: from the pool or made of input bytes.
func (s *byteSource) str() string {
	var v string
	if s.Chance(70) {
		v = stringPool[s.Intn(len(stringPool))]
	} else {
		b := make([]byte, s.Intn(24))
		for i := range b {
			b[i] = s.Byte()
		}
		v = string(b)
	}
	out, _ := json.Marshal(v)
	if s.Chance(20) { // also unescaped <, > and &
		out, _ = marshal(v)
	}
	return string(out)
}

func num(v int64) string { return fmt.Sprint(v) }

// gen builds a valid TelCdrInfo object: one that Ingest accepts and whose
// record Prepare accepts. Members come in a chosen order with chosen
// spacing; optional members may be absent, null, zero or set.
type gen struct {
	*byteSource
	members []string
}

func (g *gen) add(name, value string) {
	g.members = append(g.members, fmt.Sprintf("%q:%s", name, value))
}

// opt adds name with a generated value, null, or not at all.
func (g *gen) opt(name string, value func() string) {
	switch {
	case g.Chance(25):
	case g.Chance(10):
		g.add(name, "null")
	default:
		g.add(name, value())
	}
}

func (g *gen) ws() string { return []string{"", "", " ", "\n", "\t", "\r\n  "}[g.Intn(6)] }

func (g *gen) object(members []string) string {
	for i := len(members) - 1; i > 0; i-- { // shuffle
		j := g.Intn(i + 1)
		members[i], members[j] = members[j], members[i]
	}
	var b strings.Builder
	b.WriteString("{" + g.ws())
	for i, m := range members {
		if i > 0 {
			b.WriteString(g.ws() + "," + g.ws())
		}
		b.WriteString(m)
	}
	b.WriteString(g.ws() + "}")
	return b.String()
}

func (g *gen) array(elem func() string) string {
	if g.Chance(15) {
		return "[]"
	}
	var es []string
	for range 1 + g.Intn(3) {
		es = append(es, elem())
	}
	return "[" + strings.Join(es, ","+g.ws()) + "]"
}

// sub generates a nested object with its own member list.
func (g *gen) sub(fill func(g *gen)) string {
	h := &gen{byteSource: g.byteSource}
	fill(h)
	return h.object(h.members)
}

func genObject(data []byte) []byte {
	g := &gen{byteSource: &byteSource{mappingtest.NewChoices(data)}}
	start := 946684800 + int64(g.Intn(1<<16))*48000 // 2000 to about 2100, in s
	later := func() int64 { return start + int64(g.Intn(100000)) }
	timeOrZero := func() string {
		if g.Chance(30) {
			return "0"
		}
		return num(later())
	}
	sessionID := g.str()
	if sessionID == `""` {
		sessionID = `"s"`
	}
	g.add("SessionId", sessionID)
	if g.Chance(85) {
		g.add("Time", num(start))
		g.opt("StartTimestamp", func() string { return num(g.int64()) })
	} else {
		g.add("StartTimestamp", num(start))
	}
	var accept int64
	if g.Chance(60) {
		accept = later()
		g.add("AcceptTimestamp", num(accept))
	}
	g.opt("EndedTimestamp", func() string { return num(max(start, accept) + int64(g.Intn(5000))) })
	for _, f := range []string{"QueuedTimestamp", "RingTimestamp"} {
		g.opt(f, timeOrZero)
	}
	for _, f := range []string{"Duration", "IVRDuration"} {
		g.opt(f, func() string { return num(int64(g.Intn(4000))) })
	}
	g.opt("Direction", func() string { return num(int64(g.Intn(4)) - 1) })
	g.opt("CallType", func() string { return num(int64(g.Intn(8))) })
	g.opt("EndStatus", func() string {
		if g.Chance(80) {
			return num(endStatusCodes[g.Intn(len(endStatusCodes))].Code)
		}
		return num(g.int64())
	})
	for _, f := range []string{"Caller", "Callee", "ProtectedCaller", "ProtectedCallee", "CallerLocation", "HungUpSide",
		"EndStatusString", "SkillGroup", "QueuedSkillGroupName", "RecordURL", "RecordId", "CustomRecordURL", "AsrUrl",
		"AsrStatus", "Remark", "AIAgentName", "UUI", "Uui", "SysHangupReasonString"} {
		g.opt(f, g.str)
	}
	if g.Chance(30) {
		g.add("HungUpSide", []string{`"user"`, `"seat"`, `"system"`}[g.Intn(3)])
	}
	for _, f := range []string{"SkillGroupId", "QueuedSkillGroupId", "AIAgentId", "SysHangupReason"} {
		g.opt(f, func() string { return num(int64(g.Intn(3)) * g.int64() / 2) })
	}
	g.opt("SeatUser", func() string {
		return g.sub(func(h *gen) {
			for _, f := range []string{"Name", "Mail", "StaffNumber", "Phone", "Nick", "UserId", "ExtensionNumber"} {
				h.opt(f, h.str)
			}
			h.opt("Role", func() string { return num(int64(h.Intn(5))) })
			h.opt("SkillGroupNameList", func() string { return h.array(h.str) })
		})
	})
	key := func() string {
		return g.sub(func(h *gen) {
			for _, f := range []string{"Key", "Label", "NodeLabel", "OriginalContent", "TTSPrompt"} {
				h.opt(f, h.str)
			}
			h.opt("Timestamp", func() string { return num(later() * 1000) })
		})
	}
	for _, f := range []string{"IVRKeyPressedEx", "PostIVRKeyPressedEx", "PostIVRKeyPressed"} {
		g.opt(f, func() string { return g.array(key) })
	}
	for _, f := range []string{"IVRKeyPressed", "VoicemailRecordURL", "VoicemailAsrURL"} {
		g.opt(f, func() string { return g.array(g.str) })
	}
	g.opt("ServeParticipants", func() string {
		return g.array(func() string {
			return g.sub(func(h *gen) {
				for _, f := range []string{"Mail", "Phone", "RecordId", "Type", "TransferFrom", "TransferFromType",
					"TransferTo", "TransferToType", "EndStatusString", "RecordURL", "SkillGroupName", "CustomRecordURL"} {
					h.opt(f, h.str)
				}
				for _, f := range []string{"StartTimestamp", "RingTimestamp", "AcceptTimestamp", "EndedTimestamp"} {
					h.opt(f, timeOrZero)
				}
				h.opt("SkillGroupId", func() string { return num(h.int64()) })
				h.opt("Sequence", func() string { return num(int64(h.Intn(5))) })
			})
		})
	})
	g.opt("FutureField", func() string { return `{"a":[1,2.50,true,null],"Caller":"nested"}` })
	return []byte(g.ws() + g.object(g.members) + g.ws())
}
