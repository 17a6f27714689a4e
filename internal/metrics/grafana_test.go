package metrics_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// promqlWords are PromQL's keywords and aggregation operators: an
// identifier among them is never a metric name, even when no parenthesis
// follows it (sum by (le) (…), a or b, x offset 5m).
var promqlWords = map[string]bool{
	"sum": true, "min": true, "max": true, "avg": true, "group": true, "stddev": true, "stdvar": true,
	"count": true, "count_values": true, "bottomk": true, "topk": true, "quantile": true,
	"limitk": true, "limit_ratio": true,
	"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true,
	"offset": true, "bool": true, "and": true, "or": true, "unless": true, "atan2": true,
	"inf": true, "nan": true,
}

// promqlGrouping are the keywords whose parenthesised list holds label
// names.
var promqlGrouping = map[string]bool{
	"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true,
}

// promqlMetrics returns the metric names a PromQL expression selects, in
// order: identifiers followed by a selector ({…}), a range ([…]) or
// nothing, but not function names (followed by "("), keywords, label
// names (inside {…} and after by, without, on, …), strings, numbers,
// durations or Grafana variables ($__rate_interval, ${name}).
func promqlMetrics(expr string) []string {
	var names []string
	i := 0
	// skipTo moves i past the bracket that closes the one at i, skipping
	// strings inside.
	skipTo := func(open, close byte) {
		depth := 0
		for ; i < len(expr); i++ {
			switch c := expr[i]; {
			case c == '"' || c == '\'' || c == '`':
				i = skipString(expr, i) - 1
			case c == open:
				depth++
			case c == close:
				if depth--; depth == 0 {
					i++
					return
				}
			}
		}
	}
	for i < len(expr) {
		c := expr[i]
		switch {
		case c == '"' || c == '\'' || c == '`':
			i = skipString(expr, i)
		case c == '{':
			skipTo('{', '}')
		case c == '[':
			skipTo('[', ']')
		case c == '#':
			for i < len(expr) && expr[i] != '\n' {
				i++
			}
		case c == '$':
			i++
			if i < len(expr) && expr[i] == '{' {
				skipTo('{', '}')
			}
			for i < len(expr) && isIdent(expr[i], true) {
				i++
			}
		case c >= '0' && c <= '9' || c == '.':
			for i < len(expr) && (isIdent(expr[i], true) || expr[i] == '.') {
				i++
			}
		case isIdent(c, false):
			start := i
			for i < len(expr) && isIdent(expr[i], true) {
				i++
			}
			word := expr[start:i]
			next := i
			for next < len(expr) && strings.ContainsRune(" \t\r\n", rune(expr[next])) {
				next++
			}
			switch {
			case promqlGrouping[strings.ToLower(word)] && next < len(expr) && expr[next] == '(':
				i = next
				skipTo('(', ')')
			case next < len(expr) && expr[next] == '(':
				// a function or an aggregation
			case promqlWords[strings.ToLower(word)]:
			default:
				names = append(names, word)
			}
		default:
			i++
		}
	}
	return names
}

// skipString returns the index after the string literal at i.
func skipString(s string, i int) int {
	q := s[i]
	for i++; i < len(s); i++ {
		switch {
		case s[i] == '\\' && q != '`':
			i++
		case s[i] == q:
			return i + 1
		}
	}
	return i
}

func isIdent(c byte, digits bool) bool {
	return c == '_' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || digits && c >= '0' && c <= '9'
}

// unknownMetrics returns the metric names expr selects that are not in
// known (name → type): a histogram's or summary's _bucket, _sum and
// _count series count as its own.
func unknownMetrics(expr string, known map[string]string) []string {
	var unknown []string
	for _, name := range promqlMetrics(expr) {
		if _, ok := known[name]; ok {
			continue
		}
		if base, ok := seriesOf(name); ok && (known[base] == "histogram" || known[base] == "summary") {
			continue
		}
		if runtime.GOOS != "linux" && strings.HasPrefix(name, "process_") {
			continue // the process collector serves fewer series off Linux
		}
		unknown = append(unknown, name)
	}
	return unknown
}

// seriesOf returns the family of a _bucket, _sum or _count series.
func seriesOf(name string) (string, bool) {
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok {
			return base, true
		}
	}
	return "", false
}

// knownMetrics returns every family the service registers, with its type:
// those serve's registry serves (the standard go_ and process_ ones
// included) and those the source registers.
func knownMetrics(t *testing.T) map[string]string {
	t.Helper()
	known := map[string]string{}
	for name, mf := range scrape(t) {
		known[name] = strings.ToLower(mf.GetType().String())
	}
	for name, f := range sourceFamilies(t) {
		known[name] = f.Type
	}
	return known
}

