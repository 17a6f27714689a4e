package pop

import "net/http"

// POP gateway error codes Verify returns (docs/wire-contracts.md §4.4). The
// caller answers them with Error.Status and a JSON body
// {"Code","Message","RequestId","HttpStatusCode"}: the SDKs report a
// 2xx answer as success whatever its Code says.
const (
	CodeIncompleteSignature     = "IncompleteSignature"
	CodeSignatureDoesNotMatch   = "SignatureDoesNotMatch"
	CodeAccessKeyNotFound       = "InvalidAccessKeyId.NotFound"
	CodeTimeStampExpired        = "InvalidTimeStamp.Expired"
	CodeTimeStampFormat         = "InvalidTimeStamp.Format"
	CodeSignatureNonceUsed      = "SignatureNonceUsed"
	CodeThrottlingUser          = "Throttling.User"
	CodeInvalidSignatureMethod  = "InvalidSignatureMethod"
	CodeUnsupportedHTTPMethod   = "UnsupportedHTTPMethod"
	CodeInvalidParameter        = "InvalidParameter"
	codeMissingPrefix           = "Missing" // + parameter name, e.g. MissingTimestamp
	msgIncompleteSignature      = "The request signature does not conform to Aliyun standards."
	msgSignatureDoesNotMatchFmt = "Specified signature is not matched with our calculation. server string to sign is:"
)

// Error is a verification failure: the gateway's error code, a message safe
// to send to the client (it never holds a secret) and the HTTP status to
// answer with.
type Error struct {
	Code    string
	Message string
	Status  int
}

func (e *Error) Error() string { return "pop: " + e.Code + ": " + e.Message }

func newError(code, msg string, status int) *Error { return &Error{code, msg, status} }

// The messages follow the gateway's wording where it is known (README.md);
// the details after it are ours.

func errIncomplete(detail string) *Error {
	msg := msgIncompleteSignature
	if detail != "" {
		msg += " " + detail
	}
	return newError(CodeIncompleteSignature, msg, http.StatusBadRequest)
}

// errSignature carries the server's string to sign, as the gateway does:
// it holds only what the client sent, never the secret.
func errSignature(stringToSign string) *Error {
	return newError(CodeSignatureDoesNotMatch, msgSignatureDoesNotMatchFmt+stringToSign, http.StatusBadRequest)
}

func errBodyHash() *Error {
	return newError(CodeSignatureDoesNotMatch,
		"Specified content hash is not matched with our calculation: x-acs-content-sha256 must be the hex SHA-256 of the request body.",
		http.StatusBadRequest)
}

func errAccessKey() *Error {
	return newError(CodeAccessKeyNotFound, "Specified access key is not found.", http.StatusNotFound)
}

func errExpired() *Error {
	return newError(CodeTimeStampExpired, "Specified time stamp or date value is expired.", http.StatusBadRequest)
}

func errTimeFormat() *Error {
	return newError(CodeTimeStampFormat, "Specified time stamp or date value is not well formatted.", http.StatusBadRequest)
}

func errNonceUsed() *Error {
	return newError(CodeSignatureNonceUsed, "Specified signature nonce was used already.", http.StatusBadRequest)
}

// errThrottled refuses a request of an AccessKeyId whose nonces are at
// their capacity, in the words of the gateway's flow control.
func errThrottled() *Error {
	return newError(CodeThrottlingUser, "Request was denied due to user flow control.", http.StatusBadRequest)
}

// errMissing reports a missing required parameter: code Missing{name}, the
// message naming what the client should have sent (a header under V3).
func errMissing(name, sent string) *Error {
	return newError(codeMissingPrefix+name, sent+" is mandatory for this action.", http.StatusBadRequest)
}

func errSignatureMethod(what string) *Error {
	return newError(CodeInvalidSignatureMethod, "Specified signature "+what+" is not supported.", http.StatusBadRequest)
}

func errHTTPMethod() *Error {
	return newError(CodeUnsupportedHTTPMethod, "This http method is not supported.", http.StatusBadRequest)
}

func errDecode() *Error {
	return newError(CodeInvalidParameter, "The request parameters could not be decoded.", http.StatusBadRequest)
}

func errRepeated(name string) *Error {
	return newError(CodeInvalidParameter, "The parameter "+name+" is repeated.", http.StatusBadRequest)
}
