package httpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"text/tabwriter"

	"github.com/cdrhub/cdrhub/internal/api/aliyunccc"
	"github.com/cdrhub/cdrhub/internal/api/imrest"
	"github.com/cdrhub/cdrhub/internal/api/laaffic"
	"github.com/cdrhub/cdrhub/internal/api/native"
	"github.com/cdrhub/cdrhub/internal/api/tencentccc"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/console"
	"github.com/cdrhub/cdrhub/internal/ingest"
	"github.com/cdrhub/cdrhub/internal/metrics"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
	"github.com/cdrhub/cdrhub/internal/storetest"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/routes.golden from the route table")

const goldenRoutes = "testdata/routes.golden"

// noStats serves no sums: the route table's requests are refused before
// they read any.
type noStats struct{}

func (noStats) KPISums(context.Context, cdr.TenantID, *cdr.KPISelect) ([]cdr.KPISum, error) {
	return nil, cdr.Errorf(cdr.EINTERNAL, "no store")
}

// allAPIs returns every API with nothing configured: each routes and
// labels a request, and refuses it before it touches a store.
func allAPIs(t *testing.T) APIs {
	t.Helper()
	n, err := native.New(nil, nil, nil, native.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	tc, err := tencentccc.New(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ali, err := aliyunccc.New(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	im, err := imrest.New(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	l, err := laaffic.New(nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	db := storetest.SQLite.OpenSubject(t, sqlstore.Options{})
	con, err := console.New(console.Options{Store: db.Store, Sessions: db.Sessions, KPIs: noStats{}})
	if err != nil {
		t.Fatal(err)
	}
	return APIs{Native: n, TencentCCC: tc, AliyunCCC: ali, IMREST: im, Laaffic: l, Sync: &ingest.Runner{}, Stats: noStats{}, Console: con}
}

// formatTable writes the table as testdata/routes.golden holds it.
func formatTable(rs []route) string {
	var b bytes.Buffer
	b.WriteString(`# Every route of the listener, in the order of its table
# (internal/httpserver/routes.go), with the metric labels of its requests.
# A request to / goes to the first claim that takes it (root.go), and the
# claim's API sets the action per request, one of those listed. A request
# no route takes is api="none", action="none".
# Regenerate: go test ./internal/httpserver/ -run TestRouteTable -update

`)
	tw := tabwriter.NewWriter(&b, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "METHOD\tPATTERN\tAPI\tACTION\t")
	claims := 0
	for _, rt := range rs {
		method, path, ok := strings.Cut(rt.pattern, " ")
		if !ok {
			method, path = "*", rt.pattern
		}
		note := ""
		if rt.claim != nil {
			claims++
			note = fmt.Sprintf("claim %d", claims)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", method, path, rt.api, rt.action, note)
	}
	tw.Flush()
	return regexp.MustCompile(`(?m) +$`).ReplaceAllString(b.String(), "")
}

// TestRouteTable pins the table Routes mounts with every API: a route
// added, removed, moved or relabeled fails here until the golden file is
// regenerated with -update.
func TestRouteTable(t *testing.T) {
	got := formatTable(table(Ready{DB: &fakeDB{}}, metrics.NewRegistry(), allAPIs(t)))
	if *update {
		if err := os.MkdirAll(filepath.Dir(goldenRoutes), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(goldenRoutes, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(goldenRoutes)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(strings.Split(string(want), "\n"), strings.Split(got, "\n")); diff != "" {
		t.Errorf("route table differs from %s (-want +got), rerun with -update if intended:\n%s", goldenRoutes, diff)
	}
}

// claimHeaders name, for each API claiming "/", the header that claims a
// request for it and names its action.
var claimHeaders = map[string]string{
	"tencent_ccc": "X-TC-Action",
	"aliyun_ccc":  "x-acs-action",
}

// probe is a request that a route of the table takes, and the labels it
// must get.
type probe struct {
	req         *http.Request
	api, action string
}

// probes returns a request for each route of rs (for a claim, one per
// action it lists, the unknown one with an action no API serves).
func probes(t *testing.T, rs []route) []probe {
	t.Helper()
	var ps []probe
	for _, rt := range rs {
		method, path, ok := strings.Cut(rt.pattern, " ")
		if !ok {
			method, path = http.MethodPost, rt.pattern
		}
		exact := strings.HasSuffix(path, "{$}")
		path = regexp.MustCompile(`\{\$\}$`).ReplaceAllString(path, "")
		path = regexp.MustCompile(`\{[a-z]+(\.\.\.)?\}`).ReplaceAllString(path, "x")
		if strings.HasSuffix(path, "/") && !exact {
			path += "x"
		}
		if rt.claim == nil {
			ps = append(ps, probe{httptest.NewRequest(method, path, nil), rt.api, rt.action})
			continue
		}
		header := claimHeaders[rt.api]
		if header == "" {
			t.Fatalf("no claim header for %s: add it to claimHeaders", rt.api)
		}
		for _, action := range strings.Split(rt.action, "|") {
			req := httptest.NewRequest(method, path, strings.NewReader("{}"))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set(header, action)
			if action == "unknown" {
				req.Header.Set(header, "NoSuchAction")
			}
			ps = append(ps, probe{req, rt.api, action})
		}
	}
	return ps
}

// accessLabels returns the api and action of the last access line in logs.
func accessLabels(t *testing.T, logs []byte) (api, action string) {
	t.Helper()
	for _, line := range bytes.Split(logs, []byte("\n")) {
		var l struct{ Msg, API, Action string }
		if json.Unmarshal(line, &l) == nil && l.Msg == "request" {
			api, action = l.API, l.Action
		}
	}
	return api, action
}

// TestRouteLabels serves a request to every route of the table through
// Routes with every API, and checks that the route takes it with the
// labels the table gives, those a claim's API sets included; without the
// APIs, the same requests are no route's but the health checks' and
// /metrics'.
func TestRouteLabels(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	apis := allAPIs(t)
	rs := table(Ready{DB: &fakeDB{}}, metrics.NewRegistry(), apis)
	for _, apis := range []APIs{apis, {}} {
		h := Routes(Ready{DB: &fakeDB{}}, nil, log, apis)
		for _, p := range probes(t, rs) {
			logs.Reset()
			h.ServeHTTP(httptest.NewRecorder(), p.req)
			api, action := accessLabels(t, logs.Bytes())
			want := [2]string{p.api, p.action}
			if apis.Native == nil && p.api != "health" && p.api != "metrics" {
				want = [2]string{"none", "none"}
			}
			if got := [2]string{api, action}; got != want {
				t.Errorf("%s %s %v (mounted: %v): labels %v, want %v", p.req.Method, p.req.URL.Path, p.req.Header, apis.Native != nil, got, want)
			}
		}
	}
}

// TestOpenAPIDescribesEveryRoute: every route of the table under /api/v1
// is in the OpenAPI description with its method, and the description has
// no path the table lacks.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(native.OpenAPIDocument(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	described := map[string]bool{}
	for p, ops := range doc.Paths {
		for m := range ops {
			described[strings.ToUpper(m)+" "+p] = true
		}
	}
	served := map[string]bool{}
	for _, rt := range table(Ready{DB: &fakeDB{}}, metrics.NewRegistry(), allAPIs(t)) {
		method, path, ok := strings.Cut(rt.pattern, " ")
		if !ok || !strings.HasPrefix(path, "/api/v1/") {
			continue // the catch-all and other APIs' routes
		}
		served[rt.pattern] = true
		if !described[method+" "+path] {
			t.Errorf("%s is not in the OpenAPI description", rt.pattern)
		}
	}
	for k := range described {
		if !served[k] {
			t.Errorf("the OpenAPI description has %s, which no route serves", k)
		}
	}
}

// TestRootRedirect: a GET or HEAD of / that no API claims, and that bears
// none of their marks, goes to the console; any other request to / that
// none claims keeps the APIs' not_found.
func TestRootRedirect(t *testing.T) {
	h := Routes(Ready{DB: &fakeDB{}}, nil, slog.New(slog.DiscardHandler), allAPIs(t))
	for _, tc := range []struct {
		method, target string
		header         [2]string
		status         int
	}{
		{"GET", "/", [2]string{}, http.StatusSeeOther},
		{"HEAD", "/", [2]string{}, http.StatusSeeOther},
		{"GET", "/?utm_source=x", [2]string{}, http.StatusSeeOther},
		{"GET", "/?Action=NoSuchAction", [2]string{}, http.StatusNotFound},
		{"GET", "/?Signature=x", [2]string{}, http.StatusNotFound},
		{"GET", "/", [2]string{"Authorization", "ACS3-HMAC-SHA256 Credential=x"}, http.StatusBadRequest}, // Alibaba's, claimed
		{"POST", "/", [2]string{}, http.StatusNotFound},
	} {
		req := httptest.NewRequest(tc.method, tc.target, nil)
		if tc.header[0] != "" {
			req.Header.Set(tc.header[0], tc.header[1])
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != tc.status {
			t.Errorf("%s %s %v: %d, want %d", tc.method, tc.target, tc.header, w.Code, tc.status)
		}
		if tc.status == http.StatusSeeOther && w.Header().Get("Location") != "/console/" {
			t.Errorf("%s %s: Location %q", tc.method, tc.target, w.Header().Get("Location"))
		}
	}
	// Without the console, / is the APIs' alone.
	apis := allAPIs(t)
	apis.Console = nil
	w := httptest.NewRecorder()
	Routes(Ready{DB: &fakeDB{}}, nil, slog.New(slog.DiscardHandler), apis).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.Code != http.StatusNotFound {
		t.Errorf("GET / without the console: %d", w.Code)
	}
}
