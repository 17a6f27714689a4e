package console

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/analytics"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/clocktest"
	"github.com/cdrhub/cdrhub/internal/ingest"
	"github.com/cdrhub/cdrhub/internal/query"
	"github.com/cdrhub/cdrhub/internal/recordings"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
	"github.com/cdrhub/cdrhub/internal/storetest"
)

// TestMain runs every test of the package on SQLite, then on PostgreSQL.
func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

const (
	acmeToken  = "acme-secret-token-0123456789"
	betaToken  = "beta-secret-token-0123456789"
	adminToken = "admin-secret-token-0123456789"
)

var (
	acme     = cdr.MustTenantID("acme")
	beta     = cdr.MustTenantID("beta")
	shanghai = mustZone("Asia/Shanghai")
)

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// env is a console over a new store, served on loopback.
type env struct {
	t     testing.TB
	db    storetest.Subject
	c     *Console
	srv   *httptest.Server
	clock *clocktest.Clock
}

func newEnv(t testing.TB, change ...func(*Options)) *env {
	t.Helper()
	db := storetest.OpenSubject(t, sqlstore.Options{})
	clk := clocktest.New(time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC))
	o := Options{Store: db.Store, Sessions: db.Sessions, KPIs: db.Rollups, Archive: db.Archive, Saved: db.Saved, Now: clk.Now,
		Tokens: []Token{
			{Name: "acme-ops", Secret: acmeToken, Tenant: "acme"},
			{Name: "beta-ops", Secret: betaToken, Tenant: "beta"},
			{Name: "root", Secret: adminToken},
		},
		Tenants: []Tenant{{ID: acme, Zone: shanghai}, {ID: beta}}}
	for _, f := range change {
		f(&o)
	}
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	for _, r := range c.Routes() {
		mux.Handle(r.Pattern, r.Handler)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &env{t: t, db: db, c: c, srv: srv, clock: clk}
}

// browser is a client with a cookie jar that does not follow redirects.
type browser struct {
	e      *env
	client *http.Client
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// do sends a request and returns the response with its body read.
func (b *browser) do(req *http.Request) (*http.Response, string) {
	b.e.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

func (b *browser) get(path string) (*http.Response, string) {
	b.e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.e.srv.URL+path, nil)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) (*http.Response, string) {
	b.e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var csrfPattern = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf returns the CSRF field of a page.
func csrf(t testing.TB, page string) string {
	t.Helper()
	m := csrfPattern.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no csrf field in the page:\n%.2000s", page)
	}
	return m[1]
}

// signIn signs in with token (and tenant) and returns the page after it.
func (b *browser) signIn(token, tenant string) *http.Response {
	b.e.t.Helper()
	_, page := b.get("/console/sign-in")
	resp, _ := b.post("/console/sign-in", url.Values{"token": {token}, "tenant": {tenant}, "csrf": {csrf(b.e.t, page)}})
	return resp
}

func location(resp *http.Response) string { return resp.Header.Get("Location") }

func checkHeaders(t *testing.T, resp *http.Response) {
	t.Helper()
	for k, want := range map[string]string{
		"Content-Security-Policy": "default-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'",
		"Referrer-Policy":         "same-origin",
		"X-Content-Type-Options":  "nosniff",
	} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s %s: %s %q, want %q", resp.Request.Method, resp.Request.URL.Path, k, got, want)
		}
	}
}

func TestPagesNeedASession(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	for _, p := range []string{"/console/", "/console/search", "/console/records/x", "/console/export?format=csv", "/console/nope"} {
		resp, _ := b.get(p)
		checkHeaders(t, resp)
		if resp.StatusCode != http.StatusSeeOther || location(resp) != "/console/sign-in" {
			t.Errorf("GET %s: %d to %q, want 303 to the sign-in", p, resp.StatusCode, location(resp))
		}
	}
	resp, page := b.get("/console/sign-in")
	checkHeaders(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `action="/console/sign-in"`) {
		t.Fatalf("sign-in page: %d", resp.StatusCode)
	}
	resp, _ = b.get("/console/static/console.js")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") {
		t.Errorf("console.js: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, p := range []string{"/console/static/nope.js", "/console/static/..%2fconsole.go"} {
		if resp, _ := b.get(p); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, resp.StatusCode)
		}
	}
}

