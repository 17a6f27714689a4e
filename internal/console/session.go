package console

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/httpx"
)

// Sessions (docs/console.md §2): the cookie carries a random secret; the
// database keeps the SHA-256 of it (cdr.Sessions), with the tenant, the
// credential's name and the session's CSRF token. A session ends when
// unused for IdleTimeout, when older than MaxAge, on sign-out, and when
// its credential or tenant is no longer configured.

const (
	sessionCookie = "cdrhub_session"
	signInCookie  = "cdrhub_sign_in" // the sign-in form's CSRF token
	csrfField     = "csrf"
	// maxForm bounds a form's body.
	maxForm = 16 << 10
	// touchEvery is how stale a session's SeenAt may get before a request
	// writes it: idle expiry is exact to within it.
	touchEvery = time.Minute
)

// session is a signed-in request's session.
type session struct {
	cdr.Session
	tenant *Tenant
	name   string // the credential's name as shown and logged
}

// errRateLimited refuses a sign-in over the client's rate.
var errRateLimited = errors.New("too many sign-in attempts")

// errCSRF refuses a form without its CSRF token.
var errCSRF = cdr.Errorf(cdr.EFORBIDDEN, "the form was not sent from this console's page (its security token is missing or stale); reload the page and try again")

func tokenKey(secret string) [32]byte { return sha256.Sum256([]byte(secret)) }

// randomToken returns 32 random bytes, base64url.
func randomToken() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// sessionID is the ID the store keeps for a cookie's secret.
func sessionID(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// sessionOf returns the request's session, or nil when it has none that
// is valid (and then clears a stale cookie).
func (c *Console) sessionOf(w http.ResponseWriter, r *http.Request) (*session, error) {
	ck, err := r.Cookie(sessionCookie)
	if err != nil || ck.Value == "" || len(ck.Value) > 128 {
		return nil, nil
	}
	id := sessionID(ck.Value)
	st, err := c.o.Sessions.Session(r.Context(), id)
	if cdr.ErrorCode(err) == cdr.ENOTFOUND {
		c.clearCookie(w, r, sessionCookie, "/console")
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	now := c.o.Now()
	s := &session{Session: st, tenant: c.tenants[st.Tenant.String()]}
	valid := s.tenant != nil && c.hasCredential(st.Principal, st.Admin, st.Tenant.String())
	if !valid || now.UnixMilli()-st.SeenAt >= c.o.IdleTimeout.Milliseconds() || now.UnixMilli()-st.CreatedAt >= c.o.MaxAge.Milliseconds() {
		if err := c.o.Sessions.DeleteSession(r.Context(), id); err != nil {
			return nil, err
		}
		c.clearCookie(w, r, sessionCookie, "/console")
		return nil, nil
	}
	if now.UnixMilli()-st.SeenAt >= touchEvery.Milliseconds() {
		err := c.o.Sessions.TouchSession(r.Context(), id, now.UnixMilli())
		if cdr.ErrorCode(err) == cdr.ENOTFOUND { // signed out meanwhile
			c.clearCookie(w, r, sessionCookie, "/console")
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
	}
	s.name = st.Principal
	if st.Admin {
		s.name = "admin:" + st.Principal
	}
	httpx.SetPrincipal(r.Context(), st.Tenant.String(), s.name)
	return s, nil
}

// hasCredential reports whether a configured token may still have
// signed in as name: an admin token of that name, or the tenant's.
func (c *Console) hasCredential(name string, admin bool, tenant string) bool {
	for _, p := range c.tokens {
		if p.name == name && (admin && p.tenant == "" || !admin && p.tenant == tenant) {
			return true
		}
	}
	return false
}

// secureRequest reports whether the client reached the console over
// HTTPS: TLS on the listener, or a trusted proxy that says so.
func (c *Console) secureRequest(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	return httpx.FromTrustedProxy(r, c.o.TrustedProxies) && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

func (c *Console) setCookie(w http.ResponseWriter, r *http.Request, name, value, path string, maxAge time.Duration, same http.SameSite) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: path, MaxAge: int(maxAge / time.Second),
		HttpOnly: true, Secure: c.secureRequest(r), SameSite: same})
}

func (c *Console) clearCookie(w http.ResponseWriter, r *http.Request, name, path string) {
	http.SetCookie(w, &http.Cookie{Name: name, Path: path, MaxAge: -1, HttpOnly: true, Secure: c.secureRequest(r), SameSite: http.SameSiteLaxMode})
}

// signInData is the sign-in page's data.
type signInData struct {
	CSRF    string
	Tenants []string // offered to an admin token
	Tenant  string
	Error   text
}

func (c *Console) signInPage(w http.ResponseWriter, r *http.Request) error {
	if s, err := c.sessionOf(w, r); err != nil {
		return err
	} else if s != nil {
		http.Redirect(w, r, "/console/search", http.StatusSeeOther)
		return nil
	}
	return c.renderSignIn(w, r, http.StatusOK, "", text{})
}

func (c *Console) renderSignIn(w http.ResponseWriter, r *http.Request, status int, tenant string, message text) error {
	tok := randomToken()
	c.setCookie(w, r, signInCookie, tok, "/console/sign-in", time.Hour, http.SameSiteStrictMode)
	w.Header().Set("Cache-Control", "no-store")
	c.render(w, r, status, "sign-in", nil, msg("Sign in"), signInData{CSRF: tok, Tenants: c.order, Tenant: tenant, Error: message})
	return nil
}

// readForm parses a POSTed form of at most maxForm bytes and checks that
// it comes from this origin (http.CrossOriginProtection).
func readForm(w http.ResponseWriter, r *http.Request) error {
	if err := http.NewCrossOriginProtection().Check(r); err != nil {
		return cdr.Errorf(cdr.EFORBIDDEN, "the form was sent from another site")
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return cdr.Errorf(cdr.EINVALID, "the form is larger than %d bytes", maxForm)
		}
		return cdr.Errorf(cdr.EINVALID, "the form cannot be read")
	}
	return nil
}

