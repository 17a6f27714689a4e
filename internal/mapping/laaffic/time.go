package laaffic

import (
	"errors"
	"strconv"
	"time"
)

// zone returns loc, or UTC for nil.
func zone(loc *time.Location) *time.Location {
	if loc == nil {
		return time.UTC
	}
	return loc
}

// isRecordTime reports whether s has the exact shape yyyy-MM-dd HH:mm:ss
// (ASCII digits; Go's parser alone would also take one-digit hours and a
// fractional second).
func isRecordTime(s string) bool {
	if len(s) != len(TimeLayout) {
		return false
	}
	for i := range len(s) {
		switch l := TimeLayout[i]; l {
		case '-', ' ', ':':
			if s[i] != l {
				return false
			}
		default:
			if s[i] < '0' || s[i] > '9' {
				return false
			}
		}
	}
	return true
}

// parseRecordTime parses a record time in loc to Unix ms.
func parseRecordTime(s string, loc *time.Location) (int64, error) {
	if !isRecordTime(s) {
		return 0, errors.New("must be yyyy-MM-dd HH:mm:ss")
	}
	t, err := time.ParseInLocation(TimeLayout, s, zone(loc))
	if err != nil {
		return 0, err
	}
	return earlier(t).UnixMilli(), nil
}

// earlier returns t, a wall clock time as time.ParseInLocation reads it,
// at the earlier of its two instants when a DST change repeats it (as
// java.time reads it): time.Date leaves the choice to the zone's sign.
func earlier(t time.Time) time.Time {
	start, _ := t.ZoneBounds()
	if start.IsZero() {
		return t
	}
	_, off := t.Zone()
	_, prev := start.Add(-time.Second).Zone()
	if e := t.Add(-time.Duration(prev-off) * time.Second); prev > off && e.Before(start) {
		return e
	}
	return t
}

// formatTime formats a Unix ms time in loc, seconds truncated toward the
// past; nil is "".
func formatTime(ms *int64, loc *time.Location) string {
	if ms == nil {
		return ""
	}
	return time.UnixMilli(*ms).In(zone(loc)).Format(TimeLayout)
}

// ParseTime parses a request time (docs/mapping-laaffic.md, Request times):
// ISO 8601 as RFC 3339 with "T" and an offset ("Z", "+08:00" or "+0800"),
// optionally with a fractional second; the same without an offset, read in
// loc; or the record layout yyyy-MM-dd HH:mm:ss, read in loc. nil loc is UTC.
// Leading or trailing space, a date alone and any other form are errors.
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	loc = zone(loc)
	if isRecordTime(s) {
		t, err := time.ParseInLocation(TimeLayout, s, loc)
		return earlier(t), err
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", s, loc); err == nil {
		return earlier(t), nil
	}
	return time.Time{}, errors.New("laaffic: " + strconv.Quote(s) + " is not an ISO 8601 time or yyyy-MM-dd HH:mm:ss")
}

func itoa(v int) string { return strconv.Itoa(v) }
