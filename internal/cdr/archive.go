package cdr

import (
	"context"
	"fmt"
)

// The recording archive (docs/design.md, Recording archive) keeps a copy of
// every recording and transcript a record points at, because vendors delete
// them sooner than the records. Its state lives beside the records, never in
// them: archiving a file changes neither a record's content hash, nor its
// version, nor its raw object, nor any vendor render.

// FileRef is one file of a record, as the record names it: its number
// (0, 1, … in the order of RecordingFiles), the field it comes from, and
// where to fetch it.
type FileRef struct {
	N  int    `json:"n"`
	Of string `json:"of"` // the record's field: recordings[0].url, participants[1].recording_url, …
	// URL is where the file is fetched, CopyURL a second copy tried when
	// URL is empty or fails. Both empty: the file exists but only an upload
	// (PUT …/recordings/{n}) can archive it.
	URL     string `json:"-"`
	CopyURL string `json:"-"`
	// Transcript says the file is a transcript (text), not audio.
	Transcript bool `json:"-"`
}

// RecordingFiles lists a record's files, numbered in this order: for each
// recordings[i] its audio (url, else copy_url; a recording with neither
// still has its number, for an upload), then its transcript_url when set;
// then each participants[j].recording_url (else recording_copy_url) when
// set. The numbering depends only on the record, so it is stable while the
// record is. At most MaxFilesPerRecord files are listed.
func RecordingFiles(r *Record) []FileRef {
	var fs []FileRef
	add := func(of, url, copyURL string, transcript bool) {
		if len(fs) < MaxFilesPerRecord {
			fs = append(fs, FileRef{N: len(fs), Of: of, URL: url, CopyURL: copyURL, Transcript: transcript})
		}
	}
	for i, rec := range r.Recordings {
		if rec.URL == "" && rec.CopyURL != "" {
			add(fmt.Sprintf("recordings[%d].copy_url", i), rec.CopyURL, "", false)
		} else {
			add(fmt.Sprintf("recordings[%d].url", i), rec.URL, rec.CopyURL, false)
		}
		if rec.TranscriptURL != "" {
			add(fmt.Sprintf("recordings[%d].transcript_url", i), rec.TranscriptURL, "", true)
		}
	}
	for j, p := range r.Participants {
		switch {
		case p.RecordingURL != "":
			add(fmt.Sprintf("participants[%d].recording_url", j), p.RecordingURL, p.RecordingCopyURL, false)
		case p.RecordingCopyURL != "":
			add(fmt.Sprintf("participants[%d].recording_copy_url", j), p.RecordingCopyURL, "", false)
		}
	}
	return fs
}

// FileState is where a file stands in the archive.
type FileState string

const (
	// FilePending: not archived yet; due at NextAttemptAt.
	FilePending FileState = "pending"
	// FileArchived: stored and verified; Key, Bytes, SHA256 and
	// ContentType are set.
	FileArchived FileState = "archived"
	// FileGivenUp: every attempt failed; Reason says why. An upload still
	// archives it.
	FileGivenUp FileState = "given_up"
	// FilePruned: its copy was removed by the tenant's recording
	// retention; the record stays.
	FilePruned FileState = "pruned"
)

// ArchiveFile is the archive's row of one file of one record.
type ArchiveFile struct {
	RecordID string
	Source   Source // the record's source
	FileRef
	StartAt   int64 // the record's start, ms
	ExpiresAt int64 // when the vendor deletes the file, ms; 0 unknown

	State         FileState
	Attempts      int    // failed attempts so far
	NextAttemptAt int64  // ms; when a pending file is due
	Reason        string // the last failure's reason ("http_404", "truncated", …)
	Message       string // the last failure in words, at most MaxSyncMessageLen bytes

	Key         string // where the blob store keeps it
	Bytes       int64
	SHA256      string // lower-case hex
	ContentType string
	ArchivedAt  int64 // ms
}

// StoredFile is what archiving a file stored.
type StoredFile struct {
	Key         string
	Bytes       int64
	SHA256      string
	ContentType string
	At          int64 // ms
}

// Failure is a failed attempt to archive a file.
type Failure struct {
	Reason  string
	Message string
	At      int64 // ms
	// NextAttemptAt is when to try again; GiveUp ends the attempts
	// instead (the file becomes given_up).
	NextAttemptAt int64
	GiveUp        bool
}

// ArchiveCounts summarizes the archive of one tenant's source.
type ArchiveCounts struct {
	Source   Source `json:"source"`
	Pending  int64  `json:"pending"` // the backlog
	Archived int64  `json:"archived"`
	GivenUp  int64  `json:"given_up"`
	Pruned   int64  `json:"pruned"`
	Bytes    int64  `json:"bytes"` // of archived files
	// OldestExpiry is the earliest ExpiresAt of a pending file, ms; 0
	// when none has a known expiry.
	OldestExpiry int64 `json:"oldest_expiry,omitzero"`
}

