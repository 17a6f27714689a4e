package cdr

import (
	"fmt"
	"slices"
	"unicode/utf8"
)

// Bounds of every filter value, whatever API it arrives through
// (docs/design.md#bounds). Each API refuses a value over a bound with its
// own parameter error before it costs memory or a query; Filter.Check
// refuses it again in the store, so that no API can pass one down.
const (
	// MaxNumberLen is the most characters of a phone or number filter.
	MaxNumberLen = 32
	// MaxIDLen is the most bytes of a record id, a vendor id, a source_id
	// or an address.
	MaxIDLen = 128
	// MaxNameLen is the most bytes of a name, tag, label, country code or
	// id of an agent or queue.
	MaxNameLen = 256
	// MaxListLen is the most distinct elements of any list filter.
	MaxListLen = 100
)

// Unit is how a bound measures a value.
type Unit int

// Units of CheckStrings.
const (
	Bytes Unit = iota
	Chars
)

// Distinct returns vs without its duplicates, in first-seen order. It
// returns vs itself when it has none.
func Distinct[T comparable](vs []T) []T {
	if len(vs) < 2 {
		return vs
	}
	seen := make(map[T]struct{}, min(len(vs), MaxListLen+1))
	var out []T
	for i, v := range vs {
		if _, dup := seen[v]; dup {
			if out == nil {
				out = slices.Clip(vs[:i])
			}
			continue
		}
		seen[v] = struct{}{}
		if out != nil {
			out = append(out, v)
		}
	}
	if out == nil {
		return vs
	}
	return out
}

// CheckStrings returns vs without duplicates, or an invalid *Error naming
// param when vs has more than MaxListLen distinct elements or one longer
// than max (in bytes, or in characters with Chars). The message is safe to
// send in any API's envelope.
func CheckStrings(param string, vs []string, max int, unit Unit) ([]string, error) {
	for _, v := range vs {
		if err := CheckString(param, v, max, unit); err != nil {
			return nil, err
		}
	}
	return CheckList(param, vs)
}

// CheckString returns an invalid *Error naming param when v is longer than
// max (in bytes, or in characters with Chars).
func CheckString(param, v string, max int, unit Unit) error {
	if len(v) <= max || unit == Chars && utf8.RuneCountInString(v) <= max {
		return nil
	}
	what := "bytes"
	if unit == Chars {
		what = "characters"
	}
	return Errorf(EINVALID, "%s: a value is longer than %d %s", param, max, what)
}

// CheckList returns vs without duplicates, or an invalid *Error naming
// param when it has more than MaxListLen distinct elements.
func CheckList[T comparable](param string, vs []T) ([]T, error) {
	vs = Distinct(vs)
	if len(vs) > MaxListLen {
		return nil, Errorf(EINVALID, "%s: at most %d distinct values", param, MaxListLen)
	}
	return vs, nil
}

// CheckTime returns an invalid *Error naming param when ms, a time bound,
// is before MinTime or after MaxTime: a non-zero bound before 2000 is
// refused rather than read as open.
func CheckTime(param string, ms int64) error {
	if ms < MinTime || ms > MaxTime {
		return Errorf(EINVALID, "%s: must be from 2000-01-01T00:00:00Z to 9999-12-31T23:59:59Z", param)
	}
	return nil
}

// Check normalizes f for a store: it removes duplicates from every list and
// refuses, as invalid, any value over the bounds above and a non-zero time
// bound outside [MinTime, MaxTime]. Stores call it before building a query.
func (f *Filter) Check() error {
	for _, b := range []struct {
		name string
		t    int64
	}{{"from", f.From}, {"to", f.To}} {
		if b.t != 0 {
			if err := CheckTime(b.name, b.t); err != nil {
				return err
			}
		}
	}
	if err := CheckString("phone_contains", f.PhoneContains, MaxNumberLen, Chars); err != nil {
		return err
	}
	strs := []struct {
		name string
		vs   *[]string
		max  int
		unit Unit
	}{
		{"phone", &f.Phones, MaxNumberLen, Chars},
		{"caller_number", &f.CallerNumbers, MaxNumberLen, Chars},
		{"callee_number", &f.CalleeNumbers, MaxNumberLen, Chars},
		{"caller", &f.CallerAddrs, MaxIDLen, Bytes},
		{"callee", &f.CalleeAddrs, MaxIDLen, Bytes},
		{"id", &f.IDs, MaxIDLen, Bytes},
		{"vendor_id", &f.VendorIDs.Values, MaxIDLen, Bytes},
		{"agent", &f.Agents, MaxNameLen, Bytes},
		{"agent_id", &f.AgentIDs, MaxNameLen, Bytes},
		{"agent_name", &f.AgentNames, MaxNameLen, Bytes},
		{"queue", &f.Queues, MaxNameLen, Bytes},
		{"queue_id", &f.QueueIDs, MaxNameLen, Bytes},
		{"queue_name", &f.QueueNames, MaxNameLen, Bytes},
		{"tag", &f.Tags, MaxNameLen, Bytes},
		{"country_code", &f.CountryCodes, MaxNameLen, Bytes},
		{"satisfaction_label", &f.SatLabels, MaxNameLen, Bytes},
	}
	for _, s := range strs {
		vs, err := CheckStrings(s.name, *s.vs, s.max, s.unit)
		if err != nil {
			return err
		}
		*s.vs = vs
	}
	if len(f.VendorEnums) > MaxListLen {
		return Errorf(EINVALID, "vendor_enum: at most %d fields", MaxListLen)
	}
	enums := slices.Clone(f.VendorEnums)
	for i, e := range enums {
		vs, err := CheckStrings(fmt.Sprintf("%s.%s", e.Source, e.Field), e.Values, MaxNameLen, Bytes)
		if err != nil {
			return err
		}
		enums[i].Values = vs
	}
	if f.VendorEnums != nil {
		f.VendorEnums = enums
	}
	return checkEnumLists(f)
}

// checkEnumLists removes duplicates from the enum lists of f and bounds them.
func checkEnumLists(f *Filter) error {
	var err error
	if f.Channels, err = CheckList("channel", f.Channels); err != nil {
		return err
	}
	if f.Sources, err = CheckList("source", f.Sources); err != nil {
		return err
	}
	if f.Directions, err = CheckList("direction", f.Directions); err != nil {
		return err
	}
	if f.CallTypes, err = CheckList("call_type", f.CallTypes); err != nil {
		return err
	}
	if f.Media, err = CheckList("media", f.Media); err != nil {
		return err
	}
	if f.Dispositions, err = CheckList("disposition", f.Dispositions); err != nil {
		return err
	}
	if f.HangupBy, err = CheckList("hangup_by", f.HangupBy); err != nil {
		return err
	}
	f.SatScores, err = CheckList("satisfaction_score", f.SatScores)
	return err
}
