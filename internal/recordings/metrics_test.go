package recordings

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/metrics"
)

func TestMetrics(t *testing.T) {
	var nilM *Metrics
	nilM.archived(1)
	nilM.failed(ReasonEmpty, true)
	nilM.SetBacklog(1, time.Now())

	reg := metrics.NewRegistry()
	m := NewMetrics(reg)
	clk := newFakeClock()
	m.now = clk.Now
	m.archived(1000)
	m.archived(24)
	m.failed(ReasonHTTP404, false)
	m.failed(ReasonHTTP404, true)
	m.SetBacklog(7, clk.Now().Add(90*time.Second))
	var b strings.Builder
	reg.WriteTo(&b)
	for _, line := range []string{
		"cdrhub_recordings_archived_files_total 2",
		"cdrhub_recordings_archived_bytes_total 1024",
		`cdrhub_recordings_failures_total{reason="http_404"} 2`,
		`cdrhub_recordings_failures_total{reason="timeout"} 0`,
		"cdrhub_recordings_given_up_total 1",
		"cdrhub_recordings_backlog_files 7",
		"cdrhub_recordings_expiry_seconds 90",
	} {
		if !strings.Contains(b.String(), line+"\n") {
			t.Errorf("no line %q in\n%s", line, b.String())
		}
	}
	m.SetBacklog(0, time.Time{})
	if v := m.expiry.Value(); !math.IsInf(v, 1) {
		t.Errorf("expiry with none known = %v", v)
	}
	// Registering twice on one registry returns the same metrics.
	NewMetrics(reg)
}
