package analytics

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// testSeed is the seed of a random test: CDRHUB_TEST_SEED, else the time.
func testSeed(t *testing.T) uint64 {
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("CDRHUB_TEST_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("CDRHUB_TEST_SEED: %v", err)
		}
		seed = n
	}
	t.Logf("seed %d (CDRHUB_TEST_SEED reproduces a run)", seed)
	return seed
}

// gen makes random records and queries over a few weeks around a DST
// change.
type gen struct {
	rng          *rand.Rand
	origin, span int64
	// hot is a DST change of zone: a third of the records start within
	// six hours of it, half the windows hold it and take its zone.
	hot  int64
	zone string
	n    int
}

func (g *gen) pick(n int) int { return g.rng.IntN(n) }

func (g *gen) opt(max int64) *int64 {
	if g.pick(4) == 0 {
		return nil
	}
	return p64(g.rng.Int64N(max))
}

func (g *gen) record() *cdr.Record {
	g.n++
	start := g.origin + g.rng.Int64N(g.span)
	if g.pick(3) == 0 {
		start = g.hot - 6*3600_000 + g.rng.Int64N(12*3600_000)
	}
	r := &cdr.Record{
		Channel: cdr.Channels[g.pick(len(cdr.Channels))], Source: cdr.Sources[g.pick(len(cdr.Sources))],
		SourceID: fmt.Sprint("r", g.n), StartAt: start,
		Direction: []cdr.Direction{cdr.DirectionInbound, cdr.DirectionInbound, cdr.DirectionOutbound, cdr.DirectionInternal, cdr.DirectionUnknown}[g.pick(5)],
		Disposition: []cdr.Disposition{cdr.DispositionAnswered, cdr.DispositionAnswered, cdr.DispositionTransferred, cdr.DispositionAbandoned,
			cdr.DispositionAbandoned, cdr.DispositionNoAnswer, cdr.DispositionBusy, cdr.DispositionSelfService}[g.pick(8)],
	}
	switch g.pick(5) {
	case 0, 1:
		r.Queues = []cdr.Queue{{ID: fmt.Sprint("q", g.pick(4)), Name: "Sales"}}
	case 2:
		r.Queues = []cdr.Queue{{Name: []string{"Sales", "Support"}[g.pick(2)]}, {ID: "q9"}}
	}
	switch g.pick(5) {
	case 0, 1:
		r.Agents = []cdr.Agent{{ID: fmt.Sprint("a", g.pick(5))}}
	case 2:
		r.Agents = []cdr.Agent{{Kind: cdr.AgentAI, ID: "bot"}, {Kind: cdr.AgentHuman, Email: fmt.Sprint("e", g.pick(2), "@x.test")}}
	case 3:
		r.Agents = []cdr.Agent{{Kind: cdr.AgentAI, ID: "bot"}}
	}
	if g.pick(3) == 0 {
		r.QueuedAt = p64(start + g.rng.Int64N(10_000))
	}
	// Waits on and around whole seconds and the thresholds.
	wait := g.rng.Int64N(130)*1000 + []int64{0, 999, g.rng.Int64N(1000)}[g.pick(3)]
	if g.pick(8) != 0 {
		r.AnswerAt = p64(start + wait)
	}
	if g.pick(8) != 0 {
		r.EndAt = p64(start + wait + g.rng.Int64N(300_000))
	}
	r.TalkS, r.HoldS, r.QueueS = g.opt(600), g.opt(90), g.opt(200)
	r.RingS, r.TotalS = g.opt(40), g.opt(900)
	if g.pick(3) == 0 {
		score := g.pick(7) // 0 and 6 are out of range: unscored
		r.Satisfaction = &cdr.Satisfaction{Score: &score}
	}
	if g.pick(20) == 0 {
		r.SameAs = "origin"
	}
	return r
}

// subset returns a random non-empty subset of all, or nil (no filter).
func subset[T any](g *gen, all []T, p int) []T {
	if g.pick(p) != 0 {
		return nil
	}
	var out []T
	for _, v := range all {
		if g.pick(2) == 0 {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		out = all[:1]
	}
	return out
}

func join[T ~string](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, ",")
}

var zones = []string{"UTC", "Asia/Shanghai", "America/New_York", "Asia/Kathmandu", "Australia/Lord_Howe", "Asia/Kolkata"}

