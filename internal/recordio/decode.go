package recordio

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// LineError is a rejected record: its line (see Line.N), its natural key
// when it was readable, and why.
type LineError struct {
	Line     int    `json:"line"`
	Source   string `json:"source,omitempty"`
	SourceID string `json:"source_id,omitempty"`
	Code     string `json:"code"`
	Field    string `json:"field,omitempty"`
	Message  string `json:"message"`
}

// Error renders the error as "line N: field: message".
func (e *LineError) Error() string {
	s := fmt.Sprintf("line %d: ", e.Line)
	if e.Field != "" {
		s += e.Field + ": "
	}
	return s + e.Message
}

// Decode decodes one native record strictly: unknown fields and wrong types
// are errors that name the field, and a record over maxSize bytes is
// too_large. The server-owned fields raw, created_at, updated_at and files
// (the recording archive's state, which GET /api/v1/records/{id} adds) are
// dropped. A version given, 0 included, sets VersionSet: only an absent (or
// null) version becomes the receive time. The LineError's Line is left for
// the caller to set.
func Decode(b []byte, maxSize int) (*cdr.Record, *LineError) {
	if len(b) > maxSize {
		return nil, &LineError{Code: cdr.ETOOLARGE, Message: fmt.Sprintf("record of %d bytes; the limit is %d", len(b), maxSize)}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	r := &cdr.Record{}
	// The outer version field hides the record's (it is shallower), so
	// that a present key, in any letter case as encoding/json matches keys,
	// is told from an absent one.
	w := struct {
		*cdr.Record
		Version *int64          `json:"version"`
		Files   json.RawMessage `json:"files"`
	}{Record: r}
	if err := dec.Decode(&w); err != nil {
		le := jsonLineError(err)
		// encoding/json names a field by its path from the wrapper.
		le.Field = strings.TrimPrefix(le.Field, "Record.")
		return nil, le
	}
	if dec.More() {
		return nil, &LineError{Code: cdr.EINVALID, Message: "more than one JSON value on the line"}
	}
	if w.Version != nil {
		r.Version, r.VersionSet = *w.Version, true
	}
	r.Raw, r.CreatedAt, r.UpdatedAt = nil, 0, 0
	return r, nil
}

func jsonLineError(err error) *LineError {
	le := &LineError{Code: cdr.EINVALID}
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te) && te.Field == "":
		le.Message = fmt.Sprintf("a record must be a JSON object, not a JSON %s", te.Value)
	case errors.As(err, &te):
		le.Field = te.Field
		le.Message = fmt.Sprintf("cannot use a JSON %s as %s", te.Value, te.Type)
	case errors.As(err, &se):
		le.Message = fmt.Sprintf("malformed JSON at byte %d: %v", se.Offset, se)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		le.Field = strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		le.Message = "unknown field"
	default:
		le.Message = "malformed JSON: " + err.Error()
	}
	return le
}

// Validate checks a decoded record for tenant t, received at now (Unix
// ms): its tenant field must be absent or t's, and Prepare must pass. It
// returns the record's LineError for line n, or nil with rec prepared.
func Validate(rec *cdr.Record, n int, t cdr.TenantID, now int64) *LineError {
	le := &LineError{Line: n, Source: string(rec.Source), SourceID: rec.SourceID, Code: cdr.EINVALID}
	if rec.Tenant != "" && rec.Tenant != t.String() {
		le.Field, le.Message = "tenant", fmt.Sprintf("must be absent or equal to %s, the tenant being written", t)
		return le
	}
	if err := rec.Prepare(t, now); err != nil {
		var fe *cdr.FieldError
		if errors.As(err, &fe) {
			le.Field, le.Message = fe.Field, fe.Message
		} else {
			le.Code, le.Message = cdr.ErrorCode(err), cdr.ErrorMessage(err)
		}
		return le
	}
	return nil
}
