// Package aliyunccc serves Alibaba Cloud Contact Center's record queries,
// ListCallDetailRecords and GetCallDetailRecord (POP RPC style, version
// 2020-07-01), wire-compatible with the official SDKs: the same signatures
// (ACS3-HMAC-SHA256 and RPC v1), parameters, validation, paging, errors
// and throttling. See README.md.
package aliyunccc

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cdrhub/cdrhub/internal/auth/pop"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/httpx"
)

// Version is the API version served.
const Version = "2020-07-01"

// Credential is one AccessKey pair.
type Credential struct {
	AccessKeyID, AccessKeySecret string
}

// Tenant is one tenant's aliyun_ccc block.
type Tenant struct {
	ID          cdr.TenantID
	InstanceID  string
	Location    *time.Location // the default window starts at today 00:00 here
	Credentials []Credential
	RPS         float64
	Burst       int
}

// API is the Alibaba CCC record API.
type API struct {
	store  cdr.Store
	keys   map[string]key
	nonces *pop.NonceStore
	now    func() time.Time
	rec    *Recordings // GetMonoRecording's; nil: no recordings
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
	a := &API{store: store, keys: map[string]key{}, now: time.Now}
	a.nonces = pop.NewNonceStore(pop.DefaultWindow, a.nonceCap)
	seen := map[string]bool{}
	for _, t := range tenants {
		if seen[t.InstanceID] {
			return nil, fmt.Errorf("aliyunccc: InstanceId %s configured twice", t.InstanceID)
		}
		seen[t.InstanceID] = true
		if t.Location == nil {
			t.Location = time.UTC
		}
		tn := &tenant{Tenant: t, limiter: httpx.NewLimiter(t.RPS, t.Burst)}
		for _, c := range t.Credentials {
			if _, dup := a.keys[c.AccessKeyID]; dup {
				return nil, fmt.Errorf("aliyunccc: AccessKeyId %s configured twice", c.AccessKeyID)
			}
			a.keys[c.AccessKeyID] = key{c.AccessKeySecret, tn}
		}
	}
	return a, nil
}

// nonceCap is the nonce capacity of AccessKeyId id: pop.NonceCap of its
// tenant's rate.
func (a *API) nonceCap(id string) int {
	k, ok := a.keys[id]
	if !ok {
		return pop.MinNonceCap
	}
	return pop.NonceCap(k.tenant.RPS)
}

// Lookup implements pop.Keys.
func (a *API) Lookup(id string) (string, bool) {
	k, ok := a.keys[id]
	return k.secret, ok
}

// ClaimsHeaders reports whether a request to "/" is a V3 request, whose
// credentials travel in its headers (an ACS3 Authorization). Its body is
// read only once the headers authenticate.
func (a *API) ClaimsHeaders(r *http.Request) bool { return pop.IsV3(r) }

// Claims reports whether a request to "/" is a POP request for this
// service: an x-acs-action header, or an RPC Signature with this Version.
func (a *API) Claims(r *http.Request, params url.Values) bool {
	if r.Header.Get("x-acs-action") != "" {
		return true
	}
	return params.Get("Signature") != "" && params.Get("Version") == Version
}

// ServeRoot serves one POP request.
func (a *API) ServeRoot(w http.ResponseWriter, r *http.Request) {
	reqID := newRequestID()
	data, err := a.serve(r)
	if err != nil {
		writeError(w, r, reqID, err)
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"Code": "OK", "HttpStatusCode": http.StatusOK, "Message": "", "RequestId": reqID, "Data": data})
}

// newRequestID returns a random upper-case UUID, the form POP RequestIds
// take.
func newRequestID() string { return strings.ToUpper(httpx.NewUUID()) }

func logger(r *http.Request) *slog.Logger { return httpx.Logger(r.Context()).With("api", "aliyun_ccc") }
