package aliyunccc_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/api/aliyunccc"
	"github.com/cdrhub/cdrhub/internal/auth/pop"
	"github.com/cdrhub/cdrhub/internal/cdr"
)

// signed returns a ListCallDetailRecords request to e signed by id at at
// with nonce, under V3 or RPC v1.
func (e *env) signed(t *testing.T, scheme pop.Scheme, id, secret string, at time.Time, nonce string) *http.Request {
	t.Helper()
	q := url.Values{}
	for k, v := range list(nil) {
		q.Set(k, v)
	}
	if scheme == pop.SchemeRPC {
		q.Set("Action", "ListCallDetailRecords")
		q.Set("Version", aliyunccc.Version)
		pop.SignRPC(q, "GET", id, secret, at, nonce)
		r, err := http.NewRequest("GET", e.srv.URL+"/?"+q.Encode(), nil)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	r, err := http.NewRequest("POST", e.srv.URL+"/?"+q.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("x-acs-action", "ListCallDetailRecords")
	r.Header.Set("x-acs-version", aliyunccc.Version)
	if err := pop.SignV3(r, nil, id, secret, at, nonce); err != nil {
		t.Fatal(err)
	}
	return r
}

// code sends r and returns the answer's Code.
func code(t *testing.T, r *http.Request) string {
	t.Helper()
	resp, err := http.DefaultClient.Do(r.Clone(r.Context()))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b struct{ Code string }
	if err := json.NewDecoder(resp.Body).Decode(&b); err != nil {
		t.Fatal(err)
	}
	if (b.Code == "OK") != (resp.StatusCode == http.StatusOK) {
		t.Errorf("%s answered with HTTP %d", b.Code, resp.StatusCode)
	}
	return b.Code
}

// A throttled request does not consume its nonce: its retry with the same
// nonce, once the rate allows it, is served. Neither a request with a bad
// signature nor a replay takes a token of the tenant's.
func TestThrottledRetryKeepsNonce(t *testing.T) {
	for _, scheme := range []pop.Scheme{pop.SchemeV3, pop.SchemeRPC} {
		t.Run(string(scheme), func(t *testing.T) {
			e := newEnv(t, 1, 1)
			var clock atomic.Int64
			start := time.Date(2026, 11, 21, 20, 57, 15, 0, time.UTC)
			clock.Store(start.UnixNano())
			aliyunccc.SetClock(e.api, func() time.Time { return time.Unix(0, clock.Load()) })
			tick := func() { clock.Add(int64(time.Second)) }

			first := e.signed(t, scheme, acmeID, acmeSecret, start, "n-1")
			second := e.signed(t, scheme, acmeID, acmeSecret, start, "n-2")
			steps := []struct {
				name string
				req  *http.Request
				want string
			}{
				{"bad signature", e.signed(t, scheme, acmeID, "wrong", start, "n-1"), "SignatureDoesNotMatch"},
				{"first", first, "OK"},
				{"second, throttled", second, "Throttling.User"},
				{"replay of the first", first, "SignatureNonceUsed"},
				{"tick", nil, ""},
				{"second again, same nonce", second, "OK"},
				{"second replayed", second, "SignatureNonceUsed"},
				{"tick", nil, ""},
				{"replay of the first", first, "SignatureNonceUsed"},
				{"third", e.signed(t, scheme, acmeID, acmeSecret, start, "n-3"), "OK"},
			}
			for _, s := range steps {
				if s.req == nil {
					tick()
					continue
				}
				if got := code(t, s.req); got != s.want {
					t.Fatalf("%s: %s, want %s", s.name, got, s.want)
				}
			}
		})
	}
}

// Each AccessKeyId keeps pop.NonceCap of its tenant's rate in nonces.
func TestNonceCapacity(t *testing.T) {
	api, err := aliyunccc.New(nil, []aliyunccc.Tenant{
		{ID: cdr.MustTenantID("acme"), InstanceID: "ccc-acme", RPS: 20, Burst: 20, Credentials: []aliyunccc.Credential{{acmeID, acmeSecret}}},
		{ID: cdr.MustTenantID("globex"), InstanceID: "ccc-globex", RPS: 100, Burst: 20, Credentials: []aliyunccc.Credential{{globexID, globexSecret}, {"LTAIglobex2", "s"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	s := aliyunccc.Nonces(api)
	for id, want := range map[string]int{acmeID: 65_536, globexID: 180_000, "LTAIglobex2": 180_000, "LTAInobody": 65_536} {
		if got := s.Cap(id); got != want {
			t.Errorf("%s: capacity %d, want %d", strings.TrimPrefix(id, "LTAI"), got, want)
		}
	}
}
