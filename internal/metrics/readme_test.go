package metrics_test

import (
	"bufio"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"math"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// moduleRoot is the repository, from this package's directory.
var moduleRoot = filepath.Join("..", "..")

// family is a metric family's type (counter, gauge, histogram, summary,
// untyped) and label names.
type family struct {
	Type   string
	Labels []string
}

// notScraped are the cdrhub families that serveRegistry cannot show, and
// why; the README's rows of these are checked against the source only.
var notScraped = map[string]string{
	"cdrhub_sync_checkpoint_age_seconds":      "its series are set by a running ingest.Runner",
	"cdrhub_sync_horizon_seconds":             "its series are set by a running ingest.Runner",
	"cdrhub_rollup_rebuild_differences":       "cmd/cdrhub registers it",
	"cdrhub_rollup_rebuild_timestamp_seconds": "cmd/cdrhub registers it",
}

// The README's metrics table and the families the service registers
// agree: every row is registered with its type and labels, in the source
// and on the page serve's registry serves, and every cdrhub family
// registered has a row.
func TestREADMEMetricsTable(t *testing.T) {
	readme, buckets := readmeFamilies(t)
	source := sourceFamilies(t)
	scraped := scrape(t)
	if len(readme) < 20 {
		t.Fatalf("%d rows read from the README's metrics table", len(readme))
	}
	for name, want := range readme {
		got, ok := source[name]
		if !ok {
			t.Errorf("README lists %s, which no code registers", name)
		} else if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: README (-) and its registration (+) differ:\n%s", name, diff)
		}
		mf, ok := scraped[name]
		switch _, skip := notScraped[name]; {
		case skip && ok:
			t.Errorf("%s is served now: remove it from notScraped", name)
		case skip:
		case !ok:
			t.Errorf("README lists %s, not on the page", name)
		default:
			if diff := cmp.Diff(family{want.Type, sorted(want.Labels)}, pageFamily(mf)); diff != "" {
				t.Errorf("%s: README (-) and the page (+) differ:\n%s", name, diff)
			}
		}
	}
	for name := range source {
		if _, ok := readme[name]; !ok {
			t.Errorf("%s is registered but not in the README's metrics table", name)
		}
	}
	for name, mf := range scraped {
		if _, ok := readme[name]; strings.HasPrefix(name, "cdrhub_") && !ok {
			t.Errorf("%s is served but not in the README's metrics table", name)
		}
		if mf.GetType() != dto.MetricType_HISTOGRAM || !strings.HasPrefix(name, "cdrhub_") {
			continue
		}
		bounds := histogramBounds(mf)
		if want := fmt.Sprintf("%s–%s", human(bounds[0]), human(bounds[len(bounds)-1])); buckets[name] != want {
			t.Errorf("%s: README says buckets %q, the page has %s", name, buckets[name], want)
		}
	}
}

