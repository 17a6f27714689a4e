package console

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/export"
	"github.com/cdrhub/cdrhub/internal/recordings"
)

// recordData is the interaction page's data.
type recordData struct {
	R          *cdr.Record
	Row        row
	Start, End string // in the tenant's zone
	Zone       string
	Timeline   timeline
	Drawing    drawing
	Events     []eventView
	Files      []fileView
	Agents     []string
	Queues     []string
	CSAT       text
	Raw        string // the vendor object, indented
	Attributes string // a native record's attributes, indented
	Renders    []renderView
	Back       string
}

// eventView is an event as listed.
type eventView struct {
	At, Offset, Kind string
	Label            text
	Ms               int64
}

// fileView is one of the record's files.
type fileView struct {
	N          int
	Of         string
	Transcript bool
	Archived   bool
	Link       string // signed link to the archived copy
	Type       string
	State      text   // the archive's state when not archived
	Source     string // the vendor's address, when http(s)
}

// renderView is the record as one vendor API renders it.
type renderView struct {
	Source, JSON, Error string
}

// drawing is the timeline as SVG coordinates (a 1000-unit-wide view box).
type drawing struct {
	Width, Height int
	Lanes         []laneView
	Ticks         []tick
}

type laneView struct {
	TextY int
	Label text
	Spans []spanView
}

type spanView struct {
	X, W  float64
	Y     int
	Kind  string
	Title text
}

type tick struct {
	X      float64
	Y      int
	Anchor string // the label's text-anchor
	Label  string
}

const (
	drawWidth  = 1000
	laneHeight = 28
	labelWidth = 170
)

func (c *Console) record(w http.ResponseWriter, r *http.Request, s *session) error {
	id := r.PathValue("id")
	if err := cdr.CheckString("id", id, cdr.MaxIDLen, cdr.Bytes); err != nil {
		return cdr.Errorf(cdr.ENOTFOUND, "no such record")
	}
	rec, err := c.o.Store.FindRecordByID(r.Context(), s.Tenant, id)
	if cdr.ErrorCode(err) == cdr.ENOTFOUND {
		return cdr.Errorf(cdr.ENOTFOUND, "no record %s", id)
	}
	if err != nil {
		return err
	}
	loc := s.tenant.Zone
	d := &recordData{R: rec, Row: c.rowOf(rec, loc), Zone: loc.String(), Timeline: timelineOf(rec)}
	d.Start = time.UnixMilli(rec.StartAt).In(loc).Format("2006-01-02 15:04:05 MST")
	if rec.EndAt != nil {
		d.End = time.UnixMilli(*rec.EndAt).In(loc).Format("2006-01-02 15:04:05 MST")
	}
	d.Drawing = draw(d.Timeline)
	for _, e := range d.Timeline.Events {
		v := eventView{Kind: e.Kind, Label: e.Label, Ms: e.At}
		if e.At != 0 {
			v.At = time.UnixMilli(e.At).In(loc).Format("15:04:05")
			v.Offset = "+" + seconds((e.At-rec.StartAt)/1000)
		}
		d.Events = append(d.Events, v)
	}
	for _, a := range rec.Agents {
		d.Agents = append(d.Agents, agentText(a))
	}
	for _, q := range rec.Queues {
		d.Queues = append(d.Queues, firstOf(q.Name, q.ID))
	}
	if sat := rec.Satisfaction; sat != nil {
		d.CSAT = satisfactionText(sat)
	}
	if d.Files, err = c.files(r, s, rec); err != nil {
		return err
	}
	d.Raw = indent(rec.Raw)
	if len(rec.Attributes) > 0 {
		b, _ := json.MarshalIndent(rec.Attributes, "", "  ")
		d.Attributes = string(b)
	}
	sources := make([]cdr.Source, 0, len(s.tenant.Formats.Renderers))
	for src, rd := range s.tenant.Formats.Renderers {
		if rd.Channel() == rec.Channel {
			sources = append(sources, src)
		}
	}
	slices.Sort(sources)
	for _, src := range sources {
		v := renderView{Source: string(src)}
		if b, err := s.tenant.Formats.Renderers[src].Render(rec); err != nil {
			v.Error = cdr.ErrorMessage(err)
		} else {
			v.JSON = indent(b)
		}
		d.Renders = append(d.Renders, v)
	}
	if ref := r.Referer(); strings.Contains(ref, "/console/search") {
		if u, err := url.Parse(ref); err == nil && u.Path == "/console/search" {
			d.Back = u.RequestURI()
		}
	}
	c.render(w, r, http.StatusOK, "record", s, msg("Interaction %s", rec.ID), d)
	return nil
}

