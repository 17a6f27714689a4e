package httpx

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientAddr(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	for _, tc := range []struct {
		peer string
		xff  []string
		want string
	}{
		{"192.0.2.1:5000", nil, "192.0.2.1"},
		{"192.0.2.1:5000", []string{"198.51.100.7"}, "192.0.2.1"}, // not a proxy: its header is not believed
		{"10.0.0.2:5000", nil, "10.0.0.2"},
		{"10.0.0.2:5000", []string{"198.51.100.7"}, "198.51.100.7"},
		{"10.0.0.2:5000", []string{"203.0.113.9, 198.51.100.7, 10.0.0.3"}, "198.51.100.7"},
		{"10.0.0.2:5000", []string{"203.0.113.9", "10.0.0.3"}, "203.0.113.9"},
		{"10.0.0.2:5000", []string{"10.0.0.4, 10.0.0.3"}, "10.0.0.4"},
		{"10.0.0.2:5000", []string{"garbage"}, "invalid IP"},
		{"[::1]:5000", []string{"::ffff:198.51.100.7"}, "198.51.100.7"},
		{"[::ffff:192.0.2.1]:5000", nil, "192.0.2.1"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.peer
		for _, v := range tc.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := ClientAddr(r, proxies).String(); got != tc.want {
			t.Errorf("%s %v: %s, want %s", tc.peer, tc.xff, got, tc.want)
		}
	}
}
