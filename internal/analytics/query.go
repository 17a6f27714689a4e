// Package analytics computes the contact-center KPIs of GET /api/v1/stats
// (docs/analytics.md): offered, answered and abandoned contacts, service
// level, speed of answer, handle time, satisfaction and outbound answer
// rates, per interval of a time zone's wall clock and per group.
//
// Compute folds kpi_rollup rows (cdr.KPIMeasures on 15-minute UTC buckets
// of start_at); FromRollups reads them summed per local unit through
// cdr.Rollups.KPISums and folds those; Reference computes the same result
// from the records themselves and is the definition of every formula.
// The package imports cdr and the standard library only.
package analytics

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/query"
)

// Bounds of a query.
const (
	// MaxBuckets is the most intervals of a series.
	MaxBuckets = 1000
	// MaxWindow is the longest window, in ms: three years of 365 days and
	// a leap day.
	MaxWindow = int64(1096 * day)
	// MaxCells is the most buckets of a result over all its series
	// (groups × intervals), bounding its size.
	MaxCells = 100_000
)

const day = 24 * 60 * 60 * 1000 // ms

// Intervals of the buckets.
const (
	Interval15m = "15m"
	Interval30m = "30m"
	Interval1h  = "1h"
	Interval1d  = "1d"
	Interval1w  = "1w"
	Interval1mo = "1mo"
)

// Intervals lists every interval, shortest first.
var Intervals = []string{Interval15m, Interval30m, Interval1h, Interval1d, Interval1w, Interval1mo}

// Dimensions of group_by, in the order series are sorted by.
const (
	DimChannel   = "channel"
	DimDirection = "direction"
	DimSource    = "source"
	DimQueue     = "queue"
	DimAgent     = "agent"
)

// Dims lists every group_by dimension in sort order.
var Dims = []string{DimChannel, DimDirection, DimSource, DimQueue, DimAgent}

// IsParam reports whether key is a parameter of GET /api/v1/stats itself
// (ParseQuery's); any other is refused by ParseQuery, and the API takes
// the filters of GET /api/v1/records among them (computed from records).
func IsParam(key string) bool { return slices.Contains(params, key) }

// params are the parameters ParseQuery accepts.
var params = []string{
	"from", "to", "interval", "tz", "group_by", "sl_threshold", "short_abandon",
	"channel", "source", "direction", "queue", "agent", "disposition",
	"day_start", "day_end", "weekdays",
}

// Query is a parsed request of GET /api/v1/stats.
type Query struct {
	// From and To bound the window [From, To) in UTC ms, each on a
	// 15-minute boundary.
	From, To int64
	// Loc is the zone of the intervals and business hours.
	Loc *time.Location
	// Interval is one of Intervals, or "" for the total only.
	Interval string
	// GroupBy holds distinct Dims, in the order of Dims.
	GroupBy []string
	// SLThreshold is the service-level threshold in seconds, one of
	// cdr.WaitThresholds; ShortAbandon is one of them too, or 0 for none.
	SLThreshold  int64
	ShortAbandon int64
	// Filters: a record counts only if each non-empty list holds its
	// value (queue and agent as kpi_rollup keys them).
	Channels     []cdr.Channel
	Sources      []cdr.Source
	Directions   []cdr.Direction
	Dispositions []cdr.Disposition
	Queues       []string
	Agents       []string
	// DayStart and DayEnd (ms after local midnight, multiples of 15
	// minutes) keep only the 15-minute buckets whose local start lies in
	// [DayStart, DayEnd); both 0 keep all. Weekdays (bit d for ISO weekday
	// d, 1–7) keeps only buckets starting on those local days; 0 keeps
	// all. The same encoding as cdr.KPISelect.
	DayStart, DayEnd int64
	Weekdays         uint8
}

// Window returns the UTC ms range [from, to) of the kpi_rollup buckets
// the query reads: its window, whose ends are bucket boundaries.
func (q *Query) Window() (from, to int64) { return q.From, q.To }

func invalid(format string, args ...any) error { return cdr.Errorf(cdr.EINVALID, format, args...) }

