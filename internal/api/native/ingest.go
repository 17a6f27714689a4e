package native

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// LineError is a rejected record of an upsert.
type LineError struct {
	Line     int    `json:"line"`
	Source   string `json:"source,omitempty"`
	SourceID string `json:"source_id,omitempty"`
	Code     string `json:"code"`
	Field    string `json:"field,omitempty"`
	Message  string `json:"message"`
}

// line is one record of a request body with its 1-based line number.
type line struct {
	n   int
	raw []byte
}

// splitBody returns the records of body: the elements of a JSON array, or
// the non-blank lines of NDJSON. A malformed array is an error for the
// whole request; a malformed NDJSON line is left for decodeRecord to report.
func splitBody(contentType string, body []byte, limits Limits) ([]line, error) {
	kind, err := bodyKind(contentType, body)
	if err != nil {
		return nil, err
	}
	var lines []line
	if kind == "array" {
		lines, err = splitArray(body)
	} else {
		lines, err = splitNDJSON(body)
	}
	if err != nil {
		return nil, err
	}
	if len(lines) > limits.MaxRecords {
		return nil, cdr.Errorf(cdr.ETOOLARGE, "%d records in one request; the limit is %d", len(lines), limits.MaxRecords)
	}
	return lines, nil
}

func bodyKind(contentType string, body []byte) (string, error) {
	mt := ""
	if contentType != "" {
		var err error
		if mt, _, err = mime.ParseMediaType(contentType); err != nil {
			return "", cdr.Errorf(cdr.EINVALID, "bad Content-Type %q", contentType)
		}
	}
	switch mt {
	case "application/json":
		return "array", nil
	case "application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines":
		return "ndjson", nil
	case "", "text/plain", "application/octet-stream":
		if t := bytes.TrimLeft(body, " \t\r\n"); len(t) > 0 && t[0] == '[' {
			return "array", nil
		}
		return "ndjson", nil
	}
	return "", cdr.Errorf(cdr.EINVALID, "unsupported Content-Type %q: send application/json (an array) or application/x-ndjson", mt)
}

func splitArray(body []byte) ([]line, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	tok, err := dec.Token()
	if err != nil {
		return nil, cdr.Errorf(cdr.EINVALID, "malformed JSON: %v", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, cdr.Errorf(cdr.EINVALID, "the body must be a JSON array of records (or NDJSON with Content-Type application/x-ndjson)")
	}
	var lines []line
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, cdr.Errorf(cdr.EINVALID, "malformed JSON in element %d: %v", len(lines)+1, err)
		}
		lines = append(lines, line{len(lines) + 1, raw})
	}
	if _, err := dec.Token(); err != nil {
		return nil, cdr.Errorf(cdr.EINVALID, "malformed JSON after element %d: %v", len(lines), err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, cdr.Errorf(cdr.EINVALID, "unexpected data after the JSON array")
	}
	return lines, nil
}

func splitNDJSON(body []byte) ([]line, error) {
	var lines []line
	n := 0
	for rest := body; len(rest) > 0; {
		var l []byte
		l, rest, _ = bytes.Cut(rest, []byte{'\n'})
		n++
		if b := bytes.TrimSpace(l); len(b) > 0 {
			lines = append(lines, line{n, b})
		}
	}
	return lines, nil
}

// decodeRecord decodes one native record strictly: unknown fields and
// wrong types are errors that name the field. Server-owned fields are
// dropped.
func decodeRecord(b []byte, maxSize int) (*cdr.Record, *LineError) {
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