// Archive is the recording archive's state in a store. Every method takes
// the tenant right after the context and refuses the zero tenant
// (ErrNoTenant); no method reaches another tenant's files.
type Archive interface {
	// PlanFiles reads t's records that have a recording (has_recording)
	// and come after the tenant's plan mark in (updated_at, id) order,
	// with updated_at before upTo (ms), at most limit of them, and brings
	// their files' rows in line with RecordingFiles: a new file gets a
	// pending row due at once with ExpiresAt = expires(record) (0 when
	// expires is nil); a known file not yet archived takes the record's
	// current URLs (and is due at once if they changed); an archived,
	// given-up or pruned file is left alone. It moves the mark to the last
	// record read, in the same transaction, and returns how many records
	// it read: fewer than limit means it has caught up. upTo lets writes
	// in flight commit first: a record whose updated_at is behind the mark
	// when it commits is never planned, so the caller passes a time far
	// enough behind the clock (a minute). Shadows are planned like any
	// record.
	PlanFiles(ctx context.Context, t TenantID, upTo int64, limit int, expires func(*Record) int64) (n int, err error)
	// PlanRecord brings the rows of one record's files in line with it as
	// PlanFiles does, whatever the mark, with ExpiresAt expiresAt: for an
	// upload to a record the planner has not reached (or never will, for a
	// tenant that does not archive).
	PlanRecord(ctx context.Context, t TenantID, rec *Record, expiresAt int64) error
	// DueFiles returns t's pending files with NextAttemptAt ≤ now, whose
	// files have a URL or a CopyURL, the earliest ExpiresAt first (unknown
	// last), then by the record's start and the file number; at most
	// limit of them.
	DueFiles(ctx context.Context, t TenantID, now int64, limit int) ([]ArchiveFile, error)
	// DueUnaddressed returns t's pending files with NextAttemptAt ≤ now
	// whose files have neither URL nor CopyURL, of records of one of
	// sources (those whose vendor answers where a file is, such as
	// Alibaba's GetMonoRecording), in DueFiles' order; at most limit of
	// them (1 to MaxArchiveBatch), none without sources.
	DueUnaddressed(ctx context.Context, t TenantID, sources []Source, now int64, limit int) ([]ArchiveFile, error)
	// RecordFiles returns the rows of one record's files, by number; none
	// when the record has no files or is unknown.
	RecordFiles(ctx context.Context, t TenantID, recordID string) ([]ArchiveFile, error)
	// ArchiveFile returns the row of one file, or an error with code
	// not_found.
	ArchiveFile(ctx context.Context, t TenantID, recordID string, n int) (ArchiveFile, error)
	// SetArchived marks a file archived with what was stored, whatever
	// its state was (an upload archives a given-up or pruned file too). It
	// returns the key the row held before, if any and different, so that
	// the caller can delete that blob when no row names it any more
	// (BlobInUse).
	SetArchived(ctx context.Context, t TenantID, recordID string, n int, s StoredFile) (previousKey string, err error)
	// SetFailed records a failed attempt: Attempts grows by one, Reason
	// and Message are set, and the file is due again at f.NextAttemptAt,
	// or given up. A file archived meanwhile is left alone.
	SetFailed(ctx context.Context, t TenantID, recordID string, n int, f Failure) error
	// BlobInUse reports whether any row of t still names key.
	BlobInUse(ctx context.Context, t TenantID, key string) (bool, error)
	// PruneFiles marks pruned the archived files of t's records that
	// started before before (ms), at most limit of them, and returns how
	// many it marked and their keys that no row of an archived file names
	// any more (the blobs to delete). Fewer than limit marked means done.
	PruneFiles(ctx context.Context, t TenantID, before int64, limit int) (keys []string, n int, err error)
	// DeleteFiles deletes the rows of the files of t's records that
	// started before before (ms), whatever their state, at most limit of
	// them, and returns the keys no remaining row names and how many rows
	// it deleted; prune calls it before Pruner.Prune deletes the records.
	DeleteFiles(ctx context.Context, t TenantID, before int64, limit int) (keys []string, n int, err error)
	// ArchiveCounts returns the archive's counts of each of t's sources
	// that has a file, ordered by source.
	ArchiveCounts(ctx context.Context, t TenantID) ([]ArchiveCounts, error)
	// ArchiveTenants lists the tenants that have file rows.
	ArchiveTenants(ctx context.Context) ([]TenantID, error)
}

// Secrets keeps the server's own secrets in the database, so that every
// instance of one deployment shares them.
type Secrets interface {
	// Secret returns the secret stored under name, storing gen first when
	// there is none; concurrent callers (other processes included) all get
	// the one that was stored first.
	Secret(ctx context.Context, name string, gen []byte) ([]byte, error)
}

// Bounds of the archive.
const (
	// MaxArchiveBatch is the most rows one PlanFiles, DueFiles, PruneFiles
	// or DeleteFiles call handles.
	MaxArchiveBatch = 1000
	// MaxFilesPerRecord is the most files of one record the archive keeps:
	// RecordingFiles beyond it are not archived.
	MaxFilesPerRecord = 64
)
