package blob_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/blob"
	"github.com/cdrhub/cdrhub/internal/blob/blobtest"
)

func newDir(t *testing.T) *blob.Dir {
	t.Helper()
	d, err := blob.NewDir(filepath.Join(t.TempDir(), "recordings"))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDirConformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Store { return newDir(t) })
}

// temporaries lists the temporary files of d.
func temporaries(t *testing.T, d *blob.Dir) []string {
	t.Helper()
	es, err := os.ReadDir(filepath.Join(d.Path(), ".tmp"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestDirModes(t *testing.T) {
	d := newDir(t)
	data := blobtest.Data(1, 1000)
	key := blobtest.KeyOf(t, data)
	blobtest.Put(t, d, key, data, 0)
	want := map[string]fs.FileMode{
		"":                              0o700 | fs.ModeDir,
		".tmp":                          0o700 | fs.ModeDir,
		filepath.Dir(filepath.Dir(key)): 0o700 | fs.ModeDir,
		filepath.Dir(key):               0o700 | fs.ModeDir,
		key:                             0o600,
	}
	for rel, mode := range want {
		fi, err := os.Stat(filepath.Join(d.Path(), filepath.FromSlash(rel)))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != mode {
			t.Errorf("%q: mode %v, want %v", rel, fi.Mode(), mode)
		}
	}
}

func TestDirNoTemporaryLeft(t *testing.T) {
	ctx := context.Background()
	d := newDir(t)
	data := blobtest.Data(2, 5000)
	key := blobtest.KeyOf(t, data)
	blobtest.Put(t, d, key, data, 100)
	if tmp := temporaries(t, d); len(tmp) != 0 {
		t.Errorf("after Commit: temporaries %v", tmp)
	}
	w, err := d.Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	if tmp := temporaries(t, d); len(tmp) != 1 {
		t.Errorf("while writing: temporaries %v, want one", tmp)
	}
	w.Abort()
	if tmp := temporaries(t, d); len(tmp) != 0 {
		t.Errorf("after Abort: temporaries %v", tmp)
	}
	// A refused Commit removes it too.
	w, _ = d.Create(ctx)
	w.Write(data)
	if err := w.Commit(ctx, "../x"); err == nil {
		t.Fatal("Commit of ../x succeeded")
	}
	if tmp := temporaries(t, d); len(tmp) != 0 {
		t.Errorf("after a refused Commit: temporaries %v", tmp)
	}
}

// TestDirCrash drops a Writer without Commit or Abort, as a killed process
// does: its object is never visible, and its temporary file is removed by
// the first NewDir after it is StaleTemp old.
func TestDirCrash(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "r")
	d, err := blob.NewDir(path)
	if err != nil {
		t.Fatal(err)
	}
	data := blobtest.Data(3, 100_000)
	key := blobtest.KeyOf(t, data)
	w, err := d.Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data) // then the process dies

	// A fresh temporary (another process's live write) stays.
	d2, err := blob.NewDir(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d2.Open(ctx, key); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Open after the crash = %v, want not found", err)
	}
	tmp := temporaries(t, d2)
	if len(tmp) != 1 {
		t.Fatalf("temporaries %v, want the crashed write's", tmp)
	}
	// An hour later it is swept.
	old := time.Now().Add(-blob.StaleTemp - time.Minute)
	if err := os.Chtimes(filepath.Join(path, ".tmp", tmp[0]), old, old); err != nil {
		t.Fatal(err)
	}
	d3, err := blob.NewDir(path)
	if err != nil {
		t.Fatal(err)
	}
	if tmp := temporaries(t, d3); len(tmp) != 0 {
		t.Errorf("after the sweep: temporaries %v", tmp)
	}
	if _, err := d3.Open(ctx, key); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Open after the sweep = %v, want not found", err)
	}
}

func TestDirDeleteRemovesEmptyDirectories(t *testing.T) {
	ctx := context.Background()
	d := newDir(t)
	data := blobtest.Data(4, 10)
	key := blobtest.KeyOf(t, data)
	blobtest.Put(t, d, key, data, 0)
	if err := d.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(d.Path(), blobtest.Tenant.String())); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the tenant's empty directory is left: %v", err)
	}
	if _, err := os.Stat(filepath.Join(d.Path(), ".tmp")); err != nil {
		t.Errorf("the temporaries' directory: %v", err)
	}
}

func TestNewDirExisting(t *testing.T) {
	path := t.TempDir()
	if err := os.WriteFile(filepath.Join(path, "file"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := blob.NewDir(filepath.Join(path, "file")); err == nil {
		t.Error("NewDir on a regular file succeeded")
	}
	if _, err := blob.NewDir(""); err == nil {
		t.Error("NewDir(\"\") succeeded")
	}
}

// TestDirCommitRacesDelete commits and deletes objects of one tenant at
// once: a Delete removing the directories it emptied must not fail a
// Commit that just created them.
func TestDirCommitRacesDelete(t *testing.T) {
	ctx := context.Background()
	d := newDir(t)
	var wg sync.WaitGroup
	for g := range 4 {
		data := blobtest.Data(uint64(10+g), 100)
		key := blobtest.KeyOf(t, data)
		wg.Go(func() {
			for range 200 {
				w, err := d.Create(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				w.Write(data)
				if err := w.Commit(ctx, key); err != nil {
					t.Error(err)
					return
				}
				if err := d.Delete(ctx, key); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}
