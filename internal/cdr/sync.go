package cdr

import (
	"context"
	"time"
	"unicode/utf8"
)

// SyncState is the state a store keeps for the sync engine, which pulls
// closed time windows of records from a vendor's cloud per tenant and
// source (docs/design.md, Sync state): per source a checkpoint, the audit
// row of every window read, the last error, and a lease that lets one
// process at a time pull the source.
//
// Every method takes the tenant right after the context and refuses the
// zero tenant (ErrNoTenant), so no caller reaches another tenant's state.
// A source is a vendor source of Sources (native is not one); any other is
// refused as invalid. Times are Unix milliseconds.
type SyncState interface {
	// Checkpoint returns the end of the last verified window of t's
	// source (ms), 0 before the first.
	Checkpoint(ctx context.Context, t TenantID, source Source) (int64, error)
	// RecordWindow writes the audit row of a window read (w.Check) and,
	// when advance, moves the source's checkpoint to w.To if that is
	// forward (never backwards), in one transaction. advance requires
	// w.Outcome to be verified. A verified window counts in
	// SyncStatus.WindowsVerified whether or not it advanced the checkpoint.
	RecordWindow(ctx context.Context, t TenantID, w SyncWindow, advance bool) error
	// SyncWindows lists the audit rows of t's source in the order they
	// were recorded, those with an ID greater than afterID (0: from the
	// first), at most limit of them (1 to MaxSyncWindows; 0 means
	// MaxSyncWindows).
	SyncWindows(ctx context.Context, t TenantID, source Source, afterID int64, limit int) ([]SyncWindow, error)
	// SetSyncError records e as the source's last error, replacing the
	// previous one.
	SetSyncError(ctx context.Context, t TenantID, source Source, e SyncError) error
	// ClearSyncError removes the source's last error, if any.
	ClearSyncError(ctx context.Context, t TenantID, source Source) error
	// RecordRun records the start, finish and outcome of t's source's
	// last run, replacing the previous run's.
	RecordRun(ctx context.Context, t TenantID, source Source, r SyncRun) error
	// SyncSources returns the status of each of t's sources that has a
	// window, an error or a run recorded, ordered by source, with the
	// source's lease when one is held and unexpired at now.
	SyncSources(ctx context.Context, t TenantID, now time.Time) ([]SyncStatus, error)

	// AcquireLease gives t's source's lease to h until now+ttl when it is
	// free, expired, or already h's (which extends it), and returns the
	// lease in force afterwards and whether it is h's. When another holder
	// has it, nothing changes and the returned lease is that holder's.
	AcquireLease(ctx context.Context, t TenantID, source Source, h LeaseHolder, ttl time.Duration, now time.Time) (Lease, bool, error)
	// RenewLease extends the lease to now+ttl if h still holds it, and
	// reports whether it did. A lease that expired and was taken by no one
	// is still h's and is renewed; one that another holder took is not.
	RenewLease(ctx context.Context, t TenantID, source Source, h LeaseHolder, ttl time.Duration, now time.Time) (bool, error)
	// ReleaseLease frees the lease if h holds it, and reports whether it
	// did.
	ReleaseLease(ctx context.Context, t TenantID, source Source, h LeaseHolder) (bool, error)
	// TakeOverLease gives the lease to to until now+ttl if from holds it,
	// expired or not, atomically, and reports whether it did. It is for a
	// caller that has found the holder gone (its process no longer runs on
	// the caller's host): if the lease changed hands meanwhile, nothing
	// changes.
	TakeOverLease(ctx context.Context, t TenantID, source Source, from, to LeaseHolder, ttl time.Duration, now time.Time) (bool, error)
}

// Bounds of the sync state's values.
const (
	// MaxSyncWindows is the most audit rows one SyncWindows call returns.
	MaxSyncWindows = 1000
	// MaxSyncMessageLen is the most bytes of an error message kept in the
	// sync state.
	MaxSyncMessageLen = 1024
)

// WindowOutcome is how the read of a sync window ended.
type WindowOutcome string

const (
	// WindowVerified: every record of the window was read and written,
	// and the counts agree with the vendor's.
	WindowVerified WindowOutcome = "verified"
	// WindowFailed: the window must be read again.
	WindowFailed WindowOutcome = "failed"
)

// WindowOutcomes lists every window outcome.
var WindowOutcomes = []WindowOutcome{WindowVerified, WindowFailed}

// SyncWindow is the audit row of one window read from a vendor: the
// records of Source that started in [From, To).
type SyncWindow struct {
	ID     int64 // assigned by the store; ignored by RecordWindow
	Source Source
	From   int64 // ms, inclusive
	To     int64 // ms, exclusive

	VendorCount int // records the vendor reported for the window
	Pages       int // pages read

	// What the upserts of the window's records did (cdr.UpsertResult;
	// stale records count as unchanged), and records refused as invalid.
	Inserted, Updated, Unchanged, Rejected int

	StartedAt  int64 // ms
	FinishedAt int64 // ms
	Outcome    WindowOutcome

	// Why a failed window failed: a short code and a message for
	// operators, never a credential or any other secret.
	ErrorCode    string
	ErrorMessage string
}

