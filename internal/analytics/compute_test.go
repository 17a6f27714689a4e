package analytics

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// rb builds a record by hand.
type rb struct{ *cdr.Record }

var nextID int

func rec(start int64, ch cdr.Channel, dir cdr.Direction, disp cdr.Disposition) rb {
	nextID++
	return rb{&cdr.Record{Channel: ch, Source: cdr.SourceNative, SourceID: fmt.Sprint("r", nextID),
		StartAt: start, Direction: dir, Disposition: disp}}
}

func in(start int64, disp cdr.Disposition) rb {
	return rec(start, cdr.ChannelVoice, cdr.DirectionInbound, disp)
}

func (r rb) queue(id string) rb { r.Queues = []cdr.Queue{{ID: id}}; return r }
func (r rb) agent(id string) rb { r.Agents = []cdr.Agent{{ID: id}}; return r }

// answer sets answer_at s seconds (and 999 ms, which wait_s drops) after
// the start; end sets end_at s seconds after it; queued sets queued_at.
func (r rb) answer(s int64) rb { r.AnswerAt = p64(r.StartAt + s*1000 + 999); return r }
func (r rb) end(s int64) rb    { r.EndAt = p64(r.StartAt + s*1000); return r }
func (r rb) queued(s int64) rb { r.QueuedAt = p64(r.StartAt + s*1000); return r }
func (r rb) talk(s int64) rb   { r.TalkS = p64(s); return r }
func (r rb) hold(s int64) rb   { r.HoldS = p64(s); return r }
func (r rb) inQueue(s int64) rb {
	r.QueueS = p64(s)
	return r
}
func (r rb) score(v int) rb { r.Satisfaction = &cdr.Satisfaction{Score: &v}; return r }
func (r rb) shadow() rb     { r.SameAs = "origin"; return r }

func recs(rbs ...rb) []*cdr.Record {
	out := make([]*cdr.Record, len(rbs))
	for i, r := range rbs {
		out[i] = r.Record
	}
	return out
}

func f(v float64) *float64 { return &v }

// compute runs Compute on the records' rows and checks that FromRollups
// and Reference agree with it.
func compute(t *testing.T, q *Query, rs []*cdr.Record) *Result {
	t.Helper()
	rows := rowsOf(rs)
	got, err := Compute(q, rows)
	if err != nil {
		t.Fatal(err)
	}
	fr, err := FromRollups(context.Background(), q, fakeSums(rows))
	if err != nil {
		t.Fatal(err)
	}
	fr.ComputedFrom = got.ComputedFrom
	if diff := cmp.Diff(got, fr); diff != "" {
		t.Errorf("FromRollups differs from Compute (-compute +from rollups):\n%s", diff)
	}
	ref := Reference(q, rs)
	ref.ComputedFrom = got.ComputedFrom
	if diff := cmp.Diff(ref, got); diff != "" {
		t.Errorf("Compute differs from Reference (-reference +compute):\n%s", diff)
	}
	return got
}

// day0 is Monday 2026-03-02 in UTC.
const day0 = "2026-03-02T"

