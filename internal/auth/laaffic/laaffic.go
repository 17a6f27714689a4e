// Package laaffic signs and verifies the requests of the laaffic-family
// call-center APIs (laaffic, itniotech, onbuka): three headers, Api-Key,
// Timestamp (Unix seconds) and Sign, the lower-case hex MD5 of
// Api-Key + ApiSecret + Timestamp. The servers accept Sign in any case.
//
// The scheme signs neither the body nor the path: within the timestamp
// window a captured request can be replayed, or its headers reused for
// another body. That is the protocol's property; see
// internal/api/laaffic/README.md.
package laaffic

import (
	"crypto/md5"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Header names.
const (
	HeaderAPIKey    = "Api-Key"
	HeaderTimestamp = "Timestamp"
	HeaderSign      = "Sign"
)

// Sign returns the Sign of apiKey, apiSecret and timestamp (the header's
// text, Unix seconds).
func Sign(apiKey, apiSecret, timestamp string) string {
	sum := md5.Sum([]byte(apiKey + apiSecret + timestamp))
	return hex.EncodeToString(sum[:])
}

// SignRequest sets the three headers of r for apiKey and apiSecret at now.
func SignRequest(r *http.Request, apiKey, apiSecret string, now time.Time) {
	ts := strconv.FormatInt(now.Unix(), 10)
	r.Header.Set(HeaderAPIKey, apiKey)
	r.Header.Set(HeaderTimestamp, ts)
	r.Header.Set(HeaderSign, Sign(apiKey, apiSecret, ts))
}

// Errors of Verify.
var (
	ErrMissing   = errors.New("laaffic: Api-Key, Timestamp or Sign missing or malformed")
	ErrSignature = errors.New("laaffic: Sign does not match")
	ErrExpired   = errors.New("laaffic: Timestamp outside the window")
)

// Headers returns the Api-Key, Timestamp and Sign of r.
func Headers(r *http.Request) (apiKey, timestamp, sign string) {
	return r.Header.Get(HeaderAPIKey), r.Header.Get(HeaderTimestamp), r.Header.Get(HeaderSign)
}

// Verify checks sign against apiKey, apiSecret and timestamp in constant
// time (sign in any case), then that the timestamp lies within window of
// now either way. ErrSignature and ErrMissing come before ErrExpired: a
// caller that knows the signature matched may say who sent an expired
// request.
func Verify(apiKey, apiSecret, timestamp, sign string, now time.Time, window time.Duration) error {
	if apiKey == "" || timestamp == "" || sign == "" {
		return ErrMissing
	}
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return ErrMissing
	}
	want := Sign(apiKey, apiSecret, timestamp)
	if subtle.ConstantTimeCompare([]byte(want), []byte(strings.ToLower(sign))) != 1 {
		return ErrSignature
	}
	if d := now.Sub(time.Unix(sec, 0)); d > window || d < -window {
		return ErrExpired
	}
	return nil
}
