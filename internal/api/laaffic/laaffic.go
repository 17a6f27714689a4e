// Package laaffic serves the laaffic / itniotech / onbuka platform's
// call-center record queries (API D): /voice/ccRecordQuery (with and
// without /v3) and /v3/cc/record/query, authenticated with the family's
// Api-Key, Timestamp and MD5 Sign headers. Every answer is HTTP 200 with a
// string status. See README.md.
package laaffic

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	lfauth "github.com/cdrhub/cdrhub/internal/auth/laaffic"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/httpx"
)

// Tenant is one tenant's laaffic block.
type Tenant struct {
	ID        cdr.TenantID
	APIKey    string
	APISecret string
	IPAllow   []netip.Prefix // empty: any address
	Window    time.Duration  // Timestamp freshness; 0 means 300 s
	Location  *time.Location // record times and zone-less request times
	RPS       float64
	Burst     int
}

// API is the laaffic-family record API.
type API struct {
	store   cdr.Store
	keys    map[string]*tenant
	trusted []netip.Prefix
	now     func() time.Time
	// EnforceLookback applies the platform's two-calendar-month look-back.
	EnforceLookback bool
	// Rewrite, when set, may point a record's recordings at cdrhub's
	// archived copies before it is rendered (rewrite_urls; origin is the
	// scheme and host the request reached).
	Rewrite func(ctx context.Context, t cdr.TenantID, origin string, rec *cdr.Record) error
}

type tenant struct {
	Tenant
	limiter *httpx.Limiter
}

// New returns the API over store for tenants. X-Forwarded-For is believed
// only from the trusted proxies.
func New(store cdr.Store, tenants []Tenant, trusted []netip.Prefix) (*API, error) {
	a := &API{store: store, keys: map[string]*tenant{}, trusted: trusted, now: time.Now}
	for _, t := range tenants {
		if _, dup := a.keys[t.APIKey]; dup {
			return nil, fmt.Errorf("laaffic: Api-Key %s configured twice", t.APIKey)
		}
		if t.Window <= 0 {
			t.Window = 300 * time.Second
		}
		if t.Location == nil {
			t.Location = time.UTC
		}
		a.keys[t.APIKey] = &tenant{Tenant: t, limiter: httpx.NewLimiter(t.RPS, t.Burst)}
	}
	return a, nil
}

// The handlers of the API's paths, which internal/httpserver mounts
// (routes.go) with their metric labels.

// CCRecordQuery serves the query of /voice/ccRecordQuery and
// /v3/voice/ccRecordQuery (strTime and endTime).
func (a *API) CCRecordQuery() http.Handler { return a.handler(false) }

// RecordQuery serves the newer query of /v3/cc/record/query (startTime
// and endTime, voiceGroupId, seatId; keyId and encryptCalled).
func (a *API) RecordQuery() http.Handler { return a.handler(true) }

// Status codes (docs/wire-contracts.md §5.4).
const (
	statusOK          = "0"
	statusAuth        = "-1"
	statusIP          = "-2"
	statusTooFrequent = "-15"
	statusExpired     = "-16"
	statusInternal    = "-18"
	statusParameter   = "-22"
	statusTimeRange   = "-25"
)

// statusError is a status other than 0, with its reason.
type statusError struct{ status, reason string }

func (e *statusError) Error() string { return e.status + " " + e.reason }

func fail(status, reason string) error { return &statusError{status, reason} }

// authenticate checks the headers: the Api-Key names the tenant, Sign is
// hex MD5(ApiKey + ApiSecret + Timestamp) (any case), Timestamp within the
// tenant's window, the client address within its allow-list. Once the Sign
// is verified, the access log names the tenant and the Api-Key (the public
// lookup key, never the secret or the Sign), even when the Timestamp or the
// address is then refused.
func (a *API) authenticate(r *http.Request) (*tenant, error) {
	key, ts, sign := lfauth.Headers(r)
	t := a.keys[key]
	if t == nil {
		return nil, fail(statusAuth, "Authentication error")
	}
	switch err := lfauth.Verify(key, t.APISecret, ts, sign, a.now(), t.Window); err {
	case nil:
	case lfauth.ErrExpired:
		httpx.SetPrincipal(r.Context(), t.ID.String(), key)
		return nil, fail(statusExpired, "Timestamp expires")
	default:
		return nil, fail(statusAuth, "Authentication error")
	}
	httpx.SetPrincipal(r.Context(), t.ID.String(), key)
	if len(t.IPAllow) > 0 && !httpx.InPrefixes(t.IPAllow, httpx.ClientAddr(r, a.trusted)) {
		return nil, fail(statusIP, "Restricted IP access")
	}
	return t, nil
}

func logger(r *http.Request) *slog.Logger { return httpx.Logger(r.Context()).With("api", "laaffic") }
