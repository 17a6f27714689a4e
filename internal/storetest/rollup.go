package storetest

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// Every bucket the rollup tests read.
const (
	allFrom = int64(-1 << 62)
	allTo   = int64(1 << 62)
)

// rollupModel is what the rollups of a tenant should hold: a
// recomputation from its records, except kpi_rollup's buckets before the
// pruned mark, which hold the sums they had when a prune passed them
// (frozen). The tests prune at bucket boundaries, so that a bucket is
// either wholly before the mark or wholly after it.
type rollupModel struct {
	mark   int64
	frozen map[cdr.KPIKey]cdr.KPIMeasures
}

// recomputeRollups counts t's records, shadows included, with cdr.KPIOf
// and cdr.CountKeyOf; kpi_rollup's rows from kpiFrom on.
func recomputeRollups(t *testing.T, s cdr.Store, tn cdr.TenantID, kpiFrom int64) (map[cdr.CountKey]int64, map[cdr.KPIKey]cdr.KPIMeasures) {
	t.Helper()
	recs, _, err := s.FindRecords(ctx, tn, cdr.Filter{IncludeShadows: true})
	if err != nil {
		t.Fatal(err)
	}
	counts := map[cdr.CountKey]int64{}
	kpis := map[cdr.KPIKey]cdr.KPIMeasures{}
	for _, r := range recs {
		ck, ok := cdr.CountKeyOf(r)
		k, m, ok2 := cdr.KPIOf(r)
		if ok != ok2 || ok && ck != k.CountKey {
			t.Fatalf("%s: CountKeyOf %v %v, KPIOf %v %v", r.ID, ck, ok, k, ok2)
		}
		if !ok {
			continue
		}
		counts[ck]++
		if k.Bucket >= kpiFrom {
			acc := kpis[k]
			acc.Add(&m)
			kpis[k] = acc
		}
	}
	return counts, kpis
}

// want returns the rows the model expects of t's rollups now.
func (m *rollupModel) want(t *testing.T, s cdr.Store, tn cdr.TenantID) (map[cdr.CountKey]int64, map[cdr.KPIKey]cdr.KPIMeasures) {
	counts, kpis := recomputeRollups(t, s, tn, m.mark)
	maps.Copy(kpis, m.frozen)
	return counts, kpis
}

// checkRollups compares t's rows with the model's.
func checkRollups(t *testing.T, s cdr.Store, ru cdr.Rollups, tn cdr.TenantID, m *rollupModel, step string) {
	t.Helper()
	wantCounts, wantKPI := m.want(t, s, tn)
	gotCounts, err := ru.CountRows(ctx, tn, allFrom, allTo)
	if err != nil {
		t.Fatal(err)
	}
	gotKPI, err := ru.KPIRows(ctx, tn, allFrom, allTo)
	if err != nil {
		t.Fatal(err)
	}
	for k, n := range wantCounts {
		if gotCounts[k] != n {
			t.Errorf("%s: record_counts %+v = %d, want %d", step, k, gotCounts[k], n)
		}
	}
	for k, n := range gotCounts {
		if _, ok := wantCounts[k]; !ok {
			t.Errorf("%s: extra record_counts row %+v = %d", step, k, n)
		}
	}
	for k, w := range wantKPI {
		if g, ok := gotKPI[k]; !ok || g != w {
			t.Errorf("%s: kpi_rollup %+v = %+v (present %v), want %+v", step, k, g, ok, w)
		}
	}
	for k, g := range gotKPI {
		if _, ok := wantKPI[k]; !ok {
			t.Errorf("%s: extra kpi_rollup row %+v = %+v", step, k, g)
		}
	}
	checkDayRows(t, ru, tn, gotKPI, step)
	gotDays, err := ru.CountDayRows(ctx, tn, allFrom, allTo)
	if err != nil {
		t.Fatal(err)
	}
	if want := cdr.CountDays(wantCounts); !maps.Equal(gotDays, want) {
		t.Errorf("%s: record_days %v, want %v", step, gotDays, want)
	}
	if mark, err := ru.PrunedBefore(ctx, tn); err != nil || mark != m.mark {
		t.Errorf("%s: pruned mark %d, %v; want %d", step, mark, err, m.mark)
	}
	if t.Failed() {
		t.FailNow()
	}
}

// rollupSeed is the seed of the random rollup tests: CDRHUB_TEST_SEED, else
// the clock, logged either way.
func rollupSeed(t *testing.T) uint64 {
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("CDRHUB_TEST_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("CDRHUB_TEST_SEED: %v", err)
		}
		seed = n
	}
	t.Logf("seed %d (CDRHUB_TEST_SEED reproduces a run)", seed)
	return seed
}

