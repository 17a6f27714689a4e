package native

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/httpx"
	"github.com/cdrhub/cdrhub/internal/mapping"
	"github.com/cdrhub/cdrhub/internal/query"
	"github.com/cdrhub/cdrhub/internal/recordio"
)

// maxListedErrors caps the errors listed in an upsert response.
const maxListedErrors = 1000

// UpsertResponse is the body of a successful POST /api/v1/records.
type UpsertResponse struct {
	Inserted  int         `json:"inserted"`
	Updated   int         `json:"updated"`
	Unchanged int         `json:"unchanged"`
	Stale     int         `json:"stale"`
	Rejected  int         `json:"rejected"`
	Errors    []LineError `json:"errors"`
}

func (a *API) postRecords(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := query.OnlyParams(q, "tenant", "dry_run", "format"); err != nil {
		return err
	}
	dryRun, err := query.BoolParam(q, "dry_run")
	if err != nil {
		return err
	}
	t := tenantOf(r.Context())
	var dec mapping.Decoder
	if f := q.Get("format"); f != "" && f != string(cdr.SourceNative) {
		if dec = a.formats[t].Decoders[cdr.Source(f)]; dec == nil {
			return cdr.Errorf(cdr.EINVALID, "format %q is not supported", f)
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.limits.MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return cdr.Errorf(cdr.ETOOLARGE, "request body over %d bytes", a.limits.MaxBody)
		}
		return cdr.Errorf(cdr.EINVALID, "reading the request body: %v", err)
	}
	now := a.now().UnixMilli()
	checked, lineErrs, err := a.checkBody(r, dec, t, body, now)
	if err != nil {
		return err
	}
	resp := UpsertResponse{Errors: []LineError{}}
	var recs []*cdr.Record
	for i, rec := range checked {
		if le := lineErrs[i]; le != nil {
			resp.Rejected++
			if len(resp.Errors) < maxListedErrors {
				resp.Errors = append(resp.Errors, *le)
			}
			continue
		}
		recs = append(recs, rec)
	}
	res, err := a.store.UpsertRecords(r.Context(), t, recs, cdr.UpsertOptions{DryRun: dryRun, Now: now})
	if err != nil {
		return err
	}
	resp.Inserted, resp.Updated, resp.Unchanged, resp.Stale = res.Inserted, res.Updated, res.Unchanged, res.Stale
	logger(r).Info("records upserted", "tenant", t.String(), "dry_run", dryRun, "inserted", res.Inserted,
		"updated", res.Updated, "unchanged", res.Unchanged, "stale", res.Stale, "rejected", resp.Rejected)
	httpx.WriteJSON(w, r, http.StatusOK, resp)
	return nil
}

// checkBody decodes and validates the records of an upsert body, native
// or in a vendor format (dec not nil): each is a prepared record or a line
// error.
func (a *API) checkBody(r *http.Request, dec mapping.Decoder, t cdr.TenantID, body []byte, now int64) ([]*cdr.Record, []*LineError, error) {
	if dec != nil {
		recs, errs, err := a.vendorLines(dec, body)
		if err != nil {
			return nil, nil, err
		}
		for i, rec := range recs {
			if rec != nil {
				if errs[i] = recordio.Validate(rec, i+1, t, now); errs[i] != nil {
					recs[i] = nil
				}
			}
		}
		return recs, errs, nil
	}
	lines, err := splitBody(r.Header.Get("Content-Type"), body, a.limits)
	if err != nil {
		return nil, nil, err
	}
	recs := make([]*cdr.Record, len(lines))
	errs := make([]*LineError, len(lines))
	for i, l := range lines {
		recs[i], errs[i] = a.checkLine(t, l, now)
	}
	return recs, errs, nil
}

// checkLine decodes and validates one record, returning it prepared.
func (a *API) checkLine(t cdr.TenantID, l line, now int64) (*cdr.Record, *LineError) {
	rec, le := decodeRecord(l.raw, a.limits.MaxRecord)
	if le != nil {
		le.Line = l.n
		return nil, le
	}
	if le := recordio.Validate(rec, l.n, t, now); le != nil {
		return nil, le
	}
	return rec, nil
}

// ListResponse is the body of GET /api/v1/records (written by listRecords
// without this type; clients decode into it).
type ListResponse struct {
	Records    []*cdr.Record `json:"records"`
	NextCursor string        `json:"next_cursor,omitempty"`
	Total      *int          `json:"total,omitempty"`
}

// listRecords writes the page as the store streams it: the records' JSON
// is never decoded and encoded again.
func (a *API) listRecords(w http.ResponseWriter, r *http.Request) error {
	l, err := query.ParseList(r.URL.Query())
	if err != nil {
		return err
	}
	f := l.Filter
	t := tenantOf(r.Context())
	total := -1
	if f.Count {
		c := f
		c.Limit, c.After = 1, nil
		if _, total, err = a.store.FindRecords(r.Context(), t, c); err != nil {
			return err
		}
	}
	limit := f.Limit
	f.Limit = limit + 1 // the extra row tells whether a next page exists
	var body bytes.Buffer
	body.WriteString(`{"records":[`)
	n, more := 0, false
	var last cdr.Cursor
	err = a.store.StreamRecords(r.Context(), t, f, func(rec []byte, at cdr.Cursor) error {
		if n == limit {
			more = true
			return nil
		}
		if n > 0 {
			body.WriteByte(',')
		}
		body.Write(rec)
		n, last = n+1, at
		return nil
	})
	if err != nil {
		return err
	}
	body.WriteByte(']')
	if more {
		body.WriteString(`,"next_cursor":"` + l.NextCursor(last) + `"`)
	}
	if total >= 0 {
		body.WriteString(`,"total":` + strconv.Itoa(total))
	}
	body.WriteString("}\n")
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, err = w.Write(body.Bytes())
	if err != nil {
		logger(r).Debug("write response", "err", err)
	}
	return nil
}

func (a *API) getRecord(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := query.OnlyParams(q, "tenant", "include", "as"); err != nil {
		return err
	}
	include := q.Get("include")
	if include != "" && include != "raw" {
		return cdr.Errorf(cdr.EINVALID, "include=%q: only raw can be included", include)
	}
	t := tenantOf(r.Context())
	var rend mapping.Renderer
	if as := q.Get("as"); as != "" && as != string(cdr.SourceNative) {
		if rend = a.formats[t].Renderers[cdr.Source(as)]; rend == nil {
			return cdr.Errorf(cdr.EINVALID, "as=%q: no such vendor format", as)
		}
	}
	id := r.PathValue("id")
	if err := cdr.CheckString("id", id, cdr.MaxIDLen, cdr.Bytes); err != nil {
		return err
	}
	rec, err := a.store.FindRecordByID(r.Context(), t, id)
	if err != nil {
		return err
	}
	if rend != nil {
		if rec.Channel != rend.Channel() {
			return cdr.Errorf(cdr.EINVALID, "as=%s: that API serves %s records, this one is %s", q.Get("as"), rend.Channel(), rec.Channel)
		}
		out, err := rend.Render(rec)
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write(append(out, '\n'))
		return nil
	}
	if include != "raw" {
		rec.Raw = nil
	}
	out := recordWithFiles{Record: rec}
	if a.rec != nil {
		if out.Files, err = a.files(r, t, rec); err != nil {
			return err
		}
	}
	httpx.WriteJSON(w, r, http.StatusOK, out)
	return nil
}
