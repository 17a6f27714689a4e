package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cdrhub/cdrhub/client"
	"github.com/cdrhub/cdrhub/internal/api/native"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/config"
	"github.com/cdrhub/cdrhub/internal/mapping"
	"github.com/cdrhub/cdrhub/internal/recordio"
)

const (
	// envToken is the token of --server when --token is not given.
	envToken = "CDRHUB_TOKEN"
	// defaultBatch is the records per upsert.
	defaultBatch = 5000
	// maxBatchBytes closes a batch early, whatever its count, so that a
	// request stays well under the server's 32 MiB body limit.
	maxBatchBytes = 8 << 20
	// maxPrintedErrors caps the rejected lines printed one by one.
	maxPrintedErrors = 100
)

// retryWait is the pause before the one retry of a failed request.
var retryWait = time.Second

// checkTenant stands in for the tenant when a remote import validates
// records without knowing which tenant the token acts for.
var checkTenant = cdr.MustTenantID("import-check")

func runImport(ctx context.Context, args []string, env *environ) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	var tf targetFlags
	tf.register(fs, "into")
	format := fs.String("format", string(cdr.SourceNative), "record `FORMAT` of the files: one of "+strings.Join(cdr.Names(cdr.Sources), ", "))
	batch := fs.Int("batch", defaultBatch, "`N` records per upsert (remote: at most 10000)")
	dryRun := fs.Bool("dry-run", false, "validate and classify the records without writing them")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: cdrhub import [flags] FILE...\n\n"+
			"Imports native records from NDJSON files or JSON arrays (FILE - is stdin), into the\n"+
			"local database (as configured for serve) or, with --server, through /api/v1.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	files, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(files) == 0:
		fs.Usage()
		return errors.New("import: no FILE given (use - for stdin)")
	case *batch < 1:
		return errors.New("import: --batch must be at least 1")
	case tf.server != "" && *batch > native.DefaultLimits.MaxRecords:
		return fmt.Errorf("import: --batch %d: a request holds at most %d records", *batch, native.DefaultLimits.MaxRecords)
	}
	total, err := inputSize(files)
	if err != nil {
		return err
	}
	var cfg config.Config // the tenants' settings, for a vendor format
	if *format != string(cdr.SourceNative) {
		path := config.Path(tf.config, env.getenv)
		cfg, err = config.LoadEnv(path, env.getenv)
		if tf.server != "" {
			cfg, err = config.Default(), nil // the server applies its tenants' settings
		}
		if err != nil {
			return err
		}
		if mapping.NewFormats(mapping.Tenant{}).Decoders[cdr.Source(*format)] == nil {
			return fmt.Errorf("import: --format %s: want one of %s", *format, strings.Join(cdr.Names(cdr.Sources), ", "))
		}
	}
	tgt, err := tf.open(ctx, env, true)
	if err != nil {
		return err
	}
	defer tgt.close()
	var vendor mapping.Decoder
	if *format != string(cdr.SourceNative) {
		vendor = tenantFormats(cfg, tgt.tenant).Decoders[cdr.Source(*format)]
	}
	verb := "import"
	if *dryRun {
		verb = "import (dry run)"
	}
	im := &importer{tgt: tgt, stdin: os.Stdin, batchMax: *batch, dryRun: *dryRun, now: time.Now, vendor: vendor, format: *format,
		prog: newProgress(env.stderr, isTerminal(env.stderr), time.Now, verb, true)}
	im.prog.total = total
	return im.run(ctx, files)
}

// inputSize checks that the files exist and returns their total size, or
// -1 if a size is unknown (stdin, a pipe).
func inputSize(files []string) (int64, error) {
	var total int64
	for _, name := range files {
		if name == "-" {
			total = -1
			continue
		}
		fi, err := os.Stat(name)
		if err != nil {
			return 0, fmt.Errorf("import: %w", err)
		}
		if fi.IsDir() {
			return 0, fmt.Errorf("import: %s is a directory", name)
		}
		if total >= 0 && fi.Mode().IsRegular() {
			total += fi.Size()
		} else {
			total = -1
		}
	}
	return total, nil
}

// importer streams files into batches and upserts them.
type importer struct {
	tgt      *target
	vendor   mapping.Decoder // nil for native records
	format   string
	stdin    io.Reader
	prog     *progress
	batchMax int
	dryRun   bool
	now      func() time.Time

	batch   batch
	read    int64 // bytes read of every file so far
	counts  importCounts
	printed int // rejected lines printed
}

