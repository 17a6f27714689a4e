package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/jackc/pgx/v5"
)

// Rollups (migration 0007; docs/design.md, Rollups): record_counts and
// kpi_rollup are kept in the transactions that change the records. Each
// upsert batch builds a cdr.RollupDelta from what it writes (rollupBatch)
// and applies it with one multi-row upsert per table and chunk
// (applyDelta); each prune batch subtracts its records from
// record_counts and raises the tenant's pruned mark. The SQL is the same
// on both databases, rebound for the dialect, run through rollupTx.

var (
	_ cdr.Rollups = (*SQLite)(nil)
	_ cdr.Rollups = (*Postgres)(nil)
)

// kpiMeasureColumns are kpi_rollup's measures, in the order of
// cdr.KPIMeasures.Pointers.
var kpiMeasureColumns = []string{"contacts",
	"answered_10", "answered_20", "answered_30", "answered_60", "answered_120",
	"abandoned_10", "abandoned_20", "abandoned_30", "abandoned_60", "abandoned_120",
	"wait_s", "wait_n", "queue_s", "queue_n", "ring_s", "ring_n", "talk_s", "talk_n",
	"hold_s", "hold_n", "total_s", "total_n", "sat_n", "sat_sum",
	"sat_1", "sat_2", "sat_3", "sat_4", "sat_5"}

var (
	countKeyColumns = []string{"bucket", "channel", "source", "direction"}
	kpiKeyColumns   = []string{"bucket", "channel", "source", "direction", "queue", "agent", "disposition"}
	// kpiAllZero is true of a kpi_rollup row whose measures are all 0.
	kpiAllZero = strings.Join(kpiMeasureColumns, " = 0 AND ") + " = 0"
)

// kpiValues lists m in the order of kpiMeasureColumns.
func kpiValues(m *cdr.KPIMeasures) []int64 {
	v := make([]int64, 0, cdr.KPIMeasureCount)
	for _, p := range m.Pointers() {
		v = append(v, *p)
	}
	return v
}

// kpiPointers points at m's fields in the order of kpiMeasureColumns, for
// Scan.
func kpiPointers(m *cdr.KPIMeasures) []any {
	p := make([]any, 0, cdr.KPIMeasureCount)
	for _, x := range m.Pointers() {
		p = append(p, x)
	}
	return p
}

// rollupTx is a write transaction of either database: SQLite's through
// database/sql, PostgreSQL's through pgx. Queries are written with ?
// parameters and rebound.
type rollupTx interface {
	exec(ctx context.Context, query string, args ...any) (int64, error)
	query(ctx context.Context, query string, args ...any) (rollupRows, error)
	dialect() *dialect
	// upsert adds rows (the key columns, then the measures) to table's
	// rows of tenant; deleteKeys deletes table's rows of tenant with the
	// given keys where cond holds.
	upsert(ctx context.Context, tenant, table string, keys, measures []string, rows [][]any) error
	deleteKeys(ctx context.Context, tenant, table string, keys []string, cond string, rows [][]any) error
}

// rollupRows is the rows of a query of rollupTx.
type rollupRows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// sqlTx is a transaction of the SQLite writer; stmts, when set, keeps
// the statements of the rollup upserts prepared across transactions.
type sqlTx struct {
	tx    *sql.Tx
	stmts *stmtCache
}

// stmtCache holds the statements of the rollup upserts, one per table
// and chunk size, prepared once on the SQLite writer's connection when
// the store opens (preparing them later would wait for the connection a
// transaction holds). They are long (thousands of parameters): SQLite's
// parse of them cost more than their run when every transaction repeated
// it.
type stmtCache struct{ m map[string]*sql.Stmt }

func newStmtCache(ctx context.Context, db *sql.DB) (*stmtCache, error) {
	c := &stmtCache{m: map[string]*sql.Stmt{}}
	for _, n := range chunkSizes {
		for _, q := range []string{
			upsertSQL("record_counts", countKeyColumns, []string{"records"}, n),
			upsertSQL("kpi_rollup", kpiKeyColumns, kpiMeasureColumns, n),
			upsertSQL("kpi_daily", kpiDaily.keys, kpiMeasureColumns, n),
			upsertSQL("kpi_agent_daily", kpiAgentDaily.keys, kpiMeasureColumns, n),
			upsertSQL("record_days", countKeyColumns, []string{"records"}, n),
		} {
			st, err := db.PrepareContext(ctx, q)
			if err != nil {
				return nil, errors.Join(err, c.close())
			}
			c.m[q] = st
		}
	}
	return c, nil
}

// close closes the statements.
func (c *stmtCache) close() error {
	var errs []error
	for _, st := range c.m {
		errs = append(errs, st.Close())
	}
	return errors.Join(errs...)
}

func (t sqlTx) dialect() *dialect { return sqliteDialect }