func TestSignIn(t *testing.T) {
	e := newEnv(t)
	t.Run("tenant token", func(t *testing.T) {
		b := e.browser()
		resp := b.signIn(acmeToken, "")
		if resp.StatusCode != http.StatusSeeOther || location(resp) != "/console/search" {
			t.Fatalf("sign-in: %d to %q", resp.StatusCode, location(resp))
		}
		var session *http.Cookie
		for _, ck := range resp.Cookies() {
			if ck.Name == "cdrhub_session" {
				session = ck
			}
		}
		if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Path != "/console" || session.Secure {
			t.Fatalf("session cookie %+v", session)
		}
		resp, page := b.get("/console/search")
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("search without a window: %d, want a redirect to its canonical form", resp.StatusCode)
		}
		resp, page = b.get(location(resp))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("search: %d\n%s", resp.StatusCode, page)
		}
		if !strings.Contains(page, "acme-ops") || strings.Contains(page, acmeToken) {
			t.Errorf("the page should name the token, never show it")
		}
	})
	t.Run("admin token", func(t *testing.T) {
		b := e.browser()
		_, page := b.get("/console/sign-in")
		if !strings.Contains(page, `<option value="beta"`) {
			t.Errorf("the sign-in page does not offer the tenants")
		}
		resp, body := b.post("/console/sign-in", url.Values{"token": {adminToken}, "csrf": {csrf(t, page)}})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "choose it") {
			t.Errorf("admin without a tenant: %d", resp.StatusCode)
		}
		if resp := b.signIn(adminToken, "beta"); location(resp) != "/console/search" {
			t.Fatalf("admin sign-in: %d to %q", resp.StatusCode, location(resp))
		}
		_, page = b.get("/console/search?from=2026-12-01T00:00:00Z")
		if !strings.Contains(page, "admin:root") || !strings.Contains(page, `class="tenant" title="Tenant">beta<`) {
			t.Errorf("the admin's page does not name admin:root acting for beta")
		}
	})
	t.Run("refused", func(t *testing.T) {
		b := e.browser()
		_, page := b.get("/console/sign-in")
		tok := csrf(t, page)
		for _, tc := range []struct {
			name   string
			form   url.Values
			status int
		}{
			{"unknown token", url.Values{"token": {"nope"}, "csrf": {"ok"}}, http.StatusUnauthorized},
			{"empty token", url.Values{"csrf": {"ok"}}, http.StatusUnauthorized},
			{"no csrf", url.Values{"token": {acmeToken}}, http.StatusForbidden},
			{"wrong csrf", url.Values{"token": {acmeToken}, "csrf": {"wrong"}}, http.StatusForbidden},
			{"admin, unknown tenant", url.Values{"token": {adminToken}, "tenant": {"gamma"}, "csrf": {"ok"}}, http.StatusBadRequest},
		} {
			switch tc.form.Get("csrf") {
			case "ok":
				tc.form.Set("csrf", tok)
			case "wrong":
				tc.form.Set("csrf", tok+"x")
			}
			// A refused form gets a new page, with a new token.
			resp, body := b.post("/console/sign-in", tc.form)
			if resp.StatusCode != tc.status {
				t.Errorf("%s: %d, want %d", tc.name, resp.StatusCode, tc.status)
			}
			if m := csrfPattern.FindStringSubmatch(body); m != nil {
				tok = m[1]
			} else {
				_, page := b.get("/console/sign-in")
				tok = csrf(t, page)
			}
		}
		// A cross-site form is refused whatever it carries.
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/console/sign-in",
			strings.NewReader(url.Values{"token": {acmeToken}, "csrf": {tok}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		if resp, _ := b.do(req); resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site sign-in: %d", resp.StatusCode)
		}
		// A body over the bound.
		big := url.Values{"token": {strings.Repeat("x", 20<<10)}, "csrf": {tok}}
		if resp, _ := b.post("/console/sign-in", big); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("oversized form: %d", resp.StatusCode)
		}
	})
}

