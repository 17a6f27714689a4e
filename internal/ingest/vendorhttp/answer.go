package vendorhttp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/cdrhub/cdrhub/internal/ingest"
)

// RawList is a JSON array member kept as its elements, each raw, split in
// the one pass of encoding/json that decodes the answer. A client embeds
// it in a type whose UnmarshalJSON calls Split with the member's name.
type RawList struct {
	Set  bool // the member was there, null or not
	List []json.RawMessage
}

// Split splits an array, which encoding/json has already checked, into
// its elements, copied once: null is no list (and leaves List as it is).
// Any other value is refused with an error naming the member.
func (l *RawList) Split(b []byte, name string) error {
	l.Set = true
	if string(b) == "null" {
		return nil
	}
	if len(b) < 2 || b[0] != '[' {
		return errors.New(name + " is not an array")
	}
	l.List = splitArray(bytes.Clone(b))
	return nil
}

// Records checks the list as the page of a request for size records of
// a window of total: there (null is no records), of at most size and at
// most total elements, each an object. It returns the records, never
// nil, or else why the answer is not the API's, naming the list name and
// the count totalName.
func (l RawList) Records(size int, total int64, name, totalName string) ([]json.RawMessage, string) {
	if !l.Set {
		return nil, "no " + name + " array"
	}
	list := l.List
	if len(list) > size {
		return nil, fmt.Sprintf("%d records on a page of %d", len(list), size)
	}
	if int64(len(list)) > total {
		return nil, fmt.Sprintf("%d records of a %s of %d", len(list), totalName, total)
	}
	for i, rec := range list {
		if len(rec) == 0 || rec[0] != '{' {
			return nil, fmt.Sprintf("%s[%d] is not an object", name, i)
		}
	}
	if list == nil {
		list = []json.RawMessage{} // null: no records
	}
	return list, ""
}

// splitArray returns the elements of a valid JSON array, each trimmed.
func splitArray(b []byte) []json.RawMessage {
	list := []json.RawMessage{}
	depth, inString, start := 0, false, -1
	for i := 1; i < len(b)-1; i++ {
		switch c := b[i]; {
		case inString:
			if c == '\\' {
				i++
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
			if start < 0 {
				start = i
			}
		case c == '{' || c == '[':
			depth++
			if start < 0 {
				start = i
			}
		case c == '}' || c == ']':
			depth--
		case c == ',' && depth == 0:
			list = append(list, bytes.TrimSpace(b[start:i]))
			start = -1
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		default:
			if start < 0 {
				start = i
			}
		}
	}
	if start >= 0 {
		list = append(list, bytes.TrimSpace(b[start:len(b)-1]))
	}
	return list
}

// ErrorText is the text of a client's error: "name: kind", then
// ": HTTP status" unless status is 0 or 200, then the code, the message
// and the cause, each after ": " when there is one. A client appends what
// only it has (a request id).
func ErrorText(name string, kind ingest.Kind, status int, code, message string, cause error) string {
	var b strings.Builder
	b.WriteString(name + ": " + kind.String())
	if status != 0 && status != http.StatusOK {
		fmt.Fprintf(&b, ": HTTP %d", status)
	}
	if code != "" {
		b.WriteString(": " + code)
	}
	if message != "" {
		b.WriteString(": " + message)
	}
	if cause != nil {
		b.WriteString(": " + cause.Error())
	}
	return b.String()
}
