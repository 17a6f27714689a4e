package usersig

import (
	"strconv"
	"time"
)

// IM REST error codes (docs/wire-contracts.md §1.3). Verify and Parse
// return only the 7000x codes marked below; the others are for the caller,
// which answers all of them with HTTP 200 and the API's envelope (B:
// errorCode/errorMessage, E: ActionStatus "FAIL"/ErrorCode/ErrorInfo).
const (
	CodeHTTPParse          = 60002 // caller: the URL or the request cannot be parsed
	CodeJSONParse          = 60003 // caller: the body is not valid JSON or its parameters are invalid (B, docs/record-model.md §4.F)
	CodeAdminRequired      = 60010 // caller: the identifier is not one of the tenant's admin identifiers
	CodeExpired            = 70001 // Verify: now > TLS.time + TLS.expire
	CodeInvalid            = 70003 // Verify, Parse: the token cannot be decoded (base64, zlib, JSON, fields)
	CodeSigMismatch        = 70009 // Verify: the HMAC does not match, TLS.time is over 300 s ahead, or TLS.expire is over MaxLifetime
	CodeIdentifierMismatch = 70013 // Verify: URL identifier ≠ TLS.identifier
	CodeSDKAppIDMismatch   = 70014 // Verify: URL sdkappid ≠ TLS.sdkappid
	CodeKeyNotFound        = 70016 // caller (and Verify with an empty key): the sdkappid has no key
	CodeSDKAppIDNotFound   = 70020 // caller: no tenant has this sdkappid
)

// Messages close to the vendor's wording (the English rendering of the
// error code table). None of them ever contains the key or the token.
const (
	MsgHTTPParse          = "HTTP parse error, please check the format of the HTTP request URL."
	MsgJSONParse          = "JSON parse error of the HTTP request, please check the JSON format."
	MsgAdminRequired      = "The request requires App administrator permissions."
	MsgExpired            = "UserSig has expired. Please generate a new one."
	MsgInvalid            = "Failed to parse the UserSig."
	MsgSigMismatch        = "UserSig verification failed. Check that the UserSig was generated with the key of this SDKAppID."
	MsgIssuedInFuture     = "UserSig verification failed. Its TLS.time is more than 300 seconds in the future: check the clock of the signer."
	MsgLifetimeTooLong    = "UserSig verification failed. Its TLS.expire is longer than this SDKAppID accepts:"
	MsgIdentifierMismatch = "The UserID in the request is different from the UserID used to generate the UserSig."
	MsgSDKAppIDMismatch   = "The SDKAppID in the request is different from the SDKAppID used to generate the UserSig."
	MsgKeyNotFound        = "The key does not exist. UserSig verification failed."
	MsgSDKAppIDNotFound   = "The SDKAppID does not exist. UserSig verification failed."
)

// Error is an IM REST error: a code and a message safe to send to the
// client.
type Error struct {
	Code    int
	Message string
}

func (e *Error) Error() string { return "usersig: " + strconv.Itoa(e.Code) + ": " + e.Message }

// NewError returns the *Error of one of the codes above with its standard
// message (Message is empty for an unknown code).
func NewError(code int) *Error {
	return &Error{Code: code, Message: messages[code]}
}

var messages = map[int]string{
	CodeHTTPParse:          MsgHTTPParse,
	CodeJSONParse:          MsgJSONParse,
	CodeAdminRequired:      MsgAdminRequired,
	CodeExpired:            MsgExpired,
	CodeInvalid:            MsgInvalid,
	CodeSigMismatch:        MsgSigMismatch,
	CodeIdentifierMismatch: MsgIdentifierMismatch,
	CodeSDKAppIDMismatch:   MsgSDKAppIDMismatch,
	CodeKeyNotFound:        MsgKeyNotFound,
	CodeSDKAppIDNotFound:   MsgSDKAppIDNotFound,
}

// errInvalid is a 70003 with a detail naming what could not be decoded.
// The detail never quotes the token.
func errInvalid(detail string) *Error {
	return &Error{Code: CodeInvalid, Message: MsgInvalid + " " + detail}
}

// errLifetime is a 70009 for a token valid for longer than max; the
// message says the bound in seconds (the caller holds the key, so it is
// told what to change).
func errLifetime(max time.Duration) *Error {
	return &Error{Code: CodeSigMismatch, Message: MsgLifetimeTooLong + " at most " +
		strconv.FormatInt(int64(max/time.Second), 10) + " seconds."}
}
