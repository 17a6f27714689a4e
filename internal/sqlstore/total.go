package sqlstore

import (
	"context"
	"reflect"
	"strings"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// Totals (docs/design.md, Rollups): a count whose filter the rollups answer
// (rollupCountable) is the sum of record_days over the window's whole UTC
// days and of record_counts over its other whole 15-minute buckets, plus
// an exact count of the records in its two partial edges, so it stays
// exact while its cost no longer grows with the window.
// Any other count is an exact count of the matches.

// rollupCountable reports whether record_counts answers f's count: f
// selects by window, channel, source and direction only, without shadows
// (which record_counts never counts). Order, paging and the cursor do not
// change a count.
func rollupCountable(f *cdr.Filter) bool {
	if f.IncludeShadows {
		return false
	}
	g := *f
	g.From, g.To, g.Channels, g.Sources, g.Directions = 0, 0, nil, nil, nil
	g.Order, g.OrderBy, g.Offset, g.Limit, g.After, g.Count, g.WithRaw = "", "", 0, 0, nil, false, false
	return reflect.ValueOf(g).IsZero()
}

// count returns the number of t's records matching f, q being f's query.
func (s *reader) count(ctx context.Context, t cdr.TenantID, q *query, f *cdr.Filter) (int, error) {
	if rollupCountable(f) {
		if n, ok, err := s.rollupCount(ctx, t, f); ok || err != nil {
			return n, err
		}
	}
	return s.exactCount(ctx, q)
}

func (s *reader) exactCount(ctx context.Context, q *query) (int, error) {
	var n int
	sqlText, args := q.countSQL(s.d)
	if err := s.db.QueryRowContext(ctx, sqlText, args...).Scan(&n); err != nil {
		return 0, s.d.formatError(err)
	}
	return n, nil
}

// rollupCount counts f's matches as the whole days' and buckets' sums
// plus the exact counts of the partial edges [From, lo) and [hi, To). It returns false
// when the window holds no whole bucket: the exact count is then as cheap.
func (s *reader) rollupCount(ctx context.Context, t cdr.TenantID, f *cdr.Filter) (int, bool, error) {
	lo, hi := f.From, f.To // the whole buckets [lo, hi); 0: that end open
	if lo != 0 {
		lo = cdr.BucketOf(lo + cdr.RollupBucket - 1)
	}
	if hi != 0 {
		hi = cdr.BucketOf(hi)
	}
	if lo != 0 && hi != 0 && lo >= hi {
		return 0, false, nil
	}
	// The whole UTC days [dlo, dhi) within [lo, hi) come from record_days,
	// the buckets around them from record_counts, in one statement.
	dlo, dhi := lo, hi
	if lo != 0 {
		dlo = cdr.DayStart(lo+cdr.RollupDay-1, 0)
	}
	if hi != 0 {
		dhi = cdr.DayStart(hi, 0)
	}
	var sums []string
	var args []any
	sum := func(table string, from, to int64) {
		if from != 0 && to != 0 && from >= to {
			return
		}
		where := []string{"tenant_id = ?"}
		args = append(args, t.String())
		if from != 0 {
			where, args = append(where, "bucket >= ?"), append(args, from)
		}
		if to != 0 {
			where, args = append(where, "bucket < ?"), append(args, to)
		}
		where, args = whereIn(where, args, "channel", strs(f.Channels))
		where, args = whereIn(where, args, "source", strs(f.Sources))
		where, args = whereIn(where, args, "direction", strs(f.Directions))
		sums = append(sums, "(SELECT coalesce(sum(records), 0) FROM "+table+" WHERE "+strings.Join(where, " AND ")+")")
	}
	if dlo == 0 || dhi == 0 || dlo < dhi {
		if lo != 0 {
			sum("record_counts", lo, dlo)
		}
		sum("record_days", dlo, dhi)
		if hi != 0 {
			sum("record_counts", dhi, hi)
		}
	} else {
		sum("record_counts", lo, hi)
	}
	// The partial edges' exact counts, in the same statement: one round
	// trip and one plan.
	for _, edge := range [][2]int64{{f.From, lo}, {hi, f.To}} {
		if edge[0] == 0 && edge[1] == 0 || edge[0] == edge[1] {
			continue // an open end, or no partial bucket there
		}
		e := cdr.Filter{From: edge[0], To: edge[1], Channels: f.Channels, Sources: f.Sources, Directions: f.Directions}
		q, err := buildQuery(t, &e)
		if err != nil {
			return 0, false, err
		}
		where, a := q.whereSQL(s.d)
		sums, args = append(sums, "(SELECT count(*) FROM records r WHERE "+where+")"), append(args, a...)
	}
	var total int64
	if err := s.db.QueryRowContext(ctx, s.d.rebind("SELECT CAST("+strings.Join(sums, " + ")+" AS BIGINT)"), args...).Scan(&total); err != nil {
		return 0, false, s.d.formatError(err)
	}
	return int(total), true, nil
}

// whereIn adds the condition "col IN (vals)" and its arguments, unless
// vals is empty.
func whereIn(where []string, args []any, col string, vals []string) ([]string, []any) {
	if len(vals) == 0 {
		return where, args
	}
	for _, v := range vals {
		args = append(args, v)
	}
	return append(where, col+" IN ("+placeholders(len(vals))+")"), args
}

func strs[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}
