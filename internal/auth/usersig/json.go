package usersig

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"math"
	"strconv"
)

// parseJSON reads the token's JSON object. Keys are matched exactly (not
// case-folded as encoding/json would), each at most once, in any order.
// Unknown keys are ignored; TLS.userbuf (PrivateMapKey and WithBuf
// tokens) is refused, as the official VerifyUserSig refuses it.
func parseJSON(doc []byte) (Claims, []byte, error) {
	fields, err := objectFields(doc)
	if err != nil {
		return Claims{}, nil, errInvalid("Its JSON is malformed.")
	}
	if _, ok := fields["TLS.userbuf"]; ok {
		return Claims{}, nil, errInvalid("It carries TLS.userbuf: it is not a UserSig.")
	}
	var c Claims
	if err := stringField(fields, "TLS.ver", &c.Version); err != nil {
		return Claims{}, nil, err
	}
	if c.Version != "2.0" {
		return Claims{}, nil, errInvalid("TLS.ver is not 2.0.")
	}
	if err := stringField(fields, "TLS.identifier", &c.Identifier); err != nil {
		return Claims{}, nil, err
	}
	n, err := numberField(fields, "TLS.sdkappid", math.MaxUint64)
	if err != nil {
		return Claims{}, nil, err
	}
	c.SDKAppID = n
	if n, err = numberField(fields, "TLS.time", math.MaxInt64); err != nil {
		return Claims{}, nil, err
	}
	c.Time = int64(n)
	if n, err = numberField(fields, "TLS.expire", math.MaxInt64); err != nil {
		return Claims{}, nil, err
	}
	c.Expire = int64(n)
	var sig string
	if err := stringField(fields, "TLS.sig", &sig); err != nil {
		return Claims{}, nil, err
	}
	mac, err := base64.StdEncoding.Strict().DecodeString(sig)
	if err != nil || len(mac) != 32 {
		return Claims{}, nil, errInvalid("TLS.sig is not the base64 of 32 bytes.")
	}
	return c, mac, nil
}

// objectFields splits one JSON object into its members, refusing a
// repeated key and anything after the object but white space.
func objectFields(doc []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, errSyntax
	}
	fields := map[string]json.RawMessage{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k, ok := t.(string)
		if !ok {
			return nil, errSyntax
		}
		if _, dup := fields[k]; dup {
			return nil, errSyntax
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		fields[k] = v
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return nil, errSyntax
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errSyntax
	}
	return fields, nil
}

var errSyntax = errInvalid("Its JSON is malformed.")

func stringField(fields map[string]json.RawMessage, name string, dst *string) error {
	v, ok := fields[name]
	if !ok {
		return errInvalid(name + " is missing.")
	}
	if len(v) == 0 || v[0] != '"' || json.Unmarshal(v, dst) != nil {
		return errInvalid(name + " is not a string.")
	}
	return nil
}

// numberField reads a non-negative integer up to limit, written as a JSON
// number or as a JSON string of decimal digits (a PHP signer passed a
// string writes one). Either way it must be the canonical decimal form
// (no sign, fraction, exponent or leading zero), so that the HMAC input
// rebuilt from the value is the text that was signed.
func numberField(fields map[string]json.RawMessage, name string, limit uint64) (uint64, error) {
	v, ok := fields[name]
	if !ok {
		return 0, errInvalid(name + " is missing.")
	}
	s := string(v)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n > limit || strconv.FormatUint(n, 10) != s {
		return 0, errInvalid(name + " is not a non-negative integer.")
	}
	return n, nil
}
