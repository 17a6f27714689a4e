package httpserver_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/cdrhub/cdrhub/internal/analytics"
	"github.com/cdrhub/cdrhub/internal/api/native"
	"github.com/cdrhub/cdrhub/internal/blob"
	"github.com/cdrhub/cdrhub/internal/browsertest"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/console"
	"github.com/cdrhub/cdrhub/internal/httpserver"
	"github.com/cdrhub/cdrhub/internal/ingest"
	tcclient "github.com/cdrhub/cdrhub/internal/ingest/tencentccc"
	"github.com/cdrhub/cdrhub/internal/mapping"
	"github.com/cdrhub/cdrhub/internal/recordings"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
	"github.com/cdrhub/cdrhub/internal/storetest"
)

// The console's tests in a real browser: Debian's chromium, driven through
// the DevTools protocol (chromedp). Without chromium they skip, unless
// CDRHUB_TEST_BROWSER_REQUIRED=1 (CI), which makes that a failure. They
// skip under the race detector, which makes the browser's timing
// meaningless and the suite slow.

// browser starts chromium for t, or skips it (under the race detector
// too).
func browser(t *testing.T, width, height int) context.Context {
	t.Helper()
	if raceEnabled {
		t.Skip("browser tests skip under the race detector")
	}
	return browsertest.Start(t, width, height, 90*time.Second)
}

// consoleClock is the console's clock: real time plus a shift.
type consoleClock struct {
	mu    sync.Mutex
	shift time.Duration
}

func (c *consoleClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.shift)
}

func (c *consoleClock) Add(d time.Duration) {
	c.mu.Lock()
	c.shift += d
	c.mu.Unlock()
}

// consoleServer is the listener with the native API and the console over
// one store, as serve mounts them.
type consoleServer struct {
	URL    string
	store  cdr.Store
	sync   cdr.SyncState
	runner *ingest.Runner // the console's sync, without sources until a test adds them
	clock  *consoleClock
	zone   *time.Location
}

const (
	browserToken = "browser-test-token-0123456789"
	otherToken   = "other-tenant-token-0123456789"
)

