package export

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// NewCSV returns a Writer of the header line (Header) before the first
// record, then one row per record, every column, times in UTC. With
// escapeFormulas (--csv-formulas escape) a cell a spreadsheet would run as
// a formula gets a leading ' (one starting with =, @, a tab or a carriage
// return, or with + or - unless it is number-like, as phone numbers are);
// without, every cell is written as stored. Nothing is written for no
// record, not even the header. New("csv", …) takes the other options.
func NewCSV(w io.Writer, escapeFormulas bool) Writer {
	return newCSV(w, Options{EscapeFormulas: escapeFormulas}, columns[:])
}

// newCSVWith returns the CSV Writer of opt: the columns it selects, by
// Header name and in its order (all by default), times in its zone (UTC by
// default), formulas escaped as NewCSV says. An unknown column is an error
// that names it; Raw is an error, CSV having no raw column.
func newCSVWith(w io.Writer, opt Options) (Writer, error) {
	if opt.Raw {
		return nil, fmt.Errorf("raw: CSV has no raw column")
	}
	cols := columns[:]
	if len(opt.Columns) > 0 {
		cols = make([]column, 0, len(opt.Columns))
		for _, name := range opt.Columns {
			c, ok := csvColumn(name)
			if !ok {
				return nil, fmt.Errorf("no CSV column %q (columns: %s)", name, strings.Join(Header(), ", "))
			}
			cols = append(cols, c)
		}
	}
	return newCSV(w, opt, cols), nil
}

func newCSV(w io.Writer, opt Options, cols []column) *csvWriter {
	c := &csvWriter{w: w, escape: opt.EscapeFormulas, cols: cols, loc: opt.Zone}
	if c.loc == nil {
		c.loc = time.UTC
	}
	for _, col := range cols {
		top, sub, _ := strings.Cut(col.reads, ".")
		i := rowFields.byName[top]
		c.sel.fields |= 1 << i
		if n, ok := nestedFields[top]; ok && sub != "" {
			c.sel.nested[i] |= n.mask(sub)
		}
	}
	return c
}

// nestedFields are the fields of the top-level fields that are objects
// or lists of them.
var nestedFields = map[string]interface{ mask(...string) uint64 }{
	"caller": partyFields, "callee": partyFields, "agents": agentFields, "queues": queueFields,
	"satisfaction": satisfactionFields, "recordings": recordingFields, "ivr_keys": ivrKeyFields,
	"participants": participantFields,
}

type csvWriter struct {
	w      io.Writer
	escape bool
	cols   []column
	loc    *time.Location
	sel    selection // what the columns read
	header bool      // written
	err    error     // of the output: every later write returns it
	dec    decoder
	row    row
	line   []byte // reused
	cell   []byte // reused
}

func (c *csvWriter) Write(rec []byte) error {
	if c.err != nil {
		return c.err
	}
	c.row = row{}
	if err := decodeRow(&c.dec, rec, &c.row, &c.sel); err != nil {
		return fmt.Errorf("decoding a record: %w", err)
	}
	c.line = c.line[:0]
	if !c.header {
		c.header = true
		for i, col := range c.cols {
			if i > 0 {
				c.line = append(c.line, ',')
			}
			c.line = appendCSVField(c.line, false, []byte(col.name))
		}
		c.line = append(c.line, '\n')
	}
	for i, col := range c.cols {
		if i > 0 {
			c.line = append(c.line, ',')
		}
		c.cell = col.cell(c.cell[:0], &c.row, c.loc)
		c.line = appendCSVField(c.line, c.escape && needsEscape(c.cell), c.cell)
	}
	c.line = append(c.line, '\n')
	// One write a row: the output (a buffer) has every row whole as soon
	// as it is written.
	if _, err := c.w.Write(c.line); err != nil {
		c.err = err
		return err
	}
	return nil
}

func (c *csvWriter) Close() error { return c.err }

// appendCSVField appends a field as encoding/csv writes it (comma, LF line
// ends), prefixed with ' when escape is set: quoted when it holds a comma,
// a quote or a line break, when it starts with white space, or when it is
// `\.`; quotes doubled.
func appendCSVField(dst []byte, escape bool, field []byte) []byte {
	quote := false
	for _, c := range field {
		if c == ',' || c == '"' || c == '\n' || c == '\r' {
			quote = true
			break
		}
	}
	if !escape && !quote && len(field) > 0 {
		if string(field) == `\.` {
			quote = true
		} else if field[0] < utf8.RuneSelf {
			quote = asciiSpace(field[0])
		} else {
			r, _ := utf8.DecodeRune(field)
			quote = unicode.IsSpace(r)
		}
	}
	if !quote {
		if escape {
			dst = append(dst, '\'')
		}
		return append(dst, field...)
	}
	dst = append(dst, '"')
	if escape {
		dst = append(dst, '\'')
	}
	for _, c := range field {
		if c == '"' {
			dst = append(dst, '"')
		}
		dst = append(dst, c)
	}
	return append(dst, '"')
}

