package main

import (
	"bufio"
	"compress/gzip"
	"context"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/cdrhub/cdrhub/client"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/export"
	"github.com/cdrhub/cdrhub/internal/query"
)

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
	format := fs.String("format", "ndjson", "output `FORMAT`: ndjson (records as the API returns them), csv or parquet")
	output := fs.String("output", "", "write to `FILE` (replaced when the export completes) instead of stdout")
	formulas := fs.String("csv-formulas", "escape", "`MODE` of csv cells a spreadsheet would run as formulas: escape (prefix them with ') or keep")
	columns := fs.String("columns", "", "csv columns or parquet fields to write, a comma `LIST` (default all)")
	tz := fs.String("tz", "", "csv: write times in `ZONE` (IANA, default UTC)")
	raw := fs.Bool("include-raw", false, "ndjson, parquet: add each record's raw vendor object")
	gz := fs.Bool("gzip", false, "gzip the output (ndjson, csv); a server sends it compressed")
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
			"local database (as configured for serve) or, with --server, through GET /api/v1/export.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("export: unexpected argument %q", rest[0])
	}
	if *formulas != "escape" && *formulas != "keep" {
		return fmt.Errorf("export: --csv-formulas %s: want escape or keep", *formulas)
	}
	if *gz && *format == "parquet" {
		return fmt.Errorf("export: --gzip: parquet is compressed already")
	}
	opt := export.Options{EscapeFormulas: *formulas == "escape", Raw: *raw}
	if *columns != "" {
		opt.Columns = strings.Split(*columns, ",")
	}
	if *tz != "" {
		if opt.Zone, err = time.LoadLocation(*tz); err != nil || *tz == "Local" {
			return fmt.Errorf("export: --tz %s: not an IANA time zone", *tz)
		}
	}
	// The options are checked before anything is opened or created.
	if _, err := export.New(*format, io.Discard, opt); err != nil {
		return fmt.Errorf("export: %w", err)
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
	prog := newProgress(env.stderr, isTerminal(env.stderr), time.Now, "export", false)
	var what string
	var n int64
	if tgt.client != nil {
		// The server's export: its parameters are the flags'.
		q.Set("format", *format)
		if *columns != "" {
			q.Set("columns", *columns)
		}
		if *tz != "" {
			q.Set("tz", *tz)
		}
		if *raw {
			q.Set("include", "raw")
		}
		if *format == "csv" {
			q.Set("csv_formulas", *formulas)
		}
		what, n, err = remoteExport(ctx, tgt.client, q, *gz, out, prog)
	} else {
		what, n, err = localExport(ctx, tgt, f, *format, opt, *gz, out, prog)
	}
	if err != nil {
		prog.clear()
		out.abort()
		return fmt.Errorf("export: %w", err)
	}
	if err := out.commit(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	prog.finish(what, n)
	return nil
}

// localExport streams the records matching f straight from the store into
// out in format: one read transaction, the stored documents written
// without decoding (NDJSON).
func localExport(ctx context.Context, tgt *target, f cdr.Filter, format string, opt export.Options, gz bool, out io.Writer, prog *progress) (string, int64, error) {
	dst := out
	var zw *gzip.Writer
	if gz {
		zw, _ = gzip.NewWriterLevel(out, gzip.BestSpeed) // as the server's
		dst = zw
	}
	w, err := export.New(format, dst, opt)
	if err != nil {
		return "", 0, err
	}
	f.Limit, f.Count, f.After, f.Offset = 1, true, nil, 0
	_, total, err := tgt.store.FindRecords(ctx, tgt.tenant, f)
	if err != nil {
		return "", 0, err
	}
	prog.total = int64(total)
	f.Limit, f.Count, f.WithRaw = 0, false, opt.Raw
	var n int64
	err = tgt.store.StreamRecords(ctx, tgt.tenant, f, func(rec []byte, _ cdr.Cursor) error {
		if err := w.Write(rec); err != nil {
			return err
		}
		n++
		prog.update(n, n)
		return nil
	})
	if err == nil {
		err = w.Close()
	}
	if err == nil && zw != nil {
		err = zw.Close()
	}
	return fmt.Sprintf("%d records", n), n, err
}

// remoteExport copies the server's export (GET /api/v1/export with q) to
// out as it arrives, compressed with gz (by the server when it can). A
// body cut short is an error, never a short file.
func remoteExport(ctx context.Context, c *client.Client, q url.Values, gz bool, out io.Writer, prog *progress) (string, int64, error) {
	ex, err := c.Export(ctx, q, gz)
	if err != nil {
		return "", 0, err
	}
	defer ex.Body.Close()
	prog.total = ex.Total
	dst := out
	var zw *gzip.Writer
	if gz && !ex.Gzipped {
		zw, _ = gzip.NewWriterLevel(out, gzip.BestSpeed)
		dst = zw
	}
	// Lines are records in NDJSON (and rows in CSV, but for the header and
	// quoted line breaks): counted when they travel uncompressed.
	lines := q.Get("format") == "ndjson" && !ex.Gzipped
	var n, bytes int64
	buf := make([]byte, 64<<10)
	for {
		k, rerr := ex.Body.Read(buf)
		if k > 0 {
			if _, err := dst.Write(buf[:k]); err != nil {
				return "", 0, err
			}
			bytes += int64(k)
			if lines {
				n += int64(countLines(buf[:k]))
				prog.update(n, n)
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return "", 0, fmt.Errorf("the server's export ended early: %w", rerr)
		}
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			return "", 0, err
		}
	}
	if lines {
		return fmt.Sprintf("%d records", n), n, nil
	}
	return fmt.Sprintf("%d bytes of %d records", bytes, ex.Total), ex.Total, nil
}

func countLines(b []byte) (n int) {
	for _, c := range b {
		if c == '\n' {
			n++
		}
	}
	return n
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
