package tencentccc

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/cdrhub/cdrhub/internal/auth/tc3"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/httpx"
)

// Error codes of API 3.0 this API answers with (docs/wire-contracts.md §2.5).
const (
	codeInvalidAction    = "InvalidAction"
	codeNoSuchVersion    = "NoSuchVersion"
	codeMissingParameter = "MissingParameter"
	codeInvalidParameter = "InvalidParameter"
	codeInvalidValue     = "InvalidParameterValue"
	codeInstanceNotExist = "InvalidParameterValue.InstanceNotExist"
	codeUnknownParameter = "UnknownParameter"
	codeUnsupportedProto = "UnsupportedProtocol"
	codeRequestTooLarge  = "RequestSizeLimitExceeded"
	codeRequestLimit     = "RequestLimitExceeded"
	codeInternal         = "InternalError"
	codeInternalDB       = "InternalError.DBError"
	codeTokenFailure     = "AuthFailure.TokenFailure"
	codeUnauthorizedOp   = "UnauthorizedOperation"
	msgInternal          = "An internal error has occurred. Retry your request, but if the problem persists, contact us."
	msgInternalDB        = "A database error has occurred. Retry your request, but if the problem persists, contact us."
	msgProtectedOnly     = "You are not authorized to perform operation (ccc:DescribeTelCdr): this credential may only call DescribeProtectedTelCdr."
	contentTypeJSON      = "application/json" // exactly: the SDKs compare it whole
)

// apiError is an API 3.0 error for the client.
type apiError struct {
	code, msg string
}

func (e *apiError) Error() string { return e.code + ": " + e.msg }

func errorf(code, msg string) error { return &apiError{code, msg} }

type errorBody struct {
	Response struct {
		Error struct {
			Code    string `json:"Code"`
			Message string `json:"Message"`
		} `json:"Error"`
		RequestID string `json:"RequestId"`
	} `json:"Response"`
}

// writeError answers err in the API 3.0 envelope, always with HTTP 200.
// Errors that are not the API's own are internal: logged with their cause,
// shown as a generic message.
func writeError(w http.ResponseWriter, r *http.Request, reqID string, err error) {
	var b errorBody
	var ae *apiError
	var te *tc3.Error
	switch {
	case errors.As(err, &ae):
		b.Response.Error.Code, b.Response.Error.Message = ae.code, ae.msg
	case errors.As(err, &te):
		b.Response.Error.Code, b.Response.Error.Message = te.Code, te.Message
	case cdr.ErrorCode(err) == cdr.EUNAVAILABLE:
		b.Response.Error.Code, b.Response.Error.Message = codeInternalDB, msgInternalDB
		logger(r).Error("request failed", "code", codeInternalDB, "request_id_tc", reqID, "err", err)
	default:
		b.Response.Error.Code, b.Response.Error.Message = codeInternal, msgInternal
		logger(r).Error("request failed", "code", codeInternal, "request_id_tc", reqID, "err", err)
	}
	b.Response.RequestID = reqID
	httpx.SetOutcome(r.Context(), outcome(b.Response.Error.Code))
	write(w, r, b)
}

// outcome is the metrics outcome of an error code.
func outcome(code string) string {
	if code == codeInternal || code == codeInternalDB {
		return httpx.OutcomeServerError
	}
	return httpx.OutcomeClientError
}

func writeResponse(w http.ResponseWriter, r *http.Request, resp any) {
	write(w, r, struct {
		Response any `json:"Response"`
	}{resp})
}

func write(w http.ResponseWriter, r *http.Request, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		logger(r).Error("encode response", "err", err)
		return
	}
	w.Header().Set("Content-Type", contentTypeJSON)
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}
