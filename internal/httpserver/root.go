package httpserver

import (
	"bytes"
	"io"
	"mime"
	"net/http"
	"net/url"

	"github.com/cdrhub/cdrhub/internal/httpx"
)

// RootAPI is an API whose requests all arrive at "/" and are told apart by
// their headers and parameters: Tencent Cloud API 3.0 (X-TC-Action, or
// Action with its Version) and Alibaba Cloud POP.
type RootAPI interface {
	API
	// Claims reports whether the request is this API's. params holds the
	// query and, for a form body, the form.
	Claims(r *http.Request, params url.Values) bool
	// ServeRoot serves a claimed request. body holds at most
	// MaxRootBody+1 bytes: more than MaxRootBody means it was cut.
	ServeRoot(w http.ResponseWriter, r *http.Request, body []byte)
}

// MaxRootBody is the most a request to "/" may carry (API 3.0 allows
// 10 MB); each API answers a larger one with its own error.
const MaxRootBody = 10 << 20

// rootDispatch reads the body once and hands the request to the first API
// that claims it.
func rootDispatch(roots []RootAPI) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, MaxRootBody+1))
		if err != nil {
			httpx.SetRoute(r.Context(), "none", "none")
			http.Error(w, "cannot read the request body", http.StatusBadRequest)
			return
		}
		params := r.URL.Query()
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" && len(body) <= MaxRootBody {
			if form, err := url.ParseQuery(string(body)); err == nil {
				for k, v := range form {
					params[k] = append(params[k], v...)
				}
			}
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		for _, a := range roots {
			if a.Claims(r, params) {
				a.ServeRoot(w, r, body)
				return
			}
		}
		httpx.SetRoute(r.Context(), "none", "none")
		httpx.WriteJSON(w, r, http.StatusNotFound, map[string]any{"error": map[string]string{
			"code": "not_found", "message": "no API served here recognizes this request"}})
	})
}
