package export

import (
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// A decoder reads the JSON of one record into a row, in one pass over
// its bytes and without reflection: the fields a writer does not need
// (its selection) are only checked for well-formedness, not built. What
// it decodes is what encoding/json would decode into the same Go fields:
// keys matched exactly or, failing that, case-insensitively; null leaves a
// value as it is (a pointer or a list nil); a value of the wrong type, a
// fraction or an overflowing number for an integer, and malformed JSON
// are errors; strings with escapes or invalid UTF-8 are unquoted by
// encoding/json itself.
type decoder struct {
	b []byte // the record
	s string // the record as a string: plain strings are its substrings
	i int    // the offset
	// ints are a slab of the optional integers of the rows decoded: one
	// allocation for hundreds of them. A full slab is left to the rows
	// that point into it, never reused.
	ints []int64
}

// reset makes the decoder read rec.
func (d *decoder) reset(rec []byte) {
	d.b, d.s, d.i = rec, string(rec), 0
}

// newInt returns a pointer to a copy of v.
func (d *decoder) newInt(v int64) *int64 {
	if len(d.ints) == cap(d.ints) {
		d.ints = make([]int64, 0, 512)
	}
	d.ints = append(d.ints, v)
	return &d.ints[len(d.ints)-1]
}

// maxDepth is the nesting encoding/json accepts.
const maxDepth = 10000

// errSyntax is malformed JSON; the offset goes with it.
var errSyntax = errors.New("malformed JSON")

// syntaxError is errSyntax at the decoder's offset.
func (d *decoder) syntaxError() error {
	return fmt.Errorf("%w at offset %d", errSyntax, d.i)
}

// typeError is a value of the wrong type for want.
func (d *decoder) typeError(want string) error {
	return fmt.Errorf("%s where %s was expected, at offset %d", d.kind(), want, d.i)
}

// kind names the JSON value at the offset.
func (d *decoder) kind() string {
	if d.i >= len(d.b) {
		return "the end"
	}
	switch c := d.b[d.i]; {
	case c == '"':
		return "a string"
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c == 't', c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	case c == '-' || c >= '0' && c <= '9':
		return "a number"
	}
	return "a malformed value"
}

// space skips white space.
func (d *decoder) space() {
	b, i := d.b, d.i
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
		i++
	}
	d.i = i
}

// peek returns the byte at the offset after white space, 0 at the end.
func (d *decoder) peek() byte {
	d.space()
	if d.i < len(d.b) {
		return d.b[d.i]
	}
	return 0
}

// null consumes a null, reporting whether there was one.
func (d *decoder) null() (bool, error) {
	if d.peek() != 'n' {
		return false, nil
	}
	return true, d.literal("null")
}

// literal consumes lit, which must be next.
func (d *decoder) literal(lit string) error {
	if len(d.b)-d.i < len(lit) || string(d.b[d.i:d.i+len(lit)]) != lit {
		return d.syntaxError()
	}
	d.i += len(lit)
	return nil
}

// object reads an object, calling field with each key (unquoted, valid
// until the next call) with the offset at its value, which field must
// consume.
func (d *decoder) object(depth int, field func(key []byte) error) error {
	if depth > maxDepth {
		return fmt.Errorf("nested deeper than %d, at offset %d", maxDepth, d.i)
	}
	if d.peek() != '{' {
		return d.typeError("an object")
	}
	d.i++
	if d.peek() == '}' {
		d.i++
		return nil
	}
	for {
		if d.peek() != '"' {
			return d.syntaxError()
		}
		key, err := d.key()
		if err != nil {
			return err
		}
		if d.peek() != ':' {
			return d.syntaxError()
		}
		d.i++
		if err := field(key); err != nil {
			return err
		}
		switch d.peek() {
		case ',':
			d.i++
		case '}':
			d.i++
			return nil
		default:
			return d.syntaxError()
		}
	}
}

// array reads an array, calling elem with the offset at each element,
// which elem must consume.
func (d *decoder) array(depth int, elem func() error) error {
	if depth > maxDepth {
		return fmt.Errorf("nested deeper than %d, at offset %d", maxDepth, d.i)
	}
	if d.peek() != '[' {
		return d.typeError("an array")
	}
	d.i++
	if d.peek() == ']' {
		d.i++
		return nil
	}
	for {
		d.space()
		if err := elem(); err != nil {
			return err
		}
		switch d.peek() {
		case ',':
			d.i++
		case ']':
			d.i++
			return nil
		default:
			return d.syntaxError()
		}
	}
}

// stringToken consumes a string and returns the offsets of its bytes
// between the quotes, and whether they are exactly its value (no escape,
// valid UTF-8).
func (d *decoder) stringToken() (start, end int, plain bool, err error) {
	if d.peek() != '"' {
		return 0, 0, false, d.typeError("a string")
	}
	b := d.b
	start = d.i + 1
	i := start
	for i < len(b) && !special[b[i]] {
		i++
	}
	if i < len(b) && b[i] == '"' { // printable ASCII only, the usual case
		d.i = i + 1
		return start, i, true, nil
	}
	plain = true
	ascii := true
	for ; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			d.i = i + 1
			if !ascii && plain {
				plain = utf8.Valid(b[start:i])
			}
			return start, i, plain, nil
		case c == '\\':
			plain = false
			i++
			if i >= len(b) {
				break
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(b) || !isHex(b[i+1]) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) {
					d.i = i
					return 0, 0, false, d.syntaxError()
				}
				i += 4
			default:
				d.i = i
				return 0, 0, false, d.syntaxError()
			}
		case c < 0x20:
			d.i = i
			return 0, 0, false, d.syntaxError()
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	d.i = len(b)
	return 0, 0, false, d.syntaxError()
}

