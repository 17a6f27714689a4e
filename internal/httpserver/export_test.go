package httpserver

import (
	"log/slog"
	"net/http"

	"github.com/cdrhub/cdrhub/internal/metrics"
)

// TestRoute is a route a test mounts beside the table's: a pattern, its
// metric labels and its handler.
type TestRoute struct {
	Pattern, API, Action string
	Handler              http.Handler
}

// RoutesWith is Routes(ready, reg, log, apis) with extra routes after the
// table's.
func RoutesWith(ready Ready, reg *metrics.Registry, log *slog.Logger, apis APIs, extra ...TestRoute) http.Handler {
	rs := table(ready, reg, apis)
	for _, e := range extra {
		rs = append(rs, route{pattern: e.Pattern, api: e.API, action: e.Action, handler: e.Handler})
	}
	return mount(rs, reg, log)
}
