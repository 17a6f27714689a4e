package tencentdesk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/cdrhub/cdrhub/internal/auth/usersig"
	"github.com/cdrhub/cdrhub/internal/ingest"
)

// Kind is the engine's classification of an error (ingest.Kind). This
// client's errors are:
//   - Transient: 141002 (internal error, retry), 60008 and 60014
//     (timeouts), HTTP 5xx or 408 without the envelope, network errors,
//     timeouts, and answers that are not the API's: a body that is not
//     JSON, too long, or without its fields (ErrorCode, ActionStatus
//     "OK", TotalCount, IMCdrList).
//   - Throttled: 141009 (API rate limiting), 60007, 60011, 60018, 60019
//     (the IM gateway's call frequency) and HTTP 429.
//   - Auth: 141000 (the application is not a Desk application),
//     70000–79999 (UserSig, account), 60004, 60005, 60006, 60010 (not an
//     App administrator), 60016, 60020, 60021.
//   - Invalid: every other code (141004 invalid parameter, 60002, 60003,
//     60012, …), any other HTTP status, a window refused before sending.
type Kind = ingest.Kind

// The kinds, as the engine names them.
const (
	Transient = ingest.Transient
	Throttled = ingest.Throttled
	Auth      = ingest.Auth
	Invalid   = ingest.Invalid
)

// Codes the client reads (contracts §1.3, §6.4; internal/api/imrest).
const (
	CodeOK        = 0
	CodeNotDesk   = 141000 // the application is not a Desk application
	CodeInternal  = 141002 // internal error, retry
	CodeInvalid   = 141004 // invalid parameter
	CodeRateLimit = 141009 // API rate limiting
)

// ErrWindow is wrapped by the error of a window refused before sending.
var ErrWindow = errors.New("invalid window")