// asciiSpace is unicode.IsSpace for an ASCII byte.
func asciiSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// column is one column of the CSV export: its name in the header, the
// field of the record it reads (a top-level field; of an object or a list
// of them, field.name for the one field of theirs it reads, field alone
// for none, as has_recording counts recordings), and its cell of a row.
type column struct {
	name, reads string
	cell        func(dst []byte, r *row, loc *time.Location) []byte
}

// columns are the columns of the CSV export, in order. Times are RFC 3339
// with milliseconds (UTC by default), lists are joined with ';', and
// unknown values are empty.
var columns = [...]column{
	{"id", "id", func(dst []byte, r *row, _ *time.Location) []byte { return append(dst, r.ID...) }},
	{"tenant", "tenant", func(dst []byte, r *row, _ *time.Location) []byte { return append(dst, r.Tenant...) }},
	{"channel", "channel", func(dst []byte, r *row, _ *time.Location) []byte { return append(dst, r.Channel...) }},
	{"source", "source", func(dst []byte, r *row, _ *time.Location) []byte { return append(dst, r.Source...) }},
	{"source_id", "source_id", func(dst []byte, r *row, _ *time.Location) []byte { return append(dst, r.SourceID...) }},
	{"version", "version", func(dst []byte, r *row, _ *time.Location) []byte { return strconv.AppendInt(dst, r.Version, 10) }},
	{"start_at", "start_at", func(dst []byte, r *row, loc *time.Location) []byte { return appendTime(dst, r.StartAt, loc) }},
	{"answer_at", "answer_at", func(dst []byte, r *row, loc *time.Location) []byte { return appendOptTime(dst, r.AnswerAt, loc) }},
	{"end_at", "end_at", func(dst []byte, r *row, loc *time.Location) []byte { return appendOptTime(dst, r.EndAt, loc) }},
	{"direction", "direction", func(dst []byte, r *row, _ *time.Location) []byte { return append(dst, r.Direction...) }},
	{"call_type", "call_type", func(dst []byte, r *row, _ *time.Location) []byte { return append(dst, r.CallType...) }},
	{"media", "media", func(dst []byte, r *row, _ *time.Location) []byte { return append(dst, r.Media...) }},
	{"disposition", "disposition", func(dst []byte, r *row, _ *time.Location) []byte { return append(dst, r.Disposition...) }},
	{"disposition_raw", "disposition_raw", func(dst []byte, r *row, _ *time.Location) []byte { return append(dst, r.DispositionRaw...) }},
	{"hangup_by", "hangup_by", func(dst []byte, r *row, _ *time.Location) []byte { return append(dst, r.HangupBy...) }},
	{"caller", "caller.address", func(dst []byte, r *row, _ *time.Location) []byte { return appendAddress(dst, r.Caller) }},
	{"callee", "callee.address", func(dst []byte, r *row, _ *time.Location) []byte { return appendAddress(dst, r.Callee) }},
	{"agent_ids", "agents.id", func(dst []byte, r *row, _ *time.Location) []byte {
		return appendJoined(dst, r.Agents, func(a *agent) string { return a.ID })
	}},
	{"agent_names", "agents.name", func(dst []byte, r *row, _ *time.Location) []byte {
		return appendJoined(dst, r.Agents, func(a *agent) string { return a.Name })
	}},
	{"queue_ids", "queues.id", func(dst []byte, r *row, _ *time.Location) []byte {
		return appendJoined(dst, r.Queues, func(q *queue) string { return q.ID })
	}},
	{"queue_names", "queues.name", func(dst []byte, r *row, _ *time.Location) []byte {
		return appendJoined(dst, r.Queues, func(q *queue) string { return q.Name })
	}},
	{"talk_s", "talk_s", func(dst []byte, r *row, _ *time.Location) []byte { return appendOptInt(dst, r.TalkS) }},
	{"total_s", "total_s", func(dst []byte, r *row, _ *time.Location) []byte { return appendOptInt(dst, r.TotalS) }},
	{"ring_s", "ring_s", func(dst []byte, r *row, _ *time.Location) []byte { return appendOptInt(dst, r.RingS) }},
	{"queue_s", "queue_s", func(dst []byte, r *row, _ *time.Location) []byte { return appendOptInt(dst, r.QueueS) }},
	{"ivr_s", "ivr_s", func(dst []byte, r *row, _ *time.Location) []byte { return appendOptInt(dst, r.IVRS) }},
	{"hold_s", "hold_s", func(dst []byte, r *row, _ *time.Location) []byte { return appendOptInt(dst, r.HoldS) }},
	{"satisfaction_score", "satisfaction.score", func(dst []byte, r *row, _ *time.Location) []byte {
		if s := r.Satisfaction; s != nil {
			return appendOptInt(dst, s.Score)
		}
		return dst
	}},
	{"satisfaction_label", "satisfaction.label", func(dst []byte, r *row, _ *time.Location) []byte {
		if s := r.Satisfaction; s != nil {
			return append(dst, s.Label...)
		}
		return dst
	}},
	{"has_recording", "recordings", func(dst []byte, r *row, _ *time.Location) []byte {
		return strconv.AppendBool(dst, len(r.Recordings) > 0)
	}},
	{"tags", "tags", func(dst []byte, r *row, _ *time.Location) []byte {
		return appendJoined(dst, r.Tags, func(t *string) string { return *t })
	}},
	{"country_code", "country_code", func(dst []byte, r *row, _ *time.Location) []byte { return append(dst, r.CountryCode...) }},
	{"note", "note", func(dst []byte, r *row, _ *time.Location) []byte { return append(dst, r.Note...) }},
}

