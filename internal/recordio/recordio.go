// Package recordio reads streams of native records: a JSON array of objects
// or NDJSON (one object per line). It is the one place that splits such a
// stream into records and decodes a record strictly; the native API and the
// import command both use it.
//
// A Reader streams: memory stays bounded by the longest record (MaxLine),
// whatever the size of the input.
package recordio

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// Kind is the shape of a record stream.
type Kind int

const (
	// Auto sniffs the first byte that is not a space, tab, CR or LF: '['
	// selects Array, anything else NDJSON.
	Auto Kind = iota
	// Array is one JSON array whose elements are the records.
	Array
	// NDJSON is one record per line; blank lines are skipped.
	NDJSON
)

func (k Kind) String() string {
	switch k {
	case Array:
		return "array"
	case NDJSON:
		return "ndjson"
	}
	return "auto"
}

// DefaultMaxLine is the MaxLine of a new Reader.
const DefaultMaxLine = 1 << 20

// bufSize is the size of the read buffer.
const bufSize = 64 << 10

// arraySlack is how far past MaxLine the JSON decoder may read for the
// separator and spacing before an element.
const arraySlack = 4 << 10

// ErrNotArray is the terminal error of an Array stream that does not start
// with '['.
var ErrNotArray = &cdr.Error{Code: cdr.EINVALID, Message: "the input must be a JSON array of records (or NDJSON)"}

// Line is one record of a stream: its bytes, owned by the caller, and its
// 1-based number: the element index in an array, the physical line in NDJSON.
type Line struct {
	N   int
	Raw []byte
}

// Reader returns the records of a stream one by one.
type Reader struct {
	// MaxLine bounds one record in bytes; 0 or less means no bound. An
	// NDJSON line over it is a per-line too_large error and is skipped
	// without being buffered. An array element over it (give or take a
	// few KiB of slack) ends the stream with a too_large error: a JSON
	// decoder cannot skip it unread. Decode applies the exact limit.
	// Set it before the first call to Next.
	MaxLine int

	kind    Kind
	br      *bufio.Reader
	started bool
	err     error // sticky terminal error
	n       int   // number of the last line or element

	// NDJSON
	buf []byte // the line being read; reused
	eof bool

	// Array
	guard *guardReader
	dec   *json.Decoder
}

// NewReader returns a Reader of the records in r.
func NewReader(r io.Reader, kind Kind) *Reader {
	return newReaderSize(r, kind, bufSize)
}

func newReaderSize(r io.Reader, kind Kind, size int) *Reader {
	return &Reader{MaxLine: DefaultMaxLine, kind: kind, br: bufio.NewReaderSize(r, size)}
}

// Kind returns the kind of the stream; after the first call to Next an Auto
// reader reports the kind it detected.
func (r *Reader) Kind() Kind { return r.kind }

// Next returns the next record. At the end of the stream it returns io.EOF.
// A *LineError is a per-line error: the record numbered l.N is skipped and
// the next call continues after it. Any other error is terminal (a
// malformed array is a *cdr.Error with code invalid) and every later call
// returns it again.
func (r *Reader) Next() (l Line, err error) {
	if r.err != nil {
		return Line{}, r.err
	}
	if !r.started {
		r.started = true
		if err := r.start(); err != nil {
			r.err = err
			return Line{}, err
		}
	}
	if r.kind == Array {
		l, err = r.nextElement()
	} else {
		l, err = r.nextLine()
	}
	var le *LineError
	if err != nil && !errors.As(err, &le) {
		r.err = err
	}
	return l, err
}

// start drops a leading UTF-8 byte order mark, detects the kind of an Auto
// stream and sets up the array decoder.
func (r *Reader) start() error {
	if b, err := r.br.Peek(3); err == nil && bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		r.br.Discard(3)
	}
	if r.kind == Auto {
		c, err := r.skipSpace()
		if err != nil && err != io.EOF {
			return err
		}
		r.kind = NDJSON
		if c == '[' {
			r.kind = Array
		}
	}
	if r.kind == Array {
		r.n = 0
		r.guard = &guardReader{r: r.br, limit: -1}
		r.dec = json.NewDecoder(r.guard)
	}
	return nil
}

// skipSpace consumes spaces, tabs, CRs and LFs, counting the LFs as NDJSON
// lines, and returns the next byte without consuming it.
func (r *Reader) skipSpace() (byte, error) {
	for {
		c, err := r.br.ReadByte()
		if err != nil {
			return 0, err
		}
		switch c {
		case '\n':
			r.n++
		case ' ', '\t', '\r':
		default:
			r.br.UnreadByte()
			return c, nil
		}
	}
}

