package config

import (
	"fmt"
	"strconv"
	"time"

	"go.yaml.in/yaml/v3"
)

// Instant is a point in time written in YAML as RFC 3339
// ("2026-06-01T00:00:00Z") or as Unix milliseconds (an integer, or a string
// of digits). The zero Instant means unset. Parsed values are in UTC.
type Instant time.Time

// Time returns i as a time.Time.
func (i Instant) Time() time.Time { return time.Time(i) }

// IsZero reports whether i is unset.
func (i Instant) IsZero() bool { return time.Time(i).IsZero() }

// Equal reports whether i and j are the same instant (or both unset).
func (i Instant) Equal(j Instant) bool { return time.Time(i).Equal(time.Time(j)) }

// String formats i as RFC 3339, or "" if it is unset.
func (i Instant) String() string {
	if i.IsZero() {
		return ""
	}
	return time.Time(i).Format(time.RFC3339Nano)
}

// UnmarshalYAML parses RFC 3339 or Unix milliseconds. A YAML null leaves i
// unset (yaml does not call UnmarshalYAML for it).
func (i *Instant) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return &yaml.TypeError{Errors: []string{
			fmt.Sprintf("line %d: an instant must be RFC 3339 like 2026-06-01T00:00:00Z or Unix milliseconds", n.Line)}}
	}
	t, ok := parseInstant(n.ShortTag() == "!!int", n.Value)
	if !ok {
		return &yaml.TypeError{Errors: []string{
			fmt.Sprintf("line %d: invalid instant %q (want RFC 3339 like 2026-06-01T00:00:00Z or Unix milliseconds)", n.Line, n.Value)}}
	}
	*i = Instant(t)
	return nil
}

// parseInstant parses s as Unix milliseconds if isInt or s is all digits,
// else as RFC 3339. Years after 9999 are refused: RFC 3339 cannot write them.
func parseInstant(isInt bool, s string) (time.Time, bool) {
	var t time.Time
	if isInt || allDigits(s) {
		ms, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, false
		}
		t = time.UnixMilli(ms)
	} else {
		var err error
		if t, err = time.Parse(time.RFC3339Nano, s); err != nil {
			return time.Time{}, false
		}
	}
	t = t.UTC()
	if t.Year() > 9999 || t.IsZero() {
		return time.Time{}, false
	}
	return t, true
}

func allDigits(s string) bool {
	for _, r := range []byte(s) {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// MarshalYAML writes i as RFC 3339, or null if it is unset.
func (i Instant) MarshalYAML() (any, error) {
	if i.IsZero() {
		return nil, nil
	}
	return i.String(), nil
}

// MarshalText writes i as RFC 3339 ("" if unset).
func (i Instant) MarshalText() ([]byte, error) { return []byte(i.String()), nil }

// ParseInstant parses an instant as the configuration writes it, Unix
// milliseconds or RFC 3339, for the commands' flags. It refuses a time
// before 2000-01-01 as the configuration does.
func ParseInstant(s string) (Instant, error) {
	t, ok := parseInstant(false, s)
	if !ok || t.Before(minSyncFrom) {
		return Instant{}, fmt.Errorf("%q: want Unix milliseconds or RFC 3339 (2026-06-01T00:00:00Z), from 2000 on", s)
	}
	return Instant(t), nil
}
