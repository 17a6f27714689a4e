package storetest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/google/go-cmp/cmp"
)

// The recording archive's state (cdr.Archive) and the server's secrets
// (cdr.Secrets).

// withRecordings returns a voice record of source with one recording per
// URL of urls ("" a recording without a URL).
func withRecordings(source cdr.Source, id string, start int64, urls ...string) *cdr.Record {
	r := voice(id, start)
	r.Source = source
	for _, u := range urls {
		r.Recordings = append(r.Recordings, cdr.Recording{URL: u})
	}
	return r
}

// put upserts recs for tn at the server time now, which becomes the
// updated_at of every record the upsert changes.
func put(t *testing.T, s cdr.Store, tn cdr.TenantID, now int64, recs ...*cdr.Record) {
	t.Helper()
	cp := make([]*cdr.Record, len(recs))
	for i, r := range recs {
		cp[i] = clone(r)
	}
	if _, err := s.UpsertRecords(ctx, tn, cp, cdr.UpsertOptions{Now: now}); err != nil {
		t.Fatalf("UpsertRecords: %v", err)
	}
}

// expiresInNote is the expiry function of the cases: the record's note,
// a number of ms, or unknown.
func expiresInNote(r *cdr.Record) int64 {
	v, _ := strconv.ParseInt(r.Note, 10, 64)
	return v
}

func plan(t *testing.T, a cdr.Archive, tn cdr.TenantID, upTo int64, limit int) int {
	t.Helper()
	n, err := a.PlanFiles(ctx, tn, upTo, limit, expiresInNote)
	if err != nil {
		t.Fatalf("PlanFiles(%s, %d, %d): %v", tn, upTo, limit, err)
	}
	return n
}

// planAll plans every record of tn updated before upTo and returns how
// many it read.
func planAll(t *testing.T, a cdr.Archive, tn cdr.TenantID, upTo int64) int {
	t.Helper()
	total := 0
	for {
		n := plan(t, a, tn, upTo, 0)
		total += n
		if n < cdr.MaxArchiveBatch {
			return total
		}
	}
}

func recordFiles(t *testing.T, a cdr.Archive, tn cdr.TenantID, id string) []cdr.ArchiveFile {
	t.Helper()
	fs, err := a.RecordFiles(ctx, tn, id)
	if err != nil {
		t.Fatalf("RecordFiles(%s): %v", id, err)
	}
	return fs
}

func archiveFile(t *testing.T, a cdr.Archive, tn cdr.TenantID, id string, n int) cdr.ArchiveFile {
	t.Helper()
	f, err := a.ArchiveFile(ctx, tn, id, n)
	if err != nil {
		t.Fatalf("ArchiveFile(%s, %d): %v", id, n, err)
	}
	return f
}

func due(t *testing.T, a cdr.Archive, tn cdr.TenantID, now int64, limit int) []cdr.ArchiveFile {
	t.Helper()
	fs, err := a.DueFiles(ctx, tn, now, limit)
	if err != nil {
		t.Fatalf("DueFiles: %v", err)
	}
	return fs
}

// fileKeys returns "id/n" of each file, for comparing orders.
func fileKeys(fs []cdr.ArchiveFile) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = fmt.Sprintf("%s/%d", f.RecordID, f.N)
	}
	return out
}

// stored returns what archiving content under tn stored, keyed as
// internal/blob keys it.
func stored(tn cdr.TenantID, content string) cdr.StoredFile {
	sum := sha256.Sum256([]byte(content))
	h := hex.EncodeToString(sum[:])
	return cdr.StoredFile{Key: tn.String() + "/" + h[:2] + "/" + h, Bytes: int64(len(content)), SHA256: h, ContentType: "audio/mpeg", At: base + 9}
}

func setArchived(t *testing.T, a cdr.Archive, tn cdr.TenantID, id string, n int, f cdr.StoredFile) string {
	t.Helper()
	prev, err := a.SetArchived(ctx, tn, id, n, f)
	if err != nil {
		t.Fatalf("SetArchived(%s, %d): %v", id, n, err)
	}
	return prev
}

func setFailed(t *testing.T, a cdr.Archive, tn cdr.TenantID, id string, n int, f cdr.Failure) {
	t.Helper()
	if err := a.SetFailed(ctx, tn, id, n, f); err != nil {
		t.Fatalf("SetFailed(%s, %d): %v", id, n, err)
	}
}

func inUse(t *testing.T, a cdr.Archive, tn cdr.TenantID, key string) bool {
	t.Helper()
	ok, err := a.BlobInUse(ctx, tn, key)
	if err != nil {
		t.Fatalf("BlobInUse: %v", err)
	}
	return ok
}

func id(tn cdr.TenantID, sourceID string) string {
	return cdr.RecordID(tn.String(), cdr.SourceNative, sourceID)
}

