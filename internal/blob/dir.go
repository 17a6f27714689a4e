package blob

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Dir keeps objects as files in a local directory: the object under key
// is the file <path>/<key> (mode 0600, its directories 0700). An object
// being written is a temporary file in <path>/.tmp, renamed into place by
// Commit after an fsync, so that a crash leaves at most a temporary file,
// never a partial object; NewDir removes the temporaries a crash left.
// Its methods are safe for concurrent use.
type Dir struct {
	path string
	tmp  string
}

// tmpDir is the directory of objects being written, inside a Dir's path.
// No key starts with a dot, so it is never an object's directory.
const tmpDir = ".tmp"

// StaleTemp is the age past which NewDir removes a temporary file: the
// write it belonged to was interrupted by a crash. A live write (another
// process may share the directory) keeps its file's modification time
// fresher than that.
const StaleTemp = time.Hour

// NewDir opens the directory store at path, creating the directory (mode
// 0700) when missing, and removes the temporary files older than
// StaleTemp that interrupted writes left.
func NewDir(path string) (*Dir, error) {
	if path == "" {
		return nil, errors.New("blob: empty directory path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	d := &Dir{path: abs, tmp: filepath.Join(abs, tmpDir)}
	if err := os.MkdirAll(d.tmp, 0o700); err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	if err := d.sweep(time.Now().Add(-StaleTemp)); err != nil {
		return nil, err
	}
	return d, nil
}

// Path returns the store's directory.
func (d *Dir) Path() string { return d.path }

// sweep removes the temporary files last modified before before.
func (d *Dir) sweep(before time.Time) error {
	es, err := os.ReadDir(d.tmp)
	if err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	for _, e := range es {
		fi, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		if fi.Mode().IsRegular() && fi.ModTime().Before(before) {
			if err := os.Remove(filepath.Join(d.tmp, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("blob: removing a stale temporary file: %w", err)
			}
		}
	}
	return nil
}

// file returns the path of the object under key, or an error with code
// invalid for a key Key would not return.
func (d *Dir) file(key string) (string, error) {
	if err := CheckKey(key); err != nil {
		return "", err
	}
	return filepath.Join(d.path, filepath.FromSlash(key)), nil
}

// Create starts a new object in a temporary file.
func (d *Dir) Create(ctx context.Context) (Writer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(d.tmp, "w-*") // mode 0600
	if err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	return &dirWriter{d: d, f: f}, nil
}

// Open opens the object under key.
func (d *Dir) Open(ctx context.Context, key string) (Object, error) {
	name, err := d.file(key)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("blob: %s: %w", key, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = fmt.Errorf("%s is not a regular file", key)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("blob: %w", err)
	}
	return &dirObject{File: f, size: fi.Size(), mod: fi.ModTime()}, nil
}

// Delete removes the object under key, then its directories when they
// are left empty.
func (d *Dir) Delete(ctx context.Context, key string) error {
	name, err := d.file(key)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := os.Remove(name); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("blob: %w", err)
	}
	// <tenant>/<aa>, then <tenant>: removing a directory that is not empty
	// fails, which is all the check needed. A Commit racing with this
	// recreates the directory (dirWriter.Commit).
	dir := filepath.Dir(name)
	if os.Remove(dir) == nil {
		os.Remove(filepath.Dir(dir))
	}
	return nil
}

// dirObject is an object open for reading.
type dirObject struct {
	*os.File
	size int64
	mod  time.Time
}

func (o *dirObject) Size() int64        { return o.size }
func (o *dirObject) ModTime() time.Time { return o.mod }

// dirWriter is an object being written to a temporary file.
type dirWriter struct {
	d    *Dir
	f    *os.File
	done bool // committed or aborted
}

var errWriterDone = errors.New("blob: the writer was committed or aborted")

func (w *dirWriter) Write(p []byte) (int, error) {
	if w.done {
		return 0, errWriterDone
	}
	return w.f.Write(p)
}

// Commit fsyncs the temporary file, renames it to the key's path and
// fsyncs the directories it changed. The temporary file is removed
// whatever the outcome.
func (w *dirWriter) Commit(ctx context.Context, key string) error {
	if w.done {
		return errWriterDone
	}
	name, err := w.d.file(key)
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		w.Abort()
		return err
	}
	w.done = true
	tmp := w.f.Name()
	err = w.f.Sync()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = w.d.place(tmp, name)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("blob: committing %s: %w", key, err)
	}
	return nil
}

// place renames tmp to name, creating name's directories, and fsyncs the
// directories that changed.
func (d *Dir) place(tmp, name string) error {
	dir := filepath.Dir(name)
	// A Delete of a directory's last object may remove the directory
	// (or its parent) between its creation and the rename: create it
	// again then.
	const tries = 20
	var created []string // over every try: their parents are synced
	for try := 1; ; try++ {
		c, err := d.mkdirs(dir)
		created = append(created, c...)
		if errors.Is(err, fs.ErrNotExist) && try < tries {
			continue
		}
		if err != nil {
			return err
		}
		err = os.Rename(tmp, name)
		if errors.Is(err, fs.ErrNotExist) && try < tries {
			if _, serr := os.Stat(tmp); serr == nil {
				continue
			}
		}
		if err != nil {
			return err
		}
		// The new entry's directory, and the parent of each directory
		// created (the highest created one's parent included).
		syncs := []string{dir}
		for _, c := range created {
			if p := filepath.Dir(c); !slices.Contains(syncs, p) {
				syncs = append(syncs, p)
			}
		}
		for _, s := range syncs {
			if err := syncDir(s); err != nil {
				return err
			}
		}
		return nil
	}
}

// mkdirs creates dir and its missing parents inside d (mode 0700) and
// returns the ones it created.
func (d *Dir) mkdirs(dir string) (created []string, err error) {
	rel, err := filepath.Rel(d.path, dir)
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return nil, fmt.Errorf("blob: %s is not inside %s", dir, d.path)
	}
	p := d.path
	for _, part := range strings.Split(rel, string(filepath.Separator)) {
		p = filepath.Join(p, part)
		err := os.Mkdir(p, 0o700)
		switch {
		case err == nil:
			created = append(created, p)
		case errors.Is(err, fs.ErrExist):
		default:
			return created, err
		}
	}
	return created, nil
}

// syncDir fsyncs a directory, making the entries renamed or created in it
// durable.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Abort removes the temporary file; after Commit it does nothing.
func (w *dirWriter) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	tmp := w.f.Name()
	w.f.Close()
	if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blob: %w", err)
	}
	return nil
}
