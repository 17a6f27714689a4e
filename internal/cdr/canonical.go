package cdr

import (
	"bytes"
	"encoding/json"
	"slices"
	"unicode/utf8"
)

// maxCanonicalDepth bounds the nesting canonicalFast takes; deeper goes
// the slow way (encoding/json allows 10,000).
const maxCanonicalDepth = 200

// canonicalFast is canonicalJSON in one pass over the bytes, for a
// document that is one valid JSON value with only whitespace around it;
// ok is false for anything else.
func canonicalFast(doc []byte) (out []byte, ok bool) {
	c := canonicalizer{src: doc}
	c.space()
	out, ok = c.value(make([]byte, 0, len(doc)+1), 0)
	if !ok {
		return nil, false
	}
	c.space()
	if c.i != len(doc) {
		return nil, false
	}
	return append(out, '\n'), true
}

type canonicalizer struct {
	src []byte
	i   int
}

func (c *canonicalizer) space() {
	for c.i < len(c.src) {
		switch c.src[c.i] {
		case ' ', '\t', '\n', '\r':
			c.i++
		default:
			return
		}
	}
}

func (c *canonicalizer) value(out []byte, depth int) ([]byte, bool) {
	if c.i >= len(c.src) || depth > maxCanonicalDepth {
		return nil, false
	}
	switch b := c.src[c.i]; {
	case b == '{':
		return c.object(out, depth)
	case b == '[':
		return c.array(out, depth)
	case b == '"':
		out, _, ok := c.str(out)
		return out, ok
	case b == '-' || b >= '0' && b <= '9':
		return c.number(out)
	}
	for _, lit := range []string{"true", "false", "null"} {
		if bytes.HasPrefix(c.src[c.i:], []byte(lit)) {
			c.i += len(lit)
			return append(out, lit...), true
		}
	}
	return nil, false
}

// member is an object member: its key decoded (the sort key), and where
// the member's encoding is in the object's buffer.
type member struct {
	key        []byte
	start, end int
}

func (c *canonicalizer) object(out []byte, depth int) ([]byte, bool) {
	c.i++ // {
	c.space()
	if c.i < len(c.src) && c.src[c.i] == '}' {
		c.i++
		return append(out, "{}"...), true
	}
	var small [24]member
	ms := small[:0]
	buf := make([]byte, 0, 512) // the members, encoded, in the order read
	for {
		c.space()
		if c.i >= len(c.src) || c.src[c.i] != '"' {
			return nil, false
		}
		start := len(buf)
		var key []byte
		var ok bool
		if buf, key, ok = c.str(buf); !ok {
			return nil, false
		}
		c.space()
		if c.i >= len(c.src) || c.src[c.i] != ':' {
			return nil, false
		}
		c.i++
		c.space()
		buf = append(buf, ':')
		if buf, ok = c.value(buf, depth+1); !ok {
			return nil, false
		}
		ms = append(ms, member{key, start, len(buf)})
		c.space()
		if c.i >= len(c.src) {
			return nil, false
		}
		if c.src[c.i] == '}' {
			c.i++
			break
		}
		if c.src[c.i] != ',' {
			return nil, false
		}
		c.i++
	}
	// Sorted by key; of equal keys the last one counts, as when decoding
	// into a map.
	slices.SortFunc(ms, func(a, b member) int {
		if k := bytes.Compare(a.key, b.key); k != 0 {
			return k
		}
		return a.start - b.start
	})
	out = append(out, '{')
	first := true
	for j, m := range ms {
		if j+1 < len(ms) && bytes.Equal(ms[j+1].key, m.key) {
			continue
		}
		if !first {
			out = append(out, ',')
		}
		first = false
		out = append(out, buf[m.start:m.end]...)
	}
	return append(out, '}'), true
}

func (c *canonicalizer) array(out []byte, depth int) ([]byte, bool) {
	c.i++ // [
	out = append(out, '[')
	c.space()
	if c.i < len(c.src) && c.src[c.i] == ']' {
		c.i++
		return append(out, ']'), true
	}
	for {
		c.space()
		var ok bool
		if out, ok = c.value(out, depth+1); !ok {
			return nil, false
		}
		c.space()
		if c.i >= len(c.src) {
			return nil, false
		}
		if c.src[c.i] == ']' {
			c.i++
			return append(out, ']'), true
		}
		if c.src[c.i] != ',' {
			return nil, false
		}
		out = append(out, ',')
		c.i++
	}
}

// str appends a string's encoding as encoding/json writes it (HTML not
// escaped) to out, and returns its decoded value. A string of valid UTF-8
// without escapes, control characters or U+2028 and U+2029 is written as
// it is read (its value is then a slice of the document); any other is
// decoded and encoded by encoding/json.
func (c *canonicalizer) str(out []byte) ([]byte, []byte, bool) {
	start := c.i
	c.i++ // "
	plain := true
	for c.i < len(c.src) {
		b := c.src[c.i]
		switch {
		case b == '"':
			c.i++
			tok := c.src[start:c.i]
			if plain {
				return append(out, tok...), tok[1 : len(tok)-1], true
			}
			return slowString(out, tok)
		case b == '\\':
			plain = false
			c.i += 2
		case b < 0x20:
			plain = false
			c.i++
		case b < utf8.RuneSelf:
			c.i++
		default:
			r, size := utf8.DecodeRune(c.src[c.i:])
			if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
				plain = false
			}
			c.i += size
		}
	}
	return nil, nil, false
}

func slowString(out, tok []byte) ([]byte, []byte, bool) {
	var s string
	if json.Unmarshal(tok, &s) != nil {
		return nil, nil, false
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(s) != nil {
		return nil, nil, false
	}
	return append(out, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...), []byte(s), true
}

// number reads a number literal of JSON's grammar and writes it as read.
func (c *canonicalizer) number(out []byte) ([]byte, bool) {
	start := c.i
	digits := func() int {
		n := 0
		for c.i < len(c.src) && c.src[c.i] >= '0' && c.src[c.i] <= '9' {
			c.i++
			n++
		}
		return n
	}
	if c.src[c.i] == '-' {
		c.i++
	}
	if c.i < len(c.src) && c.src[c.i] == '0' {
		c.i++
	} else if digits() == 0 {
		return nil, false
	}
	if c.i < len(c.src) && c.src[c.i] == '.' {
		c.i++
		if digits() == 0 {
			return nil, false
		}
	}
	if c.i < len(c.src) && (c.src[c.i] == 'e' || c.src[c.i] == 'E') {
		c.i++
		if c.i < len(c.src) && (c.src[c.i] == '+' || c.src[c.i] == '-') {
			c.i++
		}
		if digits() == 0 {
			return nil, false
		}
	}
	return append(out, c.src[start:c.i]...), true
}