func (t sqlTx) exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := t.tx.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (t sqlTx) query(ctx context.Context, query string, args ...any) (rollupRows, error) {
	rows, err := t.tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

func (t sqlTx) upsert(ctx context.Context, tenant, table string, keys, measures []string, rows [][]any) error {
	return upsertValues(ctx, t, tenant, table, keys, measures, rows)
}

func (t sqlTx) deleteKeys(ctx context.Context, tenant, table string, keys []string, cond string, rows [][]any) error {
	return deleteValues(ctx, t, tenant, table, keys, cond, rows)
}

// prepare prepares a statement of the transaction: from the cache when
// the transaction has one.
func (t sqlTx) prepare(ctx context.Context, query string) (func(ctx context.Context, args ...any) error, func(), error) {
	var cached *sql.Stmt
	if t.stmts != nil {
		cached = t.stmts.m[query]
	}
	var st *sql.Stmt
	if cached != nil {
		// The writer has one connection, on which the cached statement
		// is prepared: the transaction's copy reuses it.
		st = t.tx.StmtContext(ctx, cached)
	} else {
		var err error
		if st, err = t.tx.PrepareContext(ctx, query); err != nil {
			return nil, nil, err
		}
	}
	run := func(ctx context.Context, args ...any) error { _, err := st.ExecContext(ctx, args...); return err }
	return run, func() { st.Close() }, nil
}

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { r.Rows.Close() }

type pgTx struct{ tx pgx.Tx }

func (t pgTx) dialect() *dialect { return postgresDialect }

func (t pgTx) exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := t.tx.Exec(ctx, postgresDialect.rebind(query), args...)
	return tag.RowsAffected(), err
}

func (t pgTx) query(ctx context.Context, query string, args ...any) (rollupRows, error) {
	return t.tx.Query(ctx, postgresDialect.rebind(query), args...)
}

// unnestArgs turns rows (the key columns, then the measures) into one
// array per column, bucket and measures bigint[], the other keys
// text[], and returns them with their unnest(…) expression, whose
// parameters start at $2.
func unnestArgs(keys []string, width int, rows [][]any) (string, []any) {
	var exprs []string
	args := make([]any, width)
	for c := range width {
		if c == 0 || c >= len(keys) {
			col := make([]int64, len(rows))
			for i, r := range rows {
				col[i] = r[c].(int64)
			}
			args[c] = col
			exprs = append(exprs, fmt.Sprintf("$%d::bigint[]", c+2))
		} else {
			col := make([]string, len(rows))
			for i, r := range rows {
				col[i] = r[c].(string)
			}
			args[c] = col
			exprs = append(exprs, fmt.Sprintf("$%d::text[]", c+2))
		}
	}
	return "unnest(" + strings.Join(exprs, ", ") + ")", args
}

// upsert on PostgreSQL COPYs the rows of buckets where the table has no
// row of tenant yet (a sync's new window, live records), which is the
// fastest way in, and adds the others with one statement whatever their
// number: the columns travel as arrays (unnest), which PostgreSQL parses
// and plans once instead of a VALUES list of thousands of parameters. The
// split is safe because writers of the tenant's rollups take turns under
// its advisory lock (upserts, prunes, rebuilds): no row of those buckets
// appears between the check and the COPY.
func (t pgTx) upsert(ctx context.Context, tenant, table string, keys, measures []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	fresh, rows, err := t.splitFresh(ctx, tenant, table, rows)
	if err != nil {
		return err
	}
	if len(fresh) > 0 {
		cols := append([]string{"tenant_id"}, append(slices.Clip(keys), measures...)...)
		if _, err := t.tx.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(fresh)); err != nil {
			return err
		}
	}
	if len(rows) == 0 {
		return nil
	}
	from, args := unnestArgs(keys, len(keys)+len(measures), rows)
	_, err = t.tx.Exec(ctx, `INSERT INTO `+table+` (tenant_id, `+strings.Join(keys, ", ")+`, `+strings.Join(measures, ", ")+`)
		SELECT $1::text, * FROM `+from+upsertTail(table, keys, measures), append([]any{tenant}, args...)...)
	return err
}

// splitFresh returns, tenant first, the rows (bucket first) whose bucket
// has no row of tenant in table, and the others.
func (t pgTx) splitFresh(ctx context.Context, tenant, table string, rows [][]any) (fresh, rest [][]any, err error) {
	var buckets []int64
	seen := map[int64]bool{}
	for _, r := range rows {
		if b := r[0].(int64); !seen[b] {
			seen[b] = true
			buckets = append(buckets, b)
		}
	}
	q, err := t.tx.Query(ctx, `SELECT b FROM unnest($2::bigint[]) AS b
		WHERE EXISTS (SELECT 1 FROM `+table+` WHERE tenant_id = $1 AND bucket = b)`, tenant, buckets)
	if err != nil {
		return nil, nil, err
	}
	stored := map[int64]bool{}
	for q.Next() {
		var b int64
		if err := q.Scan(&b); err != nil {
			q.Close()
			return nil, nil, err
		}
		stored[b] = true
	}
	q.Close()
	if err := q.Err(); err != nil {
		return nil, nil, err
	}
	for _, r := range rows {
		if stored[r[0].(int64)] {
			rest = append(rest, r)
		} else {
			fresh = append(fresh, append([]any{tenant}, r...))
		}
	}
	return fresh, rest, nil
}

