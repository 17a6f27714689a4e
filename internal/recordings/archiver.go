package recordings

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"sync"
	"time"

	"github.com/cdrhub/cdrhub/internal/blob"
	"github.com/cdrhub/cdrhub/internal/cdr"
)

// Defaults of an Archiver's zero values.
const (
	DefaultMaxFileBytes = int64(1 << 30)
	DefaultSettle       = time.Minute
	DefaultFileTimeout  = 10 * time.Minute
	DefaultRetries      = 3
	DefaultRetryBackoff = time.Second
	DefaultConcurrency  = 4
	// MaxRedirects is how many redirects the default client follows.
	MaxRedirects = 3
	// dueBatch is how many due files one DueFiles call reads.
	dueBatch = 100
)

// The schedule of a file's failed attempts.
const (
	// PermanentAttempts: a file whose failure is permanent is given up
	// after this many failed attempts, tried again 1 h, 4 h and 12 h after
	// the first three.
	PermanentAttempts = 4
	// TransientBase is the delay after the first transient failure,
	// doubled after each, up to TransientMax.
	TransientBase = 5 * time.Minute
	TransientMax  = time.Hour
	// UnknownExpiryAttempts: a file of unknown expiry failing transiently
	// is given up after this many failed attempts (about two days).
	UnknownExpiryAttempts = 48
)

var permanentDelays = []time.Duration{time.Hour, 4 * time.Hour, 12 * time.Hour}

// DefaultExpiry is how long after a call's start each vendor deletes (or
// stops serving) its recordings; the sources missing are unknown.
var DefaultExpiry = map[cdr.Source]time.Duration{
	cdr.SourceTencentCCC: 90 * 24 * time.Hour,
	cdr.SourceLaaffic:    60 * 24 * time.Hour,
	cdr.SourceAliyunCCC:  24 * time.Hour,
}

// Archiver copies tenants' recording files into Blobs. One Archiver serves
// every tenant: Run may be called concurrently, for one tenant or several,
// and they share the per-host rate limits and the HTTP client. Its fields
// must not change after the first Run.
type Archiver struct {
	State cdr.Archive
	Blobs blob.Store
	// HTTP fetches the files; when nil, a client with timeouts that
	// follows at most MaxRedirects redirects, to http(s) only.
	HTTP *http.Client
	// Now is the clock of the archive's state (due times, schedules);
	// time.Now when nil.
	Now     func() time.Time
	Log     *slog.Logger // discarded when nil
	Metrics *Metrics     // nil records nothing
	// AllowNetworks admits addresses the default client refuses
	// (loopback, link-local, reserved: dial.go), e.g. a PBX on the same
	// host. Unused when HTTP is set.
	AllowNetworks []netip.Prefix
	// MaxBytesPerSecondPerHost bounds the rate files are read from one
	// host (the URL's), across every tenant and goroutine; 0 is no bound.
	MaxBytesPerSecondPerHost int64
	// MaxFileBytes is the largest file archived; DefaultMaxFileBytes when
	// 0.
	MaxFileBytes int64
	// Expiry overrides DefaultExpiry per source: how long after a call's
	// start its vendor deletes its recordings.
	Expiry map[cdr.Source]time.Duration
	// Settle: a run plans the records updated before now − Settle, so
	// that writes in flight commit first; DefaultSettle when 0.
	Settle time.Duration
	// FileTimeout bounds one GET of a file, its body included;
	// DefaultFileTimeout when 0.
	FileTimeout time.Duration
	// Resolve finds, per source, where to fetch a file whose record names
	// no address: Alibaba's recordings are fetched from the address
	// GetMonoRecording answers. A source without one leaves such files to
	// an upload (PUT …/recordings/{n}).
	Resolve map[cdr.Source]Resolver
	// Retries is how often a transient failure is tried again within a
	// run (DefaultRetries when 0, none when negative), after RetryBackoff,
	// doubled each time (DefaultRetryBackoff when 0).
	Retries      int
	RetryBackoff time.Duration

	once   sync.Once
	client *http.Client
	limits *hostLimits
	log    *slog.Logger
}

