package tencentccc

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

// protectRaw rewrites a raw TelCdrInfo for DescribeProtectedTelCdr: Caller
// and Callee become "", ProtectedCaller and ProtectedCallee keep their
// string value, or become "" when absent or not a string. Names match as
// the SDK's JSON decoder matches them, ignoring case, so that no spelling
// of Caller can carry the number through.
func protectRaw(raw []byte) (json.RawMessage, error) {
	ms, err := members(raw)
	if err != nil {
		return nil, cdr.Errorf(cdr.EINTERNAL, "tencent_ccc: stored raw record: %v", err)
	}
	empty := json.RawMessage(`""`)
	seen := make(map[string]bool)
	for i, m := range ms {
		for _, name := range []string{"Caller", "Callee", "ProtectedCaller", "ProtectedCallee"} {
			if !strings.EqualFold(m.name, name) {
				continue
			}
			seen[name] = true
			if !strings.HasPrefix(name, "Protected") || len(m.value) == 0 || m.value[0] != '"' {
				ms[i].value = empty
			}
		}
	}
	for _, name := range []string{"Caller", "Callee", "ProtectedCaller", "ProtectedCallee"} {
		if !seen[name] {
			ms = append(ms, member{name, empty})
		}
	}
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, m := range ms {
		if i > 0 {
			buf.WriteByte(',')
		}
		name, err := marshal(m.name)
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