func TestSecureCookie(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")} })
	b := e.browser()
	_, page := b.get("/console/sign-in")
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/console/sign-in",
		strings.NewReader(url.Values{"token": {acmeToken}, "csrf": {csrf(t, page)}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-Proto", "https")
	resp, _ := b.do(req)
	for _, ck := range resp.Cookies() {
		if ck.Name == "cdrhub_session" && !ck.Secure {
			t.Errorf("behind a trusted proxy saying https, the cookie is not Secure")
		}
	}
}

func TestSignOutEndsTheSession(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.signIn(acmeToken, "")
	u, _ := url.Parse(e.srv.URL + "/console")
	cookies := b.client.Jar.Cookies(u)
	resp, page := b.get("/console/search?from=2026-12-01T00:00:00Z")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("search: %d", resp.StatusCode)
	}
	// Without its CSRF field, sign-out is refused and the session lives.
	if resp, _ := b.post("/console/sign-out", url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("sign-out without csrf: %d", resp.StatusCode)
	}
	if resp, _ := b.get("/console/search?from=2026-12-01T00:00:00Z"); resp.StatusCode != http.StatusOK {
		t.Fatalf("after a refused sign-out: %d", resp.StatusCode)
	}
	resp, _ = b.post("/console/sign-out", url.Values{"csrf": {csrf(t, page)}})
	if resp.StatusCode != http.StatusSeeOther || location(resp) != "/console/sign-in" {
		t.Fatalf("sign-out: %d to %q", resp.StatusCode, location(resp))
	}
	// The old cookie, replayed, is refused: the session is gone server-side.
	replay := e.browser()
	replay.client.Jar.SetCookies(u, cookies)
	if resp, _ := replay.get("/console/search?from=2026-12-01T00:00:00Z"); location(resp) != "/console/sign-in" {
		t.Fatalf("replayed cookie: %d to %q", resp.StatusCode, location(resp))
	}
}

func TestSessionExpiry(t *testing.T) {
	e := newEnv(t)
	idle := e.browser()
	idle.signIn(acmeToken, "")
	active := e.browser()
	active.signIn(acmeToken, "")
	ok := func(b *browser) bool {
		resp, _ := b.get("/console/search?from=2026-12-01T00:00:00Z")
		return resp.StatusCode == http.StatusOK
	}
	// The active session is used every 2 hours; the idle one is not.
	for range 4 {
		e.clock.Add(2 * time.Hour)
		if !ok(active) {
			t.Fatalf("a session used every 2 hours ended")
		}
	}
	if ok(idle) {
		t.Fatalf("a session unused for 8 hours is still valid")
	}
	// The absolute limit: 7 days after sign-in, however used.
	for range 7*12 - 4 - 1 {
		e.clock.Add(2 * time.Hour)
		if !ok(active) {
			t.Fatalf("a used session ended before 7 days, at %v", e.clock.Now())
		}
	}
	e.clock.Add(2 * time.Hour)
	if ok(active) {
		t.Fatalf("a session is still valid 7 days after sign-in")
	}
}

func TestSignInRate(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.SignInRate = Rate{Burst: 3, Every: time.Minute} })
	b := e.browser()
	codes := []int{}
	for range 5 {
		_, page := b.get("/console/sign-in")
		resp, _ := b.post("/console/sign-in", url.Values{"token": {"wrong"}, "csrf": {csrf(t, page)}})
		codes = append(codes, resp.StatusCode)
	}
	want := []int{401, 401, 401, 429, 429}
	if !slices.Equal(codes, want) {
		t.Fatalf("statuses %v, want %v", codes, want)
	}
	e.clock.Add(time.Minute)
	if resp := b.signIn(acmeToken, ""); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("a minute later: %d", resp.StatusCode)
	}
}

// record returns a voice record of tenant-independent content.
func record(id string, start time.Time, mut func(*cdr.Record)) *cdr.Record {
	ms := start.UnixMilli()
	end := ms + 90_000
	ans := ms + 10_000
	r := &cdr.Record{Channel: cdr.ChannelVoice, Source: cdr.SourceNative, SourceID: id, StartAt: ms, AnswerAt: &ans, EndAt: &end,
		Direction: cdr.DirectionInbound, Disposition: cdr.DispositionAnswered, HangupBy: cdr.HangupByCustomer,
		Caller: cdr.Party{Address: "+8613912345678"}, Callee: cdr.Party{Address: "4001234567"}}
	if mut != nil {
		mut(r)
	}
	return r
}

func (e *env) put(t cdr.TenantID, recs ...*cdr.Record) {
	e.t.Helper()
	if _, err := e.db.Store.UpsertRecords(context.Background(), t, recs, cdr.UpsertOptions{}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) idOf(t cdr.TenantID, sourceID string) string {
	e.t.Helper()
	recs, _, err := e.db.Store.FindRecords(context.Background(), t, cdr.Filter{VendorIDs: cdr.VendorIDs{Source: cdr.SourceNative, Values: []string{sourceID}}})
	if err != nil || len(recs) != 1 {
		e.t.Fatalf("record %s: %v %d", sourceID, err, len(recs))
	}
	return recs[0].ID
}

func TestTenantsDoNotMix(t *testing.T) {
	e := newEnv(t)
	at := time.Date(2026, 12, 3, 4, 0, 0, 0, time.UTC)
	e.put(acme, record("a-1", at, nil))
	e.put(beta, record("b-1", at, func(r *cdr.Record) { r.Caller.Address = "+8613800000001" }))
	acmeID, betaID := e.idOf(acme, "a-1"), e.idOf(beta, "b-1")
	b := e.browser()
	b.signIn(acmeToken, "")
	if resp, _ := b.get("/console/records/" + acmeID); resp.StatusCode != http.StatusOK {
		t.Fatalf("own record: %d", resp.StatusCode)
	}
	resp, page := b.get("/console/records/" + betaID)
	if resp.StatusCode != http.StatusNotFound || strings.Contains(page, "8613800000001") {
		t.Fatalf("another tenant's record: %d", resp.StatusCode)
	}
	_, page = b.get("/console/search?from=2026-12-01T00:00:00Z")
	if !strings.Contains(page, acmeID) || strings.Contains(page, betaID) {
		t.Fatalf("the search shows another tenant's record, or not its own")
	}
	// The admin acting for beta sees beta's only.
	a := e.browser()
	a.signIn(adminToken, "beta")
	if resp, _ := a.get("/console/records/" + acmeID); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("admin for beta reading acme's record: %d", resp.StatusCode)
	}
	// A tenant query parameter changes nothing: it is dropped.
	resp, _ = b.get("/console/search?from=2026-12-01T00:00:00Z&tenant=beta")
	if got := location(resp); strings.Contains(got, "tenant") {
		t.Fatalf("tenant kept in %q", got)
	}
	// An export is the session tenant's.
	resp, body := b.get("/console/export?format=ndjson&from=2026-12-01T00:00:00Z")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, acmeID) || strings.Contains(body, betaID) {
		t.Fatalf("export: %d\n%s", resp.StatusCode, body)
	}
	if cd := resp.Header.Get("Content-Disposition"); !regexp.MustCompile(`^attachment; filename="cdrhub-acme-\d{8}T\d{6}Z\.ndjson"$`).MatchString(cd) {
		t.Errorf("Content-Disposition %q", cd)
	}
}

