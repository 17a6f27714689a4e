// Package pop verifies and signs Alibaba Cloud POP (OpenAPI) requests, the
// authentication of cdrhub's Alibaba-compatible API (CCC
// ListCallDetailRecords, version 2020-07-01).
//
// Two schemes are accepted, as the official SDKs send them:
//
//   - V3 ACS3-HMAC-SHA256 (the default of darabonba-openapi v2): an
//     Authorization header signing a canonical request built from the
//     method, the path, the sorted RFC 3986 query, the headers listed in
//     its SignedHeaders and x-acs-content-sha256, the hex SHA-256 of the
//     body, with HMAC-SHA256 keyed by the AccessKeySecret.
//   - RPC v1 (SignatureMethod HMAC-SHA1, SignatureVersion 1.0; darabonba
//     with SignatureAlgorithm "v2", the legacy alibaba-cloud-sdk-go and
//     hand-written clients): a Signature parameter, base64 HMAC-SHA1 keyed
//     by AccessKeySecret+"&" over METHOD&%2F&pct(sorted query and form
//     parameters).
//
// Verify checks a request against the caller's key table and returns what
// it authenticated; a failure is an *Error carrying the gateway's error
// code, message and HTTP status. SignV3 and SignRPC sign requests the same
// way, for tests and cdrhub's own tools. README.md in this directory
// describes the protocol as implemented, traps included.
package pop

import (
	"crypto/rand"
	"encoding/hex"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/cdrhub/cdrhub/internal/auth"
)

// Keys finds the secret of a key id (AccessKeyId → AccessKeySecret).
type Keys = auth.Keys

// KeyMap is a Keys backed by a map.
type KeyMap = auth.KeyMap

// Scheme names the signature scheme of a verified request.
type Scheme string

// The schemes Verify accepts.
const (
	SchemeV3  Scheme = "ACS3-HMAC-SHA256"
	SchemeRPC Scheme = "HMAC-SHA1" // RPC v1, SignatureVersion 1.0
)

// DefaultWindow is how far x-acs-date or Timestamp may be from now.
const DefaultWindow = 15 * time.Minute

// timeLayout is the format of x-acs-date and Timestamp (UTC).
const timeLayout = "2006-01-02T15:04:05Z"

// Options tune Verify. The zero value checks everything but nonce reuse.
type Options struct {
	// Window is how far x-acs-date (V3) or Timestamp (RPC) may be from
	// now either way, inclusive; zero or less means DefaultWindow.
	Window time.Duration
	// Nonces remembers the nonces of verified requests; a nonce seen again
	// from the same AccessKeyId inside the window is refused
	// (SignatureNonceUsed), and so is any request of a key whose nonces
	// are at their capacity (Throttling.User). Nil skips the check;
	// servers should set it.
	Nonces *NonceStore
	// Admit, when set, is called with the Result once the signature has
	// matched and the nonce is found fresh, before the nonce is recorded.
	// An error it returns is Verify's, and the nonce stays unused. A
	// server runs its rate limit here: a request it throttles can be sent
	// again with the same nonce, and neither an unsigned request nor a
	// replay takes a token.
	Admit func(Result) error
}

func (o Options) window() time.Duration {
	if o.Window <= 0 {
		return DefaultWindow
	}
	return o.Window
}

// Result is what Verify authenticated.
type Result struct {
	Scheme      Scheme
	AccessKeyID string
	Action      string
	Version     string
	// Params holds the query and form-body parameters other than the RPC
	// common ones (Action, Version, Format, Timestamp, SignatureNonce,
	// SignatureMethod, SignatureVersion, SignatureType, AccessKeyId,
	// Signature, SecurityToken, RegionId), in both schemes.
	Params   url.Values
	RegionID string // the RegionId parameter, if any
}

var commonParams = map[string]bool{
	"Action": true, "Version": true, "Format": true, "Timestamp": true,
	"SignatureNonce": true, "SignatureMethod": true, "SignatureVersion": true,
	"SignatureType": true, "AccessKeyId": true, "Signature": true,
	"SecurityToken": true, "RegionId": true,
}

