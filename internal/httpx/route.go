package httpx

import (
	"context"
	"sync"
)

// Outcomes of a request, as counted by the HTTP metrics.
const (
	OutcomeOK          = "ok"
	OutcomeClientError = "client_error"
	OutcomeServerError = "server_error"
)

// NoRoute is the api and action label of a request no API claimed.
const NoRoute = "none"

// RouteLabels are the metric labels of one request. The middleware puts an
// empty holder in the request's context (WithRouteLabels) before the mux
// runs; the handler that takes the request names it with SetRoute and may
// override its outcome with SetOutcome; the middleware reads it back with
// Get when the request ends.
//
// Label values must come from a small fixed set (constants in the code):
// never a path, a parameter or anything else a client sends.
type RouteLabels struct {
	mu                   sync.Mutex
	api, action, outcome string
	tenant, principal    string
}

// WithRouteLabels returns ctx carrying a new, empty label holder, and the
// holder.
func WithRouteLabels(ctx context.Context) (context.Context, *RouteLabels) {
	l := &RouteLabels{}
	return context.WithValue(ctx, routeKey, l), l
}

// Get returns the labels. api and action are NoRoute if no handler set
// them; outcome is "" unless a handler overrode it.
func (l *RouteLabels) Get() (api, action, outcome string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	api, action = l.api, l.action
	if api == "" {
		api, action = NoRoute, NoRoute
	}
	return api, action, l.outcome
}

func routeLabels(ctx context.Context) *RouteLabels {
	l, _ := ctx.Value(routeKey).(*RouteLabels)
	return l
}

// SetRoute names the API and action serving the request in ctx, e.g.
// ("native", "list_records"). It does nothing when ctx has no label holder.
func SetRoute(ctx context.Context, api, action string) {
	if l := routeLabels(ctx); l != nil {
		l.mu.Lock()
		l.api, l.action = api, action
		l.mu.Unlock()
	}
}

// SetOutcome overrides the outcome the middleware would derive from the
// HTTP status (OutcomeOf), for APIs that answer errors with status 200. Use
// one of the Outcome constants. It does nothing when ctx has no label holder.
func SetOutcome(ctx context.Context, outcome string) {
	if l := routeLabels(ctx); l != nil {
		l.mu.Lock()
		l.outcome = outcome
		l.mu.Unlock()
	}
}

// OutcomeOf returns the outcome of an HTTP status: server_error for 5xx,
// client_error for 4xx, ok otherwise.
func OutcomeOf(status int) string {
	switch {
	case status >= 500:
		return OutcomeServerError
	case status >= 400:
		return OutcomeClientError
	}
	return OutcomeOK
}

// SetPrincipal records who a request acts as, once its credential is
// verified: the tenant id it acts for and the principal, the credential's
// public name (a native token's name, "admin:<name>" for an admin token, a
// vendor API's lookup key such as a SecretId, AccessKeyId, Api-Key or
// "<identifier>@<sdkappid>"). Never a secret. The access log line of the
// request carries both. It does nothing when ctx has no label holder.
func SetPrincipal(ctx context.Context, tenant, principal string) {
	if l := routeLabels(ctx); l != nil {
		l.mu.Lock()
		l.tenant, l.principal = tenant, principal
		l.mu.Unlock()
	}
}

// PrincipalOf returns what SetPrincipal recorded for ctx's request: "" for
// both when no credential was verified or ctx has no label holder.
func PrincipalOf(ctx context.Context) (tenant, principal string) {
	if l := routeLabels(ctx); l != nil {
		return l.Principal()
	}
	return "", ""
}

// Principal returns what SetPrincipal recorded: "" for both when no
// credential was verified.
func (l *RouteLabels) Principal() (tenant, principal string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.tenant, l.principal
}