func TestCanonicalSearch(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.signIn(acmeToken, "")
	// The clock is 2026-12-04T10:00Z, 18:00 in Shanghai.
	for _, tc := range []struct {
		query, want string // want "" is served as it is
	}{
		{"", "from=2026-11-28T00%3A00%3A00%2B08%3A00&to=2026-12-05T00%3A00%3A00%2B08%3A00"},
		{"from=2026-12-01T00:00:00Z", ""},
		{"from=2026-12-01T09:30&to=2026-12-02", "from=2026-12-01T09%3A30%3A00%2B08%3A00&to=2026-12-02T00%3A00%3A00%2B08%3A00"},
		{"from=2026-12-01T00:00:00Z&phone=&agent=&channel=voice&channel=chat", "channel=voice%2Cchat&from=2026-12-01T00%3A00%3A00Z"},
		{"from=2026-12-01T00:00:00Z&count=true", "from=2026-12-01T00%3A00%3A00Z"},
		{"from=2026-12-01T00:00:00Z&disposition=abandoned&disposition=no_agent", "disposition=abandoned%2Cno_agent&from=2026-12-01T00%3A00%3A00Z"},
	} {
		resp, _ := b.get("/console/search?" + tc.query)
		if tc.want == "" {
			if resp.StatusCode != http.StatusOK {
				t.Errorf("%q: %d, want 200", tc.query, resp.StatusCode)
			}
			continue
		}
		if resp.StatusCode != http.StatusSeeOther || location(resp) != "/console/search?"+tc.want {
			t.Errorf("%q: %d to %q, want /console/search?%s", tc.query, resp.StatusCode, location(resp), tc.want)
		}
	}
	// Invalid filters are answered on the page, with the API's message.
	for _, q := range []string{"from=2026-12-01T00:00:00Z&channel=fax", "from=2026-12-01T00:00:00Z&phone_contains=1",
		"from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z", "from=2026-12-01T00:00:00Z&csat_min=9", "from=yesterday",
		"from=2026-12-01T00:00:00Z&cursor=bogus", "from=2026-12-01T00:00:00Z&nope=1"} {
		resp, page := b.get("/console/search?" + q)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, `id="search-error"`) {
			t.Errorf("%q: %d, want 400 with the error on the page", q, resp.StatusCode)
		}
	}
}

var rowPattern = regexp.MustCompile(`<tr data-id="([^"]+)"`)

// pageLinks returns the ids of a result page and its paging links.
func pageLinks(page string) (ids []string, links map[string]string) {
	for _, m := range rowPattern.FindAllStringSubmatch(page, -1) {
		ids = append(ids, m[1])
	}
	links = map[string]string{}
	for _, m := range regexp.MustCompile(`<a href="([^"]+)" id="(next|prev|first)"`).FindAllStringSubmatch(page, -1) {
		links[m[2]] = strings.ReplaceAll(m[1], "&amp;", "&")
	}
	return ids, links
}

func TestSearchPages(t *testing.T) {
	e := newEnv(t)
	base := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var recs []*cdr.Record
	for i := range 23 {
		recs = append(recs, record(fmt.Sprintf("p-%02d", i), base.Add(time.Duration(i)*time.Hour), nil))
	}
	e.put(acme, recs...)
	all, _, err := e.db.Store.FindRecords(context.Background(), acme, cdr.Filter{From: base.UnixMilli()})
	if err != nil {
		t.Fatal(err)
	}
	want := make([]string, len(all))
	for i, r := range all {
		want[i] = r.ID
	}
	b := e.browser()
	b.signIn(acmeToken, "")
	_, page := b.get("/console/search?from=2026-12-01T00:00:00Z&limit=10")
	if !strings.Contains(page, `id="total">23<`) {
		t.Fatalf("the count is not 23")
	}
	var pages [][]string
	var urls []string
	for {
		ids, links := pageLinks(page)
		pages = append(pages, ids)
		next, ok := links["next"]
		if !ok {
			break
		}
		urls = append(urls, next)
		_, page = b.get(next)
	}
	if got := slices.Concat(pages...); !slices.Equal(got, want) {
		t.Fatalf("pages forward %v, want %v", got, want)
	}
	if len(pages) != 3 || len(pages[2]) != 3 {
		t.Fatalf("page sizes %d", len(pages))
	}
	// Back from the last page: the second, then the first.
	for i := len(pages) - 1; i > 0; i-- {
		_, links := pageLinks(page)
		prev, ok := links["prev"]
		if !ok {
			t.Fatalf("page %d has no previous link", i)
		}
		_, page = b.get(prev)
		ids, _ := pageLinks(page)
		if !slices.Equal(ids, pages[i-1]) {
			t.Fatalf("previous of page %d: %v, want %v", i, ids, pages[i-1])
		}
	}
	if _, links := pageLinks(page); links["prev"] != "" {
		t.Errorf("the first page has a previous link")
	}
}

