package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// record_days (migration 0009) is record_counts summed per UTC day, kept
// by applyDelta beside it and checked by rebuild (checkCountDays); counts
// read it for a window's whole days (rollupCount).
//
// kpi_daily (migration 0009; docs/design.md, Rollups) is kpi_rollup summed
// per local day (cdr.DayKey: without the agent, the disposition reduced)
// at each UTC offset of the tenant's rollup_days. It is a function of
// kpi_rollup and kept as one:
//   - applyDelta adds each batch's kpi_rollup delta to it (applyDays), in
//     the same transaction;
//   - where kpi_rollup's rows are replaced rather than added to (a
//     rebuild, DropPrunedStats, new offsets), the days they fall in are
//     recomputed from kpi_rollup in SQL (refreshDays).
//
// KPISums reads it for the whole local days of a segment (dayPieces), so
// a query over months reads a row per day and group instead of one per
// 15 minutes and agent.
//
// kpi_agent_daily (migration 0012) is its mirror for the agents: the same
// days with the agent and without the queue (cdr.AgentDayKey), kept,
// recomputed and checked wherever kpi_daily is, and read by KPISums for a
// selection that keeps or filters the agent but not the queue (dayOffset
// says which of the two serves a selection).

// dailyTable is kpi_daily or kpi_agent_daily: its name, the key column
// it keeps beside the reduced ones (queue or agent), cdr's key and sums of
// kpi_rollup's rows there, the key columns it keeps as they are (all a
// selection it serves may keep), and its key columns in SQL.
type dailyTable struct {
	name, col string
	key       func(cdr.KPIKey, int64) cdr.KPIKey
	sums      func(map[cdr.KPIKey]cdr.KPIMeasures, []int64) map[cdr.KPIKey]cdr.KPIMeasures
	dims      cdr.KPIDims
	keys      []string
}

var (
	kpiDaily = &dailyTable{name: "kpi_daily", col: "queue", key: cdr.DayKey, sums: cdr.DaySums, dims: cdr.DayDims,
		keys: []string{"bucket", "channel", "source", "direction", "queue", "disposition"}}
	kpiAgentDaily = &dailyTable{name: "kpi_agent_daily", col: "agent", key: cdr.AgentDayKey, sums: cdr.AgentDaySums, dims: cdr.AgentDayDims,
		keys: []string{"bucket", "channel", "source", "direction", "agent", "disposition"}}
	// dailyTables are both, in the order they are kept.
	dailyTables = []*dailyTable{kpiDaily, kpiAgentDaily}
)

// kept returns the value of k's kept column (queue or agent).
func (t *dailyTable) kept(k *cdr.KPIKey) *string {
	if t.col == "agent" {
		return &k.Agent
	}
	return &k.Queue
}

func (t *dailyTable) keyArgs(k cdr.KPIKey) []any {
	return []any{k.Bucket, string(k.Channel), string(k.Source), string(k.Direction), *t.kept(&k), string(k.Disposition)}
}

// row is a row's key and measures, as upsertRows takes it.
func (t *dailyTable) row(k cdr.KPIKey, m *cdr.KPIMeasures) []any {
	row := t.keyArgs(k)
	for _, v := range kpiValues(m) {
		row = append(row, v)
	}
	return row
}

// dayStartSQL is cdr.DayStart(bucket, off) in SQL, with off given three
// times: exact for negative times too.
const dayStartSQL = `(bucket + ?) - (((bucket + ?) % 86400000) + 86400000) % 86400000 - ?`

// ofOffsetSQL is true of a kpi_daily or kpi_agent_daily row of offset ?
// (its bucket is a local midnight there).
const ofOffsetSQL = `(((bucket + ?) % 86400000) + 86400000) % 86400000 = 0`

// dayOffsets returns tenant's rollup_days, in ascending order.
func dayOffsets(ctx context.Context, q func(context.Context, string, ...any) (rollupRows, error), d *dialect, tenant string) ([]int64, error) {
	rows, err := q(ctx, d.rebind(`SELECT utc_offset FROM rollup_days WHERE tenant_id = ? ORDER BY utc_offset`), tenant)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var offs []int64
	for rows.Next() {
		var o int64
		if err := rows.Scan(&o); err != nil {
			return nil, err
		}
		offs = append(offs, o)
	}
	return offs, rows.Err()
}

