package native

import (
	_ "embed"
	"net/http"
)

// openAPI is the OpenAPI 3.1 description of /api/v1 (openapi.json): its
// routes, parameters, bodies, the error envelope and bearer tokens. The
// package's HTTP tests validate their requests and responses against it,
// and internal/httpserver's tests check that it describes every route of
// the table under /api/v1.
//
//go:embed openapi.json
var openAPI []byte

// OpenAPIDocument returns the OpenAPI description of the API.
func OpenAPIDocument() []byte { return openAPI }

// OpenAPI serves GET /api/v1/openapi.json, without authentication: it
// describes the API, no tenant's data.
func (a *API) OpenAPI() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Write(openAPI)
	})
}