// TenantOptions are one tenant's settings of a run.
type TenantOptions struct {
	// Concurrency is how many files are fetched at once;
	// DefaultConcurrency when 0.
	Concurrency int
	// Progress, when set, is called after each file with the run's totals
	// so far (never concurrently).
	Progress func(Result)
}

// Result is what a run did.
type Result struct {
	Planned  int   // records planned (read by PlanFiles)
	Archived int   // files archived
	Bytes    int64 // their bytes
	Failed   int   // failed attempts recorded, the given-up ones included
	GivenUp  int   // files given up
	Err      error // why the run stopped early, if it did
}

func (a *Archiver) init() {
	a.once.Do(func() {
		a.client = a.HTTP
		if a.client == nil {
			a.client = NewClient(a.AllowNetworks)
		}
		a.limits = &hostLimits{rate: a.MaxBytesPerSecondPerHost}
		a.log = a.Log
		if a.log == nil {
			a.log = slog.New(slog.DiscardHandler)
		}
	})
}

var errRedirect = errors.New("redirect refused")

// NewClient returns the default client of an Archiver: timeouts on
// connecting and on the response's header (the body is bounded by the
// Archiver's FileTimeout), at most MaxRedirects redirects, to http and
// https only, and no connection to a loopback, link-local or reserved
// address unless allow lists it (dial.go).
func NewClient(allow []netip.Prefix) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: dialControl(allow)}
	tr.DialContext = d.DialContext
	tr.ResponseHeaderTimeout = 30 * time.Second
	tr.MaxIdleConnsPerHost = 16
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > MaxRedirects {
				return fmt.Errorf("%w: more than %d", errRedirect, MaxRedirects)
			}
			if s := req.URL.Scheme; s != "http" && s != "https" {
				return fmt.Errorf("%w: to scheme %q", errRedirect, s)
			}
			return nil
		},
	}
}

func (a *Archiver) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func orDefault[T comparable](v, d T) T {
	var zero T
	if v == zero {
		return d
	}
	return v
}

// ExpiryOf returns how long after a call's start src's vendor deletes its
// recordings: Expiry, else DefaultExpiry, else 0 (unknown).
func (a *Archiver) ExpiryOf(src cdr.Source) time.Duration {
	if d, ok := a.Expiry[src]; ok {
		return d
	}
	return DefaultExpiry[src]
}

// expires is the ExpiresAt of r's files, ms; 0 unknown.
func (a *Archiver) expires(r *cdr.Record) int64 {
	d := a.ExpiryOf(r.Source)
	if d <= 0 {
		return 0
	}
	return r.StartAt + d.Milliseconds()
}

// fileID names a file of a tenant.
type fileID struct {
	record string
	n      int
}

// run is one Run.
type run struct {
	*Archiver
	t   cdr.TenantID
	opt TenantOptions

	mu  sync.Mutex
	res Result
}

// Run archives t's files: it plans the files of the records written since
// the last run (PlanFiles, until caught up), then fetches the files due at
// its start, the earliest-expiring first, opt.Concurrency at once. Each
// file is tried at its URL, then at its CopyURL when the URL is empty or
// fails; a transient failure is tried again within the run (Retries), then
// recorded with the time of its next attempt (a later run) or given up
// (see Schedule). A file is fetched at most once per run, so a run ends.
//
// It returns an error when it stopped early: the context ended, or the
// state or the blob store failed. The file being fetched then is left as
// it was (pending, its attempts unchanged), and nothing of it is visible
// in the blob store: the next run fetches it again.
func (a *Archiver) Run(ctx context.Context, t cdr.TenantID, opt TenantOptions) (Result, error) {
	a.init()
	if t.IsZero() {
		return Result{Err: cdr.ErrNoTenant}, cdr.ErrNoTenant
	}
	opt.Concurrency = orDefault(opt.Concurrency, DefaultConcurrency)
	r := &run{Archiver: a, t: t, opt: opt}
	err := r.run(ctx)
	r.res.Err = err
	return r.res, err
}

