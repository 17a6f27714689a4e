package sqlstore

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
)

// privateFiles makes the SQLite database at path readable by its owner
// only, before the driver opens it: every tenant's records are in it. A
// missing database is created empty with mode 0600, and SQLite gives the
// -wal and -shm files it creates beside it the database's mode. An existing
// database, -wal or -shm file that group or others may read or write loses
// those permissions, with a warning in the log; a file the process cannot
// change (owned by another user) is only warned about.
func privateFiles(path string, log *slog.Logger) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		return f.Close()
	}
	if !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("sqlstore: create database: %w", err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("sqlstore: %w", err)
		}
		perm := fi.Mode().Perm()
		if !fi.Mode().IsRegular() || perm&0o077 == 0 {
			continue
		}
		if err := os.Chmod(p, perm&^0o077); err != nil {
			log.Warn("database file is readable by other users and its permissions cannot be changed", "path", p,
				"mode", fmt.Sprintf("%#o", perm), "err", err)
			continue
		}
		log.Warn("database file was readable by other users: permissions tightened", "path", p,
			"was", fmt.Sprintf("%#o", perm), "now", fmt.Sprintf("%#o", perm&^0o077))
	}
	return nil
}
