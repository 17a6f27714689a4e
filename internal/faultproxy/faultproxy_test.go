package faultproxy

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// seen is a request as the upstream received it.
type seen struct {
	method, uri, host string
	header            http.Header
	body              []byte
}

// upstream is an httptest.Server that counts its calls, records them and
// echoes the request body (or "hello from upstream" for an empty one) with
// the status asked for in X-Want-Status.
type upstream struct {
	*httptest.Server
	calls atomic.Int64
	mu    sync.Mutex
	reqs  []seen
}

func newUpstream(t *testing.T) *upstream {
	t.Helper()
	u := &upstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.calls.Add(1)
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("upstream: read body: %v", err)
		}
		u.mu.Lock()
		u.reqs = append(u.reqs, seen{r.Method, r.RequestURI, r.Host, r.Header.Clone(), body})
		u.mu.Unlock()
		status := http.StatusOK
		if s := r.Header.Get("X-Want-Status"); s != "" {
			status, _ = strconv.Atoi(s)
		}
		if len(body) == 0 {
			body = []byte("hello from upstream")
		}
		w.Header()["X-Upstream"] = []string{"a", "b"}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.WriteHeader(status)
		w.Write(body)
	}))
	t.Cleanup(u.Close)
	return u
}

// last returns the last request the upstream received.
func (u *upstream) last(t *testing.T) seen {
	t.Helper()
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.reqs) == 0 {
		t.Fatal("upstream received no request")
	}
	return u.reqs[len(u.reqs)-1]
}

func newProxy(t *testing.T, up *upstream, faults ...Fault) *Proxy {
	t.Helper()
	p, err := New(up.URL, faults...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// client opens a connection per request, so that a dropped connection is
// never retried transparently.
func client() *http.Client {
	return &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
}

// result is what a client saw of one request.
type result struct {
	status  int
	header  http.Header
	length  int64 // the answer's Content-Length
	body    []byte
	err     error // from Do
	readErr error // from reading the body
	elapsed time.Duration
}

func do(t *testing.T, req *http.Request) result {
	t.Helper()
	start := time.Now()
	resp, err := client().Do(req)
	if err != nil {
		return result{err: err, elapsed: time.Since(start)}
	}
	defer resp.Body.Close()
	body, readErr := io.ReadAll(resp.Body)
	return result{resp.StatusCode, resp.Header, resp.ContentLength, body, nil, readErr, time.Since(start)}
}

// post sends body to url; safe to call from any goroutine.
func post(t *testing.T, url, body string) result {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Error(err)
		return result{err: err}
	}
	return do(t, req)
}

func TestForwardByteForByte(t *testing.T) {
	binary := make([]byte, 1<<20)
	for i := range binary {
		binary[i] = byte(rand.IntN(256))
	}
	for i := range 256 {
		binary[i] = byte(i)
	}
	json := []byte(`{"SdkAppId":1400000000,"StartTimestamp":1700000000,"Offset":0,"Limit":100}`)
	tests := []struct {
		name, method, path, host string
		header                   http.Header
		body                     []byte
		status                   int
	}{
		{name: "get with query", method: http.MethodGet, path: "/v1/records?tenant=a&x=%2F&y=1+2", status: 200},
		{
			name: "signed post keeps the client's host", method: http.MethodPost, path: "/",
			host: "ccc.tencentcloudapi.com",
			header: http.Header{
				"Authorization":  {"TC3-HMAC-SHA256 Credential=AKID/2023-11-14/ccc/tc3_request, SignedHeaders=content-type;host, Signature=abc"},
				"Content-Type":   {"application/json; charset=utf-8"},
				"X-Tc-Action":    {"DescribeTelCdr"},
				"X-Tc-Timestamp": {"1700000000"},
			},
			body: json, status: 200,
		},
		{name: "binary body", method: http.MethodPut, path: "/bin", body: binary, status: 201},
		{name: "escaped slash in path", method: http.MethodPost, path: "/a%2Fb/c", body: []byte("x"), status: 200},
		{name: "upstream error status", method: http.MethodPost, path: "/err", body: []byte(`{"Error":{}}`), status: 500},
		{name: "multi-valued header", method: http.MethodPost, path: "/m", header: http.Header{"X-Multi": {"1", "2"}}, body: []byte("m"), status: 200},
	}
	up := newUpstream(t)
	p := newProxy(t, up)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, p.URL()+tt.path, bytes.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.header {
				req.Header[k] = v
			}
			req.Header.Set("X-Want-Status", strconv.Itoa(tt.status))
			if tt.host != "" {
				req.Host = tt.host
			}
			res := do(t, req)
			if res.err != nil || res.readErr != nil {
				t.Fatalf("request: %v, read: %v", res.err, res.readErr)
			}

			got := up.last(t)
			wantHost := tt.host
			if wantHost == "" {
				wantHost = strings.TrimPrefix(p.URL(), "http://")
			}
			if got.host != wantHost {
				t.Errorf("upstream saw Host %q, want %q", got.host, wantHost)
			}
			if got.method != tt.method || got.uri != tt.path {
				t.Errorf("upstream saw %s %s, want %s %s", got.method, got.uri, tt.method, tt.path)
			}
			for k, v := range tt.header {
				if !slices.Equal(got.header[k], v) {
					t.Errorf("upstream saw %s %q, want %q", k, got.header[k], v)
				}
			}
			if !bytes.Equal(got.body, tt.body) {
				t.Errorf("upstream saw a body of %d bytes differing from the %d sent", len(got.body), len(tt.body))
			}

			want := tt.body
			if len(want) == 0 {
				want = []byte("hello from upstream")
			}
			if res.status != tt.status {
				t.Errorf("status %d, want %d", res.status, tt.status)
			}
			if !bytes.Equal(res.body, want) {
				t.Errorf("answer body of %d bytes differs from the upstream's %d", len(res.body), len(want))
			}
			if res.length != int64(len(want)) {
				t.Errorf("Content-Length %d, want %d", res.length, len(want))
			}
			if v := res.header["X-Upstream"]; !slices.Equal(v, []string{"a", "b"}) {
				t.Errorf("X-Upstream %q, want [a b]", v)
			}
		})
	}
}