// csvColumn returns the column named name.
func csvColumn(name string) (column, bool) {
	for _, c := range columns {
		if c.name == name {
			return c, true
		}
	}
	return column{}, false
}

// Header returns the names of the CSV columns, in order: the names
// Options.Columns may select.
func Header() []string {
	h := make([]string, len(columns))
	for i, c := range columns {
		h[i] = c.name
	}
	return h
}

func appendAddress(dst []byte, p *party) []byte {
	if p == nil {
		return dst
	}
	return append(dst, p.Address...)
}

// appendJoined appends a field of each item, joined with ';', empty
// fields included.
func appendJoined[T any](dst []byte, items []T, field func(*T) string) []byte {
	for i := range items {
		if i > 0 {
			dst = append(dst, ';')
		}
		dst = append(dst, field(&items[i])...)
	}
	return dst
}

func appendOptInt(dst []byte, v *int64) []byte {
	if v == nil {
		return dst
	}
	return strconv.AppendInt(dst, *v, 10)
}

func appendOptTime(dst []byte, ms *int64, loc *time.Location) []byte {
	if ms == nil {
		return dst
	}
	return appendTime(dst, *ms, loc)
}

// csvTimeLayout is the layout of CSV times: RFC 3339 with milliseconds,
// Z for UTC, else the zone's offset.
const csvTimeLayout = "2006-01-02T15:04:05.000Z07:00"

// appendTime appends the time ms (Unix milliseconds) in loc as
// csvTimeLayout formats it; 0 (unknown) is empty.
func appendTime(dst []byte, ms int64, loc *time.Location) []byte {
	if ms == 0 {
		return dst
	}
	t := time.UnixMilli(ms).In(loc)
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(dst, csvTimeLayout)
	}
	hour, minute, sec := t.Clock()
	dst = appendDigits(dst, year, 4)
	dst = appendDigits(append(dst, '-'), int(month), 2)
	dst = appendDigits(append(dst, '-'), day, 2)
	dst = appendDigits(append(dst, 'T'), hour, 2)
	dst = appendDigits(append(dst, ':'), minute, 2)
	dst = appendDigits(append(dst, ':'), sec, 2)
	dst = appendDigits(append(dst, '.'), t.Nanosecond()/1e6, 3)
	_, offset := t.Zone()
	if offset == 0 {
		return append(dst, 'Z')
	}
	zone := offset / 60 // minutes, as time.Format truncates them
	if zone < 0 {
		dst = append(dst, '-')
		zone = -zone
	} else {
		dst = append(dst, '+')
	}
	dst = appendDigits(dst, zone/60, 2)
	return appendDigits(append(dst, ':'), zone%60, 2)
}

// appendDigits appends v ≥ 0 in decimal, zero-padded to width digits.
func appendDigits(dst []byte, v, width int) []byte {
	var b [20]byte
	i := len(b)
	for v >= 10 || width > 1 {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		width--
	}
	i--
	b[i] = byte('0' + v)
	return append(dst, b[i:]...)
}

// escapeFormula returns v prefixed with ' if a spreadsheet would read it as
// a formula (CSV injection): if it starts with =, @, a tab or a carriage
// return, or with + or - unless it looks like a number (numberLike), so that
// phone numbers and negative numbers stay as they are. Other values are
// returned as they are, without allocating.
func escapeFormula(v string) string {
	if needsEscape(v) {
		return "'" + v
	}
	return v
}

// needsEscape reports whether escapeFormula prefixes v.
func needsEscape[S string | []byte](v S) bool {
	if len(v) == 0 {
		return false
	}
	switch v[0] {
	case '=', '@', '\t', '\r':
		return true
	case '+', '-':
		return !numberLike(v)
	}
	return false
}

// numberLike reports whether v matches ^[+-][0-9][0-9 ().*-]*$: a signed
// number, or a phone number such as "+86 (20) 6666-8888" or a masked one.
// Such a value computes at most arithmetic, never a function call or a
// reference.
func numberLike[S string | []byte](v S) bool {
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