// The histograms keep their buckets: dashboards and recording rules name
// them.
func TestHistogramBuckets(t *testing.T) {
	scraped := scrape(t)
	for name, want := range map[string][]float64{
		"cdrhub_http_request_duration_seconds":    {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
		"cdrhub_store_operation_duration_seconds": {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
	} {
		mf, ok := scraped[name]
		if !ok {
			t.Errorf("%s not on the page", name)
			continue
		}
		if diff := cmp.Diff(want, histogramBounds(mf)); diff != "" {
			t.Errorf("%s buckets (-want +got):\n%s", name, diff)
		}
	}
}

// scrape returns the families of the page serve's routes serve on GET
// /metrics, by name.
func scrape(t *testing.T) map[string]*dto.MetricFamily {
	t.Helper()
	_, routes := serveRegistry(t)
	rec := httptest.NewRecorder()
	routes.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("GET /metrics: %d %s", rec.Code, rec.Body)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	mfs, err := p.TextToMetricFamilies(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	return mfs
}

// pageFamily returns the type and label names (sorted) of a family on the
// page.
func pageFamily(mf *dto.MetricFamily) family {
	var labels []string
	for _, m := range mf.GetMetric() {
		for _, l := range m.GetLabel() {
			if !slices.Contains(labels, l.GetName()) {
				labels = append(labels, l.GetName())
			}
		}
	}
	return family{strings.ToLower(mf.GetType().String()), sorted(labels)}
}

// histogramBounds returns the finite upper bounds of a histogram family's
// first series.
func histogramBounds(mf *dto.MetricFamily) []float64 {
	var bounds []float64
	for _, b := range mf.GetMetric()[0].GetHistogram().GetBucket() {
		if !math.IsInf(b.GetUpperBound(), 1) {
			bounds = append(bounds, b.GetUpperBound())
		}
	}
	return bounds
}

// human spells a bucket bound as the README does: 0.5 ms, 10 s.
func human(v float64) string {
	if v < 1 {
		return strconv.FormatFloat(math.Round(v*1e9)/1e6, 'f', -1, 64) + " ms"
	}
	return strconv.FormatFloat(v, 'f', -1, 64) + " s"
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// readmeFamilies reads the README's metrics table (the table of the
// Observability section): a row's names are the backquoted cdrhub_ names
// of its first cell, its type the first word of the second, its labels
// the backquoted words of the third outside parentheses (their values are
// inside). It also returns the buckets of each histogram, as the type cell
// spells them ("histogram: 0.5 ms–10 s").
func readmeFamilies(t *testing.T) (map[string]family, map[string]string) {
	t.Helper()
	f, err := os.Open(filepath.Join(moduleRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fams, buckets := map[string]family{}, map[string]string{}
	section := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "## ") {
			section = line == "## Observability"
			continue
		}
		if !section || !strings.HasPrefix(line, "| `cdrhub_") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if len(cells) != 4 {
			t.Errorf("README metrics row with %d cells, want 4: %s", len(cells), line)
			continue
		}
		typ, bucketText, _ := strings.Cut(strings.TrimSpace(cells[1]), ": ")
		labels := backquoted(cells[2], 0)
		for _, name := range backquoted(cells[0], -1) {
			if _, dup := fams[name]; dup {
				t.Errorf("README lists %s twice", name)
			}
			fams[name] = family{typ, labels}
			if typ == "histogram" {
				buckets[name] = bucketText
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return fams, buckets
}

// backquoted returns the backquoted words of s at parenthesis depth depth
// (any depth when depth < 0).
func backquoted(s string, depth int) []string {
	var words []string
	d := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			d++
		case ')':
			d--
		case '`':
			j := strings.IndexByte(s[i+1:], '`')
			if j < 0 {
				return words
			}
			if depth < 0 || d == depth {
				words = append(words, s[i+1:i+1+j])
			}
			i += j + 1
		}
	}
	return words
}

// sourceFamilies returns the cdrhub families the module's code registers:
// every call of a method Counter, Gauge, Histogram or GaugeFunc whose first
// argument is a string literal cdrhub_…, outside tests, with the label
// names it gives (which must be literals).
func sourceFamilies(t *testing.T) map[string]family {
	t.Helper()
	fams := map[string]family{}
	where := map[string]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(moduleRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != moduleRoot && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			name, fam, ok := registration(call)
			if !ok {
				return true
			}
			pos := fset.Position(call.Pos()).String()
			if fam.Labels == nil && call.Ellipsis.IsValid() || slices.Contains(fam.Labels, "") {
				t.Errorf("%s: the labels of %s are not string literals", pos, name)
			}
			if prev, dup := fams[name]; dup && !cmp.Equal(prev, fam) {
				t.Errorf("%s registers %s as %v, %s as %v", pos, name, fam, where[name], prev)
			}
			fams[name], where[name] = fam, pos
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(fams) < 20 {
		t.Fatalf("%d cdrhub families found in the source", len(fams))
	}
	return fams
}

// registration reads a call reg.Counter("cdrhub_…", help, labels…) (or
// Gauge, Histogram with its buckets before the labels, GaugeFunc): the
// name, and the family with "" for a label that is not a string literal.
func registration(call *ast.CallExpr) (string, family, bool) {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || len(call.Args) < 2 {
		return "", family{}, false
	}
	first := map[string]int{"Counter": 2, "Gauge": 2, "Histogram": 3, "GaugeFunc": 3}[sel.Sel.Name]
	lit, ok := call.Args[0].(*ast.BasicLit)
	if first == 0 || !ok || lit.Kind != token.STRING {
		return "", family{}, false
	}
	name, err := strconv.Unquote(lit.Value)
	if err != nil || !strings.HasPrefix(name, "cdrhub_") {
		return "", family{}, false
	}
	fam := family{Type: strings.ToLower(strings.TrimSuffix(sel.Sel.Name, "Func"))}
	for _, a := range call.Args[min(first, len(call.Args)):] {
		l := ""
		if lit, ok := a.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			l, _ = strconv.Unquote(lit.Value)
		}
		fam.Labels = append(fam.Labels, l)
	}
	return name, fam, true
}
