package tencentccc

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// native builds a prepared native voice record with the given outcome and
// context, renders it and ingests the rendered object back.
func renderIngest(t *testing.T, r *cdr.Record) (*TelCdrInfo, *cdr.Record) {
	t.Helper()
	r.Channel, r.Source, r.SourceID, r.StartAt = cdr.ChannelVoice, cdr.SourceNative, "n-1", 1700000000000
	mustPrepare(t, r)
	info := renderInfo(t, r)
	out, err := Render(r, 0)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Ingest(out, nil)
	if err != nil {
		t.Fatalf("Ingest(Render(r)): %v", err)
	}
	return info, back
}

// Every disposition renders to a code that ingests back to it, in every
// context the render column looks at, except the lossy ones of (b2).
func TestDispositionRoundTrip(t *testing.T) {
	lossy := map[cdr.Disposition]cdr.Disposition{cdr.DispositionTransferred: cdr.DispositionAnswered}
	contexts := []struct {
		name string
		mod  func(r *cdr.Record)
	}{
		{"inbound", func(r *cdr.Record) { r.Direction = cdr.DirectionInbound }},
		{"outbound", func(r *cdr.Record) { r.Direction = cdr.DirectionOutbound }},
		{"unknown direction", func(r *cdr.Record) {}},
		{"ringing", func(r *cdr.Record) { r.Direction, r.RingAt = cdr.DirectionInbound, new(int64(1700000001000)) }},
		{"queued", func(r *cdr.Record) { r.Direction, r.QueuedAt = cdr.DirectionInbound, new(int64(1700000001000)) }},
		{"AI agent", func(r *cdr.Record) { r.Agents = []cdr.Agent{{Kind: cdr.AgentAI, Name: "bot"}} }},
	}
	for _, d := range cdr.Dispositions {
		for _, c := range contexts {
			r := &cdr.Record{Disposition: d}
			c.mod(r)
			info, back := renderIngest(t, r)
			want := d
			if l, ok := lossy[d]; ok {
				want = l
			}
			if back.Disposition != want {
				t.Errorf("%s, %s: EndStatus %d ingests as %s, want %s", d, c.name, *info.EndStatus, back.Disposition, want)
			}
			if info.EndStatusString != EndStatusName(*info.EndStatus) || (*info.EndStatus != 0) != (info.EndStatusString != "") {
				t.Errorf("%s, %s: EndStatus %d with EndStatusString %q", d, c.name, *info.EndStatus, info.EndStatusString)
			}
			if back.DispositionRaw != strconv.FormatInt(*info.EndStatus, 10) {
				t.Errorf("%s: disposition_raw %q for EndStatus %d", d, back.DispositionRaw, *info.EndStatus)
			}
		}
	}
}

// The render column picks the codes (b2) names.
func TestForeignEndStatus(t *testing.T) {
	ring, queued := new(int64(1700000001000)), new(int64(1700000001000))
	ai := []cdr.Agent{{Kind: cdr.AgentAI}}
	for _, tt := range []struct {
		r    cdr.Record
		want int64
	}{
		{cdr.Record{Disposition: cdr.DispositionSelfService, Agents: ai}, 233},
		{cdr.Record{Disposition: cdr.DispositionSelfService, Agents: []cdr.Agent{{}}}, 107},
		{cdr.Record{Disposition: cdr.DispositionAbandoned, RingAt: ring, QueuedAt: queued}, 104},
		{cdr.Record{Disposition: cdr.DispositionAbandoned, QueuedAt: queued}, 103},
		{cdr.Record{Disposition: cdr.DispositionAbandoned}, 102},
		{cdr.Record{Disposition: cdr.DispositionNoAnswer, Direction: cdr.DirectionInbound}, 17},
		{cdr.Record{Disposition: cdr.DispositionNoAnswer, Direction: cdr.DirectionInternal}, 202},
		{cdr.Record{Disposition: cdr.DispositionCancelled, RingAt: ring}, 220},
		{cdr.Record{Disposition: cdr.DispositionCancelled}, 209},
		{cdr.Record{Disposition: cdr.DispositionBlocked, Direction: cdr.DirectionInbound}, 100},
		{cdr.Record{Disposition: cdr.DispositionBlocked, Direction: cdr.DirectionOutbound}, 108},
		{cdr.Record{Disposition: cdr.DispositionFailed, Direction: cdr.DirectionInbound}, 211},
		{cdr.Record{Disposition: cdr.DispositionFailed}, 208},
		{cdr.Record{Disposition: cdr.DispositionTransferred}, 1},
		{cdr.Record{Disposition: cdr.DispositionBusy}, 206},
		{cdr.Record{Disposition: cdr.DispositionRejected}, 203},
		{cdr.Record{Disposition: cdr.DispositionVoicemail}, 222},
		{cdr.Record{Disposition: cdr.DispositionNoAgent}, 105},
		{cdr.Record{Disposition: cdr.DispositionUnknown}, 0},
		{cdr.Record{}, 0},
	} {
		if got := foreignEndStatus(&tt.r); got != tt.want {
			t.Errorf("%+v: %d, want %d", tt.r, got, tt.want)
		}
	}
}