// query returns a random query within the records' span.
func (g *gen) query() url.Values {
	v := url.Values{}
	buckets := g.span / cdr.RollupBucket
	from := g.origin + g.rng.Int64N(buckets/2)*cdr.RollupBucket
	if g.pick(2) == 0 {
		from -= from % day // a UTC midnight
	}
	n := 1 + g.rng.Int64N(buckets/2)
	iv := Intervals[g.pick(len(Intervals))]
	if g.pick(7) == 0 {
		iv = ""
	}
	if iv == Interval15m || iv == Interval30m {
		n = 1 + g.rng.Int64N(900)
	}
	zone := zones[g.pick(len(zones))]
	if g.pick(2) == 0 {
		from = cdr.BucketOf(g.hot - g.rng.Int64N(2*day))
		n = max(n, (g.hot-from)/cdr.RollupBucket+1+g.rng.Int64N(16))
		zone = g.zone
	}
	v.Set("from", strconv.FormatInt(from, 10))
	v.Set("to", time.UnixMilli(from+n*cdr.RollupBucket).UTC().Format(time.RFC3339))
	v.Set("interval", iv)
	v.Set("tz", zone)
	v.Set("group_by", join(subset(g, Dims, 2)))
	v.Set("sl_threshold", fmt.Sprint(cdr.WaitThresholds[g.pick(5)]))
	if g.pick(2) == 0 {
		v.Set("short_abandon", fmt.Sprint(cdr.WaitThresholds[g.pick(5)]))
	}
	v.Set("channel", join(subset(g, cdr.Channels, 4)))
	v.Set("source", join(subset(g, cdr.Sources, 6)))
	v.Set("direction", join(subset(g, cdr.Directions, 4)))
	v.Set("disposition", join(subset(g, cdr.Dispositions, 4)))
	v.Set("queue", join(subset(g, []string{"q0", "q1", "q9", "Sales", "Support", ""}, 4)))
	v.Set("agent", join(subset(g, []string{"a0", "a1", "a4", "e1@x.test", "bot"}, 4)))
	if g.pick(3) == 0 {
		start := g.rng.Int64N(95)
		end := start + 1 + g.rng.Int64N(96-start)
		clock := func(q int64) string { return fmt.Sprintf("%02d:%02d", q/4, q%4*15) }
		v.Set("day_start", clock(start))
		v.Set("day_end", clock(end))
	}
	if g.pick(3) == 0 {
		v.Set("weekdays", join(subset(g, []string{"1", "2", "3", "4", "5", "6", "7"}, 1)))
	}
	return v
}

// TestComputeMatchesReference: on random records and queries (zones with
// DST changes of an hour and of half an hour, +5:30 and +5:45 offsets,
// every interval, groups, filters, thresholds and business hours), Compute
// over the records' kpi_rollup rows and FromRollups over sums made as
// KPISums makes them equal Reference over the records, bucket by bucket
// and in total.
func TestComputeMatchesReference(t *testing.T) {
	seed := testSeed(t)
	rng := rand.New(rand.NewPCG(seed, 1))
	changes := []struct{ at, zone string }{
		{"2026-03-08T07:00:00Z", "America/New_York"},    // springs forward an hour
		{"2026-04-04T15:00:00Z", "Australia/Lord_Howe"}, // falls back half an hour
		{"2026-10-03T15:30:00Z", "Australia/Lord_Howe"}, // springs forward half an hour
		{"2026-11-01T06:00:00Z", "America/New_York"},    // falls back an hour
	}
	rounds, nonEmpty := 200, 0
	if testing.Short() {
		rounds = 40
	}
	for i := range rounds {
		c := changes[rng.IntN(len(changes))]
		hot := at(t, c.at)
		g := &gen{rng: rng, origin: cdr.BucketOf(hot - 10*day - rng.Int64N(10*day)), span: 45 * day, hot: hot, zone: c.zone}
		rs := make([]*cdr.Record, 200+rng.IntN(1000))
		for j := range rs {
			rs[j] = g.record()
		}
		rows := rowsOf(rs)
		var q *Query
		for q == nil {
			v := g.query()
			var err error
			if q, err = ParseQuery(v, nil); err != nil && !strings.HasPrefix(cdr.ErrorMessage(err), "interval:") {
				t.Fatalf("round %d: %s: %v", i, v.Encode(), err)
			}
		}
		want := Reference(q, rs)
		want.ComputedFrom = "rollups"
		got, err := Compute(q, rows)
		if err != nil {
			// Too many groups for the buckets: so many series.
			if n := len(want.Series) * max(1, len(want.Series[0].Buckets)); strings.HasPrefix(cdr.ErrorMessage(err), "group_by:") && n > MaxCells {
				continue
			}
			t.Fatalf("round %d: %v", i, err)
		}
		if diff := diffResults(want, got); diff != "" {
			t.Fatalf("round %d, query %+v: Compute (-reference +compute):\n%s", i, *q, diff)
		}
		fr, err := FromRollups(context.Background(), q, fakeSums(rows))
		if err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		if diff := diffResults(want, fr); diff != "" {
			t.Fatalf("round %d, query %+v: FromRollups (-reference +from rollups):\n%s", i, *q, diff)
		}
		for _, s := range got.Series {
			if s.Total.Contacts > 0 {
				nonEmpty++
				break
			}
		}
	}
	if nonEmpty < rounds/2 {
		t.Errorf("only %d of %d rounds counted records", nonEmpty, rounds)
	}
}

// diffResults returns the differences of two results, "" when there are
// none (cmp.Diff alone is slow on thousands of buckets). Both hold times
// made the same way in the same zone, so reflect.DeepEqual compares them.
func diffResults(want, got *Result) string {
	if reflect.DeepEqual(want, got) {
		return ""
	}
	return cmp.Diff(want, got)
}
