package laaffic_test

import (
	"bufio"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/httpx/httpxtest"
	"github.com/google/go-cmp/cmp"
)

// TestAuthBeforeBody sends queries whose bodies never complete: a request
// refused from its headers (no Sign, a bad Sign, an unknown Api-Key, a
// stale Timestamp) is answered at once, without its body being read, and
// the connection is closed rather than drained.
func TestAuthBeforeBody(t *testing.T) {
	e := newEnv(t, 1000, 1000, nil)
	now := time.Now().Unix()
	sign := func(key, secret string, ts int64) string {
		sum := md5.Sum([]byte(fmt.Sprint(key, secret, ts)))
		return hex.EncodeToString(sum[:])
	}
	const part = `{"current":1,"size":10,"params":{"strTime":"2026-11-01T00:00:00+08:00",`
	tests := []struct {
		name, header, body, want string
	}{
		{"no Sign, large Content-Length", fmt.Sprintf("Api-Key: %s\r\nTimestamp: %d\r\nContent-Length: 10000000\r\n", acmeKey, now), part, "-1"},
		{"bad Sign, small Content-Length", fmt.Sprintf("Api-Key: %s\r\nTimestamp: %d\r\nSign: %s\r\nContent-Length: 1000\r\n", acmeKey, now, sign(acmeKey, "wrong", now)), part, "-1"},
		{"bad Sign, chunked", fmt.Sprintf("Api-Key: %s\r\nTimestamp: %d\r\nSign: %s\r\nTransfer-Encoding: chunked\r\n", acmeKey, now, sign(acmeKey, "wrong", now)),
			fmt.Sprintf("%x\r\n%s\r\n", len(part), part), "-1"},
		{"unknown Api-Key", fmt.Sprintf("Api-Key: nobody\r\nTimestamp: %d\r\nSign: %s\r\nContent-Length: 1000\r\n", now, sign("nobody", acmeSecret, now)), part, "-1"},
		{"no headers", "Content-Length: 1000\r\n", part, "-1"},
		{"stale Timestamp", fmt.Sprintf("Api-Key: %s\r\nTimestamp: %d\r\nSign: %s\r\nContent-Length: 1000\r\n", acmeKey, now-3600, sign(acmeKey, acmeSecret, now-3600)), part, "-16"},
	}
	for _, tc := range tests {
		for _, path := range []string{"/voice/ccRecordQuery", "/v3/voice/ccRecordQuery", "/v3/cc/record/query"} {
			t.Run(tc.name+" "+path, func(t *testing.T) {
				conn, err := net.Dial("tcp", strings.TrimPrefix(e.srv.URL, "http://"))
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close()
				req := "POST " + path + " HTTP/1.1\r\nHost: cdrhub\r\nContent-Type: application/json;charset=utf-8\r\n" + tc.header + "\r\n" + tc.body
				if _, err := conn.Write([]byte(req)); err != nil {
					t.Fatal(err)
				}
				// The body never ends: a server that read it first would
				// not answer before the deadline (a guard against a hang,
				// not a timing).
				conn.SetReadDeadline(time.Now().Add(10 * time.Second))
				resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
				if err != nil {
					t.Fatalf("no answer while the body is incomplete: %v", err)
				}
				defer resp.Body.Close()
				var a answer
				if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
					t.Fatal(err)
				}
				if resp.StatusCode != 200 || a.Status != tc.want || !resp.Close {
					t.Errorf("HTTP %d, status %s %q, connection close %v; want 200, %s and close", resp.StatusCode, a.Status, a.Reason, resp.Close, tc.want)
				}
			})
		}
	}
	// A complete body keeps the connection open, also when it is refused.
	for _, b := range []string{query(""), `{"current":`} {
		req, _ := http.NewRequest("POST", e.srv.URL+"/voice/ccRecordQuery", strings.NewReader(b))
		req.Header.Set("Api-Key", acmeKey)
		req.Header.Set("Timestamp", fmt.Sprint(now))
		req.Header.Set("Sign", sign(acmeKey, acmeSecret, now))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Close {
			t.Errorf("%s: HTTP %d, connection close %v", b, resp.StatusCode, resp.Close)
		}
	}
}

// TestAccessLogPrincipal checks that once the Sign is verified the access
// log line names the tenant and the Api-Key, and that no line holds a
// secret or a Sign.
func TestAccessLogPrincipal(t *testing.T) {
	e := newEnv(t, 1000, 1000, nil)
	now := time.Now().Unix()
	type who = httpxtest.Who
	tests := []struct {
		name, path, key, secret string
		ts                      int64
		body                    string
		status                  string
		want                    who // "" for no such attribute
	}{
		{"answered", "/voice/ccRecordQuery", acmeKey, acmeSecret, now, query(""), "0", who{Tenant: "acme", Principal: acmeKey}},
		{"answered, cc/record/query", "/v3/cc/record/query", globexKey, globexSecret, now, body(true, "", "", nil), "0", who{Tenant: "globex", Principal: globexKey}},
		{"parameter error", "/v3/voice/ccRecordQuery", acmeKey, acmeSecret, now, body(false, "", "", map[string]any{"seatNameList": numbered(101, 3)}), "-22", who{Tenant: "acme", Principal: acmeKey}},
		{"before 2000", "/v3/voice/ccRecordQuery", acmeKey, acmeSecret, now, body(false, "1969-12-31T23:00:00Z", "1969-12-31T23:59:59Z", nil), "-22", who{Tenant: "acme", Principal: acmeKey}},
		{"stale Timestamp, Sign verified", "/voice/ccRecordQuery", acmeKey, acmeSecret, now - 3600, query(""), "-16", who{Tenant: "acme", Principal: acmeKey}},
		{"address refused, Sign verified", "/voice/ccRecordQuery", lockedKey, lockedSecret, now, query(""), "-2", who{Tenant: "initech", Principal: lockedKey}},
		{"bad Sign", "/voice/ccRecordQuery", acmeKey, globexSecret, now, query(""), "-1", who{}},
		{"unknown Api-Key", "/voice/ccRecordQuery", "nobody", acmeSecret, now, query(""), "-1", who{}},
	}
	ids := make([]string, len(tests))
	var signs []string
	for i, tc := range tests {
		a := e.post(t, tc.path, tc.key, tc.secret, tc.ts, tc.body, nil)
		if a.Status != tc.status {
			t.Errorf("%s: status %s %q, want %s", tc.name, a.Status, a.Reason, tc.status)
		}
		ids[i] = a.id
		sum := md5.Sum([]byte(fmt.Sprint(tc.key, tc.secret, tc.ts)))
		signs = append(signs, hex.EncodeToString(sum[:]))
	}
	e.srv.Close() // every access line is written
	lines := httpxtest.AccessLog(t, e.logs.String(), append(signs, acmeSecret, globexSecret, lockedSecret)...)
	for i, tc := range tests {
		got, ok := lines[ids[i]]
		if !ok {
			t.Errorf("%s: no access line for request %q", tc.name, ids[i])
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s: tenant and principal (-want +got):\n%s", tc.name, diff)
		}
	}
}
