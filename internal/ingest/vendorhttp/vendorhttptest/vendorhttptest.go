// Package vendorhttptest is the vendor clients' tests' fake vendor: an
// httptest server that counts each request, keeps what the test's own
// verifier saw of the last one, and answers with a canned answer; and the
// certificate files of the tests of Config.CAFile.
package vendorhttptest

import (
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
)

// Server is a fake vendor whose verifier reports an S of each request.
type Server[S any] struct {
	*httptest.Server
	requests atomic.Int32
	last     atomic.Pointer[S]
}

// New starts a fake vendor, over TLS when tlsServer, closed when the test
// ends. Each request's body is read whole and given to see with the
// request, whose report Last returns; then answer answers.
func New[S any](t testing.TB, tlsServer bool, see func(r *http.Request, body []byte) *S, answer func(w http.ResponseWriter)) *Server[S] {
	t.Helper()
	s := &Server[S]{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		body, _ := io.ReadAll(r.Body)
		s.last.Store(see(r, body))
		answer(w)
	})
	s.Server = httptest.NewUnstartedServer(h)
	s.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes of the CAFile tests
	if tlsServer {
		s.StartTLS()
	} else {
		s.Start()
	}
	t.Cleanup(s.Close)
	return s
}

// Requests is the number of requests that arrived.
func (s *Server[S]) Requests() int32 { return s.requests.Load() }

// Last is the report of the last request, nil before the first.
func (s *Server[S]) Last() *S { return s.last.Load() }

// Answer answers with status and body, of Content-Type application/json
// unless header names another, and the members of header.
func Answer(status int, header http.Header, body string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		for k, v := range header {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// CAFile writes the certificate of srv, started with TLS, to a PEM file
// of the test's and returns its name.
func CAFile(t testing.TB, srv *httptest.Server) string {
	t.Helper()
	return writeFile(t, "ca.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))
}

// NotPEMFile returns the name of a file of the test's that holds no PEM
// certificate.
func NotPEMFile(t testing.TB) string {
	t.Helper()
	return writeFile(t, "empty.pem", []byte("not a certificate"))
}

func writeFile(t testing.TB, name string, b []byte) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}
