package analytics

import (
	"context"
	"net/url"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// at returns the Unix ms of an RFC 3339 time.
func at(t testing.TB, s string) int64 {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm.UnixMilli()
}

func p64(v int64) *int64 { return &v }

// mustQuery parses a query string with ParseQuery.
func mustQuery(t testing.TB, raw string, def *time.Location) *Query {
	t.Helper()
	v, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatal(err)
	}
	q, err := ParseQuery(v, def)
	if err != nil {
		t.Fatalf("ParseQuery(%s): %v", raw, err)
	}
	return q
}

// rowsOf returns the kpi_rollup rows of recs, as a store keeps them:
// KPIOf of each record, rows of equal keys summed.
func rowsOf(recs []*cdr.Record) []Row {
	sum := map[cdr.KPIKey]*cdr.KPIMeasures{}
	var keys []cdr.KPIKey
	for _, r := range recs {
		k, m, ok := cdr.KPIOf(r)
		if !ok {
			continue
		}
		if sum[k] == nil {
			sum[k] = &cdr.KPIMeasures{}
			keys = append(keys, k)
		}
		sum[k].Add(&m)
	}
	rows := make([]Row, len(keys))
	for i, k := range keys {
		rows[i] = Row{Key: k, M: *sum[k]}
	}
	return rows
}

// fakeSums is cdr.Rollups.KPISums over rows in memory, as
// internal/sqlstore computes it: per segment, each row's local unit
// ⌊(bucket + offset) / unit⌋ and kept columns, a unit that spans segments
// merged at its first bucket.
func fakeSums(rows []Row) SumReader {
	return func(_ context.Context, sel *cdr.KPISelect) ([]cdr.KPISum, error) {
		type key struct {
			unit int64
			key  cdr.KPIKey
		}
		idx := map[key]int{}
		var out []cdr.KPISum
		for _, seg := range sel.Segments {
			for _, r := range rows {
				k := r.Key
				if k.Bucket < seg.From || k.Bucket >= seg.To || !selected(sel, &k) {
					continue
				}
				local := k.Bucket + seg.Offset
				if tod := local % day; (sel.DayStart != 0 || sel.DayEnd != 0) && (tod < sel.DayStart || tod >= sel.DayEnd) {
					continue
				}
				if sel.Weekdays != 0 && sel.Weekdays&(1<<((local/day+3)%7+1)) == 0 {
					continue
				}
				k = k.Reduce(sel.Keep)
				u := key{local / sel.Unit, k}
				u.key.Bucket = 0
				i, ok := idx[u]
				if !ok {
					i = len(out)
					idx[u] = i
					out = append(out, cdr.KPISum{Unit: u.unit, Key: k})
				}
				out[i].Key.Bucket = min(out[i].Key.Bucket, k.Bucket)
				m := r.M
				m.Clear(sel.Skip)
				out[i].M.Add(&m)
			}
		}
		return out, nil
	}
}

func selected(sel *cdr.KPISelect, k *cdr.KPIKey) bool {
	return inOrAll(sel.Channels, k.Channel) && inOrAll(sel.Sources, k.Source) && inOrAll(sel.Directions, k.Direction) &&
		inOrAll(sel.Dispositions, k.Disposition) && inOrAll(sel.Queues, k.Queue) && inOrAll(sel.Agents, k.Agent)
}
