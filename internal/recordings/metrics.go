package recordings

import (
	"math"
	"time"

	"github.com/cdrhub/cdrhub/internal/metrics"
)

// Metrics are the archive's metrics. Their only label is a failure's
// reason: never a tenant, so that their number stays fixed. A nil
// *Metrics records nothing.
type Metrics struct {
	files    *metrics.Counter
	bytes    *metrics.Counter
	failures *metrics.CounterVec // reason
	givenUp  *metrics.Counter
	backlog  *metrics.Gauge
	expiry   *metrics.Gauge
	now      func() time.Time
}

// NewMetrics registers the archive's metrics in reg, with a series of
// every reason created so that they read 0 rather than missing.
func NewMetrics(reg *metrics.Registry) *Metrics {
	m := &Metrics{
		files: reg.Counter("cdrhub_recordings_archived_files_total",
			"Recording files archived (stored and verified).").With(),
		bytes: reg.Counter("cdrhub_recordings_archived_bytes_total",
			"Bytes of the recording files archived.").With(),
		failures: reg.Counter("cdrhub_recordings_failures_total",
			"Failed attempts to archive a recording file, by reason.", "reason"),
		givenUp: reg.Counter("cdrhub_recordings_given_up_total",
			"Recording files given up after their last failed attempt.").With(),
		backlog: reg.Gauge("cdrhub_recordings_backlog_files",
			"Recording files not archived yet (pending).").With(),
		expiry: reg.Gauge("cdrhub_recordings_expiry_seconds",
			"Time left before the vendor deletes the earliest-expiring file not archived yet; +Inf when none has a known expiry.").With(),
		now: time.Now,
	}
	for _, r := range Reasons {
		m.failures.With(r)
	}
	m.expiry.Set(math.Inf(1))
	return m
}

func (m *Metrics) archived(bytes int64) {
	if m != nil {
		m.files.Inc()
		m.bytes.Add(float64(bytes))
	}
}

func (m *Metrics) failed(reason string, givenUp bool) {
	if m == nil {
		return
	}
	m.failures.With(reason).Inc()
	if givenUp {
		m.givenUp.Inc()
	}
}

// SetBacklog sets the backlog gauges: how many files are pending, and the
// time left before the earliest expiry among them (oldestExpiry; the zero
// time when none has a known expiry, which reads +Inf). Negative: files
// are expiring unarchived.
func (m *Metrics) SetBacklog(pending int64, oldestExpiry time.Time) {
	if m == nil {
		return
	}
	m.backlog.Set(float64(pending))
	if oldestExpiry.IsZero() {
		m.expiry.Set(math.Inf(1))
		return
	}
	m.expiry.Set(oldestExpiry.Sub(m.now()).Seconds())
}