func (t pgTx) deleteKeys(ctx context.Context, tenant, table string, keys []string, cond string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	from, args := unnestArgs(keys, len(keys), rows)
	var match []string
	for _, k := range keys {
		match = append(match, "t."+k+" = k."+k)
	}
	_, err := t.tx.Exec(ctx, `DELETE FROM `+table+` t USING `+from+` AS k(`+strings.Join(keys, ", ")+`)
		WHERE t.tenant_id = $1::text AND `+strings.Join(match, " AND ")+` AND `+cond, append([]any{tenant}, args...)...)
	return err
}

// upsertTail is the ON CONFLICT clause of an upsert into table that adds
// the measures.
func upsertTail(table string, keys, measures []string) string {
	var set []string
	for _, m := range measures {
		set = append(set, m+" = "+table+"."+m+" + excluded."+m)
	}
	return ` ON CONFLICT (tenant_id, ` + strings.Join(keys, ", ") + `) DO UPDATE SET ` + strings.Join(set, ", ")
}

// rollupBatch is what one upsert batch changes in the rollups: its delta,
// under the tenant's pruned mark read at the batch's start (a record
// starting before it changes record_counts only), and the records the
// batch wrote so far by id, so that a later version of one in the same
// batch removes what the earlier one added.
type rollupBatch struct {
	mark  int64
	delta *cdr.RollupDelta
	cur   map[string]*cdr.Record
}

func newRollupBatch(mark int64, n int) *rollupBatch {
	return &rollupBatch{mark: mark, delta: cdr.NewRollupDelta(), cur: make(map[string]*cdr.Record, n)}
}

// apply counts r (sign 1) or uncounts it (-1).
func (b *rollupBatch) apply(r *cdr.Record, sign int64) {
	switch {
	case r.StartAt >= b.mark && sign > 0:
		b.delta.Add(r)
	case r.StartAt >= b.mark:
		b.delta.Remove(r)
	default:
		// Before the pruned mark kpi_rollup keeps what the prune left.
		if k, ok := cdr.CountKeyOf(r); ok {
			b.delta.Counts[k] += sign
		}
	}
}

// inserted counts r, a key new to the database.
func (b *rollupBatch) inserted(r *cdr.Record) {
	b.apply(r, 1)
	b.cur[r.ID] = r
}

// replaced counts r, which replaces the record the batch wrote before
// under its id, or else the stored one; it reports false in that last
// case, where the caller removes the stored record (stored).
func (b *rollupBatch) replaced(r *cdr.Record) bool {
	old, ok := b.cur[r.ID]
	if ok {
		b.apply(old, -1)
	}
	b.apply(r, 1)
	b.cur[r.ID] = r
	return ok
}

// stored uncounts a record stored before the batch and replaced by it.
func (b *rollupBatch) stored(r *cdr.Record) { b.apply(r, -1) }

// readMark returns t's pruned mark within tx, 0 when none.
func readMark(ctx context.Context, tx rollupTx, tenant string) (int64, error) {
	rows, err := tx.query(ctx, `SELECT pruned_before FROM rollup_marks WHERE tenant_id = ?`, tenant)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var mark int64
	if rows.Next() {
		if err := rows.Scan(&mark); err != nil {
			return 0, err
		}
	}
	return mark, rows.Err()
}

// rollupChunk is the most rows one statement of applyDelta writes or
// deletes: kpi_rollup's 38 columns make 15,200 parameters, within both
// databases' limits.
const rollupChunk = 400

// keepRollups is false only in benchmarks that measure what keeping the
// rollups costs ingest (SetKeepRollups): applyDelta then writes nothing.
var keepRollups = true