// special are the bytes stringToken looks at: the quote, the backslash,
// control characters and those of multi-byte UTF-8 sequences.
var special = func() (s [256]bool) {
	for c := range s {
		s[c] = c == '"' || c == '\\' || c < 0x20 || c >= utf8.RuneSelf
	}
	return s
}()

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// unquote is the value of the string token whose body is body, as
// encoding/json unquotes it (escapes, invalid UTF-8 as U+FFFD).
func unquote(body []byte) (string, error) {
	q := make([]byte, 0, len(body)+2)
	q = append(append(append(q, '"'), body...), '"')
	var s string
	if err := json.Unmarshal(q, &s); err != nil {
		return "", fmt.Errorf("a string: %w", err)
	}
	return s, nil
}

// key consumes an object key and returns it unquoted.
func (d *decoder) key() ([]byte, error) {
	start, end, plain, err := d.stringToken()
	if err != nil || plain {
		return d.b[start:end], err
	}
	s, err := unquote(d.b[start:end])
	return []byte(s), err
}

// str decodes a string into dst; null leaves it.
func (d *decoder) str(dst *string) error {
	if null, err := d.null(); null || err != nil {
		return err
	}
	start, end, plain, err := d.stringToken()
	if err != nil {
		return err
	}
	if plain {
		*dst = d.s[start:end]
		return nil
	}
	*dst, err = unquote(d.b[start:end])
	return err
}

// integer decodes an integer into dst; null leaves it.
func (d *decoder) integer(dst *int64) error {
	if null, err := d.null(); null || err != nil {
		return err
	}
	start := d.i
	integral, err := d.number()
	if err != nil {
		if start == d.i {
			return d.typeError("a number")
		}
		return err
	}
	tok := d.b[start:d.i]
	if !integral {
		d.i = start
		return fmt.Errorf("the number %s is not an integer, at offset %d", tok, start)
	}
	v, ok := parseInt(tok)
	if !ok {
		d.i = start
		return fmt.Errorf("the number %s is out of range, at offset %d", tok, start)
	}
	*dst = v
	return nil
}

// parseInt parses an integer token (-?[0-9]+) into an int64, reporting
// whether it is in range.
func parseInt(tok []byte) (int64, bool) {
	neg := tok[0] == '-'
	if neg {
		tok = tok[1:]
	}
	var u uint64
	for _, c := range tok {
		if u > (1<<63)/10 {
			return 0, false
		}
		u = u*10 + uint64(c-'0')
	}
	switch {
	case neg && u <= 1<<63:
		return int64(-u), true // -(1<<63) wraps to itself
	case !neg && u < 1<<63:
		return int64(u), true
	}
	return 0, false
}

// optInteger decodes an integer into a new *dst; null makes it nil.
func (d *decoder) optInteger(dst **int64) error {
	if null, err := d.null(); null || err != nil {
		if null {
			*dst = nil
		}
		return err
	}
	var v int64
	if err := d.integer(&v); err != nil {
		return err
	}
	*dst = d.newInt(v)
	return nil
}

// boolean decodes true or false into dst; null leaves it.
func (d *decoder) boolean(dst *bool) error {
	switch d.peek() {
	case 'n':
		return d.literal("null")
	case 't':
		*dst = true
		return d.literal("true")
	case 'f':
		*dst = false
		return d.literal("false")
	}
	return d.typeError("a boolean")
}

// number consumes a JSON number and reports whether it has neither a
// fraction nor an exponent.
func (d *decoder) number() (integral bool, err error) {
	b, i := d.b, d.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i++; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		}
	default:
		return false, d.syntaxError()
	}
	integral = true
	if i < len(b) && b[i] == '.' {
		integral = false
		i++
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			d.i = i
			return false, d.syntaxError()
		}
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		integral = false
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			d.i = i
			return false, d.syntaxError()
		}
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		}
	}
	d.i = i
	return integral, nil
}

// skip consumes any value, checking that it is well-formed.
func (d *decoder) skip(depth int) error {
	switch d.peek() {
	case '{':
		return d.object(depth+1, func([]byte) error { return d.skip(depth + 1) })
	case '[':
		return d.array(depth+1, func() error { return d.skip(depth + 1) })
	case '"':
		_, _, _, err := d.stringToken()
		return err
	case 't':
		return d.literal("true")
	case 'f':
		return d.literal("false")
	case 'n':
		return d.literal("null")
	}
	_, err := d.number()
	return err
}

// rawValue consumes any value and returns its bytes as they are.
func (d *decoder) rawValue() ([]byte, error) {
	d.space()
	start := d.i
	if err := d.skip(0); err != nil {
		return nil, err
	}
	return d.b[start:d.i], nil
}

// end checks that nothing but white space follows the value.
func (d *decoder) end() error {
	if d.peek() != 0 || d.i < len(d.b) {
		return fmt.Errorf("%w: data after the record at offset %d", errSyntax, d.i)
	}
	return nil
}
