// Package vendorhttp is the HTTP plumbing the sync engine's vendor
// clients (internal/ingest/<vendor>) share: the *http.Client they send
// with, the check of an endpoint, one exchange read in bounded memory,
// the classification of an HTTP status, the bounds of a window, a JSON
// array kept as its raw elements and checked as a page, and the text of
// an error. Each client keeps its own *Error type: what fails here is a
// *Failure, which it converts in a line.
package vendorhttp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/cdrhub/cdrhub/internal/ingest"
)

// NewClient returns the client a vendor client sends with: Go's default
// transport with the environment's proxy (HTTPS_PROXY, NO_PROXY), TLS 1.2
// or later and the certificates of the PEM file caFile trusted besides the
// system's, each request bounded by timeout. A redirect is answered as it
// is: every client's request carries its credentials (a signature naming
// the host, a bearer header, a UserSig in the URL), which no second URL
// gets. Its errors begin with name, the client's package.
func NewClient(name, caFile string, timeout time.Duration) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = http.ProxyFromEnvironment
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pool, err := caPool(name, caFile)
		if err != nil {
			return nil, err
		}
		tr.TLSClientConfig.RootCAs = pool
	}
	return &http.Client{Transport: tr, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}, nil
}

// caPool returns the system's certificates with those of the PEM file.
func caPool(name, file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("%s: CA file: %w", name, err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s: CA file %s holds no PEM certificate", name, file)
	}
	return pool, nil
}

// BaseURL checks endpoint, a base URL of scheme https or http, a host and
// nothing else (no user, no path but "/", no query, no fragment), and
// returns it as "scheme://host". Its errors begin with name, the client's
// package, and name the endpoint.
func BaseURL(name, endpoint string) (string, error) {
	u, err := url.Parse(endpoint)
	switch {
	case err != nil:
		return "", fmt.Errorf("%s: endpoint: %v", name, err)
	case u.Scheme != "https" && u.Scheme != "http":
		return "", fmt.Errorf("%s: endpoint %q: the scheme must be https or http", name, endpoint)
	case u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "":
		return "", fmt.Errorf("%s: endpoint %q: want a scheme and a host, nothing else", name, endpoint)
	}
	return u.Scheme + "://" + u.Host, nil
}

// Failure is an exchange that got no answer the client can read: no whole
// answer (Kind Transient, Message "no answer", Err the cause) or a body
// longer than the client reads (Kind Transient, Status the answer's).
// Each client turns it into its own *Error, fields as they are.
type Failure struct {
	Kind    ingest.Kind
	Status  int
	Message string
	Err     error
}

func (f *Failure) Error() string {
	return ErrorText("vendorhttp", f.Kind, f.Status, "", f.Message, f.Err)
}

// Unwrap returns the cause.
func (f *Failure) Unwrap() error { return f.Err }

// Answer is an answer read whole.
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
	// At is when the body had arrived, by the client's clock.
	At time.Time
}

// Do sends req, which is bound to a context derived from ctx, with hc and
// reads the answer's body, at most maxBody bytes; now is the client's
// clock, read once the body is in. When ctx, the caller's own, has ended,
// the error is ctx.Err() as it is; any other failure is a *Failure.
func Do(ctx context.Context, hc *http.Client, req *http.Request, maxBody int64, now func() time.Time) (Answer, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return Answer{}, noAnswer(ctx, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return Answer{}, noAnswer(ctx, err)
	}
	a := Answer{Status: resp.StatusCode, Header: resp.Header, Body: body, At: now()}
	if int64(len(body)) > maxBody {
		return Answer{}, &Failure{Kind: ingest.Transient, Status: a.Status, Message: fmt.Sprintf("the response body exceeds %d bytes", maxBody)}
	}
	return a, nil
}

// noAnswer is the error of a request that got no whole answer: the
// caller's own cancellation as it is, anything else (network, timeout)
// Transient.
func noAnswer(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return &Failure{Kind: ingest.Transient, Message: "no answer", Err: err}
}

// StatusKind classifies an HTTP status other than 200 that carries no
// vendor error: 429 Throttled, 5xx and 408 Transient, any other Invalid.
func StatusKind(status int) ingest.Kind {
	switch {
	case status == http.StatusTooManyRequests:
		return ingest.Throttled
	case status >= 500, status == http.StatusRequestTimeout:
		return ingest.Transient
	}
	return ingest.Invalid
}

// MalformedKind classifies an answer that is not the API's: by its status
// when it is not 200, else Transient (a proxy's or a truncated answer).
func MalformedKind(status int) ingest.Kind {
	if status != http.StatusOK {
		return StatusKind(status)
	}
	return ingest.Transient
}
