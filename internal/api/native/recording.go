package native

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cdrhub/cdrhub/internal/blob"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/httpx"
	"github.com/cdrhub/cdrhub/internal/query"
	"github.com/cdrhub/cdrhub/internal/recordings"
)

// Recordings is the recording archive as the API serves it (docs/design.md,
// Recording archive): the files' state, their blobs, the key that signs
// download links, and the bounds of links and uploads.
type Recordings struct {
	State cdr.Archive
	Blobs blob.Store
	// Presign, when set, answers a download with a redirect (307) to a
	// URL of the object valid presignTTL, instead of streaming it
	// (recordings.s3.redirect).
	Presign func(ctx context.Context, key string, ttl time.Duration) (string, error)
	// SigningKey signs and verifies download links.
	SigningKey []byte
	// MaxFileBytes bounds an upload.
	MaxFileBytes int64
	// LinkTTL is, per tenant, a link's lifetime when the request names
	// none and the longest it may name; a tenant not listed gets
	// DefaultLinkTTL.
	LinkTTL map[cdr.TenantID]time.Duration
	// Expiry is, per source, when the vendor deletes a recording after the
	// call's start, for the rows an upload creates.
	Expiry map[cdr.Source]time.Duration
	// Now is the clock of links and uploads; nil is time.Now.
	Now func() time.Time
}

func (rec *Recordings) now() time.Time {
	if rec.Now != nil {
		return rec.Now()
	}
	return time.Now()
}

// presignTTL is the lifetime of the object store's URL a download is
// redirected to: long enough to start it.
const presignTTL = 5 * time.Minute

// DefaultLinkTTL is a signed link's lifetime for a tenant without one.
const DefaultLinkTTL = time.Hour

// transferTimeout replaces the listener's read or write timeout for one
// upload or download of a file, which may be large and slow.
const transferTimeout = 30 * time.Minute

// extendDeadline gives a transfer transferTimeout from now, when the
// connection allows it.
func extendDeadline(w http.ResponseWriter, read bool) {
	rc := http.NewResponseController(w)
	d := time.Now().Add(transferTimeout)
	if read {
		_ = rc.SetReadDeadline(d)
		return
	}
	_ = rc.SetWriteDeadline(d)
}

// SetRecordings serves the archive's routes from rec and adds each
// record's files to GET /api/v1/records/{id}.
func (a *API) SetRecordings(rec *Recordings) { a.rec = rec }

// FileView is one file of a record in GET /api/v1/records/{id}: what the
// record names and, once archived, what was stored and where to download it.
type FileView struct {
	N           int    `json:"n"`
	Of          string `json:"of"`
	Archived    bool   `json:"archived"`
	State       string `json:"state,omitempty"`
	Reason      string `json:"reason,omitempty"`
	Bytes       int64  `json:"bytes,omitempty"`
	SHA256      string `json:"sha256,omitempty"`
	ContentType string `json:"content_type,omitempty"`
	URL         string `json:"url,omitempty"`
}

// recordWithFiles is a record as GET /api/v1/records/{id} shows it.
// files is server-owned: the strict decoder drops it on input.
type recordWithFiles struct {
	*cdr.Record
	Files []FileView `json:"files,omitempty"`
}

// files lists rec's files with their archive state: every file
// cdr.RecordingFiles names, archived or not.
func (a *API) files(r *http.Request, t cdr.TenantID, rec *cdr.Record) ([]FileView, error) {
	refs := cdr.RecordingFiles(rec)
	if len(refs) == 0 {
		return nil, nil
	}
	rows, err := a.rec.State.RecordFiles(r.Context(), t, rec.ID)
	if err != nil {
		return nil, err
	}
	byN := make(map[int]cdr.ArchiveFile, len(rows))
	for _, f := range rows {
		byN[f.N] = f
	}
	out := make([]FileView, len(refs))
	for i, ref := range refs {
		v := FileView{N: ref.N, Of: ref.Of}
		if f, ok := byN[ref.N]; ok {
			v.State, v.Reason = string(f.State), f.Reason
			if f.State == cdr.FileArchived {
				v.Archived, v.Bytes, v.SHA256, v.ContentType = true, f.Bytes, f.SHA256, f.ContentType
				v.URL = recordings.Path(rec.ID, ref.N)
			}
		}
		out[i] = v
	}
	return out, nil
}

// GetRecording serves GET and HEAD /api/v1/records/{id}/recordings/{n}:
// the archived file, with Range, ETag and conditional requests. A request
// with a signature (a signed link) needs no token.
func (a *API) GetRecording() http.Handler {
	withToken := a.handle(a.getRecording)
	withLink := httpx.Adapt(func(w http.ResponseWriter, r *http.Request) error {
		t, err := a.verifyLink(r)
		if err != nil {
			return err
		}
		return a.getRecording(w, r.WithContext(withTenant(r.Context(), t)))
	}, writeError)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has("signature") {
			withLink.ServeHTTP(w, r)
			return
		}
		withToken.ServeHTTP(w, r)
	})
}

// LinkRecording serves POST /api/v1/records/{id}/recordings/{n}/link.
func (a *API) LinkRecording() http.Handler { return a.handle(a.linkRecording) }