// rollupGen makes random records of a tenant around a bucket-aligned
// origin, over a few buckets, with every field the rollups read.
type rollupGen struct {
	rng    *rand.Rand
	tenant cdr.TenantID
	origin int64
}

func (g *rollupGen) pick(n int) int { return g.rng.IntN(n) }

func (g *rollupGen) opt(v int64) *int64 {
	if g.pick(4) == 0 {
		return nil
	}
	return &v
}

func (g *rollupGen) record(sourceID string, version int64) *cdr.Record {
	start := g.origin + g.rng.Int64N(8)*cdr.RollupBucket + g.rng.Int64N(cdr.RollupBucket)
	if g.pick(6) == 0 { // exactly on a boundary
		start = g.origin + g.rng.Int64N(8)*cdr.RollupBucket
	}
	return g.recordAt(sourceID, version, start)
}

func (g *rollupGen) recordAt(sourceID string, version, start int64) *cdr.Record {
	r := voice(sourceID, start)
	r.Version = version
	r.Channel = []cdr.Channel{cdr.ChannelVoice, cdr.ChannelRTC, cdr.ChannelChat}[g.pick(3)]
	r.Direction = []cdr.Direction{cdr.DirectionInbound, cdr.DirectionOutbound, cdr.DirectionInternal}[g.pick(3)]
	r.Disposition = []cdr.Disposition{cdr.DispositionAnswered, cdr.DispositionTransferred, cdr.DispositionAbandoned,
		cdr.DispositionNoAnswer, cdr.DispositionBusy}[g.pick(5)]
	switch g.pick(4) {
	case 0:
		r.Queues = []cdr.Queue{{ID: fmt.Sprint("q", g.pick(3)), Name: "Sales"}}
	case 1:
		r.Queues = []cdr.Queue{{Name: fmt.Sprint("Queue ", g.pick(2))}, {ID: "q9"}}
	}
	switch g.pick(4) {
	case 0:
		r.Agents = []cdr.Agent{{Kind: cdr.AgentAI, ID: "bot"}, {Kind: cdr.AgentHuman, ID: fmt.Sprint("a", g.pick(3))}}
	case 1:
		r.Agents = []cdr.Agent{{Kind: cdr.AgentHuman, Email: fmt.Sprint("e", g.pick(2), "@x.test")}}
	case 2:
		r.Agents = []cdr.Agent{{Kind: cdr.AgentAI, ID: "bot"}}
	}
	if g.pick(3) == 0 {
		q := start + g.rng.Int64N(5000)
		r.QueuedAt = &q
	}
	if g.pick(5) != 0 {
		a := start + g.rng.Int64N(150_000)
		r.AnswerAt = &a
		e := a + g.rng.Int64N(300_000)
		r.EndAt = &e
	}
	r.TalkS, r.TotalS, r.RingS = g.opt(g.rng.Int64N(600)), g.opt(g.rng.Int64N(900)), g.opt(g.rng.Int64N(40))
	r.QueueS, r.HoldS = g.opt(g.rng.Int64N(200)), g.opt(g.rng.Int64N(60))
	if g.pick(3) == 0 {
		score := 1 + g.pick(5)
		r.Satisfaction = &cdr.Satisfaction{Score: &score}
	}
	if g.pick(6) == 0 {
		r.SameAs = cdr.RecordID(g.tenant.String(), cdr.SourceNative, "origin")
	}
	return r
}

