// Package native serves cdrhub's own REST API under /api/v1: idempotent
// record upserts, filtered lists with opaque cursors and single-record reads,
// authenticated with bearer tokens.
package native

import (
	"context"
	"crypto/sha256"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/httpx"
	"github.com/cdrhub/cdrhub/internal/mapping"
)

// Token is one bearer token. An empty Tenant makes it an admin token.
type Token struct {
	Name   string
	Secret string
	Tenant string
}

// Limits bound an upsert request.
type Limits struct {
	MaxBody    int64 // bytes of one request body
	MaxRecords int   // records in one request
	MaxRecord  int   // bytes of one record
}

// DefaultLimits are the limits of docs/record-model.md §6.1.
var DefaultLimits = Limits{MaxBody: 32 << 20, MaxRecords: 10_000, MaxRecord: 256 << 10}

// API is the native API.
type API struct {
	store   cdr.Store
	tokens  map[[32]byte]principal
	tenants map[string]cdr.TenantID
	limits  Limits
	now     func() time.Time
	formats map[cdr.TenantID]mapping.Formats
	rec     *Recordings // nil: no recording archive
	zones   map[cdr.TenantID]*time.Location
	export  ExportLimits
}

type principal struct {
	name   string
	tenant cdr.TenantID // zero for admin
}

// New returns the API over store. tenants lists the known tenant ids, which
// admin tokens may act for.
func New(store cdr.Store, tokens []Token, tenants []string, limits Limits) (*API, error) {
	a := &API{store: store, tokens: make(map[[32]byte]principal), tenants: make(map[string]cdr.TenantID), limits: limits, now: time.Now,
		formats: make(map[cdr.TenantID]mapping.Formats), export: DefaultExportLimits}
	for _, id := range tenants {
		t, err := cdr.NewTenantID(id)
		if err != nil {
			return nil, err
		}
		a.tenants[id] = t
	}
	for _, tok := range tokens {
		if tok.Secret == "" {
			return nil, errors.New("native: empty token " + tok.Name)
		}
		p := principal{name: tok.Name}
		if tok.Tenant != "" {
			t, ok := a.tenants[tok.Tenant]
			if !ok {
				return nil, errors.New("native: token " + tok.Name + " names unknown tenant " + tok.Tenant)
			}
			p.tenant = t
		}
		a.tokens[sha256.Sum256([]byte(tok.Secret))] = p
	}
	return a, nil
}

// The handlers of the API's routes, which internal/httpserver mounts
// (routes.go) with their metric labels.

// UpsertRecords serves POST /api/v1/records.
func (a *API) UpsertRecords() http.Handler { return a.handle(a.postRecords) }

// ListRecords serves GET /api/v1/records.
func (a *API) ListRecords() http.Handler { return a.handle(a.listRecords) }

// GetRecord serves GET /api/v1/records/{id}: its pattern names the
// record's id {id}.
func (a *API) GetRecord() http.Handler { return a.handle(a.getRecord) }

// NoRoute answers not_found for any other request under /api/v1/, once
// its token is verified.
func (a *API) NoRoute() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		return cdr.Errorf(cdr.ENOTFOUND, "no route %s %s", r.Method, r.URL.Path)
	})
}

// handle wraps a tenant-scoped handler with authentication and the error
// envelope. Nothing of the body is read before the token is verified.
func (a *API) handle(h func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return httpx.Adapt(func(w http.ResponseWriter, r *http.Request) error {
		t, err := a.authenticate(r)
		if err != nil {
			return err
		}
		return h(w, r.WithContext(withTenant(r.Context(), t)))
	}, writeError)
}

// writeError is WriteError for the API's own routes. An error answered
// before the body was read to its end (a refused token, a bad parameter, a
// body over the limit) closes the connection (httpx.CloseIfUnread, applied
// by the listener).
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	WriteError(w, r, err)
}

// authenticate resolves the bearer token and the tenant it acts for, and
// records them for the access log: the token's name, admin:<name> for an
// admin token, never the token.
func (a *API) authenticate(r *http.Request) (cdr.TenantID, error) {
	return a.authenticateFor(r, false)
}

// authenticateFor is authenticate, except that with anyTenant an admin
// token without ?tenant= is no error: it returns the zero tenant, for a
// route that then acts for every tenant.
func (a *API) authenticateFor(r *http.Request, anyTenant bool) (cdr.TenantID, error) {
	auth := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return cdr.TenantID{}, cdr.Errorf(cdr.EUNAUTHORIZED, "missing bearer token")
	}
	p, ok := a.tokens[sha256.Sum256([]byte(strings.TrimSpace(tok)))]
	if !ok {
		return cdr.TenantID{}, cdr.Errorf(cdr.EUNAUTHORIZED, "invalid bearer token")
	}
	asked := r.URL.Query().Get("tenant")
	if !p.tenant.IsZero() {
		httpx.SetPrincipal(r.Context(), p.tenant.String(), p.name)
		if asked != "" && asked != p.tenant.String() {
			return cdr.TenantID{}, cdr.Errorf(cdr.EFORBIDDEN, "token may not act for tenant %q", asked)
		}
		return p.tenant, nil
	}
	// An admin acts for no tenant until it names a known one.
	principal := "admin:" + p.name
	httpx.SetPrincipal(r.Context(), "", principal)
	if asked == "" && anyTenant && !r.URL.Query().Has("tenant") {
		return cdr.TenantID{}, nil
	}
	if asked == "" {
		return cdr.TenantID{}, cdr.Errorf(cdr.EINVALID, "tenant required: an admin token needs ?tenant=<id>")
	}
	t, ok := a.tenants[asked]
	if !ok {
		return cdr.TenantID{}, cdr.Errorf(cdr.ENOTFOUND, "tenant %q not found", asked)
	}
	httpx.SetPrincipal(r.Context(), t.String(), principal)
	return t, nil
}

type tenantKey struct{}

func withTenant(ctx context.Context, t cdr.TenantID) context.Context {
	return context.WithValue(ctx, tenantKey{}, t)
}

// tenantOf returns the authenticated tenant; handlers run only after
// authentication, so it is never zero there.
func tenantOf(ctx context.Context) cdr.TenantID {
	t, _ := ctx.Value(tenantKey{}).(cdr.TenantID)
	return t
}

// statuses maps error codes to HTTP statuses.
var statuses = map[string]int{
	cdr.EINVALID:      http.StatusBadRequest,
	cdr.EUNAUTHORIZED: http.StatusUnauthorized,
	cdr.EFORBIDDEN:    http.StatusForbidden,
	cdr.ENOTFOUND:     http.StatusNotFound,
	cdr.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	cdr.EINTERNAL:     http.StatusInternalServerError,
	cdr.EUNAVAILABLE:  http.StatusServiceUnavailable,
}

// ErrorBody is the native error envelope.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the content of the error envelope.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// WriteError renders err in the native envelope. Internal and unavailable
// errors are logged with their cause; the client sees only the code.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	code := cdr.ErrorCode(err)
	if code == cdr.EINTERNAL || code == cdr.EUNAVAILABLE {
		httpx.Logger(r.Context()).Error("request failed", "api", "native", "code", code, "err", err)
	}
	if code == cdr.EUNAUTHORIZED {
		w.Header().Set("WWW-Authenticate", `Bearer realm="cdrhub"`)
	}
	httpx.WriteJSON(w, r, statuses[code], ErrorBody{ErrorDetail{code, cdr.ErrorMessage(err)}})
}

// logger returns the request logger with the API name.
func logger(r *http.Request) *slog.Logger { return httpx.Logger(r.Context()).With("api", "native") }