// TestForwardAddsNoHeaders sends a bare request on a raw connection: the
// upstream must see its Host and no header the proxy made up.
func TestForwardAddsNoHeaders(t *testing.T) {
	up := newUpstream(t)
	p := newProxy(t, up)
	conn, err := net.Dial("tcp", strings.TrimPrefix(p.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprint(conn, "POST /raw?q=1 HTTP/1.1\r\nHost: signed.example:8443\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	got := up.last(t)
	if got.host != "signed.example:8443" || got.uri != "/raw?q=1" || string(got.body) != "abc" {
		t.Errorf("upstream saw Host %q, %q, body %q", got.host, got.uri, got.body)
	}
	want := http.Header{"Content-Length": {"3"}}
	for k := range got.header {
		if _, ok := want[k]; !ok {
			t.Errorf("upstream saw header %s: %q the client did not send", k, got.header[k])
		}
	}
}

func TestUpstreamBasePath(t *testing.T) {
	up := newUpstream(t)
	p, err := New(up.URL + "/base/")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if res := post(t, p.URL()+"/v1/x?a=b", "z"); res.err != nil || res.status != 200 {
		t.Fatalf("%+v", res)
	}
	if got := up.last(t).uri; got != "/base/v1/x?a=b" {
		t.Errorf("upstream saw %q, want /base/v1/x?a=b", got)
	}
}

func TestNewRejectsBadUpstream(t *testing.T) {
	for _, u := range []string{"", "127.0.0.1:80", "ftp://h/", "http://"} {
		if p, err := New(u); err == nil {
			p.Close()
			t.Errorf("New(%q) accepted", u)
		}
	}
}

func TestBodyOverMaxBody(t *testing.T) {
	up := newUpstream(t)
	p := newProxy(t, up)
	res := post(t, p.URL(), strings.Repeat("x", MaxBody+1))
	if res.err != nil {
		t.Fatal(res.err)
	}
	if res.status != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want 413", res.status)
	}
	if res := post(t, p.URL(), strings.Repeat("x", MaxBody)); res.status != 200 || len(res.body) != MaxBody {
		t.Errorf("a body of MaxBody bytes: status %d, %d bytes back (err %v)", res.status, len(res.body), res.err)
	}
	if n := up.calls.Load(); n != 1 {
		t.Errorf("upstream called %d times, want 1 (the MaxBody one)", n)
	}
}

func TestUpstreamDown(t *testing.T) {
	up := newUpstream(t)
	p := newProxy(t, up)
	up.Close()
	if res := post(t, p.URL(), "x"); res.err != nil || res.status != http.StatusBadGateway {
		t.Errorf("status %d, err %v; want 502", res.status, res.err)
	}
}

func TestClientIgnoresEnvironmentProxy(t *testing.T) {
	p, err := New("http://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if tr := p.client.Transport.(*http.Transport); tr.Proxy != nil {
		t.Error("the forwarding transport uses a proxy function")
	}
}

func TestActions(t *testing.T) {
	throttled := []byte(`{"Response":{"Error":{"Code":"RequestLimitExceeded","Message":"slow down"},"RequestId":"r"}}`)
	var beforeCalls, upAtBefore atomic.Int64
	var up *upstream // set per case before the request
	tests := []struct {
		name      string
		action    Action
		ctx       time.Duration // client timeout, when not 0
		wantCalls int64         // upstream calls
		check     func(t *testing.T, res result)
	}{
		{
			name:   "respond throttled in a 200",
			action: Respond(200, http.Header{"Content-Type": {"application/json"}}, throttled),
			check: func(t *testing.T, res result) {
				if res.err != nil || res.status != 200 || !bytes.Equal(res.body, throttled) {
					t.Errorf("got %d %q (err %v)", res.status, res.body, res.err)
				}
				if ct := res.header.Get("Content-Type"); ct != "application/json" || res.length != int64(len(throttled)) {
					t.Errorf("Content-Type %q, Content-Length %d", ct, res.length)
				}
			},
		},
		{
			name:   "respond 502",
			action: Respond(http.StatusBadGateway, nil, nil),
			check: func(t *testing.T, res result) {
				if res.err != nil || res.status != http.StatusBadGateway || len(res.body) != 0 {
					t.Errorf("got %d %q (err %v)", res.status, res.body, res.err)
				}
			},
		},
		{
			name: "delay", action: Delay(150 * time.Millisecond), wantCalls: 1,
			check: func(t *testing.T, res result) {
				if res.err != nil || res.status != 200 || string(res.body) != "payload" {
					t.Errorf("got %d %q (err %v)", res.status, res.body, res.err)
				}
				if res.elapsed < 150*time.Millisecond {
					t.Errorf("answered after %v, want at least 150ms", res.elapsed)
				}
			},
		},
		{
			name: "delay honours the request's context", action: Delay(time.Hour), ctx: 50 * time.Millisecond,
			check: func(t *testing.T, res result) {
				if !errors.Is(res.err, context.DeadlineExceeded) {
					t.Errorf("err %v, want the client's deadline", res.err)
				}
			},
		},
		{
			name: "drop", action: Drop(),
			check: func(t *testing.T, res result) {
				if res.err == nil {
					t.Errorf("no error from the client: %d %q", res.status, res.body)
				}
			},
		},
		{
			name: "drop after forward", action: DropAfterForward(), wantCalls: 1,
			check: func(t *testing.T, res result) {
				if res.err == nil {
					t.Errorf("no error from the client: %d %q", res.status, res.body)
				}
			},
		},
		{
			name: "truncate", action: Truncate(3), wantCalls: 1,
			check: func(t *testing.T, res result) {
				if res.err != nil || res.status != 200 {
					t.Fatalf("got %d (err %v)", res.status, res.err)
				}
				if !errors.Is(res.readErr, io.ErrUnexpectedEOF) {
					t.Errorf("reading the body: %v, want io.ErrUnexpectedEOF", res.readErr)
				}
				if string(res.body) != "pay" || res.length != int64(len("payload")) {
					t.Errorf("body %q of Content-Length %d, want \"pay\" of 7", res.body, res.length)
				}
				if v := res.header["X-Upstream"]; !slices.Equal(v, []string{"a", "b"}) {
					t.Errorf("X-Upstream %q, want [a b]", v)
				}
			},
		},
		{
			name: "before",
			action: Before(func() {
				beforeCalls.Add(1)
				upAtBefore.Store(up.calls.Load())
			}),
			wantCalls: 1,
			check: func(t *testing.T, res result) {
				if res.err != nil || res.status != 200 || string(res.body) != "payload" {
					t.Errorf("got %d %q (err %v)", res.status, res.body, res.err)
				}
				if beforeCalls.Load() != 1 || upAtBefore.Load() != 0 {
					t.Errorf("fn called %d times, the upstream called %d times before it; want 1, 0", beforeCalls.Load(), upAtBefore.Load())
				}
			},
		},
		{
			name: "rewrite",
			action: Rewrite(func(status int, body []byte) (int, []byte) {
				if status != 200 || string(body) != "payload" {
					return 599, []byte(fmt.Sprintf("rewrite saw %d %q", status, body))
				}
				return http.StatusServiceUnavailable, []byte("<html>not json</html>")
			}),
			wantCalls: 1,
			check: func(t *testing.T, res result) {
				if res.err != nil || res.status != 503 || string(res.body) != "<html>not json</html>" {
					t.Errorf("got %d %q (err %v)", res.status, res.body, res.err)
				}
				if res.length != int64(len("<html>not json</html>")) || res.readErr != nil {
					t.Errorf("Content-Length %d, read error %v", res.length, res.readErr)
				}
			},
		},
		{
			name: "zero action forwards", wantCalls: 1,
			check: func(t *testing.T, res result) {
				if res.err != nil || res.status != 200 || string(res.body) != "payload" {
					t.Errorf("got %d %q (err %v)", res.status, res.body, res.err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up = newUpstream(t)
			p := newProxy(t, up, Fault{Name: "f", When: Nth(1), Action: tt.action})
			ctx := context.Background()
			if tt.ctx != 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.ctx)
				defer cancel()
			}
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.URL()+"/q", strings.NewReader("payload"))
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, do(t, req))
			// Close waits for the handler: the upstream's count is final.
			if err := p.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			if n := up.calls.Load(); n != tt.wantCalls {
				t.Errorf("upstream called %d times, want %d", n, tt.wantCalls)
			}
			if got := p.Injected(); got["f"] != 1 || len(got) != 1 {
				t.Errorf("Injected %v, want f:1", got)
			}
			if p.Requests() != 1 {
				t.Errorf("Requests %d, want 1", p.Requests())
			}
		})
	}
}

