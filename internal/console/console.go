// Package console is cdrhub's web console for supervisors and analysts
// (docs/console.md): sign-in with a native token, a search over the
// records with the aggregates of its filter, an interaction's page with its
// timeline, recordings and vendor renders, and exports.
//
// Pages are rendered on the server with html/template from templates and
// static files embedded in the binary; they work without JavaScript, and
// the console's own small script improves them. The console reads the
// store, the rollups, the archive and the export writers directly, not
// through the HTTP API. Every page sets a Content-Security-Policy that
// admits no inline script.
package console

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/export"
	"github.com/cdrhub/cdrhub/internal/httpx"
	"github.com/cdrhub/cdrhub/internal/mapping"
	"github.com/cdrhub/cdrhub/internal/recordings"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Token is a credential that may sign in: a native API token. An empty
// Tenant makes it an admin token, which signs in for a tenant it chooses.
type Token struct {
	Name   string
	Secret string
	Tenant string
}

// Tenant is what the console knows of a tenant.
type Tenant struct {
	ID cdr.TenantID
	// Zone is where its days begin: the search's quick ranges and every
	// time shown. nil is UTC.
	Zone *time.Location
	// Formats renders its records as each vendor API does.
	Formats mapping.Formats
	// LinkTTL is how long its recordings' links are valid; 0 is
	// Options.LinkTTL.
	LinkTTL time.Duration
}

// KPIReader reads the rollups' KPI sums (cdr.Rollups.KPISums).
type KPIReader interface {
	KPISums(ctx context.Context, t cdr.TenantID, sel *cdr.KPISelect) ([]cdr.KPISum, error)
}

// Options configure a Console.
type Options struct {
	Store    cdr.Store
	Sessions cdr.Sessions
	KPIs     KPIReader
	// Archive is the recording archive's state; nil when there is none.
	Archive cdr.Archive
	// Sync reports the sync sources and runs one on request; nil when
	// the process runs no sync.
	Sync SyncReporter
	// Saved keeps the saved searches; nil hides them.
	Saved cdr.SavedSearches
	// Links signs the recordings' download links, valid for a tenant's
	// LinkTTL, else LinkTTL (default an hour).
	Links   recordings.Links
	LinkTTL time.Duration

	Tokens  []Token
	Tenants []Tenant

	// IdleTimeout and MaxAge end a session not used for that long, or
	// that old (defaults 8 hours and 7 days).
	IdleTimeout, MaxAge time.Duration
	// TrustedProxies may tell, with X-Forwarded-For and
	// X-Forwarded-Proto, the client's address and that it uses HTTPS.
	TrustedProxies []netip.Prefix
	// SignInRate bounds the sign-in attempts of one client address: at
	// most Burst at once, then one per Every (defaults 10 and 6 s).
	SignInRate Rate
	// Export bounds an export (default export.DefaultLimits).
	Export export.Limits
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Rate is a token bucket: Burst at once, refilled one per Every.
type Rate struct {
	Burst int
	Every time.Duration
}

// Defaults of Options.
const (
	DefaultIdleTimeout = 8 * time.Hour
	DefaultMaxAge      = 7 * 24 * time.Hour
	DefaultLinkTTL     = time.Hour
)

// DefaultSignInRate is the sign-in rate of a client address.
var DefaultSignInRate = Rate{Burst: 10, Every: 6 * time.Second}

// Console serves the console's pages.
type Console struct {
	o       Options
	tokens  map[[32]byte]principal
	tenants map[string]*Tenant
	order   []string                                 // tenant ids, as configured
	pages   map[string]map[string]*template.Template // by language, then name
	static  fs.FS
	limiter *limiter
}

type principal struct {
	name   string
	tenant string // "" for an admin token
}

// New returns the console over o.
func New(o Options) (*Console, error) {
	if o.Store == nil || o.Sessions == nil || o.KPIs == nil {
		return nil, errors.New("console: Store, Sessions and KPIs are required")
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.MaxAge <= 0 {
		o.MaxAge = DefaultMaxAge
	}
	if o.LinkTTL <= 0 {
		o.LinkTTL = DefaultLinkTTL
	}
	if o.SignInRate.Burst <= 0 || o.SignInRate.Every <= 0 {
		o.SignInRate = DefaultSignInRate
	}
	if o.Export.MaxRecords <= 0 {
		o.Export = export.DefaultLimits
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	c := &Console{o: o, tokens: map[[32]byte]principal{}, tenants: map[string]*Tenant{}}
	for i := range o.Tenants {
		t := &o.Tenants[i]
		if t.ID.IsZero() {
			return nil, errors.New("console: a tenant without an id")
		}
		if t.Zone == nil {
			t.Zone = time.UTC
		}
		c.tenants[t.ID.String()] = t
		c.order = append(c.order, t.ID.String())
	}
	for _, tok := range o.Tokens {
		if tok.Secret == "" {
			return nil, fmt.Errorf("console: empty token %s", tok.Name)
		}
		if tok.Tenant != "" && c.tenants[tok.Tenant] == nil {
			return nil, fmt.Errorf("console: token %s names unknown tenant %s", tok.Name, tok.Tenant)
		}
		c.tokens[tokenKey(tok.Secret)] = principal{name: tok.Name, tenant: tok.Tenant}
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	c.pages = pages
	c.static, _ = fs.Sub(staticFiles, "static")
	c.limiter = newLimiter(o.SignInRate, o.Now)
	return c, nil
}

// Route is one of the console's routes: a pattern of http.ServeMux, the
// action that labels its requests' metrics, and its handler.
type Route struct {
	Pattern, Action string
	Handler         http.Handler
}

// Routes lists the console's routes, which the listener mounts
// (internal/httpserver) behind its middleware.
func (c *Console) Routes() []Route {
	return []Route{
		{"GET /console/{$}", "home", c.page(c.home)},
		{"GET /console/sign-in", "sign_in_page", c.public(c.signInPage)},
		{"POST /console/sign-in", "sign_in", c.public(c.signIn)},
		{"POST /console/sign-out", "sign_out", c.public(c.signOut)},
		{"POST /console/lang", "lang", c.page(c.setLang)},
		{"GET /console/search", "search", c.page(c.search)},
		{"POST /console/saved", "save_search", c.page(c.saveSearch)},
		{"POST /console/saved/{id}/rename", "rename_search", c.page(c.renameSearch)},
		{"POST /console/saved/{id}/delete", "delete_search", c.page(c.deleteSearch)},
		{"GET /console/dashboard", "dashboard", c.page(c.dashboard)},
		{"GET /console/sync", "sync", c.page(c.syncPage)},
		{"POST /console/sync/run", "sync_run", c.page(c.runSource)},
		{"GET /console/records/{id}", "record", c.page(c.record)},
		{"GET /console/export", "export", c.page(c.export)},
		{"GET /console/static/{file...}", "static", c.public(c.staticFile)},
		{"/console/", "no_route", c.page(func(w http.ResponseWriter, r *http.Request, s *session) error {
			return cdr.Errorf(cdr.ENOTFOUND, "no page %s", r.URL.Path)
		})},
	}
}

// Redirect answers a request for / that no API claims: 303 to the console.
func Redirect() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/console/", http.StatusSeeOther)
	})
}

// Headers every console response carries (docs/console.md §3).
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'"

func secure(h http.Header) {
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Content-Type-Options", "nosniff")
}

// public wraps a handler that needs no session with the headers and the
// console's error page.
func (c *Console) public(h func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secure(w.Header())
		if err := h(w, r); err != nil {
			c.writeError(w, r, nil, err)
		}
	})
}

