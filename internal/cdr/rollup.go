package cdr

import (
	"context"
	"slices"
	"time"
)

// Rollups (docs/design.md, Rollups) are two additive tables a store keeps in
// the same transaction as the records they sum, on 15-minute UTC buckets of
// start_at: the time every list, count and search filters on, so that every
// number drills down to the records that produced it. Shadows (same_as)
// never count.
//
//   - record_counts (CountKey → records) serves totals: a window's count is
//     the sum of its whole buckets plus an exact count of its two partial
//     edges; record_days, its sums per UTC day, serves the whole days.
//   - kpi_rollup (KPIKey → KPIMeasures) serves the contact-center KPIs.
//
// A third, kpi_daily, is derived from kpi_rollup: its sums per local day
// (at each UTC offset of the tenant's zone, Rollups.SetDayOffsets) without
// the agent and with the disposition reduced to what the KPI formulas tell
// apart (DayKey), so that KPIs over months read a few rows per day and
// group instead of one per 15 minutes and agent. A fourth,
// kpi_agent_daily, is its mirror for the agents: the same days with the
// agent and without the queue (AgentDayKey), so that KPIs per agent over
// months read a row per day and agent.

// RollupBucket is the rollups' grain in ms: 15 minutes, which every IANA
// zone's offset (+5:30, +5:45, 30-minute DST shifts) is a multiple of.
const RollupBucket = int64(15 * 60 * 1000)

// BucketOf returns the start of the 15-minute UTC bucket of ms.
func BucketOf(ms int64) int64 {
	b := ms - ms%RollupBucket
	if ms < 0 && ms%RollupBucket != 0 {
		b -= RollupBucket
	}
	return b
}

// RollupDay is a day in ms: kpi_daily's grain.
const RollupDay = int64(24 * 60 * 60 * 1000)

// DayStart returns the start (ms) of the local day, at UTC offset off
// (ms), that the instant ms falls in: kpi_daily's bucket.
func DayStart(ms, off int64) int64 {
	local := ms + off
	d := local - local%RollupDay
	if local < 0 && local%RollupDay != 0 {
		d -= RollupDay
	}
	return d - off
}

// MaxDayOffsets is the most UTC offsets kpi_daily keeps days of for a
// tenant; MaxUTCOffset bounds each (ms): every zone's offset lies within
// ±18 hours.
const (
	MaxDayOffsets = 4
	MaxUTCOffset  = 18 * 60 * 60 * 1000
)

// ZoneOffsets returns the UTC offsets (ms) loc uses between from and to,
// in the order it first uses them: the offsets whose days kpi_daily should
// keep for a tenant in loc. A zone that used more than MaxDayOffsets
// there yields its first MaxDayOffsets.
func ZoneOffsets(loc *time.Location, from, to time.Time) []int64 {
	var out []int64
	for t := from.In(loc); t.Before(to) && len(out) < MaxDayOffsets; {
		_, off := t.Zone()
		if o := int64(off) * 1000; !slices.Contains(out, o) {
			out = append(out, o)
		}
		_, end := t.ZoneBounds()
		if end.IsZero() || !end.After(t) {
			break
		}
		t = end
	}
	return out
}

// DaySums returns kpi_daily's rows for kpi_rollup's rows at the given
// offsets: each row summed under its DayKey at each offset.
func DaySums(rows map[KPIKey]KPIMeasures, offsets []int64) map[KPIKey]KPIMeasures {
	return daySums(rows, offsets, DayKey)
}

// AgentDaySums returns kpi_agent_daily's rows for kpi_rollup's rows at
// the given offsets: each row summed under its AgentDayKey at each
// offset.
func AgentDaySums(rows map[KPIKey]KPIMeasures, offsets []int64) map[KPIKey]KPIMeasures {
	return daySums(rows, offsets, AgentDayKey)
}

func daySums(rows map[KPIKey]KPIMeasures, offsets []int64, key func(KPIKey, int64) KPIKey) map[KPIKey]KPIMeasures {
	out := map[KPIKey]KPIMeasures{}
	for k, m := range rows {
		for _, off := range offsets {
			dk := key(k, off)
			acc := out[dk]
			acc.Add(&m)
			out[dk] = acc
		}
	}
	return out
}

