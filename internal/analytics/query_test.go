package analytics

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

func TestParseQuery(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	const window = "from=1772409600000&to=2026-03-03T00:00:00Z" // 2026-03-02 UTC
	from, to := at(t, "2026-03-02T00:00:00Z"), at(t, "2026-03-03T00:00:00Z")
	tests := []struct {
		name  string
		query string
		want  Query
	}{
		{"defaults: the tenant's zone, 20 s", window, Query{From: from, To: to, Loc: ny, SLThreshold: 20}},
		{"everything",
			window + "&interval=1h&tz=Asia/Kolkata&group_by=agent,queue&group_by=channel&sl_threshold=30&short_abandon=10" +
				"&channel=voice,chat&source=native&direction=inbound&direction=outbound&queue=q1,+q2&agent=a@x.test&disposition=answered,answered" +
				"&day_start=08:30&day_end=24:00&weekdays=1,5,7",
			Query{From: from, To: to, Loc: mustLoc(t, "Asia/Kolkata"), Interval: "1h", GroupBy: []string{"channel", "queue", "agent"},
				SLThreshold: 30, ShortAbandon: 10, Channels: []cdr.Channel{"voice", "chat"}, Sources: []cdr.Source{"native"},
				Directions: []cdr.Direction{"inbound", "outbound"}, Dispositions: []cdr.Disposition{"answered"},
				Queues: []string{"q1", "q2"}, Agents: []string{"a@x.test"},
				DayStart: 8*3600_000 + 30*60_000, DayEnd: day, Weekdays: 1<<1 | 1<<5 | 1<<7}},
		{"day_start alone ends at midnight", window + "&day_start=09:00", Query{From: from, To: to, Loc: ny, SLThreshold: 20, DayStart: 9 * 3600_000, DayEnd: day}},
		{"day_end alone starts at midnight", window + "&day_end=00:15", Query{From: from, To: to, Loc: ny, SLThreshold: 20, DayEnd: 15 * 60_000}},
		{"empty values are absent", window + "&interval=&tz=&group_by=&queue=&sl_threshold=", Query{From: from, To: to, Loc: ny, SLThreshold: 20}},
		{"a window of 3 years", "from=2026-01-01T00:00:00Z&to=2029-01-01T00:00:00Z&interval=1w",
			Query{From: at(t, "2026-01-01T00:00:00Z"), To: at(t, "2029-01-01T00:00:00Z"), Loc: ny, Interval: "1w", SLThreshold: 20}},
		{"1,000 buckets", "from=2026-01-01T00:00:00Z&to=2026-01-11T10:00:00Z&interval=15m",
			Query{From: at(t, "2026-01-01T00:00:00Z"), To: at(t, "2026-01-11T10:00:00Z"), Loc: ny, Interval: "15m", SLThreshold: 20}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mustQuery(t, tt.query, ny)
			if f, to := got.Window(); f != tt.want.From || to != tt.want.To {
				t.Errorf("Window() = %d, %d", f, to)
			}
			if diff := cmp.Diff(&tt.want, got, cmpopts.EquateEmpty(), cmp.Comparer(func(a, b *time.Location) bool { return a.String() == b.String() })); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if q := mustQuery(t, window, nil); q.Loc != time.UTC {
		t.Errorf("no default zone: %v, want UTC", q.Loc)
	}
}

func TestParseQueryErrors(t *testing.T) {
	const window = "from=2026-03-02T00:00:00Z&to=2026-03-03T00:00:00Z"
	long := strings.Repeat("x", cdr.MaxNameLen+1)
	var agents []string
	for i := range cdr.MaxListLen + 1 {
		agents = append(agents, fmt.Sprint("a", i))
	}
	many := strings.Join(agents, ",")
	tests := []struct {
		query string
		param string // named in the message
	}{
		{"to=2026-03-03T00:00:00Z", "from"},
		{"from=2026-03-02T00:00:00Z", "to"},
		{"from=yesterday&to=2026-03-03T00:00:00Z", "from"},
		{"from=2026-03-02T00:00:00Z&to=2026-03-03T00:00:01Z", "to"},
		{"from=2026-03-02T00:10:00Z&to=2026-03-03T00:00:00Z", "from"},
		{"from=2026-03-02T00:00:00.5Z&to=2026-03-03T00:00:00Z", "from"},
		{"from=2026-03-02T00:00:00.000000001Z&to=2026-03-03T00:00:00Z", "from"},
		{"from=1772409600001&to=2026-03-03T00:00:00Z", "from"},
		{"from=2026-03-02T00:00:00%2B05:20&to=2026-03-03T00:00:00Z", "from"}, // 18:40 UTC
		{"from=1772409600&to=2026-03-03T00:00:00Z", "from"},                  // seconds: 1970
		{"from=1999-12-31T00:00:00Z&to=2026-03-03T00:00:00Z", "from"},
		{"from=2026-03-03T00:00:00Z&to=2026-03-03T00:00:00Z", "to"},
		{"from=2026-03-03T00:00:00Z&to=2026-03-02T00:00:00Z", "to"},
		{"from=2026-01-01T00:00:00Z&to=2029-01-01T00:15:00Z", "to"},
		{window + "&from=2026-03-01T00:00:00Z", "from"},
		{window + "&interval=1y", "interval"},
		{window + "&interval=1H", "interval"},
		{window + "&interval=1h&interval=1d", "interval"},
		{"from=2026-01-01T00:00:00Z&to=2026-01-11T10:15:00Z&interval=15m", "interval"},
		{"from=2026-01-01T00:00:00Z&to=2028-12-01T00:00:00Z&interval=1d", "interval"},
		{window + "&tz=Mars/Olympus", "tz"},
		{window + "&tz=Local", "tz"},
		{window + "&tz=../etc/passwd", "tz"},
		{window + "&tz=" + long, "tz"},
		{window + "&tz=UTC&tz=UTC", "tz"},
		{window + "&group_by=team", "group_by"},
		{window + "&group_by=queue,agent,queue", "group_by"},
		{window + "&group_by=queue&group_by=queue", "group_by"},
		{window + "&group_by=disposition", "group_by"},
		{window + "&sl_threshold=15", "sl_threshold"},
		{window + "&sl_threshold=0", "sl_threshold"},
		{window + "&sl_threshold=20s", "sl_threshold"},
		{window + "&sl_threshold=20&sl_threshold=30", "sl_threshold"},
		{window + "&short_abandon=5", "short_abandon"},
		{window + "&short_abandon=-10", "short_abandon"},
		{window + "&channel=phone", "channel"},
		{window + "&source=genesys", "source"},
		{window + "&direction=in", "direction"},
		{window + "&disposition=answered,dropped", "disposition"},
		{window + "&queue=" + long, "queue"},
		{window + "&agent=" + many, "agent"},
		{window + "&day_start=9:00", "day_start"},
		{window + "&day_start=09:10", "day_start"},
		{window + "&day_start=24:00", "day_start"},
		{window + "&day_start=09:00:00", "day_start"},
		{window + "&day_start=%2B9:00", "day_start"},
		{window + "&day_end=24:15", "day_end"},
		{window + "&day_end=25:00", "day_end"},
		{window + "&day_end=17:60", "day_end"},
		{window + "&day_start=17:00&day_end=09:00", "day_end"},
		{window + "&day_start=09:00&day_end=09:00", "day_end"},
		{window + "&day_end=00:00", "day_end"},
		{window + "&day_end=17:00&day_end=18:00", "day_end"},
		{window + "&weekdays=0", "weekdays"},
		{window + "&weekdays=1,8", "weekdays"},
		{window + "&weekdays=mon", "weekdays"},
		{window + "&weekdays=%2B1", "weekdays"},
		{window + "&tenant=t1", "tenant"},
		{window + "&limit=10", "limit"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			v, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			q, err := ParseQuery(v, time.UTC)
			if cdr.ErrorCode(err) != cdr.EINVALID {
				t.Fatalf("ParseQuery = %+v, %v; want invalid", q, err)
			}
			if msg := cdr.ErrorMessage(err); !strings.Contains(msg, tt.param) || len(msg) > 300 {
				t.Errorf("message %q does not name %s", msg, tt.param)
			}
		})
	}
}

// TestComputeChecksQuery: a Query built by hand is checked as ParseQuery
// checks it.
func TestComputeChecksQuery(t *testing.T) {
	from := at(t, "2026-03-02T00:00:00Z")
	for _, q := range []Query{
		{From: from + 1, To: from + day, SLThreshold: 20},
		{From: from, To: from, SLThreshold: 20},
		{From: from, To: from + day, SLThreshold: 25},
		{From: from, To: from + day, SLThreshold: 20, ShortAbandon: 1},
		{From: from, To: from + day, SLThreshold: 20, Interval: "2h"},
		{From: from, To: from + 20*day, SLThreshold: 20, Interval: "15m"},
	} {
		if _, err := Compute(&q, nil); cdr.ErrorCode(err) != cdr.EINVALID {
			t.Errorf("Compute(%+v): %v", q, err)
		}
	}
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{
		"from=2026-03-02T00:00:00Z&to=2026-03-03T00:00:00Z",
		"from=1772409600000&to=1772496000000&interval=15m&tz=Asia/Kathmandu&group_by=queue,agent",
		"from=2026-03-01T00:00:00-05:00&to=2026-04-01T00:00:00-04:00&interval=1mo&tz=America/New_York&day_start=09:00&day_end=24:00&weekdays=1,2",
		"from=2026-03-02T00:00:00Z&to=2026-03-03T00:00:00Z&sl_threshold=120&short_abandon=10&channel=voice&disposition=abandoned",
		"from=2026-03-02T00:00:00Z&to=2026-03-03T00:00:00Z&queue=%00%ff&agent=,,&weekdays=7",
		"from=2000-01-01T00:00:00Z&to=2003-01-01T00:00:00Z&interval=1w&tz=Australia/Lord_Howe",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := ParseQuery(v, time.UTC)
		if err != nil {
			if cdr.ErrorCode(err) != cdr.EINVALID {
				t.Fatalf("ParseQuery(%q): %v is not invalid", raw, err)
			}
			return
		}
		if q.From >= q.To || q.To-q.From > MaxWindow || q.From%cdr.RollupBucket != 0 || q.To%cdr.RollupBucket != 0 {
			t.Fatalf("ParseQuery(%q): window [%d, %d)", raw, q.From, q.To)
		}
		res, err := Compute(q, nil)
		if err != nil {
			t.Fatalf("Compute(%q): %v", raw, err)
		}
		if len(q.GroupBy) == 0 && len(res.Series) != 1 || len(q.GroupBy) > 0 && len(res.Series) != 0 {
			t.Fatalf("%q: %d series of no rows", raw, len(res.Series))
		}
		if n := len(q.starts(MaxBuckets + 1)); q.Interval != "" && (n == 0 || n > MaxBuckets) {
			t.Fatalf("%q: %d buckets", raw, n)
		}
	})
}