// ParseQuery parses the parameters of GET /api/v1/stats with the API's
// validation and error messages; def is the zone when tz is absent (the
// tenant's; nil is UTC). Every error is invalid and names the parameter.
func ParseQuery(v url.Values, def *time.Location) (*Query, error) {
	for k := range v {
		if !slices.Contains(params, k) {
			return nil, invalid("unknown parameter %q", truncate(k))
		}
	}
	q := &Query{Loc: def, SLThreshold: 20}
	if q.Loc == nil {
		q.Loc = time.UTC
	}
	var err error
	if err = parseWindow(v, q); err != nil {
		return nil, err
	}
	if err = parseZone(v, q); err != nil {
		return nil, err
	}
	if err = parseGroups(v, q); err != nil {
		return nil, err
	}
	if q.SLThreshold, err = thresholdParam(v, "sl_threshold", 20); err != nil {
		return nil, err
	}
	if q.ShortAbandon, err = thresholdParam(v, "short_abandon", 0); err != nil {
		return nil, err
	}
	if err = parseFilters(v, q); err != nil {
		return nil, err
	}
	if err = parseHours(v, q); err != nil {
		return nil, err
	}
	if err = q.check(); err != nil {
		return nil, err
	}
	return q, nil
}

// check validates what ParseQuery guarantees, for a Query built by hand
// too: the window, the interval and its number of buckets, the
// thresholds.
func (q *Query) check() error {
	switch {
	case q.From%cdr.RollupBucket != 0:
		return invalid("from: must be on a 15-minute boundary")
	case q.To%cdr.RollupBucket != 0:
		return invalid("to: must be on a 15-minute boundary")
	case q.From >= q.To:
		return invalid("to: must be after from")
	case q.To-q.From > MaxWindow:
		return invalid("to: the window is longer than 3 years (%d days)", MaxWindow/day)
	case q.Interval != "" && !slices.Contains(Intervals, q.Interval):
		return invalid("interval: unknown interval %q", q.Interval)
	case thresholdIndex(q.SLThreshold) < 0:
		return invalid("sl_threshold: want 10, 20, 30, 60 or 120")
	case q.ShortAbandon != 0 && thresholdIndex(q.ShortAbandon) < 0:
		return invalid("short_abandon: want 10, 20, 30, 60 or 120")
	}
	if q.Interval == "" {
		return nil
	}
	if n := len(q.starts(MaxBuckets + 1)); n > MaxBuckets {
		return invalid("interval: %s makes more than %d buckets of this window; use a longer interval or a shorter window", q.Interval, MaxBuckets)
	}
	return nil
}

func parseWindow(v url.Values, q *Query) (err error) {
	if q.From, err = timeParam(v, "from"); err != nil {
		return err
	}
	if q.To, err = timeParam(v, "to"); err != nil {
		return err
	}
	if q.Interval, err = query.SingleParam(v, "interval"); err != nil {
		return err
	}
	if q.Interval != "" && !slices.Contains(Intervals, q.Interval) {
		return invalid("interval: want 15m, 30m, 1h, 1d, 1w or 1mo, got %q", q.Interval)
	}
	return nil
}

func parseZone(v url.Values, q *Query) error {
	name, err := query.SingleParam(v, "tz")
	if err != nil || name == "" {
		return err
	}
	// LoadLocation also takes "Local" (the host's zone), which is not an
	// IANA name; a name longer than any IANA one is refused unread.
	if name == "Local" || len(name) > 64 {
		return invalid("tz: unknown time zone %q", truncate(name))
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return invalid("tz: unknown time zone %q", name)
	}
	q.Loc = loc
	return nil
}

func parseGroups(v url.Values, q *Query) error {
	seen := map[string]bool{}
	for _, d := range query.ListParam(v, "group_by") {
		if !slices.Contains(Dims, d) {
			return invalid("group_by: want channel, direction, source, queue or agent, got %q", truncate(d))
		}
		if seen[d] {
			return invalid("group_by: %s given twice", d)
		}
		seen[d] = true
	}
	for _, d := range Dims {
		if seen[d] {
			q.GroupBy = append(q.GroupBy, d)
		}
	}
	return nil
}

