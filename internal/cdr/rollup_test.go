package cdr

import (
	"maps"
	"slices"
	"testing"
	"time"
	_ "time/tzdata"
)

func TestBucketOf(t *testing.T) {
	const b = RollupBucket
	tests := []struct{ ms, want int64 }{
		{0, 0},
		{1, 0},
		{b - 1, 0},
		{b, b},
		{b + 1, b},
		{5*b - 1, 4 * b},
		{-1, -b},
		{-b + 1, -b},
		{-b, -b},
		{-b - 1, -2 * b},
		{1700000000000, 1700000000000 - 800000}, // 2023-11-14T22:13:20Z → 22:00
	}
	for _, tt := range tests {
		if got := BucketOf(tt.ms); got != tt.want {
			t.Errorf("BucketOf(%d) = %d, want %d", tt.ms, got, tt.want)
		}
		if got := BucketOf(tt.ms); got > tt.ms || tt.ms-got >= b || got%b != 0 {
			t.Errorf("BucketOf(%d) = %d is not the start of its bucket", tt.ms, got)
		}
	}
}

func p64(v int64) *int64 { return &v }

func TestWait(t *testing.T) {
	const start = int64(1700000000000)
	tests := []struct {
		name   string
		r      Record
		want   int64
		wantOK bool
	}{
		{"answered", Record{StartAt: start, Disposition: DispositionAnswered, AnswerAt: p64(start + 12_999)}, 12, true},
		{"transferred", Record{StartAt: start, Disposition: DispositionTransferred, AnswerAt: p64(start + 30_000)}, 30, true},
		{"answered from queued_at", Record{StartAt: start, QueuedAt: p64(start + 10_000), Disposition: DispositionAnswered, AnswerAt: p64(start + 25_000)}, 15, true},
		{"abandoned to end", Record{StartAt: start, Disposition: DispositionAbandoned, EndAt: p64(start + 61_000), AnswerAt: p64(start + 1000)}, 61, true},
		{"abandoned from queued_at", Record{StartAt: start, QueuedAt: p64(start + 1000), Disposition: DispositionAbandoned, EndAt: p64(start + 21_000)}, 20, true},
		{"answered without answer_at", Record{StartAt: start, Disposition: DispositionAnswered, EndAt: p64(start + 5000)}, 0, false},
		{"abandoned without end_at", Record{StartAt: start, Disposition: DispositionAbandoned}, 0, false},
		{"other disposition", Record{StartAt: start, Disposition: DispositionNoAnswer, AnswerAt: p64(start), EndAt: p64(start + 5000)}, 0, false},
		{"negative is 0", Record{StartAt: start, QueuedAt: p64(start + 9000), Disposition: DispositionAnswered, AnswerAt: p64(start + 1000)}, 0, true},
	}
	for _, tt := range tests {
		got, ok := tt.r.Wait()
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("%s: Wait() = %d, %v; want %d, %v", tt.name, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestKPIOf(t *testing.T) {
	const start = int64(1700000000000)
	score := func(v int) *Satisfaction { return &Satisfaction{Score: &v} }
	base := func() *Record {
		return &Record{Channel: ChannelVoice, Source: SourceNative, SourceID: "k", StartAt: start + 1,
			Direction: DirectionInbound, Disposition: DispositionAnswered}
	}
	t.Run("keys", func(t *testing.T) {
		tests := []struct {
			name         string
			queues       []Queue
			agents       []Agent
			queue, agent string
		}{
			{"none", nil, nil, "", ""},
			{"queue id first", []Queue{{ID: "q1", Name: "Sales"}, {ID: "q2"}}, nil, "q1", ""},
			{"queue name when no id", []Queue{{Name: "Sales"}, {ID: "q2"}}, nil, "Sales", ""},
			{"first human agent", nil, []Agent{{Kind: AgentAI, ID: "bot"}, {Kind: AgentHuman, ID: "a1"}, {ID: "a2"}}, "", "a1"},
			{"kind unset is human", nil, []Agent{{ID: "a2", Email: "x@y"}}, "", "a2"},
			{"email when no id", nil, []Agent{{Email: "x@y", Name: "X"}}, "", "x@y"},
			{"name when no id or email", nil, []Agent{{Kind: AgentHuman, Name: "X"}}, "", "X"},
			{"only ai", nil, []Agent{{Kind: AgentAI, ID: "bot"}}, "", ""},
		}
		for _, tt := range tests {
			r := base()
			r.Queues, r.Agents = tt.queues, tt.agents
			k, _, ok := KPIOf(r)
			want := KPIKey{CountKey{BucketOf(start), ChannelVoice, SourceNative, DirectionInbound}, tt.queue, tt.agent, DispositionAnswered}
			if !ok || k != want {
				t.Errorf("%s: key %+v, %v; want %+v", tt.name, k, ok, want)
			}
		}
	})
	t.Run("thresholds", func(t *testing.T) {
		for _, tt := range []struct {
			wait int64
			want [5]int64
		}{
			{0, [5]int64{1, 1, 1, 1, 1}},
			{10, [5]int64{1, 1, 1, 1, 1}},
			{11, [5]int64{0, 1, 1, 1, 1}},
			{30, [5]int64{0, 0, 1, 1, 1}},
			{60, [5]int64{0, 0, 0, 1, 1}},
			{120, [5]int64{0, 0, 0, 0, 1}},
			{121, [5]int64{}},
		} {
			r := base()
			r.AnswerAt = p64(r.StartAt + tt.wait*1000 + 999)
			_, m, _ := KPIOf(r)
			if m.AnsweredWithin != tt.want || m.AbandonedWithin != [5]int64{} || m.WaitS != tt.wait || m.WaitN != 1 {
				t.Errorf("answered after %d s: %+v", tt.wait, m)
			}
			r = base()
			r.Disposition, r.EndAt = DispositionAbandoned, p64(r.StartAt+tt.wait*1000)
			_, m, _ = KPIOf(r)
			if m.AbandonedWithin != tt.want || m.AnsweredWithin != [5]int64{} || m.WaitS != tt.wait || m.WaitN != 1 {
				t.Errorf("abandoned after %d s: %+v", tt.wait, m)
			}
		}
		r := base() // no answer time: no wait, no threshold
		_, m, _ := KPIOf(r)
		if m != (KPIMeasures{Contacts: 1}) {
			t.Errorf("without times: %+v", m)
		}
	})
	t.Run("durations and satisfaction", func(t *testing.T) {
		r := base()
		r.TalkS, r.TotalS, r.RingS, r.QueueS, r.HoldS = p64(60), p64(75), p64(5), p64(0), nil
		r.Satisfaction = score(4)
		_, m, _ := KPIOf(r)
		want := KPIMeasures{Contacts: 1, TalkS: 60, TalkN: 1, TotalS: 75, TotalN: 1, RingS: 5, RingN: 1, QueueS: 0, QueueN: 1,
			SatN: 1, SatSum: 4, SatScores: [5]int64{0, 0, 0, 1, 0}}
		if m != want {
			t.Errorf("got  %+v\nwant %+v", m, want)
		}
		for _, s := range []*Satisfaction{score(0), score(6), score(-1), {Label: "good"}} {
			r.Satisfaction = s
			if _, m, _ := KPIOf(r); m.SatN != 0 || m.SatSum != 0 || m.SatScores != [5]int64{} {
				t.Errorf("satisfaction %+v counted: %+v", s, m)
			}
		}
		r.Satisfaction = score(1)
		if _, m, _ := KPIOf(r); m.SatScores != [5]int64{1, 0, 0, 0, 0} || m.SatSum != 1 {
			t.Errorf("score 1: %+v", m)
		}
	})
	t.Run("shadow", func(t *testing.T) {
		r := base()
		r.SameAs = "rec_x"
		if _, _, ok := KPIOf(r); ok {
			t.Error("a shadow counts in kpi_rollup")
		}
		if _, ok := CountKeyOf(r); ok {
			t.Error("a shadow counts in record_counts")
		}
	})
}

func TestRollupDeltaCompact(t *testing.T) {
	r := &Record{Channel: ChannelVoice, Source: SourceNative, StartAt: 1700000000000, Disposition: DispositionAnswered,
		AnswerAt: p64(1700000005000), TalkS: p64(30)}
	moved := *r
	moved.StartAt += RollupBucket
	moved.AnswerAt = p64(*r.AnswerAt + RollupBucket)
	shadow := *r
	shadow.SameAs = "rec_x"

	d := NewRollupDelta()
	d.Add(r)
	d.Add(&shadow)
	d.Remove(r)
	d.Add(&moved)
	d.Remove(&shadow)
	d.Compact()
	ck, _ := CountKeyOf(&moved)
	if len(d.Counts) != 1 || d.Counts[ck] != 1 {
		t.Errorf("counts %v", d.Counts)
	}
	k, m, _ := KPIOf(&moved)
	if len(d.KPI) != 1 || d.KPI[k] == nil || *d.KPI[k] != m {
		t.Errorf("kpi %v", d.KPI)
	}
	// Added and removed: nothing left.
	d.Remove(&moved)
	d.Compact()
	if len(d.Counts) != 0 || len(d.KPI) != 0 {
		t.Errorf("after removing again: %v %v", d.Counts, d.KPI)
	}
	var zero KPIMeasures
	if !zero.IsZero() {
		t.Error("zero measures not zero")
	}
	m.Sub(&m)
	if !m.IsZero() {
		t.Errorf("m - m = %+v", m)
	}
}

func TestSegments(t *testing.T) {
	load := func(name string) *time.Location {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		return loc
	}
	ms := func(s string) int64 {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UnixMilli()
	}
	const h = int64(3600_000)
	for _, c := range []struct {
		name     string
		loc      *time.Location
		from, to string
		want     []KPISegment
	}{
		{"no change", load("Asia/Kathmandu"), "2026-03-01T00:00:00Z", "2026-03-03T00:00:00Z",
			[]KPISegment{{ms("2026-03-01T00:00:00Z"), ms("2026-03-03T00:00:00Z"), 5*h + 45*60_000}}},
		{"New York springs forward at 07:00 UTC", load("America/New_York"), "2026-03-08T00:00:00Z", "2026-03-09T00:00:00Z",
			[]KPISegment{{ms("2026-03-08T00:00:00Z"), ms("2026-03-08T07:00:00Z"), -5 * h}, {ms("2026-03-08T07:00:00Z"), ms("2026-03-09T00:00:00Z"), -4 * h}}},
		{"Lord Howe falls back half an hour", load("Australia/Lord_Howe"), "2026-04-04T00:00:00Z", "2026-04-05T00:00:00Z",
			[]KPISegment{{ms("2026-04-04T00:00:00Z"), ms("2026-04-04T15:00:00Z"), 11 * h}, {ms("2026-04-04T15:00:00Z"), ms("2026-04-05T00:00:00Z"), 10*h + 30*60_000}}},
		{"empty", time.UTC, "2026-03-01T00:00:00Z", "2026-03-01T00:00:00Z", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := Segments(c.loc, ms(c.from), ms(c.to)); !slices.Equal(got, c.want) {
				t.Errorf("Segments = %v, want %v", got, c.want)
			}
		})
	}
}

func TestDayStart(t *testing.T) {
	const hour = int64(time.Hour / time.Millisecond)
	mid := time.Date(2026, 3, 8, 0, 0, 0, 0, time.UTC).UnixMilli()
	tests := []struct {
		ms, off, want int64
	}{
		{mid, 0, mid},
		{mid - 1, 0, mid - RollupDay},
		{mid, 8 * hour, mid - 8*hour}, // Shanghai's midnight is 16:00 UTC
		{mid - 8*hour - 1, 8 * hour, mid - 8*hour - RollupDay},
		{mid + 5*hour, -5 * hour, mid + 5*hour}, // New York's is 05:00 UTC
		{mid + 4*hour, -5 * hour, mid + 5*hour - RollupDay},
		{mid, 5*hour + 45*60*1000, mid - 5*hour - 45*60*1000}, // Kathmandu
		{-1, 0, -RollupDay},
	}
	for _, tt := range tests {
		if got := DayStart(tt.ms, tt.off); got != tt.want {
			t.Errorf("DayStart(%d, %d) = %d, want %d", tt.ms, tt.off, got, tt.want)
		}
	}
}

func TestZoneOffsets(t *testing.T) {
	const hour = int64(time.Hour / time.Millisecond)
	from, to := time.Date(2021, 12, 4, 0, 0, 0, 0, time.UTC), time.Date(2027, 12, 4, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		zone string
		want []int64
	}{
		{"UTC", []int64{0}},
		{"Asia/Shanghai", []int64{8 * hour}},
		{"America/New_York", []int64{-5 * hour, -4 * hour}},
		{"Asia/Kathmandu", []int64{5*hour + 45*60*1000}},
		{"Australia/Lord_Howe", []int64{11 * hour, 10*hour + 30*60*1000}},
	}
	for _, tt := range tests {
		loc, err := time.LoadLocation(tt.zone)
		if err != nil {
			t.Fatal(err)
		}
		if got := ZoneOffsets(loc, from, to); !slices.Equal(got, tt.want) {
			t.Errorf("ZoneOffsets(%s) = %v, want %v", tt.zone, got, tt.want)
		}
	}
}

func TestReduce(t *testing.T) {
	k := func(ch Channel, dir Direction, disp Disposition) KPIKey {
		return KPIKey{CountKey: CountKey{Bucket: 9, Channel: ch, Source: SourceNative, Direction: dir},
			Queue: "q", Agent: "a", Disposition: disp}
	}
	tests := []struct {
		in   KPIKey
		keep KPIDims
		want KPIKey
	}{
		{k(ChannelVoice, DirectionOutbound, DispositionTransferred), 0,
			KPIKey{CountKey: CountKey{Bucket: 9, Channel: ChannelVoice, Direction: DirectionOutbound}, Disposition: DispositionAnswered}},
		{k(ChannelChat, DirectionInbound, DispositionAbandoned), 0,
			KPIKey{CountKey: CountKey{Bucket: 9, Direction: DirectionInbound}, Disposition: DispositionAbandoned}},
		{k(ChannelRTC, DirectionInternal, DispositionBusy), 0,
			KPIKey{CountKey: CountKey{Bucket: 9}}},
		{k(ChannelRTC, DirectionInternal, DispositionBusy), KeepChannel | KeepDirection | KeepDisposition | KeepQueue,
			KPIKey{CountKey: CountKey{Bucket: 9, Channel: ChannelRTC, Direction: DirectionInternal}, Queue: "q", Disposition: DispositionBusy}},
		{k(ChannelVoice, DirectionInbound, DispositionNoAnswer), DayDims,
			KPIKey{CountKey: CountKey{Bucket: 9, Channel: ChannelVoice, Source: SourceNative, Direction: DirectionInbound}, Queue: "q"}},
		{k(ChannelVoice, DirectionInbound, DispositionTransferred), AgentDayDims,
			KPIKey{CountKey: CountKey{Bucket: 9, Channel: ChannelVoice, Source: SourceNative, Direction: DirectionInbound}, Agent: "a",
				Disposition: DispositionAnswered}},
	}
	for _, tt := range tests {
		if got := tt.in.Reduce(tt.keep); got != tt.want {
			t.Errorf("%+v.Reduce(%b) = %+v, want %+v", tt.in, tt.keep, got, tt.want)
		}
	}
}

// TestDayKeys: DayKey keeps the queue and AgentDayKey the agent, each
// drops the other, reduces the disposition and starts the local day; the
// sums of DaySums and AgentDaySums add the rows of a day and group at
// each offset, and both keep every contact at each offset.
func TestDayKeys(t *testing.T) {
	const hour = int64(time.Hour / time.Millisecond)
	mid := time.Date(2026, 3, 8, 0, 0, 0, 0, time.UTC).UnixMilli()
	row := func(bucket int64, queue, agent string, disp Disposition) KPIKey {
		return KPIKey{CountKey: CountKey{Bucket: bucket, Channel: ChannelVoice, Source: SourceNative, Direction: DirectionInbound},
			Queue: queue, Agent: agent, Disposition: disp}
	}
	in := row(mid+20*hour, "q1", "a1", DispositionTransferred)
	day := func(bucket int64, queue, agent string) KPIKey { return row(bucket, queue, agent, DispositionAnswered) }
	if got, want := DayKey(in, 0), day(mid, "q1", ""); got != want {
		t.Errorf("DayKey at UTC = %+v, want %+v", got, want)
	}
	if got, want := AgentDayKey(in, 0), day(mid, "", "a1"); got != want {
		t.Errorf("AgentDayKey at UTC = %+v, want %+v", got, want)
	}
	// 20:00 UTC is the next day in Shanghai, whose day starts at 16:00.
	if got, want := AgentDayKey(in, 8*hour), day(mid+16*hour, "", "a1"); got != want {
		t.Errorf("AgentDayKey in Shanghai = %+v, want %+v", got, want)
	}
	m := func(n int64) KPIMeasures { return KPIMeasures{Contacts: n, TalkS: 10 * n, TalkN: n} }
	rows := map[KPIKey]KPIMeasures{
		in: m(1),
		row(mid+hour, "q1", "a1", DispositionAnswered): m(2), // same UTC day and agent, another in Shanghai
		row(mid+hour, "q2", "a1", DispositionAnswered): m(4), // another queue, same agent
		row(mid+hour, "q1", "a2", DispositionBusy):     m(8),
	}
	offs := []int64{0, 8 * hour}
	tests := []struct {
		name string
		got  map[KPIKey]KPIMeasures
		want map[KPIKey]KPIMeasures
	}{
		{"DaySums", DaySums(rows, offs), map[KPIKey]KPIMeasures{
			day(mid, "q1", ""): m(3),
			day(mid, "q2", ""): m(4),
			{CountKey: CountKey{Bucket: mid, Channel: ChannelVoice, Source: SourceNative, Direction: DirectionInbound}, Queue: "q1"}: m(8),
			day(mid-8*hour, "q1", ""):  m(2),
			day(mid-8*hour, "q2", ""):  m(4),
			day(mid+16*hour, "q1", ""): m(1),
			{CountKey: CountKey{Bucket: mid - 8*hour, Channel: ChannelVoice, Source: SourceNative, Direction: DirectionInbound}, Queue: "q1"}: m(8),
		}},
		{"AgentDaySums", AgentDaySums(rows, offs), map[KPIKey]KPIMeasures{
			day(mid, "", "a1"): m(7),
			{CountKey: CountKey{Bucket: mid, Channel: ChannelVoice, Source: SourceNative, Direction: DirectionInbound}, Agent: "a2"}: m(8),
			day(mid-8*hour, "", "a1"):  m(6),
			day(mid+16*hour, "", "a1"): m(1),
			{CountKey: CountKey{Bucket: mid - 8*hour, Channel: ChannelVoice, Source: SourceNative, Direction: DirectionInbound}, Agent: "a2"}: m(8),
		}},
	}
	for _, tt := range tests {
		if !maps.Equal(tt.got, tt.want) {
			t.Errorf("%s = %v, want %v", tt.name, tt.got, tt.want)
		}
		var contacts int64
		for _, v := range tt.got {
			contacts += v.Contacts
		}
		if contacts != 2*15 {
			t.Errorf("%s: %d contacts over two offsets, want %d", tt.name, contacts, 2*15)
		}
	}
}

func TestMeasureSet(t *testing.T) {
	var m KPIMeasures
	for i, p := range m.Pointers() {
		*p = int64(i + 1)
	}
	if m.Contacts != 1 || m.AnsweredWithin[0] != 2 || m.AbandonedWithin[4] != 11 || m.RingS != 16 || m.TotalN != 23 || m.SatScores[4] != 30 {
		t.Fatalf("Pointers' order: %+v", m)
	}
	m.Clear(MeasureRing | MeasureTotal | MeasureAnsweredWithin(1) | MeasureAbandonedWithin(0))
	if m.RingS != 0 || m.RingN != 0 || m.TotalS != 0 || m.TotalN != 0 || m.AnsweredWithin[1] != 0 || m.AbandonedWithin[0] != 0 ||
		m.AnsweredWithin[0] != 2 || m.HoldN != 21 || m.Contacts != 1 {
		t.Errorf("Clear: %+v", m)
	}
}
