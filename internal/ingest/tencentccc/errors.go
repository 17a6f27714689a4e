package tencentccc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/cdrhub/cdrhub/internal/ingest"
)

// Kind is the engine's classification of an error (ingest.Kind). This
// client's errors are:
//   - Transient: HTTP 5xx, InternalError*, ServiceUnavailable, network
//     errors, timeouts, and answers that are not the API's: a body that is
//     not JSON, too long, or without its fields (TotalCount, TelCdrList,
//     RequestId).
//   - Throttled: RequestLimitExceeded* and HTTP 429.
//   - Auth: AuthFailure*, UnauthorizedOperation*, IpNotInWhitelist,
//     IpInBlacklist.
//   - Invalid: every other vendor code, any other HTTP status, a window
//     refused before sending.
type Kind = ingest.Kind

// The kinds, as the engine names them.
const (
	Transient = ingest.Transient
	Throttled = ingest.Throttled
	Auth      = ingest.Auth
	Invalid   = ingest.Invalid
)

// ErrWindow is wrapped by the error of a window refused before sending.
var ErrWindow = errors.New("invalid window")

// Error is a failed request.
type Error struct {
	Kind Kind
	// Code and Message are the vendor's error (Response.Error), when it
	// answered with one; RequestID its RequestId.
	Code, Message, RequestID string
	// Status is the HTTP status, when there was an answer.
	Status int
	// Err is the cause: a network error, ErrWindow.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("tencentccc: " + e.Kind.String())
	if e.Status != 0 && e.Status != http.StatusOK {
		fmt.Fprintf(&b, ": HTTP %d", e.Status)
	}
	if e.Code != "" {
		b.WriteString(": " + e.Code)
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

// codeKind classifies a vendor error code.
func codeKind(code string) Kind {
	family, _, _ := strings.Cut(code, ".")
	switch family {
	case "RequestLimitExceeded":
		return Throttled
	case "AuthFailure", "UnauthorizedOperation", "IpNotInWhitelist", "IpInBlacklist":
		return Auth
	case "InternalError", "ServiceUnavailable":
		return Transient
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

// envelope is the API 3.0 answer. Response's members are decoded one by
// one, each with its exact type; members the client does not read
// (TelCdrs, fields the vendor adds) are left alone.
type envelope struct {
	Response map[string]json.RawMessage `json:"Response"`
}

type vendorError struct {
	Code    string `json:"Code"`
	Message string `json:"Message"`
}

// decode reads an answer of HTTP status status to a request for pages of
// size records.
func decode(status int, body []byte, size int) (Page, error) {
	fail := func(kind Kind, format string, args ...any) (Page, error) {
		return Page{}, &Error{Kind: kind, Status: status, Message: fmt.Sprintf(format, args...)}
	}
	malformed := func(format string, args ...any) (Page, error) {
		// A vendor that answers otherwise than 200 without the envelope
		// is classified by its status; a 200 that is not the API's answer
		// is Transient.
		kind := Transient
		if status != http.StatusOK {
			kind = statusKind(status)
		}
		return fail(kind, "the answer is not DescribeTelCdr's: "+format, args...)
	}
	var env envelope
	if err := strictUnmarshal(body, &env); err != nil {
		return malformed("%v", err)
	}
	if env.Response == nil {
		return malformed("no Response object")
	}
	var reqID string
	if raw, ok := env.Response["RequestId"]; !ok || strictUnmarshal(raw, &reqID) != nil || reqID == "" {
		return malformed("no RequestId string")
	}
	if raw, ok := env.Response["Error"]; ok {
		var ve vendorError
		// Members beyond Code and Message are tolerated: the code matters.
		if err := json.Unmarshal(raw, &ve); err != nil || ve.Code == "" {
			return malformed("Error is not an object with a Code")
		}
		kind := codeKind(ve.Code)
		if status == http.StatusTooManyRequests {
			kind = Throttled
		}
		return Page{}, &Error{Kind: kind, Code: ve.Code, Message: ve.Message, RequestID: reqID, Status: status}
	}
	if status != http.StatusOK {
		return Page{}, &Error{Kind: statusKind(status), Status: status, RequestID: reqID, Message: "an answer without an Error"}
	}
	var total int64
	raw, ok := env.Response["TotalCount"]
	if !ok || string(raw) == "null" || strictUnmarshal(raw, &total) != nil || total < 0 {
		return malformed("no TotalCount of 0 or more")
	}
	var list []json.RawMessage
	raw, ok = env.Response["TelCdrList"]
	if !ok || strictUnmarshal(raw, &list) != nil {
		return malformed("no TelCdrList array")
	}
	if len(list) > size {
		return malformed("%d records on a page of %d", len(list), size)
	}
	if int64(len(list)) > total {
		return malformed("%d records of a TotalCount of %d", len(list), total)
	}
	for i, rec := range list {
		if len(rec) == 0 || rec[0] != '{' {
			return malformed("TelCdrList[%d] is not an object", i)
		}
	}
	if list == nil {
		list = []json.RawMessage{} // null: no records
	}
	return Page{TotalCount: int(total), Records: list, RequestID: reqID}, nil
}

// strictUnmarshal decodes one JSON value into v: no unknown fields in v's
// structs, no trailing data.
func strictUnmarshal(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the JSON value")
	}
	return nil
}
