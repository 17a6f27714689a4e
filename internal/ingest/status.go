package ingest

import (
	"context"
	"math"
	"slices"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// States of a source in its status.
const (
	StateIdle    = "idle"    // enabled, between runs
	StateRunning = "running" // a process holds its lease
	StateFailed  = "failed"  // its last run failed, or it stopped on refused credentials
	StateStopped = "stopped" // not enabled in the configuration
)

// SourceStatus is one source's status as GET /api/v1/sync answers it;
// times are Unix ms (README.md, Sync status).
type SourceStatus struct {
	Tenant          string         `json:"tenant"`
	Source          string         `json:"source"`
	Enabled         bool           `json:"enabled"`
	State           string         `json:"state"`
	Checkpoint      int64          `json:"checkpoint"`
	LastRun         *RunStatus     `json:"last_run"`
	Records         RecordCounts   `json:"records"`
	WindowsVerified int64          `json:"windows_verified"`
	Horizon         *HorizonStatus `json:"horizon"`
}

// RunStatus is the last run of a source and the source's last error.
type RunStatus struct {
	StartedAt  int64        `json:"started_at"`
	FinishedAt int64        `json:"finished_at"`
	Outcome    string       `json:"outcome"`
	Error      *ErrorStatus `json:"error"`
}

// ErrorStatus is a source's last error: never a secret.
type ErrorStatus struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// RecordCounts are the totals of a source's windows.
type RecordCounts struct {
	Inserted  int64 `json:"inserted"`
	Updated   int64 `json:"updated"`
	Unchanged int64 `json:"unchanged"`
	Rejected  int64 `json:"rejected"`
}

// HorizonStatus tells how long the oldest record not yet verified stays
// at the vendor: it was made at OldestUnverifiedAt (the checkpoint, or
// where the first run starts) and the vendor deletes it at ExpiresAt.
type HorizonStatus struct {
	OldestUnverifiedAt int64   `json:"oldest_unverified_at"`
	ExpiresAt          int64   `json:"expires_at"`
	HoursLeft          float64 `json:"hours_left"`
	// WarningHours is the source's horizon_warning: under it, the horizon
	// is near (the alarm of README.md, Sync status).
	WarningHours float64 `json:"warning_hours"`
}

// Status returns the status of t's sources: every configured source of t,
// enabled or not, then any other source t has state of (a source no
// longer configured), ordered by source.
func (r *Runner) Status(ctx context.Context, t cdr.TenantID) ([]SourceStatus, error) {
	now := r.now()
	// Which sources stopped is read before the state: a source stops only
	// after its run is recorded, so the state read then shows that run.
	stopped := map[cdr.Source]bool{}
	for _, src := range r.Sources {
		if src.Job.Tenant == t && r.isStopped(t, src.Job.Source) {
			stopped[src.Job.Source] = true
		}
	}
	stored, err := r.State.SyncSources(ctx, t, now)
	if err != nil {
		return nil, err
	}
	byName := map[cdr.Source]cdr.SyncStatus{}
	for _, st := range stored {
		byName[st.Source] = st
	}
	var out []SourceStatus
	seen := map[cdr.Source]bool{}
	for _, src := range r.Sources {
		if src.Job.Tenant != t {
			continue
		}
		seen[src.Job.Source] = true
		out = append(out, r.status(src, byName[src.Job.Source], stopped[src.Job.Source], now))
	}
	for _, st := range stored {
		if !seen[st.Source] {
			out = append(out, r.status(Source{Job: Job{Tenant: t, Source: st.Source}}, st, false, now))
		}
	}
	slices.SortFunc(out, func(a, b SourceStatus) int {
		if a.Source < b.Source {
			return -1
		}
		if a.Source > b.Source {
			return 1
		}
		return 0
	})
	return out, nil
}

func (r *Runner) status(src Source, st cdr.SyncStatus, stopped bool, now time.Time) SourceStatus {
	s := SourceStatus{
		Tenant: src.Job.Tenant.String(), Source: string(src.Job.Source), Enabled: src.Enabled,
		Checkpoint: st.Checkpoint, WindowsVerified: st.WindowsVerified,
		Records: RecordCounts{Inserted: st.Records.Inserted, Updated: st.Records.Updated,
			Unchanged: st.Records.Unchanged, Rejected: st.Records.Rejected},
	}
	if st.LastRun != nil {
		s.LastRun = &RunStatus{StartedAt: st.LastRun.StartedAt, FinishedAt: st.LastRun.FinishedAt, Outcome: string(st.LastRun.Outcome)}
		if e := st.LastError; e != nil {
			s.LastRun.Error = &ErrorStatus{Code: e.Code, Message: e.Message}
		}
	}
	switch {
	case !src.Enabled:
		s.State = StateStopped
	case st.Lease != nil:
		s.State = StateRunning
	case stopped || st.LastRun != nil && st.LastRun.Outcome == cdr.RunFailed:
		s.State = StateFailed
	default:
		s.State = StateIdle
	}
	if src.Horizon > 0 {
		s.Horizon = horizon(src, st.Checkpoint, now)
	}
	return s
}

// horizon places the oldest record not yet verified: at the checkpoint,
// or before the first verified window where the first run starts.
func horizon(src Source, checkpoint int64, now time.Time) *HorizonStatus {
	oldest := checkpoint
	if oldest == 0 {
		from := src.Job.From
		if from.IsZero() || from.Before(now.Add(-src.Horizon)) {
			from = now.Add(-src.Horizon)
		}
		oldest = from.UnixMilli()
	}
	expires := oldest + src.Horizon.Milliseconds()
	left := float64(expires-now.UnixMilli()) / float64(time.Hour.Milliseconds())
	return &HorizonStatus{OldestUnverifiedAt: oldest, ExpiresAt: expires, HoursLeft: math.Round(left*100) / 100,
		WarningHours: src.HorizonWarning.Hours()}
}

// gaugeLoop refreshes the checkpoint age and horizon gauges, and warns of
// sources whose horizon is near, every LeaseRenew until ctx ends.
func (r *Runner) gaugeLoop(ctx context.Context) {
	for {
		r.refresh(ctx)
		if r.sleep(ctx, durationOr(r.LeaseRenew, DefaultLeaseRenew)) != nil {
			return
		}
	}
}

// refresh sets the gauges from the enabled sources' state: per vendor the
// oldest checkpoint's age and the least horizon left. Loop calls it every
// LeaseRenew and after each run.
func (r *Runner) refresh(ctx context.Context) {
	r.gaugeMu.Lock()
	defer r.gaugeMu.Unlock()
	if r.warned == nil {
		r.warned = map[sourceKey]bool{}
	}
	warned := r.warned
	now := r.now()
	age, left := map[cdr.Source]float64{}, map[cdr.Source]float64{}
	tenants := map[cdr.TenantID]bool{}
	for _, src := range r.Sources {
		if src.Enabled {
			tenants[src.Job.Tenant] = true
		}
	}
	for t := range tenants {
		sts, err := r.Status(ctx, t)
		if err != nil {
			r.logger().Warn("sync status not read", "tenant", t.String(), "err", err)
			continue
		}
		for _, s := range sts {
			if !s.Enabled {
				continue
			}
			src := cdr.Source(s.Source)
			if s.Checkpoint > 0 {
				a := now.Sub(time.UnixMilli(s.Checkpoint)).Seconds()
				if v, ok := age[src]; !ok || a > v {
					age[src] = a
				}
			}
			if h := s.Horizon; h != nil {
				l := float64(h.ExpiresAt-now.UnixMilli()) / 1000
				if v, ok := left[src]; !ok || l < v {
					left[src] = l
				}
				if s.LastRun != nil { // before the first run, from is all unverified
					r.warnHorizon(t, src, h, warned)
				}
			}
		}
	}
	r.Metrics.gauges(age, left)
}

// warnHorizon logs, once while it lasts, that a source's oldest record
// not yet verified expires at the vendor within its HorizonWarning, and
// once when that is over. It is a data alarm: readiness is not affected.
func (r *Runner) warnHorizon(t cdr.TenantID, s cdr.Source, h *HorizonStatus, warned map[sourceKey]bool) {
	k := sourceKey{t, s}
	near := h.HoursLeft < h.WarningHours
	switch {
	case near && !warned[k]:
		r.logger().Warn("sync horizon near: records not yet verified expire at the vendor soon",
			"tenant", t.String(), "source", s, "oldest_unverified_at", h.OldestUnverifiedAt, "expires_at", h.ExpiresAt, "hours_left", h.HoursLeft)
	case !near && warned[k]:
		r.logger().Info("sync horizon recovered", "tenant", t.String(), "source", s, "hours_left", h.HoursLeft)
	}
	warned[k] = near
}