// basic is a day of records with every KPI known by hand (see
// TestComputeKnownAnswers).
func basic(t *testing.T) []*cdr.Record {
	h := func(s string) int64 { return at(t, day0+s+"Z") }
	return recs(
		// Inbound voice: answered after 15 s and 30 s (from queued_at),
		// transferred after 8 s, answered with no answer_at (no wait).
		in(h("09:00:00"), cdr.DispositionAnswered).queue("q1").agent("a1").answer(15).talk(100).hold(20).inQueue(15).score(5),
		in(h("09:05:00"), cdr.DispositionAnswered).queue("q1").agent("a2").queued(5).answer(35).talk(200).inQueue(30).score(3),
		in(h("09:20:00"), cdr.DispositionTransferred).queue("q2").agent("a1").answer(8).talk(50).hold(10).inQueue(8),
		in(h("09:25:00"), cdr.DispositionAnswered).queue("q2").agent("a2"),
		// Abandoned after 5 s and 45 s; no answer (offered, neither).
		in(h("09:40:00"), cdr.DispositionAbandoned).queue("q1").end(5),
		in(h("10:10:00"), cdr.DispositionAbandoned).queue("q2").end(45).inQueue(45),
		in(h("10:20:00"), cdr.DispositionNoAnswer).queue("q1"),
		// Inbound chat answered after 2 s.
		rec(h("10:30:00"), cdr.ChannelChat, cdr.DirectionInbound, cdr.DispositionAnswered).queue("q3").agent("a3").answer(2).talk(300),
		// Outbound voice: connected (60 s talk), not answered; outbound
		// rtc is no attempt.
		rec(h("11:00:00"), cdr.ChannelVoice, cdr.DirectionOutbound, cdr.DispositionAnswered).agent("a1").talk(60).score(4),
		rec(h("11:30:00"), cdr.ChannelVoice, cdr.DirectionOutbound, cdr.DispositionNoAnswer).agent("a1"),
		rec(h("11:45:00"), cdr.ChannelRTC, cdr.DirectionOutbound, cdr.DispositionAnswered).talk(30),
		// A shadow counts nowhere.
		in(h("09:10:00"), cdr.DispositionAnswered).queue("q1").agent("a1").answer(1).talk(1000).score(1).shadow(),
		// Outside the window.
		in(at(t, "2026-03-03T00:00:00Z"), cdr.DispositionAnswered).answer(1),
	)
}