// testArchivePlan: PlanFiles writes a pending row due at once for each file
// of the records with a recording updated after the mark and before upTo,
// numbered by cdr.RecordingFiles; a record updated again brings a pending
// row in line (starting over when its URLs changed) and leaves an
// archived or given-up one alone; a file the record lost is no longer due.
func testArchivePlan(t *testing.T, s cdr.Store, a cdr.Archive) {
	// a: two recordings, the first with a copy and a transcript, the
	// second with its copy only; b: a recording with no URL and a
	// participant's; c: a participant's recording only (no has_recording);
	// d: updated later; e: a shadow of a.
	ra := withRecordings(cdr.SourceNative, "a", base+10, "https://v/a0.mp3", "")
	ra.Recordings[0].CopyURL, ra.Recordings[0].TranscriptURL = "https://copy/a0.mp3", "https://v/a0.txt"
	ra.Recordings[1].CopyURL = "https://copy/a1.mp3"
	ra.Note = strconv.FormatInt(base+86_400_000, 10)
	rb := withRecordings(cdr.SourceNative, "b", base+20, "")
	rb.Participants = []cdr.Participant{{Seq: 1, RecordingCopyURL: "https://copy/b-p1.mp3"}}
	rc := voice("c", base+30)
	rc.Participants = []cdr.Participant{{Seq: 1, RecordingURL: "https://v/c-p1.mp3"}}
	re := withRecordings(cdr.SourceNative, "e", base+40, "https://v/e.mp3")
	re.SameAs = id(tenant, "a")
	put(t, s, tenant, base+1000, ra, rb, rc, re)
	rd := withRecordings(cdr.SourceNative, "d", base+50, "https://v/d.mp3")
	put(t, s, tenant, base+5000, rd)

	if n := plan(t, a, tenant, base+2000, 0); n != 3 {
		t.Fatalf("planned %d records, want 3 (a, b, e)", n)
	}
	pending := func(sourceID string, n int, of, url, copyURL string, transcript bool, start, expires int64) cdr.ArchiveFile {
		return cdr.ArchiveFile{RecordID: id(tenant, sourceID), Source: cdr.SourceNative,
			FileRef: cdr.FileRef{N: n, Of: of, URL: url, CopyURL: copyURL, Transcript: transcript},
			StartAt: start, ExpiresAt: expires, State: cdr.FilePending}
	}
	// planned is the pending rows of r's files, as cdr.RecordingFiles
	// numbers them.
	planned := func(r *cdr.Record) []cdr.ArchiveFile {
		var fs []cdr.ArchiveFile
		for _, f := range cdr.RecordingFiles(r) {
			fs = append(fs, pending(r.SourceID, f.N, f.Of, f.URL, f.CopyURL, f.Transcript, r.StartAt, expiresInNote(r)))
		}
		return fs
	}
	exp := base + 86_400_000
	wantA := []cdr.ArchiveFile{
		pending("a", 0, "recordings[0].url", "https://v/a0.mp3", "https://copy/a0.mp3", false, base+10, exp),
		pending("a", 1, "recordings[0].transcript_url", "https://v/a0.txt", "", true, base+10, exp),
		pending("a", 2, "recordings[1].copy_url", "https://copy/a1.mp3", "", false, base+10, exp),
	}
	if diff := cmp.Diff(wantA, planned(ra)); diff != "" {
		t.Fatalf("cdr.RecordingFiles numbers a's files otherwise (-want +got):\n%s", diff)
	}
	wantB := planned(rb) // a recording without a URL, and a participant's
	if len(wantB) != 2 || wantB[0].URL != "" || wantB[1].URL != "https://copy/b-p1.mp3" {
		t.Fatalf("cdr.RecordingFiles of b: %+v", wantB)
	}
	wantE := planned(re)
	check := func(step, sourceID string, want []cdr.ArchiveFile) {
		t.Helper()
		if diff := cmp.Diff(want, recordFiles(t, a, tenant, id(tenant, sourceID))); diff != "" {
			t.Errorf("%s: files of %s (-want +got):\n%s", step, sourceID, diff)
		}
	}
	check("first plan", "a", wantA)
	check("first plan", "b", wantB)
	check("first plan", "c", nil)
	check("first plan", "d", nil) // updated at upTo or later
	check("first plan", "e", wantE)
	if f := archiveFile(t, a, tenant, id(tenant, "a"), 2); !cmp.Equal(f, wantA[2]) {
		t.Errorf("ArchiveFile(a, 2) = %+v", f)
	}

	// Caught up: nothing more to read before upTo, and nothing changes.
	if n := plan(t, a, tenant, base+2000, 0); n != 0 {
		t.Errorf("planned %d records again, want 0", n)
	}
	if n := plan(t, a, tenant, base+5001, 0); n != 1 {
		t.Errorf("planned %d records up to after d, want 1", n)
	}
	check("later plan", "a", wantA)
	check("later plan", "d", planned(rd))

	// a's files fail, one is given up, one archived; then a is updated
	// with other content but the same URLs: planned again, nothing moves.
	setFailed(t, a, tenant, id(tenant, "a"), 0, cdr.Failure{Reason: "http_503", Message: "unavailable", At: base + 6000, NextAttemptAt: base + 7000})
	setFailed(t, a, tenant, id(tenant, "a"), 2, cdr.Failure{Reason: "http_404", Message: "gone", At: base + 6000, NextAttemptAt: base + 8000})
	sf := stored(tenant, "transcript a0")
	setArchived(t, a, tenant, id(tenant, "a"), 1, sf)
	before := recordFiles(t, a, tenant, id(tenant, "a"))
	ra.Tags, ra.Version = []string{"re-read"}, ra.Version+1
	put(t, s, tenant, base+6000, ra)
	if n := plan(t, a, tenant, base+6001, 0); n != 1 {
		t.Fatalf("planned %d records after a's update, want 1", n)
	}
	check("same URLs", "a", before)

	// New URLs: the pending file starts over, the archived one stays, a
	// file whose URLs did not change keeps its attempts.
	ra.Recordings[0].URL, ra.Recordings[0].TranscriptURL = "https://v/a0-new.mp3", "https://v/a0-new.txt"
	ra.Version++
	put(t, s, tenant, base+7000, ra)
	if n := plan(t, a, tenant, base+7001, 0); n != 1 {
		t.Fatalf("planned %d records after a's new URLs, want 1", n)
	}
	got := recordFiles(t, a, tenant, id(tenant, "a"))
	if len(got) != 3 {
		t.Fatalf("a has %d files, want 3: %+v", len(got), got)
	}
	want0 := pending("a", 0, "recordings[0].url", "https://v/a0-new.mp3", "https://copy/a0.mp3", false, base+10, exp)
	if diff := cmp.Diff(want0, got[0]); diff != "" {
		t.Errorf("file 0 with a new URL (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(before[1], got[1]); diff != "" || got[1].State != cdr.FileArchived || got[1].URL != "https://v/a0.txt" {
		t.Errorf("the archived file changed (-before +after):\n%s", diff)
	}
	if got[2].Attempts != 1 || got[2].NextAttemptAt != base+8000 || got[2].Reason != "http_404" {
		t.Errorf("file 2, URLs unchanged, lost its failure: %+v", got[2])
	}

	// A given-up file is left alone when its URL changes; a file the
	// record lost is deleted while pending, kept once archived.
	setFailed(t, a, tenant, id(tenant, "a"), 0, cdr.Failure{Reason: "http_404", At: base + 8000, GiveUp: true})
	ra.Recordings = ra.Recordings[:1]
	ra.Recordings[0].URL = "https://v/a0-newer.mp3"
	ra.Recordings[0].TranscriptURL = ""
	ra.Version++
	put(t, s, tenant, base+8000, ra)
	if n := plan(t, a, tenant, base+8001, 0); n != 1 {
		t.Fatalf("planned %d records after a lost a recording, want 1", n)
	}
	got = recordFiles(t, a, tenant, id(tenant, "a"))
	if len(got) != 2 || got[0].State != cdr.FileGivenUp || got[0].URL != "https://v/a0-new.mp3" || got[1].State != cdr.FileArchived {
		t.Errorf("after a lost a recording: %+v", got)
	}

	// A record that gains a file gets its row, the others keep theirs.
	rb.Recordings = append(rb.Recordings, cdr.Recording{URL: "https://v/b1.mp3"})
	rb.Version++
	put(t, s, tenant, base+9000, rb)
	plan(t, a, tenant, base+9001, 0)
	check("b gained a recording", "b", planned(rb))
}

// testArchivePlanMark: the plan mark is a keyset (updated_at, id): records
// written by one batch share an updated_at, and a limit smaller than the
// batch still reads each record once; records without a recording are
// neither read nor counted; upTo is exclusive.
func testArchivePlanMark(t *testing.T, s cdr.Store, a cdr.Archive) {
	var recs []*cdr.Record
	for i := range 25 {
		recs = append(recs, withRecordings(cdr.SourceNative, fmt.Sprint("m", i), base+int64(i), fmt.Sprintf("https://v/m%d.mp3", i)))
		recs = append(recs, voice(fmt.Sprint("plain", i), base+int64(i)))
	}
	put(t, s, tenant, base+1000, recs...)
	put(t, s, tenant, base+2000, withRecordings(cdr.SourceNative, "late", base, "https://v/late.mp3"))
	var reads []int
	for {
		n := plan(t, a, tenant, base+2000, 10)
		reads = append(reads, n)
		if n < 10 {
			break
		}
	}
	if !slices.Equal(reads, []int{10, 10, 5}) {
		t.Errorf("reads %v, want [10 10 5]", reads)
	}
	for i := range 25 {
		if fs := recordFiles(t, a, tenant, id(tenant, fmt.Sprint("m", i))); len(fs) != 1 || fs[0].URL != fmt.Sprintf("https://v/m%d.mp3", i) {
			t.Errorf("files of m%d: %+v", i, fs)
		}
	}
	if fs := recordFiles(t, a, tenant, id(tenant, "late")); len(fs) != 0 {
		t.Errorf("a record updated at upTo was planned: %+v", fs)
	}
	if n := plan(t, a, tenant, base+2001, 10); n != 1 {
		t.Errorf("planned %d after upTo passed the late record, want 1", n)
	}
	if n := plan(t, a, tenant, base+1_000_000, 0); n != 0 {
		t.Errorf("planned %d once caught up, want 0", n)
	}
	if len(due(t, a, tenant, base, 0)) != 26 {
		t.Errorf("want 26 files due")
	}
}

// testArchivePlanRecord: PlanRecord plans one record whatever the mark,
// for an upload: its rows exist at once, the mark does not move, and a
// later PlanFiles of the same record changes nothing archived.
func testArchivePlanRecord(t *testing.T, s cdr.Store, a cdr.Archive) {
	r := withRecordings(cdr.SourceNative, "pbx", base, "", "https://v/pbx2.wav")
	put(t, s, tenant, base+1000, r)
	rec, err := s.FindRecordByID(ctx, tenant, id(tenant, "pbx"))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.PlanRecord(ctx, tenant, rec, base+5000); err != nil {
		t.Fatal(err)
	}
	fs := recordFiles(t, a, tenant, rec.ID)
	if len(fs) != 2 || fs[0].URL != "" || fs[1].URL != "https://v/pbx2.wav" || fs[0].ExpiresAt != base+5000 || fs[0].State != cdr.FilePending {
		t.Fatalf("rows after PlanRecord: %+v", fs)
	}
	setArchived(t, a, tenant, rec.ID, 0, stored(tenant, "uploaded"))
	if n := plan(t, a, tenant, base+2000, 0); n != 1 {
		t.Errorf("PlanFiles read %d records, want 1: PlanRecord moved the mark", n)
	}
	if f := archiveFile(t, a, tenant, rec.ID, 0); f.State != cdr.FileArchived {
		t.Errorf("the uploaded file after PlanFiles: %+v", f)
	}
	if err := a.PlanRecord(ctx, other, rec, 0); err != nil {
		t.Fatal(err)
	}
	if fs := recordFiles(t, a, tenant, rec.ID); len(fs) != 2 || fs[0].State != cdr.FileArchived {
		t.Errorf("another tenant's PlanRecord changed ours: %+v", fs)
	}
}

// testArchiveDue: DueFiles lists pending files with a URL due at now, the
// earliest known expiry first, unknown expiry last, then by start, record
// and number; a file without any URL is never due but is listed.
func testArchiveDue(t *testing.T, s cdr.Store, a cdr.Archive) {
	mk := func(sourceID string, start, expires int64, urls ...string) *cdr.Record {
		r := withRecordings(cdr.SourceNative, sourceID, start, urls...)
		if expires != 0 {
			r.Note = strconv.FormatInt(expires, 10)
		}
		return r
	}
	put(t, s, tenant, base+1000,
		mk("r1", base+3, base+100, "https://v/r1"),
		mk("r2", base+1, base+200, "https://v/r2"),
		mk("r3", base+2, 0, "https://v/r3"),
		mk("r4", base+0, 0, "https://v/r4-0", "https://v/r4-1"),
		mk("r5", base+5, base+100, "https://v/r5"),
		mk("r6", base+0, base+50, ""),
	)
	planAll(t, a, tenant, base+1001)
	k := func(sourceID string, n int) string { return fmt.Sprintf("%s/%d", id(tenant, sourceID), n) }
	wantOrder := []string{k("r1", 0), k("r5", 0), k("r2", 0), k("r4", 0), k("r4", 1), k("r3", 0)}
	if got := fileKeys(due(t, a, tenant, base, 0)); !slices.Equal(got, wantOrder) {
		t.Errorf("due order\n got %v\nwant %v", got, wantOrder)
	}
	if got := fileKeys(due(t, a, tenant, base, 2)); !slices.Equal(got, wantOrder[:2]) {
		t.Errorf("due, limit 2: %v", got)
	}
	// A failure makes it due at NextAttemptAt, not before.
	setFailed(t, a, tenant, id(tenant, "r1"), 0, cdr.Failure{Reason: "timeout", At: base, NextAttemptAt: base + 60})
	if got := fileKeys(due(t, a, tenant, base+59, 0)); !slices.Equal(got, wantOrder[1:]) {
		t.Errorf("due before the retry: %v", got)
	}
	if got := fileKeys(due(t, a, tenant, base+60, 0)); !slices.Equal(got, wantOrder) {
		t.Errorf("due at the retry: %v", got)
	}
	// Neither URL: listed, never due.
	f := archiveFile(t, a, tenant, id(tenant, "r6"), 0)
	if f.State != cdr.FilePending || f.URL != "" || f.CopyURL != "" || f.ExpiresAt != base+50 {
		t.Errorf("file without a URL: %+v", f)
	}
	for _, f := range due(t, a, tenant, base+1_000_000_000, 0) {
		if f.RecordID == id(tenant, "r6") {
			t.Errorf("a file without a URL is due: %+v", f)
		}
	}
	// Archived and given-up files are not due.
	setArchived(t, a, tenant, id(tenant, "r5"), 0, stored(tenant, "r5"))
	setFailed(t, a, tenant, id(tenant, "r2"), 0, cdr.Failure{Reason: "http_404", At: base, GiveUp: true})
	if got := fileKeys(due(t, a, tenant, base+60, 0)); !slices.Equal(got, []string{k("r1", 0), k("r4", 0), k("r4", 1), k("r3", 0)}) {
		t.Errorf("due after archiving r5 and giving up r2: %v", got)
	}
	// Unknown files.
	for _, c := range []struct {
		id string
		n  int
	}{{id(tenant, "r6"), 1}, {id(tenant, "nope"), 0}, {id(tenant, "r1"), -1}, {"", 0}, {"\xff", 0}} {
		if _, err := a.ArchiveFile(ctx, tenant, c.id, c.n); cdr.ErrorCode(err) != cdr.ENOTFOUND {
			t.Errorf("ArchiveFile(%q, %d): %v, want not_found", c.id, c.n, err)
		}
	}
	if fs := recordFiles(t, a, tenant, id(tenant, "nope")); len(fs) != 0 {
		t.Errorf("files of an unknown record: %+v", fs)
	}
}

// testArchiveStates: SetFailed counts attempts and gives up, SetArchived
// archives whatever the state and returns the key it replaced, and
// BlobInUse follows the keys; an archived file ignores failures.
func testArchiveStates(t *testing.T, s cdr.Store, a cdr.Archive) {
	put(t, s, tenant, base+1000, withRecordings(cdr.SourceNative, "f", base, "https://v/f0", "https://v/f1"))
	planAll(t, a, tenant, base+1001)
	fid := id(tenant, "f")

	setFailed(t, a, tenant, fid, 0, cdr.Failure{Reason: "timeout", Message: "first", At: base + 1, NextAttemptAt: base + 100})
	long := strings.Repeat("é", cdr.MaxSyncMessageLen) // 2 bytes each
	setFailed(t, a, tenant, fid, 0, cdr.Failure{Reason: "http_500", Message: long, At: base + 2, NextAttemptAt: base + 200})
	f := archiveFile(t, a, tenant, fid, 0)
	if f.State != cdr.FilePending || f.Attempts != 2 || f.Reason != "http_500" || f.NextAttemptAt != base+200 {
		t.Errorf("after two failures: %+v", f)
	}
	if len(f.Message) > cdr.MaxSyncMessageLen || len(f.Message) < cdr.MaxSyncMessageLen-3 || !utf8.ValidString(f.Message) || !strings.HasPrefix(long, f.Message) {
		t.Errorf("long message kept as %d bytes (valid %v)", len(f.Message), utf8.ValidString(f.Message))
	}
	setFailed(t, a, tenant, fid, 0, cdr.Failure{Reason: "http_404", Message: "gone", At: base + 3, GiveUp: true})
	f = archiveFile(t, a, tenant, fid, 0)
	if f.State != cdr.FileGivenUp || f.Attempts != 3 || f.Reason != "http_404" || f.Message != "gone" {
		t.Errorf("given up: %+v", f)
	}

	// An upload archives the given-up file: no key before.
	s1 := stored(tenant, "upload")
	if prev := setArchived(t, a, tenant, fid, 0, s1); prev != "" {
		t.Errorf("previous key %q of a file never archived", prev)
	}
	f = archiveFile(t, a, tenant, fid, 0)
	want := f
	want.State, want.Key, want.Bytes, want.SHA256, want.ContentType, want.ArchivedAt = cdr.FileArchived, s1.Key, s1.Bytes, s1.SHA256, s1.ContentType, s1.At
	if f != want || f.Attempts != 3 {
		t.Errorf("archived: %+v", f)
	}
	if !inUse(t, a, tenant, s1.Key) {
		t.Error("the archived key is not in use")
	}
	// The same key again: nothing to delete; another: the one before.
	if prev := setArchived(t, a, tenant, fid, 0, s1); prev != "" {
		t.Errorf("archiving the same key again returned %q", prev)
	}
	s2 := stored(tenant, "upload 2")
	if prev := setArchived(t, a, tenant, fid, 0, s2); prev != s1.Key {
		t.Errorf("previous key %q, want %q", prev, s1.Key)
	}
	if inUse(t, a, tenant, s1.Key) || !inUse(t, a, tenant, s2.Key) {
		t.Error("BlobInUse does not follow the new key")
	}
	// Archived meanwhile: a late failure changes nothing.
	before := archiveFile(t, a, tenant, fid, 0)
	setFailed(t, a, tenant, fid, 0, cdr.Failure{Reason: "timeout", At: base + 4, NextAttemptAt: base + 300})
	setFailed(t, a, tenant, fid, 0, cdr.Failure{Reason: "timeout", At: base + 4, GiveUp: true})
	if after := archiveFile(t, a, tenant, fid, 0); after != before {
		t.Errorf("a failure changed an archived file:\n%+v\n%+v", before, after)
	}
	// File 1 shares file 0's content: the key is in use until both move.
	setArchived(t, a, tenant, fid, 1, s2)
	if prev := setArchived(t, a, tenant, fid, 0, s1); prev != s2.Key || !inUse(t, a, tenant, s2.Key) {
		t.Errorf("previous key %q, in use %v", prev, inUse(t, a, tenant, s2.Key))
	}

	// Unknown files and refused values.
	for _, c := range []struct {
		name string
		err  error
		code string
	}{
		{"archive unknown", func() error { _, err := a.SetArchived(ctx, tenant, fid, 2, s1); return err }(), cdr.ENOTFOUND},
		{"archive unknown record", func() error { _, err := a.SetArchived(ctx, tenant, id(tenant, "nope"), 0, s1); return err }(), cdr.ENOTFOUND},
		{"fail unknown", a.SetFailed(ctx, tenant, fid, 2, cdr.Failure{Reason: "x"}), cdr.ENOTFOUND},
		{"fail unknown record", a.SetFailed(ctx, tenant, id(tenant, "nope"), 0, cdr.Failure{Reason: "x"}), cdr.ENOTFOUND},
		{"no key", func() error { b := s1; b.Key = ""; _, err := a.SetArchived(ctx, tenant, fid, 0, b); return err }(), cdr.EINVALID},
		{"bad sha256", func() error { b := s1; b.SHA256 = "ABC"; _, err := a.SetArchived(ctx, tenant, fid, 0, b); return err }(), cdr.EINVALID},
		{"negative size", func() error { b := s1; b.Bytes = -1; _, err := a.SetArchived(ctx, tenant, fid, 0, b); return err }(), cdr.EINVALID},
		{"no reason", a.SetFailed(ctx, tenant, fid, 0, cdr.Failure{Message: "why"}), cdr.EINVALID},
		{"long reason", a.SetFailed(ctx, tenant, fid, 0, cdr.Failure{Reason: strings.Repeat("x", cdr.MaxNameLen+1)}), cdr.EINVALID},
	} {
		if cdr.ErrorCode(c.err) != c.code {
			t.Errorf("%s: %v, want %s", c.name, c.err, c.code)
		}
	}
	if f := archiveFile(t, a, tenant, fid, 0); f.Key != s1.Key || f.State != cdr.FileArchived {
		t.Errorf("refused calls changed the file: %+v", f)
	}
	if inUse(t, a, tenant, "") || inUse(t, a, tenant, "acme/00/none") {
		t.Error("unknown keys in use")
	}
}

// testArchivePrune: PruneFiles marks pruned the archived files of records
// that started before the cutoff, oldest first, clears their keys, and
// returns only the keys no archived file names any more: two records
// sharing one content key free it when the second goes.
func testArchivePrune(t *testing.T, s cdr.Store, a cdr.Archive) {
	put(t, s, tenant, base+1000,
		withRecordings(cdr.SourceNative, "p1", base, "https://v/p1"),
		withRecordings(cdr.SourceNative, "p2", base+10, "https://v/p2"),
		withRecordings(cdr.SourceNative, "p3", base+1, "https://v/p3"),
		withRecordings(cdr.SourceNative, "p4", base+2, "https://v/p4"),
		withRecordings(cdr.SourceNative, "p5", base+3, "https://v/p5"),
		withRecordings(cdr.SourceNative, "p6", base+100, "https://v/p6"),
		withRecordings(cdr.SourceNative, "p7", base+20, "https://v/p7"),
	)
	planAll(t, a, tenant, base+1001)
	shared, own, kept := stored(tenant, "shared"), stored(tenant, "own"), stored(tenant, "kept")
	setArchived(t, a, tenant, id(tenant, "p1"), 0, shared)
	setArchived(t, a, tenant, id(tenant, "p2"), 0, shared)
	setArchived(t, a, tenant, id(tenant, "p3"), 0, own)
	setFailed(t, a, tenant, id(tenant, "p5"), 0, cdr.Failure{Reason: "http_404", At: base, GiveUp: true})
	setArchived(t, a, tenant, id(tenant, "p6"), 0, kept) // after the cutoff
	setArchived(t, a, tenant, id(tenant, "p7"), 0, kept) // before it, sharing p6's key
	cutoff := base + 50

	steps := []struct {
		limit    int
		wantN    int
		wantKeys []string
		pruned   []string
	}{
		{1, 1, nil, []string{"p1"}}, // p2 still names the shared key
		{2, 2, []string{own.Key, shared.Key}, []string{"p3", "p2"}},
		{0, 1, nil, []string{"p7"}}, // p6, after the cutoff, names its key
		{0, 0, nil, nil},
	}
	for i, st := range steps {
		keys, n, err := a.PruneFiles(ctx, tenant, cutoff, st.limit)
		slices.Sort(st.wantKeys)
		if err != nil || n != st.wantN || !slices.Equal(keys, st.wantKeys) {
			t.Errorf("prune %d: %d %v %v, want %d %v", i, n, keys, err, st.wantN, st.wantKeys)
		}
		for _, sid := range st.pruned {
			f := archiveFile(t, a, tenant, id(tenant, sid), 0)
			if f.State != cdr.FilePruned || f.Key != "" || f.SHA256 == "" {
				t.Errorf("prune %d: %s is %+v", i, sid, f)
			}
		}
	}
	for sid, state := range map[string]cdr.FileState{"p4": cdr.FilePending, "p5": cdr.FileGivenUp, "p6": cdr.FileArchived} {
		if f := archiveFile(t, a, tenant, id(tenant, sid), 0); f.State != state {
			t.Errorf("%s is %s after pruning, want %s", sid, f.State, state)
		}
	}
	if inUse(t, a, tenant, shared.Key) || inUse(t, a, tenant, own.Key) || !inUse(t, a, tenant, kept.Key) {
		t.Error("BlobInUse after pruning")
	}
	// An upload archives a pruned file again, and the next prune takes it.
	if prev := setArchived(t, a, tenant, id(tenant, "p1"), 0, shared); prev != "" {
		t.Errorf("re-archiving a pruned file returned %q", prev)
	}
	if keys, n, err := a.PruneFiles(ctx, tenant, cutoff, 0); err != nil || n != 1 || !slices.Equal(keys, []string{shared.Key}) {
		t.Errorf("prune after an upload: %d %v %v", n, keys, err)
	}
}

// testArchiveDelete: DeleteFiles deletes the rows of records that started
// before the cutoff whatever their state, oldest first, and returns the
// keys no remaining row names.
func testArchiveDelete(t *testing.T, s cdr.Store, a cdr.Archive) {
	put(t, s, tenant, base+1000,
		withRecordings(cdr.SourceNative, "d1", base, "https://v/d1"),
		withRecordings(cdr.SourceNative, "d2", base+100, "https://v/d2"),
		withRecordings(cdr.SourceNative, "d3", base+1, "https://v/d3", "https://v/d3-1"),
		withRecordings(cdr.SourceNative, "d4", base+2, "https://v/d4"),
	)
	planAll(t, a, tenant, base+1001)
	shared, own := stored(tenant, "shared"), stored(tenant, "own")
	setArchived(t, a, tenant, id(tenant, "d1"), 0, shared)
	setArchived(t, a, tenant, id(tenant, "d2"), 0, shared)
	setArchived(t, a, tenant, id(tenant, "d4"), 0, own)
	setFailed(t, a, tenant, id(tenant, "d3"), 1, cdr.Failure{Reason: "x", At: base, GiveUp: true})
	cutoff := base + 50
	for i, st := range []struct {
		limit    int
		wantN    int
		wantKeys []string
		gone     []string
	}{
		{2, 2, nil, []string{"d1"}}, // d1 and d3's file 0; d2 names the shared key
		{0, 2, []string{own.Key}, []string{"d3", "d4"}},
		{0, 0, nil, nil},
	} {
		keys, n, err := a.DeleteFiles(ctx, tenant, cutoff, st.limit)
		if err != nil || n != st.wantN || !slices.Equal(keys, st.wantKeys) {
			t.Errorf("delete %d: %d %v %v, want %d %v", i, n, keys, err, st.wantN, st.wantKeys)
		}
		for _, sid := range st.gone {
			if fs := recordFiles(t, a, tenant, id(tenant, sid)); len(fs) != 0 {
				t.Errorf("delete %d: %s still has %+v", i, sid, fs)
			}
		}
	}
	if fs := recordFiles(t, a, tenant, id(tenant, "d2")); len(fs) != 1 || fs[0].State != cdr.FileArchived {
		t.Errorf("d2, after the cutoff: %+v", fs)
	}
	if !inUse(t, a, tenant, shared.Key) || inUse(t, a, tenant, own.Key) {
		t.Error("BlobInUse after deleting")
	}
	if keys, n, err := a.DeleteFiles(ctx, tenant, base+1000, 0); err != nil || n != 1 || !slices.Equal(keys, []string{shared.Key}) {
		t.Errorf("delete all: %d %v %v", n, keys, err)
	}
}

// testArchiveCounts: the counts of each source that has files, the bytes
// of archived files and the oldest expiry of pending ones; the tenants
// with files.
func testArchiveCounts(t *testing.T, s cdr.Store, a cdr.Archive) {
	if ts, err := a.ArchiveTenants(ctx); err != nil || len(ts) != 0 {
		t.Errorf("tenants of an empty archive: %v %v", ts, err)
	}
	if cs, err := a.ArchiveCounts(ctx, tenant); err != nil || len(cs) != 0 {
		t.Errorf("counts of an empty archive: %+v %v", cs, err)
	}
	n1 := withRecordings(cdr.SourceNative, "n1", base, "https://v/1", "https://v/2", "https://v/3", "https://v/4", "https://v/5", "https://v/6")
	n1.Note = strconv.FormatInt(base+500, 10)
	n2 := withRecordings(cdr.SourceNative, "n2", base, "")
	tc := withRecordings(cdr.SourceTencentCCC, "t1", base, "https://v/t1")
	put(t, s, tenant, base+1000, n1, n2, tc)
	planAll(t, a, tenant, base+1001)
	nid := id(tenant, "n1")
	setArchived(t, a, tenant, nid, 0, stored(tenant, "ten bytes!"))
	setArchived(t, a, tenant, nid, 1, stored(tenant, "five!"))
	setArchived(t, a, tenant, nid, 2, stored(tenant, "pruned"))
	setFailed(t, a, tenant, nid, 3, cdr.Failure{Reason: "x", At: base, GiveUp: true})
	if _, n, err := a.PruneFiles(ctx, tenant, base+1, 1); err != nil || n != 1 {
		t.Fatalf("prune one: %d %v", n, err)
	}
	// One of the three archived files was pruned: which one depends on the
	// store's order among equal starts.
	cs, err := a.ArchiveCounts(ctx, tenant)
	if err != nil || len(cs) != 2 {
		t.Fatalf("counts %+v %v", cs, err)
	}
	if got := cs[0]; got.Source != cdr.SourceNative || got.Pending != 3 || got.Archived != 2 || got.GivenUp != 1 || got.Pruned != 1 ||
		got.OldestExpiry != base+500 || (got.Bytes != 15 && got.Bytes != 16 && got.Bytes != 11) {
		t.Errorf("native counts %+v", got)
	}
	if diff := cmp.Diff(cdr.ArchiveCounts{Source: cdr.SourceTencentCCC, Pending: 1}, cs[1]); diff != "" {
		t.Errorf("tencent_ccc counts (-want +got):\n%s", diff)
	}
	put(t, s, other, base+1000, withRecordings(cdr.SourceNative, "o", base, "https://v/o"))
	planAll(t, a, other, base+1001)
	if ts, err := a.ArchiveTenants(ctx); err != nil || !slices.Equal(ts, []cdr.TenantID{tenant, other}) {
		t.Errorf("tenants %v %v", ts, err)
	}
}

// testArchiveIsolation: no method reaches another tenant's files, and
// each tenant has its own plan mark.
func testArchiveIsolation(t *testing.T, s cdr.Store, a cdr.Archive) {
	rec := withRecordings(cdr.SourceNative, "iso", base, "https://v/iso")
	put(t, s, tenant, base+1000, rec)
	put(t, s, other, base+2000, rec)
	planAll(t, a, tenant, base+5000)
	mine := id(tenant, "iso")
	sf := stored(tenant, "iso")
	setArchived(t, a, tenant, mine, 0, sf)
	before := recordFiles(t, a, tenant, mine)

	// The other tenant's plan mark has not moved: its record is planned.
	if n := plan(t, a, other, base+5000, 0); n != 1 {
		t.Errorf("the other tenant planned %d records, want 1", n)
	}
	theirs := id(other, "iso")
	if fs := due(t, a, other, base, 0); len(fs) != 1 || fs[0].RecordID != theirs {
		t.Errorf("the other tenant's due files: %+v", fs)
	}
	if fs := recordFiles(t, a, other, mine); len(fs) != 0 {
		t.Errorf("the other tenant sees our files: %+v", fs)
	}
	if _, err := a.ArchiveFile(ctx, other, mine, 0); cdr.ErrorCode(err) != cdr.ENOTFOUND {
		t.Errorf("the other tenant's ArchiveFile of ours: %v", err)
	}
	if _, err := a.SetArchived(ctx, other, mine, 0, stored(other, "x")); cdr.ErrorCode(err) != cdr.ENOTFOUND {
		t.Errorf("the other tenant's SetArchived of ours: %v", err)
	}
	if err := a.SetFailed(ctx, other, mine, 0, cdr.Failure{Reason: "x", GiveUp: true}); cdr.ErrorCode(err) != cdr.ENOTFOUND {
		t.Errorf("the other tenant's SetFailed of ours: %v", err)
	}
	if inUse(t, a, other, sf.Key) {
		t.Error("our key is in use for the other tenant")
	}
	if keys, n, err := a.PruneFiles(ctx, other, base+1_000_000, 0); err != nil || n != 0 || len(keys) != 0 {
		t.Errorf("the other tenant's prune: %d %v %v", n, keys, err)
	}
	if cs, err := a.ArchiveCounts(ctx, other); err != nil || len(cs) != 1 || cs[0].Pending != 1 || cs[0].Archived != 0 {
		t.Errorf("the other tenant's counts: %+v %v", cs, err)
	}
	if keys, n, err := a.DeleteFiles(ctx, other, base+1_000_000, 0); err != nil || n != 1 || len(keys) != 0 {
		t.Errorf("the other tenant's delete: %d %v %v", n, keys, err)
	}
	if diff := cmp.Diff(before, recordFiles(t, a, tenant, mine)); diff != "" {
		t.Errorf("the other tenant's calls changed our files (-before +after):\n%s", diff)
	}
	if ts, err := a.ArchiveTenants(ctx); err != nil || !slices.Equal(ts, []cdr.TenantID{tenant}) {
		t.Errorf("tenants %v %v", ts, err)
	}
}

// testArchiveZeroTenant: every method refuses the zero tenant, and the
// batches refuse limits out of 1 to cdr.MaxArchiveBatch.
func testArchiveZeroTenant(t *testing.T, s cdr.Store, a cdr.Archive) {
	var zero cdr.TenantID
	sf := stored(tenant, "z")
	calls := map[string]func() error{
		"PlanFiles": func() error { _, err := a.PlanFiles(ctx, zero, base, 0, nil); return err },
		"PlanRecord": func() error {
			return a.PlanRecord(ctx, zero, withRecordings(cdr.SourceNative, "z", base, "https://v/z"), 0)
		},
		"DueFiles":      func() error { _, err := a.DueFiles(ctx, zero, base, 0); return err },
		"RecordFiles":   func() error { _, err := a.RecordFiles(ctx, zero, "rec_x"); return err },
		"ArchiveFile":   func() error { _, err := a.ArchiveFile(ctx, zero, "rec_x", 0); return err },
		"SetArchived":   func() error { _, err := a.SetArchived(ctx, zero, "rec_x", 0, sf); return err },
		"SetFailed":     func() error { return a.SetFailed(ctx, zero, "rec_x", 0, cdr.Failure{Reason: "x"}) },
		"BlobInUse":     func() error { _, err := a.BlobInUse(ctx, zero, sf.Key); return err },
		"PruneFiles":    func() error { _, _, err := a.PruneFiles(ctx, zero, base, 0); return err },
		"DeleteFiles":   func() error { _, _, err := a.DeleteFiles(ctx, zero, base, 0); return err },
		"ArchiveCounts": func() error { _, err := a.ArchiveCounts(ctx, zero); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, cdr.ErrNoTenant) {
			t.Errorf("%s with the zero tenant: %v, want %v", name, err, cdr.ErrNoTenant)
		}
	}
	put(t, s, tenant, base+1000, withRecordings(cdr.SourceNative, "b", base, "https://v/b"))
	batches := map[string]func(limit int) error{
		"PlanFiles":   func(l int) error { _, err := a.PlanFiles(ctx, tenant, base, l, nil); return err },
		"DueFiles":    func(l int) error { _, err := a.DueFiles(ctx, tenant, base, l); return err },
		"PruneFiles":  func(l int) error { _, _, err := a.PruneFiles(ctx, tenant, base, l); return err },
		"DeleteFiles": func(l int) error { _, _, err := a.DeleteFiles(ctx, tenant, base, l); return err },
	}
	for name, call := range batches {
		for _, l := range []int{-1, cdr.MaxArchiveBatch + 1} {
			if err := call(l); cdr.ErrorCode(err) != cdr.EINVALID {
				t.Errorf("%s with limit %d: %v, want invalid", name, l, err)
			}
		}
		for _, l := range []int{0, 1, cdr.MaxArchiveBatch} {
			if err := call(l); err != nil {
				t.Errorf("%s with limit %d: %v", name, l, err)
			}
		}
	}
	// Nothing was written by the refused calls, and a nil expires means
	// unknown expiry.
	if n := plan(t, a, tenant, base+1001, 0); n != 1 {
		t.Errorf("planned %d after refused calls, want 1", n)
	}
	if fs := recordFiles(t, a, tenant, id(tenant, "b")); len(fs) != 1 || fs[0].ExpiresAt != 0 || fs[0].Attempts != 0 {
		t.Errorf("files after refused calls: %+v", fs)
	}
}

// testArchiveRace: planners and archivers of one tenant running at once
// lose no row, plan each file once, and never set an archived file back
// to pending, even when the records' URLs change under them.
func testArchiveRace(t *testing.T, s cdr.Store, a cdr.Archive) {
	var recs []*cdr.Record
	for i := range 60 {
		recs = append(recs, withRecordings(cdr.SourceNative, fmt.Sprint("race", i), base+int64(i), fmt.Sprintf("https://v/race%d", i)))
	}
	put(t, s, tenant, base+1000, recs...)
	for i := range recs {
		recs[i].Recordings[0].URL += "-new"
		recs[i].Version++
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				n, err := a.PlanFiles(ctx, tenant, base+3000, 7, nil)
				if err != nil {
					t.Errorf("PlanFiles: %v", err)
					return
				}
				if n == 0 {
					return
				}
			}
		})
	}
	for w := range 3 {
		wg.Go(func() {
			for range 20 {
				fs, err := a.DueFiles(ctx, tenant, base, 5)
				if err != nil {
					t.Errorf("DueFiles: %v", err)
					return
				}
				for _, f := range fs {
					if w == 0 {
						if err := a.SetFailed(ctx, tenant, f.RecordID, f.N, cdr.Failure{Reason: "timeout", At: base, NextAttemptAt: base}); err != nil {
							t.Errorf("SetFailed: %v", err)
						}
						continue
					}
					if _, err := a.SetArchived(ctx, tenant, f.RecordID, f.N, stored(tenant, f.URL)); err != nil {
						t.Errorf("SetArchived: %v", err)
					}
				}
			}
		})
	}
	// The records change URLs while they are planned and archived.
	update := make([]*cdr.Record, len(recs))
	for i, r := range recs {
		update[i] = clone(r)
	}
	wg.Go(func() {
		if _, err := s.UpsertRecords(ctx, tenant, update, cdr.UpsertOptions{Now: base + 2000}); err != nil {
			t.Errorf("UpsertRecords: %v", err)
		}
	})
	wg.Wait()
	planAll(t, a, tenant, base+3000)
	archived := 0
	for i := range recs {
		fs := recordFiles(t, a, tenant, id(tenant, fmt.Sprint("race", i)))
		if len(fs) != 1 {
			t.Fatalf("race%d has %d files", i, len(fs))
		}
		switch f := fs[0]; f.State {
		case cdr.FileArchived:
			archived++
			if f.Key == "" {
				t.Errorf("archived without a key: %+v", f)
			}
		case cdr.FilePending:
			if f.URL != recs[i].Recordings[0].URL {
				t.Errorf("a pending file kept an old URL: %+v", f)
			}
		default:
			t.Errorf("race%d: %+v", i, f)
		}
	}
	// Archive what is left: every file ends archived, none goes back.
	for {
		fs := due(t, a, tenant, base+1_000_000, 0)
		if len(fs) == 0 {
			break
		}
		for _, f := range fs {
			setArchived(t, a, tenant, f.RecordID, f.N, stored(tenant, f.URL))
		}
	}
	cs, err := a.ArchiveCounts(ctx, tenant)
	if err != nil || len(cs) != 1 || cs[0].Archived != 60 || cs[0].Pending != 0 {
		t.Errorf("counts after the race (%d archived during it): %+v %v", archived, cs, err)
	}
}

