package laaffic

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
//   - Transient: status -18 (server exception), HTTP 5xx and 408, network
//     errors, timeouts, and answers that are not the API's: a body that is
//     not JSON, too long, or without its fields (status, data.total,
//     data.records).
//   - Throttled: status -15 (query too frequently) and HTTP 429.
//   - Auth: status -1 (bad key or sign), -2 (IP not allowed), -13 (user
//     locked), -16 (Timestamp expired: the clock is off).
//   - Invalid: every other status (-22 parameter, -25 time range, …), any
//     other HTTP status, a window refused before sending.
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
	// Code and Message are the vendor's status and reason, when it
	// answered with a status other than "0".
	Code, Message string
	// Status is the HTTP status, when there was an answer.
	Status int
	// Err is the cause: a network error, ErrWindow.
	Err error
}

func (e *Error) Error() string {
	code := e.Code
	if code != "" {
		code = "status " + code
	}
	return vendorhttp.ErrorText("laaffic", e.Kind, e.Status, code, e.Message, e.Err)
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

// The statuses the client tells apart (docs/wire-contracts.md §1.6, §5.4).
const (
	statusOK          = "0"
	statusAuth        = "-1"
	statusIP          = "-2"
	statusLocked      = "-13"
	statusTooFrequent = "-15"
	statusExpired     = "-16"
	statusInternal    = "-18"
)

// codeKind classifies a vendor status other than "0".
func codeKind(code string) Kind {
	switch code {
	case statusTooFrequent:
		return Throttled
	case statusAuth, statusIP, statusLocked, statusExpired:
		return Auth
	case statusInternal:
		return Transient
	}
	return Invalid
}

// envelope is an answer as decode reads it, in one pass of encoding/json:
// each member kept raw, to be checked on its own, the list split into its
// records. Members it does not name are ignored, at every level.
type envelope struct {
	Status json.RawMessage `json:"status"`
	Reason json.RawMessage `json:"reason"`
	Data   *struct {
		Total   json.RawMessage `json:"total"`
		Records rawList         `json:"records"`
	} `json:"data"`
}

// rawList is the answer's records, kept as its elements.
type rawList struct{ vendorhttp.RawList }

// UnmarshalJSON splits the array: null is no list.
func (l *rawList) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		l.List = nil // a later member replaces an earlier one
	}
	return l.Split(b, "records")
}

// maxReason bounds the vendor's reason kept in an error.
const maxReason = 256

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
		return fail(vendorhttp.MalformedKind(status), "the answer is not ccRecordQuery's: "+format, args...)
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return malformed("%v", err)
	}
	var code string
	if env.Status == nil || json.Unmarshal(env.Status, &code) != nil || code == "" {
		return malformed("no status string")
	}
	if code != statusOK {
		var reason string
		_ = json.Unmarshal(env.Reason, &reason) // a reason of another type is none
		if len(reason) > maxReason {
			reason = strings.ToValidUTF8(reason[:maxReason], "") + "…"
		}
		kind := codeKind(code)
		if status == http.StatusTooManyRequests {
			kind = Throttled
		}
		return Page{}, &Error{Kind: kind, Code: code, Message: reason, Status: status}
	}
	if status != http.StatusOK {
		return Page{}, &Error{Kind: vendorhttp.StatusKind(status), Status: status, Message: `an answer of status "0"`}
	}
	d := env.Data
	if d == nil {
		return malformed("no data object")
	}
	var total int64
	if raw := d.Total; raw == nil || string(raw) == "null" || json.Unmarshal(raw, &total) != nil || total < 0 {
		return malformed("no data.total of 0 or more")
	}
	list, fault := d.Records.Records(size, total, "data.records", "total")
	if fault != "" {
		return malformed("%s", fault)
	}
	return Page{TotalCount: int(total), Records: list}, nil
}
