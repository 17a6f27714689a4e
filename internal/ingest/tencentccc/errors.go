package tencentccc

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/cdrhub/cdrhub/internal/ingest"
	"github.com/cdrhub/cdrhub/internal/ingest/vendorhttp"
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
	s := vendorhttp.ErrorText("tencentccc", e.Kind, e.Status, e.Code, e.Message, e.Err)
	if e.RequestID != "" {
		s += " (RequestId " + e.RequestID + ")"
	}
	return s
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

// envelope is the API 3.0 answer. Response's members are decoded one by
// one, each with its exact type; members the client does not read
// (TelCdrs, fields the vendor adds) are left alone.
// envelope is an answer as decode reads it, in one pass of encoding/json:
// each member of Response kept raw, to be checked on its own, the list
// split into its records. Members it does not name are ignored, at every
// level.
type envelope struct {
	Response *struct {
		RequestId  json.RawMessage
		Error      json.RawMessage
		TotalCount json.RawMessage
		TelCdrList rawList
	}
}

// rawList is the answer's TelCdrList, kept as its elements.
type rawList struct{ vendorhttp.RawList }

// UnmarshalJSON splits the array: null is no list.
func (l *rawList) UnmarshalJSON(b []byte) error {
	return l.Split(b, "TelCdrList")
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
		return fail(vendorhttp.MalformedKind(status), "the answer is not DescribeTelCdr's: "+format, args...)
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return malformed("%v", err)
	}
	resp := env.Response
	if resp == nil {
		return malformed("no Response object")
	}
	var reqID string
	if resp.RequestId == nil || json.Unmarshal(resp.RequestId, &reqID) != nil || reqID == "" {
		return malformed("no RequestId string")
	}
	if raw := resp.Error; raw != nil {
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
		return Page{}, &Error{Kind: vendorhttp.StatusKind(status), Status: status, RequestID: reqID, Message: "an answer without an Error"}
	}
	var total int64
	if raw := resp.TotalCount; raw == nil || string(raw) == "null" || json.Unmarshal(raw, &total) != nil || total < 0 {
		return malformed("no TotalCount of 0 or more")
	}
	list, fault := resp.TelCdrList.Records(size, total, "TelCdrList", "TotalCount")
	if fault != "" {
		return malformed("%s", fault)
	}
	return Page{TotalCount: int(total), Records: list, RequestID: reqID}, nil
}
