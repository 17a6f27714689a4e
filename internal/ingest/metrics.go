package ingest

import (
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/metrics"
)

// Outcomes of a vendor request, the outcome label of
// cdrhub_sync_requests_total: ok, or the Kind of its error.
const (
	RequestOK    = "ok"
	RequestError = "error" // an error of no Kind (e.g. the context ended)
)

// Classes of synced records, the class label of cdrhub_sync_records_total.
const (
	ClassInserted  = "inserted"
	ClassUpdated   = "updated"
	ClassUnchanged = "unchanged"
	ClassRejected  = "rejected"
)

// Metrics are the sync metrics. Their only label besides the outcome or
// class is the vendor (the source): never a tenant, so that their number
// stays fixed. A nil *Metrics records nothing.
type Metrics struct {
	runs     *metrics.CounterVec // vendor, outcome
	requests *metrics.CounterVec // vendor, outcome
	records  *metrics.CounterVec // vendor, class
	age      *metrics.GaugeVec   // vendor
	horizon  *metrics.GaugeVec   // vendor
}

// NewMetrics registers the sync metrics in reg, with the series of the
// given sources created so that they read 0 rather than missing.
func NewMetrics(reg *metrics.Registry, sources ...cdr.Source) *Metrics {
	m := &Metrics{
		runs: reg.Counter("cdrhub_sync_runs_total",
			"Sync runs, by vendor and outcome (ok, failed, canceled).", "vendor", "outcome"),
		requests: reg.Counter("cdrhub_sync_requests_total",
			"Requests to vendor record queries, by vendor and outcome (ok, throttled, transient, auth, invalid, error).", "vendor", "outcome"),
		records: reg.Counter("cdrhub_sync_records_total",
			"Records read by sync, by vendor and what their upsert did (inserted, updated, unchanged, rejected).", "vendor", "class"),
		age: reg.Gauge("cdrhub_sync_checkpoint_age_seconds",
			"Age of the oldest checkpoint across the vendor's sources: how far behind sync is.", "vendor"),
		horizon: reg.Gauge("cdrhub_sync_horizon_seconds",
			"Least time left, across the vendor's sources, before the vendor deletes records not yet verified.", "vendor"),
	}
	for _, s := range sources {
		v := string(s)
		for _, o := range cdr.RunOutcomes {
			m.runs.With(v, string(o))
		}
		m.requests.With(v, RequestOK)
		for _, c := range []string{ClassInserted, ClassUpdated, ClassUnchanged, ClassRejected} {
			m.records.With(v, c)
		}
	}
	return m
}

func (m *Metrics) run(s cdr.Source, o cdr.RunOutcome) {
	if m != nil {
		m.runs.With(string(s), string(o)).Inc()
	}
}

func (m *Metrics) request(s cdr.Source, outcome string) {
	if m != nil {
		m.requests.With(string(s), outcome).Inc()
	}
}

func (m *Metrics) recordsAdd(s cdr.Source, class string, n int) {
	if m != nil && n > 0 {
		m.records.With(string(s), class).Add(float64(n))
	}
}

// gauges sets the checkpoint age and horizon of each vendor, the oldest
// and the least across its sources.
func (m *Metrics) gauges(age, horizon map[cdr.Source]float64) {
	if m == nil {
		return
	}
	for s, v := range age {
		m.age.With(string(s)).Set(v)
	}
	for s, v := range horizon {
		m.horizon.With(string(s)).Set(v)
	}
}