// Check refuses a window the sync state cannot keep, as invalid: an
// unknown or native source, an empty or negative window, negative counts,
// a finish before the start, an unknown outcome, an error code or message
// over its bound.
func (w *SyncWindow) Check() error {
	if err := CheckSyncSource(w.Source); err != nil {
		return err
	}
	switch {
	case w.From < 0 || w.To <= w.From:
		return Errorf(EINVALID, "sync window [%d, %d) is empty", w.From, w.To)
	case w.VendorCount < 0 || w.Pages < 0 || w.Inserted < 0 || w.Updated < 0 || w.Unchanged < 0 || w.Rejected < 0:
		return Errorf(EINVALID, "sync window counts must not be negative")
	case w.StartedAt < 0 || w.FinishedAt < w.StartedAt:
		return Errorf(EINVALID, "sync window finished before it started")
	case !Valid(w.Outcome, WindowOutcomes):
		return Errorf(EINVALID, "sync window outcome %q: want verified or failed", w.Outcome)
	}
	return checkSyncText(w.ErrorCode, w.ErrorMessage)
}

// SyncError is the last error of a source.
type SyncError struct {
	Code    string // short and stable, e.g. "auth" or "rate_limited"
	Message string // for operators; never a credential or any other secret
	At      int64  // ms
}

// Check refuses an error without a code, or with a code or message over
// its bound, as invalid.
func (e *SyncError) Check() error {
	if e.Code == "" {
		return Errorf(EINVALID, "sync error without a code")
	}
	return checkSyncText(e.Code, e.Message)
}

// RunOutcome is how a sync run ended.
type RunOutcome string

const (
	RunOK       RunOutcome = "ok"       // every window verified
	RunFailed   RunOutcome = "failed"   // a window failed or the source stopped on an error
	RunCanceled RunOutcome = "canceled" // the run was stopped (shutdown, a lost lease)
)

// RunOutcomes lists every run outcome.
var RunOutcomes = []RunOutcome{RunOK, RunFailed, RunCanceled}

// SyncRun is one run over a source.
type SyncRun struct {
	StartedAt  int64 // ms
	FinishedAt int64 // ms
	Outcome    RunOutcome
}

// Check refuses a run that finished before it started, started before
// 1970 or has an unknown outcome, as invalid.
func (r *SyncRun) Check() error {
	switch {
	case r.StartedAt < 0 || r.FinishedAt < r.StartedAt:
		return Errorf(EINVALID, "sync run finished before it started")
	case !Valid(r.Outcome, RunOutcomes):
		return Errorf(EINVALID, "sync run outcome %q: want ok, failed or canceled", r.Outcome)
	}
	return nil
}

// SyncCounts are the totals of upserts of a source's windows: what the
// upserts did (cdr.UpsertResult; stale records count as unchanged), and
// records refused as invalid.
type SyncCounts struct {
	Inserted, Updated, Unchanged, Rejected int64
}

// SyncStatus is the state of one source, for a status endpoint.
type SyncStatus struct {
	Source          Source
	Checkpoint      int64       // ms; 0 before the first verified window
	LastError       *SyncError  // nil when there is none
	LastWindow      *SyncWindow // the last recorded, nil before the first
	LastRun         *SyncRun    // the last recorded, nil before the first
	WindowsVerified int64       // windows recorded as verified
	Records         SyncCounts  // over every window recorded
	Lease           *Lease      // the lease in force, nil when none is
}

// LeaseHolder names a process that holds, or wants, a source's lease. Two
// holders are the same only when all three fields are equal.
type LeaseHolder struct {
	ID   string // unique per process, e.g. host, PID and a random part
	Host string // the holder's host name
	PID  int    // the holder's process id on Host
}

// Check refuses a holder without an ID, or with an ID or host over
// MaxNameLen or a negative PID, as invalid.
func (h *LeaseHolder) Check() error {
	switch {
	case h.ID == "" || len(h.ID) > MaxNameLen || len(h.Host) > MaxNameLen:
		return Errorf(EINVALID, "lease holder: want an id and host of at most %d bytes", MaxNameLen)
	case h.PID < 0:
		return Errorf(EINVALID, "lease holder: negative pid")
	}
	return nil
}

// Lease is a source's lease as it stands.
type Lease struct {
	Holder     LeaseHolder
	AcquiredAt int64 // ms; kept when the holder renews
	ExpiresAt  int64 // ms; the lease is free from then on
}

// CheckSyncSource refuses a source the sync state does not keep, as
// invalid: only the vendor sources of Sources are pulled.
func CheckSyncSource(s Source) error {
	if s == SourceNative || !Valid(s, Sources) {
		return Errorf(EINVALID, "sync source %q: want a vendor source", s)
	}
	return nil
}

// CheckLeaseTerms refuses a non-positive ttl or a time before 1970, as
// invalid.
func CheckLeaseTerms(ttl time.Duration, now time.Time) error {
	if ttl < time.Millisecond || now.UnixMilli() < 0 {
		return Errorf(EINVALID, "lease: want a ttl of at least 1ms and a time after 1970")
	}
	return nil
}

func checkSyncText(code, msg string) error {
	if len(code) > MaxNameLen || len(msg) > MaxSyncMessageLen || !utf8.ValidString(code) || !utf8.ValidString(msg) {
		return Errorf(EINVALID, "sync error: want valid UTF-8, a code of at most %d bytes and a message of at most %d", MaxNameLen, MaxSyncMessageLen)
	}
	return nil
}