// teapot marks the requests a fault fired on.
var teapot = Respond(http.StatusTeapot, nil, nil)

// fired sends bodies in order and returns the numbers (1-based) of the
// requests answered 418.
func fired(t *testing.T, p *Proxy, bodies []string) []int {
	t.Helper()
	var got []int
	for i, b := range bodies {
		res := post(t, p.URL(), b)
		if res.err != nil {
			t.Fatal(res.err)
		}
		if res.status == http.StatusTeapot {
			got = append(got, i+1)
		}
	}
	return got
}

func TestSelection(t *testing.T) {
	six := []string{"a", "b", "c", "d", "e", "f"}
	tests := []struct {
		name   string
		faults []Fault
		bodies []string
		want   []int
		counts map[string]int
	}{
		{"nth", []Fault{{Name: "n", When: Nth(2, 4, 9), Action: teapot}}, six, []int{2, 4}, map[string]int{"n": 2}},
		{"every", []Fault{{Name: "e", When: Every(3), Action: teapot}}, six, []int{3, 6}, map[string]int{"e": 2}},
		{"every 0 never", []Fault{{Name: "e", When: Every(0), Action: teapot}}, six, nil, map[string]int{}},
		{"nil when always", []Fault{{Name: "all", Action: teapot}}, six[:3], []int{1, 2, 3}, map[string]int{"all": 3}},
		{"body contains", []Fault{{Name: "b", When: BodyContains(`"Offset":100`), Action: teapot}},
			[]string{`{"Offset":0}`, `{"Offset":100}`, `{"Offset":1000}`, `{"Offset":200}`}, []int{2, 3}, map[string]int{"b": 2}},
		{"and", []Fault{{Name: "a", When: And(Every(2), BodyContains("x")), Action: teapot}},
			[]string{"x", "x", "y", "y", "x", "x"}, []int{2, 6}, map[string]int{"a": 2}},
		{"times", []Fault{{Name: "t", When: Times(2, Every(2)), Action: teapot}}, six, []int{2, 4}, map[string]int{"t": 2}},
		{"times inside and counts only matches", []Fault{{Name: "t", When: And(BodyContains("x"), Times(1, Every(1))), Action: teapot}},
			[]string{"y", "y", "x", "x"}, []int{3}, map[string]int{"t": 1}},
		{"first match wins", []Fault{
			{Name: "first", When: Every(2), Action: teapot},
			{Name: "second", When: Every(3), Action: Respond(http.StatusOK, nil, []byte("second"))},
		}, six, []int{2, 4, 6}, map[string]int{"first": 3, "second": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := newUpstream(t)
			p := newProxy(t, up, tt.faults...)
			if got := fired(t, p, tt.bodies); !slices.Equal(got, tt.want) {
				t.Errorf("fired on %v, want %v", got, tt.want)
			}
			if got := p.Injected(); fmt.Sprint(got) != fmt.Sprint(tt.counts) {
				t.Errorf("Injected %v, want %v", got, tt.counts)
			}
			if p.Requests() != len(tt.bodies) {
				t.Errorf("Requests %d, want %d", p.Requests(), len(tt.bodies))
			}
		})
	}
}

