package cdr

import "regexp"

var tenantPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

// TenantID identifies the tenant every store call acts for. Its field is
// unexported: the zero value names no tenant and every store refuses it, so
// a handler cannot reach data without a TenantID from the auth layer.
type TenantID struct{ id string }

// NewTenantID returns the TenantID for a valid tenant slug.
func NewTenantID(id string) (TenantID, error) {
	if !tenantPattern.MatchString(id) {
		return TenantID{}, Errorf(EINVALID, "invalid tenant id %q: want [a-z0-9][a-z0-9-]{0,31}", id)
	}
	return TenantID{id}, nil
}

// MustTenantID is NewTenantID for constants in tests and configuration
// already validated; it panics on an invalid slug.
func MustTenantID(id string) TenantID {
	t, err := NewTenantID(id)
	if err != nil {
		panic(err)
	}
	return t
}

// String returns the tenant slug.
func (t TenantID) String() string { return t.id }

// IsZero reports whether t names no tenant.
func (t TenantID) IsZero() bool { return t.id == "" }

// ErrNoTenant is returned by stores called with the zero TenantID.
var ErrNoTenant = &Error{Code: EFORBIDDEN, Message: "no tenant"}
