package laaffic

import (
	"testing"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/google/go-cmp/cmp"
)

// renderIngest renders a prepared native record and ingests the output.
func renderIngest(t *testing.T, r *cdr.Record) (*Record, *cdr.Record) {
	t.Helper()
	r.Channel, r.Source, r.SourceID, r.StartAt = cdr.ChannelVoice, cdr.SourceNative, "n-1", 1700000000000
	mustPrepare(t, r)
	in := renderRecord(t, r, shanghai)
	out, _ := Render(r, shanghai)
	back, err := Ingest(out, shanghai)
	if err != nil {
		t.Fatalf("Ingest(Render(r)): %v", err)
	}
	return in, back
}

// Every disposition renders a hangupReason that ingests back to it, in
// every column of (b2), except the documented lossy ones.
func TestDispositionRoundTrip(t *testing.T) {
	lossy := map[cdr.Disposition]cdr.Disposition{
		cdr.DispositionSelfService: cdr.DispositionAnswered, cdr.DispositionTransferred: cdr.DispositionAnswered,
		cdr.DispositionBlocked: cdr.DispositionFailed, cdr.DispositionNoAgent: cdr.DispositionNoAnswer,
		cdr.DispositionVoicemail: cdr.DispositionNoAnswer, cdr.DispositionRejected: cdr.DispositionNoAnswer,
		cdr.DispositionCancelled: cdr.DispositionNoAnswer,
	}
	for _, d := range cdr.Dispositions {
		for _, c := range []struct {
			name string
			dir  cdr.Direction
			ct   cdr.CallType
			by   cdr.HangupBy
		}{
			{"inbound, customer", cdr.DirectionInbound, "", cdr.HangupByCustomer},
			{"inbound, agent", cdr.DirectionInbound, "", cdr.HangupByAgent},
			{"outbound", cdr.DirectionOutbound, "", cdr.HangupByAgent},
			{"predictive", cdr.DirectionOutbound, cdr.CallTypePredictive, cdr.HangupByCustomer},
			{"unknown direction", "", "", ""},
		} {
			in, back := renderIngest(t, &cdr.Record{Disposition: d, Direction: c.dir, CallType: c.ct, HangupBy: c.by})
			want := d
			if l, ok := lossy[d]; ok {
				want = l
			}
			if d == cdr.DispositionAbandoned && c.dir != cdr.DirectionInbound && c.ct != cdr.CallTypePredictive {
				want = cdr.DispositionNoAnswer // rendered 0
			}
			// Inbound 8 is abandoned when the customer hung up, else no_answer.
			if c.dir == cdr.DirectionInbound && in.HangupReason != nil && *in.HangupReason == 8 {
				want = map[bool]cdr.Disposition{true: cdr.DispositionAbandoned, false: cdr.DispositionNoAnswer}[c.by == cdr.HangupByCustomer]
			}
			if back.Disposition != want {
				t.Errorf("%s, %s: %v ingests as %s, want %s", d, c.name, in.HangupReason, back.Disposition, want)
			}
			if (in.HangupReason == nil) != (d == cdr.DispositionUnknown) {
				t.Errorf("%s, %s: hangupReason %v", d, c.name, in.HangupReason)
			}
		}
	}
}

func TestIngestDisposition(t *testing.T) {
	for _, tt := range []struct {
		reason, dir *int
		want        cdr.Disposition
	}{
		{intp(8), intp(0), cdr.DispositionAbandoned}, {intp(8), intp(1), cdr.DispositionNoAnswer}, {intp(8), nil, cdr.DispositionNoAnswer},
		{intp(2), intp(1), cdr.DispositionAbandoned}, {intp(0), intp(0), cdr.DispositionNoAnswer}, {intp(9), nil, cdr.DispositionAnswered},
		{intp(10), nil, cdr.DispositionUnknown}, {intp(-1), nil, cdr.DispositionUnknown}, {nil, intp(0), cdr.DispositionUnknown},
	} {
		if got := IngestDisposition(tt.reason, tt.dir); got != tt.want {
			t.Errorf("%v/%v → %s, want %s", tt.reason, tt.dir, got, tt.want)
		}
	}
}

