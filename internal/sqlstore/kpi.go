package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// KPISums (cdr.Rollups) sums kpi_rollup in the database, one query per
// segment of the window: per local unit ⌊(bucket + offset) / unit⌋ and
// kept column, with the filters and business hours in the WHERE clause,
// so that only the sums travel. A unit that spans two segments (a day with
// a DST change) comes back from both and is merged here.
func (s *reader) KPISums(ctx context.Context, t cdr.TenantID, sel *cdr.KPISelect) ([]cdr.KPISum, error) {
	if t.IsZero() {
		return nil, cdr.ErrNoTenant
	}
	if sel.Unit <= 0 || sel.Unit%cdr.RollupBucket != 0 {
		return nil, cdr.Errorf(cdr.EINVALID, "KPI unit %d ms: want a positive multiple of 15 minutes", sel.Unit)
	}
	type mergeKey struct {
		unit int64
		key  cdr.KPIKey
	}
	merged := map[mergeKey]int{}
	var out []cdr.KPISum
	for _, seg := range sel.Segments {
		query, args := kpiSumSQL(t.String(), sel, seg)
		rows, err := s.db.QueryContext(ctx, s.d.rebind(query), args...)
		if err != nil {
			return nil, s.d.formatError(err)
		}
		for rows.Next() {
			var r cdr.KPISum
			var channel, source, direction, disposition string
			dest := append([]any{&r.Unit, &r.Key.Bucket, &channel, &direction, &disposition, &source, &r.Key.Queue, &r.Key.Agent}, kpiPointers(&r.M)...)
			if err := rows.Scan(dest...); err != nil {
				rows.Close()
				return nil, s.d.formatError(err)
			}
			r.Key.Channel, r.Key.Source, r.Key.Direction, r.Key.Disposition = cdr.Channel(channel), cdr.Source(source), cdr.Direction(direction), cdr.Disposition(disposition)
			k := mergeKey{r.Unit, r.Key}
			k.key.Bucket = 0
			if i, ok := merged[k]; ok {
				out[i].M.Add(&r.M)
				out[i].Key.Bucket = min(out[i].Key.Bucket, r.Key.Bucket)
				continue
			}
			merged[k] = len(out)
			out = append(out, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, s.d.formatError(err)
		}
	}
	return out, nil
}

// kpiSumSQL is KPISums' query of one segment, with ? parameters.
func kpiSumSQL(tenant string, sel *cdr.KPISelect, seg cdr.KPISegment) (string, []any) {
	const day = 24 * 60 * 60 * 1000
	cols := []string{"(bucket + ?) / ?", "min(bucket)", "channel", "direction", "disposition"}
	args := []any{seg.Offset, sel.Unit}
	group := []string{"1", "channel", "direction", "disposition"}
	for _, c := range []struct {
		dim  cdr.KPIDims
		name string
	}{{cdr.KeepSource, "source"}, {cdr.KeepQueue, "queue"}, {cdr.KeepAgent, "agent"}} {
		if sel.Keep&c.dim != 0 {
			cols = append(cols, c.name)
			group = append(group, c.name)
		} else {
			cols = append(cols, "''")
		}
	}
	for _, m := range kpiMeasureColumns {
		cols = append(cols, "CAST(sum("+m+") AS BIGINT)")
	}
	where := []string{"tenant_id = ?", "bucket >= ?", "bucket < ?"}
	args = append(args, tenant, seg.From, seg.To)
	where, args = whereIn(where, args, "channel", strs(sel.Channels))
	where, args = whereIn(where, args, "source", strs(sel.Sources))
	where, args = whereIn(where, args, "direction", strs(sel.Directions))
	where, args = whereIn(where, args, "disposition", strs(sel.Dispositions))
	where, args = whereIn(where, args, "queue", sel.Queues)
	where, args = whereIn(where, args, "agent", sel.Agents)
	if sel.DayStart != 0 || sel.DayEnd != 0 {
		// The local time of day of the bucket's start; bucket + offset is
		// positive for any time after 1970.
		where = append(where, fmt.Sprintf("(bucket + ?) %% %d >= ?", day), fmt.Sprintf("(bucket + ?) %% %d < ?", day))
		args = append(args, seg.Offset, sel.DayStart, seg.Offset, sel.DayEnd)
	}
	if sel.Weekdays != 0 {
		// 1970-01-01 was a Thursday (ISO 4): the ISO weekday of local day
		// n is (n + 3) % 7 + 1.
		var days []string
		for d := 1; d <= 7; d++ {
			if sel.Weekdays&(1<<d) != 0 {
				days = append(days, fmt.Sprint(d))
			}
		}
		where = append(where, fmt.Sprintf("((bucket + ?) / %d + 3) %% 7 + 1 IN (%s)", day, strings.Join(days, ", ")))
		args = append(args, seg.Offset)
	}
	return "SELECT " + strings.Join(cols, ", ") + " FROM kpi_rollup WHERE " + strings.Join(where, " AND ") +
		" GROUP BY " + strings.Join(group, ", "), args
}
