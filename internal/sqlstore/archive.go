package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

var (
	_ cdr.Archive = (*SQLite)(nil)
	_ cdr.Archive = (*Postgres)(nil)
	_ cdr.Secrets = (*SQLite)(nil)
	_ cdr.Secrets = (*Postgres)(nil)
)

// archiveSQL is the recording archive's state (migration 0006) on either
// database: the same SQL, rebound for the dialect. Writes go through write
// (SQLite's writer connection), each in one transaction; reads through
// read.
//
// Two processes may share a PostgreSQL database: PlanFiles locks the
// tenant's plan mark, so planners of one tenant take turns; SetArchived,
// PruneFiles and DeleteFiles lock the rows they read before changing
// them, so that the keys they return are those they replaced; and every
// other change is one conditional statement on its row, whose condition
// PostgreSQL evaluates on the row's latest version. SQLite's write
// transactions exclude each other (BEGIN IMMEDIATE).
type archiveSQL struct {
	read, write *sql.DB
	d           *dialect
	// lock ends a SELECT whose rows the transaction is about to change:
	// FOR UPDATE on PostgreSQL, nothing on SQLite.
	lock string
}

func (s *SQLite) archive() archiveSQL {
	return archiveSQL{read: s.db, write: s.write, d: sqliteDialect}
}

func (s *Postgres) archive() archiveSQL {
	return archiveSQL{read: s.db, write: s.db, d: postgresDialect, lock: " FOR UPDATE"}
}

// PlanFiles brings the rows of the files of t's records updated after the
// plan mark in line with the records.
func (s *SQLite) PlanFiles(ctx context.Context, t cdr.TenantID, upTo int64, limit int, expires func(*cdr.Record) int64) (int, error) {
	return s.archive().planFiles(ctx, t, upTo, limit, expires)
}

// PlanFiles brings the rows of the files of t's records updated after the
// plan mark in line with the records.
func (s *Postgres) PlanFiles(ctx context.Context, t cdr.TenantID, upTo int64, limit int, expires func(*cdr.Record) int64) (int, error) {
	return s.archive().planFiles(ctx, t, upTo, limit, expires)
}

// PlanRecord brings the rows of one record's files in line with it.
func (s *SQLite) PlanRecord(ctx context.Context, t cdr.TenantID, rec *cdr.Record, expiresAt int64) error {
	return s.archive().planRecord(ctx, t, rec, expiresAt)
}

// PlanRecord brings the rows of one record's files in line with it.
func (s *Postgres) PlanRecord(ctx context.Context, t cdr.TenantID, rec *cdr.Record, expiresAt int64) error {
	return s.archive().planRecord(ctx, t, rec, expiresAt)
}

// DueFiles returns t's pending files due at now, in the order to fetch them.
func (s *SQLite) DueFiles(ctx context.Context, t cdr.TenantID, now int64, limit int) ([]cdr.ArchiveFile, error) {
	return s.archive().dueFiles(ctx, t, now, limit)
}

// DueFiles returns t's pending files due at now, in the order to fetch them.
func (s *Postgres) DueFiles(ctx context.Context, t cdr.TenantID, now int64, limit int) ([]cdr.ArchiveFile, error) {
	return s.archive().dueFiles(ctx, t, now, limit)
}

// DueUnaddressed returns t's pending files due at now that name no
// address, of records of sources.
func (s *SQLite) DueUnaddressed(ctx context.Context, t cdr.TenantID, sources []cdr.Source, now int64, limit int) ([]cdr.ArchiveFile, error) {
	return s.archive().dueUnaddressed(ctx, t, sources, now, limit)
}

// DueUnaddressed returns t's pending files due at now that name no
// address, of records of sources.
func (s *Postgres) DueUnaddressed(ctx context.Context, t cdr.TenantID, sources []cdr.Source, now int64, limit int) ([]cdr.ArchiveFile, error) {
	return s.archive().dueUnaddressed(ctx, t, sources, now, limit)
}

// RecordFiles returns the rows of one record's files.
func (s *SQLite) RecordFiles(ctx context.Context, t cdr.TenantID, recordID string) ([]cdr.ArchiveFile, error) {
	return s.archive().recordFiles(ctx, t, recordID)
}

// RecordFiles returns the rows of one record's files.
func (s *Postgres) RecordFiles(ctx context.Context, t cdr.TenantID, recordID string) ([]cdr.ArchiveFile, error) {
	return s.archive().recordFiles(ctx, t, recordID)
}

// ArchiveFile returns the row of one file.
func (s *SQLite) ArchiveFile(ctx context.Context, t cdr.TenantID, recordID string, n int) (cdr.ArchiveFile, error) {
	return s.archive().file(ctx, t, recordID, n)
}

