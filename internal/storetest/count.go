package storetest

import (
	"context"
	"sync/atomic"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// CountReads returns s counting its reads (FindRecordByID, FindRecords,
// StreamRecords) in n: a test checks that a refused request reached no
// store.
func CountReads(s cdr.Store, n *atomic.Int64) cdr.Store { return countingStore{s, n} }

type countingStore struct {
	cdr.Store
	reads *atomic.Int64
}

func (s countingStore) FindRecordByID(ctx context.Context, t cdr.TenantID, id string) (*cdr.Record, error) {
	s.reads.Add(1)
	return s.Store.FindRecordByID(ctx, t, id)
}

func (s countingStore) FindRecords(ctx context.Context, t cdr.TenantID, f cdr.Filter) ([]*cdr.Record, int, error) {
	s.reads.Add(1)
	return s.Store.FindRecords(ctx, t, f)
}

func (s countingStore) StreamRecords(ctx context.Context, t cdr.TenantID, f cdr.Filter, fn func([]byte, cdr.Cursor) error) error {
	s.reads.Add(1)
	return s.Store.StreamRecords(ctx, t, f, fn)
}