func TestAggregates(t *testing.T) {
	e := newEnv(t)
	base := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	score := func(n int) *int { return &n }
	var recs []*cdr.Record
	for i := range 40 {
		recs = append(recs, record(fmt.Sprintf("k-%02d", i), base.Add(time.Duration(i)*37*time.Minute), func(r *cdr.Record) {
			switch i % 4 {
			case 1:
				r.Disposition, r.AnswerAt = cdr.DispositionAbandoned, nil
			case 2:
				r.Satisfaction = &cdr.Satisfaction{Score: score(1 + i%5)}
				r.Caller.Address = "+8613700001111"
			}
			talk, hold := int64(60+i), int64(i%3)
			r.TalkS, r.HoldS = &talk, &hold
		}))
	}
	e.put(acme, recs...)
	b := e.browser()
	b.signIn(acmeToken, "")
	for _, tc := range []struct {
		query                   string
		contacts                string
		answered, abandoned     string
		fromRollups, hasCSATSum bool
	}{
		// From the rollups: a window on their buckets, no other filter.
		{"from=2026-12-01T00:00:00Z&to=2026-12-03T00:00:00Z", "40", "75.0 %", "25.0 %", true, true},
		{"from=2026-12-01T00:00:00Z&to=2026-12-03T00:00:00Z&disposition=abandoned", "10", "0.0 %", "100.0 %", true, false},
		// From the records: a phone filter, a window off the buckets.
		{"from=2026-12-01T00:00:00Z&to=2026-12-03T00:00:00Z&phone_contains=700001111", "10", "100.0 %", "0.0 %", false, true},
		{"from=2026-12-01T02:01:00Z&to=2026-12-03T00:00:00Z", "39", "74.4 %", "25.6 %", false, true},
	} {
		resp, page := b.get("/console/search?" + tc.query)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", tc.query, resp.StatusCode)
		}
		for id, want := range map[string]string{"agg-contacts": tc.contacts, "agg-answered": tc.answered, "agg-abandoned": tc.abandoned} {
			m := regexp.MustCompile(`id="` + id + `">([^<]*)<`).FindStringSubmatch(page)
			if m == nil || m[1] != want {
				t.Errorf("%s: %s %v, want %q", tc.query, id, m, want)
			}
		}
		// The list's total is the store's count, whichever way the
		// aggregates were computed.
		f := mustFilter(t, tc.query)
		f.Count, f.Limit = true, 1
		_, n, err := e.db.Store.FindRecords(context.Background(), acme, f)
		if err != nil {
			t.Fatal(err)
		}
		total := regexp.MustCompile(`id="total">(\d+)<`).FindStringSubmatch(page)
		if total == nil || total[1] != fmt.Sprint(n) || total[1] != tc.contacts {
			t.Errorf("%s: total %v, want the store's count %d and the contacts %s", tc.query, total, n, tc.contacts)
		}
		if rollupFilter(mustFilter(t, tc.query)) != tc.fromRollups {
			t.Errorf("%s: from the rollups %v, want %v", tc.query, !tc.fromRollups, tc.fromRollups)
		}
	}
}

func mustFilter(t *testing.T, q string) cdr.Filter {
	t.Helper()
	v, _ := url.ParseQuery(q)
	l, err := query.ParseList(v)
	if err != nil {
		t.Fatal(err)
	}
	return l.Filter
}

func TestRecordPageEscapes(t *testing.T) {
	e := newEnv(t)
	hostile := `<script>alert(1)</script>"><img src=x onerror=alert(2)>`
	e.put(acme, record("x-1", time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC), func(r *cdr.Record) {
		r.Note = hostile
		r.Tags = []string{hostile, "javascript:alert(3)"}
		r.Caller.Name = hostile
		r.Agents = []cdr.Agent{{ID: "a1", Name: hostile}}
		r.Recordings = []cdr.Recording{{URL: "javascript:alert(4)"}}
	}))
	b := e.browser()
	b.signIn(acmeToken, "")
	resp, page := b.get("/console/records/" + e.idOf(acme, "x-1"))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%d", resp.StatusCode)
	}
	for _, bad := range []string{"<script>alert", "<img src=x", `href="javascript:`, "onerror=alert(2)>"} {
		if strings.Contains(page, bad) {
			t.Errorf("the page holds %q unescaped", bad)
		}
	}
	if !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("the note is not shown as text")
	}
}

