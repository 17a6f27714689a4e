package imrest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/cdrhub/cdrhub/internal/auth/usersig"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/httpx"
)

// IM REST and API codes answered here (docs/wire-contracts.md §1.3, §3.4,
// §6.4; docs/record-model.md §3.1, §4.B, §4.E, §4.F).
const (
	CodeHTTPParse       = usersig.CodeHTTPParse     // 60002: the request cannot be parsed
	CodeJSONParse       = usersig.CodeJSONParse     // 60003: the body is not JSON, or a parameter is invalid (B)
	CodeRateLimit       = 60007                     // REST call frequency exceeded (B)
	CodeNotAdmin        = usersig.CodeAdminRequired // 60010: the identifier is not an App administrator
	CodeSdkAppIDMissing = 60012                     // no sdkappid in the URL
	CodeNoCallKit       = 50001                     // the app has no TUICallKit records (B)
	CodeNoRecord        = 70011                     // no record with that callId (B)
	CodeInternal        = 90994                     // internal error, retry (B)
	CodeNotDesk         = 141000                    // the app is not a Desk application (E)
	CodeDeskInternal    = 141002                    // internal error, retry (E)
	CodeDeskInvalid     = 141004                    // invalid parameter (E)
	CodeDeskRateLimit   = 141009                    // API rate limiting (E)
)

// imError is an error in the IM envelope.
type imError struct {
	code int
	msg  string
}

func (e *imError) Error() string { return e.msg }

func imErr(code int, msg string) error { return &imError{code, msg} }

// readBody reads the JSON body: POST bodies are required, "{}" at least.
func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	switch {
	case err != nil:
		return nil, imErr(CodeHTTPParse, "the request body cannot be read")
	case len(body) > maxBody:
		return nil, imErr(CodeHTTPParse, "the request body is too large")
	case len(bytes.TrimSpace(body)) == 0:
		return nil, imErr(CodeJSONParse, "the request body must be a JSON object ({} at least)")
	}
	return body, nil
}

// decodeBody decodes the JSON body into v; a malformed body is 60003, a
// wrong type invalid for api.
func decodeBody(q *request, api string, v any) error {
	if err := json.Unmarshal(q.body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && api == apiDesk {
			return imErr(CodeDeskInvalid, "invalid parameter "+te.Field)
		}
		if errors.As(err, &te) {
			return imErr(CodeJSONParse, "invalid parameter "+te.Field)
		}
		return imErr(CodeJSONParse, "the request body is not valid JSON")
	}
	return nil
}

// write answers in api's envelope, always with HTTP 200. Errors that are
// not the API's own are internal: logged with their cause, never shown.
func write(w http.ResponseWriter, r *http.Request, api, reqID string, data any, err error) {
	code, msg := 0, ""
	if err != nil {
		var ie *imError
		var ue *usersig.Error
		switch {
		case errors.As(err, &ie):
			code, msg = ie.code, ie.msg
		case errors.As(err, &ue):
			code, msg = ue.Code, ue.Message
		default:
			code, msg = CodeInternal, "internal error, please retry"
			if api == apiDesk {
				code = CodeDeskInternal
			}
			logger(r, api).Error("request failed", "code", code, "db", cdr.ErrorCode(err), "err", err)
		}
		httpx.SetOutcome(r.Context(), outcome(code))
	}
	var body any
	if api == apiDesk {
		status := "OK"
		if err != nil {
			status = "FAIL"
		}
		m := map[string]any{"ActionStatus": status, "ErrorCode": code, "ErrorInfo": msg}
		if d, ok := data.(*deskData); ok && err == nil {
			m["TotalCount"], m["IMCdrList"] = d.TotalCount, d.IMCdrList
		}
		body = m
	} else {
		if err == nil {
			msg = "Success"
		}
		m := map[string]any{"errorCode": code, "errorMessage": msg, "requestId": reqID}
		if err == nil {
			m["data"] = data
		}
		body = m
	}
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

func outcome(code int) string {
	if code == CodeInternal || code == CodeDeskInternal {
		return httpx.OutcomeServerError
	}
	return httpx.OutcomeClientError
}
