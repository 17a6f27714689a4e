package native_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cdrhub/cdrhub/internal/api/native"
	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	"github.com/pb33f/libopenapi-validator/content"
	valerrors "github.com/pb33f/libopenapi-validator/errors"
)

// openAPIValidator is the validator of native.OpenAPIDocument, built once.
var openAPIValidator = sync.OnceValues(func() (validator.Validator, error) {
	doc, err := libopenapi.NewDocument(native.OpenAPIDocument())
	if err != nil {
		return nil, err
	}
	// Line-delimited JSON and other bodies the description types as
	// strings are read as text, not decoded as one JSON value.
	var opts []config.Option
	for _, mt := range []string{"application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines", "text/plain", "text/csv"} {
		opts = append(opts, config.WithBodyDecoder(mt, content.TextDecoder()))
	}
	v, errs := validator.NewValidator(doc, opts...)
	if len(errs) > 0 {
		return nil, errs[0]
	}
	return v, nil
})

// TestOpenAPIDocumentValid: the description is a valid OpenAPI 3.1
// document.
func TestOpenAPIDocumentValid(t *testing.T) {
	v, err := openAPIValidator()
	if err != nil {
		t.Fatal(err)
	}
	if ok, errs := v.ValidateDocument(); !ok {
		for _, e := range errs {
			t.Error(describe(e))
		}
	}
}

// validated wraps the test server's handler h: every request to /api/v1
// that the server accepted (2xx) must be one the description allows, and
// every answer (errors included) one it describes. Bodies stream through
// as before; a response that aborts (a failed export) is not checked.
func validated(t *testing.T, h http.Handler) http.Handler {
	t.Helper()
	v, err := openAPIValidator()
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex // the validator's request path is not documented as safe for concurrent use
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/api/v1/") {
			h.ServeHTTP(w, r)
			return
		}
		// The request's body as the handler reads it: the server must be
		// free to refuse a request before reading its body.
		var read bytes.Buffer
		r.Body = readCloser{io.TeeReader(r.Body, &read), r.Body}
		rec := &teeWriter{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		body := read.Bytes()
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		resp := &http.Response{StatusCode: status, Header: w.Header().Clone(), Body: io.NopCloser(bytes.NewReader(rec.body.Bytes())), Request: r}
		req := httptest.NewRequest(r.Method, r.URL.String(), bytes.NewReader(body))
		req.Header = r.Header.Clone()
		if len(body) > 0 && req.Header.Get("Content-Type") == "" {
			// The server reads a body without a type as it reads
			// application/octet-stream (its first byte decides).
			req.Header.Set("Content-Type", "application/octet-stream")
		}
		mu.Lock()
		defer mu.Unlock()
		if status/100 == 2 {
			if ok, errs := v.ValidateHttpRequestSync(req); !ok {
				for _, e := range errs {
					t.Errorf("OpenAPI: request %s %s: %s", r.Method, r.URL, describe(e))
				}
			}
			for k := range r.URL.Query() {
				if !declaredParam(t, r.Method, r.URL.Path, k) {
					t.Errorf("OpenAPI: request %s %s: parameter %q is not declared", r.Method, r.URL, k)
				}
			}
		}
		if ok, errs := v.ValidateHttpResponse(req, resp); !ok {
			for _, e := range errs {
				if status == http.StatusNotFound && e.ValidationType == "path" {
					continue // a path the API does not have: the catch-all's 404
				}
				t.Errorf("OpenAPI: response %d to %s %s: %s", status, r.Method, r.URL, describe(e))
			}
		}
	})
}

// openAPIParams maps each operation ("GET /api/v1/records/{id}") to the
// query parameters it declares.
var openAPIParams = sync.OnceValues(func() (map[string][]string, error) {
	var doc struct {
		Paths      map[string]map[string]struct{ Parameters []param } `json:"paths"`
		Components struct {
			Parameters map[string]param `json:"parameters"`
		} `json:"components"`
	}
	if err := json.Unmarshal(native.OpenAPIDocument(), &doc); err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			key := strings.ToUpper(method) + " " + path
			for _, p := range op.Parameters {
				if p.Ref != "" {
					p = doc.Components.Parameters[strings.TrimPrefix(p.Ref, "#/components/parameters/")]
				}
				if p.In == "query" {
					out[key] = append(out[key], p.Name)
				}
			}
		}
	}
	return out, nil
})

type param struct {
	Ref  string `json:"$ref"`
	Name string `json:"name"`
	In   string `json:"in"`
}

// declaredParam reports whether the operation of method and path (a
// request's) declares the query parameter name.
func declaredParam(t *testing.T, method, path, name string) bool {
	ops, err := openAPIParams()
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.Trim(path, "/"), "/")
	for op, names := range ops {
		m, tmpl, _ := strings.Cut(op, " ")
		want := strings.Split(strings.Trim(tmpl, "/"), "/")
		if m != method || len(want) != len(got) {
			continue
		}
		match := true
		for i := range want {
			if !strings.HasPrefix(want[i], "{") && want[i] != got[i] {
				match = false
			}
		}
		if match {
			return slices.Contains(names, name)
		}
	}
	return false
}

// describe is a validation error with its schema failures.
func describe(e *valerrors.ValidationError) string {
	s := e.ValidationType + ": " + e.Message + ": " + e.Reason
	for _, f := range e.SchemaValidationErrors {
		s += "\n\t" + f.FieldPath + ": " + f.Reason + " (" + f.KeywordLocation + ")"
	}
	return s
}

// readCloser reads through r and closes c.
type readCloser struct {
	r io.Reader
	c io.Closer
}

func (rc readCloser) Read(p []byte) (int, error) { return rc.r.Read(p) }
func (rc readCloser) Close() error               { return rc.c.Close() }

// teeWriter passes a response through and keeps a copy of its status and
// body.
type teeWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (w *teeWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *teeWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.body.Write(b)
	return w.ResponseWriter.Write(b)
}

func (w *teeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// TestOpenAPIServed: GET /api/v1/openapi.json serves the description
// without a token.
func TestOpenAPIServed(t *testing.T) {
	e := newEnv(t, native.DefaultLimits)
	resp, err := http.Get(e.srv.URL + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" || !bytes.Equal(b, native.OpenAPIDocument()) {
		t.Errorf("%d %s: %.100s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
}