// ArchiveFile returns the row of one file.
func (s *Postgres) ArchiveFile(ctx context.Context, t cdr.TenantID, recordID string, n int) (cdr.ArchiveFile, error) {
	return s.archive().file(ctx, t, recordID, n)
}

// SetArchived marks a file archived with what was stored.
func (s *SQLite) SetArchived(ctx context.Context, t cdr.TenantID, recordID string, n int, f cdr.StoredFile) (string, error) {
	return s.archive().setArchived(ctx, t, recordID, n, f)
}

// SetArchived marks a file archived with what was stored.
func (s *Postgres) SetArchived(ctx context.Context, t cdr.TenantID, recordID string, n int, f cdr.StoredFile) (string, error) {
	return s.archive().setArchived(ctx, t, recordID, n, f)
}

// SetFailed records a failed attempt to archive a file.
func (s *SQLite) SetFailed(ctx context.Context, t cdr.TenantID, recordID string, n int, f cdr.Failure) error {
	return s.archive().setFailed(ctx, t, recordID, n, f)
}

// SetFailed records a failed attempt to archive a file.
func (s *Postgres) SetFailed(ctx context.Context, t cdr.TenantID, recordID string, n int, f cdr.Failure) error {
	return s.archive().setFailed(ctx, t, recordID, n, f)
}

// BlobInUse reports whether a row of t names key.
func (s *SQLite) BlobInUse(ctx context.Context, t cdr.TenantID, key string) (bool, error) {
	return s.archive().blobInUse(ctx, t, key)
}

// BlobInUse reports whether a row of t names key.
func (s *Postgres) BlobInUse(ctx context.Context, t cdr.TenantID, key string) (bool, error) {
	return s.archive().blobInUse(ctx, t, key)
}

// PruneFiles marks pruned the archived files of t's records that started
// before before.
func (s *SQLite) PruneFiles(ctx context.Context, t cdr.TenantID, before int64, limit int) ([]string, int, error) {
	return s.archive().pruneFiles(ctx, t, before, limit)
}

// PruneFiles marks pruned the archived files of t's records that started
// before before.
func (s *Postgres) PruneFiles(ctx context.Context, t cdr.TenantID, before int64, limit int) ([]string, int, error) {
	return s.archive().pruneFiles(ctx, t, before, limit)
}

// DeleteFiles deletes the rows of the files of t's records that started
// before before.
func (s *SQLite) DeleteFiles(ctx context.Context, t cdr.TenantID, before int64, limit int) ([]string, int, error) {
	return s.archive().deleteFiles(ctx, t, before, limit)
}

// DeleteFiles deletes the rows of the files of t's records that started
// before before.
func (s *Postgres) DeleteFiles(ctx context.Context, t cdr.TenantID, before int64, limit int) ([]string, int, error) {
	return s.archive().deleteFiles(ctx, t, before, limit)
}

// ArchiveCounts returns the archive's counts of each of t's sources.
func (s *SQLite) ArchiveCounts(ctx context.Context, t cdr.TenantID) ([]cdr.ArchiveCounts, error) {
	return s.archive().counts(ctx, t)
}

// ArchiveCounts returns the archive's counts of each of t's sources.
func (s *Postgres) ArchiveCounts(ctx context.Context, t cdr.TenantID) ([]cdr.ArchiveCounts, error) {
	return s.archive().counts(ctx, t)
}

// ArchiveTenants lists the tenants that have file rows.
func (s *SQLite) ArchiveTenants(ctx context.Context) ([]cdr.TenantID, error) {
	return s.archive().tenants(ctx)
}

// ArchiveTenants lists the tenants that have file rows.
func (s *Postgres) ArchiveTenants(ctx context.Context) ([]cdr.TenantID, error) {
	return s.archive().tenants(ctx)
}

// Secret returns the secret stored under name, storing gen first when
// there is none.
func (s *SQLite) Secret(ctx context.Context, name string, gen []byte) ([]byte, error) {
	return s.archive().secret(ctx, name, gen)
}

// Secret returns the secret stored under name, storing gen first when
// there is none.
func (s *Postgres) Secret(ctx context.Context, name string, gen []byte) ([]byte, error) {
	return s.archive().secret(ctx, name, gen)
}

// archiveLimit checks the limit of a batch: 1 to cdr.MaxArchiveBatch, 0
// meaning the most.
func archiveLimit(limit int) (int, error) {
	switch {
	case limit == 0:
		return cdr.MaxArchiveBatch, nil
	case limit < 0 || limit > cdr.MaxArchiveBatch:
		return 0, cdr.Errorf(cdr.EINVALID, "limit %d: want 1 to %d", limit, cdr.MaxArchiveBatch)
	}
	return limit, nil
}

