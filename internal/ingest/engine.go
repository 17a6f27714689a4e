// Package ingest is the sync engine: it pulls closed time windows of one
// tenant's records of one vendor source from the vendor's record query
// (a Client) into the store, verifying each window by counting it before
// and after reading it, and keeps its progress in cdr.SyncState
// (docs/design.md, Sync engine). internal/ingest/<vendor> are the vendor
// clients.
package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/httpx"
	"github.com/cdrhub/cdrhub/internal/mapping"
)

// Defaults of a Job's zero values.
const (
	DefaultMaxWindowRecords = 5000
	DefaultRetries          = 5
	DefaultBackoffBase      = time.Second
	DefaultBackoffMax       = time.Minute
	// MaxRereads is how often a window whose count moved is read again
	// before it is recorded failed.
	MaxRereads = 3
)

// Error codes of failed windows and of a source's last error.
const (
	CodeCountMoved = "count_moved" // the count did not hold over MaxRereads re-reads
	CodeStore      = "store"       // the store refused a write
	CodeRejected   = "rejected"    // a record of the window did not decode or was invalid
)

// Job is one run over one tenant's source.
type Job struct {
	Tenant  cdr.TenantID
	Source  cdr.Source
	Client  Client
	Decoder mapping.Decoder // the tenant's Decoder of Source
	Store   cdr.Store
	State   cdr.SyncState

	// From is where the first run starts, before any checkpoint.
	From time.Time
	// Start and End, when set, bound the run to [Start, End) instead of
	// [checkpoint − Lookback, now − Settle): a re-read of that range,
	// audited like any run, which still moves the checkpoint only forward
	// and only when the range starts at or before it. End is capped at
	// now − Settle.
	Start, End time.Time
	// Oldest, when set, is the earliest time the vendor still serves: a
	// run starts there at the earliest, whatever From, the checkpoint and
	// Lookback say (records before it are gone from the vendor).
	Oldest time.Time
	// Lookback is how far before the checkpoint each run starts again,
	// to pick up records the vendor changed since.
	Lookback time.Duration
	// Settle is how long a window stays open after its end: a run reads
	// up to now − Settle.
	Settle time.Duration
	// MaxWindowRecords: a window counted above it is split in halves,
	// down to one second; DefaultMaxWindowRecords when 0.
	MaxWindowRecords int
	// Retries bounds the retries of one request on Throttled and
	// Transient errors; DefaultRetries when 0.
	Retries int
	// The backoff before retry i (from 0) is BackoffBase·2^i capped at
	// BackoffMax, less up to half of it at random.
	BackoffBase, BackoffMax time.Duration
	// RPS and Burst size the token bucket every request of the run takes
	// a token from, waiting for one when it is empty; no limit when RPS is
	// 0.
	RPS   float64
	Burst int

	Metrics *Metrics // nil records nothing
	// Progress, when set, is called after each page is written and after
	// each window is recorded, with the run's totals so far.
	Progress func(Progress)

	Now    func() time.Time                                 // time.Now when nil
	Sleep  func(ctx context.Context, d time.Duration) error // a timer honouring ctx when nil
	Logger *slog.Logger                                     // discarded when nil
}

// Progress is how far a run is.
type Progress struct {
	Windows, Pages, Records int // records read, whatever their upserts did
}

// Result is what a run did.
type Result struct {
	Windows []cdr.SyncWindow // the audit rows recorded, in order
	// Totals of the windows' upserts.
	Inserted, Updated, Unchanged, Rejected int
	// Checkpoint is the source's checkpoint after the run (ms).
	Checkpoint int64
	// Failed: a window was recorded failed, or the source stopped on an
	// error it set as the source's last error.
	Failed bool
}

// stop ends a run early: the window it happened in is recorded failed
// with code, and the error set as the source's last error.
type stop struct {
	code string
	err  error
}

func (s *stop) Error() string { return s.code + ": " + s.err.Error() }
func (s *stop) Unwrap() error { return s.err }

