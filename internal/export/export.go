// Package export writes records in the output formats of cdrhub export:
// NDJSON, each record as the API returns it, and CSV, a fixed table of
// columns with the cells a spreadsheet would run as formulas escaped.
//
// A Writer takes each record as the JSON the API writes for it (without
// raw): what a store streams (cdr.Store.StreamRecords) and what a server
// sends (client.ListResponse) alike. Where the records come from and where
// the bytes go (a file replaced when the export completes, stdout) is the
// command's business.
package export

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// Writer writes records in one format.
type Writer interface {
	// Write writes one record, given as its JSON as the API writes it
	// (without raw). It does not keep rec.
	Write(rec []byte) error
	// Close writes what the writer still holds and returns the first error
	// of the stream. It does not close the io.Writer under it.
	Close() error
}

// NewNDJSON returns a Writer of one record per line, byte for byte as the
// API returns it.
func NewNDJSON(w io.Writer) Writer { return &ndjsonWriter{w: w} }

type ndjsonWriter struct{ w io.Writer }

func (n *ndjsonWriter) Write(rec []byte) error {
	if _, err := n.w.Write(rec); err != nil {
		return err
	}
	_, err := io.WriteString(n.w, "\n")
	return err
}

func (n *ndjsonWriter) Close() error { return nil }

// NewCSV returns a Writer of the header line (Header) before the first
// record, then one row per record. With escapeFormulas (--csv-formulas
// escape) a cell a spreadsheet would run as a formula gets a leading ' (one
// starting with =, @, a tab or a carriage return, or with + or - unless it
// is number-like, as phone numbers are); without, every cell is written as
// stored. Nothing is written for no record, not even the header.
func NewCSV(w io.Writer, escapeFormulas bool) Writer {
	c, _ := newCSV(w, Options{EscapeFormulas: escapeFormulas})
	return c
}

// newCSV is the CSV writer of opt: the columns it selects (all by default,
// in their order), times in its zone (UTC by default).
func newCSV(w io.Writer, opt Options) (Writer, error) {
	cols := columns[:]
	if len(opt.Columns) > 0 {
		cols = nil
		for _, name := range opt.Columns {
			i := slices.IndexFunc(columns[:], func(c column) bool { return c.name == name })
			if i < 0 {
				return nil, fmt.Errorf("no CSV column %q (columns: %s)", name, strings.Join(Header(), ", "))
			}
			cols = append(cols, columns[i])
		}
	}
	loc := opt.Zone
	if loc == nil {
		loc = time.UTC
	}
	return &csvWriter{w: csv.NewWriter(w), escape: opt.EscapeFormulas, cols: cols, loc: loc, row: make([]string, len(cols))}, nil
}

type csvWriter struct {
	w      *csv.Writer
	escape bool
	cols   []column
	loc    *time.Location
	header bool     // written
	row    []string // reused: csv.Writer keeps no cell
}

func (c *csvWriter) Write(rec []byte) error {
	if !c.header {
		c.header = true
		for i, col := range c.cols {
			c.row[i] = col.name
		}
		if err := c.w.Write(c.row); err != nil {
			return err
		}
	}
	var v csvFields // a fresh one: Unmarshal leaves absent fields as they are
	if err := json.Unmarshal(rec, &v); err != nil {
		return fmt.Errorf("decoding a record of the server: %w", err)
	}
	r := v.record()
	for i, col := range c.cols {
		c.row[i] = col.cell(r, c.loc)
	}
	if c.escape {
		for i, v := range c.row {
			c.row[i] = escapeFormula(v)
		}
	}
	if err := c.w.Write(c.row); err != nil {
		return err
	}
	c.w.Flush() // into the buffer of the output, row by row
	return c.w.Error()
}

func (c *csvWriter) Close() error {
	c.w.Flush()
	return c.w.Error()
}

