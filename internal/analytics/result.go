package analytics

import (
	"slices"
	"strings"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// Result is the answer of GET /api/v1/stats; it marshals to the API's
// JSON.
type Result struct {
	TZ string `json:"tz"`
	// Interval is the query's, nil for the total only.
	Interval *string `json:"interval"`
	// From and To are the window, in the zone.
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// SLThreshold and ShortAbandon are the thresholds applied, in
	// seconds; ShortAbandon is nil when none.
	SLThreshold  int64  `json:"sl_threshold"`
	ShortAbandon *int64 `json:"short_abandon"`
	// ComputedFrom says what was read: "rollups" (kpi_rollup) or
	// "records".
	ComputedFrom string `json:"computed_from"`
	// Series holds one series per group, sorted by group values; one
	// series with an empty group when the query has no group_by.
	Series []Series `json:"series"`
}

// Series is the KPIs of one group.
type Series struct {
	// Group maps each group_by dimension to the group's value.
	Group map[string]string `json:"group"`
	// Buckets are the intervals of the window in order, empty ones
	// included; empty without an interval.
	Buckets []Bucket `json:"buckets"`
	// Total is the whole window.
	Total Bucket `json:"total"`
}

// Bucket is the KPIs of one interval [From, To), in the zone.
type Bucket struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	KPIs
}

// KPIs are the measures of docs/analytics.md. Counts are integers; rates
// are fractions from 0 to 1 and averages seconds, nil (JSON null) when
// their denominator is 0.
type KPIs struct {
	Contacts        int64    `json:"contacts"`
	Offered         int64    `json:"offered"`
	Answered        int64    `json:"answered"`
	Abandoned       int64    `json:"abandoned"`
	ShortAbandoned  int64    `json:"short_abandoned"`
	AbandonmentRate *float64 `json:"abandonment_rate"`
	ServiceLevel    *float64 `json:"service_level"`
	ASA             *float64 `json:"asa_s"`
	AHT             *float64 `json:"aht_s"`
	AvgTalk         *float64 `json:"avg_talk_s"`
	AvgHold         *float64 `json:"avg_hold_s"`
	AvgQueue        *float64 `json:"avg_queue_s"`
	CSATAvg         *float64 `json:"csat_avg"`
	CSATCount       int64    `json:"csat_count"`
	CSATScores      [5]int64 `json:"csat_scores"`
	Attempts        int64    `json:"attempts"`
	Connected       int64    `json:"connected"`
	ASR             *float64 `json:"asr"`
	ACD             *float64 `json:"acd_s"`
}

// sums are the numerators and denominators of the KPIs over a set of
// records: what both Compute and Reference accumulate.
type sums struct {
	contacts int64
	// Inbound records (offered before short abandons), answered and
	// abandoned ones, and short abandons.
	inbound, answered, abandoned, short int64
	// Answered inbound records with a wait within the service-level
	// threshold.
	withinSL int64
	// Over answered inbound records: wait, talk and hold sums and the
	// number of records having each.
	waitS, waitN, talkS, talkN, holdS, holdN int64
	// Over inbound records: queue time.
	queueS, queueN int64
	// Over all records: satisfaction.
	satN, satSum int64
	satScores    [5]int64
	// Outbound voice: attempts, connected ones and their talk time.
	attempts, connected, acdS, acdN int64
}

func (s *sums) add(o *sums) {
	s.contacts += o.contacts
	s.inbound += o.inbound
	s.answered += o.answered
	s.abandoned += o.abandoned
	s.short += o.short
	s.withinSL += o.withinSL
	s.waitS += o.waitS
	s.waitN += o.waitN
	s.talkS += o.talkS
	s.talkN += o.talkN
	s.holdS += o.holdS
	s.holdN += o.holdN
	s.queueS += o.queueS
	s.queueN += o.queueN
	s.satN += o.satN
	s.satSum += o.satSum
	for i := range s.satScores {
		s.satScores[i] += o.satScores[i]
	}
	s.attempts += o.attempts
	s.connected += o.connected
	s.acdS += o.acdS
	s.acdN += o.acdN
}

