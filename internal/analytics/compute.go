package analytics

import (
	"context"
	"slices"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// Row is one kpi_rollup row.
type Row struct {
	Key cdr.KPIKey
	M   cdr.KPIMeasures
}

// Compute computes q's result from kpi_rollup rows, in any order. Rows
// outside the window, excluded by the business hours or not matching the
// filters are ignored, so the caller may pass a superset; rows with equal
// keys add up. It makes one pass over the rows and allocates per series,
// not per row.
func Compute(q *Query, rows []Row) (*Result, error) {
	if err := q.check(); err != nil {
		return nil, err
	}
	starts, slots := q.layout()
	m := q.matcher()
	sl, sa := thresholdIndex(q.SLThreshold), thresholdIndex(q.ShortAbandon)
	series := map[group]*acc{}
	for i := range rows {
		r := &rows[i]
		b := r.Key.Bucket
		if b < q.From || b >= q.To || !m.match(&r.Key) {
			continue
		}
		slot := int32(0)
		if slots != nil {
			if slot = slots[(b-q.From)/cdr.RollupBucket]; slot < 0 {
				continue
			}
		}
		g := q.groupOf(&r.Key)
		a := series[g]
		if a == nil {
			if err := q.checkCells(len(series)+1, len(starts)); err != nil {
				return nil, err
			}
			a = &acc{}
			if q.Interval != "" {
				a.buckets = make([]sums, len(starts))
			}
			series[g] = a
		}
		s := &a.total
		if a.buckets != nil {
			s = &a.buckets[slot]
		}
		s.addRow(&r.Key, &r.M, sl, sa)
	}
	return q.result("rollups", starts, series), nil
}

// addRow adds a kpi_rollup row; sl and sa are the indexes of the
// service-level and short-abandon thresholds in cdr.WaitThresholds, sa -1
// for none.
func (s *sums) addRow(k *cdr.KPIKey, m *cdr.KPIMeasures, sl, sa int) {
	c := m.Contacts
	s.contacts += c
	s.satN += m.SatN
	s.satSum += m.SatSum
	for i, n := range m.SatScores {
		s.satScores[i] += n
	}
	answered := k.Disposition.Answered()
	if k.Direction == cdr.DirectionInbound {
		s.inbound += c
		s.queueS += m.QueueS
		s.queueN += m.QueueN
		switch {
		case answered:
			s.answered += c
			s.withinSL += m.AnsweredWithin[sl]
			s.waitS += m.WaitS
			s.waitN += m.WaitN
			s.talkS += m.TalkS
			s.talkN += m.TalkN
			s.holdS += m.HoldS
			s.holdN += m.HoldN
		case k.Disposition == cdr.DispositionAbandoned:
			s.abandoned += c
			if sa >= 0 {
				s.short += m.AbandonedWithin[sa]
			}
		}
	}
	if k.Channel == cdr.ChannelVoice && k.Direction == cdr.DirectionOutbound {
		s.attempts += c
		if answered {
			s.connected += c
			s.acdS += m.TalkS
			s.acdN += m.TalkN
		}
	}
}

// matcher tests rows against a query's filters.
type matcher struct {
	q              *Query
	queues, agents map[string]bool
}

func (q *Query) matcher() *matcher {
	set := func(vs []string) map[string]bool {
		if len(vs) == 0 {
			return nil
		}
		m := make(map[string]bool, len(vs))
		for _, v := range vs {
			m[v] = true
		}
		return m
	}
	return &matcher{q: q, queues: set(q.Queues), agents: set(q.Agents)}
}

// match reports whether a row (or a record) keyed k passes the filters.
func (m *matcher) match(k *cdr.KPIKey) bool {
	q := m.q
	return inOrAll(q.Channels, k.Channel) && inOrAll(q.Sources, k.Source) &&
		inOrAll(q.Directions, k.Direction) && inOrAll(q.Dispositions, k.Disposition) &&
		(m.queues == nil || m.queues[k.Queue]) && (m.agents == nil || m.agents[k.Agent])
}

func inOrAll[T comparable](list []T, v T) bool { return len(list) == 0 || slices.Contains(list, v) }

// SumReader reads a tenant's kpi_rollup summed as sel asks
// (cdr.Rollups.KPISums).
type SumReader func(ctx context.Context, sel *cdr.KPISelect) ([]cdr.KPISum, error)

// FromRollups computes q's result from sums the database makes: read is
// asked for the window's sums per local unit (15, 30 or 60 minutes, a day,
// or the whole window for a total), with the filters and business hours,
// keeping apart the columns grouped or filtered by; the sums are folded by
// Compute, each at the first bucket of its unit. Read is called once per
// segment of one zone offset (cdr.Segments), so that no unit merges two
// intervals, such as the two hours a clock repeats when it goes back.
func FromRollups(ctx context.Context, q *Query, read SumReader) (*Result, error) {
	if err := q.check(); err != nil {
		return nil, err
	}
	sel := q.selection()
	segs := sel.Segments
	var rows []Row
	for _, seg := range segs {
		sel.Segments = []cdr.KPISegment{seg}
		got, err := read(ctx, sel)
		if err != nil {
			return nil, err
		}
		for _, r := range got {
			rows = append(rows, Row{Key: r.Key, M: r.M})
		}
	}
	return Compute(q, rows)
}

// selection returns the KPISelect of q's window, cut into segments of one
// offset each.
func (q *Query) selection() *cdr.KPISelect {
	sel := &cdr.KPISelect{
		Segments: cdr.Segments(q.loc(), q.From, q.To), Unit: units[q.Interval],
		Channels: q.Channels, Sources: q.Sources, Directions: q.Directions, Dispositions: q.Dispositions,
		Queues: q.Queues, Agents: q.Agents, DayStart: q.DayStart, DayEnd: q.DayEnd, Weekdays: q.Weekdays,
	}
	switch q.Interval {
	case Interval1d, Interval1w, Interval1mo:
		sel.Unit = day
	case "":
		// One unit as long as the window: at most two per segment. The
		// zone matters only to business hours.
		sel.Unit = q.To - q.From
		if q.DayStart == 0 && q.DayEnd == 0 && q.Weekdays == 0 {
			sel.Segments = []cdr.KPISegment{{From: q.From, To: q.To}}
		}
	}
	keep := func(d cdr.KPIDims, dim string, filtered bool) {
		if filtered || slices.Contains(q.GroupBy, dim) {
			sel.Keep |= d
		}
	}
	keep(cdr.KeepSource, DimSource, len(q.Sources) > 0)
	keep(cdr.KeepQueue, DimQueue, len(q.Queues) > 0)
	keep(cdr.KeepAgent, DimAgent, len(q.Agents) > 0)
	keep(cdr.KeepChannel, DimChannel, len(q.Channels) > 0)
	keep(cdr.KeepDirection, DimDirection, len(q.Directions) > 0)
	keep(cdr.KeepDisposition, "", len(q.Dispositions) > 0)
	// Of the wait counts, the formulas read those of the threshold and
	// the short abandon; ring and total times they do not read.
	sel.Skip = cdr.MeasureRing | cdr.MeasureTotal
	sl, sa := thresholdIndex(q.SLThreshold), thresholdIndex(q.ShortAbandon)
	for i := range cdr.WaitThresholds {
		if i != sl {
			sel.Skip |= cdr.MeasureAnsweredWithin(i)
		}
		if i != sa {
			sel.Skip |= cdr.MeasureAbandonedWithin(i)
		}
	}
	return sel
}