// files lists the record's files with their archive state and, for an
// archived one, a signed link valid LinkTTL.
func (c *Console) files(r *http.Request, s *session, rec *cdr.Record) ([]fileView, error) {
	refs := cdr.RecordingFiles(rec)
	if len(refs) == 0 {
		return nil, nil
	}
	byN := map[int]cdr.ArchiveFile{}
	if c.o.Archive != nil {
		rows, err := c.o.Archive.RecordFiles(r.Context(), s.Tenant, rec.ID)
		if err != nil {
			return nil, err
		}
		for _, f := range rows {
			byN[f.N] = f
		}
	}
	ttl := c.o.LinkTTL
	if s.tenant.LinkTTL > 0 {
		ttl = s.tenant.LinkTTL
	}
	exp := c.o.Now().Add(ttl).Unix()
	out := make([]fileView, len(refs))
	for i, ref := range refs {
		v := fileView{N: ref.N, Of: ref.Of, Transcript: ref.Transcript, Source: webURL(firstOf(ref.URL, ref.CopyURL))}
		f, ok := byN[ref.N]
		switch {
		case ok && f.State == cdr.FileArchived:
			v.Archived, v.Type = true, f.ContentType
			v.Link = recordings.Links{Key: c.o.Links.Key}.Sign(s.Tenant, rec.ID, ref.N, exp)
		case ok:
			st, known := fileStates[f.State]
			if !known {
				st = plain(string(f.State))
			}
			v.State = st
			if f.Reason != "" {
				v.State = msg("%s (the last attempt: %s)", st, f.Reason)
			}
		case c.o.Archive == nil:
			v.State = msg("no archive is configured")
		default:
			v.State = msg("not fetched yet")
		}
		out[i] = v
	}
	return out, nil
}

// fileStates say what each archive state means for the one listening.
var fileStates = map[cdr.FileState]text{
	cdr.FilePending: msg("not fetched yet"),
	cdr.FileGivenUp: msg("it could not be fetched, and the archive gave up"),
	cdr.FilePruned:  msg("the tenant's recording retention removed it"),
}

// satisfactionText shows a satisfaction: the score, the label (or the raw
// value), and how it was asked.
func satisfactionText(sat *cdr.Satisfaction) text {
	var parts []any
	format := ""
	add := func(f string, t any) {
		if format != "" {
			format += ", "
		}
		format += f
		parts = append(parts, t)
	}
	if sat.Score != nil {
		add("%s", msg("%d of 5", *sat.Score))
	}
	if l := firstOf(sat.Label, sat.Raw); l != "" {
		add("%s", plain(l))
	}
	if sat.Channel != "" {
		add("%s", msg("by %s", sat.Channel))
	}
	if format == "" {
		if sat.Offered {
			return msg("offered, not answered")
		}
		return text{}
	}
	return text{Key: format, Args: parts}
}

// webURL returns u when it is an http or https address, else "": only
// those become links.
func webURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return ""
	}
	return u
}

func agentText(a cdr.Agent) string {
	parts := []string{agentName(a)}
	for _, v := range []string{a.Email, a.ID, a.Extension} {
		if v != "" && !slices.Contains(parts, v) {
			parts = append(parts, v)
		}
	}
	if a.Kind == cdr.AgentAI {
		parts = append(parts, "AI")
	}
	return strings.Join(parts, " · ")
}

// indent pretty-prints JSON; what is not JSON is shown as it is.
func indent(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return string(b)
	}
	return out.String()
}

// draw lays the timeline out on the SVG's view box.
func draw(tl timeline) drawing {
	d := drawing{Width: drawWidth, Height: laneHeight*len(tl.Lanes) + 24}
	span := float64(drawWidth - labelWidth)
	for i, l := range tl.Lanes {
		lv := laneView{TextY: i*laneHeight + 18, Label: l.Label}
		for _, sp := range l.Spans {
			x := tl.x(sp.From, span)
			w := max(tl.x(sp.To, span)-x, 2)
			lv.Spans = append(lv.Spans, spanView{X: labelWidth + x, W: w, Y: i*laneHeight + 4, Kind: sp.Kind,
				Title: msg("%s %s", sp.Label, seconds((sp.To-sp.From)/1000))})
		}
		d.Lanes = append(d.Lanes, lv)
	}
	total := (tl.End - tl.Start) / 1000
	for i := range 5 {
		ms := tl.Start + (tl.End-tl.Start)*int64(i)/4
		anchor := "middle"
		switch i {
		case 0:
			anchor = "start"
		case 4:
			anchor = "end"
		}
		d.Ticks = append(d.Ticks, tick{X: labelWidth + tl.x(ms, span), Y: d.Height - 4, Anchor: anchor, Label: "+" + seconds(total*int64(i)/4)})
	}
	return d
}

// export serves the search as a file: export.Serve with the console's
// limits; an error before the first byte is the console's error page.
func (c *Console) export(w http.ResponseWriter, r *http.Request, s *session) error {
	q := r.URL.Query()
	for _, k := range []string{"cursor", "limit", "count", "tenant"} {
		q.Del(k)
	}
	e, err := export.ParseRequest(q)
	if err != nil {
		return err
	}
	logger(r).Info("console export", "tenant", s.Tenant.String(), "principal", s.name, "format", e.Format)
	return export.Serve(w, r, c.o.Store, s.Tenant, e, c.o.Export, c.o.Now(), logger(r))
}