// storable reports whether both databases store s as it is: valid UTF-8
// without NUL, which PostgreSQL's text refuses.
func storable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// cutMessage makes a failure's message storable and at most
// cdr.MaxSyncMessageLen bytes, cut on a rune boundary: a failure is
// recorded whatever its message.
func cutMessage(m string) string {
	m = strings.ReplaceAll(strings.ToValidUTF8(m, "\uFFFD"), "\x00", "")
	if len(m) <= cdr.MaxSyncMessageLen {
		return m
	}
	i := cdr.MaxSyncMessageLen
	for i > 0 && !utf8.RuneStart(m[i]) {
		i--
	}
	return m[:i]
}

// maxKeyLen bounds a blob key.
const maxKeyLen = 1024

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// checkStored refuses what archiving a file cannot have stored, as invalid.
func checkStored(f *cdr.StoredFile) error {
	switch {
	case f.Key == "" || len(f.Key) > maxKeyLen || !storable(f.Key):
		return cdr.Errorf(cdr.EINVALID, "stored file: want a key of 1 to %d bytes of UTF-8", maxKeyLen)
	case !sha256Hex.MatchString(f.SHA256):
		return cdr.Errorf(cdr.EINVALID, "stored file: %q is not a lower-case hex SHA-256", f.SHA256)
	case f.Bytes < 0 || f.At < 0:
		return cdr.Errorf(cdr.EINVALID, "stored file: want a size and a time of at least 0")
	case len(f.ContentType) > cdr.MaxNameLen || !storable(f.ContentType):
		return cdr.Errorf(cdr.EINVALID, "stored file: want a content type of at most %d bytes of UTF-8", cdr.MaxNameLen)
	}
	return nil
}

// fileColumns are the columns of a cdr.ArchiveFile, in scanFile's order.
const fileColumns = `record_id, source, n, of, url, copy_url, transcript, start_at, expires_at,
	state, attempts, next_attempt_at, reason, message, blob_key, bytes, sha256, content_type, archived_at`

func scanFile(r scanner) (cdr.ArchiveFile, error) {
	var (
		f                               cdr.ArchiveFile
		source, state                   string
		transcript                      int64
		reason, message, key, sum, ctyp sql.NullString
		size, archivedAt                sql.NullInt64
	)
	if err := r.Scan(&f.RecordID, &source, &f.N, &f.Of, &f.URL, &f.CopyURL, &transcript, &f.StartAt, &f.ExpiresAt,
		&state, &f.Attempts, &f.NextAttemptAt, &reason, &message, &key, &size, &sum, &ctyp, &archivedAt); err != nil {
		return f, err
	}
	f.Source, f.State, f.Transcript = cdr.Source(source), cdr.FileState(state), transcript != 0
	f.Reason, f.Message, f.Key, f.SHA256, f.ContentType = reason.String, message.String, key.String, sum.String, ctyp.String
	f.Bytes, f.ArchivedAt = size.Int64, archivedAt.Int64
	return f, nil
}

// files runs a query of file rows.
func (s archiveSQL) files(ctx context.Context, query string, args ...any) ([]cdr.ArchiveFile, error) {
	rows, err := s.read.QueryContext(ctx, s.d.rebind(query), args...)
	if err != nil {
		return nil, s.d.formatError(err)
	}
	defer rows.Close()
	var fs []cdr.ArchiveFile
	for rows.Next() {
		f, err := scanFile(rows)
		if err != nil {
			return nil, s.d.formatError(err)
		}
		fs = append(fs, f)
	}
	return fs, s.d.formatError(rows.Err())
}

// plannedRecord is a record read by PlanFiles, with what its rows take.
type plannedRecord struct {
	id        string
	updatedAt int64
	source    cdr.Source
	startAt   int64
	expiresAt int64
	files     []cdr.FileRef
}

// fileRowArgs is the number of parameters of a row of fileUpsert.
const fileRowArgs = 10

// planChunk is the most file rows one statement of PlanFiles writes.
const planChunk = 200

// urlsChanged is the condition, in the DO UPDATE of fileUpsert, of a file
// whose record now gives other URLs.
const urlsChanged = `(archive_files.url <> excluded.url OR archive_files.copy_url <> excluded.copy_url)`

