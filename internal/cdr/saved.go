package cdr

import (
	"context"
	"unicode/utf8"
)

// SavedSearches keeps the console's saved searches
// (docs/design.md, Store capabilities): per tenant and per credential
// name (the owner), each a name and the search's canonical query string.
// Every method takes the tenant right after the context and refuses the
// zero tenant (ErrNoTenant); an owner sees and changes only its own,
// compared exactly.
type SavedSearches interface {
	// SaveSearch stores s as a new saved search of t (s.Check first) and
	// returns it with its ID and times set (now, ms). An owner holds at
	// most MaxSavedSearches; one more is invalid. A name the owner already
	// uses is invalid.
	SaveSearch(ctx context.Context, t TenantID, s SavedSearch, now int64) (SavedSearch, error)
	// SavedSearches lists owner's saved searches in t, by name (byte by
	// byte, on every database).
	SavedSearches(ctx context.Context, t TenantID, owner string) ([]SavedSearch, error)
	// RenameSearch renames owner's saved search id; not_found when owner
	// has none with that id, invalid for a bad or taken name.
	RenameSearch(ctx context.Context, t TenantID, owner string, id int64, name string, now int64) error
	// DeleteSearch deletes owner's saved search id; not_found when owner
	// has none with that id.
	DeleteSearch(ctx context.Context, t TenantID, owner string, id int64) error
}

// SavedSearch is one saved search.
type SavedSearch struct {
	ID    int64
	Owner string // the credential's name
	Name  string
	// Query is the search's canonical query string (without "?").
	Query                string
	CreatedAt, UpdatedAt int64 // ms
}

// Bounds of saved searches.
const (
	MaxSavedSearches    = 100  // per owner and tenant
	MaxSavedSearchName  = 100  // characters
	MaxSavedSearchQuery = 4096 // bytes
	maxSavedSearchOwner = MaxSessionField
)

// CheckSavedSearchName reports whether name can name a saved search: 1
// to MaxSavedSearchName characters of valid UTF-8, without control
// characters.
func CheckSavedSearchName(name string) error {
	if name == "" || !utf8.ValidString(name) || utf8.RuneCountInString(name) > MaxSavedSearchName {
		return Errorf(EINVALID, "name: want 1 to %d characters", MaxSavedSearchName)
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return Errorf(EINVALID, "name: control characters are not allowed")
		}
	}
	return nil
}

// Check reports whether s can be stored: an owner of 1 to
// MaxSessionField bytes, a valid name, and a query of at most
// MaxSavedSearchQuery bytes of valid UTF-8 without NUL.
func (s *SavedSearch) Check() error {
	if s.Owner == "" || len(s.Owner) > maxSavedSearchOwner || !utf8.ValidString(s.Owner) {
		return Errorf(EINVALID, "owner: want 1 to %d bytes of UTF-8", maxSavedSearchOwner)
	}
	if err := CheckSavedSearchName(s.Name); err != nil {
		return err
	}
	if len(s.Query) > MaxSavedSearchQuery || !utf8.ValidString(s.Query) {
		return Errorf(EINVALID, "query: want at most %d bytes of UTF-8", MaxSavedSearchQuery)
	}
	for _, c := range []byte(s.Query) {
		if c == 0 {
			return Errorf(EINVALID, "query: NUL is not allowed")
		}
	}
	return nil
}
