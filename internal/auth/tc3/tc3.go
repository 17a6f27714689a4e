// Package tc3 verifies and signs Tencent Cloud API 3.0 requests, the
// authentication of cdrhub's Tencent-compatible API (CCC DescribeTelCdr).
//
// Two schemes are accepted, as the official SDKs send them:
//
//   - TC3-HMAC-SHA256 (signature v3, the default of every SDK): an
//     Authorization header signing a canonical request built from the
//     method, "/", the raw query, the headers listed in SignedHeaders
//     (Host with its port) and SHA-256 of the raw body, with a key derived
//     from the SecretKey, the UTC date of X-TC-Timestamp and the service
//     ("ccc").
//   - The legacy signature v1 (SignatureMethod HmacSHA1, the default, or
//     HmacSHA256): all parameters in the GET query or the form-encoded POST
//     body, signed over METHOD+host+path+"?"+the sorted parameters with
//     their decoded values.
//
// Verify checks a request against the caller's key table and returns what
// it authenticated; a failure is an *Error carrying the API 3.0 error code
// and message the real service would answer. SignTC3 and SignV1 sign
// requests the same way, for tests and cdrhub's own tools. README.md in
// this directory describes the protocol as implemented, traps included.
package tc3

import (
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/cdrhub/cdrhub/internal/auth"
)

// Credential is one SecretId and its SecretKey.
type Credential struct {
	SecretID, SecretKey string
}

// Keys finds the secret of a key id (SecretId → SecretKey).
type Keys = auth.Keys

// KeyMap is a Keys backed by a map.
type KeyMap = auth.KeyMap

// Scheme names the signature scheme of a verified request.
type Scheme string

// The schemes Verify accepts.
const (
	SchemeTC3        Scheme = "TC3-HMAC-SHA256"
	SchemeHmacSHA1   Scheme = "HmacSHA1"
	SchemeHmacSHA256 Scheme = "HmacSHA256"
)

// Defaults of Options.
const (
	DefaultService = "ccc"
	DefaultWindow  = 5 * time.Minute
)

// Options tune Verify. The zero value is the strict default.
type Options struct {
	// Service is the service a TC3 credential scope must name; "" means
	// DefaultService.
	Service string
	// Window is how far X-TC-Timestamp (or Timestamp) may be from now
	// either way; zero or less means DefaultWindow.
	Window time.Duration
	// AllowToken accepts requests carrying X-TC-Token (or Token). The
	// token is returned in Result.Token; under TC3 it is not signed.
	AllowToken bool
	// AllowUnsignedPayload accepts TC3 requests sent with
	// "X-TC-Content-SHA256: UNSIGNED-PAYLOAD", whose body is then not
	// covered by the signature.
	AllowUnsignedPayload bool
}

func (o Options) service() string {
	if o.Service == "" {
		return DefaultService
	}
	return o.Service
}

func (o Options) window() time.Duration {
	if o.Window <= 0 {
		return DefaultWindow
	}
	return o.Window
}

// Result is what Verify authenticated. Under TC3, Action, Version, Region,
// Token and Language come from X-TC-* headers that the signature covers
// only when SignedHeaders lists them, and the SDKs sign content-type;host
// alone: a replay may change them. Under v1 they are signed parameters.
type Result struct {
	Scheme        Scheme
	SecretID      string
	Action        string
	Version       string
	Region        string
	Timestamp     time.Time
	Token         string // only with Options.AllowToken
	Language      string
	RequestClient string
	Nonce         string // v1 only
	// Params holds the request parameters other than the common ones: for
	// v1 the query (GET) or form body (POST), for TC3 GET the query. It is
	// nil for a TC3 POST, whose JSON body is the caller's business.
	Params map[string]string
}

// commonParams are the v1 parameters that are not the API's own.
var commonParams = map[string]bool{
	"Action": true, "Version": true, "Region": true, "Timestamp": true,
	"Nonce": true, "SecretId": true, "Signature": true, "SignatureMethod": true,
	"Token": true, "Language": true, "RequestClient": true,
}

// Verify authenticates r, whose body the caller has already read into body
// (within its own size limit), against keys at time now. It picks TC3 when
// the request has an Authorization or X-TC-Action header or is neither a
// GET nor a form POST, and v1 otherwise. On failure it returns an *Error.
func Verify(r *http.Request, body []byte, keys Keys, now time.Time, opt Options) (Result, error) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		return Result{}, errUnsupportedMethod()
	}
	if isV1(r) {
		return verifyV1(r, body, keys, now, opt)
	}
	return verifyTC3(r, body, keys, now, opt)
}

// CheckHeaders checks what a TC3 request's headers alone can prove, before
// its body is read: the required headers, the Authorization's form, a known
// SecretId, the credential scope and a timestamp inside the window. It
// returns the *Error Verify would, or nil; a v1 request (whose credentials
// travel in its parameters) passes unchecked. A server reads the body of a
// TC3 request only after CheckHeaders passed, then calls Verify.
func CheckHeaders(r *http.Request, keys Keys, now time.Time, opt Options) error {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		return errUnsupportedMethod()
	}
	if isV1(r) {
		return nil
	}
	_, _, _, err := checkTC3Headers(r, keys, now, opt)
	return err
}

// IsTC3 reports whether Verify would take r for a TC3 request: it has an
// Authorization or X-TC-Action header, or is neither a GET nor a form POST.
func IsTC3(r *http.Request) bool { return !isV1(r) }

func isV1(r *http.Request) bool {
	if r.Header.Get("Authorization") != "" || r.Header.Get("X-TC-Action") != "" {
		return false
	}
	return r.Method == http.MethodGet || isForm(r.Header.Get("Content-Type"))
}

func isForm(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/x-www-form-urlencoded"
}

// checkTime parses a Timestamp value and checks it lies within the window.
func checkTime(s string, now time.Time, opt Options) (time.Time, error) {
	ts, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, errTypeError("Timestamp")
	}
	w := int64(opt.window() / time.Second)
	if n := now.Unix(); ts < n-w || ts > n+w {
		return time.Time{}, errExpired()
	}
	return time.Unix(ts, 0).UTC(), nil
}

// host returns the Host the client sent, port included.
func host(r *http.Request) string {
	if r.Host != "" {
		return r.Host
	}
	return r.URL.Host
}

// path returns the request path as sent on the request line: a server
// request keeps it in RequestURI even after http.StripPrefix rewrote URL.
func path(r *http.Request) string {
	p := r.URL.EscapedPath()
	if u, err := url.ParseRequestURI(r.RequestURI); err == nil && r.RequestURI != "" {
		p = u.EscapedPath()
	}
	if p == "" {
		return "/"
	}
	return p
}

// flatParams turns query values into a map, rejecting repeated keys: the
// SDKs never repeat one and a repeat would make the signed string ambiguous.
func flatParams(raw string) (map[string]string, error) {
	vals, err := url.ParseQuery(raw)
	if err != nil {
		return nil, errDecode()
	}
	m := make(map[string]string, len(vals))
	for k, v := range vals {
		if len(v) != 1 {
			return nil, errDuplicate(k)
		}
		m[k] = v[0]
	}
	return m, nil
}

// ownParams returns the parameters of m that are not common ones.
func ownParams(m map[string]string) map[string]string {
	own := make(map[string]string, len(m))
	for k, v := range m {
		if !commonParams[k] {
			own[k] = v
		}
	}
	return own
}