func (r *run) run(ctx context.Context) error {
	start := r.now()
	upTo := start.Add(-orDefault(r.Settle, DefaultSettle)).UnixMilli()
	for {
		n, err := r.State.PlanFiles(ctx, r.t, upTo, cdr.MaxArchiveBatch, r.expires)
		r.res.Planned += n
		if err != nil {
			return fmt.Errorf("recordings: planning: %w", err)
		}
		if n < cdr.MaxArchiveBatch {
			break
		}
	}
	// Only the files due at the start: a file failing during the run is
	// due later. tried guards against a file whose row a failed write
	// left due.
	due := start.UnixMilli()
	tried := make(map[fileID]bool)
	if err := r.drain(ctx, tried, func() ([]cdr.ArchiveFile, error) { return r.State.DueFiles(ctx, r.t, due, dueBatch) }); err != nil {
		return err
	}
	// Then the files that name no address, of the sources whose vendor
	// says where they are.
	var resolvable []cdr.Source
	for src, res := range r.Resolve {
		if res != nil {
			resolvable = append(resolvable, src)
		}
	}
	if len(resolvable) == 0 {
		return nil
	}
	return r.drain(ctx, tried, func() ([]cdr.ArchiveFile, error) {
		return r.State.DueUnaddressed(ctx, r.t, resolvable, due, dueBatch)
	})
}

// drain archives the batches next reads until one has nothing new.
func (r *run) drain(ctx context.Context, tried map[fileID]bool, next func() ([]cdr.ArchiveFile, error)) error {
	for {
		fs, err := next()
		if err != nil {
			return fmt.Errorf("recordings: reading due files: %w", err)
		}
		todo := fs[:0]
		for _, f := range fs {
			if id := (fileID{f.RecordID, f.N}); !tried[id] {
				tried[id] = true
				todo = append(todo, f)
			}
		}
		if len(todo) == 0 {
			return nil
		}
		if err := r.batch(ctx, todo); err != nil {
			return err
		}
		if len(fs) < dueBatch {
			return nil
		}
	}
}

// batch archives fs, Concurrency at once, in their order. The first error
// ends it.
func (r *run) batch(ctx context.Context, fs []cdr.ArchiveFile) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sem := make(chan struct{}, r.opt.Concurrency)
	var wg sync.WaitGroup
	for _, f := range fs {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := r.file(ctx, f); err != nil {
				cancel(err)
			}
		})
	}
	wg.Wait()
	return context.Cause(ctx)
}

// file archives f, or records its failure. It returns an error only when
// the run must stop.
func (r *run) file(ctx context.Context, f cdr.ArchiveFile) error {
	retries := orDefault(r.Retries, DefaultRetries)
	backoff := orDefault(r.RetryBackoff, DefaultRetryBackoff)
	var (
		sf  cdr.StoredFile
		err error
	)
	for try := 0; ; try++ {
		sf, err = r.fetch(ctx, f)
		var fe *Error
		if err == nil || !errors.As(err, &fe) || fe.Permanent() || try >= retries {
			break
		}
		if err := sleep(ctx, backoff<<try); err != nil {
			return err
		}
	}
	var fe *Error
	switch {
	case err == nil:
		return r.archived(ctx, f, sf)
	case errors.As(err, &fe) && ctx.Err() == nil:
		return r.failed(ctx, f, fe)
	}
	return err
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}