// csvFields are the fields of a record the CSV columns read: decoding
// only these (encoding/json skips the others, participants and IVR keys
// among them, without building them) is what makes CSV about as fast as
// NDJSON.
type csvFields struct {
	ID             string          `json:"id"`
	Tenant         string          `json:"tenant"`
	Channel        cdr.Channel     `json:"channel"`
	Source         cdr.Source      `json:"source"`
	SourceID       string          `json:"source_id"`
	Version        int64           `json:"version"`
	StartAt        int64           `json:"start_at"`
	AnswerAt       *int64          `json:"answer_at"`
	EndAt          *int64          `json:"end_at"`
	Direction      cdr.Direction   `json:"direction"`
	CallType       cdr.CallType    `json:"call_type"`
	Media          cdr.Media       `json:"media"`
	Disposition    cdr.Disposition `json:"disposition"`
	DispositionRaw string          `json:"disposition_raw"`
	HangupBy       cdr.HangupBy    `json:"hangup_by"`
	Caller         struct {
		Address string `json:"address"`
	} `json:"caller"`
	Callee struct {
		Address string `json:"address"`
	} `json:"callee"`
	Agents []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"agents"`
	Queues       []cdr.Queue       `json:"queues"`
	TalkS        *int64            `json:"talk_s"`
	TotalS       *int64            `json:"total_s"`
	RingS        *int64            `json:"ring_s"`
	QueueS       *int64            `json:"queue_s"`
	IVRS         *int64            `json:"ivr_s"`
	HoldS        *int64            `json:"hold_s"`
	Satisfaction *cdr.Satisfaction `json:"satisfaction"`
	Recordings   []struct{}        `json:"recordings"`
	Tags         []string          `json:"tags"`
	CountryCode  string            `json:"country_code"`
	Note         string            `json:"note"`
}

// record returns the fields as a record, for the columns' cells.
func (v *csvFields) record() *cdr.Record {
	r := &cdr.Record{ID: v.ID, Tenant: v.Tenant, Channel: v.Channel, Source: v.Source, SourceID: v.SourceID, Version: v.Version,
		StartAt: v.StartAt, AnswerAt: v.AnswerAt, EndAt: v.EndAt, Direction: v.Direction, CallType: v.CallType, Media: v.Media,
		Disposition: v.Disposition, DispositionRaw: v.DispositionRaw, HangupBy: v.HangupBy,
		Caller: cdr.Party{Address: v.Caller.Address}, Callee: cdr.Party{Address: v.Callee.Address}, Queues: v.Queues,
		TalkS: v.TalkS, TotalS: v.TotalS, RingS: v.RingS, QueueS: v.QueueS, IVRS: v.IVRS, HoldS: v.HoldS,
		Satisfaction: v.Satisfaction, Tags: v.Tags, CountryCode: v.CountryCode, Note: v.Note}
	for _, a := range v.Agents {
		r.Agents = append(r.Agents, cdr.Agent{ID: a.ID, Name: a.Name})
	}
	if len(v.Recordings) > 0 {
		r.Recordings = make([]cdr.Recording, len(v.Recordings))
	}
	return r
}

// column is one column of the CSV export: its name in the header, and its
// cell of a record.
type column struct {
	name string
	cell func(r *cdr.Record, loc *time.Location) string
}

// columns are the fixed columns of the CSV export, in order. Times are
// RFC 3339 UTC with milliseconds, lists are joined with ';', and unknown
// values are empty.
var columns = [...]column{
	{"id", func(r *cdr.Record, loc *time.Location) string { return r.ID }},
	{"tenant", func(r *cdr.Record, loc *time.Location) string { return r.Tenant }},
	{"channel", func(r *cdr.Record, loc *time.Location) string { return string(r.Channel) }},
	{"source", func(r *cdr.Record, loc *time.Location) string { return string(r.Source) }},
	{"source_id", func(r *cdr.Record, loc *time.Location) string { return r.SourceID }},
	{"version", func(r *cdr.Record, loc *time.Location) string { return strconv.FormatInt(r.Version, 10) }},
	{"start_at", func(r *cdr.Record, loc *time.Location) string { return csvTime(&r.StartAt, loc) }},
	{"answer_at", func(r *cdr.Record, loc *time.Location) string { return csvTime(r.AnswerAt, loc) }},
	{"end_at", func(r *cdr.Record, loc *time.Location) string { return csvTime(r.EndAt, loc) }},
	{"direction", func(r *cdr.Record, loc *time.Location) string { return string(r.Direction) }},
	{"call_type", func(r *cdr.Record, loc *time.Location) string { return string(r.CallType) }},
	{"media", func(r *cdr.Record, loc *time.Location) string { return string(r.Media) }},
	{"disposition", func(r *cdr.Record, loc *time.Location) string { return string(r.Disposition) }},
	{"disposition_raw", func(r *cdr.Record, loc *time.Location) string { return r.DispositionRaw }},
	{"hangup_by", func(r *cdr.Record, loc *time.Location) string { return string(r.HangupBy) }},
	{"caller", func(r *cdr.Record, loc *time.Location) string { return r.Caller.Address }},
	{"callee", func(r *cdr.Record, loc *time.Location) string { return r.Callee.Address }},
	{"agent_ids", func(r *cdr.Record, loc *time.Location) string {
		return join(r.Agents, func(a cdr.Agent) string { return a.ID })
	}},
	{"agent_names", func(r *cdr.Record, loc *time.Location) string {
		return join(r.Agents, func(a cdr.Agent) string { return a.Name })
	}},
	{"queue_ids", func(r *cdr.Record, loc *time.Location) string {
		return join(r.Queues, func(q cdr.Queue) string { return q.ID })
	}},
	{"queue_names", func(r *cdr.Record, loc *time.Location) string {
		return join(r.Queues, func(q cdr.Queue) string { return q.Name })
	}},
	{"talk_s", func(r *cdr.Record, loc *time.Location) string { return optInt(r.TalkS) }},
	{"total_s", func(r *cdr.Record, loc *time.Location) string { return optInt(r.TotalS) }},
	{"ring_s", func(r *cdr.Record, loc *time.Location) string { return optInt(r.RingS) }},
	{"queue_s", func(r *cdr.Record, loc *time.Location) string { return optInt(r.QueueS) }},
	{"ivr_s", func(r *cdr.Record, loc *time.Location) string { return optInt(r.IVRS) }},
	{"hold_s", func(r *cdr.Record, loc *time.Location) string { return optInt(r.HoldS) }},
	{"satisfaction_score", func(r *cdr.Record, loc *time.Location) string {
		if s := r.Satisfaction; s != nil && s.Score != nil {
			return strconv.Itoa(*s.Score)
		}
		return ""
	}},
	{"satisfaction_label", func(r *cdr.Record, loc *time.Location) string {
		if s := r.Satisfaction; s != nil {
			return s.Label
		}
		return ""
	}},
	{"has_recording", func(r *cdr.Record, loc *time.Location) string { return strconv.FormatBool(r.HasRecording()) }},
	{"tags", func(r *cdr.Record, loc *time.Location) string { return strings.Join(r.Tags, ";") }},
	{"country_code", func(r *cdr.Record, loc *time.Location) string { return r.CountryCode }},
	{"note", func(r *cdr.Record, loc *time.Location) string { return r.Note }},
}

// Header returns the names of the CSV columns, in order.
func Header() []string {
	h := make([]string, len(columns))
	for i, c := range columns {
		h[i] = c.name
	}
	return h
}

// join joins a field of each item with ';', empty fields included.
func join[T any](items []T, field func(T) string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return field(items[0])
	}
	var b strings.Builder
	for i, it := range items {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(field(it))
	}
	return b.String()
}

// csvTime is RFC 3339 with milliseconds in loc: Z for UTC, else the
// zone's offset.
func csvTime(ms *int64, loc *time.Location) string {
	if ms == nil || *ms == 0 {
		return ""
	}
	return time.UnixMilli(*ms).In(loc).Format("2006-01-02T15:04:05.000Z07:00")
}

func optInt(v *int64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatInt(*v, 10)
}

// escapeFormula returns v prefixed with ' if a spreadsheet would read it as
// a formula (CSV injection): if it starts with =, @, a tab or a carriage
// return, or with + or - unless it looks like a number (numberLike), so that
// phone numbers and negative numbers stay as they are. Other values are
// returned as they are, without allocating.
func escapeFormula(v string) string {
	if v == "" {
		return v
	}
	switch v[0] {
	case '=', '@', '\t', '\r':
		return "'" + v
	case '+', '-':
		if !numberLike(v) {
			return "'" + v
		}
	}
	return v
}

// numberLike reports whether v matches ^[+-][0-9][0-9 ().*-]*$: a signed
// number, or a phone number such as "+86 (20) 6666-8888" or a masked one.
// Such a value computes at most arithmetic, never a function call or a
// reference.
func numberLike(v string) bool {
	if len(v) < 2 || v[1] < '0' || v[1] > '9' {
		return false
	}
	for i := 2; i < len(v); i++ {
		switch c := v[i]; {
		case c >= '0' && c <= '9', c == ' ', c == '(', c == ')', c == '.', c == '*', c == '-':
		default:
			return false
		}
	}
	return true
}
