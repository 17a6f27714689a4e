package demo

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// Batch returns batch i of n records of a large synthetic data set for
// benchmarks: the demo records of a "now" that moves forward a day per
// batch, with source ids unique across batches and customer numbers drawn
// from a pool of 200,000, so that a million records look like a busy
// center's year rather than one small customer base.
func Batch(tenant string, i, n int) []*cdr.Record {
	return batch(tenant, i, n, Days)
}

// DayBatch is Batch with the records of one day only, the day before
// batch i's "now": batches arrive in time order, as a sync's windows and a
// PBX's live records do, where Batch's each reach back 89 days.
func DayBatch(tenant string, i, n int) []*cdr.Record {
	return batch(tenant, i, n, 1)
}

func batch(tenant string, i, n, days int) []*cdr.Record {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC).Add(time.Duration(i) * 24 * time.Hour)
	recs := records(tenant, now, n, days)
	rng := rand.New(rand.NewPCG(uint64(i), 7))
	for _, r := range recs {
		r.SourceID = fmt.Sprintf("b%05d-%s", i, r.SourceID)
		if r.Channel != cdr.ChannelVoice {
			continue
		}
		num := fmt.Sprintf("+86 1%d%09d", 3+rng.IntN(7), rng.IntN(200_000)*4999%1_000_000_000)
		switch {
		case r.Direction == cdr.DirectionInbound && len(r.Caller.Address) > 0 && r.Caller.Address[0] == '+':
			r.Caller.Address = num
		case r.Direction == cdr.DirectionOutbound && len(r.Callee.Address) > 0 && r.Callee.Address[0] == '+':
			r.Callee.Address = num
		}
	}
	return recs
}
