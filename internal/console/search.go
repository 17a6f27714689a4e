package console

import (
	"context"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cdrhub/cdrhub/internal/analytics"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/httpx"
	"github.com/cdrhub/cdrhub/internal/query"
)

// The search page (docs/console.md §4): its query string is the native
// list's (GET /api/v1/records), so that a search URL maps one to one onto
// the API and can be bookmarked. A query in another form (a form's empty
// fields, repeated list values, dates of the browser's date inputs, no
// window) is redirected to its canonical form first.

// listKeys are the list parameters joined with commas in the canonical form.
var listKeys = []string{"channel", "source", "direction", "call_type", "media", "disposition", "hangup_by",
	"source_id", "phone", "caller", "callee", "agent", "queue", "tag", "country_code"}

// localLayouts are the forms of from and to that browsers' date and time
// inputs send: wall times of the tenant's zone.
var localLayouts = []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02"}

// missed is the "missed and abandoned" shortcut: inbound contacts that
// reached no human.
var missed = url.Values{"direction": {"inbound"}, "disposition": {"abandoned,no_agent,no_answer,voicemail"}}

// canonical returns the canonical form of a search query, and whether q
// already is it. Wall times are read in loc; without from, the window is
// the last 7 days of loc.
func canonical(q url.Values, loc *time.Location, now time.Time) (url.Values, bool) {
	out := url.Values{}
	same := true
	for k, vs := range q {
		var keep []string
		for _, v := range vs {
			if v = strings.TrimSpace(v); v != "" {
				keep = append(keep, v)
			}
		}
		switch {
		case k == "count" || k == "tenant" || len(keep) == 0:
			same = false
			continue
		case slices.Contains(listKeys, k):
			joined := strings.Join(query.ListParam(url.Values{k: keep}, k), ",")
			if len(vs) != 1 || vs[0] != joined {
				same = false
			}
			if joined != "" {
				out.Set(k, joined)
			}
			continue
		case k == "from" || k == "to":
			if len(keep) == 1 {
				if t, ok := wallTime(keep[0], loc); ok {
					out.Set(k, t.Format(time.RFC3339))
					same = false
					continue
				}
			}
		}
		if len(keep) != len(vs) {
			same = false
		}
		out[k] = keep
	}
	if !out.Has("from") {
		from, to := lastDays(now, loc, 7)
		out.Set("from", from.Format(time.RFC3339))
		if !out.Has("to") {
			out.Set("to", to.Format(time.RFC3339))
		}
		same = false
	}
	return out, same
}