func TestTimesConcurrent(t *testing.T) {
	always := func(int, *http.Request, []byte) bool { return true }
	m := Times(5, always)
	var hits atomic.Int64
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Go(func() {
			if m(i, nil, nil) {
				hits.Add(1)
			}
		})
	}
	wg.Wait()
	if hits.Load() != 5 {
		t.Errorf("Times(5) matched %d times", hits.Load())
	}

	up := newUpstream(t)
	p := newProxy(t, up, Fault{Name: "t", When: Times(3, always), Action: teapot})
	var teapots atomic.Int64
	for range 30 {
		wg.Go(func() {
			if res := post(t, p.URL(), "x"); res.status == http.StatusTeapot {
				teapots.Add(1)
			}
		})
	}
	wg.Wait()
	if teapots.Load() != 3 || p.Injected()["t"] != 3 || p.Requests() != 30 || up.calls.Load() != 27 {
		t.Errorf("%d teapots, Injected %v, %d requests, %d upstream calls; want 3, t:3, 30, 27",
			teapots.Load(), p.Injected(), p.Requests(), up.calls.Load())
	}
}

func TestSetFaults(t *testing.T) {
	up := newUpstream(t)
	p := newProxy(t, up)
	status := func() int {
		t.Helper()
		res := post(t, p.URL(), "x")
		if res.err != nil {
			t.Fatal(res.err)
		}
		return res.status
	}
	if s := status(); s != 200 {
		t.Errorf("no faults: %d", s)
	}
	p.SetFaults(Fault{Name: "down", Action: Respond(http.StatusServiceUnavailable, nil, nil)})
	if s := status(); s != 503 {
		t.Errorf("after SetFaults(down): %d", s)
	}
	// Request numbers go on counting across schedules.
	p.SetFaults(Fault{Name: "fourth", When: Nth(4), Action: teapot})
	if a, b := status(), status(); a != 200 || b != 418 {
		t.Errorf("requests 3 and 4 after SetFaults(Nth(4)): %d %d, want 200 418", a, b)
	}
	p.SetFaults()
	if s := status(); s != 200 {
		t.Errorf("after SetFaults(): %d", s)
	}
	if got := p.Injected(); got["down"] != 1 || got["fourth"] != 1 {
		t.Errorf("Injected %v, want down:1 fourth:1", got)
	}

	// Schedules swapped while requests run: each answer comes from one.
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if i%2 == 0 {
				p.SetFaults(Fault{Name: "swap", Action: teapot})
			} else {
				p.SetFaults()
			}
		}
	})
	for range 8 {
		wg.Go(func() {
			for range 10 {
				if res := post(t, p.URL(), "x"); res.err != nil || (res.status != 200 && res.status != 418) {
					t.Errorf("status %d, err %v", res.status, res.err)
				}
			}
		})
	}
	time.Sleep(10 * time.Millisecond)
	close(stop)
	wg.Wait()
	if p.Requests() != 85 {
		t.Errorf("Requests %d, want 85", p.Requests())
	}
}

