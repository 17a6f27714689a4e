package sqlstore_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/demo"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
	"github.com/cdrhub/cdrhub/internal/storetest"
)

// syncBuffer is a log destination safe for the pipeline's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// A panic while a call's rows are computed (here in the vendor terms
// function, which runs on the pipeline's goroutine) fails the batch that
// needs the record as internal, is logged with its stack, and leaves the
// process and later calls working; batches before it stay committed.
func TestPipelinePanic(t *testing.T) {
	defer sqlstore.SetBatchSize(100)()
	for _, b := range []storetest.Backend{storetest.SQLite, storetest.Postgres} {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			var logs syncBuffer
			terms := func(r *cdr.Record) []cdr.Term {
				if strings.HasSuffix(r.SourceID, "-boom") {
					panic("terms of " + r.SourceID)
				}
				return nil
			}
			s := b.Open(t, sqlstore.Options{Terms: terms, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			tn := cdr.MustTenantID("acme")
			recs := demo.Batch("acme", 0, 300)
			recs[150].SourceID += "-boom"
			res, err := s.UpsertRecords(ctx, tn, recs, cdr.UpsertOptions{})
			if code := cdr.ErrorCode(err); code != cdr.EINTERNAL {
				t.Fatalf("upsert with a panic: %v (code %q), want internal", err, code)
			}
			if res.Inserted != 100 {
				t.Errorf("%d inserted, want the first batch's 100", res.Inserted)
			}
			out := logs.String()
			if !strings.Contains(out, "level=ERROR") || !strings.Contains(out, "terms of b00000-") || !strings.Contains(out, "goroutine") {
				t.Errorf("log of the panic:\n%s", out)
			}
			if _, n, err := s.FindRecords(ctx, tn, cdr.Filter{Count: true, IncludeShadows: true, Limit: 1}); err != nil || n != 100 {
				t.Errorf("%d records after the panic, want 100: %v", n, err)
			}
			recs[150].SourceID = strings.TrimSuffix(recs[150].SourceID, "-boom")
			if res, err := s.UpsertRecords(ctx, tn, demo.Batch("acme", 0, 300), cdr.UpsertOptions{}); err != nil || res.Inserted != 200 || res.Unchanged != 100 {
				t.Errorf("upsert after the panic: %+v %v", res, err)
			}
		})
	}
}
