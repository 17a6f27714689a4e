package export

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/httpx"
	"github.com/cdrhub/cdrhub/internal/query"
)

// Serving an export over HTTP: GET /api/v1/export and the console's
// export (docs/export.md) stream every record matching the filters of
// GET /api/v1/records in one format, from one read of the store: the
// records it holds when the export starts, whatever is written meanwhile.
// The answer is chunked and, when the client accepts it, gzipped (NDJSON
// and CSV). An error after the first bytes went out aborts the response
// without its final chunk, so that the client sees an unexpected end of
// the body, never a short file that looks whole.

// Limits bound an export served over HTTP (Serve).
type Limits struct {
	// MaxRecords is the most records one export streams; more is refused
	// before the first byte, with advice to narrow the filters or export
	// on the server (cdrhub export).
	MaxRecords int
	// MaxDuration is the longest an export may hold its read and its
	// connection; a longer one is aborted.
	MaxDuration time.Duration
	// Idle ends an export that sent nothing for that long: a client that
	// stopped reading, or a store that stopped answering.
	Idle time.Duration
}

// DefaultLimits: 20,000,000 records take a few minutes at the
// export's measured rates (docs/benchmarks.md); 30 minutes leave room for
// a slow client.
var DefaultLimits = Limits{MaxRecords: 20_000_000, MaxDuration: 30 * time.Minute, Idle: time.Minute}

// ownParams are the export's own parameters; the others are the
// filters of GET /api/v1/records.
var ownParams = []string{"format", "columns", "tz", "include", "csv_formulas"}

// httpFormats are the formats, their content types and file extensions.
var httpFormats = map[string]struct{ contentType, ext string }{
	"ndjson":  {"application/x-ndjson", "ndjson"},
	"csv":     {"text/csv; charset=utf-8", "csv"},
	"parquet": {"application/vnd.apache.parquet", "parquet"},
}

// Request is a parsed export request: the filters of GET /api/v1/records
// and the export's own parameters (docs/export.md).
type Request struct {
	Filter  cdr.Filter
	Format  string
	Options Options
}

// ParseRequest reads the parameters of GET /api/v1/export: the filters
// of GET /api/v1/records (without a page: limit, cursor and count are
// refused) and format, columns, tz, include and csv_formulas. tenant is
// skipped, as authentication reads it. Every error is invalid and names
// the parameter.
func ParseRequest(q url.Values) (*Request, error) {
	own, filters := url.Values{}, url.Values{}
	for k, vs := range q {
		switch {
		case slices.Contains(ownParams, k):
			own[k] = vs
		case k == "limit" || k == "cursor" || k == "count":
			return nil, cdr.Errorf(cdr.EINVALID, "%s: an export has no pages; it streams every matching record", k)
		case k != "tenant":
			filters[k] = vs
		}
	}
	f, err := query.ParseFilter(filters)
	if err != nil {
		return nil, err
	}
	// Every matching record: no page.
	f.Limit, f.Count, f.After = 0, false, nil
	e := &Request{Filter: f, Format: "ndjson"}
	single := func(key string) (string, error) { return query.SingleParam(own, key) }
	if v, err := single("format"); err != nil {
		return nil, err
	} else if v != "" {
		if _, ok := httpFormats[v]; !ok {
			return nil, cdr.Errorf(cdr.EINVALID, "format=%q: want ndjson, csv or parquet", v)
		}
		e.Format = v
	}
	if own.Has("columns") {
		if e.Format == "ndjson" {
			return nil, cdr.Errorf(cdr.EINVALID, "columns: NDJSON has every field of every record; choose columns with format=csv or parquet")
		}
		cols := query.ListParam(own, "columns")
		if len(cols) == 0 || len(cols) > 100 {
			return nil, cdr.Errorf(cdr.EINVALID, "columns: want 1 to 100 column names")
		}
		e.Options.Columns = cols
	}
	if v, err := single("tz"); err != nil {
		return nil, err
	} else if v != "" {
		if e.Format != "csv" {
			return nil, cdr.Errorf(cdr.EINVALID, "tz: only CSV writes times in a zone; NDJSON and Parquet times are UTC")
		}
		if len(v) > 64 {
			return nil, cdr.Errorf(cdr.EINVALID, "tz: longer than 64 bytes")
		}
		loc, err := time.LoadLocation(v)
		if err != nil || v == "Local" {
			return nil, cdr.Errorf(cdr.EINVALID, "tz=%q: not an IANA time zone", v)
		}
		e.Options.Zone = loc
	}
	if v, err := single("include"); err != nil {
		return nil, err
	} else if v != "" && v != "raw" {
		return nil, cdr.Errorf(cdr.EINVALID, "include=%q: only raw can be included", v)
	} else if v == "raw" {
		if e.Format == "csv" {
			return nil, cdr.Errorf(cdr.EINVALID, "include=raw: CSV has no raw column; use ndjson or parquet")
		}
		e.Options.Raw, e.Filter.WithRaw = true, true
	}
	e.Options.EscapeFormulas = true
	if v, err := single("csv_formulas"); err != nil {
		return nil, err
	} else if v != "" {
		if e.Format != "csv" {
			return nil, cdr.Errorf(cdr.EINVALID, "csv_formulas: only for format=csv")
		}
		switch v {
		case "keep":
			e.Options.EscapeFormulas = false
		case "escape":
		default:
			return nil, cdr.Errorf(cdr.EINVALID, "csv_formulas=%q: want escape or keep", v)
		}
	}
	// The writer refuses unknown columns now, before anything is sent.
	if _, err := New(e.Format, io.Discard, e.Options); err != nil {
		return nil, cdr.Errorf(cdr.EINVALID, "%v", err)
	}
	return e, nil
}

