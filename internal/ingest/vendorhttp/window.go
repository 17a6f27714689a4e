package vendorhttp

import "time"

// The times every vendor API takes: from 2000-01-01T00:00:00Z (MinTime)
// to 9999-12-31T23:59:59Z, before MaxTime.
var (
	MinTime = time.Unix(946684800, 0)
	MaxTime = time.Unix(253402300800, 0) // 10000-01-01
)

// WindowFault returns why the window [from, to) is refused before its
// length is checked, or "" when it is not: its bounds must be whole units
// (time.Second or time.Millisecond), from MinTime, to MaxTime when
// bounded, with from before to. Each client checks the length, whose
// bound and words are its API's.
func WindowFault(from, to time.Time, unit time.Duration, bounded bool) string {
	switch {
	case from.Nanosecond()%int(unit) != 0 || to.Nanosecond()%int(unit) != 0:
		return "its bounds must be whole " + unitName(unit)
	case from.Before(MinTime):
		return "it must not start before 2000-01-01T00:00:00Z"
	case bounded && to.After(MaxTime):
		return "it must end by 10000-01-01T00:00:00Z"
	case !from.Before(to):
		return "it must end after it starts"
	}
	return ""
}

func unitName(unit time.Duration) string {
	if unit == time.Millisecond {
		return "milliseconds"
	}
	return "seconds"
}
