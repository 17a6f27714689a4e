package analytics

import (
	"slices"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// Reference computes q's result from the records themselves, one record
// at a time: it is the definition of every KPI of docs/analytics.md, which
// Compute must equal on the kpi_rollup rows of the same records, and the
// way to answer a query from records where rollups cannot (a filter they
// do not keep). Shadows (same_as) and records outside the window, the
// business hours or the filters count nowhere. q must be valid (as
// ParseQuery returns it); Reference does not bound the number of groups.
//
// A record counts in the interval holding the start of its 15-minute UTC
// bucket of start_at, read on the zone's wall clock with the time
// package; its queue is its first queue's id (else name), its agent its
// first human agent's id (else email, else name), as kpi_rollup keys
// them.
func Reference(q *Query, recs []*cdr.Record) *Result {
	f := newFolder(q, false)
	for _, r := range recs {
		f.Add(r) // unbounded: no error
	}
	return f.Result()
}

// Folder folds records one at a time into a query's result, as Reference
// does: the way to answer from records that are streamed, not held.
type Folder struct {
	q       *Query
	loc     *time.Location
	starts  []int64
	m       *matcher
	series  map[group]*acc
	bounded bool // Add refuses more groups than MaxCells allows
}

// NewFolder returns an empty Folder of q, which must be valid; its Add
// refuses a record that would make more buckets than MaxCells.
func NewFolder(q *Query) *Folder { return newFolder(q, true) }

func newFolder(q *Query, bounded bool) *Folder {
	return &Folder{q: q, loc: q.loc(), starts: referenceStarts(q), m: q.matcher(), series: map[group]*acc{}, bounded: bounded}
}

// Add folds r in, or leaves it out (a shadow, or outside the window, the
// business hours or the filters).
func (f *Folder) Add(r *cdr.Record) error {
	q := f.q
	b := cdr.BucketOf(r.StartAt)
	if r.SameAs != "" || b < q.From || b >= q.To {
		return nil
	}
	k := cdr.KPIKey{
		CountKey:    cdr.CountKey{Bucket: b, Channel: r.Channel, Source: r.Source, Direction: r.Direction},
		Queue:       queueOf(r),
		Agent:       agentOf(r),
		Disposition: r.Disposition,
	}
	if !f.m.match(&k) || !referenceInHours(q, time.UnixMilli(b).In(f.loc)) {
		return nil
	}
	g := q.groupOf(&k)
	a := f.series[g]
	if a == nil {
		if f.bounded {
			if err := q.checkCells(len(f.series)+1, len(f.starts)); err != nil {
				return err
			}
		}
		a = &acc{}
		if q.Interval != "" {
			a.buckets = make([]sums, len(f.starts))
		}
		f.series[g] = a
	}
	s := &a.total
	if a.buckets != nil {
		i, found := slices.BinarySearch(f.starts, b)
		if !found {
			i--
		}
		s = &a.buckets[i]
	}
	s.addRecord(q, r)
	return nil
}

// Result returns the result of the records added so far, computed from
// "records".
func (f *Folder) Result() *Result { return f.q.result("records", f.starts, f.series) }

// addRecord adds one record to the sums.
func (s *sums) addRecord(q *Query, r *cdr.Record) {
	s.contacts++
	if sat := r.Satisfaction; sat != nil && sat.Score != nil && *sat.Score >= 1 && *sat.Score <= 5 {
		s.satN++
		s.satSum += int64(*sat.Score)
		s.satScores[*sat.Score-1]++
	}
	wait, hasWait := r.Wait()
	answered := r.Disposition.Answered()
	if r.Direction == cdr.DirectionInbound {
		s.inbound++
		addValue(r.QueueS, &s.queueS, &s.queueN)
		switch {
		case answered:
			s.answered++
			if hasWait {
				s.waitS += wait
				s.waitN++
				if wait <= q.SLThreshold {
					s.withinSL++
				}
			}
			addValue(r.TalkS, &s.talkS, &s.talkN)
			addValue(r.HoldS, &s.holdS, &s.holdN)
		case r.Disposition == cdr.DispositionAbandoned:
			s.abandoned++
			if q.ShortAbandon != 0 && hasWait && wait <= q.ShortAbandon {
				s.short++
			}
		}
	}
	if r.Channel == cdr.ChannelVoice && r.Direction == cdr.DirectionOutbound {
		s.attempts++
		if answered {
			s.connected++
			addValue(r.TalkS, &s.acdS, &s.acdN)
		}
	}
}

// addValue adds a duration the record may lack to a sum and its count.
func addValue(v *int64, sum, n *int64) {
	if v != nil {
		*sum += *v
		*n++
	}
}

// referenceStarts returns the first bucket of each interval of q's window
// (only the window's start without an interval), walking its buckets on
// the zone's wall clock: an interval starts where the local date (1d),
// ISO week (1w) or month (1mo) changes, and for 15m, 30m and 1h where the
// slot of the local day changes or the local time is a multiple of the
// interval.
func referenceStarts(q *Query) []int64 {
	loc, n := q.loc(), int(units[q.Interval]/60_000)
	var starts []int64
	var prev [3]int
	for b := q.From; b < q.To; b += cdr.RollupBucket {
		t := time.UnixMilli(b).In(loc)
		var u [3]int
		edge := false
		switch q.Interval {
		case Interval1d:
			u = [3]int{t.Year(), t.YearDay()}
		case Interval1w:
			y, w := t.ISOWeek()
			u = [3]int{y, w}
		case Interval1mo:
			u = [3]int{t.Year(), int(t.Month())}
		case Interval15m, Interval30m, Interval1h:
			mins := t.Hour()*60 + t.Minute()
			u, edge = [3]int{t.Year(), t.YearDay(), mins / n}, mins%n == 0
		}
		if b == q.From || u != prev || edge {
			starts = append(starts, b)
		}
		prev = u
	}
	return starts
}

// referenceInHours reports whether a bucket starting at local time t lies
// within the business hours.
func referenceInHours(q *Query, t time.Time) bool {
	if q.DayStart != 0 || q.DayEnd != 0 {
		tod := int64(t.Hour()*60+t.Minute()) * 60_000
		if tod < q.DayStart || tod >= q.DayEnd {
			return false
		}
	}
	wd := (int(t.Weekday())+6)%7 + 1
	return q.Weekdays == 0 || q.Weekdays&(1<<wd) != 0
}

// queueOf returns the queue kpi_rollup keys r by: its first queue's id,
// else its name.
func queueOf(r *cdr.Record) string {
	if len(r.Queues) == 0 {
		return ""
	}
	if r.Queues[0].ID != "" {
		return r.Queues[0].ID
	}
	return r.Queues[0].Name
}

// agentOf returns the agent kpi_rollup keys r by: its first human agent's
// id, else email, else name.
func agentOf(r *cdr.Record) string {
	for _, a := range r.Agents {
		if a.Kind == "" || a.Kind == cdr.AgentHuman {
			for _, s := range []string{a.ID, a.Email, a.Name} {
				if s != "" {
					return s
				}
			}
			return ""
		}
	}
	return ""
}
