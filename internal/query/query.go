// Package query parses the parameters of the native record list (GET
// /api/v1/records) into a cdr.Filter: every filter within its bound
// (docs/design.md#bounds), the page (limit, order, count) and the opaque
// cursor, which is bound to the filters and order that made it. The native
// API and the export command read their parameters through it, with the
// same validation and error messages.
package query

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

const (
	defaultLimit = 100
	maxLimit     = 1000
)

// listParams are the parameters GET /api/v1/records accepts.
var listParams = []string{
	"tenant", "from", "to", "channel", "source", "direction", "call_type", "media", "disposition", "hangup_by",
	"source_id", "phone", "phone_contains", "caller", "callee", "agent", "queue", "tag", "country_code",
	"has_recording", "include_shadows", "csat_min", "csat_max", "order", "limit", "cursor", "count",
}

func invalid(format string, args ...any) error { return cdr.Errorf(cdr.EINVALID, format, args...) }

// OnlyParams rejects parameters other than allowed.
func OnlyParams(q url.Values, allowed ...string) error {
	for k := range q {
		if !slices.Contains(allowed, k) {
			return invalid("unknown parameter %q", k)
		}
	}
	return nil
}

// ListParam returns the values of a repeatable, comma-separable parameter.
func ListParam(q url.Values, key string) []string {
	var out []string
	for _, v := range q[key] {
		for s := range strings.SplitSeq(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// SingleParam returns the one value of key; a repeated key is an error.
func SingleParam(q url.Values, key string) (string, error) {
	if len(q[key]) > 1 {
		return "", invalid("parameter %q given more than once", key)
	}
	return q.Get(key), nil
}

// EnumParam returns the distinct values of a list parameter of enum values.
func EnumParam[E ~string](q url.Values, key string, all []E) ([]E, error) {
	var out []E
	for _, v := range ListParam(q, key) {
		if !cdr.Valid(E(v), all) {
			return nil, invalid("%s: unknown value %q", key, v)
		}
		out = append(out, E(v))
	}
	return cdr.CheckList(key, out)
}

// stringList returns the distinct values of a list parameter, refusing more
// than cdr.MaxListLen of them or one longer than max (docs/design.md#bounds).
func stringList(q url.Values, key string, max int, unit cdr.Unit) ([]string, error) {
	return cdr.CheckStrings(key, ListParam(q, key), max, unit)
}

// BoolParam reads a parameter given at most once as true or false (any form
// strconv.ParseBool takes); absent or empty is false.
func BoolParam(q url.Values, key string) (bool, error) {
	v, err := SingleParam(q, key)
	if err != nil || v == "" {
		return false, err
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, invalid("%s: want true or false, got %q", key, v)
	}
	return b, nil
}

func intParam(q url.Values, key string, lo, hi, def int) (int, error) {
	v, err := SingleParam(q, key)
	if err != nil || v == "" {
		return def, err
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, invalid("%s: want an integer from %d to %d, got %q", key, lo, hi, v)
	}
	return n, nil
}

// timeParam reads Unix milliseconds or RFC 3339.
func timeParam(q url.Values, key string) (int64, error) {
	v, err := SingleParam(q, key)
	if err != nil || v == "" {
		return 0, err
	}
	if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
		if ms < cdr.MinTime || ms >= cdr.MaxTime {
			return 0, invalid("%s: %d is not a Unix time in milliseconds after 2000", key, ms)
		}
		return ms, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return 0, invalid("%s: want Unix milliseconds or RFC 3339, got %q", key, v)
	}
	// Before 2000 is refused in this form too: 1970-01-01T00:00:00Z would
	// otherwise be 0, an open end.
	if err := cdr.CheckTime(key, t.UnixMilli()); err != nil {
		return 0, err
	}
	return t.UnixMilli(), nil
}

// ParseFilter turns the query parameters of GET /api/v1/records into a
// Filter, with the API's validation and error messages. Page parameters
// (limit, count, cursor) are applied too; the export command passes only
// filters and pages itself.
func ParseFilter(q url.Values) (cdr.Filter, error) {
	l, err := ParseList(q)
	return l.Filter, err
}

// List is a parsed query of GET /api/v1/records.
type List struct {
	// Filter holds the filters, the order and the page: Limit, Count,
	// and After from the cursor.
	Filter cdr.Filter
	hash   string // binds a cursor to the filters and the order
}

// ParseList turns the query of GET /api/v1/records into a List.
func ParseList(q url.Values) (l List, err error) {
	f := &l.Filter
	if err := OnlyParams(q, listParams...); err != nil {
		return l, err
	}
	if f.From, err = timeParam(q, "from"); err != nil {
		return l, err
	}
	if f.To, err = timeParam(q, "to"); err != nil {
		return l, err
	}
	if f.From != 0 && f.To != 0 && f.From >= f.To {
		return l, invalid("from must be before to")
	}
	if f.Channels, err = EnumParam(q, "channel", cdr.Channels); err != nil {
		return l, err
	}
	if f.Sources, err = EnumParam(q, "source", cdr.Sources); err != nil {
		return l, err
	}
	if f.Directions, err = EnumParam(q, "direction", cdr.Directions); err != nil {
		return l, err
	}
	if f.CallTypes, err = EnumParam(q, "call_type", cdr.CallTypes); err != nil {
		return l, err
	}
	if f.Media, err = EnumParam(q, "media", cdr.MediaTypes); err != nil {
		return l, err
	}
	if f.Dispositions, err = EnumParam(q, "disposition", cdr.Dispositions); err != nil {
		return l, err
	}
	if f.HangupBy, err = EnumParam(q, "hangup_by", cdr.HangupBys); err != nil {
		return l, err
	}
	ids, err := stringList(q, "source_id", cdr.MaxIDLen, cdr.Bytes)
	if err != nil {
		return l, err
	}
	if len(ids) > 0 {
		if len(f.Sources) != 1 {
			return l, invalid("source_id needs exactly one source")
		}
		f.VendorIDs = cdr.VendorIDs{Source: f.Sources[0], Values: ids}
	}
	if err := parseStrings(q, f); err != nil {
		return l, err
	}
	if err := parseFlags(q, f); err != nil {
		return l, err
	}
	l.hash = filterHash(f)
	if err := parsePage(q, f, l.hash); err != nil {
		return l, err
	}
	return l, nil
}

// parseStrings reads the string filters within their bounds: numbers of at
// most cdr.MaxNumberLen characters, addresses of cdr.MaxIDLen bytes, names
// of cdr.MaxNameLen bytes, and cdr.MaxListLen distinct values per list.
func parseStrings(q url.Values, f *cdr.Filter) (err error) {
	lists := []struct {
		key  string
		dst  *[]string
		max  int
		unit cdr.Unit
	}{
		{"phone", &f.Phones, cdr.MaxNumberLen, cdr.Chars},
		{"caller", &f.CallerAddrs, cdr.MaxIDLen, cdr.Bytes},
		{"callee", &f.CalleeAddrs, cdr.MaxIDLen, cdr.Bytes},
		{"agent", &f.Agents, cdr.MaxNameLen, cdr.Bytes},
		{"queue", &f.Queues, cdr.MaxNameLen, cdr.Bytes},
		{"tag", &f.Tags, cdr.MaxNameLen, cdr.Bytes},
		{"country_code", &f.CountryCodes, cdr.MaxNameLen, cdr.Bytes},
	}
	for _, l := range lists {
		if *l.dst, err = stringList(q, l.key, l.max, l.unit); err != nil {
			return err
		}
	}
	if f.PhoneContains, err = SingleParam(q, "phone_contains"); err != nil {
		return err
	}
	return cdr.CheckString("phone_contains", f.PhoneContains, cdr.MaxNumberLen, cdr.Chars)
}

func parseFlags(q url.Values, f *cdr.Filter) error {
	has, err := BoolParam(q, "has_recording")
	if err != nil {
		return err
	}
	if q.Has("has_recording") {
		f.HasRecording = -1
		if has {
			f.HasRecording = 1
		}
	}
	if f.IncludeShadows, err = BoolParam(q, "include_shadows"); err != nil {
		return err
	}
	lo, err := intParam(q, "csat_min", 1, 5, 1)
	if err != nil {
		return err
	}
	hi, err := intParam(q, "csat_max", 1, 5, 5)
	if err != nil {
		return err
	}
	if lo > hi {
		return invalid("csat_min must not exceed csat_max")
	}
	if q.Has("csat_min") || q.Has("csat_max") {
		for s := lo; s <= hi; s++ {
			f.SatScores = append(f.SatScores, s)
		}
	}
	o, err := SingleParam(q, "order")
	if err != nil {
		return err
	}
	switch o {
	case "", "desc":
		f.Order = cdr.OrderDesc
	case "asc":
		f.Order = cdr.OrderAsc
	default:
		return invalid("order: want asc or desc, got %q", o)
	}
	return nil
}

func parsePage(q url.Values, f *cdr.Filter, hash string) (err error) {
	if f.Limit, err = intParam(q, "limit", 1, maxLimit, defaultLimit); err != nil {
		return err
	}
	if f.Count, err = BoolParam(q, "count"); err != nil {
		return err
	}
	c, err := SingleParam(q, "cursor")
	if err != nil || c == "" {
		return err
	}
	cur, err := decodeCursor(c)
	if err != nil {
		return err
	}
	if cur.H != hash || cur.O != string(orderOf(f)) {
		return invalid("cursor: it belongs to a query with other filters or order")
	}
	f.After = &cdr.Cursor{StartAt: cur.K.StartAt, ID: cur.K.ID}
	return nil
}
