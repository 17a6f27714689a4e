package sqlstore_test

import (
	"bytes"
	"context"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/demo"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
)

// withUmask sets the process's umask for the test: 022 is the common
// default, under which SQLite's own mode (0644) leaves the database
// readable by every local user.
func withUmask(t *testing.T, mask int) {
	old := syscall.Umask(mask)
	t.Cleanup(func() { syscall.Umask(old) })
}

// dbFiles returns the modes of the database and of its -wal and -shm
// files, those that exist.
func dbFiles(t *testing.T, path string) map[string]fs.FileMode {
	t.Helper()
	modes := map[string]fs.FileMode{}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			if os.IsNotExist(err) {
				continue
			}
			t.Fatal(err)
		}
		modes[filepath.Base(p)] = fi.Mode().Perm()
	}
	return modes
}

func checkPrivate(t *testing.T, path string, want ...string) {
	t.Helper()
	modes := dbFiles(t, path)
	for _, name := range want {
		if _, ok := modes[name]; !ok {
			t.Errorf("%s missing", name)
		}
	}
	for name, m := range modes {
		if m != 0o600 {
			t.Errorf("%s: mode %#o, want 0600", name, m)
		}
	}
}

// A new database, its -wal and its -shm are readable by their owner only,
// whatever the umask lets through.
func TestDatabaseFilesPrivate(t *testing.T) {
	withUmask(t, 0o022)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "data", "cdrhub.db")
	s, err := sqlstore.OpenSQLite(ctx, path, sqlstore.Options{CacheMiB: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.UpsertRecords(ctx, cdr.MustTenantID("acme"), demo.Batch("acme", 0, 50), cdr.UpsertOptions{}); err != nil {
		t.Fatal(err)
	}
	checkPrivate(t, path, "cdrhub.db", "cdrhub.db-wal", "cdrhub.db-shm")
}

// An existing database readable by others is tightened to 0600 when
// opened, with its -wal and -shm, and the log says so.
func TestDatabaseFilesTightened(t *testing.T) {
	withUmask(t, 0o022)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cdrhub.db")
	tn := cdr.MustTenantID("acme")
	first, err := sqlstore.OpenSQLite(ctx, path, sqlstore.Options{CacheMiB: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	if _, err := first.UpsertRecords(ctx, tn, demo.Batch("acme", 0, 50), cdr.UpsertOptions{}); err != nil {
		t.Fatal(err)
	}
	// As a database created before this release, or copied with cp: all
	// three files 0644 while a process has them open.
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	second, err := sqlstore.OpenSQLite(ctx, path, sqlstore.Options{CacheMiB: 4, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	checkPrivate(t, path, "cdrhub.db", "cdrhub.db-wal", "cdrhub.db-shm")
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if !strings.Contains(logs.String(), "path="+p+" was=0644 now=0600") {
			t.Errorf("no log line for %s:\n%s", p, logs.String())
		}
	}
	if _, n, err := second.FindRecords(ctx, tn, cdr.Filter{Count: true, IncludeShadows: true, Limit: 1}); err != nil || n != 50 {
		t.Errorf("after tightening: %d records, %v", n, err)
	}
	second.Close()
	first.Close()

	// A database closed cleanly has no -wal or -shm: the database alone.
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	logs.Reset()
	third, err := sqlstore.OpenSQLite(ctx, path, sqlstore.Options{CacheMiB: 4, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	checkPrivate(t, path, "cdrhub.db")
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "was=0640 now=0600") {
		t.Errorf("log:\n%s", logs.String())
	}
	// A private database is opened without a word.
	third.Close()
	logs.Reset()
	fourth, err := sqlstore.OpenSQLite(ctx, path, sqlstore.Options{CacheMiB: 4, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	fourth.Close()
	if logs.Len() != 0 {
		t.Errorf("log of a private database:\n%s", logs.String())
	}
}