// errIdle and errTooLong end an export (context causes).
var (
	errIdle    = errors.New("the export sent nothing for too long")
	errTooLong = errors.New("the export ran longer than it may")
)

// Serve streams the records of tenant t that e selects from st, as
// GET /api/v1/export does (docs/export.md): counted first, refused when
// more than lim.MaxRecords match, then streamed from one read with the
// content type, the file name (cdrhub-<tenant>-<now>.<ext>), X-Total-Count
// and, for NDJSON and CSV when the client accepts it, gzip. An error
// before the first byte is returned, for the caller's envelope; one after
// it ends the response without its final chunk (panic with
// http.ErrAbortHandler), after logging it to log, so that the client sees
// a cut body, never a short file that looks whole.
func Serve(w http.ResponseWriter, r *http.Request, st cdr.Store, t cdr.TenantID, e *Request, lim Limits, now time.Time, log *slog.Logger) error {
	c := e.Filter
	c.Count, c.Limit, c.WithRaw = true, 1, false
	_, total, err := st.FindRecords(r.Context(), t, c)
	if err != nil {
		return err
	}
	if total > lim.MaxRecords {
		return cdr.Errorf(cdr.EINVALID, "%d records match, more than the %d one export may stream: narrow the filters (from, to), or run cdrhub export on the server",
			total, lim.MaxRecords)
	}

	ctx, cancel := context.WithCancelCause(r.Context())
	defer cancel(nil)
	stop := time.AfterFunc(lim.MaxDuration, func() { cancel(errTooLong) })
	defer stop.Stop()
	idle := time.AfterFunc(lim.Idle, func() { cancel(errIdle) })
	defer idle.Stop()

	form := httpFormats[e.Format]
	h := w.Header()
	h.Set("Content-Type", form.contentType)
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="cdrhub-%s-%s.%s"`, t, now.UTC().Format("20060102T150405Z"), form.ext))
	h.Set("X-Total-Count", strconv.Itoa(total))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	zipped := e.Format != "parquet" && acceptsGzip(r.Header.Values("Accept-Encoding"))
	if e.Format != "parquet" {
		h.Add("Vary", "Accept-Encoding")
	}
	if zipped {
		h.Set("Content-Encoding", "gzip")
	}

	// The connection's writes: each pushes the write deadline and the idle
	// timer on (the server's 5-minute write deadline does not apply).
	conn := &progressWriter{w: w, rc: http.NewResponseController(w), idle: idle, limit: lim.Idle}
	buf := bufio.NewWriterSize(conn, 64<<10)
	var out io.Writer = buf
	var gz *gzip.Writer
	if zipped {
		// The fastest level: an export is many MB a second, and the
		// default level would make gzip, not the store, its bottleneck
		// (docs/benchmarks.md).
		gz, _ = gzip.NewWriterLevel(buf, gzip.BestSpeed)
		out = gz
	}
	ew, err := New(e.Format, out, e.Options)
	if err != nil {
		return cdr.Errorf(cdr.EINVALID, "%v", err)
	}
	n := 0
	flushed := time.Now()
	err = st.StreamRecords(ctx, t, e.Filter, func(rec []byte, _ cdr.Cursor) error {
		n++
		if err := ew.Write(rec); err != nil {
			return err
		}
		// A slow read (a narrow filter over many records) or a well
		// compressed one still shows progress: what is buffered goes out
		// at least every second.
		if n%256 == 0 && time.Since(flushed) > time.Second {
			flushed = time.Now()
			if gz != nil {
				if err := gz.Flush(); err != nil {
					return err
				}
			}
			return buf.Flush()
		}
		return nil
	})
	if err == nil {
		err = ew.Close()
	}
	if err == nil && gz != nil {
		err = gz.Close()
	}
	if err == nil {
		err = buf.Flush()
	}
	if err == nil {
		log.Debug("export", "format", e.Format, "records", n)
		return nil
	}
	if cause := context.Cause(ctx); cause != nil && ctx.Err() != nil {
		err = cause
	}
	if !conn.started {
		// Nothing went out: the error is answered in the envelope.
		for _, k := range []string{"Content-Disposition", "Content-Encoding", "X-Total-Count", "Vary"} {
			h.Del(k)
		}
		if errors.Is(err, errIdle) || errors.Is(err, errTooLong) {
			return cdr.Errorf(cdr.EUNAVAILABLE, "%v", err)
		}
		return err
	}
	// Part of the file went out: end the response without its final chunk.
	httpx.SetOutcome(r.Context(), httpx.OutcomeServerError)
	switch {
	case r.Context().Err() != nil:
		log.Info("export ended: the client went away", "format", e.Format, "records", n)
	case errors.Is(err, errIdle), errors.Is(err, errTooLong):
		log.Warn("export aborted", "format", e.Format, "records", n, "err", err)
	default:
		log.Error("export aborted", "format", e.Format, "records", n, "err", err)
	}
	panic(http.ErrAbortHandler)
}

// progressWriter writes to the connection, pushing its write deadline and
// the idle timer on before each write, and notes that the answer started.
type progressWriter struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	idle    *time.Timer
	limit   time.Duration
	started bool
}

func (p *progressWriter) Write(b []byte) (int, error) {
	p.started = true
	p.idle.Reset(p.limit)
	// A writer that cannot set deadlines (a test's recorder) keeps the
	// server's.
	_ = p.rc.SetWriteDeadline(time.Now().Add(p.limit))
	n, err := p.w.Write(b)
	if err == nil {
		p.idle.Reset(p.limit)
	}
	return n, err
}

// acceptsGzip reports whether Accept-Encoding values admit gzip: a gzip
// (or x-gzip, or *) coding without q=0.
func acceptsGzip(values []string) bool {
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			coding = strings.ToLower(strings.TrimSpace(coding))
			if coding != "gzip" && coding != "x-gzip" && coding != "*" {
				continue
			}
			q := 1.0
			for p := range strings.SplitSeq(params, ";") {
				if k, val, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(strings.TrimSpace(k), "q") {
					if f, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
						q = f
					}
				}
			}
			if q > 0 {
				return true
			}
		}
	}
	return false
}