func TestEndStatusIngest(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range EndStatusCodes() {
		if c.Name == "" || seen[c.Name] || !cdr.Valid(c.Disposition, cdr.Dispositions) || c.Disposition == cdr.DispositionUnknown {
			t.Errorf("bad table row %+v", c)
		}
		seen[c.Name] = true
		r := mustIngest(t, fmt.Sprintf(`{"SessionId":"s","Time":1700000000,"EndStatus":%d}`, c.Code))
		if r.Disposition != c.Disposition || r.DispositionRaw != strconv.FormatInt(c.Code, 10) {
			t.Errorf("EndStatus %d: %s %q", c.Code, r.Disposition, r.DispositionRaw)
		}
	}
	for _, code := range []int64{0, 2, 101, 201, 214, 999, -1} {
		if d := EndStatusDisposition(code); d != cdr.DispositionUnknown || EndStatusName(code) != "" {
			t.Errorf("EndStatus %d: %s %q", code, d, EndStatusName(code))
		}
	}
	for d, rule := range endStatusRender {
		for _, code := range []int64{rule.AIAgent, rule.Ringing, rule.Queued, rule.Inbound, rule.Otherwise} {
			if code != 0 && EndStatusName(code) == "" {
				t.Errorf("%s renders %d, which has no name", d, code)
			}
		}
	}
	for _, d := range cdr.Dispositions {
		if _, ok := endStatusRender[d]; !ok {
			t.Errorf("no render rule for %s", d)
		}
	}
}

// (b1) both ways, with its documented losses.
func TestCallTypeRoundTrip(t *testing.T) {
	type dc struct {
		d cdr.Direction
		c cdr.CallType
	}
	lossy := func(in dc) dc {
		switch {
		case in.c == cdr.CallTypePredictive:
			return dc{cdr.DirectionOutbound, cdr.CallTypePredictive}
		case in.d == cdr.DirectionUnknown:
			return dc{cdr.DirectionInbound, cdr.CallTypeDirect}
		}
		return dc{in.d, cdr.CallTypeDirect} // A has no dual, privacy or conference
	}
	for _, d := range cdr.Directions {
		for _, c := range cdr.CallTypes {
			info, back := renderIngest(t, &cdr.Record{Direction: d, CallType: c})
			if got, want := (dc{back.Direction, back.CallType}), lossy(dc{d, c}); got != want {
				t.Errorf("%s %s: CallType %d Direction %d ingest as %v, want %v", d, c, *info.CallType, *info.Direction, got, want)
			}
			if wantDir := map[cdr.Direction]int64{cdr.DirectionOutbound: 1, cdr.DirectionInternal: 1}[d]; *info.Direction != wantDir {
				t.Errorf("%s: Direction %d, want %d", d, *info.Direction, wantDir)
			}
		}
	}
	for _, tt := range []struct {
		in   string
		want dc
	}{
		{`"CallType":3`, dc{cdr.DirectionInbound, cdr.CallTypeDirect}},
		{`"CallType":5,"Direction":0`, dc{cdr.DirectionOutbound, cdr.CallTypePredictive}},
		{`"CallType":6`, dc{cdr.DirectionInternal, cdr.CallTypeDirect}},
		{`"CallType":4,"Direction":1`, dc{cdr.DirectionOutbound, cdr.CallTypeDirect}},
		{`"CallType":0,"Direction":0`, dc{cdr.DirectionInbound, cdr.CallTypeDirect}},
		{`"Direction":2`, dc{cdr.DirectionUnknown, cdr.CallTypeDirect}},
		{`"CallType":null,"Direction":null`, dc{cdr.DirectionUnknown, cdr.CallTypeDirect}},
	} {
		r := mustIngest(t, `{"SessionId":"s","Time":1700000000,`+tt.in+`}`)
		if got := (dc{r.Direction, r.CallType}); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestHungUpSideRoundTrip(t *testing.T) {
	for _, by := range cdr.HangupBys {
		info, back := renderIngest(t, &cdr.Record{HangupBy: by})
		if back.HangupBy != by {
			t.Errorf("%s renders %q, ingests as %s", by, info.HungUpSide, back.HangupBy)
		}
	}
	if r := mustIngest(t, `{"SessionId":"s","Time":1700000000,"HungUpSide":"abc"}`); r.HangupBy != cdr.HangupByUnknown {
		t.Errorf("unknown HungUpSide ingests as %s", r.HangupBy)
	}
}
