package vendorjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// DecodeObject decodes raw, which must be a JSON object, into v with the
// vendor SDK's JSON types: a value of the wrong type is a *cdr.FieldError
// naming the vendor field; anything else that is not a valid object is an
// invalid error naming source and what the object is.
func DecodeObject(source cdr.Source, what string, raw []byte, v any) error {
	trimmed := bytes.TrimLeft(raw, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return cdr.Errorf(cdr.EINVALID, "%s: %s must be a JSON object", source, what)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return &cdr.FieldError{Field: te.Field, Message: fmt.Sprintf("must be a JSON value of Go type %s, got %s", te.Type, te.Value)}
		}
		return cdr.Errorf(cdr.EINVALID, "%s: %s must be valid JSON: %v", source, what, err)
	}
	return nil
}