// testRollupsMaintained: over random sequences of upserts (new records,
// re-deliveries, replacements that move records between rows and
// buckets, shadows set and cleared, version bumps, stale versions, dry
// runs) in random batches, and prunes, both tables always equal a
// recomputation from the records, except kpi_rollup's buckets before
// the pruned mark, which keep the sums they had when pruned; the mark
// only moves forward; a dry rebuild finds nothing to do; DropPrunedStats
// makes kpi_rollup a recomputation again.
func testRollupsMaintained(t *testing.T, s cdr.Store, p cdr.Pruner, ru cdr.Rollups) {
	seed := rollupSeed(t)
	rng := rand.New(rand.NewPCG(seed, 7))
	g := &rollupGen{rng: rng, tenant: tenant, origin: cdr.BucketOf(base) + 4*cdr.RollupBucket}
	m := &rollupModel{frozen: map[cdr.KPIKey]cdr.KPIMeasures{}}
	sent := map[string]*cdr.Record{} // the last version sent of each source id, the stored one
	var ids []string
	next := 0
	write := func(recs []*cdr.Record, dry bool) {
		t.Helper()
		cp := make([]*cdr.Record, len(recs))
		for i, r := range recs {
			cp[i] = clone(r)
		}
		if _, err := s.UpsertRecords(ctx, tenant, cp, cdr.UpsertOptions{Now: base + 1, DryRun: dry}); err != nil {
			t.Fatalf("UpsertRecords: %v", err)
		}
	}
	// kpi_daily keeps the days of offsets with a midnight among the
	// buckets written: one from the start, another from step 30 on.
	midnightAt := func(b int64) int64 {
		o := ((-b)%cdr.RollupDay + cdr.RollupDay) % cdr.RollupDay
		if o > cdr.RollupDay/2 {
			o -= cdr.RollupDay
		}
		return o
	}
	if err := ru.SetDayOffsets(ctx, tenant, []int64{midnightAt(g.origin + 3*cdr.RollupBucket)}); err != nil {
		t.Fatal(err)
	}
	for step := range 60 {
		if step == 30 {
			offs := []int64{midnightAt(g.origin + 6*cdr.RollupBucket), midnightAt(g.origin + 3*cdr.RollupBucket)}
			if err := ru.SetDayOffsets(ctx, tenant, offs); err != nil {
				t.Fatal(err)
			}
			if got, err := ru.DayOffsets(ctx, tenant); err != nil || len(got) != 2 {
				t.Fatalf("DayOffsets %v, %v; want %v", got, err, offs)
			}
		}
		op := rng.IntN(10)
		switch {
		case op < 7 || len(ids) == 0: // a batch of writes
			var batch []*cdr.Record
			size := 1 + rng.IntN(40)
			if rng.IntN(12) == 0 { // more rows than one statement of a store may take
				size = 1200
			}
			for range size {
				k := rng.IntN(6)
				if k == 0 || len(ids) == 0 {
					id := fmt.Sprint("r", next)
					next++
					ids = append(ids, id)
					r := g.record(id, 1+rng.Int64N(3))
					sent[id] = r
					batch = append(batch, r)
					continue
				}
				id := ids[rng.IntN(len(ids))]
				last := sent[id]
				switch k {
				case 1: // re-delivery
					batch = append(batch, clone(last))
				case 2: // version bump, same content
					c := clone(last)
					c.Version += 1 + rng.Int64N(2)
					sent[id] = c
					batch = append(batch, c)
				case 3: // stale version with other content
					c := g.record(id, last.Version-1)
					if c.Version < 0 {
						c.Version = 0
					}
					if c.Version == last.Version {
						c = clone(last)
					}
					batch = append(batch, c)
				default: // replacement
					c := g.record(id, last.Version+1+rng.Int64N(3))
					if rng.IntN(3) == 0 { // keep the start, change the rest
						c = g.recordAt(id, c.Version, last.StartAt)
					}
					sent[id] = c
					batch = append(batch, c)
				}
			}
			if rng.IntN(8) == 0 {
				before, _ := ru.CountRows(ctx, tenant, allFrom, allTo)
				write(batch, true)
				after, _ := ru.CountRows(ctx, tenant, allFrom, allTo)
				if !maps.Equal(before, after) {
					t.Fatalf("step %d: a dry run changed record_counts", step)
				}
				// The model's sent versions stand for stored ones: write
				// the batch for real too.
			}
			write(batch, false)
			checkRollups(t, s, ru, tenant, m, fmt.Sprintf("step %d (write %d)", step, len(batch)))
		case op < 9: // a prune at a bucket boundary, forward or not
			before := g.origin + (rng.Int64N(10)-1)*cdr.RollupBucket
			if before > m.mark {
				// The buckets it passes keep what they hold now, which
				// the last check proved to be a recomputation.
				_, kpis := recomputeRollups(t, s, tenant, m.mark)
				for k, v := range kpis {
					if k.Bucket < before {
						m.frozen[k] = v
					}
				}
				m.mark = before
			}
			if _, err := p.Prune(ctx, tenant, before); err != nil {
				t.Fatal(err)
			}
			checkRollups(t, s, ru, tenant, m, fmt.Sprintf("step %d (prune %d)", step, before))
		default: // rebuild, dry and not, and sometimes drop the pruned stats
			for _, dry := range []bool{true, false} {
				diff, err := ru.RebuildRollups(ctx, tenant, dry)
				if err != nil || diff != (cdr.RollupDiff{}) {
					t.Fatalf("step %d: RebuildRollups(dry %v): %+v, %v", step, dry, diff, err)
				}
			}
			if rng.IntN(2) == 0 {
				if err := ru.DropPrunedStats(ctx, tenant); err != nil {
					t.Fatal(err)
				}
				m.mark, m.frozen = 0, map[cdr.KPIKey]cdr.KPIMeasures{}
			}
			checkRollups(t, s, ru, tenant, m, fmt.Sprintf("step %d (rebuild)", step))
		}
	}
	// Prune with a mark, drop the pruned stats: kpi_rollup is a
	// recomputation, which a rebuild confirms.
	if _, err := p.Prune(ctx, tenant, g.origin+3*cdr.RollupBucket); err != nil {
		t.Fatal(err)
	}
	if mark, err := ru.PrunedBefore(ctx, tenant); err != nil || mark < g.origin+3*cdr.RollupBucket {
		t.Fatalf("pruned mark %d, %v", mark, err)
	}
	if err := ru.DropPrunedStats(ctx, tenant); err != nil {
		t.Fatal(err)
	}
	m.mark, m.frozen = 0, map[cdr.KPIKey]cdr.KPIMeasures{}
	checkRollups(t, s, ru, tenant, m, "after DropPrunedStats")
	if diff, err := ru.RebuildRollups(ctx, tenant, true); err != nil || diff != (cdr.RollupDiff{}) {
		t.Fatalf("RebuildRollups after DropPrunedStats: %+v, %v", diff, err)
	}
}

