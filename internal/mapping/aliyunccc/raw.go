package aliyunccc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// member is one name/value pair of a JSON object, the value as written.
type member struct {
	name  string
	value json.RawMessage
}

// members splits a JSON object into its members, in order, keeping each
// value's bytes.
func members(obj []byte) ([]member, error) {
	dec := json.NewDecoder(bytes.NewReader(obj))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("not a JSON object")
	}
	var ms []member
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		ms = append(ms, member{t.(string), v})
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	return ms, nil
}

// upperRaw rewrites a raw record for GetCallDetailRecord: every member
// named ContactType (ignoring case) whose value is a string in the
// ListCallDetailRecords spelling gets the upper-case spelling.
func upperRaw(raw []byte) (json.RawMessage, error) {
	ms, err := members(raw)
	if err != nil {
		return nil, cdr.Errorf(cdr.EINTERNAL, "aliyun_ccc: stored raw record: %v", err)
	}
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, m := range ms {
		if i > 0 {
			buf.WriteByte(',')
		}
		var s string
		if strings.EqualFold(m.name, FieldContactType) && json.Unmarshal(m.value, &s) == nil {
			if u := upperContactType(s); u != s {
				m.value, _ = cdr.EncodeJSON(u)
			}
		}
		name, err := cdr.EncodeJSON(m.name)
		if err != nil {
			return nil, err
		}
		buf.Write(name)
		buf.WriteByte(':')
		buf.Write(m.value)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}