// fileUpsert ends the INSERT of PlanFiles: a known file still pending
// takes the record's current values, and when its URLs changed it starts
// over (no attempts, no failure, due at once); an archived, given-up or
// pruned file is left alone, and so is a row that would not change.
const fileUpsert = ` ON CONFLICT (tenant_id, record_id, n) DO UPDATE SET
		source = excluded.source, of = excluded.of, url = excluded.url, copy_url = excluded.copy_url,
		transcript = excluded.transcript, start_at = excluded.start_at, expires_at = excluded.expires_at,
		attempts = CASE WHEN ` + urlsChanged + ` THEN 0 ELSE archive_files.attempts END,
		next_attempt_at = CASE WHEN ` + urlsChanged + ` THEN 0 ELSE archive_files.next_attempt_at END,
		reason = CASE WHEN ` + urlsChanged + ` THEN NULL ELSE archive_files.reason END,
		message = CASE WHEN ` + urlsChanged + ` THEN NULL ELSE archive_files.message END
	WHERE archive_files.state = 'pending' AND (` + urlsChanged + `
		OR archive_files.source <> excluded.source OR archive_files.of <> excluded.of
		OR archive_files.transcript <> excluded.transcript OR archive_files.start_at <> excluded.start_at
		OR archive_files.expires_at <> excluded.expires_at)`