func newConsoleServer(t *testing.T, change ...func(*console.Options)) *consoleServer {
	t.Helper()
	db := storetest.OpenSubject(t, sqlstore.Options{})
	runner := &ingest.Runner{State: db.SyncState, Holder: cdr.LeaseHolder{ID: "console-test", Host: "test", PID: 1}}
	zone, _ := time.LoadLocation("Asia/Shanghai")
	clk := &consoleClock{}
	blobs, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	key := []byte("0123456789abcdef0123456789abcdef")
	api, err := native.New(db.Store, []native.Token{{Name: "browser", Secret: browserToken, Tenant: "acme"},
		{Name: "other", Secret: otherToken, Tenant: "other"}}, []string{"acme", "other"}, native.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	api.SetRecordings(&native.Recordings{State: db.Archive, Blobs: blobs, SigningKey: key, MaxFileBytes: 10 << 20, Now: clk.Now})
	o := console.Options{Store: db.Store, Sessions: db.Sessions, KPIs: db.Rollups, Archive: db.Archive, Sync: runner, Saved: db.Saved,
		Links: recordings.Links{Key: key}, Now: clk.Now,
		Tokens:  []console.Token{{Name: "browser", Secret: browserToken, Tenant: "acme"}, {Name: "other", Secret: otherToken, Tenant: "other"}},
		Tenants: []console.Tenant{{ID: cdr.MustTenantID("acme"), Zone: zone}, {ID: cdr.MustTenantID("other")}}}
	for _, f := range change {
		f(&o)
	}
	con, err := console.New(o)
	if err != nil {
		t.Fatal(err)
	}
	h := httpserver.Routes(httpserver.Ready{DB: db.Store}, nil, slog.New(slog.DiscardHandler),
		httpserver.APIs{Native: api, Console: con, Stats: db.Rollups})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &consoleServer{URL: srv.URL, store: db.Store, sync: db.SyncState, runner: runner, clock: clk, zone: zone}
}

// wav returns a second of a 440 Hz tone: 8 kHz, 16-bit mono PCM.
func wav() []byte {
	const rate, n = 8000, 8000
	var b bytes.Buffer
	w := func(v any) { binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	w(uint32(36 + 2*n))
	b.WriteString("WAVEfmt ")
	w(uint32(16))
	w(uint16(1))
	w(uint16(1))
	w(uint32(rate))
	w(uint32(2 * rate))
	w(uint16(2))
	w(uint16(16))
	b.WriteString("data")
	w(uint32(2 * n))
	for i := range n {
		w(int16(8000 * math.Sin(2*math.Pi*440*float64(i)/rate)))
	}
	return b.Bytes()
}

// seed writes the browser test's records: 30 calls of acme over
// yesterday and today in Shanghai, every third missed, one with a
// recording archived, one hostile; and one of the other tenant.
func (s *consoleServer) seed(t *testing.T) (withAudio, hostile, others string, missedYesterday int) {
	t.Helper()
	ctx := context.Background()
	y, m, d := s.clock.Now().In(s.zone).Date()
	yesterday := time.Date(y, m, d-1, 0, 0, 0, 0, s.zone)
	var recs []*cdr.Record
	for i := range 30 {
		start := yesterday.Add(time.Duration(i) * 47 * time.Minute)
		if start.After(s.clock.Now().Add(-time.Hour)) {
			start = s.clock.Now().Add(-time.Duration(i+1) * time.Minute)
		}
		ms := start.UnixMilli()
		r := &cdr.Record{Channel: cdr.ChannelVoice, Source: cdr.SourceNative, SourceID: fmt.Sprintf("b-%02d", i), StartAt: ms,
			Direction: cdr.DirectionInbound, Disposition: cdr.DispositionAnswered, HangupBy: cdr.HangupByCustomer,
			Caller: cdr.Party{Address: fmt.Sprintf("+86139000%05d", i)}, Callee: cdr.Party{Address: "4001234567"},
			Agents: []cdr.Agent{{ID: "zhang", Name: "Zhang Min"}}, Queues: []cdr.Queue{{ID: "q1", Name: "Sales"}}}
		queued, ring, ans, end := ms+8_000, ms+20_000, ms+26_000, ms+146_000
		r.QueuedAt, r.RingAt, r.EndAt = &queued, &ring, &end
		if i%3 == 0 {
			r.Disposition, r.AnswerAt = cdr.DispositionAbandoned, nil
			end = ms + 30_000
			if start.Before(yesterday.AddDate(0, 0, 1)) {
				missedYesterday++
			}
		} else {
			r.AnswerAt = &ans
		}
		if i == 1 {
			r.Recordings = []cdr.Recording{{ID: "rec-1"}}
		}
		if i == 2 {
			r.Note = `<script>window.pwned=1</script>"><img src=x onerror="window.pwned=2">`
			r.Tags = []string{`javascript:window.pwned=3`, `<b onmouseover="window.pwned=4">tag</b>`}
			r.Agents = []cdr.Agent{{ID: "x", Name: `"><svg onload="window.pwned=5">`}}
			r.Recordings = []cdr.Recording{{URL: "javascript:window.pwned=6"}}
		}
		recs = append(recs, r)
	}
	if _, err := s.store.UpsertRecords(ctx, cdr.MustTenantID("acme"), recs, cdr.UpsertOptions{}); err != nil {
		t.Fatal(err)
	}
	other := &cdr.Record{Channel: cdr.ChannelVoice, Source: cdr.SourceNative, SourceID: "o-1", StartAt: yesterday.UnixMilli() + 1000,
		Direction: cdr.DirectionInbound, Disposition: cdr.DispositionAbandoned, Caller: cdr.Party{Address: "+8613811112222"}}
	if _, err := s.store.UpsertRecords(ctx, cdr.MustTenantID("other"), []*cdr.Record{other}, cdr.UpsertOptions{}); err != nil {
		t.Fatal(err)
	}
	id := func(tn, sid string) string {
		rs, _, err := s.store.FindRecords(ctx, cdr.MustTenantID(tn), cdr.Filter{VendorIDs: cdr.VendorIDs{Source: cdr.SourceNative, Values: []string{sid}}})
		if err != nil || len(rs) != 1 {
			t.Fatalf("%s: %v", sid, err)
		}
		return rs[0].ID
	}
	withAudio, hostile, others = id("acme", "b-01"), id("acme", "b-02"), id("other", "o-1")
	// The recording, uploaded through the API as the archive would hold it.
	req, _ := http.NewRequest(http.MethodPut, s.URL+"/api/v1/records/"+withAudio+"/recordings/0", bytes.NewReader(wav()))
	req.Header.Set("Authorization", "Bearer "+browserToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		t.Fatalf("uploading the recording: %d", resp.StatusCode)
	}
	return withAudio, hostile, others, missedYesterday
}

func run(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	browsertest.Do(t, ctx, what, actions...)
}

// waitLoaded waits until the tab's address holds part and its document
// has loaded: after a click or a submit, the page before it may still
// match what the test waits for.
func waitLoaded(part string) chromedp.Action[chromedp.Void] {
	js := fmt.Sprintf(`location.href.includes(%q) && document.readyState === "complete"`, part)
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		// While the page changes, its context goes away: an error then is
		// asked again.
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
			if ok, err := chromedp.Evaluate[bool](js)(ctx, tg); err == nil && ok {
				return nil
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
		}
		return fmt.Errorf("the page did not load an address with %q", part)
	})
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	return browsertest.Eval[T](t, ctx, js)
}