type run struct {
	Job
	res   Result
	cur   int64 // the contiguous checkpoint: a window from at or before it advances it
	limit *httpx.Limiter
	prog  Progress
	// firstReject is why the first record refused in the current window
	// was; rejected is the first window failed on refused records.
	firstReject error
	rejected    *stop
}

// Run reads the closed windows of j's source from checkpoint − Lookback
// (or From) to now − Settle, window by window, and records each. It
// returns an error when the run stopped before the end: a window failed
// (Result.Failed), the context ended, or the state could not be written.
func Run(ctx context.Context, j Job) (Result, error) {
	r := &run{Job: j}
	r.defaults()
	if err := cdr.CheckSyncSource(j.Source); err != nil {
		return r.res, err
	}
	if j.Client == nil || j.Decoder == nil || j.Store == nil || j.State == nil {
		return r.res, errors.New("ingest: a job needs a client, a decoder, a store and a sync state")
	}
	cp, err := j.State.Checkpoint(ctx, j.Tenant, j.Source)
	if err != nil {
		return r.res, err
	}
	r.res.Checkpoint = cp
	var start time.Time
	switch {
	case !j.Start.IsZero():
		start = j.Start
		r.cur = cp
		if cp == 0 {
			r.cur = start.Truncate(time.Second).UnixMilli()
		}
	case cp > 0:
		r.cur = cp
		start = time.UnixMilli(cp).Add(-j.Lookback)
	default:
		start = j.From
		r.cur = start.Truncate(time.Second).UnixMilli()
	}
	if start.Before(j.Oldest) {
		start = j.Oldest
	}
	start = start.Truncate(time.Second)
	if r.cur < start.UnixMilli() {
		// The vendor no longer serves what lies between the checkpoint
		// (or From) and its oldest record: nothing can verify it any
		// more, so the contiguous checkpoint resumes where the vendor
		// does.
		r.Logger.Warn("sync records lost past the vendor's retention", "tenant", j.Tenant.String(), "source", j.Source,
			"from", r.cur, "to", start.UnixMilli())
		r.cur = start.UnixMilli()
	}
	end := r.Now().Add(-j.Settle)
	if !j.End.IsZero() && j.End.Before(end) {
		end = j.End
	}
	end = end.Truncate(time.Second)
	maxWin := j.Client.MaxWindow().Truncate(time.Second)
	if maxWin < time.Second {
		return r.res, errors.New("ingest: the client's longest window is under a second")
	}
	for from := start; from.Before(end); {
		to := from.Add(maxWin)
		if to.After(end) {
			to = end
		}
		if err := r.window(ctx, from, to); err != nil {
			return r.res, r.fail(ctx, err)
		}
		from = to
	}
	if r.rejected != nil {
		// The run read every window, but one held a record it could not
		// keep: the source's error says so until a run keeps them all.
		if err := r.fail(ctx, r.rejected); err != r.rejected {
			return r.res, err
		}
		return r.res, nil
	}
	if err := j.State.ClearSyncError(ctx, j.Tenant, j.Source); err != nil {
		return r.res, err
	}
	return r.res, nil
}

func (r *run) defaults() {
	if r.MaxWindowRecords <= 0 {
		r.MaxWindowRecords = DefaultMaxWindowRecords
	}
	if r.Retries <= 0 {
		r.Retries = DefaultRetries
	}
	if r.BackoffBase <= 0 {
		r.BackoffBase = DefaultBackoffBase
	}
	if r.BackoffMax <= 0 {
		r.BackoffMax = DefaultBackoffMax
	}
	if r.Now == nil {
		r.Now = time.Now
	}
	if r.Sleep == nil {
		r.Sleep = sleep
	}
	if r.Logger == nil {
		r.Logger = slog.New(slog.DiscardHandler)
	}
	if r.RPS > 0 {
		r.limit = httpx.NewLimiter(r.RPS, max(r.Burst, 1))
	}
}

func (r *run) progress() {
	if r.Progress != nil {
		r.Progress(r.prog)
	}
}

