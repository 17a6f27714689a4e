package aliyunccc

import (
	"context"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/httpx"
	"github.com/cdrhub/cdrhub/internal/recordings"
)

// GetMonoRecording (docs/wire-contracts.md §4.5) answers a call's recording
// as Alibaba Cloud does, with a signed link to cdrhub's archived copy of
// it instead of an OSS one: the record of ContactId, its first audio file
// archived. A contact that has none archived (no recording, or not yet
// archived) is NotExists.ContactId: Alibaba's documentation names no error
// of its own for a call without a recording.

const actionMono = "GetMonoRecording"

// Bounds of ExpireSeconds: the link's lifetime, a day by default, as the
// vendor's OSS links.
const (
	defaultExpire = 86_400
	maxExpire     = 7 * 86_400
)

// Recordings is what GetMonoRecording reads: the archive's state and the
// key that signs its links.
type Recordings struct {
	State cdr.Archive
	Links recordings.Links
}

// SetRecordings serves GetMonoRecording from rec; without it every contact
// has no recording.
func (a *API) SetRecordings(rec *Recordings) { a.rec = rec }

// monoData is the Data of GetMonoRecording.
type monoData struct {
	FileURL  string `json:"FileUrl"`
	FileName string `json:"FileName"`
	Duration int64  `json:"Duration"` // ms
}

// present reports whether a parameter was sent at all.
func present(p url.Values, name string) bool { _, ok := p[name]; return ok }

// nullOrBlank is the vendor's error of a parameter absent (Parameter.Null)
// or empty or blank (Parameter.Blank).
func nullOrBlank(p url.Values, name string) error {
	if !present(p, name) {
		return errorf(http.StatusBadRequest, "Parameter.Null", "The parameter %s may not be null.", name)
	}
	if strings.TrimSpace(p.Get(name)) == "" {
		return errorf(http.StatusBadRequest, "Parameter.Blank", "The parameter %s may not be null or blank.", name)
	}
	return nil
}

// mono answers GetMonoRecording; InstanceId is checked by the caller.
func (a *API) mono(r *http.Request, t *tenant, p url.Values, now time.Time) (any, error) {
	if err := nullOrBlank(p, "ContactId"); err != nil {
		return nil, err
	}
	id := p.Get("ContactId")
	if err := boundString("ContactId", id, cdr.MaxIDLen, cdr.Bytes); err != nil {
		return nil, err
	}
	expire := int64(defaultExpire)
	if v := p.Get("ExpireSeconds"); present(p, "ExpireSeconds") {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 || n > maxExpire {
			return nil, badFormat("ExpireSeconds", "It must be an integer from 1 to "+strconv.Itoa(maxExpire)+".")
		}
		expire = n
	}
	none := errorf(http.StatusNotFound, "NotExists.ContactId", "The specified contact %s does not exist.", id)
	if a.rec == nil {
		return nil, none
	}
	recs, _, err := a.store.FindRecords(r.Context(), t.ID, cdr.Filter{Channels: []cdr.Channel{cdr.ChannelVoice},
		VendorIDs: cdr.VendorIDs{Source: cdr.SourceAliyunCCC, Values: []string{id}}, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, none
	}
	rec := recs[0]
	f, ok, err := a.archivedAudio(r.Context(), t.ID, rec)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, none
	}
	link := a.rec.Links.Sign(t.ID, rec.ID, f.N, now.Unix()+expire)
	d := &monoData{FileURL: httpx.Origin(r) + link, FileName: id + extension(f.ContentType)}
	for _, rc := range rec.Recordings {
		if rc.DurationS != nil {
			d.Duration = *rc.DurationS * 1000
			break
		}
	}
	logger(r).Info("recording link signed", "tenant", t.ID.String(), "record", rec.ID, "file", f.N, "expires_in_s", expire)
	return d, nil
}

// archivedAudio is rec's first audio file that is archived.
func (a *API) archivedAudio(ctx context.Context, t cdr.TenantID, rec *cdr.Record) (cdr.ArchiveFile, bool, error) {
	rows, err := a.rec.State.RecordFiles(ctx, t, rec.ID)
	if err != nil {
		return cdr.ArchiveFile{}, false, err
	}
	for _, f := range rows {
		if f.State == cdr.FileArchived && !f.Transcript {
			return f, true, nil
		}
	}
	return cdr.ArchiveFile{}, false, nil
}

// extension is a file name's extension for a stored content type: .wav
// for Alibaba's WAV, else the type's usual one.
func extension(contentType string) string {
	base, _, _ := strings.Cut(contentType, ";")
	switch base {
	case "audio/wav", "audio/x-wav", "audio/wave":
		return ".wav"
	case "audio/mpeg":
		return ".mp3"
	}
	if exts, err := mime.ExtensionsByType(base); err == nil && len(exts) > 0 {
		return exts[0]
	}
	return ""
}
