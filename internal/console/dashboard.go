package console

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cdrhub/cdrhub/internal/analytics"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/query"
)

// The dashboard (docs/console.md §10): the KPIs of GET /api/v1/stats for a
// window of the tenant's zone beside the window of the same length before
// it, their course per interval drawn as SVG on the server, and the
// queues' and agents' tables. Its query string is the stats API's (from,
// to, interval, sl_threshold, channel, direction, source), so its numbers
// are that API's for the same parameters; every count links to the search
// that lists the records it counts.

// dashParams are the stats parameters the dashboard takes; the zone is
// always the tenant's.
var dashParams = []string{"from", "to", "interval", "sl_threshold", "channel", "direction", "source"}

// dashData is the dashboard's data.
type dashData struct {
	Q          url.Values
	Zone       string
	From, To   string // the window as the date-time inputs show it
	Ranges     []rangeChoice
	Thresholds []choice
	Intervals  []choice
	Error      string
	Tiles      []tile
	Charts     []chart
	Queues     []groupRow
	Agents     []groupRow
	Previous   string // the previous window, as shown
}

// choice is one option of a select.
type choice struct {
	Value, Label string
	Current      bool
}

// tile is one KPI of the window beside the previous window's.
type tile struct {
	Key         string
	Label       text
	Value, Prev string
	Change      string // signed, "" when either side has none
	Better      bool   // the change is for the better
	Worse       bool
	Drill       string // the search of the records counted, "" for none
	Raw         string // the exact value, for the test and the title
	PrevRaw     string
	Note        text
}

// groupRow is a queue's or agent's row.
type groupRow struct {
	Name  string
	Cells []cell
}

// cell is one number of a row: shown, sort key, and a drill-down.
type cell struct {
	Text, Sort, Drill string
}

func (c *Console) dashboard(w http.ResponseWriter, r *http.Request, s *session) error {
	loc := s.tenant.Zone
	now := c.o.Now()
	q, same := canonicalDash(r.URL.Query(), loc, now)
	if !same {
		http.Redirect(w, r, "/console/dashboard?"+q.Encode(), http.StatusSeeOther)
		return nil
	}
	d := &dashData{Q: q, Zone: loc.String()}
	d.From, d.To = inputTime(q.Get("from"), loc), inputTime(q.Get("to"), loc)
	d.Ranges = ranges("/console/dashboard", q, now, loc, []int{7, 30, 90}, func(p url.Values, from, to string) {
		p.Set("interval", autoInterval(from, to))
	})
	for _, th := range cdr.WaitThresholds {
		v := strconv.FormatInt(th, 10)
		d.Thresholds = append(d.Thresholds, choice{Value: v, Label: v + " s", Current: q.Get("sl_threshold") == v})
	}
	for _, iv := range analytics.Intervals {
		d.Intervals = append(d.Intervals, choice{Value: iv, Label: iv, Current: q.Get("interval") == iv})
	}
	cur, err := analytics.ParseQuery(q, loc)
	if err == nil {
		err = query.OnlyParams(q, dashParams...)
	}
	if err != nil {
		if cdr.ErrorCode(err) != cdr.EINVALID {
			return err
		}
		d.Error = cdr.ErrorMessage(err)
		c.render(w, r, http.StatusBadRequest, "dashboard", s, msg("Dashboard"), d)
		return nil
	}
	if err := c.fillDashboard(r.Context(), s, cur, q, d); err != nil {
		if cdr.ErrorCode(err) != cdr.EINVALID {
			return err
		}
		d.Error = cdr.ErrorMessage(err)
		c.render(w, r, http.StatusBadRequest, "dashboard", s, msg("Dashboard"), d)
		return nil
	}
	c.render(w, r, http.StatusOK, "dashboard", s, msg("Dashboard"), d)
	return nil
}

