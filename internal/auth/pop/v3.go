package pop

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"
)

// requiredV3 are the headers a V3 request must carry and sign, with the
// parameter name of their Missing{Name} error code.
var requiredV3 = []struct{ header, param string }{
	{"x-acs-action", "Action"},
	{"x-acs-version", "Version"},
	{"x-acs-date", "Timestamp"},
	{"x-acs-signature-nonce", "SignatureNonce"},
	{"x-acs-content-sha256", "ContentSha256"},
}

func verifyV3(r *http.Request, h string, body []byte, keys Keys, now time.Time, opt Options) (Result, error) {
	auth, ts, secret, err := checkV3Headers(r, h, keys, now, opt)
	if err != nil {
		return Result{}, err
	}
	payload := r.Header.Get("x-acs-content-sha256")
	if !hmac.Equal([]byte(strings.ToLower(payload)), []byte(sha256Hex(body))) {
		return Result{}, errBodyHash()
	}
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return Result{}, errDecode()
	}
	// Keys are encoded as values are (RFC 3986), as the published algorithm
	// says. The Go SDK signs its keys unencoded, which is the same for keys
	// of unreserved characters only, every key this API takes; a raw-key
	// form is never tried, since "a%3Db%26c=1" would then read as "a=b&c=1".
	sts := stringToSignV3(canonicalRequest(r, canonicalParams(query), auth.SignedHeaders, payload))
	if !hmac.Equal([]byte(hmacHex(secret, sts)), []byte(strings.ToLower(auth.Signature))) {
		return Result{}, errSignature(sts)
	}
	params, err := requestParams(r, body)
	if err != nil {
		return Result{}, err
	}
	res := result(SchemeV3, auth.AccessKeyID, r.Header.Get("x-acs-action"), r.Header.Get("x-acs-version"), params)
	return admit(opt, res, r.Header.Get("x-acs-signature-nonce"), ts, now)
}

// checkSignedList checks that the signature covers host, the required
// headers, every x-acs-* header of the request and its Content-Type, and
// that every signed header is present.
func checkSignedList(r *http.Request, signed []string) error {
	in := make(map[string]bool, len(signed))
	for _, name := range signed {
		in[name] = true
		if _, ok := headerValue(r, name); !ok {
			return errIncomplete("The signed header " + name + " is missing from the request.")
		}
	}
	must := []string{"host"}
	for _, q := range requiredV3 {
		must = append(must, q.header)
	}
	for name := range r.Header {
		if l := strings.ToLower(name); strings.HasPrefix(l, "x-acs-") || l == "content-type" {
			must = append(must, l)
		}
	}
	for _, name := range must {
		if !in[name] {
			return errIncomplete("The header " + name + " must be signed.")
		}
	}
	return nil
}

// canonicalRequest builds the V3 canonical request over the signed headers
// in the order listed.
func canonicalRequest(r *http.Request, query string, signed []string, payload string) string {
	var b strings.Builder
	b.WriteString(r.Method + "\n" + canonicalURI(r) + "\n" + query + "\n")
	for _, name := range signed {
		v, _ := headerValue(r, name)
		b.WriteString(name + ":" + v + "\n")
	}
	b.WriteString("\n" + strings.Join(signed, ";") + "\n" + payload)
	return b.String()
}

// headerValue returns a header's canonical value: its values trimmed,
// sorted and joined by commas. Host is the Host the client sent, port
// included.
func headerValue(r *http.Request, name string) (string, bool) {
	if name == "host" {
		h := r.Host
		if h == "" && r.URL != nil {
			h = r.URL.Host
		}
		return strings.TrimSpace(h), h != ""
	}
	vs := r.Header.Values(name)
	if len(vs) == 0 {
		return "", false
	}
	trimmed := make([]string, len(vs))
	for i, v := range vs {
		trimmed[i] = strings.TrimSpace(v)
	}
	sort.Strings(trimmed)
	return strings.Join(trimmed, ","), true
}

func stringToSignV3(canonicalRequest string) string {
	return algorithmV3 + "\n" + sha256Hex([]byte(canonicalRequest))
}

func hmacHex(secret, msg string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// SignV3 signs r (whose body is body) with ACS3-HMAC-SHA256 at time now, as
// darabonba-openapi does: it sets x-acs-date, x-acs-signature-nonce (a
// random one when nonce is "") and x-acs-content-sha256, and an
// Authorization signing host, Content-Type if set and every x-acs-* header.
// The caller sets x-acs-action, x-acs-version and the rest first; the Host
// signed is r.Host, or r.URL.Host when empty.
func SignV3(r *http.Request, body []byte, id, secret string, now time.Time, nonce string) error {
	if id == "" {
		return errors.New("pop: SignV3: an AccessKeyId is required")
	}
	if _, ok := headerValue(r, "host"); !ok {
		return errors.New("pop: SignV3: the request has no host")
	}
	if nonce == "" {
		nonce = newNonce()
	}
	r.Header.Set("x-acs-date", now.UTC().Format(timeLayout))
	r.Header.Set("x-acs-signature-nonce", nonce)
	r.Header.Set("x-acs-content-sha256", sha256Hex(body))
	signed := []string{"host"}
	for name := range r.Header {
		if l := strings.ToLower(name); strings.HasPrefix(l, "x-acs-") || l == "content-type" {
			signed = append(signed, l)
		}
	}
	sort.Strings(signed)
	signed = slices.Compact(signed)
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return errors.New("pop: SignV3: the query does not parse")
	}
	cr := canonicalRequest(r, canonicalParams(query), signed, sha256Hex(body))
	a := authorization{AccessKeyID: id, SignedHeaders: signed, Signature: hmacHex(secret, stringToSignV3(cr))}
	r.Header.Set("Authorization", a.String())
	return nil
}

// checkV3Headers checks everything of a V3 request that its headers hold:
// the Authorization's form, the required and signed headers, x-acs-date
// inside the window and a known AccessKeyId. It returns the parsed
// Authorization, the request time and the AccessKeySecret.
func checkV3Headers(r *http.Request, h string, keys Keys, now time.Time, opt Options) (authorization, time.Time, string, error) {
	auth, err := parseAuthorization(h)
	if err != nil {
		return authorization{}, time.Time{}, "", err
	}
	for _, q := range requiredV3 {
		if r.Header.Get(q.header) == "" {
			return authorization{}, time.Time{}, "", errMissing(q.param, q.header)
		}
	}
	if err := checkSignedList(r, auth.SignedHeaders); err != nil {
		return authorization{}, time.Time{}, "", err
	}
	ts, err := checkTime(r.Header.Get("x-acs-date"), now, opt)
	if err != nil {
		return authorization{}, time.Time{}, "", err
	}
	secret, ok := keys.Lookup(auth.AccessKeyID)
	if !ok {
		return authorization{}, time.Time{}, "", errAccessKey()
	}
	return auth, ts, secret, nil
}
