package vendorjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// Member is one name/value pair of a JSON object, the value as written.
type Member struct {
	Name  string
	Value json.RawMessage
}

// Members splits a JSON object into its members, in order, keeping each
// value's bytes.
func Members(obj []byte) ([]Member, error) {
	dec := json.NewDecoder(bytes.NewReader(obj))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	var ms []Member
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		ms = append(ms, Member{t.(string), v})
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the object")
	}
	return ms, nil
}

// Object writes members back as a JSON object: each value as it is, the
// whitespace between members dropped.
func Object(ms []Member) (json.RawMessage, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, m := range ms {
		if i > 0 {
			buf.WriteByte(',')
		}
		name, err := cdr.EncodeJSON(m.Name)
		if err != nil {
			return nil, err
		}
		buf.Write(name)
		buf.WriteByte(':')
		buf.Write(m.Value)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}
