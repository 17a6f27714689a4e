package cdr

import "context"

// Sessions keeps the web console's sign-in sessions in the database
// (docs/console.md §2), so that they survive a restart and are shared by
// every instance of a deployment.
//
// A session is found by its ID, the SHA-256 of the secret its cookie
// carries (hex), never by the secret itself: the database holds nothing a
// browser could present. A session names the tenant it acts for; finding
// it is how a console request learns its tenant, so Session, TouchSession
// and DeleteSession take no tenant. CreateSession refuses the zero tenant
// (ErrNoTenant).
type Sessions interface {
	// CreateSession stores s, whose ID must be new. s is checked first
	// (Session.Check).
	CreateSession(ctx context.Context, s Session) error
	// Session returns the session with the given ID, or an error with code
	// not_found. An ID that is not a session ID's form is not found.
	Session(ctx context.Context, id string) (Session, error)
	// TouchSession moves the session's SeenAt forward to at (ms), never
	// backwards. A session that does not exist is not_found.
	TouchSession(ctx context.Context, id string, at int64) error
	// SetSessionLang sets the session's interface language (a tag of
	// at most MaxSessionLang bytes; "" follows the browser's). A session
	// that does not exist is not_found.
	SetSessionLang(ctx context.Context, id string, lang string) error
	// DeleteSession deletes the session, if there is one.
	DeleteSession(ctx context.Context, id string) error
	// DeleteExpiredSessions deletes every session last seen before
	// seenBefore or created before createdBefore (ms), and returns how
	// many it deleted.
	DeleteExpiredSessions(ctx context.Context, seenBefore, createdBefore int64) (int, error)
}

// Session is one signed-in console session.
type Session struct {
	// ID is the lower-case hex SHA-256 of the cookie's secret (64
	// characters).
	ID string
	// Tenant is the tenant the session acts for.
	Tenant TenantID
	// Principal names the credential that signed in: the token's name,
	// never its value.
	Principal string
	// Admin is set when an admin token signed in (and chose Tenant).
	Admin bool
	// CSRF is the token the session's forms carry.
	CSRF string
	// Lang is the interface language chosen on a page, "" for the
	// browser's (Accept-Language).
	Lang string
	// CreatedAt and SeenAt are when the session was created and last
	// used (Unix ms).
	CreatedAt, SeenAt int64
}

// Bounds of a session.
const (
	// SessionIDLen is the length of a session ID.
	SessionIDLen = 64
	// MaxSessionField is the most bytes of Principal and of CSRF.
	MaxSessionField = 128
	// MaxSessionLang is the most bytes of Lang.
	MaxSessionLang = 16
)

// Check reports whether s can be stored: a session ID's form, a tenant, a
// principal and CSRF token of 1 to MaxSessionField bytes, and times after
// 2000 with SeenAt not before CreatedAt.
func (s *Session) Check() error {
	if s.Tenant.IsZero() {
		return ErrNoTenant
	}
	if !IsSessionID(s.ID) {
		return Errorf(EINVALID, "session id: want %d lower-case hex digits", SessionIDLen)
	}
	if s.Principal == "" || len(s.Principal) > MaxSessionField {
		return Errorf(EINVALID, "session principal: want 1 to %d bytes", MaxSessionField)
	}
	if s.CSRF == "" || len(s.CSRF) > MaxSessionField {
		return Errorf(EINVALID, "session csrf: want 1 to %d bytes", MaxSessionField)
	}
	if len(s.Lang) > MaxSessionLang {
		return Errorf(EINVALID, "session lang: at most %d bytes", MaxSessionLang)
	}
	if err := CheckTime("created_at", s.CreatedAt); err != nil {
		return err
	}
	if s.SeenAt < s.CreatedAt {
		return Errorf(EINVALID, "session seen_at before created_at")
	}
	return nil
}

// IsSessionID reports whether id has a session ID's form: SessionIDLen
// lower-case hex digits.
func IsSessionID(id string) bool {
	if len(id) != SessionIDLen {
		return false
	}
	for _, c := range []byte(id) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