// Error is a failed request. It never holds the key or a UserSig.
type Error struct {
	Kind Kind
	// Code and Message are the vendor's error (ErrorCode, ErrorInfo) when
	// it answered with one; RequestID its RequestId, when it sent one.
	Code      int
	Message   string
	RequestID string
	// Status is the HTTP status, when there was an answer.
	Status int
	// Err is the cause: a network error (its URL without the query),
	// ErrWindow.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("tencentdesk: " + e.Kind.String())
	if e.Status != 0 && e.Status != http.StatusOK {
		fmt.Fprintf(&b, ": HTTP %d", e.Status)
	}
	if e.Code != 0 {
		b.WriteString(": " + strconv.Itoa(e.Code))
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	if e.RequestID != "" {
		b.WriteString(" (RequestId " + e.RequestID + ")")
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the Kind of err's *Error, or 0 when it has none (the
// caller's context ended).
func KindOf(err error) Kind {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Kind
	}
	return 0
}

func invalidRequest(msg string) *Error { return &Error{Kind: Invalid, Message: msg} }

func windowError(msg string) *Error {
	return &Error{Kind: Invalid, Message: "the window is refused: " + msg, Err: ErrWindow}
}

// codeKind classifies a vendor error code other than 0.
func codeKind(code int) Kind {
	switch code {
	case CodeRateLimit, 60007, 60011, 60018, 60019:
		return Throttled
	case CodeInternal, 60008, 60014:
		return Transient
	case CodeNotDesk, 60004, 60005, 60006, usersig.CodeAdminRequired, 60016, 60020, 60021:
		return Auth
	}
	if code >= 70000 && code <= 79999 {
		return Auth
	}
	return Invalid
}

// statusKind classifies an HTTP status other than 200 that carries no
// vendor error.
func statusKind(status int) Kind {
	switch {
	case status == http.StatusTooManyRequests:
		return Throttled
	case status >= 500, status == http.StatusRequestTimeout:
		return Transient
	}
	return Invalid
}

// envelope is an answer as decode reads it, in one pass of encoding/json:
// each member kept raw, to be checked on its own, the list split into its
// records. Members it does not name (fields the vendor adds) are ignored.
type envelope struct {
	ActionStatus json.RawMessage `json:"ActionStatus"`
	ErrorCode    json.RawMessage `json:"ErrorCode"`
	ErrorInfo    json.RawMessage `json:"ErrorInfo"`
	RequestID    json.RawMessage `json:"RequestId"`
	TotalCount   json.RawMessage `json:"TotalCount"`
	IMCdrList    rawList         `json:"IMCdrList"`
}

// rawList is a JSON array kept as its elements, each raw.
type rawList struct {
	set  bool // the member was there, null or not
	list []json.RawMessage
}

// UnmarshalJSON splits an array, which encoding/json has already checked,
// into its elements, copied once: null is no list.
func (l *rawList) UnmarshalJSON(b []byte) error {
	l.set = true
	if string(b) == "null" {
		return nil
	}
	if len(b) < 2 || b[0] != '[' {
		return errors.New("IMCdrList is not an array")
	}
	l.list = splitArray(bytes.Clone(b))
	return nil
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

// intMember reads an integer member: a JSON number, or a string of one
// (the IM REST overview types ErrorCode loosely).
func intMember(raw json.RawMessage) (int64, bool) {
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return 0, false
		}
		raw = json.RawMessage(s)
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	return n, err == nil
}

// stringMember reads a member that is a string or an integer; "" when
// absent or neither.
func stringMember(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	if _, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
		return string(raw)
	}
	return ""
}

// decode reads an answer of HTTP status status to a request for pages of
// size records.
func decode(status int, body []byte, size int) (Page, error) {
	malformed := func(format string, args ...any) (Page, error) {
		// A vendor that answers otherwise than 200 without the envelope
		// is classified by its status; a 200 that is not the API's answer
		// is Transient.
		kind := Transient
		if status != http.StatusOK {
			kind = statusKind(status)
		}
		return Page{}, &Error{Kind: kind, Status: status, Message: fmt.Sprintf("the answer is not describe_im_cdr_list's: "+format, args...)}
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return malformed("%v", err)
	}
	code, ok := intMember(env.ErrorCode)
	if !ok || code < 0 || code > 1<<31 {
		return malformed("no ErrorCode integer")
	}
	reqID := stringMember(env.RequestID)
	if code != CodeOK {
		var msg string
		_ = json.Unmarshal(env.ErrorInfo, &msg) // the code matters
		kind := codeKind(int(code))
		if status == http.StatusTooManyRequests {
			kind = Throttled
		}
		return Page{}, &Error{Kind: kind, Code: int(code), Message: msg, RequestID: reqID, Status: status}
	}
	if status != http.StatusOK {
		return Page{}, &Error{Kind: statusKind(status), Status: status, RequestID: reqID, Message: "an answer without an error code"}
	}
	return success(env, size, reqID, malformed)
}

// success reads the page of an answer whose ErrorCode is 0.
func success(env envelope, size int, reqID string, malformed func(string, ...any) (Page, error)) (Page, error) {
	var action string
	if json.Unmarshal(env.ActionStatus, &action) != nil || action != "OK" {
		return malformed("ErrorCode 0 without ActionStatus \"OK\"")
	}
	total, ok := intMember(env.TotalCount)
	if !ok || env.TotalCount[0] == '"' || total < 0 || total > 1<<40 {
		return malformed("no TotalCount of 0 or more")
	}
	if !env.IMCdrList.set {
		return malformed("no IMCdrList array")
	}
	list := env.IMCdrList.list
	if len(list) > size {
		return malformed("%d records on a page of %d", len(list), size)
	}
	if int64(len(list)) > total {
		return malformed("%d records of a TotalCount of %d", len(list), total)
	}
	for i, rec := range list {
		if len(rec) == 0 || rec[0] != '{' {
			return malformed("IMCdrList[%d] is not an object", i)
		}
	}
	if list == nil {
		list = []json.RawMessage{} // null: no records
	}
	return Page{TotalCount: int(total), Records: list, RequestID: reqID}, nil
}