func path(t *testing.T, ctx context.Context) string {
	t.Helper()
	return eval[string](t, ctx, `location.pathname`)
}

func TestConsoleInBrowser(t *testing.T) {
	ctx := browser(t, 1280, 900)
	s := newConsoleServer(t)
	withAudio, hostile, others, missedYesterday := s.seed(t)

	// The server's address leads to the sign-in form.
	run(t, ctx, "open /", chromedp.Navigate(s.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#sign-in")))
	if p := path(t, ctx); p != "/console/sign-in" {
		t.Fatalf("/ led to %s", p)
	}
	run(t, ctx, "sign in", chromedp.SendKeys(chromedp.CSS("#token"), browserToken), chromedp.Submit(chromedp.CSS("#sign-in")),
		chromedp.WaitVisible(chromedp.CSS("#search")))
	if p := path(t, ctx); p != "/console/search" {
		t.Fatalf("signed in at %s", p)
	}

	// Yesterday's missed calls: the quick range, then the shortcut.
	run(t, ctx, "yesterday", chromedp.Click(chromedp.CSS(`.ranges a:nth-child(2)`)), chromedp.WaitVisible(chromedp.CSS(`.ranges a:nth-child(2)[aria-current]`)))
	run(t, ctx, "missed", chromedp.Click(chromedp.CSS("#missed")), chromedp.WaitVisible(chromedp.CSS(`#missed[aria-current]`)))
	total := eval[string](t, ctx, `document.getElementById("total").textContent`)
	if total != strconv.Itoa(missedYesterday) {
		t.Fatalf("yesterday's missed calls: %s, want %d", total, missedYesterday)
	}
	if got := eval[string](t, ctx, `document.getElementById("agg-contacts").textContent`); got != total {
		t.Errorf("aggregate contacts %s, list total %s", got, total)
	}
	rowsMissed := eval[[]string](t, ctx, `[...document.querySelectorAll("#records tbody tr td:nth-child(9)")].map(td => td.textContent)`)
	if len(rowsMissed) != missedYesterday || slices.ContainsFunc(rowsMissed, func(s string) bool { return s != "abandoned" }) {
		t.Fatalf("missed rows %v", rowsMissed)
	}

	// A filter typed in the form: one caller's number, by part of it.
	run(t, ctx, "filter by number", chromedp.Navigate(s.URL+"/console/search?from=2026-01-01T00:00:00Z"),
		chromedp.WaitVisible(chromedp.CSS("#search")),
		chromedp.SendKeys(chromedp.CSS(`#search input[name="phone_contains"]`), "13900000004"),
		chromedp.Submit(chromedp.CSS("#search")), waitLoaded("phone_contains=13900000004"), chromedp.WaitVisible(chromedp.CSS(`#records`)))
	if got := eval[string](t, ctx, `document.getElementById("total").textContent`); got != "1" {
		t.Errorf("phone_contains=13900000004: %s records", got)
	}
	if q := eval[string](t, ctx, `location.search`); !strings.Contains(q, "phone_contains=13900000004") || strings.Contains(q, "phone=&") {
		t.Errorf("the search's address %q", q)
	}

	// Pages forward and back.
	ids := func() []string {
		return eval[[]string](t, ctx, `[...document.querySelectorAll("#records tbody tr")].map(tr => tr.dataset.id)`)
	}
	run(t, ctx, "page 1", chromedp.Navigate(s.URL+"/console/search?from=2026-01-01T00:00:00Z&limit=7"), chromedp.WaitVisible(chromedp.CSS("#records")))
	first := ids()
	run(t, ctx, "page 2", chromedp.Click(chromedp.CSS("#next")), chromedp.WaitVisible(chromedp.CSS("#prev")))
	second := ids()
	if len(first) != 7 || len(second) != 7 || slices.ContainsFunc(second, func(id string) bool { return slices.Contains(first, id) }) {
		t.Fatalf("pages %v and %v", first, second)
	}
	run(t, ctx, "back", chromedp.Click(chromedp.CSS("#prev")), chromedp.WaitNotPresent(chromedp.CSS("#prev")))
	if back := ids(); !slices.Equal(back, first) {
		t.Fatalf("back to %v, want %v", back, first)
	}

	// An interaction: its timeline against the record, and its recording.
	rec, err := s.store.FindRecordByID(context.Background(), cdr.MustTenantID("acme"), withAudio)
	if err != nil {
		t.Fatal(err)
	}
	run(t, ctx, "open the interaction", chromedp.Navigate(s.URL+"/console/records/"+withAudio), chromedp.WaitVisible(chromedp.CSS("#timeline")))
	events := eval[[]map[string]string](t, ctx, `[...document.querySelectorAll("#events li")].map(li => ({kind: li.dataset.kind, at: li.dataset.at || ""}))`)
	want := []map[string]string{
		{"kind": "start", "at": strconv.FormatInt(rec.StartAt, 10)},
		{"kind": "queue", "at": strconv.FormatInt(*rec.QueuedAt, 10)},
		{"kind": "ring", "at": strconv.FormatInt(*rec.RingAt, 10)},
		{"kind": "answer", "at": strconv.FormatInt(*rec.AnswerAt, 10)},
		{"kind": "end", "at": strconv.FormatInt(*rec.EndAt, 10)},
	}
	if !slices.EqualFunc(events, want, func(a, b map[string]string) bool { return a["kind"] == b["kind"] && a["at"] == b["at"] }) {
		t.Errorf("events %v, want %v", events, want)
	}
	spans := eval[[]string](t, ctx, `[...document.querySelectorAll("#timeline rect")].map(r => r.dataset.kind)`)
	if !slices.Equal(spans, []string{"queue", "ring", "talk"}) {
		t.Errorf("timeline spans %v", spans)
	}
	// The talk span is drawn to scale: 120 s of the call's 146.
	widths := eval[[]float64](t, ctx, `[...document.querySelectorAll("#timeline rect")].map(r => r.width.baseVal.value)`)
	if len(widths) == 3 && math.Abs(widths[2]/(1000-170)-120.0/146) > 0.01 {
		t.Errorf("talk width %.1f of %d: not to scale", widths[2], 1000-170)
	}
	duration, err := chromedp.Run(ctx, chromedp.PollFunction[float64](`() => { const a = document.querySelector("#files audio"); return a && a.readyState >= 1 ? a.duration : 0 }`,
		chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil || math.Abs(duration-1) > 0.05 {
		t.Fatalf("the recording did not load through its signed link: duration %v, %v", duration, err)
	}

	// The export: the current search as CSV, with the endpoint's name.
	run(t, ctx, "search for the export", chromedp.Navigate(s.URL+"/console/search?from=2026-01-01T00:00:00Z"), chromedp.WaitVisible(chromedp.CSS("#records")))
	exp := eval[map[string]string](t, ctx, `(async () => {
		const a = [...document.querySelectorAll(".exports a")].find(a => a.textContent === "CSV");
		const r = await fetch(a.href);
		return {status: String(r.status), disposition: r.headers.get("Content-Disposition"), body: await r.text()};
	})()`)
	if exp["status"] != "200" || !regexp.MustCompile(`^attachment; filename="cdrhub-acme-\d{8}T\d{6}Z\.csv"$`).MatchString(exp["disposition"]) {
		t.Errorf("export: %s %q", exp["status"], exp["disposition"])
	}
	if lines := strings.Count(strings.TrimSpace(exp["body"]), "\n"); lines != 30 {
		t.Errorf("export: %d records, want 30", lines)
	}

	// Hostile text is text: nothing it holds runs, and it reads as typed.
	run(t, ctx, "hostile record", chromedp.Navigate(s.URL+"/console/records/"+hostile), chromedp.WaitVisible(chromedp.CSS("#note")))
	if pwned := eval[bool](t, ctx, `window.pwned !== undefined`); pwned {
		t.Fatalf("a record's text ran as script")
	}
	if note := eval[string](t, ctx, `document.getElementById("note").textContent`); !strings.HasPrefix(note, "<script>window.pwned=1</script>") {
		t.Errorf("note shown as %q", note)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("main script, main img, main svg [onload], a[href^='javascript']").length`); n != 0 {
		t.Errorf("%d elements made of a record's text", n)
	}

	// At a phone's width and at 1920 px, no page scrolls sideways: only
	// the result table does, within its box.
	for _, width := range []int64{390, 1920} {
		for _, page := range []string{"/console/search?from=2026-01-01T00:00:00Z", "/console/records/" + withAudio} {
			run(t, ctx, fmt.Sprint(width, page), chromedp.EmulateViewport(width, 844), chromedp.Navigate(s.URL+page),
				chromedp.WaitVisible(chromedp.CSS("main")))
			if over := eval[int](t, ctx, `document.documentElement.scrollWidth - document.documentElement.clientWidth`); over > 0 {
				wide := eval[[]string](t, ctx, `[...document.querySelectorAll("body *")].filter(e => !e.closest(".table-wrap") && e.getBoundingClientRect().right > document.documentElement.clientWidth + 1).slice(0, 8).map(e => e.tagName + "." + e.className + " " + Math.round(e.getBoundingClientRect().right))`)
				t.Errorf("%s at %d px scrolls %d px sideways: %v", page, width, over, wide)
			}
		}
	}
	run(t, ctx, "desktop", chromedp.EmulateViewport(1280, 900))

	// Another tenant's record is not found.
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(s.URL+"/console/records/"+others))
	if err != nil || resp.Status != http.StatusNotFound {
		t.Fatalf("another tenant's record: %v %v", resp, err)
	}

	// A form posted without its CSRF field is refused.
	if status := eval[int](t, ctx, `fetch("/console/sign-out", {method: "POST", body: new URLSearchParams({})}).then(r => r.status)`); status != http.StatusForbidden {
		t.Errorf("sign-out without its CSRF field: %d", status)
	}

	// Sign out; the session's cookie, replayed, is refused.
	cookies, err := chromedp.Run(ctx, chromedp.Action[[]*network.Cookie](func(ctx context.Context, tg *chromedp.Target) ([]*network.Cookie, error) {
		res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{s.URL + "/console/"}})
		return res.Cookies, err
	}))
	if err != nil {
		t.Fatal(err)
	}
	var session string
	for _, c := range cookies {
		if c.Name == "cdrhub_session" {
			session = c.Value
		}
	}
	run(t, ctx, "sign out", chromedp.Navigate(s.URL+"/console/search?from=2026-01-01T00:00:00Z"), chromedp.WaitVisible(chromedp.CSS(".sign-out")),
		chromedp.Click(chromedp.CSS(".sign-out button")), chromedp.WaitVisible(chromedp.CSS("#sign-in")))
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/console/search?from=2026-01-01T00:00:00Z", nil)
	req.AddCookie(&http.Cookie{Name: "cdrhub_session", Value: session})
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	replay, err := noFollow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	replay.Body.Close()
	if session == "" || replay.StatusCode != http.StatusSeeOther || replay.Header.Get("Location") != "/console/sign-in" {
		t.Fatalf("the cookie replayed after sign-out: %d %s", replay.StatusCode, replay.Header.Get("Location"))
	}

	// An expired session goes back to the sign-in form.
	run(t, ctx, "sign in again", chromedp.SendKeys(chromedp.CSS("#token"), browserToken), chromedp.Submit(chromedp.CSS("#sign-in")),
		chromedp.WaitVisible(chromedp.CSS("#search")))
	s.clock.Add(8*time.Hour + time.Minute)
	run(t, ctx, "after 8 idle hours", chromedp.Navigate(s.URL+"/console/search"), chromedp.WaitVisible(chromedp.CSS("#sign-in")))
	if p := path(t, ctx); p != "/console/sign-in" {
		t.Fatalf("an expired session is at %s", p)
	}
}

// TestConsoleDashboardInBrowser: the dashboard's tiles and chart equal GET
// /api/v1/stats for the same parameters, a tile's drill-down lists as many
// records as it counts, a table sorts by a column, and the sync page shows
// a failed source's error: a real runner whose source the upstream (a
// second cdrhub serving DescribeTelCdr) refuses.
func TestConsoleDashboardInBrowser(t *testing.T) {
	ctx := browser(t, 1280, 900)
	u := newUpstream(t, 1000, 1000)
	s := newConsoleServer(t)
	runner := s.runner
	s.seed(t)
	c, err := tcclient.New(tcclient.Config{Endpoint: u.srv.URL, SecretID: syncID, SecretKey: "not-the-key", SdkAppID: syncApp, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	acme := cdr.MustTenantID("acme")
	runner.Sources = []ingest.Source{{Enabled: true, Interval: time.Hour, Horizon: 180 * 24 * time.Hour, HorizonWarning: 24 * time.Hour,
		Job: ingest.Job{Tenant: acme, Source: cdr.SourceTencentCCC, Client: c.Engine(), Store: s.store, State: s.sync,
			Decoder: mapping.NewFormats(mapping.Tenant{}).Decoders[cdr.SourceTencentCCC], Settle: time.Minute, Lookback: time.Hour}}}
	if _, err := runner.RunOnce(context.Background(), runner.Sources[0]); err == nil {
		t.Fatal("a run with the wrong key did not fail")
	}

	run(t, ctx, "sign in", chromedp.Navigate(s.URL+"/console/sign-in"), chromedp.WaitVisible(chromedp.CSS("#sign-in")),
		chromedp.SendKeys(chromedp.CSS("#token"), browserToken), chromedp.Submit(chromedp.CSS("#sign-in")), chromedp.WaitVisible(chromedp.CSS("#search")))
	y, m, d := s.clock.Now().In(s.zone).Date()
	from, to := time.Date(y, m, d-1, 0, 0, 0, 0, s.zone), time.Date(y, m, d+1, 0, 0, 0, 0, s.zone)
	q := url.Values{"from": {from.Format(time.RFC3339)}, "to": {to.Format(time.RFC3339)}, "interval": {"1h"}, "sl_threshold": {"30"}}
	run(t, ctx, "dashboard", chromedp.Navigate(s.URL+"/console/dashboard?"+q.Encode()), chromedp.WaitVisible(chromedp.CSS("#tiles")))

	req, _ := http.NewRequest(http.MethodGet, s.URL+"/api/v1/stats?"+q.Encode(), nil)
	req.Header.Set("Authorization", "Bearer "+browserToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var stats analytics.Result
	err = json.NewDecoder(resp.Body).Decode(&stats)
	resp.Body.Close()
	if err != nil || len(stats.Series) != 1 {
		t.Fatalf("stats: %v", err)
	}
	k := stats.Series[0].Total.KPIs
	str := func(f *float64) string {
		if f == nil {
			return ""
		}
		return strconv.FormatFloat(*f, 'f', -1, 64)
	}
	tiles := eval[map[string]string](t, ctx, `Object.fromEntries([...document.querySelectorAll("#tiles .tile")].map(e => [e.dataset.kpi, e.dataset.value]))`)
	want := map[string]string{"offered": fmt.Sprint(k.Offered), "answered": fmt.Sprint(k.Answered), "abandonment": str(k.AbandonmentRate),
		"service_level": str(k.ServiceLevel), "asa": str(k.ASA), "aht": str(k.AHT), "csat": str(k.CSATAvg)}
	for key, w := range want {
		if tiles[key] != w {
			t.Errorf("tile %s: %q, the stats API says %q", key, tiles[key], w)
		}
	}
	if k.Offered == 0 {
		t.Fatal("nothing offered in the window")
	}
	bars := eval[[]string](t, ctx, `[...document.querySelectorAll("#chart-contacts .bar.offered")].map(b => b.dataset.value)`)
	var wantBars []string
	for _, b := range stats.Series[0].Buckets {
		wantBars = append(wantBars, fmt.Sprint(b.Offered))
	}
	if !slices.Equal(bars, wantBars) {
		t.Errorf("the contacts chart's offered bars %v, the stats API's buckets %v", bars, wantBars)
	}

	// The queues' table sorts by a column, both ways.
	run(t, ctx, "sort", chromedp.Click(chromedp.CSS("#queues thead th:nth-child(2) button")))
	col := eval[[]float64](t, ctx, `[...document.querySelectorAll("#queues tbody tr td:nth-of-type(1)")].map(td => parseFloat(td.dataset.sort))`)
	if !slices.IsSorted(col) {
		t.Errorf("sorted ascending: %v", col)
	}
	run(t, ctx, "sort back", chromedp.Click(chromedp.CSS("#queues thead th:nth-child(2) button")))
	col = eval[[]float64](t, ctx, `[...document.querySelectorAll("#queues tbody tr td:nth-of-type(1)")].map(td => parseFloat(td.dataset.sort))`)
	if slices.Reverse(col); !slices.IsSorted(col) {
		t.Errorf("sorted descending: %v", col)
	}

	// A drill-down: the search lists what the tile counts.
	run(t, ctx, "drill down", chromedp.Click(chromedp.CSS(`.tile[data-kpi="offered"] a.drill`)), chromedp.WaitVisible(chromedp.CSS("#total")))
	if got := eval[string](t, ctx, `document.getElementById("total").textContent`); got != tiles["offered"] {
		t.Errorf("the offered drill-down lists %s records, the tile says %s", got, tiles["offered"])
	}

	// A saved search round-trips: saved from the drill-down's search,
	// listed beside the form, it opens the same search.
	searchURL := eval[string](t, ctx, `location.pathname + location.search`)
	run(t, ctx, "save", chromedp.SendKeys(chromedp.CSS(`#save-search input[name="name"]`), "Offered, both days"),
		chromedp.Submit(chromedp.CSS("#save-search")), chromedp.WaitVisible(chromedp.CSS(".saved-link")))
	run(t, ctx, "open the saved search", chromedp.Navigate(s.URL+"/console/search"), chromedp.WaitVisible(chromedp.CSS(".saved-link")),
		chromedp.Click(chromedp.CSS(".saved-link")), waitLoaded("direction=inbound"), chromedp.WaitVisible(chromedp.CSS("#total")))
	if got := eval[string](t, ctx, `location.pathname + location.search`); got != searchURL {
		t.Errorf("the saved search opens %s, it was %s", got, searchURL)
	}
	if got := eval[string](t, ctx, `document.getElementById("total").textContent`); got != tiles["offered"] {
		t.Errorf("the saved search lists %s records, want %s", got, tiles["offered"])
	}

	// The Chinese interface: switched on the page, it stays for the
	// session; the dashboard's figures do not change.
	run(t, ctx, "中文", chromedp.Click(chromedp.CSS(`#lang-switch button[value="zh"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="zh-Hans"]`)))
	run(t, ctx, "dashboard in Chinese", chromedp.Navigate(s.URL+"/console/dashboard?"+q.Encode()), chromedp.WaitVisible(chromedp.CSS("#tiles")))
	if h := eval[string](t, ctx, `document.querySelector("main h1").textContent`); !strings.HasPrefix(h, "看板") {
		t.Errorf("the dashboard's heading in Chinese: %q", h)
	}
	if v := eval[string](t, ctx, `document.querySelector('.tile[data-kpi="offered"]').dataset.value`); v != tiles["offered"] {
		t.Errorf("offered in Chinese %s, in English %s", v, tiles["offered"])
	}
	run(t, ctx, "English", chromedp.Click(chromedp.CSS(`#lang-switch button[value="en"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="en"]`)))

	// The sync page shows the failed source's error.
	run(t, ctx, "sync", chromedp.Navigate(s.URL+"/console/sync"), chromedp.WaitVisible(chromedp.CSS("#sources")))
	if msg := eval[string](t, ctx, `document.querySelector('#sources tr[data-source="tencent_ccc"] .sync-error').textContent`); !strings.Contains(msg, "AuthFailure") {
		t.Errorf("the failed source's error reads %q", msg)
	}
}