type importCounts struct {
	records, inserted, updated, unchanged, stale, rejected int64
}

// batch is the records waiting to be sent: prepared records for the local
// store, their lines as NDJSON for a server.
type batch struct {
	recs  []*cdr.Record
	body  bytes.Buffer
	lines []lineRef // where each record came from
	size  int       // bytes of input
}

type lineRef struct {
	file string
	n    int
}

func (b *batch) reset() {
	b.recs, b.lines, b.size = b.recs[:0], b.lines[:0], 0
	b.body.Reset()
}

// run imports the files in order. It stops at the first error that is not
// a rejected line, after writing the valid records read before it, and
// fails if any record was rejected.
func (im *importer) run(ctx context.Context, files []string) error {
	err := im.importFiles(ctx, files)
	if ctx.Err() == nil {
		if ferr := im.flush(ctx); err == nil {
			err = ferr
		}
	}
	c := im.counts
	if n := c.rejected - int64(im.printed); n > 0 {
		im.prog.printf("import: %d more rejected records not shown\n", n)
	}
	im.prog.finish(fmt.Sprintf("%d records: %d inserted, %d updated, %d unchanged (%d stale), %d rejected",
		c.records, c.inserted, c.updated, c.unchanged, c.stale, c.rejected), c.records)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if c.rejected > 0 {
		return fmt.Errorf("import: %d records rejected", c.rejected)
	}
	return nil
}

func (im *importer) importFiles(ctx context.Context, files []string) error {
	for _, name := range files {
		if err := im.importFile(ctx, name); err != nil {
			return err
		}
	}
	return nil
}

func (im *importer) importFile(ctx context.Context, name string) error {
	label, in := name, im.stdin
	if name == "-" {
		label = "stdin"
	} else {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	if im.vendor != nil {
		return im.importVendorFile(ctx, label, &countingReader{r: in, n: &im.read})
	}
	rd := recordio.NewReader(&countingReader{r: in, n: &im.read}, fileKind(name))
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		l, err := rd.Next()
		if err == io.EOF {
			return nil
		}
		var le *recordio.LineError
		if err != nil && !errors.As(err, &le) {
			return fmt.Errorf("%s: %s", label, errorText(err))
		}
		var rec *cdr.Record
		if le == nil {
			rec, le = im.check(l)
		}
		if err := im.take(ctx, label, l, rec, le); err != nil {
			return err
		}
	}
}

// take counts one record read from label: a valid record goes into the
// batch (flushed when full), a rejected one is reported.
func (im *importer) take(ctx context.Context, label string, l recordio.Line, rec *cdr.Record, le *recordio.LineError) error {
	im.counts.records++
	if le != nil {
		im.reject(label, le)
	} else {
		im.add(label, l, rec)
	}
	if len(im.batch.lines) >= im.batchMax || im.batch.size >= maxBatchBytes {
		if err := im.flush(ctx); err != nil {
			return err
		}
	}
	im.prog.update(im.counts.records, im.read)
	return nil
}

// importVendorFile imports a file of vendor objects: a JSON array, NDJSON
// or the vendor's list-response envelope (a page as its API returns it).
// Vendor exports come a page at a time, so the file is read whole.
func (im *importer) importVendorFile(ctx context.Context, label string, in io.Reader) error {
	data, err := io.ReadAll(in)
	if err != nil {
		return err
	}
	objs, err := im.vendor.ParseList(data)
	if err != nil {
		return fmt.Errorf("%s: %v", label, err)
	}
	t := im.tgt.tenant
	if t.IsZero() {
		t = checkTenant // only the server knows the tenant
	}
	for i, obj := range objs {
		if err := ctx.Err(); err != nil {
			return err
		}
		l := recordio.Line{N: i + 1, Raw: obj}
		rec, err := im.vendor.Decode(obj)
		var le *recordio.LineError
		if err != nil {
			le = &recordio.LineError{Line: l.N, Code: cdr.ErrorCode(err), Message: errorText(err)}
		} else {
			le = recordio.Validate(rec, l.N, t, im.now().UnixMilli())
		}
		if err := im.take(ctx, label, l, rec, le); err != nil {
			return err
		}
	}
	return nil
}

