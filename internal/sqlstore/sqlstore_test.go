package sqlstore_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
	"github.com/cdrhub/cdrhub/internal/storetest"
)

func newSQLite(t *testing.T) cdr.Store {
	t.Helper()
	s, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "cdrhub.db"), sqlstore.Options{CacheMiB: 4})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSQLiteConformance(t *testing.T) {
	storetest.Run(t, newSQLite)
}
