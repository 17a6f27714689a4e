package analytics

import (
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// Intervals follow the zone's wall clock. The window is walked bucket by
// bucket with the offset in force at each bucket's start (cdr.Segments);
// every offset and DST shift is a multiple of 15 minutes, so a bucket's
// local start is bucket + offset and a bucket never straddles two local
// units. An interval starts at the window's start and at every bucket
// whose local unit (date for 1d, ISO week for 1w, month for 1mo, the
// slot of the day for 15m, 30m and 1h) differs from the previous
// bucket's; for 15m, 30m and 1h also at every bucket whose local time is
// a multiple of the interval, so that an hour repeated when clocks go
// back is an interval of its own.

// units are the lengths of the sub-day intervals, in ms.
var units = map[string]int64{Interval15m: 15 * 60_000, Interval30m: 30 * 60_000, Interval1h: 60 * 60_000}

// loc returns the query's zone, UTC when none.
func (q *Query) loc() *time.Location {
	if q.Loc == nil {
		return time.UTC
	}
	return q.Loc
}

// walk calls fn with every bucket of the window in order, its local start
// (bucket + offset, ms) and whether it starts a new interval, until fn
// returns false.
func (q *Query) walk(fn func(b, local int64, starts bool) bool) {
	unit := units[q.Interval]
	prev, prevDay, month := int64(0), int64(-1<<62), int64(0)
	for _, seg := range cdr.Segments(q.loc(), q.From, q.To) {
		for b := seg.From; b < seg.To; b += cdr.RollupBucket {
			local := b + seg.Offset
			d := floorDiv(local, day)
			var u int64
			edge := false
			switch q.Interval {
			case Interval1d:
				u = d
			case Interval1w:
				u = floorDiv(d+3, 7) // 1969-12-29 was a Monday
			case Interval1mo:
				if d != prevDay {
					y, m, _ := time.UnixMilli(d * day).UTC().Date()
					month = int64(y)*12 + int64(m)
				}
				u = month
			case Interval15m, Interval30m, Interval1h:
				u, edge = floorDiv(local, unit), floorMod(local, unit) == 0
			}
			if !fn(b, local, b == q.From || u != prev || edge) {
				return
			}
			prev, prevDay = u, d
		}
	}
}

// starts returns the first bucket of each interval of the window, at
// most limit of them.
func (q *Query) starts(limit int) []int64 {
	var out []int64
	q.walk(func(b, _ int64, starts bool) bool {
		if starts {
			out = append(out, b)
		}
		return len(out) < limit
	})
	return out
}

// inHours reports whether a bucket starting at local time local lies
// within the business hours.
func (q *Query) inHours(local int64) bool {
	if q.DayStart != 0 || q.DayEnd != 0 {
		if tod := floorMod(local, day); tod < q.DayStart || tod >= q.DayEnd {
			return false
		}
	}
	return q.Weekdays == 0 || q.Weekdays&(1<<isoWeekday(floorDiv(local, day))) != 0
}

// isoWeekday returns the ISO weekday (1 Monday … 7 Sunday) of day n
// after 1970-01-01, a Thursday.
func isoWeekday(n int64) int64 { return floorMod(n+3, 7) + 1 }

// layout returns the first bucket of each interval and, for each bucket
// of the window, the index of its interval (0 without an interval) or -1
// when business hours exclude it. slots is nil when every bucket counts
// in the total alone.
func (q *Query) layout() (starts []int64, slots []int32) {
	hours := q.DayStart != 0 || q.DayEnd != 0 || q.Weekdays != 0
	if q.Interval == "" && !hours {
		return []int64{q.From}, nil
	}
	slots = make([]int32, 0, (q.To-q.From)/cdr.RollupBucket)
	q.walk(func(b, local int64, first bool) bool {
		if first && q.Interval != "" || len(starts) == 0 {
			starts = append(starts, b)
		}
		slot := int32(len(starts) - 1)
		if !q.inHours(local) {
			slot = -1
		}
		slots = append(slots, slot)
		return true
	})
	return starts, slots
}

func floorDiv(a, b int64) int64 {
	if a%b != 0 && (a < 0) != (b < 0) {
		return a/b - 1
	}
	return a / b
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }
