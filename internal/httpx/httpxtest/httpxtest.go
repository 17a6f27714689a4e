// Package httpxtest helps tests read what the listener logs.
package httpxtest

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"testing"
)

// Who is who a request's access line names: its tenant and principal
// attributes, "" where absent.
type Who struct{ Tenant, Principal string }

// AccessLog reads slog JSON output. It fails t on a line that is not JSON
// or that holds any of secrets (in any letter case), and returns who the
// access line (msg "request") of each request id names.
func AccessLog(t testing.TB, logs string, secrets ...string) map[string]Who {
	t.Helper()
	out := map[string]Who{}
	for _, l := range strings.Split(strings.TrimSpace(logs), "\n") {
		for _, s := range secrets {
			if s != "" && strings.Contains(strings.ToLower(l), strings.ToLower(s)) {
				t.Errorf("log line holds a secret: %s", l)
			}
		}
		var m struct {
			Msg       string `json:"msg"`
			RequestID string `json:"request_id"`
			Tenant    string `json:"tenant"`
			Principal string `json:"principal"`
		}
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not JSON: %s", l)
		}
		if m.Msg == "request" {
			out[m.RequestID] = Who{m.Tenant, m.Principal}
		}
	}
	return out
}

// Buffer is a bytes.Buffer safe for a server's goroutines: where a test's
// logger writes.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