func TestComputeKnownAnswers(t *testing.T) {
	const window = "from=2026-03-02T00:00:00Z&to=2026-03-03T00:00:00Z"
	tests := []struct {
		name  string
		query string
		want  KPIs
	}{
		{
			// contacts: 11 (not the shadow nor the next day). Inbound: 8;
			// answered 4 (answered, transferred); abandoned 2. Within 20
			// s: 15, 8, 2 → 3 of 8. Waits 15 + 30 + 8 + 2 over 4 with a
			// wait. Talk 100 + 200 + 50 + 300 over 4, hold 20 + 10 over 2,
			// AHT 680 over 5 answered. Queue 15 + 30 + 8 + 45 over 4.
			// Scores 5, 3, 4. Outbound voice: 2 attempts, 1 connected,
			// 60 s talk.
			"default threshold", window,
			KPIs{
				Contacts: 11, Offered: 8, Answered: 5, Abandoned: 2,
				AbandonmentRate: f(2.0 / 8), ServiceLevel: f(3.0 / 8),
				ASA: f(55.0 / 4), AHT: f(680.0 / 5), AvgTalk: f(650.0 / 4), AvgHold: f(15), AvgQueue: f(98.0 / 4),
				CSATAvg: f(4), CSATCount: 3, CSATScores: [5]int64{0, 0, 1, 1, 1},
				Attempts: 2, Connected: 1, ASR: f(0.5), ACD: f(60),
			},
		},
		{
			// Within 30 s: the 30 s wait counts too.
			"sl_threshold 30", window + "&sl_threshold=30",
			KPIs{
				Contacts: 11, Offered: 8, Answered: 5, Abandoned: 2,
				AbandonmentRate: f(2.0 / 8), ServiceLevel: f(4.0 / 8),
				ASA: f(55.0 / 4), AHT: f(680.0 / 5), AvgTalk: f(650.0 / 4), AvgHold: f(15), AvgQueue: f(98.0 / 4),
				CSATAvg: f(4), CSATCount: 3, CSATScores: [5]int64{0, 0, 1, 1, 1},
				Attempts: 2, Connected: 1, ASR: f(0.5), ACD: f(60),
			},
		},
		{
			// The 5 s abandon leaves offered and abandoned; avg_queue_s
			// keeps it (it had no queue_s anyway).
			"short_abandon 10", window + "&short_abandon=10",
			KPIs{
				Contacts: 11, Offered: 7, Answered: 5, Abandoned: 1, ShortAbandoned: 1,
				AbandonmentRate: f(1.0 / 7), ServiceLevel: f(3.0 / 7),
				ASA: f(55.0 / 4), AHT: f(680.0 / 5), AvgTalk: f(650.0 / 4), AvgHold: f(15), AvgQueue: f(98.0 / 4),
				CSATAvg: f(4), CSATCount: 3, CSATScores: [5]int64{0, 0, 1, 1, 1},
				Attempts: 2, Connected: 1, ASR: f(0.5), ACD: f(60),
			},
		},
		{
			// Both abandons are within 60 s.
			"short_abandon 60", window + "&short_abandon=60",
			KPIs{
				Contacts: 11, Offered: 6, Answered: 5, Abandoned: 0, ShortAbandoned: 2,
				AbandonmentRate: f(0), ServiceLevel: f(3.0 / 6),
				ASA: f(55.0 / 4), AHT: f(680.0 / 5), AvgTalk: f(650.0 / 4), AvgHold: f(15), AvgQueue: f(98.0 / 4),
				CSATAvg: f(4), CSATCount: 3, CSATScores: [5]int64{0, 0, 1, 1, 1},
				Attempts: 2, Connected: 1, ASR: f(0.5), ACD: f(60),
			},
		},
		{
			// Outbound only: no inbound denominators, so null rates.
			"null rates", window + "&direction=outbound",
			KPIs{
				Contacts: 3, CSATAvg: f(4), CSATCount: 1, CSATScores: [5]int64{0, 0, 0, 1, 0},
				Attempts: 2, Connected: 1, ASR: f(0.5), ACD: f(60),
			},
		},
		{
			// A no-answer attempt: asr is 0, acd_s null.
			"zero rate", window + "&direction=outbound&disposition=no_answer",
			KPIs{Contacts: 1, Attempts: 1, ASR: f(0)},
		},
		{
			// Voice in q1 or q2, answered or abandoned: the two answered
			// after 15 and 30 s, the one without a wait, both abandons.
			"filters", window + "&channel=voice&queue=q1,q2&disposition=answered,abandoned",
			KPIs{
				Contacts: 5, Offered: 5, Answered: 3, Abandoned: 2,
				AbandonmentRate: f(2.0 / 5), ServiceLevel: f(1.0 / 5),
				ASA: f(45.0 / 2), AHT: f(320.0 / 3), AvgTalk: f(150), AvgHold: f(20), AvgQueue: f(90.0 / 3),
				CSATAvg: f(4), CSATCount: 2, CSATScores: [5]int64{0, 0, 1, 0, 1},
			},
		},
		{"empty", "from=2026-03-05T00:00:00Z&to=2026-03-06T00:00:00Z", KPIs{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := compute(t, mustQuery(t, tt.query, nil), basic(t))
			if len(res.Series) != 1 || len(res.Series[0].Group) != 0 || len(res.Series[0].Buckets) != 0 {
				t.Fatalf("series %+v, want one ungrouped total", res.Series)
			}
			if diff := cmp.Diff(tt.want, res.Series[0].Total.KPIs); diff != "" {
				t.Errorf("total (-want +got):\n%s", diff)
			}
		})
	}
}

