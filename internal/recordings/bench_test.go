package recordings

import (
	"context"
	"encoding/binary"
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// BenchmarkArchive archives 1,000 files of 1 MB from a local server,
// each distinct (a counter in its first bytes), at concurrency 4, into a
// SQLite store and a Dir, and reports the rate and the peak heap growth
// over the run, which must stay flat: files are streamed, never held
// whole. Run it with
//
//	go test -run=NONE -bench=Archive -benchtime=1x ./internal/recordings/
func BenchmarkArchive(b *testing.B) {
	const files, size = 1000, 1 << 20
	body := wav(1, size)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		e := newEnv(b)
		e.fallback = func(w http.ResponseWriter, r *http.Request) {
			n, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/f/"))
			if err != nil {
				http.NotFound(w, r)
				return
			}
			var counter [8]byte
			binary.LittleEndian.PutUint64(counter[:], uint64(n))
			w.Header().Set("Content-Length", strconv.Itoa(size))
			w.Write(body[:44])
			w.Write(counter[:])
			w.Write(body[52:])
		}
		var recs []*cdr.Record
		for n := range files {
			recs = append(recs, &cdr.Record{
				Channel: cdr.ChannelVoice, Source: cdr.SourceTencentCCC, SourceID: fmt.Sprintf("call-%04d", n), Version: 1,
				StartAt: e.clk.Now().Add(-time.Duration(n) * time.Second).UnixMilli(), Direction: cdr.Directions[0],
				CallType: cdr.CallTypes[0], Disposition: cdr.Dispositions[0], HangupBy: cdr.HangupBys[0],
				Recordings: []cdr.Recording{{URL: fmt.Sprintf("%s/f/%d?sign=x", e.srv.URL, n)}},
			})
			if len(recs) == 250 || n == files-1 {
				if _, err := e.store.UpsertRecords(context.Background(), tenant, recs,
					cdr.UpsertOptions{Now: e.clk.Now().Add(-2 * time.Minute).UnixMilli()}); err != nil {
					b.Fatal(err)
				}
				recs = recs[:0]
			}
		}
		e.a.FileTimeout = time.Minute
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		base := ms.HeapAlloc
		var peak atomic.Uint64
		stop := make(chan struct{})
		sampled := make(chan struct{})
		go func() {
			defer close(sampled)
			var ms runtime.MemStats
			t := time.NewTicker(5 * time.Millisecond)
			defer t.Stop()
			for {
				runtime.ReadMemStats(&ms)
				if ms.HeapAlloc > peak.Load() {
					peak.Store(ms.HeapAlloc)
				}
				select {
				case <-stop:
					return
				case <-t.C:
				}
			}
		}()
		b.StartTimer()
		start := time.Now()
		res, err := e.a.Run(context.Background(), tenant, TenantOptions{Concurrency: 4})
		elapsed := time.Since(start)
		b.StopTimer()
		close(stop)
		<-sampled
		if err != nil || res.Archived != files || res.Bytes != files*size {
			b.Fatalf("Run = %+v, %v", res, err)
		}
		b.ReportMetric(float64(res.Bytes)/1e6/elapsed.Seconds(), "MB/s")
		b.ReportMetric(float64(peak.Load()-min(base, peak.Load()))/(1<<20), "peak-heap-growth-MiB")
		b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
		b.StartTimer()
	}
}