// PutRecording serves PUT /api/v1/records/{id}/recordings/{n}: the body
// becomes that file's archived copy.
func (a *API) PutRecording() http.Handler { return a.handle(a.putRecording) }

// recordingTarget parses {id} and {n} of a recording route.
func recordingTarget(r *http.Request) (id string, n int, err error) {
	id = r.PathValue("id")
	if err := cdr.CheckString("id", id, cdr.MaxIDLen, cdr.Bytes); err != nil {
		return "", 0, err
	}
	s := r.PathValue("n")
	n, err = strconv.Atoi(s)
	if err != nil || n < 0 || n >= cdr.MaxFilesPerRecord || strconv.Itoa(n) != s {
		return "", 0, cdr.Errorf(cdr.EINVALID, "file number %q: want 0..%d", s, cdr.MaxFilesPerRecord-1)
	}
	return id, n, nil
}

func (a *API) getRecording(w http.ResponseWriter, r *http.Request) error {
	if a.rec == nil {
		return cdr.Errorf(cdr.ENOTFOUND, "the recording archive is not configured")
	}
	id, n, err := recordingTarget(r)
	if err != nil {
		return err
	}
	t := tenantOf(r.Context())
	f, err := a.rec.State.ArchiveFile(r.Context(), t, id, n)
	if err != nil && cdr.ErrorCode(err) != cdr.ENOTFOUND {
		return err
	}
	if err != nil || f.State != cdr.FileArchived {
		return cdr.Errorf(cdr.ENOTFOUND, "file %d of record %s is not archived", n, id)
	}
	if a.rec.Presign != nil {
		u, err := a.rec.Presign(r.Context(), f.Key, presignTTL)
		if err != nil {
			return cdr.Errorf(cdr.EUNAVAILABLE, "file %d of record %s: presigning its copy: %v", n, id, err)
		}
		_, principal := httpx.PrincipalOf(r.Context())
		logger(r).Info("recording redirected", "tenant", t.String(), "principal", principal, "record", id, "file", n)
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, u, http.StatusTemporaryRedirect)
		return nil
	}
	obj, err := a.rec.Blobs.Open(r.Context(), f.Key)
	if errors.Is(err, blob.ErrNotFound) {
		return cdr.Errorf(cdr.EINTERNAL, "file %d of record %s: its archived copy %s is missing", n, id, f.Key)
	}
	if err != nil {
		return cdr.Errorf(cdr.EUNAVAILABLE, "opening file %d of record %s: %v", n, id, err)
	}
	defer obj.Close()
	_, principal := httpx.PrincipalOf(r.Context())
	logger(r).Info("recording downloaded", "tenant", t.String(), "principal", principal, "record", id,
		"file", n, "method", r.Method, "range", r.Header.Get("Range"))
	h := w.Header()
	h.Set("Content-Type", servedType(f.ContentType))
	h.Set("ETag", `"`+f.SHA256+`"`)
	h.Set("Cache-Control", "private, max-age=0")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	extendDeadline(w, false)
	http.ServeContent(w, r, "", obj.ModTime(), obj)
	return nil
}

// servedType is the Content-Type a stored file is served with: its sniffed
// type when it is audio, video, plain text or JSON, else an opaque one, so
// that no archived file is ever rendered as a page of cdrhub's origin.
func servedType(ct string) string {
	base, _, _ := strings.Cut(ct, ";")
	switch {
	case strings.HasPrefix(base, "audio/"), strings.HasPrefix(base, "video/"),
		base == "application/ogg", base == "text/plain", base == "application/json":
		return ct
	}
	return "application/octet-stream"
}

// LinkResponse is the body of POST …/recordings/{n}/link.
type LinkResponse struct {
	URL       string `json:"url"`
	ExpiresAt int64  `json:"expires_at"` // Unix s
}

func (a *API) linkRecording(w http.ResponseWriter, r *http.Request) error {
	if a.rec == nil {
		return cdr.Errorf(cdr.ENOTFOUND, "the recording archive is not configured")
	}
	q := r.URL.Query()
	if err := query.OnlyParams(q, "tenant", "ttl"); err != nil {
		return err
	}
	id, n, err := recordingTarget(r)
	if err != nil {
		return err
	}
	t := tenantOf(r.Context())
	max := a.linkTTL(t)
	ttl := max
	if s := q.Get("ttl"); s != "" {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v < 1 || v > int64(max/time.Second) {
			return cdr.Errorf(cdr.EINVALID, "ttl=%q: want seconds in 1..%d", s, int64(max/time.Second))
		}
		ttl = time.Duration(v) * time.Second
	}
	f, err := a.rec.State.ArchiveFile(r.Context(), t, id, n)
	if err != nil && cdr.ErrorCode(err) != cdr.ENOTFOUND {
		return err
	}
	if err != nil || f.State != cdr.FileArchived {
		return cdr.Errorf(cdr.ENOTFOUND, "file %d of record %s is not archived", n, id)
	}
	exp := a.rec.now().Add(ttl).Unix()
	_, principal := httpx.PrincipalOf(r.Context())
	logger(r).Info("recording link signed", "tenant", t.String(), "principal", principal, "record", id,
		"file", n, "expires_at", exp)
	httpx.WriteJSON(w, r, http.StatusOK, LinkResponse{URL: recordings.Links{Key: a.rec.SigningKey}.Sign(t, id, n, exp), ExpiresAt: exp})
	return nil
}

