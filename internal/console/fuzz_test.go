package console

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/query"
)

// FuzzCanonical: any query string's canonical form is a fixed point (a
// redirect never loops), and is either served or refused as invalid.
func FuzzCanonical(f *testing.F) {
	for _, s := range []string{"", "from=2026-12-01T09:30&to=2026-12-02", "channel=voice&channel=chat&phone=",
		"from=1796000000000&to=yesterday", "disposition=%2C%2C&tenant=x&count=true", "from=2026-13-01", "cursor=abc&limit=0"} {
		f.Add(s)
	}
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		c, _ := canonical(q, shanghai, now)
		again, same := canonical(c, shanghai, now)
		if !same {
			t.Fatalf("%q: canonical %q is not canonical (%q)", raw, c.Encode(), again.Encode())
		}
		if _, err := query.ParseList(c); err != nil && err.Error() == "" {
			t.Fatalf("an empty error")
		}
	})
}

// FuzzSearchPage: the search page answers any query with a page, a
// redirect or a 400, never a server error.
func FuzzSearchPage(f *testing.F) {
	for _, s := range []string{"from=2026-12-01T00:00:00Z", "from=2026-12-01T00:00:00Z&phone_contains=12", "from=2026-12-01T00:00:00Z&csat_min=3&csat_max=2",
		"from=2026-12-01T00:00:00Z&to=2029-12-01T00:00:00Z", "from=2026-12-01T00:00:00Z&cursor=eyJ2IjoxfQ"} {
		f.Add(s)
	}
	e := newEnv(f)
	b := e.browser()
	b.signIn(acmeToken, "")
	f.Fuzz(func(t *testing.T, raw string) {
		u, _ := url.Parse(e.srv.URL)
		req := httptest.NewRequest(http.MethodGet, "/console/search", nil)
		req.URL.RawQuery = raw
		for _, ck := range b.client.Jar.Cookies(u) {
			req.AddCookie(ck)
		}
		w := httptest.NewRecorder()
		for _, r := range e.c.Routes() {
			if r.Pattern == "GET /console/search" {
				r.Handler.ServeHTTP(w, req)
			}
		}
		if w.Code >= 500 {
			t.Fatalf("%q: %d\n%s", raw, w.Code, w.Body)
		}
	})
}
