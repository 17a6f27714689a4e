package tencentdesk

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/cdrhub/cdrhub/internal/ingest"
	"github.com/cdrhub/cdrhub/internal/ingest/imauth"
	"github.com/cdrhub/cdrhub/internal/ingest/vendorhttp"
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

// Codes the client reads (docs/wire-contracts.md §1.3, §6.4;
// internal/api/imrest).
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
	var code string
	if e.Code != 0 {
		code = strconv.Itoa(e.Code)
	}
	s := vendorhttp.ErrorText("tencentdesk", e.Kind, e.Status, code, e.Message, e.Err)
	if e.RequestID != "" {
		s += " (RequestId " + e.RequestID + ")"
	}
	return s
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

// fromFailure returns an error of vendorhttp.Do as this client's: a
// *vendorhttp.Failure as an *Error (a cause's URL without its query), the caller's own context error as it
// is.
func fromFailure(err error) error {
	if f, ok := errors.AsType[*vendorhttp.Failure](err); ok {
		return &Error{Kind: f.Kind, Status: f.Status, Message: f.Message, Err: imauth.Redact(f.Err)}
	}
	return err
}

func invalidRequest(msg string) *Error { return &Error{Kind: Invalid, Message: msg} }

func windowError(msg string) *Error {
	return &Error{Kind: Invalid, Message: "the window is refused: " + msg, Err: ErrWindow}
}

// codeKind classifies a vendor error code other than 0.
func codeKind(code int) Kind {
	switch code {
	case CodeRateLimit:
		return Throttled
	case CodeInternal:
		return Transient
	case CodeNotDesk:
		return Auth
	}
	if kind, ok := imauth.CodeKind(code); ok {
		return kind
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

// rawList is the answer's IMCdrList, kept as its elements.
type rawList struct{ vendorhttp.RawList }

// UnmarshalJSON splits the array: null is no list.
func (l *rawList) UnmarshalJSON(b []byte) error {
	return l.Split(b, "IMCdrList")
}

// decode reads an answer of HTTP status status to a request for pages of
// size records.
func decode(status int, body []byte, size int) (Page, error) {
	malformed := func(format string, args ...any) (Page, error) {
		// A vendor that answers otherwise than 200 without the envelope
		// is classified by its status; a 200 that is not the API's answer
		// is Transient.
		return Page{}, &Error{Kind: vendorhttp.MalformedKind(status), Status: status, Message: fmt.Sprintf("the answer is not describe_im_cdr_list's: "+format, args...)}
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return malformed("%v", err)
	}
	code, ok := imauth.IntMember(env.ErrorCode)
	if !ok || code < 0 || code > 1<<31 {
		return malformed("no ErrorCode integer")
	}
	reqID := imauth.StringMember(env.RequestID)
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
		return Page{}, &Error{Kind: vendorhttp.StatusKind(status), Status: status, RequestID: reqID, Message: "an answer without an error code"}
	}
	return success(env, size, reqID, malformed)
}

// success reads the page of an answer whose ErrorCode is 0.
func success(env envelope, size int, reqID string, malformed func(string, ...any) (Page, error)) (Page, error) {
	var action string
	if json.Unmarshal(env.ActionStatus, &action) != nil || action != "OK" {
		return malformed("ErrorCode 0 without ActionStatus \"OK\"")
	}
	total, ok := imauth.IntMember(env.TotalCount)
	if !ok || env.TotalCount[0] == '"' || total < 0 || total > 1<<40 {
		return malformed("no TotalCount of 0 or more")
	}
	list, fault := env.IMCdrList.Records(size, total, "IMCdrList", "TotalCount")
	if fault != "" {
		return malformed("%s", fault)
	}
	return Page{TotalCount: int(total), Records: list, RequestID: reqID}, nil
}
