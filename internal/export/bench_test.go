package export

import (
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/demo"
)

// benchDocs returns n records of demo.Batch (the data of docs/benchmarks.md:
// agents, queues, recordings, IVR keys, participants, satisfaction) as the
// store streams them: the API's JSON, with id, version and times.
func benchDocs(tb testing.TB, n int) [][]byte {
	tb.Helper()
	const batch = 5000
	docs := make([][]byte, 0, n)
	for i := 0; len(docs) < n; i++ {
		for _, r := range demo.Batch("acme", i, batch) {
			if len(docs) == n {
				break
			}
			if err := r.Prepare(cdr.MustTenantID("acme"), r.StartAt+120_000); err != nil {
				tb.Fatal(err)
			}
			r.CreatedAt, r.UpdatedAt = r.StartAt+120_000, r.StartAt+120_000
			doc, err := cdr.EncodeJSON(r)
			if err != nil {
				tb.Fatal(err)
			}
			docs = append(docs, doc)
		}
	}
	return docs
}

// BenchmarkExport writes CDRHUB_BENCH_RECORDS records (default 20,000)
// in each format, with formula escaping as the command's default: 20,000
// distinct demo.Batch records, repeated as needed, into a counter of
// bytes. It reports records/s, the CPU time a record takes (all threads,
// the garbage collector's included: steadier than records/s on a shared
// machine), bytes a record, and the peak of the heap while the records
// are written (the records' JSON included, which the benchmark holds:
// base-heap-MiB) and its growth over that base. For a million records:
//
//	CDRHUB_BENCH_RECORDS=1000000 go test -run=NONE -bench=Export -benchtime=1x ./internal/export/
func BenchmarkExport(b *testing.B) {
	n := 20_000
	if v, err := strconv.Atoi(os.Getenv("CDRHUB_BENCH_RECORDS")); err == nil && v > 0 {
		n = v
	}
	docs := benchDocs(b, min(n, 20_000))
	for _, format := range Formats {
		b.Run(format, func(b *testing.B) {
			var size int64
			runtime.GC()
			base := heapBytes()
			peak := sampleHeap()
			cpu := cpuTime()
			for b.Loop() {
				cw := &countWriter{}
				w, err := New(format, cw, Options{EscapeFormulas: format == "csv"})
				if err != nil {
					b.Fatal(err)
				}
				for i := range n {
					if err := w.Write(docs[i%len(docs)]); err != nil {
						b.Fatal(err)
					}
				}
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
				size = cw.n
			}
			cpu = cpuTime() - cpu
			top := peak()
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
			if cpu > 0 {
				b.ReportMetric(float64(cpu.Microseconds())/float64(n*b.N), "cpu-µs/record")
			}
			b.ReportMetric(float64(size)/float64(n), "bytes/record")
			b.ReportMetric(float64(base)/(1<<20), "base-heap-MiB")
			b.ReportMetric(float64(top)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(top-min(top, base))/(1<<20), "peak-growth-MiB")
		})
	}
}

// heapBytes is the heap's live and not yet swept objects (HeapAlloc).
func heapBytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// sampleHeap samples heapBytes every millisecond until the function it
// returns is called, which returns the highest sample.
func sampleHeap() func() uint64 {
	var top uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			top = max(top, heapBytes())
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	})
	return func() uint64 {
		close(stop)
		wg.Wait()
		return top
	}
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }
