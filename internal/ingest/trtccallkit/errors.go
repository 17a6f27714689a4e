package trtccallkit

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
//   - Transient: HTTP 5xx or 408 without the envelope, 90994 (internal
//     error), 60008 and 60014 (timeouts), network errors, timeouts, and
//     answers that are not the API's: a body that is not JSON, too long,
//     or without its fields (errorCode, data.totalNum,
//     data.callRecordList).
//   - Throttled: 60007, 60011, 60018, 60019 (call frequency) and HTTP 429.
//   - Auth: 70000–79999 but 70011 (UserSig, account), 60004, 60005,
//     60006, 60010 (not an App administrator), 60016, 60020, 60021, and
//     50001 (the application has no TUICallKit call records: no package).
//   - Invalid: every other code, any other HTTP status, a window refused
//     before sending.
//
// 70011 (no records) is not an error: an empty page.
type Kind = ingest.Kind

// The kinds, as the engine names them.
const (
	Transient = ingest.Transient
	Throttled = ingest.Throttled
	Auth      = ingest.Auth
	Invalid   = ingest.Invalid
)

// Codes the client reads (docs/wire-contracts.md §1.3, §3.4;
// internal/api/imrest).
const (
	CodeOK        = 0
	CodeNoRecords = 70011 // no records: an empty page
	CodeNoPackage = 50001 // the application has no TUICallKit call records
	CodeRateLimit = 60007 // REST call frequency exceeded (cdrhub's own)
	CodeInternal  = 90994 // internal error, retry
)

// ErrWindow is wrapped by the error of a window refused before sending.
var ErrWindow = errors.New("invalid window")

// Error is a failed request. It never holds the key or a UserSig.
type Error struct {
	Kind Kind
	// Code and Message are the vendor's error (errorCode, errorMessage)
	// when it answered with one; RequestID its requestId.
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
	s := vendorhttp.ErrorText("trtccallkit", e.Kind, e.Status, code, e.Message, e.Err)
	if e.RequestID != "" {
		s += " (requestId " + e.RequestID + ")"
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

// codeKind classifies a vendor error code other than 0 and 70011.
func codeKind(code int) Kind {
	switch code {
	case CodeInternal:
		return Transient
	case CodeNoPackage:
		return Auth
	}
	if kind, ok := imauth.CodeKind(code); ok {
		return kind
	}
	return Invalid
}

// envelope is an answer as decode reads it, in one pass of encoding/json:
// each member kept raw, to be checked on its own, the list split into its
// records. Members it does not name (data.page, fields the vendor adds)
// are ignored, at every level.
type envelope struct {
	ErrorCode    json.RawMessage `json:"errorCode"`
	ErrorMessage json.RawMessage `json:"errorMessage"`
	RequestID    json.RawMessage `json:"requestId"`
	Data         *struct {
		TotalNum       json.RawMessage `json:"totalNum"`
		CallRecordList rawList         `json:"callRecordList"`
	} `json:"data"`
}

// rawList is the answer's callRecordList, kept as its elements.
type rawList struct{ vendorhttp.RawList }

// UnmarshalJSON splits the array: null is no list.
func (l *rawList) UnmarshalJSON(b []byte) error {
	return l.Split(b, "callRecordList")
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
		return fail(vendorhttp.MalformedKind(status), "the answer is not get_records_by_filter's: "+format, args...)
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return malformed("%v", err)
	}
	code, ok := imauth.IntMember(env.ErrorCode)
	if !ok || code < 0 || code > 1<<31 {
		return malformed("no errorCode integer")
	}
	reqID := imauth.StringMember(env.RequestID)
	if code != CodeOK && code != CodeNoRecords {
		var msg string
		_ = json.Unmarshal(env.ErrorMessage, &msg) // the code matters
		kind := codeKind(int(code))
		if status == http.StatusTooManyRequests {
			kind = Throttled
		}
		return Page{}, &Error{Kind: kind, Code: int(code), Message: msg, RequestID: reqID, Status: status}
	}
	if status != http.StatusOK {
		return Page{}, &Error{Kind: vendorhttp.StatusKind(status), Status: status, RequestID: reqID, Message: "an answer without an error code"}
	}
	if code == CodeNoRecords {
		return Page{Records: []json.RawMessage{}, RequestID: reqID}, nil
	}
	d := env.Data
	if d == nil {
		return malformed("no data object")
	}
	total, ok := imauth.IntMember(d.TotalNum)
	if !ok || d.TotalNum[0] == '"' || total < 0 || total > 1<<40 {
		return malformed("no totalNum of 0 or more")
	}
	list, fault := d.CallRecordList.Records(size, total, "callRecordList", "totalNum")
	if fault != "" {
		return malformed("%s", fault)
	}
	return Page{TotalCount: int(total), Records: list, RequestID: reqID}, nil
}
