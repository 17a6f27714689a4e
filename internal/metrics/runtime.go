package metrics

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// RegisterRuntime registers the standard collectors of the Go runtime
// (go_goroutines, go_threads, go_gc_duration_seconds, go_memstats_*, …) and
// of the process (process_cpu_seconds_total, process_open_fds,
// process_resident_memory_bytes, process_start_time_seconds, …, as the
// platform reports them), and, unless version is "",
// cdrhub_build_info{version} with the value 1. Registering them again in
// the same registry does nothing.
func RegisterRuntime(reg *Registry, version string) {
	for _, c := range []prometheus.Collector{
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	} {
		if err := reg.prom.Register(c); err != nil && !errors.As(err, &prometheus.AlreadyRegisteredError{}) {
			panic("metrics: " + err.Error())
		}
	}
	if version != "" {
		reg.Gauge("cdrhub_build_info", "A metric with a constant '1' value labeled by the version of cdrhub.", "version").
			With(version).Set(1)
	}
}
