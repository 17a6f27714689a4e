package metrics

import (
	"bytes"
	"math"
	"os"
	"runtime"
	rtmetrics "runtime/metrics"
	"strconv"
)

// RegisterRuntime registers the Go runtime and process basics:
// go_goroutines, go_memstats_heap_alloc_bytes, process_resident_memory_bytes
// (Linux only: read from /proc/self/statm), and, unless version is "",
// cdrhub_build_info{version} with the value 1. Call it once per registry.
func RegisterRuntime(reg *Registry, version string) {
	reg.GaugeFunc("go_goroutines", "Number of goroutines that currently exist.",
		func() float64 { return float64(runtime.NumGoroutine()) })
	reg.gaugeFunc("go_memstats_heap_alloc_bytes", "Number of heap bytes allocated and still in use.", heapAlloc)
	if _, ok := residentMemory(); ok {
		reg.gaugeFunc("process_resident_memory_bytes", "Resident memory size in bytes.", residentMemory)
	}
	if version != "" {
		reg.Gauge("cdrhub_build_info", "A metric with a constant '1' value labeled by the version of cdrhub.", "version").
			With(version).Set(1)
	}
}

// heapAlloc reads what runtime.MemStats calls HeapAlloc, without the
// stop-the-world pause of runtime.ReadMemStats.
func heapAlloc() (float64, bool) {
	s := []rtmetrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	rtmetrics.Read(s)
	if s[0].Value.Kind() != rtmetrics.KindUint64 {
		return 0, false
	}
	return float64(s[0].Value.Uint64()), true
}

// residentMemory reads the resident set size from /proc/self/statm (its
// second field, in pages). It reports false off Linux or on any error.
func residentMemory() (float64, bool) {
	if runtime.GOOS != "linux" {
		return 0, false
	}
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, false
	}
	f := bytes.Fields(b)
	if len(f) < 2 {
		return 0, false
	}
	pages, err := strconv.ParseUint(string(f[1]), 10, 64)
	if err != nil || pages > math.MaxInt64/uint64(os.Getpagesize()) {
		return 0, false
	}
	return float64(pages * uint64(os.Getpagesize())), true
}
