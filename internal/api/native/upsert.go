package native

import (
	"bytes"
	"errors"
	"io"
	"mime"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/recordio"
)

// LineError is a rejected record of an upsert.
type LineError = recordio.LineError

// line is one record of a request body with its 1-based line number.
type line struct {
	n   int
	raw []byte
}

// decodeRecord decodes one native record strictly: unknown fields and
// wrong types are errors that name the field. Server-owned fields are
// dropped.
var decodeRecord = recordio.Decode

// splitBody returns the records of body: the elements of a JSON array, or
// the non-blank lines of NDJSON. A malformed array is an error for the
// whole request; a malformed NDJSON line is left for decodeRecord to report.
// The body is already bounded, so the reader's per-record bound is off:
// decodeRecord reports oversized records line by line.
func splitBody(contentType string, body []byte, limits Limits) ([]line, error) {
	kind, err := bodyKind(contentType)
	if err != nil {
		return nil, err
	}
	rd := recordio.NewReader(bytes.NewReader(body), kind)
	rd.MaxLine = 0
	var lines []line
	n := 0
	for {
		l, err := rd.Next()
		if err == io.EOF {
			break
		}
		if errors.Is(err, recordio.ErrNotArray) {
			return nil, cdr.Errorf(cdr.EINVALID, "the body must be a JSON array of records (or NDJSON with Content-Type application/x-ndjson)")
		}
		if err != nil {
			return nil, err
		}
		if n++; n <= limits.MaxRecords {
			lines = append(lines, line{l.N, l.Raw})
		}
	}
	if n > limits.MaxRecords {
		return nil, cdr.Errorf(cdr.ETOOLARGE, "%d records in one request; the limit is %d", n, limits.MaxRecords)
	}
	return lines, nil
}

// bodyKind maps the Content-Type to a stream kind; without a specific type
// the body's first byte decides.
func bodyKind(contentType string) (recordio.Kind, error) {
	mt := ""
	if contentType != "" {
		var err error
		if mt, _, err = mime.ParseMediaType(contentType); err != nil {
			return 0, cdr.Errorf(cdr.EINVALID, "bad Content-Type %q", contentType)
		}
	}
	switch mt {
	case "application/json":
		return recordio.Array, nil
	case "application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines":
		return recordio.NDJSON, nil
	case "", "text/plain", "application/octet-stream":
		return recordio.Auto, nil
	}
	return 0, cdr.Errorf(cdr.EINVALID, "unsupported Content-Type %q: send application/json (an array) or application/x-ndjson", mt)
}
