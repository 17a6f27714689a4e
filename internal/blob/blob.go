// Package blob stores the recording archive's files (docs/design.md,
// Recording archive): opaque objects under keys, written once, read with
// seeking, deleted. Store is the one interface every backend implements;
// blobtest is the conformance suite each passes.
package blob

import (
	"context"
	"errors"
	"io"
	"regexp"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// Store keeps objects under keys. Keys come from Key; a backend may refuse
// any other.
type Store interface {
	// Create starts a new object. Its bytes are written to the Writer and
	// become visible under a key only when Commit returns nil: a reader
	// never sees a partial object, and an object a crash interrupted is
	// never visible. Committing over an existing key replaces it (keys are
	// content hashes, so the bytes are the same).
	Create(ctx context.Context) (Writer, error)
	// Open opens the object under key for reading, or returns an error
	// wrapping ErrNotFound.
	Open(ctx context.Context, key string) (Object, error)
	// Delete removes the object under key; a missing object is no error.
	Delete(ctx context.Context, key string) error
}

// Writer is an object being written.
type Writer interface {
	io.Writer
	// Commit makes the bytes written durable and visible under key. The
	// Writer is done afterwards, whatever the outcome.
	Commit(ctx context.Context, key string) error
	// Abort discards the bytes written. It may be called after Commit
	// (it then does nothing), so that `defer w.Abort()` is always right.
	Abort() error
}

// Object is a stored object open for reading.
type Object interface {
	io.ReadSeekCloser
	Size() int64
	ModTime() time.Time
}

// ErrNotFound is wrapped by the error of Open for a missing key.
var ErrNotFound = errors.New("blob: not found")

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Key is where the object with the given SHA-256 (lower-case hex) of tenant
// t is kept: "<tenant>/<first two hex digits>/<sha256>". Content-addressed
// per tenant: one tenant's identical files are stored once, and no key is
// shared by two tenants.
func Key(t cdr.TenantID, sha256 string) (string, error) {
	if t.IsZero() {
		return "", cdr.ErrNoTenant
	}
	if !sha256Hex.MatchString(sha256) {
		return "", cdr.Errorf(cdr.EINVALID, "blob: %q is not a lower-case hex SHA-256", sha256)
	}
	return t.String() + "/" + sha256[:2] + "/" + sha256, nil
}

// ValidKey reports whether key is one Key returns.
func ValidKey(key string) bool {
	return keyPattern.MatchString(key)
}

// CheckKey returns nil for a key Key returns, else an error with code
// invalid: what every backend answers for a key it refuses.
func CheckKey(key string) error {
	if !ValidKey(key) {
		return cdr.Errorf(cdr.EINVALID, "blob: invalid key %q", key)
	}
	return nil
}

var keyPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}/[0-9a-f]{2}/[0-9a-f]{64}$`)