func sameToken(a, b string) bool {
	return a != "" && len(a) == len(b) && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// signIn checks the token (and, for an admin token, the tenant chosen) and
// starts a session.
func (c *Console) signIn(w http.ResponseWriter, r *http.Request) error {
	addr := httpx.ClientAddr(r, c.o.TrustedProxies)
	if !c.limiter.allow(addr) {
		logger(r).Warn("console sign-in refused: rate", "client", addr.String())
		return errRateLimited
	}
	if err := readForm(w, r); err != nil {
		return err
	}
	ck, err := r.Cookie(signInCookie)
	if err != nil || !sameToken(r.PostForm.Get(csrfField), ck.Value) {
		return errCSRF
	}
	secret, tenant := strings.TrimSpace(r.PostForm.Get("token")), r.PostForm.Get("tenant")
	p, ok := c.tokens[tokenKey(secret)]
	if secret == "" || !ok {
		logger(r).Info("console sign-in refused: unknown token", "client", addr.String())
		return c.renderSignIn(w, r, http.StatusUnauthorized, tenant, msg("That token is not valid."))
	}
	admin := p.tenant == ""
	if !admin {
		tenant = p.tenant
	} else if c.tenants[tenant] == nil {
		return c.renderSignIn(w, r, http.StatusBadRequest, "", msg("An admin token signs in for one tenant: choose it."))
	}
	now := c.o.Now().UnixMilli()
	cookie := randomToken()
	// The language chosen on the form, else none: the browser's, page by
	// page.
	lang := r.PostForm.Get("lang")
	if lang != langEN && lang != langZH || lang == negotiate(r.Header.Get("Accept-Language")) {
		lang = ""
	}
	st := cdr.Session{ID: sessionID(cookie), Tenant: c.tenants[tenant].ID, Principal: p.name, Admin: admin,
		CSRF: randomToken(), Lang: lang, CreatedAt: now, SeenAt: now}
	if err := c.o.Sessions.CreateSession(r.Context(), st); err != nil {
		return err
	}
	// Sessions that ended without a sign-out go now and then.
	if n, err := c.o.Sessions.DeleteExpiredSessions(r.Context(), now-c.o.IdleTimeout.Milliseconds(), now-c.o.MaxAge.Milliseconds()); err != nil {
		logger(r).Warn("deleting expired console sessions", "err", err)
	} else if n > 0 {
		logger(r).Info("expired console sessions deleted", "sessions", n)
	}
	name := p.name
	if admin {
		name = "admin:" + p.name
	}
	httpx.SetPrincipal(r.Context(), tenant, name)
	logger(r).Info("console sign-in", "tenant", tenant, "principal", name, "client", addr.String())
	c.clearCookie(w, r, signInCookie, "/console/sign-in")
	c.setCookie(w, r, sessionCookie, cookie, "/console", c.o.MaxAge, http.SameSiteLaxMode)
	http.Redirect(w, r, "/console/search", http.StatusSeeOther)
	return nil
}

// signOut ends the session, server-side.
func (c *Console) signOut(w http.ResponseWriter, r *http.Request) error {
	s, err := c.sessionOf(w, r)
	if err != nil {
		return err
	}
	if s == nil {
		http.Redirect(w, r, "/console/sign-in", http.StatusSeeOther)
		return nil
	}
	if err := readForm(w, r); err != nil {
		return err
	}
	if !sameToken(r.PostForm.Get(csrfField), s.CSRF) {
		return errCSRF
	}
	if err := c.o.Sessions.DeleteSession(r.Context(), s.ID); err != nil {
		return err
	}
	logger(r).Info("console sign-out", "tenant", s.Tenant.String(), "principal", s.name)
	c.clearCookie(w, r, sessionCookie, "/console")
	http.Redirect(w, r, "/console/sign-in", http.StatusSeeOther)
	return nil
}

// limiter keeps a token bucket per client address, forgetting the least
// recently seen when it holds too many.
type limiter struct {
	mu      sync.Mutex
	rate    Rate
	now     func() time.Time
	buckets map[netip.Addr]*httpx.Limiter
}

// maxBuckets bounds the addresses a limiter remembers.
const maxBuckets = 10_000

func newLimiter(rate Rate, now func() time.Time) *limiter {
	return &limiter{rate: rate, now: now, buckets: map[netip.Addr]*httpx.Limiter{}}
}

func (l *limiter) allow(addr netip.Addr) bool {
	l.mu.Lock()
	b := l.buckets[addr]
	if b == nil {
		if len(l.buckets) >= maxBuckets {
			// A full table starts over: an attacker with many addresses
			// gains a burst each, which the table's size bounds.
			clear(l.buckets)
		}
		b = httpx.NewLimiter(1/l.rate.Every.Seconds(), l.rate.Burst)
		l.buckets[addr] = b
	}
	l.mu.Unlock()
	return b.Allow(l.now())
}