// testSecrets: the first value stored under a name stays, also when
// several callers store one at once.
func testSecrets(t *testing.T, sec cdr.Secrets) {
	v, err := sec.Secret(ctx, "cookie", []byte("first"))
	if err != nil || string(v) != "first" {
		t.Fatalf("first Secret: %q %v", v, err)
	}
	if v, err := sec.Secret(ctx, "cookie", []byte("second")); err != nil || string(v) != "first" {
		t.Errorf("second Secret: %q %v, want first", v, err)
	}
	if v, err := sec.Secret(ctx, "other", []byte{0, 1, 2, 255}); err != nil || !slices.Equal(v, []byte{0, 1, 2, 255}) {
		t.Errorf("a binary secret: %v %v", v, err)
	}
	for _, c := range []struct {
		name string
		gen  []byte
	}{{"", []byte("x")}, {"empty", nil}, {strings.Repeat("n", cdr.MaxNameLen+1), []byte("x")}, {"\xff", []byte("x")}} {
		if _, err := sec.Secret(ctx, c.name, c.gen); cdr.ErrorCode(err) != cdr.EINVALID {
			t.Errorf("Secret(%.10q, %q): %v, want invalid", c.name, c.gen, err)
		}
	}
	var wg sync.WaitGroup
	got := make([][]byte, 8)
	for i := range got {
		wg.Go(func() {
			v, err := sec.Secret(ctx, "race", []byte(fmt.Sprint("racer-", i)))
			if err != nil {
				t.Errorf("Secret in the race: %v", err)
			}
			got[i] = v
		})
	}
	wg.Wait()
	if !strings.HasPrefix(string(got[0]), "racer-") {
		t.Fatalf("race stored %q", got[0])
	}
	for i, v := range got {
		if string(v) != string(got[0]) {
			t.Errorf("racer %d got %q, racer 0 %q", i, v, got[0])
		}
	}
}

