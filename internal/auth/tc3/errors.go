package tc3

// API 3.0 error codes Verify returns (the "Error Codes" page common to all
// products). The caller answers them with HTTP 200 and
// {"Response":{"Error":{"Code","Message"},"RequestId"}}.
const (
	CodeSignatureFailure      = "AuthFailure.SignatureFailure"
	CodeSignatureExpire       = "AuthFailure.SignatureExpire"
	CodeSecretIDNotFound      = "AuthFailure.SecretIdNotFound"
	CodeInvalidAuthorization  = "AuthFailure.InvalidAuthorization"
	CodeTokenFailure          = "AuthFailure.TokenFailure"
	CodeMissingParameter      = "MissingParameter"
	CodeInvalidParameter      = "InvalidParameter"
	CodeInvalidParameterValue = "InvalidParameterValue"
	CodeUnsupportedProtocol   = "UnsupportedProtocol"
)

// Error is a verification failure: an API 3.0 error code and a message
// safe to send to the client (it never holds a secret).
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return "tc3: " + e.Code + ": " + e.Message }

// The messages follow the wording the real service answers where it is
// known (see README.md); the rest are written in the same style.

func errSignature() *Error {
	return &Error{CodeSignatureFailure,
		"The provided credentials could not be validated. Please check your signature is correct."}
}

func errExpired() *Error {
	return &Error{CodeSignatureExpire, "The signature is expired, please request again."}
}

func errSecretID() *Error {
	return &Error{CodeSecretIDNotFound,
		"The SecretId is not found, please ensure that your SecretId is correct."}
}

func errAuthorization(detail string) *Error {
	return &Error{CodeInvalidAuthorization,
		"The request `Authorization` header does not conform to tencentcloud standards: " + detail}
}

func errToken() *Error {
	return &Error{CodeTokenFailure,
		"The provided token is not accepted: temporary credentials are not supported."}
}

func errMissing(name string) *Error {
	return &Error{CodeMissingParameter, "The request is missing a required parameter `" + name + "`."}
}

func errTypeError(name string) *Error {
	return &Error{CodeInvalidParameter, "Parameter `" + name + "` type error."}
}

func errDecode() *Error {
	return &Error{CodeInvalidParameter, "The request parameters could not be decoded."}
}

func errDuplicate(name string) *Error {
	return &Error{CodeInvalidParameter, "Parameter `" + name + "` is repeated."}
}

func errSignatureMethod() *Error {
	return &Error{CodeInvalidParameterValue,
		"The value of parameter `SignatureMethod` is not supported, use HmacSHA1 or HmacSHA256."}
}

func errUnsupportedMethod() *Error {
	return &Error{CodeUnsupportedProtocol, "Only GET and POST requests are supported."}
}
