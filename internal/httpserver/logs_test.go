package httpserver_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/url"
	"strings"
	"testing"

	"github.com/cdrhub/cdrhub/internal/config"
)

// TestLogsLeakNoSecrets drives the real handler stack with good and bad
// credentials, with tokens also in the query string and in a custom header,
// and checks that no log line holds a secret and that every line carries
// the request id.
func TestLogsLeakNoSecrets(t *testing.T) {
	var logs bytes.Buffer
	s := newStack(t, slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	// withHeaders adds secrets in custom headers and a cookie.
	withHeaders := func(r request) request {
		r.header = map[string]string{"X-Api-Key": headerKey, "X-Auth-Token": tenantToken, "Cookie": "session=" + adminToken}
		return r
	}
	// leaky adds every secret where a careless log line would pick it up:
	// in the query string (which the native API rejects) and in headers.
	leaky := func(r request) request {
		q := url.Values{"token": {tenantToken}, "access_token": {adminToken}, "key": {headerKey}}
		sep := "?"
		if strings.Contains(r.path, "?") {
			sep = "&"
		}
		r.path += sep + q.Encode()
		return withHeaders(r)
	}
	good := `{"channel":"chat","source":"native","source_id":"c-1","start_at":1763700300000}`
	reqs := []request{
		{method: "GET", path: "/api/v1/records", token: tenantToken},
		{method: "GET", path: "/api/v1/records?tenant=acme", token: adminToken},
		{method: "GET", path: "/api/v1/records", token: wrongToken},
		{method: "GET", path: "/api/v1/records?tenant=acme", token: "Basic " + adminToken},
		{method: "GET", path: "/api/v1/records", token: adminToken}, // admin without a tenant
		{method: "POST", path: "/api/v1/records", token: tenantToken, body: good},
		{method: "POST", path: "/api/v1/records?dry_run=true", token: tenantToken, body: good},
		{method: "POST", path: "/api/v1/records", token: tenantToken, body: `[{"source_id":"` + tenantToken + `"`},
		{method: "POST", path: "/api/v1/records", token: tenantToken,
			body: `{"channel":"chat","source":"native","source_id":"` + adminToken + `","start_at":"` + headerKey + `"}`},
		{method: "GET", path: "/api/v1/records/rec_missing", token: tenantToken},
		{method: "GET", path: "/api/v1/nothing", token: tenantToken},
		{method: "GET", path: "/no/such/route"},
		{method: "GET", path: "/healthz"},
		{method: "GET", path: "/readyz"},
	}
	for _, r := range reqs {
		s.do(t, r)
		s.do(t, withHeaders(r))
		s.do(t, leaky(r))
	}
	// Internal errors, without a panic: the database goes away.
	s.db.Close()
	for _, r := range []request{
		{method: "GET", path: "/api/v1/records", token: tenantToken},
		{method: "POST", path: "/api/v1/records", token: tenantToken, body: good},
		{method: "GET", path: "/readyz"},
	} {
		if code, body := s.do(t, withHeaders(r)); code < 500 {
			t.Errorf("%s %s with the database closed: %d %s", r.method, r.path, code, body)
		}
	}
	if page := s.scrape(t); containsSecret(page) != "" {
		t.Errorf("/metrics holds a secret:\n%s", page)
	}

	// The access log line of a request is written as its handler returns,
	// which may be after the client has the response: wait for every
	// handler before reading the log.
	s.srv.Close()
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	var sawInternal bool
	for _, line := range lines {
		if sec := containsSecret(line); sec != "" {
			t.Errorf("log line holds secret %q: %s", sec, line)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Errorf("log line is not JSON: %s", line)
			continue
		}
		if id, _ := m["request_id"].(string); len(id) != 32 {
			t.Errorf("log line without a request id: %s", line)
		}
		if m["msg"] == "request failed" {
			sawInternal = true
		}
	}
	if want := 3*len(reqs) + 4; len(lines) < want {
		t.Errorf("%d log lines, want at least one per request (%d):\n%s", len(lines), want, logs.String())
	}
	if !sawInternal {
		t.Errorf("no internal error was logged:\n%s", logs.String())
	}
}

// containsSecret returns the first secret in s, or "".
func containsSecret(s string) string {
	for _, sec := range []string{tenantToken, adminToken, wrongToken, headerKey} {
		if strings.Contains(s, sec) {
			return sec
		}
	}
	return ""
}

// TestConfigSecretsRedactedInLogs logs configuration values holding
// secrets, as a Secret and inside the structs that hold them.
func TestConfigSecretsRedactedInLogs(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	tok := config.Token{Name: "pbx", Token: config.Secret(tenantToken)}
	log.Info("config", "token", tok.Token, "tokens", tok, "admin", config.Admin{Tokens: []config.Token{tok}})
	if strings.Contains(logs.String(), tenantToken) || !strings.Contains(logs.String(), "[redacted]") {
		t.Errorf("a configuration secret reached the log: %s", logs.String())
	}
}