func TestComputeGroups(t *testing.T) {
	const window = "from=2026-03-02T00:00:00Z&to=2026-03-03T00:00:00Z"
	type want struct {
		group                                  map[string]string
		contacts, offered, answered, abandoned int64
		asa                                    *float64
	}
	tests := []struct {
		name  string
		query string
		want  []want
	}{
		{"queue", window + "&group_by=queue", []want{
			{map[string]string{"queue": ""}, 3, 0, 0, 0, nil},
			{map[string]string{"queue": "q1"}, 4, 4, 2, 1, f(45.0 / 2)},
			{map[string]string{"queue": "q2"}, 3, 3, 2, 1, f(8)},
			{map[string]string{"queue": "q3"}, 1, 1, 1, 0, f(2)},
		}},
		// Listed agent first, sorted by queue first all the same.
		{"agent and queue", window + "&group_by=agent,queue&direction=inbound", []want{
			{map[string]string{"queue": "q1", "agent": ""}, 2, 2, 0, 1, nil},
			{map[string]string{"queue": "q1", "agent": "a1"}, 1, 1, 1, 0, f(15)},
			{map[string]string{"queue": "q1", "agent": "a2"}, 1, 1, 1, 0, f(30)},
			{map[string]string{"queue": "q2", "agent": ""}, 1, 1, 0, 1, nil},
			{map[string]string{"queue": "q2", "agent": "a1"}, 1, 1, 1, 0, f(8)},
			{map[string]string{"queue": "q2", "agent": "a2"}, 1, 1, 1, 0, nil},
			{map[string]string{"queue": "q3", "agent": "a3"}, 1, 1, 1, 0, f(2)},
		}},
		{"channel and direction", window + "&group_by=direction,channel", []want{
			{map[string]string{"channel": "chat", "direction": "inbound"}, 1, 1, 1, 0, f(2)},
			{map[string]string{"channel": "rtc", "direction": "outbound"}, 1, 0, 0, 0, nil},
			{map[string]string{"channel": "voice", "direction": "inbound"}, 7, 7, 4, 2, f(53.0 / 3)},
			{map[string]string{"channel": "voice", "direction": "outbound"}, 2, 0, 0, 0, nil},
		}},
		{"no rows", "from=2026-03-05T00:00:00Z&to=2026-03-06T00:00:00Z&group_by=queue&interval=1h", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := compute(t, mustQuery(t, tt.query, nil), basic(t))
			var got []want
			for _, s := range res.Series {
				k := s.Total.KPIs
				got = append(got, want{s.Group, k.Contacts, k.Offered, k.Answered, k.Abandoned, k.ASA})
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("series (-want +got):\n%s", diff)
			}
			if res.Series == nil {
				t.Error("series is nil, want []")
			}
		})
	}
}

// bucket is what TestComputeIntervals checks of a bucket.
type bucket struct {
	From, To           string
	Contacts, Answered int64
}

