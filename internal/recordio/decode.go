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
// too_large. The server-owned fields raw, created_at and updated_at are
// dropped. The LineError's Line is left for the caller to set.
func Decode(b []byte, maxSize int) (*cdr.Record, *LineError) {
	if len(b) > maxSize {
		return nil, &LineError{Code: cdr.ETOOLARGE, Message: fmt.Sprintf("record of %d bytes; the limit is %d", len(b), maxSize)}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	r := &cdr.Record{}
	if err := dec.Decode(r); err != nil {
		return nil, jsonLineError(err)
	}
	if dec.More() {
		return nil, &LineError{Code: cdr.EINVALID, Message: "more than one JSON value on the line"}
	}
	r.Raw, r.CreatedAt, r.UpdatedAt = nil, 0, 0
	return r, nil
}

func jsonLineError(err error) *LineError {
	le := &LineError{Code: cdr.EINVALID}
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
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
