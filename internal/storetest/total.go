package storetest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// testTotals: a count (Filter.Count) equals a plain count of the matching
// records, for windows with partial 15-minute buckets at both ends, open
// ends, windows inside one bucket, and every combination of the filters
// the rollups answer; also after replacements that move records between
// buckets and after a prune; shadows never count; another tenant's
// records never count.
func testTotals(t *testing.T, s cdr.Store, p cdr.Pruner) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	channels := []cdr.Channel{cdr.ChannelVoice, cdr.ChannelRTC, cdr.ChannelChat}
	sources := []cdr.Source{cdr.SourceNative, cdr.SourceTencentCCC, cdr.SourceLaaffic, cdr.SourceTRTCCallKit, cdr.SourceTencentDesk}
	// The sources each channel may come from, the first native.
	from := map[cdr.Channel][]cdr.Source{
		cdr.ChannelVoice: {cdr.SourceNative, cdr.SourceTencentCCC, cdr.SourceLaaffic},
		cdr.ChannelRTC:   {cdr.SourceNative, cdr.SourceTRTCCallKit},
		cdr.ChannelChat:  {cdr.SourceNative, cdr.SourceTencentDesk},
	}
	dirs := []cdr.Direction{cdr.DirectionInbound, cdr.DirectionOutbound}
	const span = 3 * 24 * 3600 * 1000 // three days
	gen := func(i int, version int64) *cdr.Record {
		r := voice(fmt.Sprint("t", i), base+rng.Int64N(span))
		r.Channel, r.Direction = channels[rng.IntN(3)], dirs[rng.IntN(2)]
		r.Source = from[r.Channel][rng.IntN(len(from[r.Channel]))]
		r.Version = version
		if i%17 == 5 {
			r.SameAs = cdr.RecordID(tenant.String(), cdr.SourceNative, "t0")
		}
		return r
	}
	write := func(tn cdr.TenantID, recs []*cdr.Record) {
		for b := range slices.Chunk(recs, 97) {
			cp := make([]*cdr.Record, len(b))
			for i, r := range b {
				cp[i] = clone(r)
			}
			if _, err := s.UpsertRecords(ctx, tn, cp, cdr.UpsertOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	var recs []*cdr.Record
	for i := range 600 {
		recs = append(recs, gen(i, 1))
	}
	write(tenant, recs)
	write(other, recs[:300]) // same ids and times, another tenant

	check := func(stage string) {
		t.Helper()
		all, _, err := s.FindRecords(ctx, tenant, cdr.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		for range 60 {
			f := cdr.Filter{Count: true, Limit: 1}
			switch rng.IntN(5) {
			case 0: // open at the start
				f.To = base + rng.Int64N(span)
			case 1: // open at the end
				f.From = base + rng.Int64N(span)
			case 2: // inside one bucket
				f.From = cdr.BucketOf(base+rng.Int64N(span)) + 1
				f.To = f.From + rng.Int64N(cdr.RollupBucket-1)
			case 3: // aligned on buckets
				f.From = cdr.BucketOf(base + rng.Int64N(span/2))
				f.To = cdr.BucketOf(f.From + rng.Int64N(span/2) + cdr.RollupBucket)
			default: // partial edges at both ends
				f.From = base + rng.Int64N(span/2)
				f.To = f.From + rng.Int64N(span/2)
			}
			if rng.IntN(2) == 0 {
				f.Channels = []cdr.Channel{channels[rng.IntN(3)]}
			}
			if rng.IntN(2) == 0 {
				f.Sources = []cdr.Source{sources[rng.IntN(5)], sources[rng.IntN(5)]}
			}
			if rng.IntN(2) == 0 {
				f.Directions = []cdr.Direction{dirs[rng.IntN(2)]}
			}
			want := 0
			for _, r := range all {
				if (f.From == 0 || r.StartAt >= f.From) && (f.To == 0 || r.StartAt < f.To) &&
					(len(f.Channels) == 0 || slices.Contains(f.Channels, r.Channel)) &&
					(len(f.Sources) == 0 || slices.Contains(f.Sources, r.Source)) &&
					(len(f.Directions) == 0 || slices.Contains(f.Directions, r.Direction)) {
					want++
				}
			}
			_, got, err := s.FindRecords(ctx, tenant, f)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Fatalf("%s: count of [%d, %d) %v %v %v = %d, want %d", stage, f.From, f.To, f.Channels, f.Sources, f.Directions, got, want)
			}
		}
	}
	check("after inserts")
	// Replacements: new versions move records to other buckets, channels
	// and directions, and some become or stop being shadows.
	var moved []*cdr.Record
	for i := 0; i < 600; i += 3 {
		moved = append(moved, gen(i+1, 2))
	}
	write(tenant, moved)
	check("after replacements")
	if _, err := p.Prune(ctx, tenant, base+span/3+12345); err != nil {
		t.Fatal(err)
	}
	check("after a prune")
}