// testArchiveDueUnaddressed: DueUnaddressed lists the pending files
// without any URL of the sources asked, due at now, in DueFiles' order;
// files with a URL, of other sources or of another tenant, never.
func testArchiveDueUnaddressed(t *testing.T, s cdr.Store, a cdr.Archive) {
	mk := func(source cdr.Source, sourceID string, start, expires int64, urls ...string) *cdr.Record {
		r := withRecordings(source, sourceID, start, urls...)
		if expires != 0 {
			r.Note = strconv.FormatInt(expires, 10)
		}
		return r
	}
	ali, tc := cdr.SourceAliyunCCC, cdr.SourceTencentCCC
	put(t, s, tenant, base+1000,
		mk(ali, "a1", base+3, base+300, ""),
		mk(ali, "a2", base+1, base+100, ""),
		mk(ali, "a3", base+0, 0, ""),
		mk(ali, "a4", base+0, base+50, "https://v/a4"), // addressed: DueFiles'
		mk(tc, "t1", base+2, base+200, ""),
		mk(cdr.SourceNative, "n1", base+0, base+10, ""),
	)
	put(t, s, other, base+1000, mk(ali, "a1", base+3, base+300, ""))
	planAll(t, a, tenant, base+1001)
	planAll(t, a, other, base+1001)
	k := func(src cdr.Source, sourceID string) string {
		return fmt.Sprintf("%s/0", cdr.RecordID(tenant.String(), src, sourceID))
	}
	list := func(sources []cdr.Source, now int64, limit int) []string {
		t.Helper()
		fs, err := a.DueUnaddressed(ctx, tenant, sources, now, limit)
		if err != nil {
			t.Fatalf("DueUnaddressed(%v): %v", sources, err)
		}
		return fileKeys(fs)
	}
	for _, c := range []struct {
		sources []cdr.Source
		limit   int
		want    []string
	}{
		{[]cdr.Source{ali}, 0, []string{k(ali, "a2"), k(ali, "a1"), k(ali, "a3")}},
		{[]cdr.Source{ali, tc}, 0, []string{k(ali, "a2"), k(tc, "t1"), k(ali, "a1"), k(ali, "a3")}},
		{[]cdr.Source{tc, ali, ali}, 2, []string{k(ali, "a2"), k(tc, "t1")}},
		{nil, 0, nil},
	} {
		if got := list(c.sources, base, c.limit); !slices.Equal(got, c.want) {
			t.Errorf("DueUnaddressed(%v, limit %d)\n got %v\nwant %v", c.sources, c.limit, got, c.want)
		}
	}
	// A failure makes it due at NextAttemptAt, not before; archived and
	// given-up files are not due.
	setFailed(t, a, tenant, cdr.RecordID(tenant.String(), ali, "a2"), 0, cdr.Failure{Reason: "resolve", At: base, NextAttemptAt: base + 60})
	if got := list([]cdr.Source{ali}, base+59, 0); !slices.Equal(got, []string{k(ali, "a1"), k(ali, "a3")}) {
		t.Errorf("before the retry: %v", got)
	}
	setArchived(t, a, tenant, cdr.RecordID(tenant.String(), ali, "a1"), 0, stored(tenant, "a1"))
	setFailed(t, a, tenant, cdr.RecordID(tenant.String(), ali, "a3"), 0, cdr.Failure{Reason: "resolve", At: base, GiveUp: true})
	if got := list([]cdr.Source{ali}, base+60, 0); !slices.Equal(got, []string{k(ali, "a2")}) {
		t.Errorf("after archiving a1 and giving up a3: %v", got)
	}
	for name, err := range map[string]error{
		"unknown source": func() error { _, err := a.DueUnaddressed(ctx, tenant, []cdr.Source{"fax"}, base, 0); return err }(),
		"limit over": func() error {
			_, err := a.DueUnaddressed(ctx, tenant, []cdr.Source{ali}, base, cdr.MaxArchiveBatch+1)
			return err
		}(),
	} {
		if cdr.ErrorCode(err) != cdr.EINVALID {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}
	if _, err := a.DueUnaddressed(ctx, cdr.TenantID{}, []cdr.Source{ali}, base, 0); err != cdr.ErrNoTenant {
		t.Errorf("zero tenant: %v", err)
	}
}