func parseFilters(v url.Values, q *Query) (err error) {
	if q.Channels, err = query.EnumParam(v, "channel", cdr.Channels); err != nil {
		return err
	}
	if q.Sources, err = query.EnumParam(v, "source", cdr.Sources); err != nil {
		return err
	}
	if q.Directions, err = query.EnumParam(v, "direction", cdr.Directions); err != nil {
		return err
	}
	if q.Dispositions, err = query.EnumParam(v, "disposition", cdr.Dispositions); err != nil {
		return err
	}
	if q.Queues, err = cdr.CheckStrings("queue", query.ListParam(v, "queue"), cdr.MaxNameLen, cdr.Bytes); err != nil {
		return err
	}
	q.Agents, err = cdr.CheckStrings("agent", query.ListParam(v, "agent"), cdr.MaxNameLen, cdr.Bytes)
	return err
}

func parseHours(v url.Values, q *Query) (err error) {
	start, err := clockParam(v, "day_start", false)
	if err != nil {
		return err
	}
	end, err := clockParam(v, "day_end", true)
	if err != nil {
		return err
	}
	if start >= 0 || end >= 0 {
		q.DayStart, q.DayEnd = max(start, 0), day
		if end >= 0 {
			q.DayEnd = end
		}
		if q.DayStart >= q.DayEnd {
			return invalid("day_end: must be after day_start")
		}
	}
	for _, s := range query.ListParam(v, "weekdays") {
		if len(s) != 1 || s[0] < '1' || s[0] > '7' {
			return invalid("weekdays: want ISO weekdays from 1 (Monday) to 7 (Sunday), got %q", truncate(s))
		}
		q.Weekdays |= 1 << (s[0] - '0')
	}
	return nil
}

// timeParam reads a required time on a 15-minute boundary, as Unix
// milliseconds or RFC 3339.
func timeParam(v url.Values, key string) (int64, error) {
	s, err := query.SingleParam(v, key)
	if err != nil {
		return 0, err
	}
	if s == "" {
		return 0, invalid("%s: required", key)
	}
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t, perr := time.Parse(time.RFC3339Nano, s)
		if perr != nil {
			return 0, invalid("%s: want Unix milliseconds or RFC 3339, got %q", key, truncate(s))
		}
		if t.Nanosecond()%1e6 != 0 {
			return 0, invalid("%s: must be on a 15-minute boundary (:00, :15, :30 or :45, no seconds)", key)
		}
		ms = t.UnixMilli()
	}
	if err := cdr.CheckTime(key, ms); err != nil {
		return 0, err
	}
	if ms%cdr.RollupBucket != 0 {
		return 0, invalid("%s: must be on a 15-minute boundary (:00, :15, :30 or :45, no seconds)", key)
	}
	return ms, nil
}

// thresholdParam reads one of cdr.WaitThresholds, def when absent.
func thresholdParam(v url.Values, key string, def int64) (int64, error) {
	s, err := query.SingleParam(v, key)
	if err != nil || s == "" {
		return def, err
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || thresholdIndex(n) < 0 {
		return 0, invalid("%s: want 10, 20, 30, 60 or 120, got %q", key, truncate(s))
	}
	return n, nil
}

// thresholdIndex returns the index of s in cdr.WaitThresholds, -1 when
// it is not one.
func thresholdIndex(s int64) int {
	return slices.Index(cdr.WaitThresholds[:], s)
}

// clockParam reads an HH:MM local time of day on a 15-minute boundary, in
// ms after midnight; -1 when absent. end allows 24:00.
func clockParam(v url.Values, key string, end bool) (int64, error) {
	s, err := query.SingleParam(v, key)
	if err != nil || s == "" {
		return -1, err
	}
	hh, hok := twoDigits(s[:min(2, len(s))])
	mm, mok := twoDigits(s[min(3, len(s)):])
	if len(s) != 5 || s[2] != ':' || !hok || !mok || mm%15 != 0 || mm > 45 || hh > 24 || hh == 24 && (mm != 0 || !end) {
		last := "23:45"
		if end {
			last = "24:00"
		}
		return 0, invalid("%s: want HH:MM on a 15-minute boundary, 00:00 to %s, got %q", key, last, truncate(s))
	}
	return int64(hh*60+mm) * 60_000, nil
}

// twoDigits reads exactly two decimal digits.
func twoDigits(s string) (int, bool) {
	if len(s) != 2 || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' {
		return 0, false
	}
	return int(s[0]-'0')*10 + int(s[1]-'0'), true
}

// truncate shortens a value quoted back in a message.
func truncate(s string) string {
	if len(s) <= 64 {
		return s
	}
	return strings.ToValidUTF8(s[:64], "") + "…"
}
