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
// running beside it: 200,000 records upserted in batches of 1,000 by one
// goroutine into a SQLite store, alone, and while the archiver copies
// files of 1 MB from a local server into a Dir on the same disk, its
// state in the same store (unlimited, and limited to 20 MB/s per host, a
// vendor's realistic rate). Each ingest starts from a fresh store holding
// the 2,000 records whose files the archiver copies, so that a store
// grown by the ingests before it does not slow the ones after; the order
// is alone, archiving, alone, archiving. The archive is stopped when the
// ingest beside it ends (2,000 files outlast it at either rate); its rate
// is the bytes of the files completed by then over the ingest's time (the
// planning of the files at its start included, the files in flight not).
// It reports the mean rates alone and archiving, the cost (their
// difference against the rate alone), the slowest and fastest ingest
// alone (their spread is the run's noise, against which to read the
// cost), the archive's rate, and overlap-%, the share of the ingest
// during which the archive ran (under 100: it finished early and the
// cost is diluted). Run it with
//
//	go test -run=NONE -bench=ArchiveIngestCost -benchtime=1x ./internal/recordings/
func BenchmarkArchiveIngestCost(b *testing.B) {
	for _, limit := range []int64{0, 20e6} {
		name := "unlimited"
		if limit > 0 {
			name = fmt.Sprintf("%dMBps", limit/1e6)
		}
		b.Run(name, func(b *testing.B) {
			b.StopTimer()
			for range b.N {
				benchIngestCost(b, limit)
			}
		})
	}
}

const (
	costFiles, costFileSize = 2000, 1 << 20
	costRecords, costBatch  = 200_000, 1000
)

func benchIngestCost(b *testing.B, limit int64) {
	var alone, during []float64
	var archived, overlap float64
	for round := range 2 {
		alone = append(alone, ingestBeside(b, limit, false, nil))
		var mbps, ov float64
		during = append(during, ingestBeside(b, limit, true, func(m, o float64) { mbps, ov = m, o }))
		archived += mbps / 2
		if round == 0 || ov < overlap {
			overlap = ov
		}
	}
	mean := func(xs []float64) float64 { return (xs[0] + xs[1]) / 2 }
	a, d := mean(alone), mean(during)
	b.ReportMetric(a, "ingest-rec/s-alone")
	b.ReportMetric(d, "ingest-rec/s-archiving")
	b.ReportMetric(100*(a-d)/a, "cost-%")
	b.ReportMetric(min(alone[0], alone[1]), "ingest-rec/s-alone-min")
	b.ReportMetric(max(alone[0], alone[1]), "ingest-rec/s-alone-max")
	b.ReportMetric(archived, "archive-MB/s")
	b.ReportMetric(overlap, "overlap-%")
}

// ingestBeside upserts the benchmark's records into a fresh store holding
// the archive's records, with the archiver copying their files
// meanwhile when archive is set, and returns the ingest's rate; report
// then gets the archive's rate during the ingest, MB/s, and the share of
// the ingest it ran for, %.
func ingestBeside(b *testing.B, limit int64, archive bool, report func(mbps, overlapPct float64)) float64 {
	e := newEnv(b)
	body := wav(1, costFileSize)
	e.fallback = func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/f/"))
		var counter [8]byte
		binary.LittleEndian.PutUint64(counter[:], uint64(n))
		w.Header().Set("Content-Length", strconv.Itoa(costFileSize))
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
	for n := range costFiles {
		r := rec(n, "call")
		r.Recordings = []cdr.Recording{{URL: fmt.Sprintf("%s/f/%d", e.srv.URL, n)}}
		recs = append(recs, r)
	}
	if _, err := e.store.UpsertRecords(ctx, tenant, recs, cdr.UpsertOptions{Now: e.clk.Now().Add(-2 * time.Minute).UnixMilli()}); err != nil {
		b.Fatal(err)
	}
	e.a.MaxBytesPerSecondPerHost = limit
	e.a.FileTimeout = 10 * time.Minute
	actx, stop := context.WithCancel(ctx)
	defer stop()
	var bytes atomic.Int64
	done := make(chan Result, 1)
	var archiveEnd atomic.Int64 // ns since start, when the run ended by itself
	start := time.Now()
	if archive {
		go func() {
			res, _ := e.a.Run(actx, tenant, TenantOptions{Concurrency: 4, Progress: func(r Result) { bytes.Store(r.Bytes) }})
			archiveEnd.Store(int64(time.Since(start)))
			done <- res
		}()
	}
	other := cdr.MustTenantID("ingest")
	for off := 0; off < costRecords; off += costBatch {
		recs := make([]*cdr.Record, 0, costBatch)
		for i := off; i < off+costBatch; i++ {
			recs = append(recs, rec(i, "in"))
		}
		if _, err := e.store.UpsertRecords(ctx, other, recs, cdr.UpsertOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	if archive {
		copied := bytes.Load()
		stop()
		res := <-done
		if res.Archived == 0 || res.Failed != 0 {
			b.Fatalf("archive beside the ingest: %+v", res)
		}
		ran := time.Duration(archiveEnd.Load())
		report(float64(copied)/1e6/elapsed.Seconds(), 100*min(1, ran.Seconds()/elapsed.Seconds()))
	}
	return costRecords / elapsed.Seconds()
}