func TestRequestsCountedOnArrivalAndCloseCuts(t *testing.T) {
	up := newUpstream(t)
	p := newProxy(t, up, Fault{Name: "slow", Action: Delay(time.Hour)})
	done := make(chan result, 1)
	go func() { done <- post(t, p.URL(), "x") }()
	deadline := time.Now().Add(5 * time.Second)
	for p.Requests() != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the delayed request was never counted")
		}
		time.Sleep(time.Millisecond)
	}
	if p.Injected()["slow"] != 1 || up.calls.Load() != 0 {
		t.Errorf("Injected %v, upstream calls %d; want slow:1, 0", p.Injected(), up.calls.Load())
	}
	start := time.Now()
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Close took %v", d)
	}
	select {
	case res := <-done:
		if res.err == nil {
			t.Errorf("the cut request got %d %q", res.status, res.body)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the delayed request still runs after Close")
	}
	if up.calls.Load() != 0 {
		t.Errorf("upstream called %d times", up.calls.Load())
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if res := post(t, p.URL(), "x"); res.err == nil {
		t.Errorf("a closed proxy answered %d", res.status)
	}
}

func TestCloseWaitsForHandlers(t *testing.T) {
	up := newUpstream(t)
	started, release := make(chan struct{}), make(chan struct{})
	p := newProxy(t, up, Fault{Name: "hold", Action: Before(func() {
		close(started)
		<-release
	})})
	go post(t, p.URL(), "x")
	<-started
	closed := make(chan error, 1)
	go func() { closed <- p.Close() }()
	select {
	case <-closed:
		t.Fatal("Close returned while a handler ran")
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return once the handler finished")
	}
	// The forward after fn found the proxy closing: nothing reached the upstream.
	if n := up.calls.Load(); n != 0 {
		t.Errorf("upstream called %d times after Close", n)
	}
}