// applyDays adds the kpi_rollup delta kpi to tenant's kpi_daily and
// kpi_agent_daily rows at its offsets, and deletes the rows it brought to
// zero.
func applyDays(ctx context.Context, tx rollupTx, tenant string, kpi map[cdr.KPIKey]*cdr.KPIMeasures) error {
	if len(kpi) == 0 {
		return nil
	}
	offs, err := dayOffsets(ctx, tx.query, tx.dialect(), tenant)
	if err != nil || len(offs) == 0 {
		return err
	}
	for _, t := range dailyTables {
		if err := t.apply(ctx, tx, tenant, offs, kpi); err != nil {
			return err
		}
	}
	return nil
}

// apply is applyDays for table t.
func (t *dailyTable) apply(ctx context.Context, tx rollupTx, tenant string, offs []int64, kpi map[cdr.KPIKey]*cdr.KPIMeasures) error {
	days := map[cdr.KPIKey]*cdr.KPIMeasures{}
	for k, m := range kpi {
		for _, off := range offs {
			dk := t.key(k, off)
			acc := days[dk]
			if acc == nil {
				acc = &cdr.KPIMeasures{}
				days[dk] = acc
			}
			acc.Add(m)
		}
	}
	var rows, zero [][]any
	for k, m := range days {
		if m.IsZero() {
			continue
		}
		rows = append(rows, t.row(k, m))
		if m.Contacts < 0 {
			zero = append(zero, t.keyArgs(k))
		}
	}
	if err := upsertRows(ctx, tx, tenant, t.name, t.keys, kpiMeasureColumns, rows); err != nil {
		return err
	}
	return deleteKeys(ctx, tx, tenant, t.name, t.keys, kpiAllZero, zero)
}

// refreshDays recomputes from kpi_rollup tenant's kpi_daily and
// kpi_agent_daily rows, at each offset of offs, of the days that buckets
// in [from, to) fall in.
func refreshDays(ctx context.Context, tx rollupTx, tenant string, offs []int64, from, to int64) error {
	if from >= to {
		return nil
	}
	d := tx.dialect()
	sums := make([]string, len(kpiMeasureColumns))
	for i, m := range kpiMeasureColumns {
		sums[i] = "sum(" + m + ")"
	}
	for _, off := range offs {
		// Clamped so that the far ends of a whole-table refresh do not
		// overflow.
		dayFrom := cdr.DayStart(max(from, minBucket/2), off)
		dayTo := cdr.DayStart(min(to, maxBucket/2)-1, off) + cdr.RollupDay
		for _, t := range dailyTables {
			if _, err := tx.exec(ctx, d.rebind(`DELETE FROM `+t.name+` WHERE tenant_id = ? AND bucket >= ? AND bucket < ? AND `+ofOffsetSQL),
				tenant, dayFrom, dayTo, off); err != nil {
				return err
			}
			if _, err := tx.exec(ctx, d.rebind(`INSERT INTO `+t.name+` (tenant_id, `+strings.Join(t.keys, ", ")+`, `+strings.Join(kpiMeasureColumns, ", ")+`)
				SELECT tenant_id, `+dayStartSQL+`, channel, source, direction, `+t.col+`, `+reduceDispositionSQL+`, `+strings.Join(sums, ", ")+`
				FROM kpi_rollup WHERE tenant_id = ? AND bucket >= ? AND bucket < ?
				GROUP BY tenant_id, 2, 3, 4, 5, 6, 7`),
				off, off, off, tenant, dayFrom, dayTo); err != nil {
				return err
			}
		}
	}
	return nil
}