// applyDelta adds d to tenant's rows, with one multi-row upsert per table
// and chunk, and deletes the rows it brought to zero: those of the keys
// whose count, or contacts, d lowers.
func applyDelta(ctx context.Context, tx rollupTx, tenant string, d *cdr.RollupDelta) error {
	if !keepRollups {
		return nil
	}
	d.Compact()
	var counts, countZero [][]any
	for k, n := range d.Counts {
		key := countKeyArgs(k)
		counts = append(counts, append(key, n))
		if n < 0 {
			countZero = append(countZero, key)
		}
	}
	var kpis, kpiZero [][]any
	for k, m := range d.KPI {
		key := kpiKeyArgs(k)
		row := key
		for _, v := range kpiValues(m) {
			row = append(row, v)
		}
		kpis = append(kpis, row)
		if m.Contacts < 0 {
			kpiZero = append(kpiZero, key[:len(key):len(key)])
		}
	}
	// record_days: the same changes per UTC day.
	days := map[cdr.CountKey]int64{}
	for k, n := range d.Counts {
		k.Bucket = cdr.DayStart(k.Bucket, 0)
		days[k] += n
	}
	var dayRows, dayZero [][]any
	for k, n := range days {
		if n == 0 {
			continue
		}
		key := countKeyArgs(k)
		dayRows = append(dayRows, append(key, n))
		if n < 0 {
			dayZero = append(dayZero, key[:len(key):len(key)])
		}
	}
	if err := upsertRows(ctx, tx, tenant, "record_counts", countKeyColumns, []string{"records"}, counts); err != nil {
		return err
	}
	if err := upsertRows(ctx, tx, tenant, "record_days", countKeyColumns, []string{"records"}, dayRows); err != nil {
		return err
	}
	if err := deleteKeys(ctx, tx, tenant, "record_days", countKeyColumns, "records = 0", dayZero); err != nil {
		return err
	}
	if err := upsertRows(ctx, tx, tenant, "kpi_rollup", kpiKeyColumns, kpiMeasureColumns, kpis); err != nil {
		return err
	}
	if err := deleteKeys(ctx, tx, tenant, "record_counts", countKeyColumns, "records = 0", countZero); err != nil {
		return err
	}
	if err := deleteKeys(ctx, tx, tenant, "kpi_rollup", kpiKeyColumns, kpiAllZero, kpiZero); err != nil {
		return err
	}
	return applyDays(ctx, tx, tenant, d.KPI)
}

func countKeyArgs(k cdr.CountKey) []any {
	return []any{k.Bucket, string(k.Channel), string(k.Source), string(k.Direction)}
}

func kpiKeyArgs(k cdr.KPIKey) []any {
	return []any{k.Bucket, string(k.Channel), string(k.Source), string(k.Direction), k.Queue, k.Agent, string(k.Disposition)}
}

func upsertRows(ctx context.Context, tx rollupTx, tenant, table string, keys, measures []string, rows [][]any) error {
	return tx.upsert(ctx, tenant, table, keys, measures, rows)
}

func deleteKeys(ctx context.Context, tx rollupTx, tenant, table string, keys []string, cond string, rows [][]any) error {
	return tx.deleteKeys(ctx, tenant, table, keys, cond, rows)
}

// upsertValues is upsert on SQLite: INSERT … VALUES (…), … ON CONFLICT DO
// UPDATE SET m = table.m + excluded.m, by chunks (chunked).
func upsertValues(ctx context.Context, tx sqlTx, tenant, table string, keys, measures []string, rows [][]any) error {
	return chunked(ctx, tx, rows, func(n int) string {
		return upsertSQL(table, keys, measures, n)
	}, func(args []any, r []any) []any { return append(append(args, tenant), r...) }, nil)
}

// upsertSQL is upsertValues' statement for a chunk of n rows.
func upsertSQL(table string, keys, measures []string, n int) string {
	tuple := "(" + placeholders(1+len(keys)+len(measures)) + ")"
	return `INSERT INTO ` + table + ` (tenant_id, ` + strings.Join(keys, ", ") + `, ` + strings.Join(measures, ", ") + `) VALUES ` +
		strings.Repeat(tuple+",", n-1) + tuple + upsertTail(table, keys, measures)
}

// deleteValues is deleteKeys on SQLite, by chunks of rollupChunk keys.
func deleteValues(ctx context.Context, tx sqlTx, tenant, table string, keys []string, cond string, rows [][]any) error {
	match := "(" + strings.Join(keys, " = ? AND ") + " = ?)"
	return chunked(ctx, tx, rows, func(n int) string {
		return `DELETE FROM ` + table + ` WHERE tenant_id = ? AND (` + strings.Repeat(match+" OR ", n-1) + match + `) AND ` + cond
	}, func(args []any, r []any) []any { return append(args, r...) }, []any{tenant})
}

// chunkSizes are the sizes of the chunks chunked cuts rows into, largest
// first: a few fixed statements, each prepared once, instead of one of a
// new length for every remainder.
var chunkSizes = []int{rollupChunk, 100, 20, 5, 1}

