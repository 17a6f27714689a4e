package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// Defaults of a Runner's zero values (docs/design.md, Sync runs).
const (
	DefaultLeaseTTL   = 15 * time.Second
	DefaultLeaseRenew = 5 * time.Second
	// DefaultFirstRun bounds the wait before each source's first run in
	// Loop; the wait is random in [0, DefaultFirstRun) so that sources do
	// not all start at once.
	DefaultFirstRun = 10 * time.Second
	// HorizonMargin keeps a run's first window this far inside the
	// vendor's horizon, so that it is still inside when it is asked for.
	HorizonMargin = 10 * time.Minute
	// Jitter is the share of the interval by which Loop moves each run,
	// either way, at random.
	Jitter = 0.1
)

// Source is one tenant's vendor source as a Runner pulls it.
type Source struct {
	// Job is the run's template: Runner sets its Now, Sleep, Logger and
	// Metrics, and, when Horizon is set, its Oldest (now − Horizon +
	// HorizonMargin) and its From when zero (Oldest).
	Job     Job
	Enabled bool // a disabled source is reported, never run
	// Interval is the time between runs in Loop.
	Interval time.Duration
	// Horizon is how long the vendor keeps records; HorizonWarning how
	// long before a record not yet verified expires the status warns.
	Horizon, HorizonWarning time.Duration
}

// ErrLeaseHeld: another process pulls the source.
var ErrLeaseHeld = errors.New("the source is being pulled by another process")

// ErrStopped: the source stopped on an authentication error; Loop runs it
// no more until the process restarts.
var ErrStopped = errors.New("the source is stopped")

// Runner runs sources under their lease, once (RunOnce, cdrhub sync) or
// on their interval (Loop, cdrhub serve), and reports their status.
type Runner struct {
	Sources []Source
	State   cdr.SyncState
	// Holder names this process in leases.
	Holder cdr.LeaseHolder
	// Alive reports whether a process of Holder.Host runs with the PID:
	// a lease held by a process of this host that no longer runs is taken
	// over at once. Nil takes none over.
	Alive func(pid int) bool

	LeaseTTL, LeaseRenew time.Duration // DefaultLeaseTTL and DefaultLeaseRenew when 0
	FirstRun             time.Duration // DefaultFirstRun when 0

	Metrics *Metrics     // nil records nothing
	Logger  *slog.Logger // discarded when nil
	Now     func() time.Time
	// Sleep waits d or until ctx ends; a timer when nil.
	Sleep func(ctx context.Context, d time.Duration) error

	mu        sync.Mutex
	stopped   map[sourceKey]bool // sources stopped on an authentication error
	loopCtx   context.Context    // Loop's, while it runs: RunNow's runs end with it
	requested map[sourceKey]bool // sources with a RunNow run going
	runs      sync.WaitGroup     // RunNow's runs, which Loop waits for

	gaugeMu sync.Mutex
	warned  map[sourceKey]bool // sources whose near horizon was logged
}

type sourceKey struct {
	tenant cdr.TenantID
	source cdr.Source
}

func (r *Runner) now() time.Time {
	if r.Now == nil {
		return time.Now()
	}
	return r.Now()
}

func (r *Runner) sleep(ctx context.Context, d time.Duration) error {
	if r.Sleep == nil {
		return sleep(ctx, d)
	}
	return r.Sleep(ctx, d)
}

func (r *Runner) logger() *slog.Logger {
	if r.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return r.Logger
}