// setDayOffsets is SetDayOffsets within tx, which holds the tenant's write
// lock.
func setDayOffsets(ctx context.Context, tx rollupTx, tenant string, offsets []int64) error {
	have, err := dayOffsets(ctx, tx.query, tx.dialect(), tenant)
	if err != nil {
		return err
	}
	d := tx.dialect()
	for _, o := range have {
		if slices.Contains(offsets, o) {
			continue
		}
		for _, t := range dailyTables {
			if _, err := tx.exec(ctx, d.rebind(`DELETE FROM `+t.name+` WHERE tenant_id = ? AND `+ofOffsetSQL), tenant, o); err != nil {
				return err
			}
		}
		if _, err := tx.exec(ctx, d.rebind(`DELETE FROM rollup_days WHERE tenant_id = ? AND utc_offset = ?`), tenant, o); err != nil {
			return err
		}
	}
	var added []int64
	for _, o := range offsets {
		if slices.Contains(have, o) {
			continue
		}
		if _, err := tx.exec(ctx, d.rebind(`INSERT INTO rollup_days (tenant_id, utc_offset) VALUES (?, ?)`), tenant, o); err != nil {
			return err
		}
		added = append(added, o)
	}
	return refreshDays(ctx, tx, tenant, added, minBucket, maxBucket)
}

// checkOffsets returns an EINVALID error unless offsets are fit for
// SetDayOffsets.
func checkOffsets(offsets []int64) error {
	if len(offsets) > cdr.MaxDayOffsets {
		return cdr.Errorf(cdr.EINVALID, "%d day offsets: at most %d", len(offsets), cdr.MaxDayOffsets)
	}
	for i, o := range offsets {
		if o%cdr.RollupBucket != 0 || o < -cdr.MaxUTCOffset || o > cdr.MaxUTCOffset {
			return cdr.Errorf(cdr.EINVALID, "day offset %d ms: want a multiple of 15 minutes within ±18 hours", o)
		}
		if slices.Contains(offsets[:i], o) {
			return cdr.Errorf(cdr.EINVALID, "day offset %d ms given twice", o)
		}
	}
	return nil
}

// SetDayOffsets sets the offsets whose local days kpi_daily and
// kpi_agent_daily keep for t.
func (s *SQLite) SetDayOffsets(ctx context.Context, t cdr.TenantID, offsets []int64) error {
	if err := checkOffsets(offsets); err != nil {
		return err
	}
	return lockedTenant(ctx, s.locked, t, func(tx rollupTx) error { return setDayOffsets(ctx, tx, t.String(), offsets) })
}

// SetDayOffsets sets the offsets whose local days kpi_daily and
// kpi_agent_daily keep for t.
func (s *Postgres) SetDayOffsets(ctx context.Context, t cdr.TenantID, offsets []int64) error {
	if err := checkOffsets(offsets); err != nil {
		return err
	}
	return lockedTenant(ctx, s.locked, t, func(tx rollupTx) error { return setDayOffsets(ctx, tx, t.String(), offsets) })
}

// DayOffsets returns the offsets whose local days kpi_daily and
// kpi_agent_daily keep for t, in ascending order.
func (s *reader) DayOffsets(ctx context.Context, t cdr.TenantID) ([]int64, error) {
	if t.IsZero() {
		return nil, cdr.ErrNoTenant
	}
	offs, err := dayOffsets(ctx, s.readerQuery, s.d, t.String())
	return offs, s.d.formatError(err)
}

// DayRows returns t's kpi_daily rows with bucket in [from, to).
func (s *reader) DayRows(ctx context.Context, t cdr.TenantID, from, to int64) (map[cdr.KPIKey]cdr.KPIMeasures, error) {
	return s.dailyRows(ctx, kpiDaily, t, from, to)
}

// AgentDayRows returns t's kpi_agent_daily rows with bucket in [from, to).
func (s *reader) AgentDayRows(ctx context.Context, t cdr.TenantID, from, to int64) (map[cdr.KPIKey]cdr.KPIMeasures, error) {
	return s.dailyRows(ctx, kpiAgentDaily, t, from, to)
}

