package native_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/analytics"
	"github.com/cdrhub/cdrhub/internal/api/native"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/httpserver"
	"github.com/cdrhub/cdrhub/internal/httpx/httpxtest"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
	"github.com/cdrhub/cdrhub/internal/storetest"
)

// newStatsEnv is newEnv with GET /api/v1/stats served from the store's
// rollups, acme in Asia/Shanghai and globex in UTC.
func newStatsEnv(t *testing.T) *env {
	t.Helper()
	sub := storetest.OpenSubject(t, sqlstore.Options{CacheMiB: 4})
	api := newAPI(t, sub.Store, native.DefaultLimits)
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	api.SetZone(cdr.MustTenantID("acme"), shanghai)
	logs := &httpxtest.Buffer{}
	srv := httptest.NewServer(validated(t, httpserver.Routes(httpserver.Ready{DB: sub.Store}, nil, slog.New(slog.NewJSONHandler(logs, nil)),
		httpserver.APIs{Native: api, Stats: sub.Rollups})))
	t.Cleanup(srv.Close)
	return &env{srv: srv, store: sub.Store, api: api, logs: logs}
}

// statsRecords returns n NDJSON records of a day from start, inbound
// voice calls of two queues, a third of them abandoned.
func statsRecords(prefix string, start int64, n int) string {
	var b strings.Builder
	for i := range n {
		at := start + int64(i)*(24*3600_000/int64(n))
		queue := []string{"101", "102"}[i%2]
		extra := fmt.Sprintf(`,"direction":"inbound","queues":[{"id":%q}],"agents":[{"kind":"human","id":"a%d"}]`, queue, i%3)
		if i%3 == 0 {
			extra += fmt.Sprintf(`,"disposition":"abandoned","end_at":%d`, at+int64(5+i)*1000)
		} else {
			extra += fmt.Sprintf(`,"disposition":"answered","answer_at":%d,"end_at":%d`, at+int64(3*i)*1000, at+int64(3*i+90)*1000)
		}
		if i%4 == 0 {
			extra += fmt.Sprintf(`,"satisfaction":{"score":%d}`, 1+i%5)
		}
		b.WriteString(rec(fmt.Sprint(prefix, i), at, extra) + "\n")
	}
	return b.String()
}

func TestStats(t *testing.T) {
	e := newStatsEnv(t)
	day := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC).UnixMilli()
	if code, _ := post(t, e, acmeToken, "application/x-ndjson", statsRecords("a", day, 60)); code != 200 {
		t.Fatalf("post acme: %d", code)
	}
	if code, _ := post(t, e, globexToken, "application/x-ndjson", statsRecords("g", day, 7)); code != 200 {
		t.Fatalf("post globex: %d", code)
	}
	from, to := day-24*3600_000, day+2*24*3600_000
	params := url.Values{"from": {fmt.Sprint(from)}, "to": {fmt.Sprint(to)}, "interval": {"1d"}, "group_by": {"queue"}, "short_abandon": {"10"}}

	// acme's answer equals the formulas applied to its stored records, in
	// its zone.
	var got analytics.Result
	if code := e.do(t, "GET", "/api/v1/stats?"+params.Encode(), acmeToken, "", "", &got); code != 200 {
		t.Fatalf("stats: %d", code)
	}
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	q, err := analytics.ParseQuery(params, shanghai)
	if err != nil {
		t.Fatal(err)
	}
	recs, _, err := e.store.FindRecords(t.Context(), cdr.MustTenantID("acme"), cdr.Filter{Limit: 1000})
	if err != nil || len(recs) != 60 {
		t.Fatalf("acme's records: %d, %v", len(recs), err)
	}
	want := analytics.Reference(q, recs)
	want.ComputedFrom = "rollups"
	gj, _ := json.Marshal(&got)
	wj, _ := json.Marshal(want)
	if string(gj) != string(wj) {
		t.Errorf("stats:\n got %s\nwant %s", gj, wj)
	}
	if got.TZ != "Asia/Shanghai" || len(got.Series) != 2 || len(got.Series[0].Buckets) != 4 {
		t.Errorf("tz %s, %d series, %d buckets: want Asia/Shanghai, 2 queues, 4 local days", got.TZ, len(got.Series), len(got.Series[0].Buckets))
	}
	offered := got.Series[0].Total.Offered + got.Series[1].Total.Offered
	if offered != 60-2 { // two abandons within 10 s are short: 0 (5 s) and 3 (8 s)
		t.Errorf("offered %d, want 58", offered)
	}

	// A filter the rollups do not keep: computed from the matching records.
	var picked analytics.Result
	if code := e.do(t, "GET", "/api/v1/stats?"+params.Encode()+"&source=native&source_id=a1,a3,a4", acmeToken, "", "", &picked); code != 200 {
		t.Fatalf("stats with source_id: %d", code)
	}
	var three []*cdr.Record
	for _, r := range recs {
		if r.SourceID == "a1" || r.SourceID == "a3" || r.SourceID == "a4" {
			three = append(three, r)
		}
	}
	want = analytics.Reference(q, three)
	gj, _ = json.Marshal(&picked)
	wj, _ = json.Marshal(want)
	if string(gj) != string(wj) || picked.ComputedFrom != "records" || len(three) != 3 {
		t.Errorf("stats with source_id (%d records):\n got %s\nwant %s", len(three), gj, wj)
	}
	// Every record matches: the same answer as from the rollups.
	var all analytics.Result
	if code := e.do(t, "GET", "/api/v1/stats?"+params.Encode()+"&has_recording=false", acmeToken, "", "", &all); code != 200 {
		t.Fatalf("stats with has_recording: %d", code)
	}
	all.ComputedFrom = got.ComputedFrom
	aj, _ := json.Marshal(&all)
	gj, _ = json.Marshal(&got)
	if string(aj) != string(gj) {
		t.Errorf("from records %s\nfrom rollups %s", aj, gj)
	}

	// Each tenant sees its own records only; an admin names one.
	total := url.Values{"from": {fmt.Sprint(from)}, "to": {fmt.Sprint(to)}}
	for _, c := range []struct {
		who, token, query string
		contacts          int64
	}{
		{"globex", globexToken, "", 7},
		{"admin for acme", adminToken, "&tenant=acme", 60},
		{"admin for globex", adminToken, "&tenant=globex", 7},
	} {
		var res analytics.Result
		if code := e.do(t, "GET", "/api/v1/stats?"+total.Encode()+c.query, c.token, "", "", &res); code != 200 || len(res.Series) != 1 ||
			res.Series[0].Total.Contacts != c.contacts {
			t.Errorf("%s: %d %+v, want %d contacts", c.who, code, res.Series, c.contacts)
		}
	}
}

