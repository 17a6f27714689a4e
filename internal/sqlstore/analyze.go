package sqlstore

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// analyzeMin is the fewest new records since the last ANALYZE that start
// another.
var analyzeMin int64 = 10_000

// statsKeeper runs ANALYZE on records whenever this process has inserted
// as many records as the table held at the last one (and at least
// analyzeMin): about seven times over a load from empty to a million
// records. Autovacuum analyzes too, but up to a minute late and with the
// table already grown by then: a freshly loaded table that was never
// analyzed had its newest-first page planned as a sort of all 300,000
// records (0.5 s instead of 1 ms).
type statsKeeper struct {
	pool    *pgxpool.Pool
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	base    atomic.Int64 // records at the last ANALYZE
	pending atomic.Int64 // records inserted since
	running atomic.Bool
}

func (k *statsKeeper) start(ctx context.Context, pool *pgxpool.Pool) {
	k.pool = pool
	k.ctx, k.cancel = context.WithCancel(context.WithoutCancel(ctx))
	var n float64
	if err := pool.QueryRow(ctx, `SELECT reltuples FROM pg_class WHERE oid = 'records'::regclass`).Scan(&n); err == nil && n > 0 {
		k.base.Store(int64(n))
	}
}

// inserted counts n new records and starts an ANALYZE in the background
// when they are enough.
func (k *statsKeeper) inserted(n int) {
	if k.pool == nil || n == 0 {
		return
	}
	p := k.pending.Add(int64(n))
	if p < max(analyzeMin, k.base.Load()) || !k.running.CompareAndSwap(false, true) {
		return
	}
	k.wg.Add(1)
	go func() {
		defer k.wg.Done()
		defer k.running.Store(false)
		ctx, cancel := context.WithTimeout(k.ctx, 10*time.Minute)
		defer cancel()
		start := time.Now()
		if _, err := k.pool.Exec(ctx, `ANALYZE records`); err != nil {
			if k.ctx.Err() == nil {
				slog.Warn("analyze records", "err", err)
			}
			return
		}
		k.base.Add(k.pending.Swap(0))
		slog.Debug("analyzed records", "records", k.base.Load(), "duration", time.Since(start))
	}()
}

// stop cancels a running ANALYZE and waits for it.
func (k *statsKeeper) stop() {
	if k.cancel != nil {
		k.cancel()
	}
	k.wg.Wait()
}