// CountDays returns record_days' rows for record_counts' rows: each
// summed into its UTC day.
func CountDays(counts map[CountKey]int64) map[CountKey]int64 {
	out := map[CountKey]int64{}
	for k, n := range counts {
		k.Bucket = DayStart(k.Bucket, 0)
		out[k] += n
	}
	return out
}

// DayKey is the kpi_daily key of kpi_rollup's key k at offset off: the
// local day's start, without the agent, the disposition reduced as
// KPIKey.Reduce does (answered, abandoned or "").
func DayKey(k KPIKey, off int64) KPIKey {
	k = k.Reduce(DayDims)
	k.Bucket = DayStart(k.Bucket, off)
	return k
}

// DayDims are the key columns kpi_daily keeps as they are.
const DayDims = KeepSource | KeepQueue | KeepChannel | KeepDirection

// AgentDayKey is the kpi_agent_daily key of kpi_rollup's key k at offset
// off: the local day's start, without the queue, the disposition reduced
// as KPIKey.Reduce does (answered, abandoned or "").
func AgentDayKey(k KPIKey, off int64) KPIKey {
	k = k.Reduce(AgentDayDims)
	k.Bucket = DayStart(k.Bucket, off)
	return k
}

// AgentDayDims are the key columns kpi_agent_daily keeps as they are.
const AgentDayDims = KeepSource | KeepAgent | KeepChannel | KeepDirection

// CountKey is a row of record_counts.
type CountKey struct {
	Bucket    int64
	Channel   Channel
	Source    Source
	Direction Direction
}

// KPIKey is a row of kpi_rollup: the CountKey's dimensions and the
// record's first queue (its id, else its name), first human agent (id,
// else email, else name) and disposition.
type KPIKey struct {
	CountKey
	Queue       string
	Agent       string
	Disposition Disposition
}

// WaitThresholds are the waits, in seconds, that kpi_rollup counts answers
// and abandons within: the service-level thresholds the KPIs accept.
var WaitThresholds = [5]int64{10, 20, 30, 60, 120}

// KPIMeasures are the sums of a kpi_rollup row. Each duration has its sum
// and the number of records that had it (a record without the value adds
// to neither), so averages are exact.
type KPIMeasures struct {
	Contacts int64
	// AnsweredWithin[i] counts answered (answered or transferred) records
	// with a known wait ≤ WaitThresholds[i]; AbandonedWithin[i] abandoned
	// ones.
	AnsweredWithin  [5]int64
	AbandonedWithin [5]int64

	WaitS, WaitN   int64 // wait: see Wait
	QueueS, QueueN int64
	RingS, RingN   int64
	TalkS, TalkN   int64
	HoldS, HoldN   int64
	TotalS, TotalN int64

	SatN, SatSum int64    // scored records and their scores
	SatScores    [5]int64 // records scored 1 … 5
}

// KPIMeasureCount is the number of measures of KPIMeasures.
const KPIMeasureCount = 30

// Pointers points at m's measures in the order of its fields, arrays
// element by element: the order of KPIMeasureSet's bits.
func (m *KPIMeasures) Pointers() [KPIMeasureCount]*int64 {
	var p [KPIMeasureCount]*int64
	i := 0
	put := func(v ...*int64) {
		for _, x := range v {
			p[i] = x
			i++
		}
	}
	put(&m.Contacts)
	for j := range m.AnsweredWithin {
		put(&m.AnsweredWithin[j])
	}
	for j := range m.AbandonedWithin {
		put(&m.AbandonedWithin[j])
	}
	put(&m.WaitS, &m.WaitN, &m.QueueS, &m.QueueN, &m.RingS, &m.RingN, &m.TalkS, &m.TalkN,
		&m.HoldS, &m.HoldN, &m.TotalS, &m.TotalN, &m.SatN, &m.SatSum)
	for j := range m.SatScores {
		put(&m.SatScores[j])
	}
	return p
}

