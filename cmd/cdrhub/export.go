package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/cdrhub/cdrhub/client"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/export"
	"github.com/cdrhub/cdrhub/internal/query"
)

// exportPage is the records read per query or request.
const exportPage = 1000

// exportFilters are the filter flags of export: each is the list parameter
// of GET /api/v1/records with '-' for '_', parsed by the API's own parser.
var exportFilters = []struct {
	name, help string
	kind       filterKind
}{
	{"from", "records starting at or after `TIME`: Unix ms or RFC 3339", single},
	{"to", "records starting before `TIME`: Unix ms or RFC 3339", single},
	{"channel", "`CHANNEL`: voice, rtc or chat", anyOf},
	{"source", "`SOURCE`: native or a vendor source", anyOf},
	{"source-id", "exact `SOURCE_ID` (with exactly one --source)", anyOf},
	{"direction", "`DIRECTION`: inbound, outbound, internal or unknown", anyOf},
	{"call-type", "`TYPE`: direct, predictive, dual, privacy or conference", anyOf},
	{"media", "`MEDIA`: audio, video or text", anyOf},
	{"disposition", "`DISPOSITION`: answered, abandoned, no_agent, …", anyOf},
	{"hangup-by", "`SIDE`: customer, agent, system or unknown", anyOf},
	{"phone", "exact `NUMBER` on either side", anyOf},
	{"phone-contains", "`DIGITS` (at least 3) anywhere in either number", single},
	{"caller", "exact caller `ADDRESS`", anyOf},
	{"callee", "exact callee `ADDRESS`", anyOf},
	{"agent", "`AGENT` id, email or name", anyOf},
	{"queue", "`QUEUE` id or name", anyOf},
	{"tag", "`TAG`", anyOf},
	{"country-code", "`CODE` of the country", anyOf},
	{"has-recording", "only records with (true) or without (false) a recording", boolean},
	{"include-shadows", "include records that duplicate another (same_as)", boolean},
	{"csat-min", "lowest satisfaction `SCORE`, 1-5", single},
	{"csat-max", "highest satisfaction `SCORE`, 1-5", single},
	{"order", "`ORDER`: desc (newest first, as the API) or asc", single},
}

type filterKind int

const (
	single  filterKind = iota
	anyOf              // repeatable and comma-separable
	boolean            // --flag is --flag=true
)

func runExport(ctx context.Context, args []string, env *environ) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	var tf targetFlags
	tf.register(fs, "from")
	format := fs.String("format", "ndjson", "output `FORMAT`: ndjson (records as the API returns them) or csv")
	output := fs.String("output", "", "write to `FILE` (replaced when the export completes) instead of stdout")
	formulas := fs.String("csv-formulas", "escape", "`MODE` of csv cells a spreadsheet would run as formulas: escape (prefix them with ') or keep")
	q := url.Values{}
	for _, f := range exportFilters {
		help := f.help
		if f.kind == anyOf {
			help += " (repeat or comma-separate: any of)"
		}
		fs.Var(&paramFlag{q: q, key: strings.ReplaceAll(f.name, "-", "_"), isBool: f.kind == boolean}, f.name, help)
	}
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: cdrhub export [flags]\n\n"+
			"Exports the records matching the filters, newest first unless --order asc, from the\n"+
			"local database (as configured for serve) or, with --server, through /api/v1.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("export: unexpected argument %q", rest[0])
	}
	if *format != "ndjson" && *format != "csv" {
		return fmt.Errorf("export: --format %s: want ndjson or csv", *format)
	}
	if *formulas != "escape" && *formulas != "keep" {
		return fmt.Errorf("export: --csv-formulas %s: want escape or keep", *formulas)
	}
	f, err := query.ParseFilter(q)
	if err != nil {
		return fmt.Errorf("export: %s", errorText(err))
	}
	tgt, err := tf.open(ctx, env, false)
	if err != nil {
		return err
	}
	defer tgt.close()
	out, err := createOutput(*output, env.stdout)
	if err != nil {
		return err
	}
	w := export.NewNDJSON(out)
	if *format == "csv" {
		w = export.NewCSV(out, *formulas == "escape")
	}
	ex := &exporter{w: w, prog: newProgress(env.stderr, isTerminal(env.stderr), time.Now, "export", false)}
	if tgt.client != nil {
		err = ex.run(ctx, &remotePager{c: tgt.client, q: q})
	} else {
		err = ex.stream(ctx, tgt.store, tgt.tenant, f)
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		ex.prog.clear()
		out.abort()
		return fmt.Errorf("export: %w", err)
	}
	if err := out.commit(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	ex.prog.finish(fmt.Sprintf("%d records", ex.n), ex.n)
	return nil
}