// page wraps a handler that needs a session: without a valid one the
// request is sent to the sign-in page.
func (c *Console) page(h func(w http.ResponseWriter, r *http.Request, s *session) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secure(w.Header())
		s, err := c.sessionOf(w, r)
		if err != nil {
			c.writeError(w, r, nil, err)
			return
		}
		if s == nil {
			http.Redirect(w, r, "/console/sign-in", http.StatusSeeOther)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		if err := h(w, r, s); err != nil {
			c.writeError(w, r, s, err)
		}
	})
}

func (c *Console) home(w http.ResponseWriter, r *http.Request, s *session) error {
	http.Redirect(w, r, "/console/search", http.StatusSeeOther)
	return nil
}

// staticFile serves the console's own script, styles and icon, which
// change only with the binary.
func (c *Console) staticFile(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("file")
	if !fs.ValidPath(name) || strings.Contains(name, "/") {
		return cdr.Errorf(cdr.ENOTFOUND, "no file %s", name)
	}
	if _, err := fs.Stat(c.static, name); err != nil {
		return cdr.Errorf(cdr.ENOTFOUND, "no file %s", name)
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	http.ServeFileFS(w, r, c.static, name)
	return nil
}

// errorPage is the data of the error page.
type errorPage struct {
	Status  int
	Title   text
	Message text
}

// writeError answers err with the console's error page: the status of its
// code, and its message for the client's errors; a server's error is
// logged and answered without detail.
func (c *Console) writeError(w http.ResponseWriter, r *http.Request, s *session, err error) {
	status, title := http.StatusInternalServerError, msg("Something went wrong")
	message := msg("The server could not answer. Try again; if it persists, the server's log says why.")
	switch code := cdr.ErrorCode(err); {
	case errors.Is(err, errRateLimited):
		status, title, message = http.StatusTooManyRequests, msg("Too many attempts"), msg("Too many sign-in attempts from your address. Wait a minute, then try again.")
		w.Header().Set("Retry-After", "60")
	case code == cdr.EINVALID:
		status, title, message = http.StatusBadRequest, msg("Invalid request"), plain(cdr.ErrorMessage(err))
	case code == cdr.ENOTFOUND:
		status, title, message = http.StatusNotFound, msg("Not found"), plain(cdr.ErrorMessage(err))
	case code == cdr.EFORBIDDEN, code == cdr.EUNAUTHORIZED:
		status, title, message = http.StatusForbidden, msg("Forbidden"), plain(cdr.ErrorMessage(err))
	case code == cdr.EUNAVAILABLE:
		status, title, message = http.StatusServiceUnavailable, msg("Unavailable"), msg("The database does not answer. Try again shortly.")
		httpx.Logger(r.Context()).Warn("console", "err", err)
	default:
		httpx.Logger(r.Context()).Error("console", "err", err)
	}
	w.Header().Set("Cache-Control", "no-store")
	c.render(w, r, status, "error", s, title, errorPage{Status: status, Title: title, Message: message})
}

// logger is the request's logger.
func logger(r *http.Request) *slog.Logger { return httpx.Logger(r.Context()).With("api", "console") }
