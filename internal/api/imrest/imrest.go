// Package imrest serves the record queries that follow Tencent IM's REST
// convention, authenticated with a UserSig in the URL: TRTC TUICallKit's
// call records (get_records_by_filter, get_record_by_callId; API B) and
// Tencent Cloud Desk's chat sessions (describe_im_cdr_list; API E). Every
// answer is HTTP 200 with the error, if any, in the body. See README.md.
package imrest

import (
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/cdrhub/cdrhub/internal/auth/usersig"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/httpx"
)

// Block is one tenant's trtc_callkit or tencent_desk block.
type Block struct {
	Tenant cdr.TenantID
	Admins []string // identifiers that may call the REST API
	RPS    float64
	Burst  int
	// ByCallID sizes get_record_by_callId's own bucket (B only).
	ByCallIDRPS   float64
	ByCallIDBurst int
}

// App is one IM application (sdkappid) with its key and the blocks that use
// it: B and E may share one sdkappid, within one tenant.
type App struct {
	SdkAppID uint64
	Key      string
	// MaxUserSigLifetime, when positive, refuses a UserSig whose
	// TLS.expire is longer (70009); zero accepts any, as the vendor does.
	// It is the app's, as the key is: both blocks of a shared sdkappid
	// have the same (the configuration requires it).
	MaxUserSigLifetime time.Duration
	CallKit            *Block
	Desk               *Block
}

// API serves B and E.
type API struct {
	store cdr.Store
	apps  map[uint64]*app
	now   func() time.Time
}

type app struct {
	App
	tenant        cdr.TenantID // the tenant of its blocks
	callKit, desk *block
}

type block struct {
	Block
	limiter, byCallID *httpx.Limiter
}

func newBlock(b *Block) *block {
	if b == nil {
		return nil
	}
	nb := &block{Block: *b, limiter: httpx.NewLimiter(b.RPS, b.Burst)}
	if b.ByCallIDRPS > 0 {
		nb.byCallID = httpx.NewLimiter(b.ByCallIDRPS, b.ByCallIDBurst)
	}
	return nb
}

// New returns the API over store for apps.
func New(store cdr.Store, apps []App) (*API, error) {
	a := &API{store: store, apps: map[uint64]*app{}, now: time.Now}
	for _, ap := range apps {
		if _, dup := a.apps[ap.SdkAppID]; dup {
			return nil, fmt.Errorf("imrest: sdkappid %d configured twice", ap.SdkAppID)
		}
		if ap.CallKit != nil && ap.Desk != nil && ap.CallKit.Tenant != ap.Desk.Tenant {
			return nil, fmt.Errorf("imrest: sdkappid %d serves two tenants", ap.SdkAppID)
		}
		nap := &app{App: ap, callKit: newBlock(ap.CallKit), desk: newBlock(ap.Desk)}
		switch {
		case ap.CallKit != nil:
			nap.tenant = ap.CallKit.Tenant
		case ap.Desk != nil:
			nap.tenant = ap.Desk.Tenant
		}
		a.apps[ap.SdkAppID] = nap
	}
	return a, nil
}

// The handlers of B's and E's paths, which internal/httpserver mounts
// (routes.go) with their metric labels.

// RecordsByFilter serves TUICallKit's get_records_by_filter.
func (a *API) RecordsByFilter() http.Handler {
	return a.handler(apiCallKit, actionFilter, a.recordsByFilter)
}

// RecordByCallID serves TUICallKit's get_record_by_callId.
func (a *API) RecordByCallID() http.Handler {
	return a.handler(apiCallKit, actionByCallID, a.recordByCallID)
}

// DescribeIMCdrList serves Desk's describe_im_cdr_list.
func (a *API) DescribeIMCdrList() http.Handler {
	return a.handler(apiDesk, actionIMCdrList, a.imCdrList)
}

// Which API a route belongs to: the envelope and the block it uses.
const (
	apiCallKit = "trtc_callkit"
	apiDesk    = "tencent_desk"
)

// Actions.
const (
	actionFilter    = "get_records_by_filter"
	actionByCallID  = "get_record_by_callId"
	actionIMCdrList = "describe_im_cdr_list"
)

// request is an authenticated request: its tenant's block and app.
type request struct {
	*http.Request
	app   *app
	block *block
	body  []byte
}

// maxBody bounds a request body; the bodies here are a few parameters.
const maxBody = 1 << 20

// handler authenticates a request of api and answers it in api's envelope.
// Nothing of the body is read before the URL's UserSig is verified, the
// identifier is found an administrator and the rate limit has passed.
func (a *API) handler(api, action string, h func(q *request) (any, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqID := httpx.NewUUID()
		q, err := a.authenticate(r, api, action)
		var data any
		if err == nil {
			data, err = h(q)
		}
		// An answer sent before the body was read to its end (refused
		// from the URL, or a body over maxBody) closes the connection
		// (httpx.CloseIfUnread, applied by the listener).
		write(w, r, api, reqID, data, err)
	})
}

// authenticate checks the URL parameters and the UserSig, then the app's
// block for api, the identifier's admin rights and the rate limit, and
// only then reads the body. Once the UserSig is verified, the access log
// names the app's tenant and <identifier>@<sdkappid> (never the UserSig).
func (a *API) authenticate(r *http.Request, api, action string) (*request, error) {
	if r.Method != http.MethodPost {
		return nil, imErr(CodeHTTPParse, "the REST API takes POST requests")
	}
	qs := r.URL.Query()
	id, sig := qs.Get("identifier"), qs.Get("usersig")
	sdkAppID, err := strconv.ParseUint(qs.Get("sdkappid"), 10, 64)
	if err != nil {
		return nil, imErr(CodeSdkAppIDMissing, "sdkappid is missing or not a number in the URL")
	}
	if id == "" || sig == "" {
		return nil, imErr(CodeHTTPParse, "identifier and usersig are required in the URL")
	}
	ap := a.apps[sdkAppID]
	if ap == nil {
		return nil, imErr(usersig.CodeSDKAppIDNotFound, fmt.Sprintf("sdkappid %d does not exist", sdkAppID))
	}
	if _, err := usersig.VerifyWith(sig, sdkAppID, id, ap.Key, a.now(), usersig.Options{MaxLifetime: ap.MaxUserSigLifetime}); err != nil {
		return nil, err
	}
	httpx.SetPrincipal(r.Context(), ap.tenant.String(), id+"@"+strconv.FormatUint(sdkAppID, 10))
	b := ap.callKit
	if api == apiDesk {
		b = ap.desk
	}
	switch {
	case b == nil && api == apiDesk:
		return nil, imErr(CodeNotDesk, "this application is not a Desk application")
	case b == nil:
		return nil, imErr(CodeNoCallKit, "this application has no TUICallKit call records")
	case !slices.Contains(b.Admins, id):
		return nil, imErr(CodeNotAdmin, "the identifier must be an App administrator")
	}
	lim := b.limiter
	if action == actionByCallID && b.byCallID != nil {
		lim = b.byCallID
	}
	if !lim.Allow(a.now()) {
		if api == apiDesk {
			return nil, imErr(CodeDeskRateLimit, "API rate limiting")
		}
		return nil, imErr(CodeRateLimit, "REST call frequency exceeded the limit")
	}
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	return &request{Request: r, app: ap, block: b, body: body}, nil
}

func logger(r *http.Request, api string) *slog.Logger {
	return httpx.Logger(r.Context()).With("api", api)
}