// testRollupsPrunedMark: a prune keeps the pruned records' kpi sums and
// sets the mark; a record written again before the mark counts in
// record_counts only; a replacement that moves a record from after the
// mark to before it leaves its old kpi row; a prune with an earlier
// cutoff leaves the mark; DropPrunedStats, with a mark inside a bucket,
// recomputes that bucket and those before it from the records.
func testRollupsPrunedMark(t *testing.T, s cdr.Store, p cdr.Pruner, ru cdr.Rollups) {
	b0 := cdr.BucketOf(base) + 10*cdr.RollupBucket
	rec := func(id string, start int64, version int64) *cdr.Record {
		r := voice(id, start)
		r.Version, r.Disposition = version, cdr.DispositionAnswered
		a, e := start+5000, start+65000
		r.AnswerAt, r.EndAt = &a, &e
		return r
	}
	a, b, c := rec("a", b0+1000, 1), rec("b", b0+cdr.RollupBucket+1000, 1), rec("c", b0+2*cdr.RollupBucket+1000, 1)
	upsert(t, s, tenant, a, b, c)
	kpiBefore, err := ru.KPIRows(ctx, tenant, allFrom, allTo)
	if err != nil || len(kpiBefore) != 3 {
		t.Fatalf("kpi rows %v, %v", kpiBefore, err)
	}
	mark := b0 + cdr.RollupBucket + 500 // inside b's bucket, before b
	if n, err := p.Prune(ctx, tenant, mark); err != nil || n != 1 {
		t.Fatalf("pruned %d, %v", n, err)
	}
	if got, _ := ru.PrunedBefore(ctx, tenant); got != mark {
		t.Fatalf("mark %d, want %d", got, mark)
	}
	counts, _ := ru.CountRows(ctx, tenant, allFrom, allTo)
	if len(counts) != 2 {
		t.Errorf("record_counts after the prune: %v", counts)
	}
	kpi, _ := ru.KPIRows(ctx, tenant, allFrom, allTo)
	if !maps.Equal(kpi, kpiBefore) {
		t.Errorf("kpi_rollup changed by the prune:\n%v\nwant %v", kpi, kpiBefore)
	}
	// a synced again: counted, but not in kpi_rollup.
	upsert(t, s, tenant, a)
	counts, _ = ru.CountRows(ctx, tenant, allFrom, allTo)
	if len(counts) != 3 {
		t.Errorf("record_counts after writing a again: %v", counts)
	}
	if kpi, _ = ru.KPIRows(ctx, tenant, allFrom, allTo); !maps.Equal(kpi, kpiBefore) {
		t.Errorf("kpi_rollup changed by a record before the mark")
	}
	// c moves before the mark: its row loses it, the pruned bucket does
	// not gain it.
	c2 := rec("c", b0+2000, 2)
	c2.Note = "moved"
	upsert(t, s, tenant, c2)
	kpi, _ = ru.KPIRows(ctx, tenant, allFrom, allTo)
	ck, _, _ := cdr.KPIOf(c)
	if _, ok := kpi[ck]; ok || len(kpi) != 2 {
		t.Errorf("kpi_rollup after moving c before the mark: %v", kpi)
	}
	// An earlier prune leaves the mark.
	if _, err := p.Prune(ctx, tenant, b0); err != nil {
		t.Fatal(err)
	}
	if got, _ := ru.PrunedBefore(ctx, tenant); got != mark {
		t.Errorf("mark %d after an earlier prune, want %d", got, mark)
	}
	if diff, err := ru.RebuildRollups(ctx, tenant, true); err != nil || diff != (cdr.RollupDiff{}) {
		t.Errorf("dry rebuild with a mark: %+v, %v", diff, err)
	}
	if err := ru.DropPrunedStats(ctx, tenant); err != nil {
		t.Fatal(err)
	}
	if got, _ := ru.PrunedBefore(ctx, tenant); got != 0 {
		t.Errorf("mark %d after DropPrunedStats", got)
	}
	wantCounts, wantKPI := recomputeRollups(t, s, tenant, allFrom)
	counts, _ = ru.CountRows(ctx, tenant, allFrom, allTo)
	kpi, _ = ru.KPIRows(ctx, tenant, allFrom, allTo)
	if !maps.Equal(counts, wantCounts) || !maps.Equal(kpi, wantKPI) {
		t.Errorf("after DropPrunedStats:\ncounts %v\nwant   %v\nkpi %v\nwant %v", counts, wantCounts, kpi, wantKPI)
	}
	checks, err := ru.RollupChecks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff, err := ru.RebuildRollups(ctx, tenant, false); err != nil || diff != (cdr.RollupDiff{}) {
		t.Errorf("rebuild after DropPrunedStats: %+v, %v", diff, err)
	}
	// The rebuild is on record, and found nothing to add.
	if got, err := ru.RollupChecks(ctx); err != nil || got.At == 0 || got.At < checks.At || got.Found != checks.Found {
		t.Errorf("RollupChecks %+v, %v after a rebuild that found nothing; before it %+v", got, err, checks)
	}
	// Rows in [from, to) only.
	if rows, _ := ru.CountRows(ctx, tenant, b0+cdr.RollupBucket, b0+2*cdr.RollupBucket); len(rows) != 1 {
		t.Errorf("CountRows of one bucket: %v", rows)
	}
	if rows, _ := ru.KPIRows(ctx, tenant, b0, b0+cdr.RollupBucket); len(rows) != 1 {
		t.Errorf("KPIRows of one bucket: %v", rows)
	}
}

