// Package faultproxy is a fault-injecting HTTP reverse proxy for tests.
//
// Tests start two real cdrhub servers, an upstream serving a vendor's
// record-query API and a downstream syncing from it, and put a Proxy
// between them. The proxy forwards every request byte for byte (the
// client's Host header included, since signed requests such as
// TC3-HMAC-SHA256 sign it) and, on a schedule of Faults, injects what a
// vendor API does on a bad day: throttling errors, 5xx answers, slow
// answers, dropped connections, truncated or rewritten answers, and data
// changing between two requests of a sync run.
//
// A Fault pairs a Match, which chooses the requests it applies to (Nth,
// Every, BodyContains, And, Times), with an Action (Respond, Delay, Drop,
// DropAfterForward, Truncate, Before, Rewrite). For each request the first
// Fault whose Match accepts it fires; at most one fires per request.
package faultproxy

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log"
	"maps"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// MaxBody bounds the request body the proxy reads; a larger body is
// answered 413 by the proxy without forwarding.
const MaxBody = 16 << 20

// Match chooses the requests a Fault applies to: n is the 1-based number
// of the request at the proxy, body the request body (already read, at
// most MaxBody bytes; the proxy forwards it unchanged). A Match must be
// safe for concurrent use.
type Match = func(n int, r *http.Request, body []byte) bool

// Fault is one entry of a Proxy's schedule.
type Fault struct {
	// Name keys the fault in Proxy.Injected.
	Name string
	// When chooses the requests the fault applies to; nil matches every
	// request.
	When Match
	// Action is what the fault does; the zero Action forwards normally.
	Action Action
}

// Proxy forwards HTTP requests to an upstream base URL, injecting faults.
// Its methods are safe for concurrent use.
type Proxy struct {
	upstream *url.URL
	client   *http.Client
	server   *http.Server
	listener net.Listener
	cancel   context.CancelFunc // cancels every handler's context

	requests atomic.Int64

	mu       sync.Mutex
	faults   []Fault
	injected map[string]int
	closed   bool
	inflight sync.WaitGroup
}

// New starts a proxy listening on 127.0.0.1:0 forwarding to upstream, a
// base URL such as "http://127.0.0.1:1234" (a path in it prefixes every
// forwarded path). Close stops it.
func New(upstream string, faults ...Fault) (*Proxy, error) {
	u, err := parseUpstream(upstream)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Proxy{
		upstream: u,
		client:   newClient(),
		listener: ln,
		cancel:   cancel,
		faults:   append([]Fault(nil), faults...),
		injected: map[string]int{},
	}
	p.server = &http.Server{
		Handler:     http.HandlerFunc(p.serveHTTP),
		BaseContext: func(net.Listener) context.Context { return ctx },
		ErrorLog:    log.New(io.Discard, "", 0),
	}
	go p.server.Serve(ln)
	return p, nil
}

// parseUpstream checks that upstream is an absolute http(s) URL.
func parseUpstream(upstream string) (*url.URL, error) {
	u, err := url.Parse(upstream)
	if err != nil {
		return nil, err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("faultproxy: upstream must be an http(s) URL with a host: " + upstream)
	}
	return u, nil
}

// newClient returns the client the proxy forwards with: no environment
// proxies, no transparent decompression, no redirects followed.
func newClient() *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			Proxy:               nil,
			DisableCompression:  true,
			MaxIdleConnsPerHost: 16,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// URL returns the proxy's base URL, "http://127.0.0.1:port".
func (p *Proxy) URL() string {
	return "http://" + p.listener.Addr().String()
}

// Close stops the proxy: it closes the listener and every connection,
// cancels the requests in flight (a Delay or a forward is cut, a Before
// function runs to its end) and waits for their handlers to return.
// Calling it again does nothing.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.mu.Unlock()
	err := p.server.Close()
	p.cancel()
	p.inflight.Wait()
	p.client.CloseIdleConnections()
	return err
}

// Requests returns the number of requests received so far, counted when
// they arrive (before a Delay or a forward).
func (p *Proxy) Requests() int {
	return int(p.requests.Load())
}

// Injected returns how many times each fault, by Name, fired so far.
func (p *Proxy) Injected() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.injected)
}

// SetFaults replaces the schedule; requests arriving afterwards use the
// new one. The counts of Injected are kept.
func (p *Proxy) SetFaults(faults ...Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.faults = append([]Fault(nil), faults...)
}

// enter registers a handler in flight, or reports false once Close began.
func (p *Proxy) enter() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.inflight.Add(1)
	return true
}