func TestStatsErrors(t *testing.T) {
	e := newStatsEnv(t)
	window := "from=2026-11-01T00:00:00Z&to=2026-11-08T00:00:00Z"
	for _, c := range []struct {
		name, query, token string
		status             int
		code, names        string
	}{
		{"no token", window, "", 401, "unauthorized", ""},
		{"admin without tenant", window, adminToken, 400, "invalid", "tenant"},
		{"other tenant", window + "&tenant=globex", acmeToken, 403, "forbidden", ""},
		{"no from", "to=2026-11-08T00:00:00Z", acmeToken, 400, "invalid", "from"},
		{"from after to", "from=2026-11-08T00:00:00Z&to=2026-11-01T00:00:00Z", acmeToken, 400, "invalid", "to"},
		{"off a 15-minute boundary", "from=2026-11-01T00:07:00Z&to=2026-11-08T00:00:00Z", acmeToken, 400, "invalid", "from"},
		{"unknown zone", window + "&tz=Mars/Olympus", acmeToken, 400, "invalid", "tz"},
		{"unknown interval", window + "&interval=2h", acmeToken, 400, "invalid", "interval"},
		{"too many buckets", "from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z&interval=15m", acmeToken, 400, "invalid", "interval"},
		{"threshold outside the set", window + "&sl_threshold=15", acmeToken, 400, "invalid", "sl_threshold"},
		{"unknown group", window + "&group_by=color", acmeToken, 400, "invalid", "group_by"},
		{"unknown parameter", window + "&color=red", acmeToken, 400, "invalid", "color"},
		{"a list parameter that is no filter", window + "&limit=5", acmeToken, 400, "invalid", "limit"},
		{"a bad record filter", window + "&csat_min=9", acmeToken, 400, "invalid", "csat_min"},
		{"bad business hours", window + "&day_start=09:10&day_end=17:00", acmeToken, 400, "invalid", "day_start"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var body struct {
				Error struct{ Code, Message string }
			}
			status := e.do(t, "GET", "/api/v1/stats?"+c.query, c.token, "", "", &body)
			if status != c.status || body.Error.Code != c.code || !strings.Contains(body.Error.Message, c.names) {
				t.Errorf("%d %+v, want %d %s naming %q", status, body.Error, c.status, c.code, c.names)
			}
		})
	}
}