func TestComputeIntervals(t *testing.T) {
	tests := []struct {
		name  string
		query string
		recs  []string // start_at of answered inbound records
		want  []bucket
	}{
		{
			// 2026-03-08 is 23 hours long in New York.
			"New York springs forward, 1d",
			"tz=America/New_York&interval=1d&from=2026-03-07T00:00:00-05:00&to=2026-03-10T00:00:00-04:00",
			[]string{"2026-03-08T04:59:59Z", "2026-03-08T06:45:00Z", "2026-03-09T03:59:00Z", "2026-03-09T04:00:00Z"},
			[]bucket{
				{"2026-03-07T00:00:00-05:00", "2026-03-08T00:00:00-05:00", 1, 1},
				{"2026-03-08T00:00:00-05:00", "2026-03-09T00:00:00-04:00", 2, 2},
				{"2026-03-09T00:00:00-04:00", "2026-03-10T00:00:00-04:00", 1, 1},
			},
		},
		{
			// 2026-11-01 is 25 hours long.
			"New York falls back, 1d",
			"tz=America/New_York&interval=1d&from=2026-11-01T00:00:00-04:00&to=2026-11-03T00:00:00-05:00",
			[]string{"2026-11-01T04:00:00Z", "2026-11-02T04:30:00Z", "2026-11-02T05:00:00Z"},
			[]bucket{
				{"2026-11-01T00:00:00-04:00", "2026-11-02T00:00:00-05:00", 2, 2},
				{"2026-11-02T00:00:00-05:00", "2026-11-03T00:00:00-05:00", 1, 1},
			},
		},
		{
			// 02:00 EST does not exist: the hour from 01:00 ends at 03:00
			// EDT.
			"New York springs forward, 1h",
			"tz=America/New_York&interval=1h&from=2026-03-08T01:00:00-05:00&to=2026-03-08T05:00:00-04:00",
			[]string{"2026-03-08T06:59:00Z", "2026-03-08T07:00:00Z"},
			[]bucket{
				{"2026-03-08T01:00:00-05:00", "2026-03-08T03:00:00-04:00", 1, 1},
				{"2026-03-08T03:00:00-04:00", "2026-03-08T04:00:00-04:00", 1, 1},
				{"2026-03-08T04:00:00-04:00", "2026-03-08T05:00:00-04:00", 0, 0},
			},
		},
		{
			// 01:00–02:00 happens twice: two buckets.
			"New York falls back, 1h",
			"tz=America/New_York&interval=1h&from=2026-11-01T00:00:00-04:00&to=2026-11-01T03:00:00-05:00",
			[]string{"2026-11-01T05:30:00Z", "2026-11-01T06:30:00Z", "2026-11-01T06:45:00Z"},
			[]bucket{
				{"2026-11-01T00:00:00-04:00", "2026-11-01T01:00:00-04:00", 0, 0},
				{"2026-11-01T01:00:00-04:00", "2026-11-01T01:00:00-05:00", 1, 1},
				{"2026-11-01T01:00:00-05:00", "2026-11-01T02:00:00-05:00", 2, 2},
				{"2026-11-01T02:00:00-05:00", "2026-11-01T03:00:00-05:00", 0, 0},
			},
		},
		{
			// +5:45: local hours start at UTC :15; the first bucket is
			// partial (from 23:45 local).
			"Kathmandu, 1h",
			"tz=Asia/Kathmandu&interval=1h&from=2026-03-01T18:00:00Z&to=2026-03-01T20:15:00Z",
			[]string{"2026-03-01T18:14:59Z", "2026-03-01T18:15:00Z", "2026-03-01T19:14:00Z", "2026-03-01T19:15:00Z"},
			[]bucket{
				{"2026-03-01T23:45:00+05:45", "2026-03-02T00:00:00+05:45", 1, 1},
				{"2026-03-02T00:00:00+05:45", "2026-03-02T01:00:00+05:45", 2, 2},
				{"2026-03-02T01:00:00+05:45", "2026-03-02T02:00:00+05:45", 1, 1},
			},
		},
		{
			"Kathmandu, 1d",
			"tz=Asia/Kathmandu&interval=1d&from=2026-03-01T00:00:00%2B05:45&to=2026-03-03T00:00:00%2B05:45",
			[]string{"2026-03-01T18:14:00Z", "2026-03-01T18:15:00Z"},
			[]bucket{
				{"2026-03-01T00:00:00+05:45", "2026-03-02T00:00:00+05:45", 1, 1},
				{"2026-03-02T00:00:00+05:45", "2026-03-03T00:00:00+05:45", 1, 1},
			},
		},
		{
			// Weeks start on Monday; 2026-11-04 is a Wednesday.
			"Shanghai, 1w",
			"tz=Asia/Shanghai&interval=1w&from=2026-11-04T00:00:00%2B08:00&to=2026-11-20T00:00:00%2B08:00",
			[]string{"2026-11-08T15:59:00Z", "2026-11-08T16:00:00Z", "2026-11-19T15:59:59Z", "2026-11-19T16:00:00Z"},
			[]bucket{
				{"2026-11-04T00:00:00+08:00", "2026-11-09T00:00:00+08:00", 1, 1},
				{"2026-11-09T00:00:00+08:00", "2026-11-16T00:00:00+08:00", 1, 1},
				{"2026-11-16T00:00:00+08:00", "2026-11-20T00:00:00+08:00", 1, 1},
			},
		},
		{
			// March has 31 days of which one is 23 hours.
			"New York, 1mo",
			"tz=America/New_York&interval=1mo&from=2026-01-15T00:00:00-05:00&to=2026-04-01T00:00:00-04:00",
			[]string{"2026-02-01T04:59:00Z", "2026-02-01T05:00:00Z", "2026-03-31T23:00:00Z", "2026-04-01T03:59:00Z"},
			[]bucket{
				{"2026-01-15T00:00:00-05:00", "2026-02-01T00:00:00-05:00", 1, 1},
				{"2026-02-01T00:00:00-05:00", "2026-03-01T00:00:00-05:00", 1, 1},
				{"2026-03-01T00:00:00-05:00", "2026-04-01T00:00:00-04:00", 2, 2},
			},
		},
		{
			// Lord Howe goes from +11 to +10:30 at 02:00 local: the
			// hour from 01:00 lasts 90 minutes, 01:30–02:00 twice.
			"Lord Howe falls back half an hour, 1h",
			"tz=Australia/Lord_Howe&interval=1h&from=2026-04-04T14:00:00Z&to=2026-04-04T16:30:00Z",
			[]string{"2026-04-04T14:50:00Z", "2026-04-04T15:20:00Z", "2026-04-04T15:30:00Z"},
			[]bucket{
				{"2026-04-05T01:00:00+11:00", "2026-04-05T02:00:00+10:30", 2, 2},
				{"2026-04-05T02:00:00+10:30", "2026-04-05T03:00:00+10:30", 1, 1},
			},
		},
		{
			// Monday to Friday 09:00–17:00 in Shanghai: the 08:45,
			// 17:00 and Saturday buckets count nothing, yet the days
			// appear.
			"business hours",
			"tz=Asia/Shanghai&interval=1d&from=2026-03-06T00:00:00%2B08:00&to=2026-03-10T00:00:00%2B08:00&day_start=09:00&day_end=17:00&weekdays=1,2,3,4,5",
			[]string{
				"2026-03-06T00:59:00Z", // Friday 08:59
				"2026-03-06T01:00:00Z", // Friday 09:00
				"2026-03-06T08:59:59Z", // Friday 16:59
				"2026-03-06T09:00:00Z", // Friday 17:00
				"2026-03-07T03:00:00Z", // Saturday 11:00
				"2026-03-09T02:00:00Z", // Monday 10:00
			},
			[]bucket{
				{"2026-03-06T00:00:00+08:00", "2026-03-07T00:00:00+08:00", 2, 2},
				{"2026-03-07T00:00:00+08:00", "2026-03-08T00:00:00+08:00", 0, 0},
				{"2026-03-08T00:00:00+08:00", "2026-03-09T00:00:00+08:00", 0, 0},
				{"2026-03-09T00:00:00+08:00", "2026-03-10T00:00:00+08:00", 1, 1},
			},
		},
		{
			// Hours only, to 24:00, on the local clock of a 23-hour day.
			"evening hours across a DST change",
			"tz=America/New_York&interval=1d&from=2026-03-07T00:00:00-05:00&to=2026-03-09T00:00:00-04:00&day_start=22:00&day_end=24:00",
			[]string{"2026-03-08T02:59:00Z", "2026-03-08T03:00:00Z", "2026-03-09T01:59:00Z", "2026-03-09T02:00:00Z"},
			[]bucket{
				{"2026-03-07T00:00:00-05:00", "2026-03-08T00:00:00-05:00", 1, 1},
				{"2026-03-08T00:00:00-05:00", "2026-03-09T00:00:00-04:00", 1, 1},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rs []*cdr.Record
			for _, s := range tt.recs {
				rs = append(rs, in(at(t, s), cdr.DispositionAnswered).answer(1).Record)
			}
			res := compute(t, mustQuery(t, tt.query, time.UTC), rs)
			if len(res.Series) != 1 {
				t.Fatalf("%d series", len(res.Series))
			}
			var got []bucket
			for _, b := range res.Series[0].Buckets {
				got = append(got, bucket{b.From.Format(time.RFC3339), b.To.Format(time.RFC3339), b.Contacts, b.Answered})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("buckets (-want +got):\n%s", diff)
			}
			var sum int64
			for _, b := range tt.want {
				sum += b.Contacts
			}
			if tot := res.Series[0].Total; tot.Contacts != sum || !tot.From.Equal(res.From) || !tot.To.Equal(res.To) {
				t.Errorf("total %+v, want %d contacts over the window", tot, sum)
			}
		})
	}
}

