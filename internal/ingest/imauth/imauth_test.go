package imauth_test

import (
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/auth/usersig"
	"github.com/cdrhub/cdrhub/internal/ingest"
	"github.com/cdrhub/cdrhub/internal/ingest/imauth"
	"github.com/google/go-cmp/cmp"
)

const (
	app   = uint64(1400000007)
	admin = "administrator"
	key   = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e"
)

func newSigner(t *testing.T) *imauth.Signer {
	t.Helper()
	s, err := imauth.NewSigner(app, admin, key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// query returns the parameters of s's query at now and its UserSig's
// claims.
func query(t *testing.T, s *imauth.Signer, now time.Time) (string, url.Values, usersig.Claims) {
	t.Helper()
	raw, err := s.Query(now)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(raw, "?") {
		t.Fatalf("query %q without its ?", raw)
	}
	q, err := url.ParseQuery(raw[1:])
	if err != nil {
		t.Fatal(err)
	}
	claims, err := usersig.Parse(q.Get("usersig"))
	if err != nil {
		t.Fatal(err)
	}
	return raw[1:], q, claims
}

// The query: the IM REST parameters in their documented order, a UserSig
// of the admin identifier issued at now for SigLifetime.
func TestQuery(t *testing.T) {
	now := time.Now().Truncate(time.Second)
	raw, q, claims := query(t, newSigner(t), now.Add(500*time.Millisecond))
	if !strings.HasPrefix(raw, "sdkappid=1400000007&identifier=administrator&usersig=") ||
		!strings.HasSuffix(raw, "&contenttype=json") || len(q) != 5 {
		t.Errorf("query %s", raw)
	}
	if r, err := strconv.ParseUint(q.Get("random"), 10, 32); err != nil {
		t.Errorf("random %q: %v (%d)", q.Get("random"), err, r)
	}
	want := usersig.Claims{Version: "2.0", Identifier: admin, SDKAppID: app, Time: now.Unix(), Expire: 3600}
	if diff := cmp.Diff(want, claims); diff != "" {
		t.Errorf("UserSig (-want +got):\n%s", diff)
	}
}

// The UserSig is kept while more than half of its hour is left, then
// signed anew; a clock gone back signs anew too.
func TestUserSigRenewed(t *testing.T) {
	s := newSigner(t)
	base := time.Now().Truncate(time.Second)
	for _, step := range []struct {
		at   time.Duration
		want time.Duration // TLS.time
	}{
		{0, 0},
		{29*time.Minute + 59*time.Second, 0},
		{30 * time.Minute, 30 * time.Minute},
		{59 * time.Minute, 30 * time.Minute},
		{10 * time.Minute, 10 * time.Minute}, // the clock went back
	} {
		if _, _, claims := query(t, s, base.Add(step.at)); claims.Time != base.Add(step.want).Unix() {
			t.Errorf("at +%v: TLS.time +%ds, want +%v", step.at, claims.Time-base.Unix(), step.want)
		}
	}
}

func TestNewSigner(t *testing.T) {
	for _, tc := range []struct {
		name string
		id   string
		ok   bool
	}{
		{"admin", admin, true},
		{"too long", strings.Repeat("a", usersig.MaxIdentifierLen+1), false},
		{"empty", "", false},
		{"not UTF-8", "a\xff", false},
	} {
		_, err := imauth.NewSigner(app, tc.id, key)
		if (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.name, err)
		}
		if err != nil && strings.Contains(err.Error(), key) {
			t.Errorf("%s: the error names the key: %v", tc.name, err)
		}
	}
}

func TestBaseURL(t *testing.T) {
	for _, tc := range []struct{ endpoint, want, err string }{
		{"https://console.tim.qq.com", "https://console.tim.qq.com", ""},
		{"http://[::1", "", "im: the endpoint is not a URL"},
		{"ftp://example.com", "", `im: endpoint "ftp://example.com": the scheme must be https or http`},
		{"https://example.com/v4", "", `im: endpoint "https://example.com/v4": want a scheme and a host, nothing else`},
	} {
		got, err := imauth.BaseURL("im", tc.endpoint)
		if got != tc.want || (err == nil) != (tc.err == "") || (err != nil && err.Error() != tc.err) {
			t.Errorf("BaseURL(%q) = %q, %v; want %q, %q", tc.endpoint, got, err, tc.want, tc.err)
		}
	}
}

func TestRedact(t *testing.T) {
	cause := errors.New("connection refused")
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"query cut", &url.Error{Op: "Post", URL: "http://h/p?sdkappid=1&usersig=SECRET", Err: cause}, `Post "http://h/p": connection refused`},
		{"no query", &url.Error{Op: "Post", URL: "http://h/p", Err: cause}, `Post "http://h/p": connection refused`},
		{"no URL", cause, "connection refused"},
	} {
		got := imauth.Redact(tc.err)
		if got.Error() != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
		if !errors.Is(got, cause) {
			t.Errorf("%s: the cause is lost", tc.name)
		}
	}
}

func TestCodeKind(t *testing.T) {
	for _, tc := range []struct {
		code int
		kind ingest.Kind
		ok   bool
	}{
		{60007, ingest.Throttled, true},
		{60011, ingest.Throttled, true},
		{60018, ingest.Throttled, true},
		{60019, ingest.Throttled, true},
		{60008, ingest.Transient, true},
		{60014, ingest.Transient, true},
		{60004, ingest.Auth, true},
		{60005, ingest.Auth, true},
		{60006, ingest.Auth, true},
		{60010, ingest.Auth, true},
		{60016, ingest.Auth, true},
		{60020, ingest.Auth, true},
		{60021, ingest.Auth, true},
		{70000, ingest.Auth, true},
		{70001, ingest.Auth, true},
		{79999, ingest.Auth, true},
		{60002, 0, false},
		{60003, 0, false},
		{69999, 0, false},
		{80000, 0, false},
		{90994, 0, false},
		{141002, 0, false},
	} {
		kind, ok := imauth.CodeKind(tc.code)
		if kind != tc.kind || ok != tc.ok {
			t.Errorf("CodeKind(%d) = %v, %v; want %v, %v", tc.code, kind, ok, tc.kind, tc.ok)
		}
	}
}

func TestMembers(t *testing.T) {
	for _, tc := range []struct {
		raw   string
		n     int64
		isInt bool
		str   string
	}{
		{`0`, 0, true, "0"},
		{`70011`, 70011, true, "70011"},
		{`"60007"`, 60007, true, "60007"},
		{`-1`, -1, true, "-1"},
		{`"abc"`, 0, false, "abc"},
		{`1.5`, 0, false, ""},
		{`"1.5"`, 0, false, "1.5"},
		{`null`, 0, false, ""},
		{`true`, 0, false, ""},
		{`{}`, 0, false, ""},
		{``, 0, false, ""},
	} {
		raw := json.RawMessage(tc.raw)
		if tc.raw == "" {
			raw = nil
		}
		n, ok := imauth.IntMember(raw)
		if n != tc.n || ok != tc.isInt {
			t.Errorf("IntMember(%s) = %d, %v; want %d, %v", tc.raw, n, ok, tc.n, tc.isInt)
		}
		if got := imauth.StringMember(raw); got != tc.str {
			t.Errorf("StringMember(%s) = %q, want %q", tc.raw, got, tc.str)
		}
	}
}