// kpis turns the sums into the KPIs.
func (s *sums) kpis() KPIs {
	offered, abandoned := s.inbound-s.short, s.abandoned-s.short
	return KPIs{
		Contacts:        s.contacts,
		Offered:         offered,
		Answered:        s.answered,
		Abandoned:       abandoned,
		ShortAbandoned:  s.short,
		AbandonmentRate: ratio(abandoned, offered),
		ServiceLevel:    ratio(s.withinSL, offered),
		ASA:             ratio(s.waitS, s.waitN),
		AHT:             ratio(s.talkS+s.holdS, s.answered),
		AvgTalk:         ratio(s.talkS, s.talkN),
		AvgHold:         ratio(s.holdS, s.holdN),
		AvgQueue:        ratio(s.queueS, s.queueN),
		CSATAvg:         ratio(s.satSum, s.satN),
		CSATCount:       s.satN,
		CSATScores:      s.satScores,
		Attempts:        s.attempts,
		Connected:       s.connected,
		ASR:             ratio(s.connected, s.attempts),
		ACD:             ratio(s.acdS, s.acdN),
	}
}

// ratio returns n / d, nil when d is 0.
func ratio(n, d int64) *float64 {
	if d == 0 {
		return nil
	}
	r := float64(n) / float64(d)
	return &r
}

// group is a series' key: the group_by values, "" in the others.
type group struct{ channel, direction, source, queue, agent string }

// groupOf returns the series a row (or a record) keyed k counts in.
func (q *Query) groupOf(k *cdr.KPIKey) group {
	var g group
	for _, d := range q.GroupBy {
		switch d {
		case DimChannel:
			g.channel = string(k.Channel)
		case DimDirection:
			g.direction = string(k.Direction)
		case DimSource:
			g.source = string(k.Source)
		case DimQueue:
			g.queue = k.Queue
		case DimAgent:
			g.agent = k.Agent
		}
	}
	return g
}

// values returns g's values in the order of Dims.
func (g group) values() [5]string {
	return [5]string{g.channel, g.direction, g.source, g.queue, g.agent}
}

// acc accumulates the sums of one series: one per interval (nil without
// an interval) and the total.
type acc struct {
	buckets []sums
	total   sums
}

// result assembles the Result of accumulated series.
func (q *Query) result(from string, starts []int64, series map[group]*acc) *Result {
	loc := q.loc()
	res := &Result{
		TZ: loc.String(), From: time.UnixMilli(q.From).In(loc), To: time.UnixMilli(q.To).In(loc),
		SLThreshold: q.SLThreshold, ComputedFrom: from, Series: []Series{},
	}
	if q.Interval != "" {
		iv := q.Interval
		res.Interval = &iv
	}
	if q.ShortAbandon != 0 {
		sa := q.ShortAbandon
		res.ShortAbandon = &sa
	}
	if len(q.GroupBy) == 0 && len(series) == 0 {
		series = map[group]*acc{{}: {}}
	}
	keys := make([]group, 0, len(series))
	for g := range series {
		keys = append(keys, g)
	}
	slices.SortFunc(keys, func(a, b group) int {
		va, vb := a.values(), b.values()
		return slices.CompareFunc(va[:], vb[:], strings.Compare)
	})
	for _, g := range keys {
		res.Series = append(res.Series, q.series(g, series[g], starts))
	}
	return res
}

// checkCells refuses a result of more than MaxCells buckets: groups
// series of intervals each (a total only counts as one).
func (q *Query) checkCells(groups, intervals int) error {
	if q.Interval == "" {
		intervals = 1
	}
	if groups*intervals > MaxCells {
		return invalid("group_by: %d groups of %d buckets each are more than %d buckets; use fewer dimensions, a longer interval or a shorter window",
			groups, intervals, MaxCells)
	}
	return nil
}

func (q *Query) series(g group, a *acc, starts []int64) Series {
	loc := q.loc()
	s := Series{Group: map[string]string{}, Buckets: []Bucket{}}
	v := g.values()
	for i, d := range Dims {
		if slices.Contains(q.GroupBy, d) {
			s.Group[d] = v[i]
		}
	}
	total := a.total
	if q.Interval != "" {
		s.Buckets = make([]Bucket, len(starts))
		for i, from := range starts {
			to := q.To
			if i+1 < len(starts) {
				to = starts[i+1]
			}
			var b sums
			if a.buckets != nil {
				b = a.buckets[i]
			}
			total.add(&b)
			s.Buckets[i] = Bucket{From: time.UnixMilli(from).In(loc), To: time.UnixMilli(to).In(loc), KPIs: b.kpis()}
		}
	}
	s.Total = Bucket{From: time.UnixMilli(q.From).In(loc), To: time.UnixMilli(q.To).In(loc), KPIs: total.kpis()}
	return s
}