func (r *run) archived(ctx context.Context, f cdr.ArchiveFile, sf cdr.StoredFile) error {
	sf.At = r.now().UnixMilli()
	prev, err := r.State.SetArchived(ctx, r.t, f.RecordID, f.N, sf)
	if err != nil {
		return fmt.Errorf("recordings: recording %s file %d archived: %w", f.RecordID, f.N, err)
	}
	r.Metrics.archived(sf.Bytes)
	r.add(func(res *Result) { res.Archived++; res.Bytes += sf.Bytes })
	if prev == "" {
		return nil
	}
	// The file's previous copy, unless another row names it.
	if err := DeleteUnused(ctx, r.State, r.Blobs, r.t, prev); err != nil {
		r.log.WarnContext(ctx, "recordings: deleting a replaced copy", "tenant", r.t.String(),
			"record", f.RecordID, "n", f.N, "key", prev, "err", err)
	}
	return nil
}

func (r *run) failed(ctx context.Context, f cdr.ArchiveFile, e *Error) error {
	fl := Schedule(f, e, r.now())
	if err := r.State.SetFailed(ctx, r.t, f.RecordID, f.N, fl); err != nil {
		return fmt.Errorf("recordings: recording %s file %d failed: %w", f.RecordID, f.N, err)
	}
	r.Metrics.failed(e.Reason, fl.GiveUp)
	r.add(func(res *Result) {
		res.Failed++
		if fl.GiveUp {
			res.GivenUp++
		}
	})
	attrs := []any{"tenant", r.t.String(), "record", f.RecordID, "n", f.N, "of", f.Of,
		"reason", e.Reason, "message", e.Message, "url", Redact(orDefault(f.URL, f.CopyURL)),
		"attempts", f.Attempts + 1}
	if fl.GiveUp {
		attrs = append(attrs, "given_up", true)
	} else {
		attrs = append(attrs, "next_attempt", time.UnixMilli(fl.NextAttemptAt).UTC())
	}
	r.log.WarnContext(ctx, "recordings: archiving a file failed", attrs...)
	return nil
}

// add updates the run's totals and reports them.
func (r *run) add(fn func(*Result)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fn(&r.res)
	if r.opt.Progress != nil {
		r.opt.Progress(r.res)
	}
}

// Schedule returns the failure to record for f's attempt at now failing
// with e. Attempts count every failed attempt, this one included. A
// permanent failure is tried again 1 h, 4 h, then 12 h later and given up
// at the PermanentAttempts-th; a transient one 5 min later, doubling up to
// 1 h, and given up once the file's expiry has passed, or at the
// UnknownExpiryAttempts-th when its expiry is unknown. Either is given up
// once the file has expired.
func Schedule(f cdr.ArchiveFile, e *Error, now time.Time) cdr.Failure {
	attempts := f.Attempts + 1
	at := now.UnixMilli()
	fl := cdr.Failure{Reason: e.Reason, Message: e.Message, At: at}
	expired := f.ExpiresAt != 0 && at >= f.ExpiresAt
	var delay time.Duration
	if e.Permanent() {
		fl.GiveUp = expired || attempts >= PermanentAttempts
		delay = permanentDelays[min(attempts, len(permanentDelays))-1]
	} else {
		fl.GiveUp = expired || f.ExpiresAt == 0 && attempts >= UnknownExpiryAttempts
		delay = TransientMax
		if attempts <= 6 {
			delay = min(TransientBase<<(attempts-1), TransientMax)
		}
	}
	if !fl.GiveUp {
		fl.NextAttemptAt = now.Add(delay).UnixMilli()
	}
	return fl
}

// Resolver returns where file f of tenant t can be fetched now, for a
// file whose record names no address. An error is the file's failure,
// transient: the vendor may have the file later.
type Resolver func(ctx context.Context, t cdr.TenantID, f cdr.ArchiveFile) (string, error)

