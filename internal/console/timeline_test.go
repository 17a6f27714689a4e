package console

import (
	"fmt"
	"slices"
	"testing"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/google/go-cmp/cmp"
)

func ms(v int64) *int64 { return &v }

func TestTimeline(t *testing.T) {
	const t0 = 1_796_000_000_000
	r := &cdr.Record{Channel: cdr.ChannelVoice, Direction: cdr.DirectionInbound, Disposition: cdr.DispositionAnswered,
		HangupBy: cdr.HangupByCustomer, StartAt: t0, IVRS: ms(12), QueuedAt: ms(t0 + 12_000), RingAt: ms(t0 + 40_000),
		AnswerAt: ms(t0 + 45_000), EndAt: ms(t0 + 300_000), HoldS: ms(30),
		Caller: cdr.Party{Address: "13912345678"}, Queues: []cdr.Queue{{Name: "Sales"}},
		Agents: []cdr.Agent{{Name: "Zhang Min"}},
		IVRKeys: []cdr.IVRKey{{Key: "2", Label: "sales", At: ms(t0 + 8_000)}, {Key: "9"},
			{Phase: cdr.PhaseSurvey, Key: "5", At: ms(t0 + 305_000)}},
		Participants: []cdr.Participant{
			{Seq: 1, Role: cdr.RoleAgent, ID: "zhang", StartAt: ms(t0 + 40_000), RingAt: ms(t0 + 40_000), AnswerAt: ms(t0 + 45_000), EndAt: ms(t0 + 200_000), TransferTo: "li"},
			{Seq: 2, Role: cdr.RoleAgent, ID: "li", StartAt: ms(t0 + 200_000), AnswerAt: ms(t0 + 203_000), EndAt: ms(t0 + 300_000), TransferFrom: "zhang"},
		}}
	tl := timelineOf(r)
	if tl.Start != t0 || tl.End != t0+305_000 {
		t.Errorf("window [%d, %d], want [%d, %d]", tl.Start-t0, tl.End-t0, 0, 305_000)
	}
	type ev struct {
		At    int64
		Kind  string
		Label string
	}
	var got []ev
	for _, e := range tl.Events {
		at := e.At
		if at != 0 {
			at -= t0
		}
		got = append(got, ev{at, e.Kind, en(e.Label)})
	}
	want := []ev{
		{0, "start", "Call from 13912345678"},
		{0, "key", "Pressed 9"}, // no time: listed from the start, in the record's order
		{8_000, "key", "Pressed 2 (sales)"},
		{12_000, "queue", "Queued in Sales"},
		{40_000, "ring", "Ringing"},
		{45_000, "answer", "Answered by Zhang Min"},
		{45_000, "answer", "zhang (agent) answered"},
		{200_000, "transfer", "Transferred from zhang to li (agent)"},
		{203_000, "answer", "li (agent) answered"},
		{300_000, "end", "Ended: the customer hung up (answered)"},
		{305_000, "survey", "Survey: pressed 5"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	type sp struct {
		Lane, Kind string
		From, To   int64
	}
	var spans []sp
	for _, l := range tl.Lanes {
		for _, s := range l.Spans {
			spans = append(spans, sp{en(l.Label), s.Kind, s.From - t0, s.To - t0})
		}
	}
	wantSpans := []sp{
		{"Call", "ivr", 0, 12_000},
		{"Call", "queue", 12_000, 40_000},
		{"Call", "ring", 40_000, 45_000},
		{"Call", "talk", 45_000, 300_000},
		{"zhang (agent)", "ring", 40_000, 45_000},
		{"zhang (agent)", "talk", 45_000, 200_000},
		{"li (agent)", "talk", 203_000, 300_000},
	}
	if diff := cmp.Diff(wantSpans, spans); diff != "" {
		t.Errorf("spans (-want +got):\n%s", diff)
	}
	if en(tl.Hold) != "On hold 0:30 in all (when is not known)" {
		t.Errorf("hold %q", en(tl.Hold))
	}
	d := draw(tl)
	if x := d.Lanes[0].Spans[3]; x.X+x.W > drawWidth+0.01 || x.X < labelWidth {
		t.Errorf("the talk span lies outside the drawing: %+v", x)
	}
}

func TestTimelineTransferOut(t *testing.T) {
	// A leg that was transferred away, to someone without a leg: told when
	// it ended.
	const t0 = 1_796_000_000_000
	r := &cdr.Record{StartAt: t0, EndAt: ms(t0 + 90_000), Participants: []cdr.Participant{
		{Seq: 1, Role: cdr.RoleAgent, ID: "zhang", StartAt: ms(t0), AnswerAt: ms(t0 + 5_000), EndAt: ms(t0 + 60_000), TransferTo: "+8613900000000"}}}
	var got []string
	for _, e := range timelineOf(r).Events {
		if e.Kind == "transfer" {
			got = append(got, fmt.Sprintf("%d %s", e.At-t0, en(e.Label)))
		}
	}
	if want := []string{"60000 zhang (agent) transferred to +8613900000000"}; !slices.Equal(got, want) {
		t.Errorf("transfer events %q, want %q", got, want)
	}
}

func TestTimelineSparse(t *testing.T) {
	// A record with nothing but a start and a total: one event, and a
	// window that still has a length.
	r := &cdr.Record{Channel: cdr.ChannelChat, StartAt: 1_796_000_000_000, TotalS: ms(60), Disposition: cdr.DispositionAbandoned}
	tl := timelineOf(r)
	if len(tl.Events) != 1 || en(tl.Events[0].Label) != "Session started by unknown" || tl.End-tl.Start != 60_000 {
		t.Errorf("%+v", tl)
	}
	draw(tl) // no division by zero, no panic
	draw(timelineOf(&cdr.Record{StartAt: 1_796_000_000_000}))
}

func TestSeconds(t *testing.T) {
	for in, want := range map[int64]string{0: "0:00", 59: "0:59", 61: "1:01", 3600: "1:00:00", 3725: "1:02:05", -1: ""} {
		if got := seconds(in); got != want {
			t.Errorf("seconds(%d) = %q, want %q", in, got, want)
		}
	}
}

// en shows t in English.
func en(t text) string { return translate(langEN, t) }

func TestTimelineInChinese(t *testing.T) {
	const t0 = 1_796_000_000_000
	r := &cdr.Record{StartAt: t0, EndAt: ms(t0 + 60_000), HangupBy: cdr.HangupByCustomer, Disposition: cdr.DispositionAbandoned,
		Caller: cdr.Party{Address: "13912345678"}, Direction: cdr.DirectionInbound}
	var got []string
	for _, e := range timelineOf(r).Events {
		got = append(got, translate(langZH, e.Label))
	}
	// The caller is data, shown as it is; the disposition an enum value,
	// translated.
	if want := []string{"来电：13912345678", "结束：客户挂断（放弃）"}; !slices.Equal(got, want) {
		t.Errorf("events %q, want %q", got, want)
	}
}

func TestNiceCeil(t *testing.T) {
	for v, want := range map[float64]float64{0: 1, 0.4: 0.5, 1: 1, 9.25: 10, 11: 20, 25: 50, 51: 100, 2500: 5000} {
		if got := niceCeil(v); got != want {
			t.Errorf("niceCeil(%v) = %v, want %v", v, got, want)
		}
	}
}
