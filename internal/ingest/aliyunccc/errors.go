package aliyunccc

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/cdrhub/cdrhub/internal/ingest"
	"github.com/cdrhub/cdrhub/internal/ingest/vendorhttp"
)

// Kind is the engine's classification of an error (ingest.Kind). This
// client's errors are:
//   - Throttled: Throttling, Throttling.User, Throttling.Api (and any
//     Throttling.*), HTTP 429 and 503 whatever the body.
//   - Auth: InvalidAccessKeyId*, SignatureDoesNotMatch, Forbidden*,
//     NoPermission*, InvalidTimeStamp.Expired (the clock is off).
//   - Transient: InternalError*, InternalService*, ServiceUnavailable*,
//     SignatureNonceUsed (a retry signs with a fresh nonce), HTTP 5xx and
//     408 without a known code, network errors, timeouts, and answers that
//     are not the API's: a body that is not JSON, too long, or without its
//     fields (RequestId, Data.TotalCount, Data.List).
//   - Invalid: every other vendor code (Parameter.*, Missing*,
//     NotExists.InstanceId, InvalidApi.NotFound, …), any other HTTP
//     status, a window or page number refused before sending.
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
	// Code and Message are the vendor's error, when it answered with one;
	// RequestID its RequestId.
	Code, Message, RequestID string
	// Status is the HTTP status, when there was an answer.
	Status int
	// TimeLeft is the longest TimeLeft of the answer's
	// x-ratelimit-user-api and x-ratelimit-user headers, as darabonba
	// reads them; 0 without them. The engine waits at least that long
	// before it asks again (RetryAfter).
	TimeLeft time.Duration
	// Err is the cause: a network error, ErrWindow.
	Err error
}

func (e *Error) Error() string {
	s := vendorhttp.ErrorText("aliyunccc", e.Kind, e.Status, e.Code, e.Message, e.Err)
	if e.TimeLeft > 0 {
		s += fmt.Sprintf(" (retry after %v)", e.TimeLeft)
	}
	if e.RequestID != "" {
		s += " (RequestId " + e.RequestID + ")"
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// RetryAfter is how long the vendor asked to wait before the next
// request, 0 when it did not say (ingest.RetryAfter).
func (e *Error) RetryAfter() time.Duration { return e.TimeLeft }

// KindOf returns the Kind of err's *Error, or 0 when it has none (the
// caller's context ended).
func KindOf(err error) Kind {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Kind
	}
	return 0
}

// fromFailure returns an error of vendorhttp.Do as this client's: a
// *vendorhttp.Failure as an *Error, the caller's own context error as it
// is.
func fromFailure(err error) error {
	if f, ok := errors.AsType[*vendorhttp.Failure](err); ok {
		return &Error{Kind: f.Kind, Status: f.Status, Message: f.Message, Err: f.Err}
	}
	return err
}

func invalidRequest(msg string) *Error { return &Error{Kind: Invalid, Message: msg} }

func windowError(msg string) *Error {
	return &Error{Kind: Invalid, Message: "the window is refused: " + msg, Err: ErrWindow}
}

// codeKind classifies a vendor error code; ok is false for a code it does
// not know, which the HTTP status classifies.
func codeKind(code string) (kind Kind, ok bool) {
	family, _, _ := strings.Cut(code, ".")
	switch family {
	case "Throttling":
		return Throttled, true
	case "InvalidAccessKeyId", "SignatureDoesNotMatch", "Forbidden", "NoPermission":
		return Auth, true
	case "InternalError", "InternalService", "ServiceUnavailable", "SignatureNonceUsed":
		return Transient, true
	}
	if code == "InvalidTimeStamp.Expired" {
		return Auth, true
	}
	return 0, false
}

// statusKind classifies an HTTP status other than 200 that carries no
// known vendor code: 503 is Throttled, as darabonba reads it, any other
// as vendorhttp.StatusKind.
func statusKind(status int) Kind {
	if status == http.StatusServiceUnavailable {
		return Throttled
	}
	return vendorhttp.StatusKind(status)
}

// errorKind classifies a vendor error code answered with status: a known
// code decides, except that 429 and 503 are always Throttled.
func errorKind(code string, status int) Kind {
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		return Throttled
	}
	if k, ok := codeKind(code); ok {
		return k
	}
	if status == http.StatusOK {
		return Invalid
	}
	return statusKind(status)
}

// envelope is a POP answer as decode reads it: the members it checks kept
// raw, each checked on its own; members it does not name (HttpStatusCode,
// HostId, Recommend, fields the vendor adds) are ignored at every level.
type envelope struct {
	RequestId json.RawMessage
	Code      json.RawMessage
	Message   json.RawMessage
	Data      *struct {
		TotalCount json.RawMessage
		List       json.RawMessage
	}
}

// str reads a JSON string member; "" when absent, null or not a string.
func str(raw json.RawMessage) string {
	var s string
	if raw == nil || json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// decode reads an answer of HTTP status status to a request for page
// number (from 1) of size records.
func decode(status int, body []byte, size, number int) (Page, error) {
	malformed := func(format string, args ...any) (Page, error) {
		// A vendor that answers otherwise than 200 without the envelope
		// is classified by its status; a 200 that is not the API's answer
		// is Transient.
		kind := Transient
		if status != http.StatusOK {
			kind = statusKind(status)
		}
		return Page{}, &Error{Kind: kind, Status: status, Message: fmt.Sprintf("the answer is not ListCallDetailRecords': "+format, args...)}
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return malformed("%v", err)
	}
	reqID, code := str(env.RequestId), str(env.Code)
	if status != http.StatusOK || (env.Data == nil && code != "" && code != "OK") {
		if code == "" {
			return malformed("an error without a Code")
		}
		return Page{}, &Error{Kind: errorKind(code, status), Code: code, Message: str(env.Message), RequestID: reqID, Status: status}
	}
	if reqID == "" {
		return malformed("no RequestId string")
	}
	if env.Data == nil {
		return malformed("no Data object")
	}
	return decodeData(env.Data.TotalCount, env.Data.List, reqID, size, number, malformed)
}

// decodeData checks Data's TotalCount and List: a count of 0 or more (on
// page 1; later pages may leave it out), a list (null is none) of at most
// size objects, and on page 1 no more than the count.
func decodeData(rawTotal, rawList json.RawMessage, reqID string, size, number int, malformed func(string, ...any) (Page, error)) (Page, error) {
	var total int64
	if rawTotal == nil || string(rawTotal) == "null" {
		if number == 1 {
			return malformed("no TotalCount on page 1")
		}
	} else if json.Unmarshal(rawTotal, &total) != nil || total < 0 {
		return malformed("TotalCount is not an integer of 0 or more")
	}
	if rawList == nil {
		return malformed("no List array")
	}
	var list []json.RawMessage
	if err := json.Unmarshal(rawList, &list); err != nil {
		return malformed("List is not an array")
	}
	if len(list) > size {
		return malformed("%d records on a page of %d", len(list), size)
	}
	if number == 1 && int64(len(list)) > total {
		return malformed("%d records of a TotalCount of %d", len(list), total)
	}
	for i, rec := range list {
		if len(rec) == 0 || rec[0] != '{' {
			return malformed("List[%d] is not an object", i)
		}
	}
	if list == nil {
		list = []json.RawMessage{} // null: no records
	}
	return Page{TotalCount: int(total), Records: list, RequestID: reqID}, nil
}
