package native_test

import (
	"bufio"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/api/native"
	"github.com/cdrhub/cdrhub/internal/httpx"
	"github.com/cdrhub/cdrhub/internal/httpx/httpxtest"
)

// TestAuthBeforeBody sends upserts whose bodies never complete: a request
// refused before its body is read (no token, a bad token, a bad parameter)
// is answered at once, without waiting for the body, and the connection is
// closed rather than drained.
func TestAuthBeforeBody(t *testing.T) {
	e := newEnv(t, native.DefaultLimits)
	tests := []struct {
		name, path, header, body string
		want                     int
	}{
		{"no token, Content-Length", "/api/v1/records", "Content-Length: 1000\r\n", `[{"channel":`, 401},
		{"no token, chunked", "/api/v1/records", "Transfer-Encoding: chunked\r\n", "c\r\n[{\"channel\":\r\n", 401},
		{"bad token", "/api/v1/records", "Authorization: Bearer nope\r\nContent-Length: 1000\r\n", `[{"channel":`, 401},
		{"bad parameter", "/api/v1/records?force=1", "Authorization: Bearer " + acmeToken + "\r\nContent-Length: 1000\r\n", `[{"channel":`, 400},
		{"admin without tenant", "/api/v1/records", "Authorization: Bearer " + adminToken + "\r\nTransfer-Encoding: chunked\r\n", "c\r\n[{\"channel\":\r\n", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", strings.TrimPrefix(e.srv.URL, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			req := "POST " + tt.path + " HTTP/1.1\r\nHost: cdrhub\r\nContent-Type: application/json\r\n" + tt.header + "\r\n" + tt.body
			if _, err := conn.Write([]byte(req)); err != nil {
				t.Fatal(err)
			}
			// The body never ends: a server that read it first would not
			// answer before the deadline (a guard against a hang, not a
			// timing).
			conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatalf("no answer while the body is incomplete: %v", err)
			}
			defer resp.Body.Close()
			var body native.ErrorBody
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.want || !resp.Close {
				t.Errorf("status %d %+v, connection close %v; want %d and close", resp.StatusCode, body.Error, resp.Close, tt.want)
			}
		})
	}
	if n := e.reads.Load(); n != 0 {
		t.Errorf("%d store reads", n)
	}
	// A complete body keeps the connection open.
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/records", strings.NewReader(rec("k", 1700000000000, "")))
	req.Header.Set("Authorization", "Bearer "+acmeToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Close {
		t.Errorf("a complete upsert: status %d, connection close %v", resp.StatusCode, resp.Close)
	}
}

// TestAccessLogPrincipal checks that the access log line of a request
// names the tenant it acted for and the token's name (admin:<name> for an
// admin token), and never a token.
func TestAccessLogPrincipal(t *testing.T) {
	e := newEnv(t, native.DefaultLimits)
	tests := []struct {
		name, method, path, token, body string
		tenant, principal               string // "": no such attribute
	}{
		{"tenant token", "GET", "/api/v1/records", acmeToken, "", "acme", "acme"},
		{"tenant token upsert", "POST", "/api/v1/records", globexToken, rec("l", 1700000000000, ""), "globex", "globex"},
		{"tenant token, one record", "GET", "/api/v1/records/rec_missing", globexToken, "", "globex", "globex"},
		{"admin token", "GET", "/api/v1/records?tenant=globex", adminToken, "", "globex", "admin:ops"},
		{"admin token upsert", "POST", "/api/v1/records?tenant=acme", adminToken, rec("l", 1700000000000, ""), "acme", "admin:ops"},
		{"tenant token, other tenant", "GET", "/api/v1/records?tenant=globex", acmeToken, "", "acme", "acme"},
		{"admin token without tenant", "GET", "/api/v1/records", adminToken, "", "", "admin:ops"},
		{"admin token, unknown tenant", "GET", "/api/v1/records?tenant=initech", adminToken, "", "", "admin:ops"},
		{"bad token", "GET", "/api/v1/records", "acme", "", "", ""},
		{"no token", "GET", "/api/v1/records", "", "", "", ""},
	}
	ids := make([]string, len(tests))
	for i, tt := range tests {
		req, _ := http.NewRequest(tt.method, e.srv.URL+tt.path, strings.NewReader(tt.body))
		if tt.token != "" {
			req.Header.Set("Authorization", "Bearer "+tt.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		ids[i] = resp.Header.Get(httpx.RequestIDHeader)
	}
	e.srv.Close() // every access line is written
	lines := httpxtest.AccessLog(t, e.logs.String(), acmeToken, globexToken, adminToken)
	for i, tt := range tests {
		got, ok := lines[ids[i]]
		if !ok {
			t.Errorf("%s: no access line for request %q", tt.name, ids[i])
			continue
		}
		want := httpxtest.Who{}
		if tt.principal != "" {
			want = httpxtest.Who{Tenant: tt.tenant, Principal: tt.principal}
		}
		if got != want {
			t.Errorf("%s: tenant, principal = %q, want %q", tt.name, got, want)
		}
	}
}