// KPIMeasureSet is a set of KPIMeasures' measures: bit i for the i-th of
// Pointers.
type KPIMeasureSet uint32

// The bits of some measures of KPIMeasureSet.
const (
	MeasureContacts KPIMeasureSet = 1 << 0
	MeasureRing     KPIMeasureSet = 1<<15 | 1<<16
	MeasureTotal    KPIMeasureSet = 1<<21 | 1<<22
)

// MeasureAnsweredWithin and MeasureAbandonedWithin are the bits of
// AnsweredWithin[i] and AbandonedWithin[i].
func MeasureAnsweredWithin(i int) KPIMeasureSet  { return 1 << (1 + i) }
func MeasureAbandonedWithin(i int) KPIMeasureSet { return 1 << (6 + i) }

// Has reports whether measure i is in s.
func (s KPIMeasureSet) Has(i int) bool { return s&(1<<i) != 0 }

// Clear sets the measures of m in s to 0.
func (m *KPIMeasures) Clear(s KPIMeasureSet) {
	for i, p := range m.Pointers() {
		if s.Has(i) {
			*p = 0
		}
	}
}

// Add adds o to m.
func (m *KPIMeasures) Add(o *KPIMeasures) { m.add(o, 1) }

// Sub subtracts o from m.
func (m *KPIMeasures) Sub(o *KPIMeasures) { m.add(o, -1) }

func (m *KPIMeasures) add(o *KPIMeasures, sign int64) {
	m.Contacts += sign * o.Contacts
	for i := range m.AnsweredWithin {
		m.AnsweredWithin[i] += sign * o.AnsweredWithin[i]
		m.AbandonedWithin[i] += sign * o.AbandonedWithin[i]
		m.SatScores[i] += sign * o.SatScores[i]
	}
	m.WaitS += sign * o.WaitS
	m.WaitN += sign * o.WaitN
	m.QueueS += sign * o.QueueS
	m.QueueN += sign * o.QueueN
	m.RingS += sign * o.RingS
	m.RingN += sign * o.RingN
	m.TalkS += sign * o.TalkS
	m.TalkN += sign * o.TalkN
	m.HoldS += sign * o.HoldS
	m.HoldN += sign * o.HoldN
	m.TotalS += sign * o.TotalS
	m.TotalN += sign * o.TotalN
	m.SatN += sign * o.SatN
	m.SatSum += sign * o.SatSum
}

// IsZero reports whether every sum is 0 (a row that may be deleted).
func (m *KPIMeasures) IsZero() bool { return *m == KPIMeasures{} }

// Answered reports whether the record's disposition counts as answered.
func (d Disposition) Answered() bool {
	return d == DispositionAnswered || d == DispositionTransferred
}

// Wait returns a record's wait in whole seconds: from its queued_at (else
// its start) to its answer when answered, to its end when abandoned; false
// when it has none (another disposition, or the time is missing). A
// negative difference counts as 0.
func (r *Record) Wait() (int64, bool) {
	from := r.StartAt
	if r.QueuedAt != nil {
		from = *r.QueuedAt
	}
	var to *int64
	switch {
	case r.Disposition.Answered():
		to = r.AnswerAt
	case r.Disposition == DispositionAbandoned:
		to = r.EndAt
	}
	if to == nil {
		return 0, false
	}
	return max(*to-from, 0) / 1000, true
}

// CountKeyOf returns the record_counts row r counts in; false for a
// shadow, which counts nowhere.
func CountKeyOf(r *Record) (CountKey, bool) {
	if r.SameAs != "" {
		return CountKey{}, false
	}
	return CountKey{Bucket: BucketOf(r.StartAt), Channel: r.Channel, Source: r.Source, Direction: r.Direction}, true
}