// fillDashboard reads the window, the previous one, the queues and the
// agents from the rollups.
func (c *Console) fillDashboard(ctx context.Context, s *session, cur *analytics.Query, q url.Values, d *dashData) error {
	prev := *cur
	prev.Interval = ""
	prev.From, prev.To = cur.From-(cur.To-cur.From), cur.From
	queues, agents := *cur, *cur
	queues.Interval, queues.GroupBy = "", []string{analytics.DimQueue}
	agents.Interval, agents.GroupBy = "", []string{analytics.DimAgent}
	// The four reads are independent: they run at once, on connections
	// of their own.
	qs := []*analytics.Query{cur, &prev, &queues, &agents}
	if prev.From < cdr.MinTime {
		qs[1] = nil // no window before 2000
	}
	res := make([]*analytics.Result, len(qs))
	errs := make([]error, len(qs))
	var wg sync.WaitGroup
	for i, aq := range qs {
		if aq == nil {
			continue
		}
		wg.Go(func() {
			res[i], errs[i] = analytics.FromRollups(ctx, aq, func(ctx context.Context, sel *cdr.KPISelect) ([]cdr.KPISum, error) {
				return c.o.KPIs.KPISums(ctx, s.Tenant, sel)
			})
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	var before *analytics.KPIs
	if res[1] != nil {
		before = &total(res[1]).Total.KPIs
	}
	loc := s.tenant.Zone
	d.Previous = time.UnixMilli(prev.From).In(loc).Format("2006-01-02 15:04") + " – " + time.UnixMilli(prev.To).In(loc).Format("2006-01-02 15:04")
	now := total(res[0]).Total.KPIs
	d.Tiles = tiles(&now, before, c.drills(q))
	d.Charts = charts(total(res[0]).Buckets)
	d.Queues = groupRows(res[2], analytics.DimQueue, c.drills(q))
	d.Agents = groupRows(res[3], analytics.DimAgent, c.drills(q))
	return nil
}

// total is a result's one series (the dashboard groups nothing there).
func total(res *analytics.Result) *analytics.Series {
	if len(res.Series) == 0 {
		return &analytics.Series{}
	}
	return &res.Series[0]
}

// drills returns the search of the records a count counts: the
// dashboard's window and filters plus the count's own.
func (c *Console) drills(q url.Values) func(extra ...string) string {
	return func(extra ...string) string {
		p := url.Values{}
		for _, k := range []string{"from", "to", "channel", "direction", "source"} {
			if v := q.Get(k); v != "" {
				p.Set(k, v)
			}
		}
		for i := 0; i+1 < len(extra); i += 2 {
			p.Set(extra[i], extra[i+1])
		}
		return "/console/search?" + p.Encode()
	}
}

// The searches of each count (docs/analytics.md): offered are the
// inbound contacts, answered those answered or transferred, abandoned
// those abandoned.
var (
	drillOffered   = []string{"direction", "inbound"}
	drillAnswered  = []string{"direction", "inbound", "disposition", "answered,transferred"}
	drillAbandoned = []string{"direction", "inbound", "disposition", "abandoned"}
)

func tiles(now, before *analytics.KPIs, drill func(...string) string) []tile {
	count := func(v int64) string { return groupDigits(v) }
	countRaw := func(v int64) string { return strconv.FormatInt(v, 10) }
	type measure struct {
		key     string
		label   text
		value   func(*analytics.KPIs) *float64
		show    func(*float64) string
		higher  bool // higher is better
		drill   []string
		isCount bool
	}
	n := func(f func(*analytics.KPIs) int64) func(*analytics.KPIs) *float64 {
		return func(k *analytics.KPIs) *float64 { v := float64(f(k)); return &v }
	}
	ms := []measure{
		{"offered", msg("Offered"), n(func(k *analytics.KPIs) int64 { return k.Offered }), nil, true, drillOffered, true},
		{"answered", msg("Answered"), n(func(k *analytics.KPIs) int64 { return k.Answered }), nil, true, drillAnswered, true},
		{"abandonment", msg("Abandonment rate"), func(k *analytics.KPIs) *float64 { return k.AbandonmentRate }, pctText, false, drillAbandoned, false},
		{"service_level", msg("Service level"), func(k *analytics.KPIs) *float64 { return k.ServiceLevel }, pctText, true, nil, false},
		{"asa", msg("Average speed of answer"), func(k *analytics.KPIs) *float64 { return k.ASA }, secsText, false, nil, false},
		{"aht", msg("Average handle time"), func(k *analytics.KPIs) *float64 { return k.AHT }, secsText, false, nil, false},
		{"csat", msg("CSAT"), func(k *analytics.KPIs) *float64 { return k.CSATAvg }, avgText, true, []string{"csat_min", "1"}, false},
	}
	out := make([]tile, 0, len(ms))
	for _, m := range ms {
		v := m.value(now)
		t := tile{Key: m.key, Label: m.label}
		if m.isCount {
			t.Value, t.Raw = count(int64(*v)), countRaw(int64(*v))
		} else {
			t.Value, t.Raw = m.show(v), rawFloat(v)
		}
		if m.drill != nil {
			t.Drill = drill(m.drill...)
		}
		if m.key == "abandonment" {
			t.Note = msg("%s abandoned", count(now.Abandoned))
		}
		if m.key == "csat" && now.CSATCount > 0 {
			t.Note = msg("%s rated", count(now.CSATCount))
		}
		if before == nil {
			out = append(out, t)
			continue
		}
		p := m.value(before)
		if m.isCount {
			t.Prev = count(int64(*p))
		} else {
			t.Prev = m.show(p)
		}
		t.PrevRaw = rawFloat(p)
		if v != nil && p != nil {
			diff := *v - *p
			switch {
			case m.isCount && *p != 0:
				t.Change = fmt.Sprintf("%+.1f %%", diff / *p * 100)
			case m.isCount:
				t.Change = ""
			case m.key == "abandonment" || m.key == "service_level":
				t.Change = fmt.Sprintf("%+.1f pt", diff*100)
			case m.key == "csat":
				t.Change = fmt.Sprintf("%+.2f", diff)
			default:
				t.Change = fmt.Sprintf("%+.0f s", diff)
			}
			if math.Abs(diff) > 1e-9 {
				t.Better = (diff > 0) == m.higher
				t.Worse = !t.Better
			}
		}
		out = append(out, t)
	}
	return out
}

func rawFloat(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

func pctText(f *float64) string {
	if f == nil {
		return "–"
	}
	return fmt.Sprintf("%.1f %%", *f*100)
}

func secsText(f *float64) string {
	if f == nil {
		return "–"
	}
	return seconds(int64(*f + 0.5))
}

func avgText(f *float64) string {
	if f == nil {
		return "–"
	}
	return fmt.Sprintf("%.2f", *f)
}

// groupDigits writes n with thousands separated by commas.
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// groupRows are a grouped result's rows, busiest first.
func groupRows(res *analytics.Result, dim string, drill func(...string) string) []groupRow {
	series := slices.Clone(res.Series)
	slices.SortStableFunc(series, func(a, b analytics.Series) int {
		return int(b.Total.Contacts - a.Total.Contacts)
	})
	key := "queue"
	if dim == analytics.DimAgent {
		key = "agent"
	}
	var rows []groupRow
	for _, s := range series {
		name := s.Group[dim]
		k := s.Total.KPIs
		with := func(extra ...string) string {
			if name == "" {
				return ""
			}
			return drill(append([]string{key, name}, extra...)...)
		}
		num := func(v int64, extra []string) cell {
			return cell{Text: groupDigits(v), Sort: strconv.FormatInt(v, 10), Drill: with(extra...)}
		}
		f := func(v *float64, show func(*float64) string) cell {
			c := cell{Text: show(v), Sort: "-1"}
			if v != nil {
				c.Sort = rawFloat(v)
			}
			return c
		}
		row := groupRow{Name: name}
		if name == "" {
			row.Name = "–"
		}
		if dim == analytics.DimQueue {
			row.Cells = []cell{num(k.Offered, drillOffered), num(k.Answered, drillAnswered), num(k.Abandoned, drillAbandoned),
				f(k.AbandonmentRate, pctText), f(k.ServiceLevel, pctText), f(k.ASA, secsText), f(k.AHT, secsText), f(k.CSATAvg, avgText)}
		} else {
			row.Cells = []cell{num(k.Contacts, nil), num(k.Answered, drillAnswered), f(k.AHT, secsText), f(k.AvgTalk, secsText),
				f(k.AvgHold, secsText), f(k.CSATAvg, avgText)}
		}
		rows = append(rows, row)
	}
	return rows
}

// canonicalDash is canonical for the dashboard: empty fields dropped, wall
// times read in loc, the zone dropped (it is the tenant's), and defaults
// for the window (the last 7 days), the interval (by the window's length)
// and the service-level threshold (20 s).
func canonicalDash(q url.Values, loc *time.Location, now time.Time) (url.Values, bool) {
	out, same := canonical(q, loc, now)
	if out.Has("tz") {
		out.Del("tz")
		same = false
	}
	if !out.Has("to") {
		_, to := lastDays(now, loc, 1)
		out.Set("to", to.Format(time.RFC3339))
		same = false
	}
	if !out.Has("interval") {
		out.Set("interval", autoInterval(out.Get("from"), out.Get("to")))
		same = false
	}
	if !out.Has("sl_threshold") {
		out.Set("sl_threshold", "20")
		same = false
	}
	return out, same
}

// autoInterval picks an interval that draws 7 to about 100 points.
func autoInterval(from, to string) string {
	f, err1 := time.Parse(time.RFC3339, from)
	t, err2 := time.Parse(time.RFC3339, to)
	if err1 != nil || err2 != nil {
		return analytics.Interval1d
	}
	switch d := t.Sub(f); {
	case d <= 2*24*time.Hour:
		return analytics.Interval1h
	case d <= 93*24*time.Hour:
		return analytics.Interval1d
	case d <= 2*366*24*time.Hour:
		return analytics.Interval1w
	}
	return analytics.Interval1mo
}