// wallTime reads a browser's date or date-time value in loc.
func wallTime(v string, loc *time.Location) (time.Time, bool) {
	for _, l := range localLayouts {
		if t, err := time.ParseInLocation(l, v, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// midnight is the start of t's day in loc.
func midnight(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// lastDays is the window of the n days of loc ending with today's.
func lastDays(now time.Time, loc *time.Location, n int) (from, to time.Time) {
	today := midnight(now, loc)
	return today.AddDate(0, 0, 1-n), today.AddDate(0, 0, 1)
}

// rangeChoice is one of the quick ranges.
type rangeChoice struct {
	Label   text
	URL     string
	Current bool
}

// searchData is the search page's data.
type searchData struct {
	Q        url.Values // the canonical query
	Zone     string
	From, To string // the window as the date-time inputs show it
	Ranges   []rangeChoice
	Missed   string // the URL of the missed-and-abandoned shortcut
	Missing  bool   // the current search is that shortcut's
	Error    string
	Rows     []row
	Total    int
	Next     string // URL of the next page, "" on the last
	Prev     string // URL of the previous page, "" on the first
	First    string // URL of the first page, "" on it
	Stats    *analytics.KPIs
	StatsErr text
	Exports  []exportLink
	Saved    []savedView
	CanSave  bool
	Query    string // the canonical query without its cursor, to save
	Here     string // this page, where the saved-search forms return
	Options  searchOptions
}

// exportLink is the current search's export in one format.
type exportLink struct{ Label, URL string }

// searchOptions are the choices of the form's selects.
type searchOptions struct {
	Channels     []cdr.Channel
	Sources      []cdr.Source
	Directions   []cdr.Direction
	Dispositions []cdr.Disposition
	HangupBys    []cdr.HangupBy
}

// row is one record of the result list.
type row struct {
	ID, Time, Channel, Direction, Caller, Callee, Agent, Queue, Duration, Disposition string
	Missed                                                                            bool
	CSAT                                                                              string
	Recording                                                                         bool
	URL                                                                               string
}

func (c *Console) search(w http.ResponseWriter, r *http.Request, s *session) error {
	loc := s.tenant.Zone
	now := c.o.Now()
	q, same := canonical(r.URL.Query(), loc, now)
	if !same {
		http.Redirect(w, r, "/console/search?"+q.Encode(), http.StatusSeeOther)
		return nil
	}
	d := &searchData{Q: q, Zone: loc.String(), Options: searchOptions{cdr.Channels, cdr.Sources, cdr.Directions, cdr.Dispositions, cdr.HangupBys}}
	d.From, d.To = inputTime(q.Get("from"), loc), inputTime(q.Get("to"), loc)
	d.Ranges = ranges("/console/search", q, now, loc, []int{7, 30}, nil)
	if c.o.Saved != nil {
		var err error
		if d.Saved, err = c.savedOf(r, s); err != nil {
			return err
		}
		p := cloneValues(q)
		p.Del("cursor")
		d.CanSave, d.Query, d.Here = true, p.Encode(), r.URL.RequestURI()
	}
	d.Missed, d.Missing = shortcut(q, missed)
	list, err := query.ParseList(q)
	if err != nil {
		if cdr.ErrorCode(err) != cdr.EINVALID {
			return err
		}
		d.Error = cdr.ErrorMessage(err)
		c.render(w, r, http.StatusBadRequest, "search", s, msg("Search"), d)
		return nil
	}
	// The aggregates first: when the rollups give them, their contacts
	// are the exact count of the list too (the same records, by the same
	// filters), and the store need not count.
	var fromRollups bool
	d.Stats, fromRollups, d.StatsErr = c.aggregates(r.Context(), s, list.Filter)
	d.Total = -1
	if fromRollups && d.Stats != nil {
		d.Total = int(d.Stats.Contacts)
	}
	if err := c.results(r.Context(), s, list, q, d); err != nil {
		if cdr.ErrorCode(err) != cdr.EINVALID {
			return err
		}
		d.Error = cdr.ErrorMessage(err)
		c.render(w, r, http.StatusBadRequest, "search", s, msg("Search"), d)
		return nil
	}
	d.Exports = exports(q, loc)
	c.render(w, r, http.StatusOK, "search", s, msg("Search"), d)
	return nil
}

// results reads the page, its neighbours' cursors and, unless d.Total
// holds it already, the exact count.
func (c *Console) results(ctx context.Context, s *session, l query.List, q url.Values, d *searchData) error {
	t := s.Tenant
	f := l.Filter
	if d.Total < 0 {
		cf := f
		cf.Count, cf.Limit, cf.After = true, 1, nil
		_, total, err := c.o.Store.FindRecords(ctx, t, cf)
		if err != nil {
			return err
		}
		d.Total = total
	}
	limit := f.Limit
	f.Limit, f.Count = limit+1, false
	recs, _, err := c.o.Store.FindRecords(ctx, t, f)
	if err != nil {
		return err
	}
	page := func(cursor string) string {
		p := cloneValues(q)
		p.Del("cursor")
		if cursor != "" {
			p.Set("cursor", cursor)
		}
		return "/console/search?" + p.Encode()
	}
	if len(recs) > limit {
		recs = recs[:limit]
		last := recs[limit-1]
		d.Next = page(l.NextCursor(cdr.Cursor{StartAt: last.StartAt, ID: last.ID}))
	}
	if f.After != nil && len(recs) > 0 {
		// The previous page: the limit records before this page's first,
		// read in the other order; its cursor is the record before them.
		b := l.Filter
		b.Order = cdr.OrderAsc
		if !f.Desc() {
			b.Order = cdr.OrderDesc
		}
		b.After = &cdr.Cursor{StartAt: recs[0].StartAt, ID: recs[0].ID}
		b.Limit, b.Count = limit+1, false
		before, _, err := c.o.Store.FindRecords(ctx, t, b)
		if err != nil {
			return err
		}
		d.First = page("")
		if len(before) > limit {
			far := before[limit]
			d.Prev = page(l.NextCursor(cdr.Cursor{StartAt: far.StartAt, ID: far.ID}))
		} else {
			d.Prev = d.First
		}
	}
	d.Rows = make([]row, len(recs))
	for i, rec := range recs {
		d.Rows[i] = c.rowOf(rec, s.tenant.Zone)
	}
	return nil
}

func (c *Console) rowOf(rec *cdr.Record, loc *time.Location) row {
	rw := row{ID: rec.ID, URL: "/console/records/" + url.PathEscape(rec.ID),
		Time:    time.UnixMilli(rec.StartAt).In(loc).Format("2006-01-02 15:04:05"),
		Channel: string(rec.Channel), Direction: string(rec.Direction), Disposition: string(rec.Disposition),
		Caller: partyText(rec.Caller), Callee: partyText(rec.Callee), Recording: rec.HasRecording(),
		Missed: rec.Direction == cdr.DirectionInbound && !rec.Disposition.Answered()}
	if len(rec.Agents) > 0 {
		rw.Agent = agentName(rec.Agents[0])
		if len(rec.Agents) > 1 {
			rw.Agent += " +" + strconv.Itoa(len(rec.Agents)-1)
		}
	}
	if len(rec.Queues) > 0 {
		rw.Queue = firstOf(rec.Queues[0].Name, rec.Queues[0].ID)
	}
	if d := duration(rec); d >= 0 {
		rw.Duration = seconds(d)
	}
	if sat := rec.Satisfaction; sat != nil && sat.Score != nil {
		rw.CSAT = strconv.Itoa(*sat.Score)
	}
	return rw
}

// aggregates are the KPIs of the records the filter matches: from the
// rollups when the filter is one they keep and its window lies on their
// 15-minute buckets (fromRollups), else from the records. The error is a
// message for the page.
func (c *Console) aggregates(ctx context.Context, s *session, f cdr.Filter) (k *analytics.KPIs, fromRollups bool, message text) {
	to := f.To
	if to == 0 {
		to = c.o.Now().UnixMilli() + 1
	}
	q := &analytics.Query{From: f.From - f.From%cdr.RollupBucket, To: ceilBucket(to), Loc: s.tenant.Zone, SLThreshold: 20}
	var res *analytics.Result
	var err error
	fromRollups = rollupFilter(f)
	if fromRollups {
		q.Channels, q.Sources, q.Directions, q.Dispositions = f.Channels, f.Sources, f.Directions, f.Dispositions
		res, err = analytics.FromRollups(ctx, q, func(ctx context.Context, sel *cdr.KPISelect) ([]cdr.KPISum, error) {
			return c.o.KPIs.KPISums(ctx, s.Tenant, sel)
		})
	} else {
		res, err = analytics.FromRecords(ctx, q, f, func(ctx context.Context, f cdr.Filter, fn func([]byte, cdr.Cursor) error) error {
			return c.o.Store.StreamRecords(ctx, s.Tenant, f, fn)
		})
	}
	if err != nil {
		if cdr.ErrorCode(err) == cdr.EINVALID {
			return nil, false, plain(cdr.ErrorMessage(err))
		}
		httpx.Logger(ctx).Error("console aggregates", "api", "console", "err", err)
		return nil, false, msg("The aggregates could not be computed.")
	}
	if len(res.Series) == 0 {
		return &analytics.KPIs{}, fromRollups, text{}
	}
	return &res.Series[0].Total.KPIs, fromRollups, text{}
}

// rollupFilter reports whether the rollups answer f exactly: a window on
// their buckets and no filter but channel, source, direction and
// disposition, with shadows left out as the rollups leave them.
func rollupFilter(f cdr.Filter) bool {
	g := f
	g.Channels, g.Sources, g.Directions, g.Dispositions = nil, nil, nil, nil
	g.From, g.To, g.Order, g.Limit, g.After, g.Count = 0, 0, "", 0, nil, false
	return f.From%cdr.RollupBucket == 0 && f.To%cdr.RollupBucket == 0 && f.To != 0 && reflect.DeepEqual(g, cdr.Filter{})
}

func ceilBucket(ms int64) int64 {
	if r := ms % cdr.RollupBucket; r != 0 {
		return ms + cdr.RollupBucket - r
	}
	return ms
}

// ranges are the quick choices of page (its path): today, yesterday and
// the last days of each of spans, in loc, each keeping the other
// parameters of q (set adds or changes more: the dashboard's interval).
func ranges(page string, q url.Values, now time.Time, loc *time.Location, spans []int, set func(p url.Values, from, to string)) []rangeChoice {
	today := midnight(now, loc)
	type choice struct {
		label    text
		from, to time.Time
	}
	choices := []choice{{msg("Today"), today, today.AddDate(0, 0, 1)}, {msg("Yesterday"), today.AddDate(0, 0, -1), today}}
	for _, n := range spans {
		choices = append(choices, choice{msg("%d days", n), today.AddDate(0, 0, 1-n), today.AddDate(0, 0, 1)})
	}
	out := make([]rangeChoice, len(choices))
	for i, ch := range choices {
		p := cloneValues(q)
		p.Del("cursor")
		from, to := ch.from.Format(time.RFC3339), ch.to.Format(time.RFC3339)
		p.Set("from", from)
		p.Set("to", to)
		if set != nil {
			set(p, from, to)
		}
		out[i] = rangeChoice{Label: ch.label, URL: page + "?" + p.Encode(),
			Current: sameInstant(q.Get("from"), ch.from) && sameInstant(q.Get("to"), ch.to)}
	}
	return out
}

func sameInstant(v string, t time.Time) bool {
	u, err := time.Parse(time.RFC3339, v)
	return err == nil && u.Equal(t)
}

// shortcut returns the URL of q with set's values, and whether q has
// them already.
func shortcut(q url.Values, set url.Values) (string, bool) {
	p := cloneValues(q)
	p.Del("cursor")
	on := true
	for k, vs := range set {
		if q.Get(k) != vs[0] {
			on = false
		}
		p[k] = vs
	}
	return "/console/search?" + p.Encode(), on
}

// exports are the current search as each export format.
func exports(q url.Values, loc *time.Location) []exportLink {
	var out []exportLink
	for _, f := range []struct{ label, format string }{{"CSV", "csv"}, {"NDJSON", "ndjson"}, {"Parquet", "parquet"}} {
		p := cloneValues(q)
		for _, k := range []string{"cursor", "limit", "count"} {
			p.Del(k)
		}
		p.Set("format", f.format)
		if f.format == "csv" {
			p.Set("tz", loc.String())
		}
		out = append(out, exportLink{Label: f.label, URL: "/console/export?" + p.Encode()})
	}
	return out
}

// inputTime shows a query's time as a date-time input's value in loc.
func inputTime(v string, loc *time.Location) string {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		ms, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return ""
		}
		t = time.UnixMilli(ms)
	}
	return t.In(loc).Format("2006-01-02T15:04")
}

func cloneValues(q url.Values) url.Values {
	p := make(url.Values, len(q))
	for k, vs := range q {
		p[k] = slices.Clone(vs)
	}
	return p
}