func TestPromQLMetrics(t *testing.T) {
	tests := []struct {
		expr string
		want []string
	}{
		{`up`, []string{"up"}},
		{`max by (vendor) (cdrhub_sync_checkpoint_age_seconds)`, []string{"cdrhub_sync_checkpoint_age_seconds"}},
		{`histogram_quantile(0.95, sum by (api, le) (rate(cdrhub_http_request_duration_seconds_bucket{api!~"health|metrics"}[$__rate_interval])))`,
			[]string{"cdrhub_http_request_duration_seconds_bucket"}},
		{`sum(rate(x_bucket[5m])) by (le, op)`, []string{"x_bucket"}},
		{`sum without (instance) (a_total) / ignoring(code) group_left(version) b_info offset 1h`, []string{"a_total", "b_info"}},
		{`time() - process_start_time_seconds`, []string{"process_start_time_seconds"}},
		{`a{l="}] b{", m='c'} and on (x) d[${range}] or e @ start()`, []string{"a", "d", "e"}},
		{`label_replace(up{job="$job"}, "dst", "$1", "src", "(.*)") > 0.5e3`, []string{"up"}},
		{`rate(go_gc_duration_seconds_sum[1m]) / rate(go_gc_duration_seconds_count[1m]) > bool Inf`,
			[]string{"go_gc_duration_seconds_sum", "go_gc_duration_seconds_count"}},
		{`sum by(le) (rate(ns:requests:rate5m[5m])) # a comment naming not_a_metric`, []string{"ns:requests:rate5m"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, promqlMetrics(tt.expr)); diff != "" {
			t.Errorf("promqlMetrics(%q) (-want +got):\n%s", tt.expr, diff)
		}
	}
}

func TestUnknownMetrics(t *testing.T) {
	known := knownMetrics(t)
	tests := []struct {
		name, expr string
		want       []string
	}{
		{"histogram bucket", `histogram_quantile(0.99, sum by (api, le) (rate(cdrhub_http_request_duration_seconds_bucket[5m])))`, nil},
		{"misspelt", `histogram_quantile(0.99, sum by (api, le) (rate(cdrhub_http_request_duraton_seconds_bucket[5m])))`,
			[]string{"cdrhub_http_request_duraton_seconds_bucket"}},
		{"bucket of a counter", `rate(cdrhub_http_requests_total_bucket[5m])`, []string{"cdrhub_http_requests_total_bucket"}},
		{"never registered", `max(cdrhub_sync_lag_seconds)`, []string{"cdrhub_sync_lag_seconds"}},
		{"registered by cmd/cdrhub", `max by (table) (cdrhub_rollup_rebuild_differences)`, nil},
		{"standard summary", `rate(go_gc_duration_seconds_sum[5m]) / rate(go_gc_duration_seconds_count[5m])`, nil},
		{"standard process", `time() - process_start_time_seconds`, nil},
		{"one of two", `sum(cdrhub_recordings_backlog_files) + sum(cdrhub_recording_backlog_files)`, []string{"cdrhub_recording_backlog_files"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, unknownMetrics(tt.expr, known)); diff != "" {
				t.Errorf("unknownMetrics(%q) (-want +got):\n%s", tt.expr, diff)
			}
		})
	}
}

// grafanaPanel is what the test reads of a dashboard panel.
type grafanaPanel struct {
	Title   string
	Type    string
	Targets []struct {
		Expr  string
		RefID string `json:"refId"`
	}
	Panels []grafanaPanel // a collapsed row's
}

// Every query of docs/grafana/cdrhub.json names metrics the service
// registers, and the dashboard shows what it is for.
func TestGrafanaDashboard(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(moduleRoot, "docs", "grafana", "cdrhub.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Title  string
		Panels []grafanaPanel
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatal(err)
	}
	known := knownMetrics(t)
	queried := map[string]bool{}
	var walk func(ps []grafanaPanel)
	walk = func(ps []grafanaPanel) {
		for _, p := range ps {
			walk(p.Panels)
			if p.Type == "row" {
				continue
			}
			if len(p.Targets) == 0 {
				t.Errorf("panel %q has no query", p.Title)
			}
			for _, tg := range p.Targets {
				names := promqlMetrics(tg.Expr)
				if len(names) == 0 {
					t.Errorf("panel %q, query %s: no metric in %q", p.Title, tg.RefID, tg.Expr)
				}
				for _, name := range unknownMetrics(tg.Expr, known) {
					t.Errorf("panel %q, query %s: %s is not a metric cdrhub serves", p.Title, tg.RefID, name)
				}
				for _, name := range names {
					if base, ok := seriesOf(name); ok && known[base] == "histogram" {
						name = base
					}
					queried[name] = true
				}
			}
		}
	}
	walk(dash.Panels)
	for _, want := range []string{
		"cdrhub_sync_checkpoint_age_seconds", "cdrhub_sync_horizon_seconds", "cdrhub_sync_records_total",
		"cdrhub_records_upserted_total", "cdrhub_http_request_duration_seconds", "cdrhub_database_errors_total",
		"cdrhub_recordings_backlog_files", "cdrhub_rollup_rebuild_differences",
	} {
		if !queried[want] {
			t.Errorf("the dashboard does not query %s", want)
		}
	}
}