// pace waits for a token of the rate limit, if there is one.
func (r *run) pace(ctx context.Context) error {
	if r.limit == nil {
		return nil
	}
	for !r.limit.Allow(r.Now()) {
		if err := r.Sleep(ctx, time.Duration(float64(time.Second)/r.RPS)); err != nil {
			return err
		}
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// fail sets a stopped run's error as the source's last error.
func (r *run) fail(ctx context.Context, err error) error {
	var s *stop
	if !errors.As(err, &s) || ctx.Err() != nil {
		return err
	}
	r.res.Failed = true
	e := cdr.SyncError{Code: s.code, Message: message(s.err), At: r.Now().UnixMilli()}
	if serr := r.State.SetSyncError(ctx, r.Tenant, r.Source, e); serr != nil {
		return errors.Join(err, serr)
	}
	return err
}

func message(err error) string {
	m := err.Error()
	if len(m) > cdr.MaxSyncMessageLen {
		m = strings.ToValidUTF8(m[:cdr.MaxSyncMessageLen-3], "")
	}
	return m
}

// window reads [from, to): counts it, splits it when it holds more than
// MaxWindowRecords, else reads and verifies it.
func (r *run) window(ctx context.Context, from, to time.Time) error {
	w := cdr.SyncWindow{Source: r.Source, From: from.UnixMilli(), To: to.UnixMilli(), StartedAt: r.Now().UnixMilli()}
	r.firstReject = nil
	count, err := r.count(ctx, from, to)
	if err != nil {
		return r.record(ctx, &w, err)
	}
	if count > r.MaxWindowRecords && to.Sub(from) > time.Second {
		mid := from.Add((to.Sub(from) / 2).Truncate(time.Second))
		if err := r.window(ctx, from, mid); err != nil {
			return err
		}
		return r.window(ctx, mid, to)
	}
	for reread := 0; ; reread++ {
		w.VendorCount = count
		read, err := r.read(ctx, &w, from, to, count)
		if err != nil {
			return r.record(ctx, &w, err)
		}
		again, err := r.count(ctx, from, to)
		if err != nil {
			return r.record(ctx, &w, err)
		}
		if again == count && read == count {
			w.VendorCount = again
			if w.Rejected > 0 {
				return r.recordRejected(ctx, &w)
			}
			return r.record(ctx, &w, nil)
		}
		r.Logger.Warn("sync window moved while read", "tenant", r.Tenant.String(), "source", r.Source,
			"from", w.From, "to", w.To, "count", count, "read", read, "recount", again, "reread", reread)
		if reread == MaxRereads {
			w.VendorCount = again
			return r.record(ctx, &w, &stop{CodeCountMoved, fmt.Errorf(
				"window [%d, %d): the vendor's count moved from %d to %d (%d read) over %d re-reads", w.From, w.To, count, again, read, MaxRereads)})
		}
		count = again
	}
}

// recordRejected records a window that was read in full, but whose
// records were not all kept, failed: the run goes on to the next window,
// but the checkpoint stays before this one, so that every run reads it
// again until its records are kept.
func (r *run) recordRejected(ctx context.Context, w *cdr.SyncWindow) error {
	s := &stop{CodeRejected, fmt.Errorf("window [%d, %d): %d of its %d records refused, the first: %w",
		w.From, w.To, w.Rejected, w.VendorCount, r.firstReject)}
	if err := r.record(ctx, w, s); err != s {
		return err
	}
	r.res.Failed = true
	if r.rejected == nil {
		r.rejected = s
	}
	return nil
}

// read pages through the window, upserting every page, until count
// records are read or a page is short; it returns the records read. The
// next page is asked for while a page is decoded, and the records are
// written in batches while the pages after them are read, so that the
// vendor's time and the store's overlap. It returns once every write has
// ended.
func (r *run) read(ctx context.Context, w *cdr.SyncWindow, from, to time.Time, count int) (read int, err error) {
	if count == 0 {
		return 0, nil // the recount tells whether records came meanwhile
	}
	ctx, cancel := context.WithCancel(ctx)
	size := r.Client.PageSize()
	last := (count+size-1)/size - 1 // the last page the count needs
	var asked []<-chan page         // the pages asked for, in order
	next := 0                       // the next page to ask for
	var batch []*cdr.Record         // decoded, not yet written
	var writing <-chan upserted     // the write in flight, nil when none
	defer func() {
		// Nothing is left running: pages asked for but not needed, and on
		// an error the write in flight, end with the context; their own
		// errors come second.
		if err != nil || len(asked) > 0 {
			cancel()
		}
		for _, ch := range asked {
			<-ch
		}
		if werr := r.written(w, writing); err == nil {
			err = werr
		}
		cancel()
	}()
	for n := 0; ; n++ {
		for next <= last && len(asked) < prefetch {
			asked = append(asked, r.fetch(ctx, from, to, next))
			next++
		}
		p := <-asked[0]
		asked = asked[1:]
		if p.err != nil {
			return read, p.err
		}
		w.Pages++
		read += len(p.recs)
		more := len(p.recs) == size && read < count
		batch = r.decode(w, batch, p.recs, p.at)
		if !more || len(batch) >= writeBatch {
			err := r.written(w, writing)
			writing = nil
			if err != nil {
				return read, err
			}
			writing = r.upsert(ctx, batch)
			batch = nil
		}
		r.prog.Pages++
		r.prog.Records += len(p.recs)
		r.progress()
		if !more {
			return read, nil
		}
	}
}

// prefetch is how many pages read has asked for ahead, at most.
const prefetch = 2

// writeBatch is how many records read collects, from consecutive pages,
// before it writes them in one upsert: fewer, larger transactions. One
// batch is written while the next pages are fetched and decoded.
const writeBatch = 1000

// page is a page of a window as fetched.
type page struct {
	recs []json.RawMessage
	at   time.Time
	err  error
}

// fetch asks for page n of the window, with retries, and delivers it on
// the channel it returns.
func (r *run) fetch(ctx context.Context, from, to time.Time, n int) <-chan page {
	ch := make(chan page, 1)
	go func() {
		var p page
		p.err = r.retry(ctx, func() error {
			var err error
			p.recs, _, p.at, err = r.Client.Page(ctx, from, to, n)
			return err
		})
		ch <- p
	}()
	return ch
}

// decode appends a page's records to batch, each decoded and prepared
// with the page's fetch time as its version. A record that does not
// decode, or is invalid, is counted rejected and logged.
func (r *run) decode(w *cdr.SyncWindow, batch []*cdr.Record, raws []json.RawMessage, fetched time.Time) []*cdr.Record {
	version := fetched.UnixMilli()
	for _, raw := range raws {
		rec, err := r.Decoder.Decode(raw)
		if err == nil {
			rec.Version, rec.VersionSet = version, true
			err = rec.Prepare(r.Tenant, version)
		}
		if err != nil {
			w.Rejected++
			r.res.Rejected++
			r.Metrics.recordsAdd(r.Source, ClassRejected, 1)
			key := r.Client.Key(raw)
			r.Logger.Warn("sync record rejected", "tenant", r.Tenant.String(), "source", r.Source, "key", key, "err", err)
			if r.firstReject == nil {
				r.firstReject = fmt.Errorf("record %q: %w", key, err)
			}
			continue
		}
		batch = append(batch, rec)
	}
	return batch
}

// upserted is what a write did.
type upserted struct {
	res cdr.UpsertResult
	err error
}

// upsert writes decoded records, in the background: the channel delivers
// what the write did.
func (r *run) upsert(ctx context.Context, recs []*cdr.Record) <-chan upserted {
	ch := make(chan upserted, 1)
	go func() {
		var u upserted
		if len(recs) > 0 {
			u.res, u.err = r.Store.UpsertRecords(ctx, r.Tenant, recs, cdr.UpsertOptions{Now: r.Now().UnixMilli()})
		}
		if u.err != nil && ctx.Err() != nil {
			u.err = ctx.Err()
		} else if u.err != nil {
			u.err = &stop{CodeStore, u.err}
		}
		ch <- u
	}()
	return ch
}

// written waits for the write in flight, if any, and counts what it did.
func (r *run) written(w *cdr.SyncWindow, writing <-chan upserted) error {
	if writing == nil {
		return nil
	}
	u := <-writing
	if u.err != nil {
		return u.err
	}
	res := u.res
	w.Inserted += res.Inserted
	w.Updated += res.Updated
	w.Unchanged += res.Unchanged
	r.res.Inserted += res.Inserted
	r.res.Updated += res.Updated
	r.res.Unchanged += res.Unchanged
	r.Metrics.recordsAdd(r.Source, ClassInserted, res.Inserted)
	r.Metrics.recordsAdd(r.Source, ClassUpdated, res.Updated)
	r.Metrics.recordsAdd(r.Source, ClassUnchanged, res.Unchanged)
	return nil
}

func (r *run) count(ctx context.Context, from, to time.Time) (int, error) {
	var n int
	err := r.retry(ctx, func() error {
		var err error
		n, err = r.Client.Count(ctx, from, to)
		return err
	})
	return n, err
}

// retry calls fn until it succeeds, retrying Throttled and Transient
// errors up to Retries times after a backoff. The error of a vendor
// request that failed for good is a *stop of its kind.
func (r *run) retry(ctx context.Context, fn func() error) error {
	for attempt := 0; ; attempt++ {
		if err := r.pace(ctx); err != nil {
			return err
		}
		err := fn()
		if err == nil {
			r.Metrics.request(r.Source, RequestOK)
			return nil
		}
		if ctx.Err() != nil {
			r.Metrics.request(r.Source, RequestError)
			return ctx.Err()
		}
		kind := r.Client.Kind(err)
		if kind == 0 {
			r.Metrics.request(r.Source, RequestError)
		} else {
			r.Metrics.request(r.Source, kind.String())
		}
		if (kind == Throttled || kind == Transient) && attempt < r.Retries {
			d := r.backoff(attempt)
			var ra RetryAfter
			if errors.As(err, &ra) {
				d = max(d, min(ra.RetryAfter(), r.BackoffMax))
			}
			r.Logger.Info("sync request retried", "tenant", r.Tenant.String(), "source", r.Source,
				"kind", kind.String(), "attempt", attempt+1, "after", d, "err", err)
			if err := r.Sleep(ctx, d); err != nil {
				return err
			}
			continue
		}
		code := kind.String()
		if kind == 0 {
			code = "error"
		}
		return &stop{code, err}
	}
}

// backoff is the wait before retry attempt: BackoffBase·2^attempt capped
// at BackoffMax, less a random part of up to half.
func (r *run) backoff(attempt int) time.Duration {
	d := r.BackoffMax
	if attempt < 30 && r.BackoffBase<<attempt < r.BackoffMax {
		d = r.BackoffBase << attempt
	}
	return d - time.Duration(rand.Int64N(int64(d/2)+1))
}

// record writes w's audit row: verified when cause is nil, advancing the
// checkpoint when w starts at or before it; failed otherwise, when cause
// stops the run (not on the context ending: nothing is written then).
// It returns cause, or the state's error.
func (r *run) record(ctx context.Context, w *cdr.SyncWindow, cause error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var s *stop
	if cause != nil && !errors.As(cause, &s) {
		return cause
	}
	w.FinishedAt = max(r.Now().UnixMilli(), w.StartedAt)
	advance := false
	if cause == nil {
		w.Outcome = cdr.WindowVerified
		advance = w.From <= r.cur
	} else {
		w.Outcome, w.ErrorCode, w.ErrorMessage = cdr.WindowFailed, s.code, message(s.err)
	}
	if err := r.State.RecordWindow(ctx, r.Tenant, *w, advance); err != nil {
		return errors.Join(cause, err)
	}
	r.res.Windows = append(r.res.Windows, *w)
	r.prog.Windows++
	r.progress()
	if advance {
		r.cur = max(r.cur, w.To)
		r.res.Checkpoint = max(r.res.Checkpoint, w.To)
	}
	return cause
}
