// Package vendorjson holds the JSON handling the vendor mappings
// (internal/mapping/<vendor>) share: reading a body of vendor records,
// decoding one object with the SDK's types, and rewriting members of a
// stored vendor object.
package vendorjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// Envelope returns the records a JSON value holds: those of a vendor's
// response envelope, or the value itself when it is a record.
type Envelope func(v json.RawMessage) ([]json.RawMessage, error)

// ParseList splits a body of source's records into the objects it holds,
// each with its bytes as written: a JSON array of records, or a stream of
// JSON values (NDJSON; blank lines skipped) each a record or an envelope.
// A leading UTF-8 byte order mark is skipped; an empty body holds no
// records. what names the accepted forms in the error for any other body.
func ParseList(source cdr.Source, body []byte, envelope Envelope, what string) ([]json.RawMessage, error) {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, nil
	}
	switch trimmed[0] {
	case '[':
		var elems []json.RawMessage
		if err := json.Unmarshal(trimmed, &elems); err != nil {
			return nil, cdr.Errorf(cdr.EINVALID, "%s: the body is not a valid JSON array: %v", source, err)
		}
		return elems, nil
	case '{':
		return parseStream(source, body, envelope)
	}
	return nil, cdr.Errorf(cdr.EINVALID, "%s: the body must be %s", source, what)
}

// parseStream reads a sequence of JSON values, each a record or an
// envelope, naming the line of a bad one.
func parseStream(source cdr.Source, body []byte, envelope Envelope) ([]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	var out []json.RawMessage
	for {
		// The value starts at the first non-space byte after the last one.
		start := dec.InputOffset()
		for start < int64(len(body)) && bytes.IndexByte([]byte(" \t\r\n"), body[start]) >= 0 {
			start++
		}
		line := 1 + bytes.Count(body[:start], []byte("\n"))
		var v json.RawMessage
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, cdr.Errorf(cdr.EINVALID, "%s: line %d: not valid JSON: %v", source, line, err)
		}
		recs, err := envelope(v)
		if err != nil {
			return nil, cdr.Errorf(cdr.EINVALID, "%s: line %d: %v", source, line, err)
		}
		out = append(out, recs...)
	}
}
