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
// so that only the sums travel. Where kpi_daily or kpi_agent_daily can
// serve a segment (dayOffset), its whole days are read there and only its
// edges from kpi_rollup (dayPieces). A unit that spans two segments or
// pieces (a day with a DST change) comes back from each and is merged
// here.
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
	offs, err := dayOffsets(ctx, s.readerQuery, s.d, t.String())
	if err != nil {
		return nil, s.d.formatError(err)
	}
	var reads []string
	var readArgs [][]any
	for _, seg := range sel.Segments {
		table, off, ok := dayOffset(sel, seg, offs)
		if !ok {
			q, a := kpiSumSQL(t.String(), sel, seg, "kpi_rollup", "")
			reads, readArgs = append(reads, q), append(readArgs, a)
			continue
		}
		for _, p := range dayPieces(seg, sel.Unit, off) {
			q, a := kpiPieceSQL(t.String(), sel, seg, p, table, off)
			reads, readArgs = append(reads, q), append(readArgs, a)
		}
	}
	merged := map[mergeKey]int{}
	var out []cdr.KPISum
	// Each row is scanned into r, through the same pointers.
	var r cdr.KPISum
	var channel, source, direction, disposition string
	dest := []any{&r.Unit, &r.Key.Bucket, &channel, &direction, &disposition, &source, &r.Key.Queue, &r.Key.Agent}
	for i, p := range r.M.Pointers() {
		if !sel.Skip.Has(i) {
			dest = append(dest, p)
		}
	}
	for i, query := range reads {
		rows, err := s.db.QueryContext(ctx, s.d.rebind(query), readArgs[i]...)
		if err != nil {
			return nil, s.d.formatError(err)
		}
		for rows.Next() {
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

// The SQL of cdr.KPIKey.Reduce for each column it reduces.
var (
	reduceChannelSQL = fmt.Sprintf(`CASE WHEN channel = '%s' AND direction = '%s' THEN channel ELSE '' END`,
		cdr.ChannelVoice, cdr.DirectionOutbound)
	reduceDirectionSQL = fmt.Sprintf(`CASE WHEN direction IN ('%s', '%s') THEN direction ELSE '' END`,
		cdr.DirectionInbound, cdr.DirectionOutbound)
	reduceDispositionSQL = fmt.Sprintf(`CASE WHEN disposition IN ('%[1]s', '%[2]s') THEN '%[1]s' WHEN disposition = '%[3]s' THEN disposition ELSE '' END`,
		cdr.DispositionAnswered, cdr.DispositionTransferred, cdr.DispositionAbandoned)
)

// kpiSumSQL is KPISums' query of one segment of table (kpi_rollup, or
// kpi_daily or kpi_agent_daily where the selection needs no time of day
// and they have the columns it keeps and filters), with ? parameters, and
// the condition cond when not "".
func kpiSumSQL(tenant string, sel *cdr.KPISelect, seg cdr.KPISegment, table, cond string) (string, []any) {
	const day = 24 * 60 * 60 * 1000
	cols := []string{"(bucket + ?) / ?", "min(bucket)"}
	args := []any{seg.Offset, sel.Unit}
	group := []string{"1"}
	// The key columns in the order KPISums scans them: kept, reduced
	// (cdr.KPIKey.Reduce) or summed over.
	for _, c := range []struct {
		dim          cdr.KPIDims
		name, reduce string
	}{
		{cdr.KeepChannel, "channel", reduceChannelSQL},
		{cdr.KeepDirection, "direction", reduceDirectionSQL},
		{cdr.KeepDisposition, "disposition", reduceDispositionSQL},
		{cdr.KeepSource, "source", "''"},
		{cdr.KeepQueue, "queue", "''"},
		{cdr.KeepAgent, "agent", "''"},
	} {
		switch {
		case sel.Keep&c.dim != 0:
			cols = append(cols, c.name)
		case c.reduce != "''":
			cols = append(cols, c.reduce)
		default:
			cols = append(cols, "''")
			continue
		}
		group = append(group, fmt.Sprint(len(cols)))
	}
	for i, m := range kpiMeasureColumns {
		if !sel.Skip.Has(i) {
			cols = append(cols, "CAST(sum("+m+") AS BIGINT)")
		}
	}
	where := []string{"tenant_id = ?", "bucket >= ?", "bucket < ?"}
	args = append(args, tenant, seg.From, seg.To)
	if cond != "" {
		where = append(where, cond)
	}
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
	return "SELECT " + strings.Join(cols, ", ") + " FROM " + table + " WHERE " + strings.Join(where, " AND ") +
		" GROUP BY " + strings.Join(group, ", "), args
}