// KPIOf returns the kpi_rollup row r counts in and what it adds there;
// false for a shadow.
func KPIOf(r *Record) (KPIKey, KPIMeasures, bool) {
	ck, ok := CountKeyOf(r)
	if !ok {
		return KPIKey{}, KPIMeasures{}, false
	}
	k := KPIKey{CountKey: ck, Disposition: r.Disposition}
	if len(r.Queues) > 0 {
		k.Queue = r.Queues[0].ID
		if k.Queue == "" {
			k.Queue = r.Queues[0].Name
		}
	}
	for _, a := range r.Agents {
		if a.Kind == "" || a.Kind == AgentHuman {
			k.Agent = firstOf(a.ID, a.Email, a.Name)
			break
		}
	}
	m := KPIMeasures{Contacts: 1}
	if w, ok := r.Wait(); ok {
		m.WaitS, m.WaitN = w, 1
		for i, th := range WaitThresholds {
			if w > th {
				continue
			}
			if r.Disposition.Answered() {
				m.AnsweredWithin[i] = 1
			} else {
				m.AbandonedWithin[i] = 1
			}
		}
	}
	sum := func(v *int64, s, n *int64) {
		if v != nil {
			*s, *n = *v, 1
		}
	}
	sum(r.QueueS, &m.QueueS, &m.QueueN)
	sum(r.RingS, &m.RingS, &m.RingN)
	sum(r.TalkS, &m.TalkS, &m.TalkN)
	sum(r.HoldS, &m.HoldS, &m.HoldN)
	sum(r.TotalS, &m.TotalS, &m.TotalN)
	if s := r.Satisfaction; s != nil && s.Score != nil && *s.Score >= 1 && *s.Score <= 5 {
		m.SatN, m.SatSum = 1, int64(*s.Score)
		m.SatScores[*s.Score-1] = 1
	}
	return k, m, true
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// RollupDelta accumulates what a batch of writes changes in both tables.
type RollupDelta struct {
	Counts map[CountKey]int64
	KPI    map[KPIKey]*KPIMeasures
}

// NewRollupDelta returns an empty delta.
func NewRollupDelta() *RollupDelta {
	return &RollupDelta{Counts: map[CountKey]int64{}, KPI: map[KPIKey]*KPIMeasures{}}
}

// Add counts r (a record written); Remove uncounts it (a record replaced
// or deleted). A shadow changes nothing.
func (d *RollupDelta) Add(r *Record)    { d.apply(r, 1) }
func (d *RollupDelta) Remove(r *Record) { d.apply(r, -1) }

func (d *RollupDelta) apply(r *Record, sign int64) {
	k, m, ok := KPIOf(r)
	if !ok {
		return
	}
	d.Counts[k.CountKey] += sign
	acc := d.KPI[k]
	if acc == nil {
		acc = &KPIMeasures{}
		d.KPI[k] = acc
	}
	acc.add(&m, sign)
}

// Compact drops the rows whose change is nil: those a batch added and
// removed again.
func (d *RollupDelta) Compact() {
	for k, n := range d.Counts {
		if n == 0 {
			delete(d.Counts, k)
		}
	}
	for k, m := range d.KPI {
		if m.IsZero() {
			delete(d.KPI, k)
		}
	}
}

// RollupDiff is what RebuildRollups found: rows missing, extra or
// different in each table.
type RollupDiff struct {
	CountRows int `json:"count_rows"`
	KPIRows   int `json:"kpi_rows"`
	DayRows   int `json:"day_rows"`
	// CountDayRows are record_days'.
	CountDayRows int `json:"count_day_rows"`
	// AgentDayRows are kpi_agent_daily's.
	AgentDayRows int `json:"agent_day_rows"`
}

// Total is the rows that differed in all tables.
func (d RollupDiff) Total() int {
	return d.CountRows + d.KPIRows + d.DayRows + d.CountDayRows + d.AgentDayRows
}

// RollupCheck is what every RebuildRollups of a database found
// (Rollups.RollupChecks).
type RollupCheck struct {
	// At is the time of the latest rebuild or dry run (ms), 0 when none.
	At int64
	// Found sums the rows they found differing, over every run and
	// tenant.
	Found RollupDiff
}

// KPISelect asks for kpi_rollup's sums per local unit of time and kept
// dimensions (Rollups.KPISums): the KPIs' read, summed by the database so
// that what it returns grows with the units and groups asked for, not
// with the rows read.
type KPISelect struct {
	// Segments are the window in pieces of one zone offset each, in
	// order, bucket-aligned: a bucket belongs to the unit
	// ⌊(bucket + Offset) / Unit⌋ of its segment (its local time's unit).
	Segments []KPISegment
	// Unit is the local unit rows are summed over, in ms: 15, 30 or 60
	// minutes, or a day.
	Unit int64
	// Keep names the key columns kept apart; the others are summed over
	// as KPIKey.Reduce says.
	Keep KPIDims
	// Skip names the measures not needed: 0 in every KPISum.
	Skip KPIMeasureSet
	// Filters: a row counts only if each non-empty list holds its value.
	Channels     []Channel
	Sources      []Source
	Directions   []Direction
	Dispositions []Disposition
	Queues       []string
	Agents       []string
	// DayStart and DayEnd (ms after local midnight, a multiple of the
	// bucket) keep only buckets whose local start lies in [DayStart,
	// DayEnd); both 0 keep all. Weekdays (bit d for ISO weekday d, 1–7)
	// keeps only buckets starting on those local days; 0 keeps all.
	DayStart, DayEnd int64
	Weekdays         uint8
}

// KPISegment is a piece [From, To) of a KPISelect's window (bucket
// starts, ms) where the zone's offset is Offset ms.
type KPISegment struct{ From, To, Offset int64 }

// Segments cuts [from, to) (bucket starts, ms) into the pieces of one
// offset of loc each, cut at the buckets where the offset changes (every
// zone changes offset on a 15-minute boundary; a bucket takes the offset
// in force at its start).
func Segments(loc *time.Location, from, to int64) []KPISegment {
	var out []KPISegment
	for from < to {
		t := time.UnixMilli(from).In(loc)
		_, off := t.Zone()
		end := to
		if _, zoneEnd := t.ZoneBounds(); !zoneEnd.IsZero() {
			// The first bucket starting at or after the change.
			if e := BucketOf(zoneEnd.UnixMilli() + RollupBucket - 1); e < end {
				end = e
			}
		}
		if end <= from {
			end = from + RollupBucket
		}
		out = append(out, KPISegment{From: from, To: end, Offset: int64(off) * 1000})
		from = end
	}
	return out
}

// KPIDims is a set of kpi_rollup key columns a KPISelect keeps apart.
type KPIDims uint8

const (
	KeepSource KPIDims = 1 << iota
	KeepQueue
	KeepAgent
	KeepChannel
	KeepDirection
	KeepDisposition
)

// Reduce returns k as KPISums returns the rows of a selection keeping
// keep: source, queue and agent not kept are "", and channel, direction
// and disposition not kept are reduced to what the KPI formulas tell
// apart, so that a query reads the fewest rows:
//   - channel to voice for outbound voice records, else "";
//   - direction to inbound or outbound, else "";
//   - disposition to answered (answered or transferred), abandoned, or "".
//
// Bucket is left as it is.
func (k KPIKey) Reduce(keep KPIDims) KPIKey {
	if keep&KeepSource == 0 {
		k.Source = ""
	}
	if keep&KeepQueue == 0 {
		k.Queue = ""
	}
	if keep&KeepAgent == 0 {
		k.Agent = ""
	}
	if keep&KeepChannel == 0 && (k.Channel != ChannelVoice || k.Direction != DirectionOutbound) {
		k.Channel = ""
	}
	if keep&KeepDirection == 0 && k.Direction != DirectionInbound && k.Direction != DirectionOutbound {
		k.Direction = ""
	}
	if keep&KeepDisposition == 0 {
		switch {
		case k.Disposition.Answered():
			k.Disposition = DispositionAnswered
		case k.Disposition != DispositionAbandoned:
			k.Disposition = ""
		}
	}
	return k
}

// KPISum is one row of Rollups.KPISums: a local unit (⌊(bucket +
// offset) / Unit⌋), the kept key columns and the sums. Key.Bucket is the
// earliest bucket of the unit's rows read, within the window: a kpi_rollup
// row's bucket, or the start of a day read from kpi_daily or
// kpi_agent_daily.
type KPISum struct {
	Unit int64
	Key  KPIKey
	M    KPIMeasures
}

// Rollups is the rollups side of a store. The tables themselves are kept
// by UpsertRecords and Pruner.Prune: record_counts always equals a count of
// the records; kpi_rollup equals a recomputation from the records except in
// the buckets that start before the tenant's pruned mark, where a prune
// keeps the pruned records' sums (so KPIs outlive raw records) and an
// upsert of a record starting there changes nothing (it may be a pruned
// record synced again).
type Rollups interface {
	// RebuildRollups recomputes t's rows of both tables from its records,
	// under the tenant's write lock, and returns the rows it found
	// missing, extra or different; with dryRun it changes nothing. The
	// kpi_rollup rows of buckets that start before t's pruned mark are
	// neither compared nor changed.
	// It adds what it found to RollupChecks.
	RebuildRollups(ctx context.Context, t TenantID, dryRun bool) (RollupDiff, error)
	// RollupChecks sums what every RebuildRollups of the database found,
	// for every tenant, dry runs included.
	RollupChecks(ctx context.Context) (RollupCheck, error)
	// DropPrunedStats deletes t's kpi_rollup rows of buckets that start
	// before its pruned mark, recomputes the bucket the mark falls in from
	// its records, and clears the mark (prune --keep-stats=false): kpi_rollup
	// then equals a recomputation again.
	DropPrunedStats(ctx context.Context, t TenantID) error
	// PrunedBefore returns t's pruned mark: the latest prune's cutoff (ms),
	// 0 when none. kpi_rollup keeps the pruned records' sums before it.
	PrunedBefore(ctx context.Context, t TenantID) (int64, error)
	// KPISums returns t's kpi_rollup sums as sel asks, in no order. It
	// reads kpi_daily for the whole local days of a segment where that
	// gives the same sums (no agent or disposition kept or filtered, no
	// business hours, units of a day or more, days kept at the segment's
	// offset), and kpi_agent_daily likewise where the selection keeps or
	// filters the agent but neither the queue nor the disposition.
	KPISums(ctx context.Context, t TenantID, sel *KPISelect) ([]KPISum, error)
	// SetDayOffsets sets the UTC offsets (ms) whose local days kpi_daily
	// and kpi_agent_daily keep for t (ZoneOffsets of its zone): rows of
	// offsets no longer wanted are deleted, those of new ones computed
	// from kpi_rollup, under t's write lock. At most MaxDayOffsets, each
	// a multiple of RollupBucket within ±MaxUTCOffset; none keeps no days.
	SetDayOffsets(ctx context.Context, t TenantID, offsets []int64) error
	// DayOffsets returns the offsets SetDayOffsets set for t, in order.
	DayOffsets(ctx context.Context, t TenantID) ([]int64, error)
	// CountRows and KPIRows return t's rows with bucket in [from, to), for
	// checks.
	CountRows(ctx context.Context, t TenantID, from, to int64) (map[CountKey]int64, error)
	KPIRows(ctx context.Context, t TenantID, from, to int64) (map[KPIKey]KPIMeasures, error)
	// DayRows returns t's kpi_daily rows with bucket (a local day's start)
	// in [from, to): DaySums of its kpi_rollup rows at its DayOffsets.
	DayRows(ctx context.Context, t TenantID, from, to int64) (map[KPIKey]KPIMeasures, error)
	// AgentDayRows returns t's kpi_agent_daily rows with bucket (a local
	// day's start) in [from, to): AgentDaySums of its kpi_rollup rows at
	// its DayOffsets.
	AgentDayRows(ctx context.Context, t TenantID, from, to int64) (map[KPIKey]KPIMeasures, error)
	// CountDayRows returns t's record_days rows with bucket (a UTC day's
	// start) in [from, to): CountDays of its record_counts rows.
	CountDayRows(ctx context.Context, t TenantID, from, to int64) (map[CountKey]int64, error)
}