// chunked runs the statement query(n) for each chunk of n rows, n one of
// chunkSizes, with the arguments lead and then each row's through add;
// each chunk size's statement is prepared once.
func chunked(ctx context.Context, tx sqlTx, rows [][]any, query func(n int) string, add func(args, row []any) []any, lead []any) error {
	prepared := map[int]func(context.Context, ...any) error{}
	var args []any
	for len(rows) > 0 {
		n := chunkSizes[len(chunkSizes)-1]
		for _, size := range chunkSizes {
			if size <= len(rows) {
				n = size
				break
			}
		}
		run, ok := prepared[n]
		if !ok {
			f, done, err := tx.prepare(ctx, query(n))
			if err != nil {
				return err
			}
			defer done()
			run, prepared[n] = f, f
		}
		args = append(args[:0], lead...)
		for _, r := range rows[:n] {
			args = add(args, r)
		}
		if err := run(ctx, args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// bucketSQL is cdr.BucketOf(start_at) in SQL: exact for negative times
// too.
const bucketSQL = `start_at - ((start_at % 900000) + 900000) % 900000`

// pruneCounts subtracts from record_counts the records a prune batch
// (selected by batch, a subquery of their pk or id column key with
// args) is about to delete.
func pruneCounts(ctx context.Context, tx rollupTx, tenant, key, batch string, args ...any) error {
	rows, err := tx.query(ctx, tx.dialect().rebind(`SELECT `+bucketSQL+`, channel, source, direction, count(*) FROM records
		WHERE tenant_id = ? AND `+key+` IN (`+batch+`) AND same_as IS NULL GROUP BY 1, 2, 3, 4`), append([]any{tenant}, args...)...)
	if err != nil {
		return err
	}
	d := cdr.NewRollupDelta()
	for rows.Next() {
		var k cdr.CountKey
		var channel, source, direction string
		var n int64
		if err := rows.Scan(&k.Bucket, &channel, &source, &direction, &n); err != nil {
			rows.Close()
			return err
		}
		k.Channel, k.Source, k.Direction = cdr.Channel(channel), cdr.Source(source), cdr.Direction(direction)
		d.Counts[k] -= n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	return applyDelta(ctx, tx, tenant, d)
}

// raiseMark sets tenant's pruned mark to max(mark, before).
func raiseMark(ctx context.Context, tx rollupTx, tenant string, before int64) error {
	_, err := tx.exec(ctx, tx.dialect().rebind(`INSERT INTO rollup_marks (tenant_id, pruned_before) VALUES (?, ?)
		ON CONFLICT (tenant_id) DO UPDATE SET pruned_before = CASE WHEN excluded.pruned_before > rollup_marks.pruned_before
			THEN excluded.pruned_before ELSE rollup_marks.pruned_before END`), tenant, before)
	return err
}

// recompute returns the rollups of tenant's records starting in [from,
// to): record_counts' rows when counts, and kpi_rollup's rows of the
// buckets at or after kpiFrom.
func recompute(ctx context.Context, tx rollupTx, tenant string, from, to int64, counts bool, kpiFrom int64) (map[cdr.CountKey]int64, map[cdr.KPIKey]cdr.KPIMeasures, error) {
	d := tx.dialect()
	rows, err := tx.query(ctx, d.rebind(`SELECT id, version, created_at, updated_at, doc, NULL FROM records
		WHERE tenant_id = ? AND start_at >= ? AND start_at < ?`), tenant, from, to)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	cs := map[cdr.CountKey]int64{}
	ks := map[cdr.KPIKey]cdr.KPIMeasures{}
	for rows.Next() {
		r, err := scanRecord(rows.Scan, false, d)
		if err != nil {
			return nil, nil, err
		}
		k, m, ok := cdr.KPIOf(r)
		if !ok {
			continue
		}
		if counts {
			cs[k.CountKey]++
		}
		if k.Bucket >= kpiFrom {
			acc := ks[k]
			acc.Add(&m)
			ks[k] = acc
		}
	}
	return cs, ks, rows.Err()
}

// storedCounts and storedKPI read tenant's rows with bucket in [from, to).
func storedCounts(ctx context.Context, q func(context.Context, string, ...any) (rollupRows, error), d *dialect, tenant string, from, to int64) (map[cdr.CountKey]int64, error) {
	return storedCountRows(ctx, q, d, "record_counts", tenant, from, to)
}

// storedCountRows reads tenant's rows of table (record_counts or
// record_days) with bucket in [from, to).
func storedCountRows(ctx context.Context, q func(context.Context, string, ...any) (rollupRows, error), d *dialect, table, tenant string, from, to int64) (map[cdr.CountKey]int64, error) {
	rows, err := q(ctx, d.rebind(`SELECT bucket, channel, source, direction, records FROM `+table+`
		WHERE tenant_id = ? AND bucket >= ? AND bucket < ?`), tenant, from, to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[cdr.CountKey]int64{}
	for rows.Next() {
		var k cdr.CountKey
		var channel, source, direction string
		var n int64
		if err := rows.Scan(&k.Bucket, &channel, &source, &direction, &n); err != nil {
			return nil, err
		}
		k.Channel, k.Source, k.Direction = cdr.Channel(channel), cdr.Source(source), cdr.Direction(direction)
		m[k] = n
	}
	return m, rows.Err()
}

func storedKPI(ctx context.Context, q func(context.Context, string, ...any) (rollupRows, error), d *dialect, tenant string, from, to int64) (map[cdr.KPIKey]cdr.KPIMeasures, error) {
	rows, err := q(ctx, d.rebind(`SELECT bucket, channel, source, direction, queue, agent, disposition, `+strings.Join(kpiMeasureColumns, ", ")+`
		FROM kpi_rollup WHERE tenant_id = ? AND bucket >= ? AND bucket < ?`), tenant, from, to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	res := map[cdr.KPIKey]cdr.KPIMeasures{}
	for rows.Next() {
		var k cdr.KPIKey
		var m cdr.KPIMeasures
		var channel, source, direction, disposition string
		dest := append([]any{&k.Bucket, &channel, &source, &direction, &k.Queue, &k.Agent, &disposition}, kpiPointers(&m)...)
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		k.Channel, k.Source, k.Direction, k.Disposition = cdr.Channel(channel), cdr.Source(source), cdr.Direction(direction), cdr.Disposition(disposition)
		res[k] = m
	}
	return res, rows.Err()
}

const (
	minBucket = int64(-1 << 62)
	maxBucket = int64(1 << 62)
)

// rebuild is RebuildRollups within tx, which holds the tenant's write
// lock: it compares both tables with a recomputation from the records
// (kpi_rollup from the pruned mark on) and, unless dryRun, replaces the
// rows that differ.
func rebuild(ctx context.Context, tx rollupTx, tenant string, dryRun bool) (cdr.RollupDiff, error) {
	var diff cdr.RollupDiff
	mark, err := readMark(ctx, tx, tenant)
	if err != nil {
		return diff, err
	}
	// The buckets that start before the mark are those before the
	// bucket of mark-1's end.
	kpiFrom := minBucket
	if mark != 0 {
		kpiFrom = cdr.BucketOf(mark-1) + cdr.RollupBucket
	}
	wantCounts, wantKPI, err := recompute(ctx, tx, tenant, minBucket, maxBucket, true, kpiFrom)
	if err != nil {
		return diff, err
	}
	haveCounts, err := storedCounts(ctx, tx.query, tx.dialect(), tenant, minBucket, maxBucket)
	if err != nil {
		return diff, err
	}
	haveKPI, err := storedKPI(ctx, tx.query, tx.dialect(), tenant, kpiFrom, maxBucket)
	if err != nil {
		return diff, err
	}
	countDel, countPutKeys, nc := diffRows(haveCounts, wantCounts)
	kpiDel, kpiPutKeys, nk := diffRows(haveKPI, wantKPI)
	diff.CountRows, diff.KPIRows = nc, nk
	if diff.CountDayRows, err = checkCountDays(ctx, tx, tenant, wantCounts, dryRun); err != nil {
		return diff, err
	}
	// kpi_daily and kpi_agent_daily sum kpi_rollup as it should be: the
	// rows kept before the mark and the recomputed ones.
	allKPI, err := storedKPI(ctx, tx.query, tx.dialect(), tenant, minBucket, kpiFrom)
	if err != nil {
		return diff, err
	}
	maps.Copy(allKPI, wantKPI)
	offs, err := dayOffsets(ctx, tx.query, tx.dialect(), tenant)
	if err != nil {
		return diff, err
	}
	if diff.DayRows, err = checkDays(ctx, tx, kpiDaily, tenant, offs, allKPI, dryRun); err != nil {
		return diff, err
	}
	if diff.AgentDayRows, err = checkDays(ctx, tx, kpiAgentDaily, tenant, offs, allKPI, dryRun); err != nil || dryRun {
		return diff, err
	}
	var countPut, kpiPut [][]any
	for _, k := range countPutKeys {
		countPut = append(countPut, append(countKeyArgs(k), wantCounts[k]))
	}
	for _, k := range kpiPutKeys {
		m := wantKPI[k]
		kpiPut = append(kpiPut, kpiRow(k, &m))
	}
	if err := deleteKeys(ctx, tx, tenant, "record_counts", countKeyColumns, "true", keyArgs(countDel, countKeyArgs)); err != nil {
		return diff, err
	}
	if err := deleteKeys(ctx, tx, tenant, "kpi_rollup", kpiKeyColumns, "true", keyArgs(kpiDel, kpiKeyArgs)); err != nil {
		return diff, err
	}
	if err := upsertRows(ctx, tx, tenant, "record_counts", countKeyColumns, []string{"records"}, countPut); err != nil {
		return diff, err
	}
	return diff, upsertRows(ctx, tx, tenant, "kpi_rollup", kpiKeyColumns, kpiMeasureColumns, kpiPut)
}

// recordCheck adds what a rebuild of tenant found at now to its
// rollup_checks row.
func recordCheck(ctx context.Context, tx rollupTx, tenant string, now int64, diff cdr.RollupDiff) error {
	_, err := tx.exec(ctx, tx.dialect().rebind(`INSERT INTO rollup_checks (tenant_id, checked_at, count_rows, kpi_rows, day_rows, count_day_rows, agent_day_rows)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id) DO UPDATE SET checked_at = excluded.checked_at,
		count_rows = rollup_checks.count_rows + excluded.count_rows, kpi_rows = rollup_checks.kpi_rows + excluded.kpi_rows,
		day_rows = rollup_checks.day_rows + excluded.day_rows, count_day_rows = rollup_checks.count_day_rows + excluded.count_day_rows,
		agent_day_rows = rollup_checks.agent_day_rows + excluded.agent_day_rows`),
		tenant, now, int64(diff.CountRows), int64(diff.KPIRows), int64(diff.DayRows), int64(diff.CountDayRows), int64(diff.AgentDayRows))
	return err
}

// diffRows compares a table's stored rows with the rows wanted: del are
// the stored keys whose row is extra or different (deleted), put the
// wanted keys whose row is missing or different (written), and n the keys
// that differ, each counted once.
func diffRows[K, V comparable](have, want map[K]V) (del, put []K, n int) {
	for k, v := range have {
		if w, ok := want[k]; !ok || w != v {
			del = append(del, k)
		}
	}
	n = len(del)
	for k, v := range want {
		h, ok := have[k]
		if !ok {
			n++
		}
		if !ok || h != v {
			put = append(put, k)
		}
	}
	return del, put, n
}

// kpiRow is a kpi_rollup row's key and measures, as upsertRows takes it.
func kpiRow(k cdr.KPIKey, m *cdr.KPIMeasures) []any {
	row := kpiKeyArgs(k)
	for _, v := range kpiValues(m) {
		row = append(row, v)
	}
	return row
}

func keyArgs[K any](keys []K, args func(K) []any) [][]any {
	out := make([][]any, len(keys))
	for i, k := range keys {
		out[i] = args(k)
	}
	return out
}

// dropPrunedStats is DropPrunedStats within tx, which holds the tenant's
// write lock. Besides the bucket the mark falls in, it recomputes every
// bucket before it from the records there (records written again after
// the prune, which kpi_rollup did not count), so that kpi_rollup equals a
// recomputation.
func dropPrunedStats(ctx context.Context, tx rollupTx, tenant string) error {
	mark, err := readMark(ctx, tx, tenant)
	if err != nil || mark == 0 {
		return err
	}
	end := cdr.BucketOf(mark-1) + cdr.RollupBucket
	if _, err := tx.exec(ctx, tx.dialect().rebind(`DELETE FROM kpi_rollup WHERE tenant_id = ? AND bucket < ?`), tenant, end); err != nil {
		return err
	}
	_, want, err := recompute(ctx, tx, tenant, minBucket, end, false, minBucket)
	if err != nil {
		return err
	}
	var put [][]any
	for k, m := range want {
		put = append(put, kpiRow(k, &m))
	}
	if err := upsertRows(ctx, tx, tenant, "kpi_rollup", kpiKeyColumns, kpiMeasureColumns, put); err != nil {
		return err
	}
	offs, err := dayOffsets(ctx, tx.query, tx.dialect(), tenant)
	if err != nil {
		return err
	}
	if err := refreshDays(ctx, tx, tenant, offs, minBucket, end); err != nil {
		return err
	}
	_, err = tx.exec(ctx, tx.dialect().rebind(`DELETE FROM rollup_marks WHERE tenant_id = ?`), tenant)
	return err
}

// backfill fills tenant's rollups from its records when migration 0007
// listed it in rollup_backfill, and takes it off the list, within tx,
// which holds the tenant's write lock. Another process may have done it
// first: then it does nothing.
func backfill(ctx context.Context, tx rollupTx, tenant string) error {
	n, err := tx.exec(ctx, tx.dialect().rebind(`DELETE FROM rollup_backfill WHERE tenant_id = ?`), tenant)
	if err != nil || n == 0 {
		return err
	}
	_, err = rebuild(ctx, tx, tenant, false)
	return err
}

// backfillTenants lists the tenants of rollup_backfill.
func backfillTenants(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT tenant_id FROM rollup_backfill`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ts []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		ts = append(ts, t)
	}
	return ts, rows.Err()
}

// readerQuery runs a query of the read pool as rollupRows.
func (s *reader) readerQuery(ctx context.Context, query string, args ...any) (rollupRows, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

// PrunedBefore returns t's pruned mark, 0 when none.
func (s *reader) PrunedBefore(ctx context.Context, t cdr.TenantID) (int64, error) {
	if t.IsZero() {
		return 0, cdr.ErrNoTenant
	}
	var mark int64
	err := s.db.QueryRowContext(ctx, s.d.rebind(`SELECT pruned_before FROM rollup_marks WHERE tenant_id = ?`), t.String()).Scan(&mark)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	return mark, s.d.formatError(err)
}

// RollupChecks sums what every rebuild of the database found.
func (s *reader) RollupChecks(ctx context.Context) (cdr.RollupCheck, error) {
	var c cdr.RollupCheck
	var counts, kpis, days, countDays, agentDays int64
	err := s.db.QueryRowContext(ctx, `SELECT coalesce(max(checked_at), 0), coalesce(sum(count_rows), 0), coalesce(sum(kpi_rows), 0),
		coalesce(sum(day_rows), 0), coalesce(sum(count_day_rows), 0), coalesce(sum(agent_day_rows), 0) FROM rollup_checks`).Scan(
		&c.At, &counts, &kpis, &days, &countDays, &agentDays)
	c.Found = cdr.RollupDiff{CountRows: int(counts), KPIRows: int(kpis), DayRows: int(days), CountDayRows: int(countDays),
		AgentDayRows: int(agentDays)}
	return c, s.d.formatError(err)
}

// CountRows returns t's record_counts rows with bucket in [from, to).
func (s *reader) CountRows(ctx context.Context, t cdr.TenantID, from, to int64) (map[cdr.CountKey]int64, error) {
	if t.IsZero() {
		return nil, cdr.ErrNoTenant
	}
	m, err := storedCounts(ctx, s.readerQuery, s.d, t.String(), from, to)
	return m, s.d.formatError(err)
}

// KPIRows returns t's kpi_rollup rows with bucket in [from, to).
func (s *reader) KPIRows(ctx context.Context, t cdr.TenantID, from, to int64) (map[cdr.KPIKey]cdr.KPIMeasures, error) {
	if t.IsZero() {
		return nil, cdr.ErrNoTenant
	}
	m, err := storedKPI(ctx, s.readerQuery, s.d, t.String(), from, to)
	return m, s.d.formatError(err)
}

// locked runs fn in a write transaction holding t's write lock: SQLite's
// writer transaction.
func (s *SQLite) locked(ctx context.Context, tenant string, fn func(tx rollupTx) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return formatError(err)
	}
	defer tx.Rollback()
	if err := fn(sqlTx{tx, s.stmts}); err != nil {
		return formatError(err)
	}
	return formatError(tx.Commit())
}

// locked runs fn in a transaction holding t's advisory lock, as upserts
// and prunes do.
func (s *Postgres) locked(ctx context.Context, tenant string, fn func(tx rollupTx) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return formatPGError(err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, tenantLock, tenant); err != nil {
		return formatPGError(err)
	}
	if err := fn(pgTx{tx}); err != nil {
		return formatPGError(err)
	}
	return formatPGError(tx.Commit(ctx))
}

// RebuildRollups recomputes t's rollups from its records under its write
// lock and reports the rows that differed; unless dryRun it replaces
// them.
func (s *SQLite) RebuildRollups(ctx context.Context, t cdr.TenantID, dryRun bool) (cdr.RollupDiff, error) {
	return rebuildRollups(ctx, s.locked, s.now().UnixMilli(), t, dryRun)
}

// RebuildRollups recomputes t's rollups from its records under its write
// lock and reports the rows that differed; unless dryRun it replaces
// them.
func (s *Postgres) RebuildRollups(ctx context.Context, t cdr.TenantID, dryRun bool) (cdr.RollupDiff, error) {
	return rebuildRollups(ctx, s.locked, s.now().UnixMilli(), t, dryRun)
}

// DropPrunedStats deletes the kpi_rollup rows t's prunes kept, recomputes
// those buckets from its records and clears its pruned mark.
func (s *SQLite) DropPrunedStats(ctx context.Context, t cdr.TenantID) error {
	return lockedTenant(ctx, s.locked, t, func(tx rollupTx) error { return dropPrunedStats(ctx, tx, t.String()) })
}

// DropPrunedStats deletes the kpi_rollup rows t's prunes kept, recomputes
// those buckets from its records and clears its pruned mark.
func (s *Postgres) DropPrunedStats(ctx context.Context, t cdr.TenantID) error {
	return lockedTenant(ctx, s.locked, t, func(tx rollupTx) error { return dropPrunedStats(ctx, tx, t.String()) })
}

// lockerFunc is either store's locked: fn in a transaction holding the
// tenant's write lock.
type lockerFunc func(ctx context.Context, tenant string, fn func(tx rollupTx) error) error

// lockedTenant runs fn under t's write lock; the zero tenant is an error.
func lockedTenant(ctx context.Context, locked lockerFunc, t cdr.TenantID, fn func(tx rollupTx) error) error {
	if t.IsZero() {
		return cdr.ErrNoTenant
	}
	return locked(ctx, t.String(), fn)
}

// rebuildRollups is RebuildRollups of either store: the rebuild and the
// record of what it found (at now), in one transaction under t's lock.
func rebuildRollups(ctx context.Context, locked lockerFunc, now int64, t cdr.TenantID, dryRun bool) (diff cdr.RollupDiff, err error) {
	err = lockedTenant(ctx, locked, t, func(tx rollupTx) (err error) {
		if diff, err = rebuild(ctx, tx, t.String(), dryRun); err != nil {
			return err
		}
		return recordCheck(ctx, tx, t.String(), now, diff)
	})
	return diff, err
}

// fillRollups runs the one-time backfill of migration 0007 (backfill) for
// every tenant it listed; a store whose list is empty only reads it.
func fillRollups(ctx context.Context, db *sql.DB, d *dialect, locked lockerFunc) error {
	ts, err := backfillTenants(ctx, db)
	if err != nil {
		return fmt.Errorf("rollups backfill: %w", d.formatError(err))
	}
	for _, t := range ts {
		if err := locked(ctx, t, func(tx rollupTx) error { return backfill(ctx, tx, t) }); err != nil {
			return fmt.Errorf("rollups backfill of %s: %w", t, err)
		}
	}
	return nil
}
