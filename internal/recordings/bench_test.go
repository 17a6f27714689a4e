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

// BenchmarkArchiveIngestCost measures the archive job's cost to ingest
// running beside it: 60,000 records upserted in batches of 1,000 into the
// same SQLite store, alone, then while the archiver copies 1,000 files of
// 1 MB from a local server (unlimited, and limited to 20 MB/s per host, a
// vendor's realistic rate), then alone again. It reports each ingest rate,
// the cost (the rate while archiving against the mean of the two alone)
// the archive's rate, and overlap-%, the share of the ingest during which
// the archive ran (under 100: the cost is diluted). Run it with
//
//	go test -run=NONE -bench=ArchiveIngestCost -benchtime=1x ./internal/recordings/
func BenchmarkArchiveIngestCost(b *testing.B) {
	for _, limit := range []int64{0, 20e6} {
		name := "unlimited"
		if limit > 0 {
			name = fmt.Sprintf("%dMBps", limit/1e6)
		}
		b.Run(name, func(b *testing.B) {
			for range b.N {
				benchIngestCost(b, limit)
			}
		})
	}
}

func benchIngestCost(b *testing.B, limit int64) {
	b.StopTimer()
	const files, size, records, batch = 1000, 1 << 20, 60_000, 1000
	e := newEnv(b)
	body := wav(1, size)
	e.fallback = func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/f/"))
		var counter [8]byte
		binary.LittleEndian.PutUint64(counter[:], uint64(n))
		w.Header().Set("Content-Length", strconv.Itoa(size))
		w.Write(body[:44])
		w.Write(counter[:])
		w.Write(body[52:])
	}
	ctx := context.Background()
	rec := func(i int, prefix string) *cdr.Record {
		return &cdr.Record{Channel: cdr.ChannelVoice, Source: cdr.SourceTencentCCC, SourceID: fmt.Sprintf("%s-%06d", prefix, i),
			Version: 1, StartAt: e.clk.Now().Add(-time.Duration(i) * time.Second).UnixMilli(), Direction: cdr.Directions[i%2],
			CallType: cdr.CallTypes[0], Disposition: cdr.Dispositions[i%3], HangupBy: cdr.HangupBys[0],
			Caller: cdr.Party{Address: fmt.Sprintf("+86138%08d", i)}, Callee: cdr.Party{Address: "+862066668888"},
			Agents: []cdr.Agent{{ID: fmt.Sprintf("agent-%d", i%40)}}, Queues: []cdr.Queue{{ID: fmt.Sprint(i % 5)}}}
	}
	var recs []*cdr.Record
	for n := range files {
		r := rec(n, "call")
		r.Recordings = []cdr.Recording{{URL: fmt.Sprintf("%s/f/%d", e.srv.URL, n)}}
		recs = append(recs, r)
	}
	if _, err := e.store.UpsertRecords(ctx, tenant, recs, cdr.UpsertOptions{Now: e.clk.Now().Add(-2 * time.Minute).UnixMilli()}); err != nil {
		b.Fatal(err)
	}
	ingest := func(t cdr.TenantID) float64 {
		start := time.Now()
		for off := 0; off < records; off += batch {
			recs := make([]*cdr.Record, 0, batch)
			for i := off; i < off+batch; i++ {
				recs = append(recs, rec(i, "in"))
			}
			if _, err := e.store.UpsertRecords(ctx, t, recs, cdr.UpsertOptions{}); err != nil {
				b.Fatal(err)
			}
		}
		return records / time.Since(start).Seconds()
	}
	e.a.MaxBytesPerSecondPerHost = limit
	e.a.FileTimeout = 10 * time.Minute
	alone1 := ingest(cdr.MustTenantID("alone-1"))
	done := make(chan Result, 1)
	start := time.Now()
	go func() {
		res, _ := e.a.Run(ctx, tenant, TenantOptions{Concurrency: 4})
		done <- res
	}()
	during := ingest(cdr.MustTenantID("during"))
	ingestEnd := time.Since(start)
	res := <-done
	archiveTime := time.Since(start)
	alone2 := ingest(cdr.MustTenantID("alone-2"))
	if res.Archived != files {
		b.Fatalf("archived %d files of %d: %v", res.Archived, files, res.Err)
	}
	alone := (alone1 + alone2) / 2
	b.ReportMetric(alone, "ingest-rec/s-alone")
	b.ReportMetric(during, "ingest-rec/s-archiving")
	b.ReportMetric(100*(alone-during)/alone, "cost-%")
	b.ReportMetric(float64(res.Bytes)/1e6/archiveTime.Seconds(), "archive-MB/s")
	b.ReportMetric(100*min(1, archiveTime.Seconds()/ingestEnd.Seconds()), "overlap-%")
}