func durationOr(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// RunOnce runs src once: it takes the source's lease (or takes it over
// from a process of this host that is gone), runs the job while renewing
// the lease, then releases it and records the run. A lease held by
// another process is ErrLeaseHeld and nothing runs; a lease lost during
// the run cancels it.
func (r *Runner) RunOnce(ctx context.Context, src Source) (Result, error) {
	j := src.Job
	log := r.logger().With("tenant", j.Tenant.String(), "source", j.Source)
	ttl, every := durationOr(r.LeaseTTL, DefaultLeaseTTL), durationOr(r.LeaseRenew, DefaultLeaseRenew)
	if err := r.lease(ctx, j, ttl); err != nil {
		return Result{}, err
	}
	started := r.now()
	j.Now, j.Sleep, j.Logger, j.Metrics = r.now, r.sleep, r.logger(), r.Metrics
	if src.Horizon > 0 {
		j.Oldest = started.Add(-src.Horizon + HorizonMargin)
		if j.From.IsZero() {
			j.From = j.Oldest
		}
	}
	runCtx, cancel := context.WithCancelCause(ctx)
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		r.renew(runCtx, cancel, j.Tenant, j.Source, ttl, every, log)
	}()
	res, err := Run(runCtx, j)
	canceled := runCtx.Err() != nil
	cancel(nil)
	<-renewed

	// The run's state is written with ctx, not runCtx: a run canceled
	// by shutdown still records how it ended, briefly.
	done, stop := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer stop()
	if _, rerr := r.State.ReleaseLease(done, j.Tenant, j.Source, r.Holder); rerr != nil {
		log.Warn("sync lease not released", "err", rerr)
	}
	outcome := cdr.RunOK
	switch {
	case err != nil && canceled:
		outcome = cdr.RunCanceled
		if cause := context.Cause(runCtx); cause != nil && !errors.Is(cause, context.Canceled) {
			err = cause
		}
	case err != nil || res.Failed:
		outcome = cdr.RunFailed
	}
	run := cdr.SyncRun{StartedAt: started.UnixMilli(), FinishedAt: max(r.now().UnixMilli(), started.UnixMilli()), Outcome: outcome}
	if rerr := r.State.RecordRun(done, j.Tenant, j.Source, run); rerr != nil {
		err = errors.Join(err, rerr)
	}
	r.Metrics.run(j.Source, outcome)
	if isAuth(err) {
		r.mu.Lock()
		if r.stopped == nil {
			r.stopped = map[sourceKey]bool{}
		}
		r.stopped[sourceKey{j.Tenant, j.Source}] = true
		r.mu.Unlock()
	}
	log.Info("sync run", "outcome", outcome, "windows", len(res.Windows), "inserted", res.Inserted, "updated", res.Updated,
		"unchanged", res.Unchanged, "rejected", res.Rejected, "checkpoint", res.Checkpoint,
		"duration", r.now().Sub(started).Round(time.Millisecond), "err", err)
	return res, err
}

// isAuth reports whether err stopped a run on the vendor refusing the
// credentials.
func isAuth(err error) bool {
	var s *stop
	return errors.As(err, &s) && s.code == Auth.String()
}

// lease takes the source's lease for the run, or returns ErrLeaseHeld
// naming its holder.
func (r *Runner) lease(ctx context.Context, j Job, ttl time.Duration) error {
	now := r.now()
	l, ok, err := r.State.AcquireLease(ctx, j.Tenant, j.Source, r.Holder, ttl, now)
	if err != nil || ok {
		return err
	}
	h := l.Holder
	if r.Alive != nil && h.Host == r.Holder.Host && h.PID != r.Holder.PID && h.PID > 0 && !r.Alive(h.PID) {
		ok, err = r.State.TakeOverLease(ctx, j.Tenant, j.Source, h, r.Holder, ttl, now)
		if err != nil || ok {
			r.logger().Info("sync lease taken over from a process gone", "tenant", j.Tenant.String(), "source", j.Source,
				"host", h.Host, "pid", h.PID)
			return err
		}
	}
	return fmt.Errorf("%w (host %s, pid %d, until %s)", ErrLeaseHeld, h.Host, h.PID,
		time.UnixMilli(l.ExpiresAt).UTC().Format(time.RFC3339))
}

// renew extends the lease every interval until ctx ends; when the lease
// is lost, or cannot be renewed before it expires, it cancels the run.
func (r *Runner) renew(ctx context.Context, cancel context.CancelCauseFunc, t cdr.TenantID, s cdr.Source, ttl, every time.Duration, log *slog.Logger) {
	last := r.now()
	for {
		if r.sleep(ctx, every) != nil {
			return
		}
		now := r.now()
		ok, err := r.State.RenewLease(ctx, t, s, r.Holder, ttl, now)
		switch {
		case ctx.Err() != nil:
			return
		case err == nil && ok:
			last = now
			continue
		case err == nil:
			log.Warn("sync lease lost: the run stops")
			cancel(errors.New("sync lease lost to another process"))
			return
		}
		log.Warn("sync lease not renewed", "err", err)
		if now.Sub(last) >= ttl-every {
			cancel(fmt.Errorf("sync lease not renewed: %w", err))
			return
		}
	}
}