// fetch stores f from its URL, else from its CopyURL, else from where its
// source's Resolver says. When both fail, the error is a transient one if
// either is (trying again may work), else the URL's.
func (r *run) fetch(ctx context.Context, f cdr.ArchiveFile) (cdr.StoredFile, error) {
	urls := []string{f.URL, f.CopyURL}
	if resolve := r.Resolve[f.Source]; resolve != nil && f.URL == "" && f.CopyURL == "" {
		u, err := resolve(ctx, r.t, f)
		switch {
		case ctx.Err() != nil:
			return cdr.StoredFile{}, context.Cause(ctx)
		case err != nil:
			return cdr.StoredFile{}, newError(ReasonResolve, errorText(err), err)
		}
		urls = []string{u}
	}
	var first *Error
	for _, u := range urls {
		if u == "" {
			continue
		}
		sf, err := r.get(ctx, f, u)
		var fe *Error
		if !errors.As(err, &fe) {
			return sf, err // stored, or the run must stop
		}
		switch {
		case first == nil:
			first = fe
		case first.Permanent() && !fe.Permanent():
			first = fe
		}
	}
	if first == nil {
		return cdr.StoredFile{}, newError(ReasonBadURL, "no URL", nil)
	}
	return cdr.StoredFile{}, first
}

// get stores the file at u. Failures of the file are *Error; any other
// error stops the run.
func (r *run) get(ctx context.Context, f cdr.ArchiveFile, u string) (cdr.StoredFile, error) {
	pu, err := url.Parse(u)
	if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
		return cdr.StoredFile{}, newError(ReasonBadURL, "not an http(s) URL: "+Redact(u), nil)
	}
	fctx, cancel := context.WithTimeout(ctx, orDefault(r.FileTimeout, DefaultFileTimeout))
	defer cancel()
	req, err := http.NewRequestWithContext(fctx, http.MethodGet, u, nil)
	if err != nil {
		return cdr.StoredFile{}, newError(ReasonBadURL, errorText(err), err)
	}
	// classify turns an error of the request into the file's failure,
	// unless the run's context ended.
	classify := func(err error) error {
		var fe *Error
		switch {
		case ctx.Err() != nil:
			return context.Cause(ctx)
		case errors.Is(err, errRedirect):
			return newError(ReasonRedirect, errorText(err), err)
		case fctx.Err() != nil:
			return newError(ReasonTimeout, fmt.Sprintf("no complete answer within %v", orDefault(r.FileTimeout, DefaultFileTimeout)), err)
		case errors.As(err, &fe):
			return err
		case isTimeout(err):
			return newError(ReasonTimeout, errorText(err), err)
		}
		return newError(ReasonNetwork, errorText(err), err)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return cdr.StoredFile{}, classify(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10)) // reuse the connection
		return cdr.StoredFile{}, statusError(resp)
	}
	body := r.limits.reader(fctx, pu.Host, resp.Body)
	sf, err := Store(fctx, r.Blobs, r.t, body, Expect{
		Length:     resp.ContentLength,
		MaxBytes:   orDefault(r.MaxFileBytes, DefaultMaxFileBytes),
		Transcript: f.Transcript,
	})
	var fe *Error
	switch {
	case err == nil:
		return sf, nil
	case ctx.Err() != nil:
		return cdr.StoredFile{}, context.Cause(ctx)
	case errors.As(err, &fe) || fctx.Err() != nil:
		return cdr.StoredFile{}, classify(err)
	}
	return cdr.StoredFile{}, err // the blob store's
}

// statusError is the failure of an answer outside 2xx.
func statusError(resp *http.Response) *Error {
	reason := ReasonHTTPOther
	switch c := resp.StatusCode; {
	case c == http.StatusNotFound:
		reason = ReasonHTTP404
	case c == http.StatusForbidden:
		reason = ReasonHTTP403
	case c == http.StatusGone:
		reason = ReasonHTTP410
	case c >= 500 && c <= 599:
		reason = ReasonHTTP5xx
	}
	return newError(reason, "HTTP "+resp.Status, nil)
}

// DeleteUnused deletes t's blob under key unless a row of the archive still
// names it: the previous copy of a file archived again.
func DeleteUnused(ctx context.Context, state cdr.Archive, blobs blob.Store, t cdr.TenantID, key string) error {
	inUse, err := state.BlobInUse(ctx, t, key)
	if err != nil || inUse {
		return err
	}
	return blobs.Delete(ctx, key)
}