// fileKind is NDJSON for .ndjson and .jsonl files; other files are sniffed.
func fileKind(name string) recordio.Kind {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".ndjson", ".jsonl":
		return recordio.NDJSON
	}
	return recordio.Auto
}

// errorText is the message of a *cdr.Error, else the error's text.
func errorText(err error) string {
	var e *cdr.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}

// check decodes and validates one record as the native API does.
func (im *importer) check(l recordio.Line) (*cdr.Record, *recordio.LineError) {
	rec, le := recordio.Decode(l.Raw, native.DefaultLimits.MaxRecord)
	if le != nil {
		le.Line = l.N
		return nil, le
	}
	t := im.tgt.tenant
	if t.IsZero() {
		// Only the server knows the tenant, and checks tenant and id.
		t, rec.ID, rec.Tenant = checkTenant, "", ""
	}
	if le := recordio.Validate(rec, l.N, t, im.now().UnixMilli()); le != nil {
		return nil, le
	}
	return rec, nil
}

// add puts a valid record into the batch.
func (im *importer) add(file string, l recordio.Line, rec *cdr.Record) {
	b := &im.batch
	b.lines = append(b.lines, lineRef{file, l.N})
	b.size += len(l.Raw)
	if im.tgt.client == nil {
		b.recs = append(b.recs, rec)
		return
	}
	json.Compact(&b.body, l.Raw) // valid: Decode or the vendor's decoder accepted it
	b.body.WriteByte('\n')
}

// reject counts a rejected record and prints it while under the cap.
func (im *importer) reject(file string, le *recordio.LineError) {
	im.counts.rejected++
	if im.printed >= maxPrintedErrors {
		return
	}
	im.printed++
	where := fmt.Sprintf("%s:%d: ", file, le.Line)
	if le.Field != "" {
		where += le.Field + ": "
	}
	im.prog.printf("%s%s\n", where, le.Message)
}

// flush upserts the batch.
func (im *importer) flush(ctx context.Context) error {
	b := &im.batch
	if len(b.lines) == 0 {
		return nil
	}
	defer b.reset()
	if im.tgt.client == nil {
		res, err := im.tgt.store.UpsertRecords(ctx, im.tgt.tenant, b.recs, cdr.UpsertOptions{DryRun: im.dryRun})
		if err != nil {
			return err
		}
		im.count(res.Inserted, res.Updated, res.Unchanged, res.Stale)
		return nil
	}
	var resp client.UpsertResponse
	err := retryOnce(ctx, func() (err error) {
		body := bytes.NewReader(b.body.Bytes())
		if im.vendor != nil {
			resp, err = im.tgt.client.UpsertVendorRecords(ctx, im.format, body, im.dryRun)
		} else {
			resp, err = im.tgt.client.UpsertRecords(ctx, body, "application/x-ndjson", im.dryRun)
		}
		return err
	})
	if err != nil {
		return err
	}
	im.count(resp.Inserted, resp.Updated, resp.Unchanged, resp.Stale)
	// The server's line numbers count the records of the batch.
	im.counts.rejected += int64(resp.Rejected - len(resp.Errors))
	for _, e := range resp.Errors {
		le := recordio.LineError{Code: e.Code, Field: e.Field, Message: e.Message}
		file := "?"
		if e.Line >= 1 && e.Line <= len(b.lines) {
			file, le.Line = b.lines[e.Line-1].file, b.lines[e.Line-1].n
		}
		im.reject(file, &le)
	}
	return nil
}

func (im *importer) count(inserted, updated, unchanged, stale int) {
	c := &im.counts
	c.inserted += int64(inserted)
	c.updated += int64(updated)
	c.unchanged += int64(unchanged)
	c.stale += int64(stale)
}

// retryOnce calls f, and once more after a pause if its error says the
// server was unreachable or unavailable. Only idempotent calls use it.
func retryOnce(ctx context.Context, f func() error) error {
	err := f()
	if err == nil || !client.Retryable(err) {
		return err
	}
	select {
	case <-ctx.Done():
		return err
	case <-time.After(retryWait):
	}
	return f()
}

// countingReader adds the bytes read to *n.
type countingReader struct {
	r io.Reader
	n *int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	*c.n += int64(n)
	return n, err
}