// testRollupsIsolation: another tenant's writes, prunes, rebuilds and
// drops never change a tenant's rows or mark.
func testRollupsIsolation(t *testing.T, s cdr.Store, p cdr.Pruner, ru cdr.Rollups) {
	rng := rand.New(rand.NewPCG(3, 4))
	mine := &rollupGen{rng: rng, tenant: tenant, origin: cdr.BucketOf(base)}
	theirs := &rollupGen{rng: rng, tenant: other, origin: cdr.BucketOf(base)}
	var recs, others []*cdr.Record
	for i := range 60 {
		recs = append(recs, mine.record(fmt.Sprint("i", i), 1))
		others = append(others, theirs.record(fmt.Sprint("i", i), 1))
	}
	upsert(t, s, tenant, recs...)
	if _, err := p.Prune(ctx, tenant, mine.origin+2*cdr.RollupBucket); err != nil {
		t.Fatal(err)
	}
	counts, _ := ru.CountRows(ctx, tenant, allFrom, allTo)
	kpi, _ := ru.KPIRows(ctx, tenant, allFrom, allTo)
	mark, _ := ru.PrunedBefore(ctx, tenant)
	upsert(t, s, other, others...)
	for i := range others {
		others[i] = theirs.record(fmt.Sprint("i", i), 2)
	}
	upsert(t, s, other, others...)
	if _, err := p.Prune(ctx, other, theirs.origin+5*cdr.RollupBucket); err != nil {
		t.Fatal(err)
	}
	if _, err := ru.RebuildRollups(ctx, other, false); err != nil {
		t.Fatal(err)
	}
	if err := ru.DropPrunedStats(ctx, other); err != nil {
		t.Fatal(err)
	}
	counts2, _ := ru.CountRows(ctx, tenant, allFrom, allTo)
	kpi2, _ := ru.KPIRows(ctx, tenant, allFrom, allTo)
	mark2, _ := ru.PrunedBefore(ctx, tenant)
	if !maps.Equal(counts, counts2) || !maps.Equal(kpi, kpi2) || mark != mark2 || len(counts) == 0 {
		t.Errorf("another tenant's writes changed ours: %d→%d count rows, %d→%d kpi rows, mark %d→%d",
			len(counts), len(counts2), len(kpi), len(kpi2), mark, mark2)
	}
	if mark, _ := ru.PrunedBefore(ctx, other); mark != 0 {
		t.Errorf("other's mark %d after DropPrunedStats", mark)
	}
	if diff, err := ru.RebuildRollups(ctx, tenant, true); err != nil || diff != (cdr.RollupDiff{}) {
		t.Errorf("our dry rebuild: %+v, %v", diff, err)
	}
}