func TestRecordingLinks(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	e := newEnv(t, func(o *Options) {
		o.Links = recordings.Links{Key: key}
		o.Tenants[0].LinkTTL = 10 * time.Minute
	})
	at := time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC)
	e.put(acme, record("r-1", at, func(r *cdr.Record) {
		r.Recordings = []cdr.Recording{{URL: "https://vendor.example/a.mp3"}, {URL: "https://vendor.example/b.mp3"}}
	}))
	id := e.idOf(acme, "r-1")
	ctx := context.Background()
	rec, err := e.db.Store.FindRecordByID(ctx, acme, id)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.Archive.PlanRecord(ctx, acme, rec, 0); err != nil {
		t.Fatal(err)
	}
	sum := strings.Repeat("ab", 32)
	if _, err := e.db.Archive.SetArchived(ctx, acme, id, 0, cdr.StoredFile{Key: "k", Bytes: 10, SHA256: sum, ContentType: "audio/mpeg", At: at.UnixMilli()}); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.signIn(acmeToken, "")
	_, page := b.get("/console/records/" + id)
	m := regexp.MustCompile(`<audio [^>]*src="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no player for the archived file:\n%s", page)
	}
	u, err := url.Parse(strings.ReplaceAll(m[1], "&amp;", "&"))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	exp := e.clock.Now().Add(10 * time.Minute).Unix()
	if q.Get("tenant") != "acme" || q.Get("expires") != fmt.Sprint(exp) || u.Path != recordings.Path(id, 0) {
		t.Errorf("link %s, want one of acme's file 0 expiring at %d", u, exp)
	}
	if !(recordings.Links{Key: key}).Valid(acme, id, 0, exp, q.Get("signature")) {
		t.Errorf("the link's signature is not valid")
	}
	// The second file is not archived: a note, and the vendor's address.
	if !strings.Contains(page, "No archived copy: not fetched yet.") || !strings.Contains(page, `href="https://vendor.example/b.mp3"`) {
		t.Errorf("no note for the file not archived")
	}
}

func TestDashboard(t *testing.T) {
	e := newEnv(t)
	base := time.Date(2026, 11, 30, 16, 0, 0, 0, time.UTC) // 00:00 in Shanghai
	var recs []*cdr.Record
	queuesOf := [][]cdr.Queue{{{ID: "sales"}}, {{ID: "billing"}}, {{ID: "sales"}, {ID: "billing"}}}
	for i := range 60 {
		recs = append(recs, record(fmt.Sprintf("d-%02d", i), base.Add(time.Duration(i)*71*time.Minute), func(r *cdr.Record) {
			r.Queues = queuesOf[i%3]
			r.Agents = []cdr.Agent{{ID: fmt.Sprintf("agent-%d", i%4)}}
			queued := r.StartAt + int64(i%7)*5_000
			r.QueuedAt = &queued
			switch i % 5 {
			case 1:
				r.Disposition, r.AnswerAt = cdr.DispositionAbandoned, nil
			case 2:
				r.Direction = cdr.DirectionOutbound
			}
			talk := int64(100 + i)
			r.TalkS = &talk
		}))
	}
	e.put(acme, recs...)
	b := e.browser()
	b.signIn(acmeToken, "")
	resp, _ := b.get("/console/dashboard")
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(location(resp), "interval=1d") || !strings.Contains(location(resp), "sl_threshold=20") {
		t.Fatalf("dashboard without parameters: %d to %q", resp.StatusCode, location(resp))
	}
	q := "from=2026-12-01T00%3A00%3A00%2B08%3A00&interval=1d&sl_threshold=30&to=2026-12-04T00%3A00%3A00%2B08%3A00"
	resp, page := b.get("/console/dashboard?" + q)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("dashboard: %d\n%s", resp.StatusCode, page)
	}
	// The tiles are GET /api/v1/stats's numbers: the reference over the
	// records, for the same parameters.
	v, _ := url.ParseQuery(q)
	aq, err := analytics.ParseQuery(v, shanghai)
	if err != nil {
		t.Fatal(err)
	}
	all, _, err := e.db.Store.FindRecords(context.Background(), acme, cdr.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	want := analytics.Reference(aq, all).Series[0]
	tilesGot := map[string]string{}
	for _, m := range regexp.MustCompile(`data-kpi="([a-z_]+)" data-value="([^"]*)"`).FindAllStringSubmatch(page, -1) {
		tilesGot[m[1]] = m[2]
	}
	k := want.Total.KPIs
	for key, w := range map[string]string{"offered": fmt.Sprint(k.Offered), "answered": fmt.Sprint(k.Answered),
		"abandonment": rawFloat(k.AbandonmentRate), "service_level": rawFloat(k.ServiceLevel), "asa": rawFloat(k.ASA),
		"aht": rawFloat(k.AHT), "csat": rawFloat(k.CSATAvg)} {
		if tilesGot[key] != w {
			t.Errorf("tile %s = %q, want %q", key, tilesGot[key], w)
		}
	}
	if k.Offered == 0 || k.Abandoned == 0 {
		t.Fatalf("the data has no offered or abandoned contact: %+v", k)
	}
	// The contacts chart's bars are the buckets' offered and answered.
	var offered []string
	for _, m := range regexp.MustCompile(`class="bar offered" data-series="offered" data-value="(\d+)"`).FindAllStringSubmatch(page, -1) {
		offered = append(offered, m[1])
	}
	var wantOffered []string
	for _, bk := range want.Buckets {
		wantOffered = append(wantOffered, fmt.Sprint(bk.Offered))
	}
	if !slices.Equal(offered, wantOffered) {
		t.Errorf("offered bars %v, want %v", offered, wantOffered)
	}
	// Each tile's drill-down lists as many records as it counts.
	for _, key := range []string{"offered", "answered"} {
		m := regexp.MustCompile(`data-kpi="` + key + `"[^>]*>\s*<dt>[^<]*</dt>\s*<dd class="value"><a href="([^"]+)"`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no drill-down on %s", key)
		}
		_, sp := b.get(strings.ReplaceAll(m[1], "&amp;", "&"))
		total := regexp.MustCompile(`id="total">(\d+)<`).FindStringSubmatch(sp)
		if total == nil || total[1] != tilesGot[key] {
			t.Errorf("%s's drill-down lists %v records, the tile says %s", key, total, tilesGot[key])
		}
	}
	// The queues' table: one row per first queue.
	rows := regexp.MustCompile(`<tr><th scope="row" data-sort="([^"]+)">`).FindAllStringSubmatch(page, -1)
	var names []string
	for _, r := range rows {
		names = append(names, r[1])
	}
	if !slices.Contains(names, "sales") || !slices.Contains(names, "billing") || !slices.Contains(names, "agent-0") {
		t.Errorf("table rows %v", names)
	}
	// Invalid parameters are said on the page.
	for _, bad := range []string{"from=2026-12-01T00:00:00Z&to=2026-12-02T00:00:00Z&interval=1d&sl_threshold=25",
		"from=2026-12-01T00:07:00Z&to=2026-12-02T00:00:00Z&interval=1d&sl_threshold=20",
		"from=2026-12-01T00:00:00Z&to=2026-12-02T00:00:00Z&interval=1d&sl_threshold=20&phone=1"} {
		if resp, page := b.get("/console/dashboard?" + bad); resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, `id="dashboard-error"`) {
			t.Errorf("%s: %d", bad, resp.StatusCode)
		}
	}
}