// paramFlag adds its values to a query parameter.
type paramFlag struct {
	q      url.Values
	key    string
	isBool bool
}

func (p *paramFlag) String() string {
	if p.q == nil {
		return ""
	}
	return strings.Join(p.q[p.key], ",")
}

func (p *paramFlag) Set(v string) error { p.q.Add(p.key, v); return nil }
func (p *paramFlag) IsBoolFlag() bool   { return p.isBool }

// stream copies the records matching f straight from the store: one read
// transaction, the stored documents written without decoding.
func (ex *exporter) stream(ctx context.Context, s cdr.Store, t cdr.TenantID, f cdr.Filter) error {
	f.Limit, f.Count, f.After, f.Offset = 1, true, nil, 0
	_, total, err := s.FindRecords(ctx, t, f)
	if err != nil {
		return err
	}
	ex.prog.total = int64(total)
	f.Limit, f.Count = 0, false
	return s.StreamRecords(ctx, t, f, func(rec []byte, _ cdr.Cursor) error {
		if err := ex.w.Write(rec); err != nil {
			return err
		}
		ex.n++
		ex.prog.update(ex.n, ex.n)
		return nil
	})
}

// exporter copies records to a writer: streamed from a local store, or in
// pages from a server.
type exporter struct {
	w    export.Writer
	prog *progress
	n    int64
}

// run copies the pages of a server.
func (ex *exporter) run(ctx context.Context, pages *remotePager) error {
	for first := true; ; first = false {
		recs, total, err := pages.next(ctx)
		if err != nil {
			return err
		}
		if first {
			ex.prog.total = int64(total)
		}
		if len(recs) == 0 {
			return nil
		}
		for _, r := range recs {
			if err := ex.w.Write(r); err != nil {
				return err
			}
			ex.n++
			ex.prog.update(ex.n, ex.n)
		}
	}
}

// remotePager returns the pages of an export from a server in order,
// following next_cursor, then an empty page. The first page carries the
// total count (-1 if unknown).
type remotePager struct {
	c      *client.Client
	q      url.Values
	cursor string
	done   bool
}

func (p *remotePager) next(ctx context.Context) ([]json.RawMessage, int, error) {
	if p.done {
		return nil, -1, nil
	}
	q := url.Values{}
	for k, v := range p.q {
		q[k] = v
	}
	q.Set("limit", strconv.Itoa(exportPage))
	if p.cursor == "" {
		q.Set("count", "true")
	} else {
		q.Set("cursor", p.cursor)
	}
	var resp client.ListResponse
	err := retryOnce(ctx, func() (err error) {
		resp, err = p.c.ListRecords(ctx, q)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	p.cursor, p.done = resp.NextCursor, resp.NextCursor == ""
	total := -1
	if resp.Total != nil {
		total = *resp.Total
	}
	return resp.Records, total, nil
}

// output is stdout, or a temporary file renamed over the named one when the
// export completes, so that a failed export leaves no partial file.
type output struct {
	*bufio.Writer
	tmp  *os.File // nil for stdout
	path string
	// syncFile and syncDir make the file and its rename durable; tests
	// replace them.
	syncFile func(*os.File) error
	syncDir  func(dir string) error
}

func createOutput(path string, stdout io.Writer) (*output, error) {
	if path == "" || path == "-" {
		return &output{Writer: bufio.NewWriterSize(stdout, 64<<10)}, nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	return &output{Writer: bufio.NewWriterSize(tmp, 64<<10), tmp: tmp, path: path,
		syncFile: (*os.File).Sync, syncDir: syncDir}, nil
}

// commit flushes the output. A file is written to disk (fsync) before it is
// renamed over path, so that a crash never leaves path empty or partial,
// and then, on Linux, its directory is synced so that the rename lasts too.
func (o *output) commit() error {
	if err := o.Flush(); err != nil || o.tmp == nil {
		o.abort()
		return err
	}
	if err := o.syncFile(o.tmp); err != nil {
		o.abort()
		return err
	}
	if err := o.tmp.Close(); err != nil {
		o.abort()
		return err
	}
	if err := os.Rename(o.tmp.Name(), o.path); err != nil {
		o.abort()
		return err
	}
	if runtime.GOOS == "linux" {
		if err := o.syncDir(filepath.Dir(o.path)); err != nil {
			return fmt.Errorf("%s written, but syncing its directory: %w", o.path, err)
		}
	}
	return nil
}

func (o *output) abort() {
	if o.tmp != nil {
		o.tmp.Close()
		os.Remove(o.tmp.Name())
	}
}

// syncDir syncs a directory, making the creation and renaming of its
// entries durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