// TestResultJSON checks the answer's exact form: null rates, empty
// buckets, the zone's offsets.
func TestResultJSON(t *testing.T) {
	shanghai := mustLoc(t, "Asia/Shanghai")
	r := in(at(t, "2026-11-01T02:00:00Z"), cdr.DispositionAbandoned).queue("101").end(12)
	tests := []struct {
		name, query string
		want        string
	}{
		{"total", "from=2026-11-01T00:00:00%2B08:00&to=2026-11-02T00:00:00%2B08:00&short_abandon=10",
			`{"tz":"Asia/Shanghai","interval":null,"from":"2026-11-01T00:00:00+08:00","to":"2026-11-02T00:00:00+08:00","sl_threshold":20,"short_abandon":10,"computed_from":"rollups",` +
				`"series":[{"group":{},"buckets":[],"total":{"from":"2026-11-01T00:00:00+08:00","to":"2026-11-02T00:00:00+08:00",` +
				`"contacts":1,"offered":1,"answered":0,"abandoned":1,"short_abandoned":0,"abandonment_rate":1,"service_level":0,` +
				`"asa_s":null,"aht_s":null,"avg_talk_s":null,"avg_hold_s":null,"avg_queue_s":null,"csat_avg":null,"csat_count":0,"csat_scores":[0,0,0,0,0],` +
				`"attempts":0,"connected":0,"asr":null,"acd_s":null}}]}`},
		{"grouped daily", "from=2026-11-01T00:00:00%2B08:00&to=2026-11-03T00:00:00%2B08:00&interval=1d&group_by=queue&tz=Asia/Shanghai",
			`{"tz":"Asia/Shanghai","interval":"1d","from":"2026-11-01T00:00:00+08:00","to":"2026-11-03T00:00:00+08:00","sl_threshold":20,"short_abandon":null,"computed_from":"rollups",` +
				`"series":[{"group":{"queue":"101"},"buckets":[` +
				`{"from":"2026-11-01T00:00:00+08:00","to":"2026-11-02T00:00:00+08:00",` +
				`"contacts":1,"offered":1,"answered":0,"abandoned":1,"short_abandoned":0,"abandonment_rate":1,"service_level":0,` +
				`"asa_s":null,"aht_s":null,"avg_talk_s":null,"avg_hold_s":null,"avg_queue_s":null,"csat_avg":null,"csat_count":0,"csat_scores":[0,0,0,0,0],` +
				`"attempts":0,"connected":0,"asr":null,"acd_s":null},` +
				`{"from":"2026-11-02T00:00:00+08:00","to":"2026-11-03T00:00:00+08:00",` +
				`"contacts":0,"offered":0,"answered":0,"abandoned":0,"short_abandoned":0,"abandonment_rate":null,"service_level":null,` +
				`"asa_s":null,"aht_s":null,"avg_talk_s":null,"avg_hold_s":null,"avg_queue_s":null,"csat_avg":null,"csat_count":0,"csat_scores":[0,0,0,0,0],` +
				`"attempts":0,"connected":0,"asr":null,"acd_s":null}],` +
				`"total":{"from":"2026-11-01T00:00:00+08:00","to":"2026-11-03T00:00:00+08:00",` +
				`"contacts":1,"offered":1,"answered":0,"abandoned":1,"short_abandoned":0,"abandonment_rate":1,"service_level":0,` +
				`"asa_s":null,"aht_s":null,"avg_talk_s":null,"avg_hold_s":null,"avg_queue_s":null,"csat_avg":null,"csat_count":0,"csat_scores":[0,0,0,0,0],` +
				`"attempts":0,"connected":0,"asr":null,"acd_s":null}}]}`},
		{"grouped, no rows", "from=2026-11-05T00:00:00Z&to=2026-11-06T00:00:00Z&group_by=agent&tz=UTC",
			`{"tz":"UTC","interval":null,"from":"2026-11-05T00:00:00Z","to":"2026-11-06T00:00:00Z","sl_threshold":20,"short_abandon":null,"computed_from":"rollups","series":[]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := compute(t, mustQuery(t, tt.query, shanghai), recs(r))
			got, err := json.Marshal(res)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("JSON\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestComputeIgnoresOthers: rows outside the window or the filters, given
// by a caller that reads a superset, change nothing.
func TestComputeIgnoresOthers(t *testing.T) {
	q := mustQuery(t, "from=2026-03-02T09:00:00Z&to=2026-03-02T09:30:00Z&interval=15m&queue=q1", nil)
	all := basic(t)
	want, err := Compute(q, rowsOf(all[:2]))
	if err != nil {
		t.Fatal(err)
	}
	got, err := Compute(q, rowsOf(all))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-two records +all):\n%s", diff)
	}
	// Rows of the same key given apart add up.
	rows := rowsOf(all[:1])
	rows = append(rows, rows[0])
	res, err := Compute(q, rows)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Series[0].Total; got.Answered != 2 || *got.ASA != 15 {
		t.Errorf("two equal rows: %+v", got.KPIs)
	}
}

func TestComputeCells(t *testing.T) {
	q := mustQuery(t, "from=2026-03-01T00:00:00Z&to=2026-03-11T00:00:00Z&interval=15m&group_by=agent", nil)
	var rows []Row
	for i := range MaxCells/960 + 1 {
		rows = append(rows, Row{Key: cdr.KPIKey{CountKey: cdr.CountKey{Bucket: q.From}, Agent: fmt.Sprint("a", i)}, M: cdr.KPIMeasures{Contacts: 1}})
	}
	if _, err := Compute(q, rows[:len(rows)-1]); err != nil {
		t.Fatalf("%d groups: %v", len(rows)-1, err)
	}
	_, err := Compute(q, rows)
	if cdr.ErrorCode(err) != cdr.EINVALID {
		t.Fatalf("%d groups of 960 buckets: %v", len(rows), err)
	}
	t.Log(cdr.ErrorMessage(err))
}

func BenchmarkCompute(b *testing.B) {
	// 90 days × 96 buckets × 50 keys (10 queues × 5 agents per bucket,
	// rotating over 50 agents and 3 dispositions), daily in Shanghai,
	// grouped by queue.
	from := at(b, "2026-01-01T00:00:00+08:00")
	q := mustQuery(b, fmt.Sprintf("from=%d&to=%d&interval=1d&group_by=queue&tz=Asia/Shanghai", from, from+90*day), nil)
	disps := []cdr.Disposition{cdr.DispositionAnswered, cdr.DispositionAbandoned, cdr.DispositionTransferred}
	var queues, agents []string
	for i := range 50 {
		queues = append(queues, fmt.Sprint("q", i%10))
		agents = append(agents, fmt.Sprint("agent-", i))
	}
	rows := make([]Row, 0, 90*96*50)
	for bk := from; bk < q.To; bk += cdr.RollupBucket {
		for i := range 50 {
			n := int(bk/cdr.RollupBucket) + i
			rows = append(rows, Row{
				Key: cdr.KPIKey{CountKey: cdr.CountKey{Bucket: bk, Channel: cdr.ChannelVoice, Source: cdr.SourceTencentCCC, Direction: cdr.DirectionInbound},
					Queue: queues[i], Agent: agents[n%50], Disposition: disps[n%3]},
				M: cdr.KPIMeasures{Contacts: 2, AnsweredWithin: [5]int64{1, 1, 2, 2, 2}, WaitS: 25, WaitN: 2, TalkS: 300, TalkN: 2, SatN: 1, SatSum: 4, SatScores: [5]int64{0, 0, 0, 1, 0}},
			})
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compute(q, rows); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(rows)), "rows/op")
}