// planFiles is PlanFiles: one transaction that locks the tenant's mark,
// reads the records after it, upserts their files' rows, deletes the
// pending rows of files a record no longer has, and moves the mark.
//
// A file number the record no longer has (it lost a recording) keeps its
// row unless the row is pending: an archived, given-up or pruned row
// stays, with its blob and history; a pending one is deleted, so that no
// URL the record dropped is fetched. A negative expires(record) counts as
// unknown (0).
func (s archiveSQL) planFiles(ctx context.Context, t cdr.TenantID, upTo int64, limit int, expires func(*cdr.Record) int64) (int, error) {
	if t.IsZero() {
		return 0, cdr.ErrNoTenant
	}
	limit, err := archiveLimit(limit)
	if err != nil {
		return 0, err
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return 0, s.d.formatError(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, s.d.rebind(`INSERT INTO archive_marks (tenant_id, updated_at, record_id) VALUES (?, 0, '')
		ON CONFLICT (tenant_id) DO NOTHING`), t.String()); err != nil {
		return 0, s.d.formatError(err)
	}
	var markAt int64
	var markID string
	if err := tx.QueryRowContext(ctx, s.d.rebind(`SELECT updated_at, record_id FROM archive_marks WHERE tenant_id = ?`+s.lock),
		t.String()).Scan(&markAt, &markID); err != nil {
		return 0, s.d.formatError(err)
	}
	recs, err := s.plannedRecords(ctx, tx, t, markAt, markID, upTo, limit, expires)
	if err != nil || len(recs) == 0 {
		return 0, err
	}

	if err := s.writePlanned(ctx, tx, t, recs); err != nil {
		return 0, err
	}
	last := recs[len(recs)-1]
	if _, err := tx.ExecContext(ctx, s.d.rebind(`UPDATE archive_marks SET updated_at = ?, record_id = ? WHERE tenant_id = ?`),
		last.updatedAt, last.id, t.String()); err != nil {
		return 0, s.d.formatError(err)
	}
	if err := tx.Commit(); err != nil {
		return 0, s.d.formatError(err)
	}
	return len(recs), nil
}

// writePlanned brings the rows of recs' files in line with their records
// (fileUpsert), planChunk rows a statement, and deletes the pending rows of
// numbers past a record's files.
func (s archiveSQL) writePlanned(ctx context.Context, tx *sql.Tx, t cdr.TenantID, recs []plannedRecord) error {
	// The rows, in record order, planChunk at a time.
	var args []any
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		rows := len(args) / fileRowArgs
		values := strings.Repeat(`(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending'), `, rows)
		values = values[:len(values)-2]
		_, err := tx.ExecContext(ctx, s.d.rebind(`INSERT INTO archive_files
			(tenant_id, record_id, n, source, of, url, copy_url, transcript, start_at, expires_at, state) VALUES `+values+fileUpsert),
			args...)
		args = args[:0]
		return s.d.formatError(err)
	}
	// Records by number of files, for the rows of numbers they no longer have.
	fewer := map[int][]string{}
	for _, r := range recs {
		for _, f := range r.files {
			transcript := 0
			if f.Transcript {
				transcript = 1
			}
			args = append(args, t.String(), r.id, f.N, string(r.source), f.Of, f.URL, f.CopyURL, transcript, r.startAt, r.expiresAt)
			if len(args) == planChunk*fileRowArgs {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if len(r.files) < cdr.MaxFilesPerRecord {
			fewer[len(r.files)] = append(fewer[len(r.files)], r.id)
		}
	}
	if err := flush(); err != nil {
		return err
	}
	// The pending rows of numbers past a record's files, along the
	// primary key: "pending" is written as no other state, so that no
	// index on state looks cheaper before the table has statistics.
	for n, ids := range fewer {
		for chunk := range slices.Chunk(ids, 500) {
			a := append([]any{t.String(), n}, anys(chunk)...)
			if _, err := tx.ExecContext(ctx, s.d.rebind(`DELETE FROM archive_files
				WHERE tenant_id = ? AND n >= ? AND record_id IN (`+placeholders(len(chunk))+`)
					AND state NOT IN ('archived', 'given_up', 'pruned')`), a...); err != nil {
				return s.d.formatError(err)
			}
		}
	}
	return nil
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// plannedRecords reads the records PlanFiles plans: t's records with a
// recording after the mark (markAt, markID) and updated before upTo, in
// (updated_at, id) order, along records_recording.
func (s archiveSQL) plannedRecords(ctx context.Context, tx *sql.Tx, t cdr.TenantID, markAt int64, markID string, upTo int64, limit int,
	expires func(*cdr.Record) int64) ([]plannedRecord, error) {
	rows, err := tx.QueryContext(ctx, s.d.rebind(`SELECT id, version, created_at, updated_at, doc, NULL FROM records
		WHERE tenant_id = ? AND has_recording = 1 AND (updated_at, id) > (?, ?) AND updated_at < ?
		ORDER BY updated_at, id LIMIT ?`), t.String(), markAt, markID, upTo, limit)
	if err != nil {
		return nil, s.d.formatError(err)
	}
	defer rows.Close()
	var recs []plannedRecord
	for rows.Next() {
		r, err := scanRecord(rows.Scan, false, s.d)
		if err != nil {
			return nil, err
		}
		r.Tenant = t.String()
		p := plannedRecord{id: r.ID, updatedAt: r.UpdatedAt, source: r.Source, startAt: r.StartAt, files: cdr.RecordingFiles(r)}
		if expires != nil {
			p.expiresAt = max(expires(r), 0)
		}
		recs = append(recs, p)
	}
	return recs, s.d.formatError(rows.Err())
}

// planRecord is PlanRecord: rec's rows brought in line in one transaction.
func (s archiveSQL) planRecord(ctx context.Context, t cdr.TenantID, rec *cdr.Record, expiresAt int64) error {
	if t.IsZero() {
		return cdr.ErrNoTenant
	}
	if !storable(rec.ID) {
		return cdr.Errorf(cdr.EINVALID, "record id %q", rec.ID)
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return s.d.formatError(err)
	}
	defer tx.Rollback()
	p := plannedRecord{id: rec.ID, source: rec.Source, startAt: rec.StartAt, expiresAt: max(expiresAt, 0), files: cdr.RecordingFiles(rec)}
	if err := s.writePlanned(ctx, tx, t, []plannedRecord{p}); err != nil {
		return err
	}
	return s.d.formatError(tx.Commit())
}

func (s archiveSQL) dueFiles(ctx context.Context, t cdr.TenantID, now int64, limit int) ([]cdr.ArchiveFile, error) {
	if t.IsZero() {
		return nil, cdr.ErrNoTenant
	}
	limit, err := archiveLimit(limit)
	if err != nil {
		return nil, err
	}
	// Along archive_files_due, whose predicate this WHERE repeats word for
	// word, in its order: no sort however large the backlog.
	return s.files(ctx, `SELECT `+fileColumns+` FROM archive_files
		WHERE tenant_id = ? AND state = 'pending' AND (url <> '' OR copy_url <> '') AND next_attempt_at <= ?
		ORDER BY (expires_at = 0), expires_at, start_at, record_id, n LIMIT ?`, t.String(), now, limit)
}

// dueUnaddressedSQL reads one source's due files without an address along
// archive_files_unaddressed (migration 0013), whose predicate its WHERE
// repeats word for word, in its order: no sort.
const dueUnaddressedSQL = `SELECT ` + fileColumns + ` FROM archive_files
	WHERE tenant_id = ? AND source = ? AND state = 'pending' AND url = '' AND copy_url = '' AND next_attempt_at <= ?
	ORDER BY (expires_at = 0), expires_at, start_at, record_id, n LIMIT ?`

// dueUnaddressed reads each source's due files (dueUnaddressedSQL) and
// merges the sources' lists in DueFiles' order.
func (s archiveSQL) dueUnaddressed(ctx context.Context, t cdr.TenantID, sources []cdr.Source, now int64, limit int) ([]cdr.ArchiveFile, error) {
	if t.IsZero() {
		return nil, cdr.ErrNoTenant
	}
	limit, err := archiveLimit(limit)
	if err != nil {
		return nil, err
	}
	var out []cdr.ArchiveFile
	for _, src := range slices.Compact(slices.Sorted(slices.Values(sources))) {
		if !cdr.Valid(src, cdr.Sources) {
			return nil, cdr.Errorf(cdr.EINVALID, "unknown source %q", src)
		}
		fs, err := s.files(ctx, dueUnaddressedSQL, t.String(), string(src), now, limit)
		if err != nil {
			return nil, err
		}
		out = append(out, fs...)
	}
	slices.SortStableFunc(out, func(a, b cdr.ArchiveFile) int {
		return cmp.Or(cmp.Compare(boolInt(a.ExpiresAt == 0), boolInt(b.ExpiresAt == 0)), cmp.Compare(a.ExpiresAt, b.ExpiresAt),
			cmp.Compare(a.StartAt, b.StartAt), strings.Compare(a.RecordID, b.RecordID), cmp.Compare(a.N, b.N))
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (s archiveSQL) recordFiles(ctx context.Context, t cdr.TenantID, recordID string) ([]cdr.ArchiveFile, error) {
	if t.IsZero() {
		return nil, cdr.ErrNoTenant
	}
	if !storable(recordID) {
		return nil, nil
	}
	return s.files(ctx, `SELECT `+fileColumns+` FROM archive_files WHERE tenant_id = ? AND record_id = ? ORDER BY n`,
		t.String(), recordID)
}

func fileNotFound(recordID string, n int) error {
	return cdr.Errorf(cdr.ENOTFOUND, "file %d of record %s not found", n, recordID)
}

func (s archiveSQL) file(ctx context.Context, t cdr.TenantID, recordID string, n int) (cdr.ArchiveFile, error) {
	if t.IsZero() {
		return cdr.ArchiveFile{}, cdr.ErrNoTenant
	}
	if !storable(recordID) || n < 0 || n >= cdr.MaxFilesPerRecord {
		return cdr.ArchiveFile{}, fileNotFound(recordID, n)
	}
	f, err := scanFile(s.read.QueryRowContext(ctx, s.d.rebind(`SELECT `+fileColumns+` FROM archive_files
		WHERE tenant_id = ? AND record_id = ? AND n = ?`), t.String(), recordID, n))
	if err == sql.ErrNoRows {
		return f, fileNotFound(recordID, n)
	}
	return f, s.d.formatError(err)
}

// setArchived locks the row, reads its key and overwrites it, so that of
// two processes archiving one file, the second returns the first's key.
// The failed attempts and the last failure stay, as history.
func (s archiveSQL) setArchived(ctx context.Context, t cdr.TenantID, recordID string, n int, f cdr.StoredFile) (string, error) {
	if t.IsZero() {
		return "", cdr.ErrNoTenant
	}
	if err := checkStored(&f); err != nil {
		return "", err
	}
	if !storable(recordID) || n < 0 || n >= cdr.MaxFilesPerRecord {
		return "", fileNotFound(recordID, n)
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return "", s.d.formatError(err)
	}
	defer tx.Rollback()
	var prev sql.NullString
	err = tx.QueryRowContext(ctx, s.d.rebind(`SELECT blob_key FROM archive_files WHERE tenant_id = ? AND record_id = ? AND n = ?`+s.lock),
		t.String(), recordID, n).Scan(&prev)
	if err == sql.ErrNoRows {
		return "", fileNotFound(recordID, n)
	}
	if err != nil {
		return "", s.d.formatError(err)
	}
	if _, err := tx.ExecContext(ctx, s.d.rebind(`UPDATE archive_files
		SET state = 'archived', blob_key = ?, bytes = ?, sha256 = ?, content_type = ?, archived_at = ?
		WHERE tenant_id = ? AND record_id = ? AND n = ?`),
		f.Key, f.Bytes, f.SHA256, f.ContentType, f.At, t.String(), recordID, n); err != nil {
		return "", s.d.formatError(err)
	}
	if err := tx.Commit(); err != nil {
		return "", s.d.formatError(err)
	}
	if prev.String == f.Key {
		return "", nil
	}
	return prev.String, nil
}

// setFailed changes a pending or given-up file; an archived or pruned one
// (archived meanwhile) is left alone, without error. A given-up file
// failing again without GiveUp is pending again: the caller chose to
// retry it. Failure.At is not kept (ArchiveFile has no field for it).
func (s archiveSQL) setFailed(ctx context.Context, t cdr.TenantID, recordID string, n int, f cdr.Failure) error {
	if t.IsZero() {
		return cdr.ErrNoTenant
	}
	if f.Reason == "" || len(f.Reason) > cdr.MaxNameLen || !storable(f.Reason) {
		return cdr.Errorf(cdr.EINVALID, "failure: want a reason of 1 to %d bytes of UTF-8", cdr.MaxNameLen)
	}
	if !storable(recordID) || n < 0 || n >= cdr.MaxFilesPerRecord {
		return fileNotFound(recordID, n)
	}
	set, args := `state = 'given_up'`, []any{}
	if !f.GiveUp {
		set, args = `state = 'pending', next_attempt_at = ?`, []any{f.NextAttemptAt}
	}
	args = append(args, f.Reason, cutMessage(f.Message), t.String(), recordID, n)
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return s.d.formatError(err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, s.d.rebind(`UPDATE archive_files SET `+set+`, attempts = attempts + 1, reason = ?, message = ?
		WHERE tenant_id = ? AND record_id = ? AND n = ? AND state IN ('pending', 'given_up')`), args...)
	if err != nil {
		return s.d.formatError(err)
	}
	if changed, err := res.RowsAffected(); err != nil || changed == 0 {
		var found int
		if err == nil {
			err = tx.QueryRowContext(ctx, s.d.rebind(`SELECT count(*) FROM archive_files WHERE tenant_id = ? AND record_id = ? AND n = ?`),
				t.String(), recordID, n).Scan(&found)
		}
		if err != nil {
			return s.d.formatError(err)
		}
		if found == 0 {
			return fileNotFound(recordID, n)
		}
	}
	return s.d.formatError(tx.Commit())
}

func (s archiveSQL) blobInUse(ctx context.Context, t cdr.TenantID, key string) (bool, error) {
	if t.IsZero() {
		return false, cdr.ErrNoTenant
	}
	if key == "" || !storable(key) {
		return false, nil
	}
	var n int
	err := s.read.QueryRowContext(ctx, s.d.rebind(`SELECT count(*) FROM (
		SELECT 1 FROM archive_files WHERE tenant_id = ? AND blob_key = ? LIMIT 1) x`), t.String(), key).Scan(&n)
	return n > 0, s.d.formatError(err)
}

// pruneFiles locks the oldest archived files of records that started
// before before, marks them pruned and clears their keys (a pruned row
// names no blob), and returns the keys no archived row names any more.
func (s archiveSQL) pruneFiles(ctx context.Context, t cdr.TenantID, before int64, limit int) ([]string, int, error) {
	return s.removeFiles(ctx, t, before, limit,
		`SELECT record_id, n, blob_key FROM archive_files
			WHERE tenant_id = ? AND state = 'archived' AND start_at < ? ORDER BY start_at LIMIT ?`,
		`UPDATE archive_files SET state = 'pruned', blob_key = NULL WHERE tenant_id = ? AND record_id = ? AND n = ?`)
}

// deleteFiles locks the rows of the oldest files of records that started
// before before, whatever their state, deletes them, and returns the keys
// no remaining row names.
func (s archiveSQL) deleteFiles(ctx context.Context, t cdr.TenantID, before int64, limit int) ([]string, int, error) {
	return s.removeFiles(ctx, t, before, limit,
		`SELECT record_id, n, blob_key FROM archive_files WHERE tenant_id = ? AND start_at < ? ORDER BY start_at LIMIT ?`,
		`DELETE FROM archive_files WHERE tenant_id = ? AND record_id = ? AND n = ?`)
}

// removeFiles is PruneFiles and DeleteFiles: in one transaction it locks
// the rows query selects, applies change to each, and returns the keys
// they held that no row names afterwards, sorted.
func (s archiveSQL) removeFiles(ctx context.Context, t cdr.TenantID, before int64, limit int, query, change string) ([]string, int, error) {
	if t.IsZero() {
		return nil, 0, cdr.ErrNoTenant
	}
	limit, err := archiveLimit(limit)
	if err != nil {
		return nil, 0, err
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, 0, s.d.formatError(err)
	}
	defer tx.Rollback()
	type file struct {
		recordID string
		n        int
		key      sql.NullString
	}
	var fs []file
	rows, err := tx.QueryContext(ctx, s.d.rebind(query+s.lock), t.String(), before, limit)
	if err != nil {
		return nil, 0, s.d.formatError(err)
	}
	for rows.Next() {
		var f file
		if err := rows.Scan(&f.recordID, &f.n, &f.key); err != nil {
			rows.Close()
			return nil, 0, s.d.formatError(err)
		}
		fs = append(fs, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, s.d.formatError(err)
	}
	if len(fs) == 0 {
		return nil, 0, nil
	}
	st, err := tx.PrepareContext(ctx, s.d.rebind(change))
	if err != nil {
		return nil, 0, s.d.formatError(err)
	}
	defer st.Close()
	var keys []string
	for _, f := range fs {
		if _, err := st.ExecContext(ctx, t.String(), f.recordID, f.n); err != nil {
			return nil, 0, s.d.formatError(err)
		}
		if f.key.Valid && !slices.Contains(keys, f.key.String) {
			keys = append(keys, f.key.String)
		}
	}
	keys, err = s.unnamed(ctx, tx, t, keys)
	if err != nil {
		return nil, 0, err
	}
	if err := tx.Commit(); err != nil {
		return nil, 0, s.d.formatError(err)
	}
	return keys, len(fs), nil
}

// unnamed returns, sorted, the keys of keys that no row of t names.
func (s archiveSQL) unnamed(ctx context.Context, tx *sql.Tx, t cdr.TenantID, keys []string) ([]string, error) {
	named := map[string]bool{}
	for chunk := range slices.Chunk(keys, 500) {
		rows, err := tx.QueryContext(ctx, s.d.rebind(`SELECT DISTINCT blob_key FROM archive_files
			WHERE tenant_id = ? AND blob_key IN (`+placeholders(len(chunk))+`)`), append([]any{t.String()}, anys(chunk)...)...)
		if err != nil {
			return nil, s.d.formatError(err)
		}
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				rows.Close()
				return nil, s.d.formatError(err)
			}
			named[k] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, s.d.formatError(err)
		}
	}
	keys = slices.DeleteFunc(keys, func(k string) bool { return named[k] })
	slices.Sort(keys)
	return keys, nil
}

// counts reads archive_files_counts alone: one row per source and state.
func (s archiveSQL) counts(ctx context.Context, t cdr.TenantID) ([]cdr.ArchiveCounts, error) {
	if t.IsZero() {
		return nil, cdr.ErrNoTenant
	}
	rows, err := s.read.QueryContext(ctx, s.d.rebind(`SELECT source, state, count(*), CAST(coalesce(sum(bytes), 0) AS BIGINT),
			min(CASE WHEN expires_at > 0 THEN expires_at END)
		FROM archive_files WHERE tenant_id = ? GROUP BY source, state ORDER BY source, state`), t.String())
	if err != nil {
		return nil, s.d.formatError(err)
	}
	defer rows.Close()
	var out []cdr.ArchiveCounts
	for rows.Next() {
		var source, state string
		var n, size int64
		var oldest sql.NullInt64
		if err := rows.Scan(&source, &state, &n, &size, &oldest); err != nil {
			return nil, s.d.formatError(err)
		}
		if len(out) == 0 || out[len(out)-1].Source != cdr.Source(source) {
			out = append(out, cdr.ArchiveCounts{Source: cdr.Source(source)})
		}
		c := &out[len(out)-1]
		switch cdr.FileState(state) {
		case cdr.FilePending:
			c.Pending, c.OldestExpiry = n, oldest.Int64
		case cdr.FileArchived:
			c.Archived, c.Bytes = n, size
		case cdr.FileGivenUp:
			c.GivenUp = n
		case cdr.FilePruned:
			c.Pruned = n
		}
	}
	return out, s.d.formatError(rows.Err())
}

// tenants lists the tenants that have file rows.
func (s archiveSQL) tenants(ctx context.Context) ([]cdr.TenantID, error) {
	return distinctTenants(ctx, s.read, s.d, "archive_files")
}

// secret reads the secret first, writing nothing when it is there; else
// it inserts gen unless a row appeared meanwhile (ON CONFLICT DO NOTHING,
// which on PostgreSQL waits for a concurrent insert of the name to
// commit) and reads the row that won.
func (s archiveSQL) secret(ctx context.Context, name string, gen []byte) ([]byte, error) {
	if name == "" || len(name) > cdr.MaxNameLen || !storable(name) {
		return nil, cdr.Errorf(cdr.EINVALID, "secret: want a name of 1 to %d bytes of UTF-8", cdr.MaxNameLen)
	}
	if len(gen) == 0 {
		return nil, cdr.Errorf(cdr.EINVALID, "secret %s: empty value", name)
	}
	var v []byte
	err := s.read.QueryRowContext(ctx, s.d.rebind(`SELECT value FROM secrets WHERE name = ?`), name).Scan(&v)
	if err != sql.ErrNoRows {
		return v, s.d.formatError(err)
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, s.d.formatError(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, s.d.rebind(`INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`), name, gen); err != nil {
		return nil, s.d.formatError(err)
	}
	if err := tx.QueryRowContext(ctx, s.d.rebind(`SELECT value FROM secrets WHERE name = ?`), name).Scan(&v); err != nil {
		return nil, s.d.formatError(err)
	}
	return v, s.d.formatError(tx.Commit())
}
