package recordings

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestRefused(t *testing.T) {
	for _, tc := range []struct {
		ip    string
		allow []string
		want  bool
	}{
		{"127.0.0.1", nil, true},
		{"::1", nil, true},
		{"::ffff:127.0.0.1", nil, true},
		{"169.254.169.254", nil, true},
		{"169.254.0.23", nil, true},
		{"100.100.100.200", nil, true},
		{"fe80::1", nil, true},
		{"0.0.0.0", nil, true},
		{"::", nil, true},
		{"224.0.0.1", nil, true},
		{"64:ff9b::a9fe:a9fe", nil, true},
		{"10.1.2.3", nil, false}, // a PBX on a private network
		{"192.168.1.20", nil, false},
		{"fd00::5", nil, false},
		{"203.0.113.7", nil, false},
		{"127.0.0.1", []string{"127.0.0.0/8"}, false},
		{"169.254.169.254", []string{"127.0.0.0/8"}, true},
	} {
		var allow []netip.Prefix
		for _, p := range tc.allow {
			allow = append(allow, netip.MustParsePrefix(p))
		}
		if got := refused(netip.MustParseAddr(tc.ip), allow); got != tc.want {
			t.Errorf("refused(%s, %v) = %v, want %v", tc.ip, tc.allow, got, tc.want)
		}
	}
}

// TestDefaultClientRefusesLoopback: a URL on loopback, and a redirect
// from an allowed host to loopback, fail with address_refused, a
// permanent reason; the server is never reached.
func TestDefaultClientRefusesLoopback(t *testing.T) {
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ }))
	defer srv.Close()
	_, err := NewClient(nil).Get(srv.URL)
	if ReasonOf(err) != ReasonAddress || !Permanent(err) || hits != 0 {
		t.Fatalf("loopback: %v (reason %q), %d hits", err, ReasonOf(err), hits)
	}
	resp, err := NewClient([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}).Get(srv.URL)
	if err != nil || hits != 1 {
		t.Fatalf("allowed loopback: %v", err)
	}
	resp.Body.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	if _, err := NewClient(nil).Do(req); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v", err)
	}
}