// Verify authenticates r, whose body the caller has already read into body
// (within its own size limit), against keys at time now. It uses V3 when
// Authorization starts with "ACS3-", RPC v1 when a Signature parameter is in
// the query or a form body, and fails with IncompleteSignature otherwise.
// The signature is checked first, then the nonce's freshness, then
// opt.Admit, and only then is the nonce recorded. On failure it returns an
// *Error, or the error opt.Admit returned.
func Verify(r *http.Request, body []byte, keys Keys, now time.Time, opt Options) (Result, error) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		return Result{}, errHTTPMethod()
	}
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "ACS3-") {
		return verifyV3(r, h, body, keys, now, opt)
	}
	params, err := requestParams(r, body)
	if err != nil {
		return Result{}, err
	}
	if _, ok := params["Signature"]; ok {
		return verifyRPC(r, params, keys, now, opt)
	}
	return Result{}, errIncomplete("")
}

// CheckHeaders checks what a V3 request's headers alone can prove, before
// its body is read: the Authorization's form, the required and signed
// headers, a fresh x-acs-date and a known AccessKeyId. It returns the *Error
// Verify would, or nil; a request without an ACS3 Authorization (RPC, whose
// credentials travel in its parameters) passes unchecked. A server reads the
// body of a V3 request only after CheckHeaders passed, then calls Verify.
func CheckHeaders(r *http.Request, keys Keys, now time.Time, opt Options) error {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		return errHTTPMethod()
	}
	if h := r.Header.Get("Authorization"); IsV3(r) {
		_, _, _, err := checkV3Headers(r, h, keys, now, opt)
		return err
	}
	return nil
}

// IsV3 reports whether r is signed with ACS3 (an Authorization header
// starting with "ACS3-").
func IsV3(r *http.Request) bool { return strings.HasPrefix(r.Header.Get("Authorization"), "ACS3-") }

// requestParams returns the query parameters followed by those of an
// x-www-form-urlencoded body.
func requestParams(r *http.Request, body []byte) (url.Values, error) {
	params, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, errDecode()
	}
	if isForm(r.Header.Get("Content-Type")) && len(body) > 0 {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, errDecode()
		}
		for k, vs := range form {
			params[k] = append(params[k], vs...)
		}
	}
	return params, nil
}

func isForm(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/x-www-form-urlencoded"
}

// checkTime parses an x-acs-date or Timestamp value and checks that it lies
// within the window around now.
func checkTime(s string, now time.Time, opt Options) (time.Time, error) {
	ts, err := time.Parse(timeLayout, s)
	if err != nil {
		return time.Time{}, errTimeFormat()
	}
	if d := ts.Sub(now); d > opt.window() || d < -opt.window() {
		return time.Time{}, errExpired()
	}
	return ts, nil
}

// result builds the Result common to both schemes.
func result(s Scheme, id, action, version string, params url.Values) Result {
	own := url.Values{}
	for k, vs := range params {
		if !commonParams[k] {
			own[k] = vs
		}
	}
	return Result{Scheme: s, AccessKeyID: id, Action: action, Version: version,
		Params: own, RegionID: params.Get("RegionId")}
}

// pct percent-encodes s as RFC 3986 says: the unreserved A-Z a-z 0-9 - _ . ~
// stay, every other byte becomes %XX with upper-case hex.
func pct(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}

// canonicalParams joins params sorted by key (byte order; repeated keys
// keep their order) as key=value pairs with "&", keys and values encoded
// by pct.
func canonicalParams(params url.Values) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, v := range params[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(pct(k) + "=" + pct(v))
		}
	}
	return b.String()
}

// canonicalURI returns the path as sent on the request line: a server
// request keeps it in RequestURI even after http.StripPrefix rewrote URL.
func canonicalURI(r *http.Request) string {
	p := r.URL.EscapedPath()
	if u, err := url.ParseRequestURI(r.RequestURI); err == nil && r.RequestURI != "" {
		p = u.EscapedPath()
	}
	if p == "" {
		return "/"
	}
	return p
}

// newNonce returns 16 random bytes in hex, as the SDKs' nonces look.
func newNonce() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}
