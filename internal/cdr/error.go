package cdr

import (
	"errors"
	"fmt"
)

// Error codes of the native API (docs/record-model.md §6). Every other error
// is internal and its text never reaches a client.
const (
	EINVALID      = "invalid"
	EUNAUTHORIZED = "unauthorized"
	EFORBIDDEN    = "forbidden"
	ENOTFOUND     = "not_found"
	ETOOLARGE     = "too_large"
	EINTERNAL     = "internal"
	EUNAVAILABLE  = "unavailable"
)

// Error is an error with a code and a message safe to show to a client.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("cdrhub error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError is a validation error that names the offending field with a
// JSON path such as "caller.address" or "participants[2].start_at".
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// ErrorCode returns the code of err: the code of an *Error, invalid for a
// *FieldError, internal for anything else and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	var fe *FieldError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	case errors.As(err, &fe):
		return EINVALID
	}
	return EINTERNAL
}

// ErrorMessage returns the client-safe message of err. Internal errors get
// a generic message; their cause is for the log only.
func ErrorMessage(err error) string {
	var e *Error
	var fe *FieldError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Message
	case errors.As(err, &fe):
		return fe.Error()
	}
	return "internal error"
}
