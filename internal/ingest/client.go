package ingest

import (
	"context"
	"encoding/json"
	"time"
)

// Kind is what the engine does about a vendor error.
type Kind int

// The kinds of vendor errors.
const (
	// Transient: retry the same request with backoff.
	Transient Kind = iota + 1
	// Throttled: the vendor's rate limit; back off, retry.
	Throttled
	// Auth: the credentials are refused; stop the source.
	Auth
	// Invalid: the request cannot succeed as it is; no retry.
	Invalid
)

func (k Kind) String() string {
	switch k {
	case Transient:
		return "transient"
	case Throttled:
		return "throttled"
	case Auth:
		return "auth"
	case Invalid:
		return "invalid"
	}
	return "unknown"
}

// Client is a vendor's record query as the engine drives it, for one
// tenant's credentials. Windows are half-open, [from, to), with bounds in
// whole seconds.
type Client interface {
	// Count returns the number of records in the window.
	Count(ctx context.Context, from, to time.Time) (int, error)
	// Page returns page n (from 0) of PageSize records of the window, the
	// vendor's count of the window's records and when the answer arrived.
	Page(ctx context.Context, from, to time.Time, n int) (records []json.RawMessage, total int, fetchedAt time.Time, err error)
	// PageSize is the size of a full page.
	PageSize() int
	// MaxWindow is the longest window the vendor accepts.
	MaxWindow() time.Duration
	// Kind classifies an error of Count or Page; 0 for the caller's own
	// context ending or an error of no kind.
	Kind(err error) Kind
	// Key names a raw record in logs (the vendor's id), "" when it has none.
	Key(raw json.RawMessage) string
}

// RetryAfter is an error of a vendor that said how long to wait before the
// next request (a rate-limit header): the engine's backoff after it is at
// least that long, though never above Job.BackoffMax.
type RetryAfter interface {
	RetryAfter() time.Duration
}