// testRollupsZeroTenant: every method refuses the zero tenant.
func testRollupsZeroTenant(t *testing.T, ru cdr.Rollups) {
	var z cdr.TenantID
	if _, err := ru.RebuildRollups(ctx, z, true); err == nil {
		t.Error("RebuildRollups")
	}
	if err := ru.DropPrunedStats(ctx, z); err == nil {
		t.Error("DropPrunedStats")
	}
	if _, err := ru.PrunedBefore(ctx, z); err == nil {
		t.Error("PrunedBefore")
	}
	if _, err := ru.CountRows(ctx, z, allFrom, allTo); err == nil {
		t.Error("CountRows")
	}
	if _, err := ru.KPIRows(ctx, z, allFrom, allTo); err == nil {
		t.Error("KPIRows")
	}
}

// testKPISums: KPISums equals a fold of KPIRows done here, bucket by
// bucket with the zone's offset at each bucket, for random selections over
// records spread across days with DST changes, in zones with whole-hour,
// half-hour and 45-minute offsets, and for selections by agent over whole
// local days of the offsets kept (which kpi_agent_daily serves).
func testKPISums(t *testing.T, s cdr.Store, ru cdr.Rollups) {
	seed := rollupSeed(t)
	rng := rand.New(rand.NewPCG(seed, 11))
	// 2026-03-06 to 2026-03-12 UTC: New York changes offset on 03-08,
	// Lord Howe keeps its summer time, Kathmandu is +5:45.
	origin := time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC).UnixMilli()
	span := int64(6 * 24 * time.Hour / time.Millisecond)
	// kpi_daily keeps New York's days as the records arrive, and
	// Kathmandu's and UTC's from the rows once they are in: KPISums reads
	// it wherever it can, and must give the same sums.
	const hour = int64(time.Hour / time.Millisecond)
	if err := ru.SetDayOffsets(ctx, tenant, []int64{-5 * hour, -4 * hour}); err != nil {
		t.Fatal(err)
	}
	spreadRecords(t, s, rng, "k", 500, origin, span)
	if err := ru.SetDayOffsets(ctx, tenant, []int64{-5 * hour, -4 * hour, 5*hour + 45*60*1000, 0}); err != nil {
		t.Fatal(err)
	}
	rows, err := ru.KPIRows(ctx, tenant, allFrom, allTo)
	if err != nil {
		t.Fatal(err)
	}
	checkDayRows(t, ru, tenant, rows, "KPISums")
	zones := []string{"UTC", "America/New_York", "Asia/Kathmandu", "Australia/Lord_Howe", "Asia/Kolkata"}
	units := []int64{cdr.RollupBucket, 2 * cdr.RollupBucket, 4 * cdr.RollupBucket, cdr.RollupDay, cdr.RollupDay, 7 * cdr.RollupDay}
	type key struct {
		unit int64
		key  cdr.KPIKey
	}
	// check compares KPISums of sel, over [from, to) in loc, with the
	// fold, and reports whether it held rows.
	check := func(i int, loc *time.Location, sel *cdr.KPISelect, from, to int64) bool {
		t.Helper()
		want := map[key]cdr.KPISum{}
		for k, m := range rows {
			if k.Bucket < from || k.Bucket >= to || !kpiSelected(sel, k) {
				continue
			}
			local := time.UnixMilli(k.Bucket).In(loc)
			var off int64
			for _, seg := range sel.Segments {
				if k.Bucket >= seg.From && k.Bucket < seg.To {
					off = seg.Offset
				}
			}
			tod := int64(local.Hour()*3600+local.Minute()*60) * 1000
			if (sel.DayStart != 0 || sel.DayEnd != 0) && (tod < sel.DayStart || tod >= sel.DayEnd) {
				continue
			}
			if wd := (int(local.Weekday())+6)%7 + 1; sel.Weekdays != 0 && sel.Weekdays&(1<<wd) == 0 {
				continue
			}
			kk := k.Reduce(sel.Keep)
			kk.Bucket = 0
			u := key{(k.Bucket + off) / sel.Unit, kk}
			w, ok := want[u]
			if !ok || k.Bucket < w.Key.Bucket {
				w.Key = kk
				w.Key.Bucket = k.Bucket
			}
			w.Unit = u.unit
			m.Clear(sel.Skip)
			w.M.Add(&m)
			want[u] = w
		}
		got, err := ru.KPISums(ctx, tenant, sel)
		if err != nil {
			t.Fatalf("select %d: %v", i, err)
		}
		gotMap := map[key]cdr.KPISum{}
		for _, r := range got {
			kk := r.Key
			kk.Bucket = 0
			if _, dup := gotMap[key{r.Unit, kk}]; dup {
				t.Fatalf("select %d: unit %d key %+v twice", i, r.Unit, kk)
			}
			// Key.Bucket is a bucket of the unit within the window, at or
			// before the first row's (a day read from kpi_daily or
			// kpi_agent_daily starts at its midnight).
			w := want[key{r.Unit, kk}]
			if b := r.Key.Bucket; b < from || b >= to || b > w.Key.Bucket || unitOf(sel, b) != r.Unit {
				t.Fatalf("select %d (seed %d, %s, %+v): unit %d key %+v at bucket %d, first row's %d", i, seed, loc, *sel, r.Unit, kk, b, w.Key.Bucket)
			}
			r.Key.Bucket = w.Key.Bucket
			gotMap[key{r.Unit, kk}] = r
		}
		if !maps.Equal(gotMap, want) {
			t.Fatalf("select %d (seed %d, %s, %+v): %d sums, want %d", i, seed, loc, *sel, len(gotMap), len(want))
		}
		return len(want) > 0
	}
	nonEmpty := 0
	for i := range 40 {
		loc, err := time.LoadLocation(zones[rng.IntN(len(zones))])
		if err != nil {
			t.Fatal(err)
		}
		from := cdr.BucketOf(origin + rng.Int64N(span/2))
		to := from + (1+rng.Int64N(span/cdr.RollupBucket))*cdr.RollupBucket
		sel := &cdr.KPISelect{Segments: cdr.Segments(loc, from, to), Unit: units[rng.IntN(len(units))], Keep: cdr.KPIDims(rng.IntN(64))}
		if rng.IntN(3) == 0 {
			sel.Skip = cdr.KPIMeasureSet(rng.Uint32()) & (1<<cdr.KPIMeasureCount - 1)
		}
		if rng.IntN(3) == 0 {
			sel.Directions = []cdr.Direction{cdr.DirectionInbound}
		}
		if rng.IntN(4) == 0 {
			sel.Queues = []string{"q0", "q9"}
		}
		if rng.IntN(4) == 0 {
			sel.Dispositions = []cdr.Disposition{cdr.DispositionAnswered, cdr.DispositionAbandoned}
		}
		if rng.IntN(4) == 0 {
			sel.Agents = []string{"a0", "e1@x.test"}
		}
		if rng.IntN(3) == 0 {
			sel.DayStart = rng.Int64N(48) * cdr.RollupBucket
			sel.DayEnd = sel.DayStart + (1+rng.Int64N(40))*cdr.RollupBucket
		}
		if rng.IntN(3) == 0 {
			sel.Weekdays = uint8(rng.IntN(256)) &^ 1
		}
		if sel.DayStart == 0 && sel.DayEnd == 0 && sel.Weekdays == 0 && rng.IntN(4) == 0 {
			// A total, as analytics asks it: one unit as long as the
			// window, in one segment of offset 0.
			sel.Segments, sel.Unit = []cdr.KPISegment{{From: from, To: to}}, to-from
		}
		if check(i, loc, sel, from, to) {
			nonEmpty++
		}
	}
	if nonEmpty < 20 {
		t.Errorf("only %d of 40 selections held rows", nonEmpty)
	}
	// By agent, over whole local days of offsets whose days are kept:
	// each day of [from, to) from kpi_agent_daily, the edges by bucket.
	ny, _ := time.LoadLocation("America/New_York")
	ktm, _ := time.LoadLocation("Asia/Kathmandu")
	nyFrom := time.Date(2026, 3, 7, 0, 0, 0, 0, ny).UnixMilli() // across the change of 03-08
	nyTo := time.Date(2026, 3, 11, 0, 0, 0, 0, ny).UnixMilli()
	ktmFrom := time.Date(2026, 3, 7, 0, 0, 0, 0, ktm).UnixMilli()
	ktmTo := time.Date(2026, 3, 10, 0, 0, 0, 0, ktm).UnixMilli()
	for i, c := range []struct {
		loc      *time.Location
		from, to int64
		sel      cdr.KPISelect
	}{
		{ny, nyFrom, nyTo, cdr.KPISelect{Unit: cdr.RollupDay, Keep: cdr.KeepAgent}},
		{ny, nyFrom - 3*cdr.RollupBucket, nyTo + 5*cdr.RollupBucket, cdr.KPISelect{Unit: cdr.RollupDay,
			Keep: cdr.KeepAgent | cdr.KeepChannel | cdr.KeepDirection | cdr.KeepSource, Skip: cdr.MeasureRing}},
		{ny, nyFrom, nyTo, cdr.KPISelect{Unit: 7 * cdr.RollupDay, Keep: cdr.KeepAgent, Directions: []cdr.Direction{cdr.DirectionInbound}}},
		{ktm, ktmFrom, ktmTo, cdr.KPISelect{Unit: cdr.RollupDay, Agents: []string{"a0", "e1@x.test", ""}}},
		{ktm, ktmFrom, ktmTo, cdr.KPISelect{Unit: cdr.RollupDay, Keep: cdr.KeepAgent, Agents: []string{"a1"}, Weekdays: 1<<6 | 1<<7}},
		// A total per agent, as the console's agents' table asks it.
		{time.UTC, ktmFrom, ktmTo, cdr.KPISelect{Segments: []cdr.KPISegment{{From: ktmFrom, To: ktmTo}}, Unit: ktmTo - ktmFrom, Keep: cdr.KeepAgent}},
	} {
		sel := c.sel
		if sel.Segments == nil {
			sel.Segments = cdr.Segments(c.loc, c.from, c.to)
		}
		if !check(100+i, c.loc, &sel, c.from, c.to) {
			t.Errorf("select %d by agent held no rows", 100+i)
		}
	}
	if _, err := ru.KPISums(ctx, tenant, &cdr.KPISelect{Unit: 1000}); cdr.ErrorCode(err) != cdr.EINVALID {
		t.Errorf("a unit of a second: %v", err)
	}
	if _, err := ru.KPISums(ctx, cdr.TenantID{}, &cdr.KPISelect{Unit: cdr.RollupBucket}); err == nil {
		t.Error("KPISums without a tenant")
	}
}