// A laaffic record without raw renders its own hangupReason from
// disposition_raw (R1); a non-canonical one falls back to the table.
func TestRenderOwnSourceWithoutRaw(t *testing.T) {
	for raw, want := range map[string]*int{"5": intp(5), "42": intp(42), "05": intp(1), "x": intp(1), "": intp(1)} {
		r := mustPrepare(t, &cdr.Record{Channel: cdr.ChannelVoice, Source: cdr.SourceLaaffic, SourceID: "s-9", StartAt: 1700000000000,
			Disposition: cdr.DispositionAnswered, DispositionRaw: raw, Direction: cdr.DirectionOutbound})
		if in := renderRecord(t, r, nil); in.CallSessionID != "s-9" || cmp.Diff(want, in.HangupReason) != "" {
			t.Errorf("%q: %+v %v", raw, in.CallSessionID, *in.HangupReason)
		}
	}
}

// callType (b1) both ways; hangingDirection both ways.
func TestCallTypeAndHangingDirection(t *testing.T) {
	for _, c := range callTypes {
		d, ct := ingestCallType(intp(c.Code))
		if d != c.Direction || ct != c.CallType || renderCallType(d, ct) != c.Code {
			t.Errorf("%d: %s %s renders %d", c.Code, d, ct, renderCallType(d, ct))
		}
	}
	for _, tt := range []struct {
		d    cdr.Direction
		ct   cdr.CallType
		want int
	}{
		{cdr.DirectionUnknown, cdr.CallTypeDirect, none}, {cdr.DirectionInternal, cdr.CallTypeDirect, none},
		{cdr.DirectionInbound, cdr.CallTypePredictive, 1}, {cdr.DirectionOutbound, cdr.CallTypeDual, 3},
		{cdr.DirectionInbound, cdr.CallTypeConference, 2},
	} {
		if got := renderCallType(tt.d, tt.ct); got != tt.want {
			t.Errorf("%s %s renders %d, want %d", tt.d, tt.ct, got, tt.want)
		}
	}
	if d, ct := ingestCallType(intp(0)); d != cdr.DirectionUnknown || ct != cdr.CallTypeDirect {
		t.Errorf("callType 0: %s %s", d, ct)
	}
	for code, want := range map[int]cdr.HangupBy{0: "customer", 1: "agent", 3: "system", 2: "unknown", -1: "unknown"} {
		if got := ingestHangingDirection(intp(code)); got != want {
			t.Errorf("%d → %s, want %s", code, got, want)
		}
	}
	for by, want := range map[cdr.HangupBy]int{"customer": 0, "agent": 1, "system": 3, "unknown": none, "": none} {
		if got := renderHangingDirection(by); got != want {
			t.Errorf("%s renders %d, want %d", by, got, want)
		}
	}
}

func TestTerms(t *testing.T) {
	k := func(f, v string) cdr.Term { return cdr.Term{Kind: "laaffic." + f, Value: v} }
	r := mustIngest(t, `{"callSessionId":"c","callStartTime":"2024-01-02 03:04:05","callType":3,"hangupReason":7,"hangingDirection":0}`)
	want := []cdr.Term{k("callType", "3"), k("hangupReason", "7"), k("hangingDirection", "0")}
	if d := cmp.Diff(want, Terms(r)); d != "" {
		t.Errorf("raw terms (-want +got):\n%s", d)
	}
	r.Disposition = cdr.DispositionAnswered // terms follow the output, not the canonical fields
	if d := cmp.Diff(want, Terms(r)); d != "" {
		t.Errorf("after a canonical change (-want +got):\n%s", d)
	}
	n := mustPrepare(t, &cdr.Record{Channel: cdr.ChannelVoice, Source: cdr.SourceNative, SourceID: "x", StartAt: 1700000000000})
	if ts := Terms(n); ts != nil {
		t.Errorf("native terms: %v", ts)
	}
	n.Direction, n.Disposition, n.HangupBy = cdr.DirectionInbound, cdr.DispositionAbandoned, cdr.HangupByCustomer
	if d := cmp.Diff([]cdr.Term{k("callType", "2"), k("hangupReason", "8"), k("hangingDirection", "0")}, Terms(n)); d != "" {
		t.Errorf("native terms (-want +got):\n%s", d)
	}
	n.Channel = cdr.ChannelChat
	if Terms(n) != nil {
		t.Error("a chat record has terms")
	}
}
