// Package tencentccc serves Tencent Cloud Contact Center's record queries,
// DescribeTelCdr and DescribeProtectedTelCdr (API 3.0, version
// 2020-02-10), wire-compatible with the official SDKs: the same signatures
// (TC3-HMAC-SHA256 and the legacy v1), parameters, validation, paging,
// error envelope and rate limit. See README.md.
package tencentccc

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cdrhub/cdrhub/internal/auth/tc3"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/httpx"
)

// Version is the API version served.
const Version = "2020-02-10"

// Tenant is one tenant's tencent_ccc block.
type Tenant struct {
	ID          cdr.TenantID
	SdkAppID    int64
	AllowToken  bool
	Credentials []tc3.Credential
	RPS         float64
	Burst       int
	// ProtectedOnly lets the tenant's credentials call
	// DescribeProtectedTelCdr only; DescribeTelCdr is UnauthorizedOperation.
	// X-TC-Action is not signed under TC3: without it, a captured
	// DescribeProtectedTelCdr request replayed inside the window as
	// DescribeTelCdr shows the numbers.
	ProtectedOnly bool
}

// API is the Tencent CCC record API.
type API struct {
	store   cdr.Store
	keys    map[string]key    // SecretId → key and tenant
	tenants map[int64]*tenant // SdkAppId → tenant
	now     func() time.Time
	// EnforceLookback applies the 180-day look-back of the vendor.
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

type key struct {
	secret string
	tenant *tenant
}

// New returns the API over store for tenants.
func New(store cdr.Store, tenants []Tenant) (*API, error) {
	a := &API{store: store, keys: map[string]key{}, tenants: map[int64]*tenant{}, now: time.Now}
	for _, t := range tenants {
		tn := &tenant{Tenant: t, limiter: httpx.NewLimiter(t.RPS, t.Burst)}
		if _, dup := a.tenants[t.SdkAppID]; dup {
			return nil, fmt.Errorf("tencentccc: SdkAppId %d configured twice", t.SdkAppID)
		}
		a.tenants[t.SdkAppID] = tn
		for _, c := range t.Credentials {
			if _, dup := a.keys[c.SecretID]; dup {
				return nil, fmt.Errorf("tencentccc: SecretId %s configured twice", c.SecretID)
			}
			a.keys[c.SecretID] = key{c.SecretKey, tn}
		}
	}
	return a, nil
}

// Lookup implements tc3.Keys.
func (a *API) Lookup(secretID string) (string, bool) {
	k, ok := a.keys[secretID]
	return k.secret, ok
}

// ClaimsHeaders reports whether a request to "/" is a TC3 request, whose
// credentials travel in its headers: an X-TC-Action header or a TC3
// Authorization. Its body is read only once the headers authenticate.
func (a *API) ClaimsHeaders(r *http.Request) bool {
	return r.Header.Get("X-TC-Action") != "" || strings.HasPrefix(r.Header.Get("Authorization"), "TC3-")
}

// Claims reports whether a request to "/" is a v1 request for this
// service: an Action with this Version among its parameters.
func (a *API) Claims(r *http.Request, params url.Values) bool {
	return params.Get("Action") != "" && params.Get("Version") == Version
}

// ServeRoot serves one API 3.0 request.
func (a *API) ServeRoot(w http.ResponseWriter, r *http.Request) {
	reqID := newRequestID()
	resp, err := a.serve(r)
	if err != nil {
		writeError(w, r, reqID, err)
		return
	}
	resp.RequestID = reqID
	writeResponse(w, r, resp)
}

// newRequestID returns a random UUID, the form API 3.0 RequestIds take.
func newRequestID() string { return httpx.NewUUID() }

func logger(r *http.Request) *slog.Logger {
	return httpx.Logger(r.Context()).With("api", "tencent_ccc")
}