func (a *API) linkTTL(t cdr.TenantID) time.Duration {
	if d, ok := a.rec.LinkTTL[t]; ok && d > 0 {
		return d
	}
	return DefaultLinkTTL
}

// verifyLink checks a signed link and returns the tenant it was signed for.
// Anything altered, expired or signed for another path is forbidden.
func (a *API) verifyLink(r *http.Request) (cdr.TenantID, error) {
	forbidden := cdr.Errorf(cdr.EFORBIDDEN, "invalid or expired link")
	if a.rec == nil {
		return cdr.TenantID{}, forbidden
	}
	q := r.URL.Query()
	if err := query.OnlyParams(q, "tenant", "expires", "signature"); err != nil {
		return cdr.TenantID{}, err
	}
	if len(q["tenant"]) != 1 || len(q["expires"]) != 1 || len(q["signature"]) != 1 {
		return cdr.TenantID{}, forbidden
	}
	t, ok := a.tenants[q.Get("tenant")]
	if !ok {
		return cdr.TenantID{}, forbidden
	}
	id, n, err := recordingTarget(r)
	if err != nil {
		return cdr.TenantID{}, err
	}
	exp, err := strconv.ParseInt(q.Get("expires"), 10, 64)
	if err != nil || !(recordings.Links{Key: a.rec.SigningKey}).Valid(t, id, n, exp, q.Get("signature")) {
		return cdr.TenantID{}, forbidden
	}
	if a.rec.now().Unix() >= exp {
		return cdr.TenantID{}, cdr.Errorf(cdr.EFORBIDDEN, "link expired")
	}
	httpx.SetPrincipal(r.Context(), t.String(), "link")
	return t, nil
}

// UploadResponse is the body of PUT …/recordings/{n}.
type UploadResponse struct {
	FileView
}

func (a *API) putRecording(w http.ResponseWriter, r *http.Request) error {
	if a.rec == nil {
		return cdr.Errorf(cdr.ENOTFOUND, "the recording archive is not configured")
	}
	if err := query.OnlyParams(r.URL.Query(), "tenant"); err != nil {
		return err
	}
	id, n, err := recordingTarget(r)
	if err != nil {
		return err
	}
	if r.ContentLength > a.rec.MaxFileBytes {
		return cdr.Errorf(cdr.ETOOLARGE, "file of %d bytes; the limit is %d", r.ContentLength, a.rec.MaxFileBytes)
	}
	t := tenantOf(r.Context())
	rec, err := a.store.FindRecordByID(r.Context(), t, id)
	if err != nil {
		return err
	}
	refs := cdr.RecordingFiles(rec)
	if n >= len(refs) {
		return cdr.Errorf(cdr.ENOTFOUND, "record %s has %d files; no file %d", id, len(refs), n)
	}
	ref := refs[n]
	extendDeadline(w, true)
	stored, err := recordings.Store(r.Context(), a.rec.Blobs, t, r.Body,
		recordings.Expect{Length: r.ContentLength, MaxBytes: a.rec.MaxFileBytes, Transcript: ref.Transcript})
	if err != nil {
		var re *recordings.Error
		if errors.As(err, &re) {
			if re.Reason == recordings.ReasonTooLarge {
				return cdr.Errorf(cdr.ETOOLARGE, "%s", re.Message)
			}
			return cdr.Errorf(cdr.EINVALID, "%s: %s", re.Reason, re.Message)
		}
		return err
	}
	stored.At = a.rec.now().UnixMilli()
	var expires int64
	if d := a.rec.Expiry[rec.Source]; d > 0 {
		expires = rec.StartAt + d.Milliseconds()
	}
	if err := a.rec.State.PlanRecord(r.Context(), t, rec, expires); err != nil {
		return err
	}
	prev, err := a.rec.State.SetArchived(r.Context(), t, rec.ID, n, stored)
	if err != nil {
		return err
	}
	if prev != "" {
		if err := recordings.DeleteUnused(r.Context(), a.rec.State, a.rec.Blobs, t, prev); err != nil {
			logger(r).Warn("recordings: deleting a replaced copy", "tenant", t.String(), "record", id, "file", n, "err", err)
		}
	}
	_, principal := httpx.PrincipalOf(r.Context())
	logger(r).Info("recording uploaded", "tenant", t.String(), "principal", principal, "record", id,
		"file", n, "bytes", stored.Bytes, "sha256", stored.SHA256)
	httpx.WriteJSON(w, r, http.StatusOK, UploadResponse{FileView{N: n, Of: ref.Of, Archived: true,
		State: string(cdr.FileArchived), Bytes: stored.Bytes, SHA256: stored.SHA256, ContentType: stored.ContentType,
		URL: recordings.Path(id, n)}})
	return nil
}