// unitOf returns the unit of sel that bucket b falls in.
func unitOf(sel *cdr.KPISelect, b int64) int64 {
	for _, seg := range sel.Segments {
		if b >= seg.From && b < seg.To {
			return (b + seg.Offset) / sel.Unit
		}
	}
	return -1
}

// checkDayRows checks that t's kpi_daily is cdr.DaySums of its kpi_rollup
// rows kpi at its offsets, and its kpi_agent_daily cdr.AgentDaySums.
func checkDayRows(t *testing.T, ru cdr.Rollups, tn cdr.TenantID, kpi map[cdr.KPIKey]cdr.KPIMeasures, step string) {
	t.Helper()
	offs, err := ru.DayOffsets(ctx, tn)
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range []struct {
		name string
		rows func(context.Context, cdr.TenantID, int64, int64) (map[cdr.KPIKey]cdr.KPIMeasures, error)
		sums func(map[cdr.KPIKey]cdr.KPIMeasures, []int64) map[cdr.KPIKey]cdr.KPIMeasures
	}{
		{"kpi_daily", ru.DayRows, cdr.DaySums},
		{"kpi_agent_daily", ru.AgentDayRows, cdr.AgentDaySums},
	} {
		got, err := table.rows(ctx, tn, allFrom, allTo)
		if err != nil {
			t.Fatal(err)
		}
		want := table.sums(kpi, offs)
		for k, w := range want {
			if g, ok := got[k]; !ok || g != w {
				t.Errorf("%s: %s %+v = %+v (present %v), want %+v", step, table.name, k, g, ok, w)
			}
		}
		for k, g := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("%s: extra %s row %+v = %+v", step, table.name, k, g)
			}
		}
		if len(offs) > 0 && len(kpi) > 0 && len(got) == 0 {
			t.Errorf("%s: %s is empty at offsets %v", step, table.name, offs)
		}
	}
}