// serveHTTP reads the request's body, picks the fault and runs its action.
func (p *Proxy) serveHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(p.requests.Add(1))
	if !p.enter() {
		http.Error(w, "faultproxy: closed", http.StatusServiceUnavailable)
		return
	}
	defer p.inflight.Done()
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			http.Error(w, "faultproxy: request body over MaxBody", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "faultproxy: read request body: "+err.Error(), http.StatusBadRequest)
		return
	}
	x := &exchange{p: p, w: w, r: r, body: body}
	p.pick(n, r, body).do(x)
}

// pick returns the action of the first fault matching request n, counting
// it in Injected, or the zero Action.
func (p *Proxy) pick(n int, r *http.Request, body []byte) Action {
	p.mu.Lock()
	faults := p.faults
	p.mu.Unlock()
	for _, f := range faults {
		if f.When != nil && !f.When(n, r, body) {
			continue
		}
		p.mu.Lock()
		p.injected[f.Name]++
		p.mu.Unlock()
		return f.Action
	}
	return Action{}
}

// hopHeaders are the hop-by-hop headers, not forwarded either way.
var hopHeaders = []string{
	"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

// endToEnd returns a copy of h without its hop-by-hop headers (those
// named in its Connection header too).
func endToEnd(h http.Header) http.Header {
	out := h.Clone()
	if out == nil {
		out = http.Header{}
	}
	for _, v := range h.Values("Connection") {
		for _, name := range strings.Split(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				out.Del(name)
			}
		}
	}
	for _, name := range hopHeaders {
		out.Del(name)
	}
	return out
}

// outbound returns the request to send upstream for r: same method, path,
// query, headers, Host and body.
func (p *Proxy) outbound(r *http.Request, body []byte) (*http.Request, error) {
	target := *p.upstream
	target.Path = joinPath(p.upstream.Path, r.URL.Path)
	target.RawPath = ""
	if r.URL.RawPath != "" {
		target.RawPath = joinPath(p.upstream.EscapedPath(), r.URL.RawPath)
	}
	target.RawQuery = r.URL.RawQuery
	target.ForceQuery = r.URL.ForceQuery
	target.Fragment, target.RawFragment = "", ""
	out, err := http.NewRequestWithContext(r.Context(), r.Method, target.String(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	out.Header = endToEnd(r.Header)
	if _, ok := out.Header["User-Agent"]; !ok {
		// An empty value keeps the transport from adding its own.
		out.Header["User-Agent"] = []string{""}
	}
	out.Host = r.Host
	return out, nil
}

// joinPath joins the upstream's base path and a request path with one
// slash between them.
func joinPath(base, path string) string {
	if base == "" || base == "/" {
		return path
	}
	return strings.TrimSuffix(base, "/") + "/" + strings.TrimPrefix(path, "/")
}

// answer is the upstream's response, its body read in full.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// forward sends the exchange's request upstream and reads the answer. On
// failure it answers 502 itself and reports false; when the request's
// context ended (the client gone, the proxy closing) it aborts instead.
func (x *exchange) forward() (answer, bool) {
	out, err := x.p.outbound(x.r, x.body)
	if err != nil {
		http.Error(x.w, "faultproxy: "+err.Error(), http.StatusBadGateway)
		return answer{}, false
	}
	resp, err := x.p.client.Do(out)
	if err != nil {
		if x.r.Context().Err() != nil {
			x.abort()
		}
		http.Error(x.w, "faultproxy: upstream: "+err.Error(), http.StatusBadGateway)
		return answer{}, false
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		// The upstream cut its answer: cut ours too.
		x.drop()
		return answer{}, false
	}
	return answer{status: resp.StatusCode, header: endToEnd(resp.Header), body: body}, true
}

// exchange is one request at the proxy, its body already read.
type exchange struct {
	p    *Proxy
	w    http.ResponseWriter
	r    *http.Request
	body []byte
}

// write sends an answer to the client with its Content-Length set to the
// body's length (a HEAD answer keeps the upstream's).
func (x *exchange) write(a answer) {
	h := x.w.Header()
	for k, v := range a.header {
		h[k] = v
	}
	if x.r.Method != http.MethodHead && bodyAllowed(a.status) {
		h.Set("Content-Length", strconv.Itoa(len(a.body)))
	}
	x.w.WriteHeader(a.status)
	x.w.Write(a.body)
}

// bodyAllowed reports whether an answer of status may have a body.
func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}

// drop closes the client's connection without answering.
func (x *exchange) drop() {
	conn, _, err := hijack(x.w)
	if err != nil {
		x.abort()
	}
	conn.Close()
}

// abort ends the handler without an answer: the server closes the
// connection instead of sending an empty 200.
func (x *exchange) abort() {
	panic(http.ErrAbortHandler)
}

// hijack takes over the client's connection.
func hijack(w http.ResponseWriter) (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("faultproxy: connection cannot be hijacked")
	}
	return hj.Hijack()
}
