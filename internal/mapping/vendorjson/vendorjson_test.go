package vendorjson

import (
	"encoding/json"
	"testing"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

func TestMembersObject(t *testing.T) {
	in := `{ "b": 1.50, "a": {"x": [1, 2]}, "é<": "v" }`
	ms, err := Members([]byte(in))
	if err != nil || len(ms) != 3 || ms[0].Name != "b" || string(ms[0].Value) != "1.50" || string(ms[1].Value) != `{"x": [1, 2]}` {
		t.Fatalf("%+v %v", ms, err)
	}
	out, err := Object(ms)
	if err != nil || string(out) != `{"b":1.50,"a":{"x": [1, 2]},"é<":"v"}` {
		t.Errorf("%s %v", out, err)
	}
	for _, bad := range []string{`[1]`, `{"a":`, `{"a":1}}`, ``} {
		if _, err := Members([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestParseList(t *testing.T) {
	env := func(v json.RawMessage) ([]json.RawMessage, error) {
		var e struct{ List []json.RawMessage }
		if json.Unmarshal(v, &e) == nil && e.List != nil {
			return e.List, nil
		}
		return []json.RawMessage{v}, nil
	}
	for body, want := range map[string]int{
		"\xef\xbb\xbf[{\"a\":1},{\"a\":2}]":   2,
		"{\"a\":1}\n\n{\"a\":2}\n":            2,
		"{\"List\":[{},{}]}\n{\"List\":[{}]}": 3,
		"  ":                                  0,
	} {
		got, err := ParseList(cdr.SourceNative, []byte(body), env, "records")
		if err != nil || len(got) != want {
			t.Errorf("%q: %d records, %v; want %d", body, len(got), err, want)
		}
	}
	for _, bad := range []string{`"x"`, `[1,`, "{\"a\":1}\n{"} {
		if _, err := ParseList(cdr.SourceNative, []byte(bad), env, "records"); cdr.ErrorCode(err) != cdr.EINVALID {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