// fakeSync is a SyncReporter with one failed source.
type fakeSync struct {
	mu  sync.Mutex
	ran []string
}

func (f *fakeSync) Status(ctx context.Context, t cdr.TenantID) ([]ingest.SourceStatus, error) {
	return []ingest.SourceStatus{{Tenant: t.String(), Source: "tencent_ccc", Enabled: true, State: ingest.StateFailed,
		Checkpoint: 1_796_000_000_000, WindowsVerified: 12,
		LastRun: &ingest.RunStatus{StartedAt: 1_796_000_100_000, FinishedAt: 1_796_000_160_000, Outcome: "failed",
			Error: &ingest.ErrorStatus{Code: "auth", Message: "AuthFailure.SecretIdNotFound <b>"}},
		Horizon: &ingest.HorizonStatus{HoursLeft: 5.5, WarningHours: 24}}}, nil
}

func (f *fakeSync) RunNow(t cdr.TenantID, source cdr.Source) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ran = append(f.ran, t.String()+"/"+string(source))
	return nil
}

func TestSyncPage(t *testing.T) {
	fs := &fakeSync{}
	e := newEnv(t, func(o *Options) { o.Sync = fs })
	b := e.browser()
	b.signIn(acmeToken, "")
	resp, page := b.get("/console/sync")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%d", resp.StatusCode)
	}
	for _, want := range []string{`<strong>auth</strong>: AuthFailure.SecretIdNotFound &lt;b&gt;`, `class="num near"`, `5.5 h`, `<span class="state failed">failed</span>`} {
		if !strings.Contains(page, want) {
			t.Errorf("the sync page lacks %q", want)
		}
	}
	if strings.Contains(page, "Run now") {
		t.Errorf("a tenant token is offered to run a source")
	}
	csrfTok := csrf(t, page)
	if resp, _ := b.post("/console/sync/run", url.Values{"csrf": {csrfTok}, "source": {"tencent_ccc"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a tenant token starting a run: %d", resp.StatusCode)
	}
	a := e.browser()
	a.signIn(adminToken, "acme")
	_, page = a.get("/console/sync")
	if !strings.Contains(page, "Run now") {
		t.Fatalf("the admin is not offered to run the source")
	}
	tok := csrf(t, page)
	for _, tc := range []struct {
		form   url.Values
		status int
	}{
		{url.Values{"source": {"tencent_ccc"}}, http.StatusForbidden},
		{url.Values{"csrf": {tok}, "source": {"fax"}}, http.StatusBadRequest},
		{url.Values{"csrf": {tok}, "source": {"native"}}, http.StatusBadRequest},
		{url.Values{"csrf": {tok}, "source": {"tencent_ccc"}}, http.StatusSeeOther},
	} {
		if resp, _ := a.post("/console/sync/run", tc.form); resp.StatusCode != tc.status {
			t.Errorf("%v: %d, want %d", tc.form, resp.StatusCode, tc.status)
		}
	}
	if !slices.Equal(fs.ran, []string{"acme/tencent_ccc"}) {
		t.Errorf("runs %v", fs.ran)
	}
	if _, page := a.get("/console/sync?started=tencent_ccc"); !strings.Contains(page, `id="started"`) {
		t.Errorf("no notice of the started run")
	}
}

func TestSavedSearches(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.signIn(acmeToken, "")
	search := "/console/search?direction=inbound&disposition=abandoned&from=2026-12-01T00%3A00%3A00Z"
	_, page := b.get(search)
	tok := csrf(t, page)
	q := regexp.MustCompile(`name="query" value="([^"]*)"`).FindStringSubmatch(page)
	if q == nil {
		t.Fatal("no save form")
	}
	query := strings.ReplaceAll(q[1], "&amp;", "&")
	resp, _ := b.post("/console/saved", url.Values{"csrf": {tok}, "name": {"Missed <b>today</b>"}, "query": {query}})
	if resp.StatusCode != http.StatusSeeOther || location(resp) != search {
		t.Fatalf("save: %d to %q, want %s", resp.StatusCode, location(resp), search)
	}
	_, page = b.get(search)
	links := regexp.MustCompile(`<li data-id="(\d+)"><a href="([^"]+)" class="saved-link">([^<]*)</a>`).FindAllStringSubmatch(page, -1)
	if len(links) != 1 || strings.ReplaceAll(links[0][2], "&amp;", "&") != search || links[0][3] != "Missed &lt;b&gt;today&lt;/b&gt;" {
		t.Fatalf("saved searches listed: %q", links)
	}
	id := links[0][1]
	for _, tc := range []struct {
		path   string
		form   url.Values
		status int
	}{
		{"/console/saved", url.Values{"name": {"x"}, "query": {query}}, http.StatusForbidden},                                   // no csrf
		{"/console/saved", url.Values{"csrf": {tok}, "name": {"Missed <b>today</b>"}, "query": {query}}, http.StatusBadRequest}, // name taken
		{"/console/saved", url.Values{"csrf": {tok}, "name": {""}, "query": {query}}, http.StatusBadRequest},
		{"/console/saved", url.Values{"csrf": {tok}, "name": {strings.Repeat("x", 101)}, "query": {query}}, http.StatusBadRequest},
		{"/console/saved/" + id + "/rename", url.Values{"csrf": {tok}, "name": {"Missed"}, "back": {search}}, http.StatusSeeOther},
		{"/console/saved/999/rename", url.Values{"csrf": {tok}, "name": {"y"}}, http.StatusNotFound},
		{"/console/saved/x/delete", url.Values{"csrf": {tok}}, http.StatusNotFound},
	} {
		if resp, _ := b.post(tc.path, tc.form); resp.StatusCode != tc.status {
			t.Errorf("%s %v: %d, want %d", tc.path, tc.form, resp.StatusCode, tc.status)
		}
	}
	// Another credential (an admin acting for acme) sees none of them,
	// and cannot delete them.
	a := e.browser()
	a.signIn(adminToken, "acme")
	_, apage := a.get(search)
	if strings.Contains(apage, "saved-link") {
		t.Errorf("the admin sees another credential's saved search")
	}
	if resp, _ := a.post("/console/saved/"+id+"/delete", url.Values{"csrf": {csrf(t, apage)}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("deleting another credential's saved search: %d", resp.StatusCode)
	}
	_, page = b.get(search)
	if !strings.Contains(page, `class="saved-link">Missed</a>`) {
		t.Fatalf("not renamed")
	}
	resp, _ = b.post("/console/saved/"+id+"/delete", url.Values{"csrf": {tok}, "back": {search}})
	if resp.StatusCode != http.StatusSeeOther || location(resp) != search {
		t.Fatalf("delete: %d to %q", resp.StatusCode, location(resp))
	}
	if _, page = b.get(search); strings.Contains(page, "saved-link") {
		t.Errorf("still listed after delete")
	}
}

// A session ends when its token leaves the configuration: the same
// database, a console restarted without the token.
func TestSessionOfRemovedToken(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.signIn(acmeToken, "")
	if resp, _ := b.get("/console/search?from=2026-12-01T00:00:00Z"); resp.StatusCode != http.StatusOK {
		t.Fatalf("signed in: %d", resp.StatusCode)
	}
	o := e.c.o
	o.Tokens = []Token{{Name: "beta-ops", Secret: betaToken, Tenant: "beta"}, {Name: "acme-ops", Secret: adminToken}} // an admin token of the same name
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler
	for _, r := range c.Routes() {
		if r.Pattern == "GET /console/search" {
			h = r.Handler
		}
	}
	u, _ := url.Parse(e.srv.URL)
	req := httptest.NewRequest(http.MethodGet, "/console/search?from=2026-12-01T00:00:00Z", nil)
	for _, ck := range b.client.Jar.Cookies(u) {
		req.AddCookie(ck)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/console/sign-in" {
		t.Fatalf("a session of a removed token: %d to %q", w.Code, w.Header().Get("Location"))
	}
}