// kpiSelected reports whether row k passes sel's filters.
func kpiSelected(sel *cdr.KPISelect, k cdr.KPIKey) bool {
	return inOrAll(sel.Channels, k.Channel) && inOrAll(sel.Sources, k.Source) && inOrAll(sel.Directions, k.Direction) &&
		inOrAll(sel.Dispositions, k.Disposition) && inOrAll(sel.Queues, k.Queue) && inOrAll(sel.Agents, k.Agent)
}

func inOrAll[T comparable](list []T, v T) bool {
	if len(list) == 0 {
		return true
	}
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// spreadRecords writes n random records of tenant (rollupGen), source ids
// prefix0…, starting at random in [origin, origin+span).
func spreadRecords(t *testing.T, s cdr.Store, rng *rand.Rand, prefix string, n int, origin, span int64) {
	t.Helper()
	g := &rollupGen{rng: rng, tenant: tenant, origin: origin}
	recs := make([]*cdr.Record, n)
	for i := range recs {
		recs[i] = g.recordAt(fmt.Sprint(prefix, i), 1, origin+rng.Int64N(span))
	}
	if _, err := s.UpsertRecords(ctx, tenant, recs, cdr.UpsertOptions{Now: base + 1}); err != nil {
		t.Fatal(err)
	}
}