func (s *reader) dailyRows(ctx context.Context, table *dailyTable, t cdr.TenantID, from, to int64) (map[cdr.KPIKey]cdr.KPIMeasures, error) {
	if t.IsZero() {
		return nil, cdr.ErrNoTenant
	}
	m, err := storedDays(ctx, s.readerQuery, s.d, table, t.String(), from, to)
	return m, s.d.formatError(err)
}

// storedDays reads tenant's rows of table with bucket in [from, to).
func storedDays(ctx context.Context, q func(context.Context, string, ...any) (rollupRows, error), d *dialect, table *dailyTable, tenant string, from, to int64) (map[cdr.KPIKey]cdr.KPIMeasures, error) {
	rows, err := q(ctx, d.rebind(`SELECT `+strings.Join(table.keys, ", ")+`, `+strings.Join(kpiMeasureColumns, ", ")+`
		FROM `+table.name+` WHERE tenant_id = ? AND bucket >= ? AND bucket < ?`), tenant, from, to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	res := map[cdr.KPIKey]cdr.KPIMeasures{}
	for rows.Next() {
		var k cdr.KPIKey
		var m cdr.KPIMeasures
		var channel, source, direction, disposition string
		dest := append([]any{&k.Bucket, &channel, &source, &direction, table.kept(&k), &disposition}, kpiPointers(&m)...)
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		k.Channel, k.Source, k.Direction, k.Disposition = cdr.Channel(channel), cdr.Source(source), cdr.Direction(direction), cdr.Disposition(disposition)
		res[k] = m
	}
	return res, rows.Err()
}

// checkDays compares tenant's rows of table (kpi_daily or
// kpi_agent_daily) with its sums (DaySums or AgentDaySums) of kpi (its
// kpi_rollup as it should be) at offs and, unless dryRun, replaces the
// rows that differ; it returns how many did.
func checkDays(ctx context.Context, tx rollupTx, table *dailyTable, tenant string, offs []int64, kpi map[cdr.KPIKey]cdr.KPIMeasures, dryRun bool) (int, error) {
	want := table.sums(kpi, offs)
	have, err := storedDays(ctx, tx.query, tx.dialect(), table, tenant, minBucket, maxBucket)
	if err != nil {
		return 0, err
	}
	del, putKeys, n := diffRows(have, want)
	if dryRun || n == 0 {
		return n, nil
	}
	put := make([][]any, 0, len(putKeys))
	for _, k := range putKeys {
		m := want[k]
		put = append(put, table.row(k, &m))
	}
	if err := deleteKeys(ctx, tx, tenant, table.name, table.keys, "true", keyArgs(del, table.keyArgs)); err != nil {
		return n, err
	}
	return n, upsertRows(ctx, tx, tenant, table.name, table.keys, kpiMeasureColumns, put)
}

// piece is a part [from, to) of a KPISums segment, read from a daily
// table (days) or kpi_rollup.
type piece struct {
	from, to int64
	days     bool
}

// dayPieces cuts seg into the whole local days (at offset off) whose
// buckets all fall in one unit of seg, read from a daily table, and the
// rest, read from kpi_rollup. unit is at least a day.
func dayPieces(seg cdr.KPISegment, unit, off int64) []piece {
	dayFrom := cdr.DayStart(seg.From+cdr.RollupDay-1, off)
	dayTo := cdr.DayStart(seg.To, off)
	if dayTo-dayFrom < cdr.RollupDay {
		return []piece{{seg.From, seg.To, false}}
	}
	var out []piece
	add := func(from, to int64, days bool) {
		if from >= to {
			return
		}
		if n := len(out); n > 0 && out[n-1].days == days && out[n-1].to == from {
			out[n-1].to = to
			return
		}
		out = append(out, piece{from, to, days})
	}
	add(seg.From, dayFrom, false)
	// The unit boundaries inside [dayFrom, dayTo): instants x with
	// x + seg.Offset a multiple of unit. A day with one strictly inside
	// straddles two units and is read by bucket.
	at := dayFrom
	x := floorDiv(dayFrom+seg.Offset, unit)*unit - seg.Offset
	for ; x < dayTo; x += unit {
		ds := cdr.DayStart(x, off)
		if ds == x || ds < at {
			continue
		}
		add(at, ds, true)
		add(ds, ds+cdr.RollupDay, false)
		at = ds + cdr.RollupDay
	}
	add(at, dayTo, true)
	add(dayTo, seg.To, false)
	return out
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// dayOffset returns the daily table and offset whose rows can serve seg
// of sel, and whether one can. Both have whole days and reduce the
// disposition, so sel must neither keep nor filter the disposition, nor
// keep business hours, and sum over units of a day or more. kpi_daily
// drops the agent: it serves a sel that neither keeps nor filters it;
// kpi_agent_daily drops the queue: it serves a sel that keeps or filters
// the agent but neither keeps nor filters the queue. The days must be
// those of seg's offset, unless sel keeps no weekdays and its units are a
// week or more (then few days straddle two units).
func dayOffset(sel *cdr.KPISelect, seg cdr.KPISegment, offs []int64) (*dailyTable, int64, bool) {
	if len(offs) == 0 || len(sel.Dispositions) > 0 || sel.DayStart != 0 || sel.DayEnd != 0 || sel.Unit < cdr.RollupDay {
		return nil, 0, false
	}
	var table *dailyTable
	switch {
	case sel.Keep&^kpiDaily.dims == 0 && len(sel.Agents) == 0:
		table = kpiDaily
	case sel.Keep&^kpiAgentDaily.dims == 0 && len(sel.Queues) == 0:
		table = kpiAgentDaily
	default:
		return nil, 0, false
	}
	if slices.Contains(offs, seg.Offset) {
		return table, seg.Offset, true
	}
	if sel.Weekdays == 0 && sel.Unit >= 7*cdr.RollupDay {
		return table, offs[0], true
	}
	return nil, 0, false
}

// kpiPieceSQL is KPISums' query of a piece of a segment: kpi_rollup's
// buckets in [from, to), or table's days of offset off there.
func kpiPieceSQL(tenant string, sel *cdr.KPISelect, seg cdr.KPISegment, p piece, table *dailyTable, off int64) (string, []any) {
	if !p.days {
		return kpiSumSQL(tenant, sel, cdr.KPISegment{From: p.from, To: p.to, Offset: seg.Offset}, "kpi_rollup", "")
	}
	return kpiSumSQL(tenant, sel, cdr.KPISegment{From: p.from, To: p.to, Offset: seg.Offset}, table.name,
		fmt.Sprintf("(((bucket + %d) %% 86400000) + 86400000) %% 86400000 = 0", off))
}

// checkCountDays compares tenant's record_days with CountDays of counts
// (its record_counts as they should be) and, unless dryRun, replaces the
// rows that differ; it returns how many did.
func checkCountDays(ctx context.Context, tx rollupTx, tenant string, counts map[cdr.CountKey]int64, dryRun bool) (int, error) {
	want := cdr.CountDays(counts)
	have, err := storedCountRows(ctx, tx.query, tx.dialect(), "record_days", tenant, minBucket, maxBucket)
	if err != nil {
		return 0, err
	}
	del, putKeys, n := diffRows(have, want)
	if dryRun || n == 0 {
		return n, nil
	}
	put := make([][]any, 0, len(putKeys))
	for _, k := range putKeys {
		put = append(put, append(countKeyArgs(k), want[k]))
	}
	if err := deleteKeys(ctx, tx, tenant, "record_days", countKeyColumns, "true", keyArgs(del, countKeyArgs)); err != nil {
		return n, err
	}
	return n, upsertRows(ctx, tx, tenant, "record_days", countKeyColumns, []string{"records"}, put)
}

// CountDayRows returns t's record_days rows with bucket in [from, to).
func (s *reader) CountDayRows(ctx context.Context, t cdr.TenantID, from, to int64) (map[cdr.CountKey]int64, error) {
	if t.IsZero() {
		return nil, cdr.ErrNoTenant
	}
	m, err := storedCountRows(ctx, s.readerQuery, s.d, "record_days", t.String(), from, to)
	return m, s.d.formatError(err)
}
