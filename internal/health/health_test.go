package health

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/httpserver"
	"github.com/cdrhub/cdrhub/internal/metrics"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
)

// fakeDB is a store whose writes and probe writes fail with writeErr.
type fakeDB struct {
	cdr.Store
	writeErr error
	probes   int
}

func (f *fakeDB) Ping(context.Context) error { return nil }
func (f *fakeDB) ProbeWrite(context.Context) error {
	f.probes++
	return f.writeErr
}
func (f *fakeDB) UpsertRecords(_ context.Context, _ cdr.TenantID, recs []*cdr.Record, _ cdr.UpsertOptions) (cdr.UpsertResult, error) {
	if f.writeErr != nil {
		return cdr.UpsertResult{}, f.writeErr
	}
	return cdr.UpsertResult{Inserted: len(recs)}, nil
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newDatabase(t *testing.T) (*Database, *fakeDB, *clock, *metrics.Registry) {
	db := &fakeDB{}
	reg := metrics.NewRegistry()
	d := New(db, db, reg)
	c := &clock{time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)}
	d.now = c.now
	return d, db, c, reg
}

func TestWritable(t *testing.T) {
	ctx := context.Background()
	d, db, c, reg := newDatabase(t)
	s := d.Store(db)
	write := func() error {
		_, err := s.UpsertRecords(ctx, cdr.MustTenantID("acme"), []*cdr.Record{{}}, cdr.UpsertOptions{})
		return err
	}
	if err := d.Writable(ctx); err != nil {
		t.Fatalf("fresh: %v", err)
	}
	// Client errors and canceled requests say nothing of the database.
	for _, err := range []error{cdr.Errorf(cdr.EINVALID, "bad record"), cdr.Errorf(cdr.ETOOLARGE, "big"), context.Canceled} {
		db.writeErr = err
		write()
		if err := d.Writable(ctx); err != nil {
			t.Fatalf("after a %v: %v", db.writeErr, err)
		}
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	db.writeErr = cdr.Errorf(cdr.EINTERNAL, "interrupted")
	s.UpsertRecords(canceled, cdr.MustTenantID("acme"), []*cdr.Record{{}}, cdr.UpsertOptions{})
	if err := d.Writable(ctx); err != nil {
		t.Fatalf("after a write whose caller went away: %v", err)
	}
	// A dry run writes nothing.
	db.writeErr = cdr.Errorf(cdr.EUNAVAILABLE, "disk full")
	s.UpsertRecords(ctx, cdr.MustTenantID("acme"), []*cdr.Record{{}}, cdr.UpsertOptions{DryRun: true})
	if err := d.Writable(ctx); err != nil {
		t.Fatalf("after a dry run: %v", err)
	}

	// A database error: not writable, the probe tried at once, then at
	// most every ProbeInterval.
	write()
	if err := d.Writable(ctx); !errors.Is(err, ErrNotWritable) || db.probes != 1 {
		t.Fatalf("after a failed write: %v, %d probes", err, db.probes)
	}
	c.advance(ProbeInterval - time.Second)
	for range 5 {
		if err := d.Writable(ctx); !errors.Is(err, ErrNotWritable) {
			t.Fatalf("still failing: %v", err)
		}
	}
	if db.probes != 1 {
		t.Fatalf("%d probes within %v, want 1", db.probes, ProbeInterval)
	}
	c.advance(time.Second)
	d.Writable(ctx)
	if db.probes != 2 {
		t.Fatalf("%d probes after %v, want 2", db.probes, ProbeInterval)
	}
	// The disk has room again: the next probe ends the failure.
	db.writeErr = nil
	c.advance(ProbeInterval)
	if err := d.Writable(ctx); err != nil || db.probes != 3 {
		t.Fatalf("after a good probe: %v, %d probes", err, db.probes)
	}
	// A write's success ends a failure too, without a probe.
	db.writeErr = cdr.Errorf(cdr.EINTERNAL, "io error")
	write()
	db.writeErr = nil
	write()
	if err := d.Writable(ctx); err != nil || db.probes != 3 {
		t.Fatalf("after a good write: %v, %d probes", err, db.probes)
	}
	var page strings.Builder
	reg.WriteTo(&page)
	// Failed writes: disk full, the probe twice, io error.
	if !strings.Contains(page.String(), "cdrhub_database_write_errors_total 4\n") {
		t.Errorf("metrics:\n%s", grep(page.String(), "write_errors"))
	}
}

// /readyz answers 503 "database not writable" while writes fail.
func TestReadyz(t *testing.T) {
	ctx := context.Background()
	d, db, c, _ := newDatabase(t)
	srv := httptest.NewServer(httpserver.Routes(httpserver.Ready{DB: d, Writes: d}, nil, slog.New(slog.DiscardHandler), httpserver.APIs{}))
	t.Cleanup(srv.Close)
	ready := func() (int, string) {
		resp, err := http.Get(srv.URL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		buf := make([]byte, 512)
		n, _ := resp.Body.Read(buf)
		b.Write(buf[:n])
		return resp.StatusCode, b.String()
	}
	if code, body := ready(); code != 200 {
		t.Fatalf("healthy: %d %s", code, body)
	}
	db.writeErr = cdr.Errorf(cdr.EUNAVAILABLE, "disk full")
	d.Store(db).UpsertRecords(ctx, cdr.MustTenantID("acme"), []*cdr.Record{{}}, cdr.UpsertOptions{})
	if code, body := ready(); code != 503 || !strings.Contains(body, `"reason":"database not writable"`) || !strings.Contains(body, `"status":"unavailable"`) {
		t.Fatalf("not writable: %d %s", code, body)
	}
	db.writeErr = nil
	c.advance(ProbeInterval)
	if code, body := ready(); code != 200 {
		t.Fatalf("recovered: %d %s", code, body)
	}
}

func grep(s, sub string) string {
	var out []string
	for l := range strings.SplitSeq(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// A real SQLite database fills up (max_page_count, as a full disk): the
// batch fails, /readyz's check says not writable, and once there is room
// again the probe write brings it back.
func TestFullDiskSQLite(t *testing.T) {
	ctx := context.Background()
	db, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "full.db"), sqlstore.Options{CacheMiB: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	d := New(db, db, metrics.NewRegistry())
	c := &clock{time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)}
	d.now = c.now
	s := d.Store(db)
	batch := func(prefix string, n int) error {
		var recs []*cdr.Record
		for i := range n {
			recs = append(recs, &cdr.Record{Channel: cdr.ChannelVoice, Source: cdr.SourceNative,
				SourceID: fmt.Sprintf("%s-%d", prefix, i), StartAt: 1_763_700_000_000 + int64(i),
				Note: strings.Repeat("n", 500)})
		}
		_, err := s.UpsertRecords(ctx, cdr.MustTenantID("acme"), recs, cdr.UpsertOptions{})
		return err
	}
	if err := batch("before", 10); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SetMaxPageCount(ctx, 1); err != nil { // no page more than it has
		t.Fatal(err)
	}
	if err := batch("full", 2000); cdr.ErrorCode(err) != cdr.EUNAVAILABLE {
		t.Fatalf("a batch into a full database: %v, want unavailable", err)
	}
	if err := d.Writable(ctx); !errors.Is(err, ErrNotWritable) {
		t.Fatalf("full: %v", err)
	}
	if err := db.Ping(ctx); err != nil {
		t.Fatalf("reads stop with the writes: %v", err)
	}
	if _, err := db.SetMaxPageCount(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if err := d.Writable(ctx); !errors.Is(err, ErrNotWritable) {
		t.Fatalf("room again, but probed less than %v ago: %v", ProbeInterval, err)
	}
	c.advance(ProbeInterval)
	if err := d.Writable(ctx); err != nil {
		t.Fatalf("room again, probed: %v", err)
	}
	if err := batch("after", 10); err != nil {
		t.Fatal(err)
	}
}