// nextLine returns the next non-blank NDJSON line.
func (r *Reader) nextLine() (Line, error) {
	for !r.eof {
		r.n++
		tooLong, err := r.readLine()
		if err != nil {
			return Line{}, fmt.Errorf("line %d: %w", r.n, err)
		}
		if tooLong {
			return Line{N: r.n}, &LineError{Line: r.n, Code: cdr.ETOOLARGE,
				Message: fmt.Sprintf("line longer than %d bytes", r.MaxLine)}
		}
		if b := bytes.TrimSpace(r.buf); len(b) > 0 {
			return Line{N: r.n, Raw: bytes.Clone(b)}, nil
		}
	}
	return Line{}, io.EOF
}

// readLine reads one physical line without its LF into r.buf. A line over
// MaxLine (not counting a CR before the LF) is consumed but not kept: r.buf
// is emptied and tooLong is true.
func (r *Reader) readLine() (tooLong bool, err error) {
	r.buf = r.buf[:0]
	for {
		frag, err := r.br.ReadSlice('\n')
		content := bytes.TrimSuffix(frag, []byte{'\n'})
		if !tooLong && r.MaxLine > 0 && len(r.buf)+len(content) > r.MaxLine+1 {
			tooLong, r.buf = true, r.buf[:0]
		}
		if !tooLong {
			r.buf = append(r.buf, content...)
		}
		switch err {
		case nil:
		case bufio.ErrBufferFull:
			continue
		case io.EOF:
			r.eof = true
		default:
			return false, err
		}
		if r.MaxLine > 0 && len(bytes.TrimSuffix(r.buf, []byte{'\r'})) > r.MaxLine {
			tooLong, r.buf = true, r.buf[:0]
		}
		return tooLong, nil
	}
}

// nextElement returns the next element of the array.
func (r *Reader) nextElement() (Line, error) {
	r.limitFrom(r.dec.InputOffset())
	if r.n == 0 {
		tok, err := r.dec.Token()
		if err != nil {
			return Line{}, r.arrayError(err, "malformed JSON: %v", err)
		}
		if d, ok := tok.(json.Delim); !ok || d != '[' {
			return Line{}, ErrNotArray
		}
		r.limitFrom(r.dec.InputOffset())
	}
	if r.dec.More() {
		var raw json.RawMessage
		if err := r.dec.Decode(&raw); err != nil {
			return Line{}, r.arrayError(err, "malformed JSON in element %d: %v", r.n+1, err)
		}
		r.n++
		return Line{N: r.n, Raw: raw}, nil
	}
	if _, err := r.dec.Token(); err != nil {
		return Line{}, r.arrayError(err, "malformed JSON after element %d: %v", r.n, err)
	}
	if _, err := r.dec.Token(); err != io.EOF {
		return Line{}, r.arrayError(err, "unexpected data after the JSON array")
	}
	return Line{}, io.EOF
}

// limitFrom lets the decoder read at most MaxLine bytes (plus some slack)
// past the stream offset off.
func (r *Reader) limitFrom(off int64) {
	if r.MaxLine > 0 {
		r.guard.limit = off + int64(r.MaxLine) + arraySlack
	}
}

// arrayError is the terminal error for a failed decoder call: too_large if
// the guard stopped it, the cause if reading failed, else invalid.
func (r *Reader) arrayError(err error, format string, args ...any) error {
	switch {
	case errors.Is(err, errGuard):
		return cdr.Errorf(cdr.ETOOLARGE, "element %d: longer than %d bytes", r.n+1, r.MaxLine)
	case r.guard.err != nil:
		return fmt.Errorf("element %d: %w", r.n+1, r.guard.err)
	}
	return cdr.Errorf(cdr.EINVALID, format, args...)
}

var errGuard = errors.New("recordio: element over the size limit")

// guardReader counts the bytes it reads and refuses to read past limit, so
// that the JSON decoder never buffers an oversized element. It keeps a read
// error apart so that it is not taken for malformed JSON.
type guardReader struct {
	r     io.Reader
	read  int64
	limit int64 // < 0: none
	err   error
}

func (g *guardReader) Read(p []byte) (int, error) {
	if g.limit >= 0 {
		if g.read > g.limit {
			return 0, errGuard
		}
		if room := g.limit - g.read + 1; int64(len(p)) > room {
			p = p[:room]
		}
	}
	n, err := g.r.Read(p)
	g.read += int64(n)
	if err != nil && err != io.EOF {
		g.err = err
	}
	return n, err
}
