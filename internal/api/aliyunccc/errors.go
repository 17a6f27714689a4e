package aliyunccc

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/cdrhub/cdrhub/internal/auth/pop"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/httpx"
)

// apiError is a POP error: an HTTP status (4xx/5xx: the SDKs take a 200
// for success whatever its Code), a code and a message.
type apiError struct {
	status    int
	code, msg string
}

func (e *apiError) Error() string { return e.code + ": " + e.msg }

func errorf(status int, code, format string, args ...any) error {
	return &apiError{status, code, fmt.Sprintf(format, args...)}
}

func missing(name string) error {
	return errorf(http.StatusBadRequest, "Missing"+name, "%s is mandatory for this action.", name)
}

func badFormat(name, why string) error {
	return errorf(http.StatusBadRequest, "Parameter.Format", "The format of parameter %s is invalid. %s", name, why)
}

// errorBody is the POP error envelope. Every field but HttpStatusCode is a
// string: the legacy Go SDK type-asserts them.
type errorBody struct {
	RequestID      string `json:"RequestId"`
	HostID         string `json:"HostId"`
	Code           string `json:"Code"`
	Message        string `json:"Message"`
	Recommend      string `json:"Recommend"`
	HTTPStatusCode int    `json:"HttpStatusCode"`
}

// writeError answers err with its status and the POP envelope. Errors that
// are not the API's own are internal: logged with their cause, shown as a
// generic message.
func writeError(w http.ResponseWriter, r *http.Request, reqID string, err error) {
	b := errorBody{RequestID: reqID, HostID: r.Host}
	var ae *apiError
	var pe *pop.Error
	switch {
	case errors.As(err, &ae):
		b.HTTPStatusCode, b.Code, b.Message = ae.status, ae.code, ae.msg
	case errors.As(err, &pe):
		b.HTTPStatusCode, b.Code, b.Message = pe.Status, pe.Code, pe.Message
	case cdr.ErrorCode(err) == cdr.EUNAVAILABLE:
		b.HTTPStatusCode, b.Code, b.Message = http.StatusServiceUnavailable, "ServiceUnavailable", "The request has failed due to a temporary failure of the server."
		logger(r).Error("request failed", "code", b.Code, "err", err)
	default:
		b.HTTPStatusCode, b.Code, b.Message = http.StatusInternalServerError, "InternalService.Common", "An internal service error occurred."
		logger(r).Error("request failed", "code", b.Code, "err", err)
	}
	writeJSON(w, r, b.HTTPStatusCode, b)
}

func writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		logger(r).Error("encode response", "err", err)
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	w.Write(body)
	httpx.SetOutcome(r.Context(), httpx.OutcomeOf(status))
}