// Loop runs every enabled source until ctx ends: each source's first run
// within FirstRun, then every Interval ± 10 %. A run whose lease another
// process holds is skipped until the next; a source stopped on an
// authentication error runs no more. Loop returns when every source's
// loop has ended.
func (r *Runner) Loop(ctx context.Context) {
	r.mu.Lock()
	r.loopCtx = ctx
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.loopCtx = nil
		r.mu.Unlock()
		r.runs.Wait()
	}()
	var wg sync.WaitGroup
	for _, src := range r.Sources {
		if !src.Enabled {
			continue
		}
		wg.Go(func() { r.loop(ctx, src) })
	}
	wg.Go(func() { r.gaugeLoop(ctx) })
	wg.Wait()
}

func (r *Runner) loop(ctx context.Context, src Source) {
	first := durationOr(r.FirstRun, DefaultFirstRun)
	wait := time.Duration(rand.Int64N(int64(first)))
	for {
		if r.sleep(ctx, wait) != nil {
			return
		}
		_, err := r.RunOnce(ctx, src)
		if ctx.Err() != nil {
			return
		}
		r.refresh(ctx)
		if r.isStopped(src.Job.Tenant, src.Job.Source) {
			r.logger().Error("sync source stopped: the vendor refused its credentials; fix them and restart",
				"tenant", src.Job.Tenant.String(), "source", src.Job.Source, "err", err)
			return
		}
		wait = jitter(src.Interval)
	}
}

// RunNow starts a run of t's source now, beside Loop's schedule (which it
// does not move), and returns without waiting for it: the run ends with
// Loop's context and is recorded like any other. A source that is not
// configured is not_found; one disabled, stopped on refused credentials,
// or already started by RunNow is invalid; without Loop running, it is
// unavailable. Another process holding the lease makes the run a no-op,
// logged.
func (r *Runner) RunNow(t cdr.TenantID, source cdr.Source) error {
	var src *Source
	for i := range r.Sources {
		if s := &r.Sources[i]; s.Job.Tenant == t && s.Job.Source == source {
			src = s
		}
	}
	switch {
	case src == nil:
		return cdr.Errorf(cdr.ENOTFOUND, "no sync source %s for tenant %s", source, t)
	case !src.Enabled:
		return cdr.Errorf(cdr.EINVALID, "the sync source %s is not enabled", source)
	case r.isStopped(t, source):
		return cdr.Errorf(cdr.EINVALID, "the sync source %s stopped: the vendor refused its credentials; fix them and restart", source)
	}
	k := sourceKey{t, source}
	r.mu.Lock()
	ctx := r.loopCtx
	if ctx == nil {
		r.mu.Unlock()
		return cdr.Errorf(cdr.EUNAVAILABLE, "sync is not running in this process")
	}
	if r.requested[k] {
		r.mu.Unlock()
		return cdr.Errorf(cdr.EINVALID, "a run of %s started on request is still going", source)
	}
	if r.requested == nil {
		r.requested = map[sourceKey]bool{}
	}
	r.requested[k] = true
	r.runs.Add(1)
	r.mu.Unlock()
	go func() {
		defer r.runs.Done()
		defer func() {
			r.mu.Lock()
			delete(r.requested, k)
			r.mu.Unlock()
		}()
		log := r.logger().With("tenant", t.String(), "source", source)
		log.Info("sync run started on request")
		if _, err := r.RunOnce(ctx, *src); err != nil && ctx.Err() == nil {
			log.Warn("sync run on request", "err", err)
		}
		if ctx.Err() == nil {
			r.refresh(ctx)
		}
	}()
	return nil
}

// jitter returns d moved by up to Jitter·d either way, at random.
func jitter(d time.Duration) time.Duration {
	j := int64(float64(d) * Jitter)
	if j <= 0 {
		return d
	}
	return d - time.Duration(j) + time.Duration(rand.Int64N(2*j+1))
}

func (r *Runner) isStopped(t cdr.TenantID, s cdr.Source) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stopped[sourceKey{t, s}]
}
