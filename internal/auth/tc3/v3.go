package tc3

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const unsignedPayload = "UNSIGNED-PAYLOAD"

func verifyTC3(r *http.Request, body []byte, keys Keys, now time.Time, opt Options) (Result, error) {
	res, auth, key, err := checkTC3Headers(r, keys, now, opt)
	if err != nil {
		return Result{}, err
	}
	crs, err := canonicalRequests(r, body, auth, opt)
	if err != nil {
		return Result{}, err
	}
	signing := signingKey(key, auth.Date, auth.Service)
	verified := false
	for _, cr := range crs {
		want := hmacHex(signing, stringToSign(r.Header.Get("X-TC-Timestamp"), auth.scope(), cr))
		verified = hmac.Equal([]byte(want), []byte(auth.Signature)) || verified
	}
	if !verified {
		return Result{}, errSignature()
	}
	if r.Method == http.MethodGet {
		params, err := flatParams(r.URL.RawQuery)
		if err != nil {
			return Result{}, err
		}
		res.Params = ownParams(params)
	}
	return res, nil
}

// checkTC3Headers checks everything of a TC3 request that its headers
// hold: the required headers, the Authorization's form, the token rule, the
// timestamp window, a known SecretId and the credential scope. It returns
// the result so far (SecretID set), the parsed Authorization and the
// SecretKey.
func checkTC3Headers(r *http.Request, keys Keys, now time.Time, opt Options) (Result, authorization, string, error) {
	res := Result{
		Scheme:        SchemeTC3,
		Action:        r.Header.Get("X-TC-Action"),
		Version:       r.Header.Get("X-TC-Version"),
		Region:        r.Header.Get("X-TC-Region"),
		Language:      r.Header.Get("X-TC-Language"),
		RequestClient: r.Header.Get("X-TC-RequestClient"),
	}
	tsText := r.Header.Get("X-TC-Timestamp")
	for _, p := range []struct{ name, val string }{
		{"Action", res.Action}, {"Version", res.Version}, {"Timestamp", tsText},
	} {
		if p.val == "" {
			return Result{}, authorization{}, "", errMissing(p.name)
		}
	}
	h := r.Header.Get("Authorization")
	if h == "" {
		return Result{}, authorization{}, "", errAuthorization("the header is missing.")
	}
	auth, err := parseAuthorization(h)
	if err != nil {
		return Result{}, authorization{}, "", err
	}
	if res.Token = r.Header.Get("X-TC-Token"); res.Token != "" && !opt.AllowToken {
		return Result{}, authorization{}, "", errToken()
	}
	if res.Timestamp, err = checkTime(tsText, now, opt); err != nil {
		return Result{}, authorization{}, "", err
	}
	key, ok := keys.Lookup(auth.SecretID)
	if !ok {
		return Result{}, authorization{}, "", errSecretID()
	}
	// The scope must name this service and the date of X-TC-Timestamp: a
	// signature made for another product or day does not count here.
	if auth.Service != opt.service() || auth.Date != res.Timestamp.Format(dateLayout) {
		return Result{}, authorization{}, "", errSignature()
	}
	res.SecretID = auth.SecretID
	return res, auth, key, nil
}

// canonicalRequests returns the canonical request of r: one with the
// signed header values lower-cased as the published algorithm says, and,
// when it differs, one with the values as sent (what the SDKs sign).
func canonicalRequests(r *http.Request, body []byte, a authorization, opt Options) ([]string, error) {
	var lower, asSent strings.Builder
	for _, name := range a.SignedHeaders {
		v, ok := headerValue(r, name)
		if !ok {
			return nil, errAuthorization("signed header `" + name + "` is missing from the request.")
		}
		lower.WriteString(name + ":" + strings.ToLower(v) + "\n")
		asSent.WriteString(name + ":" + v + "\n")
	}
	payload := sha256Hex(body)
	if r.Header.Get("X-TC-Content-SHA256") == unsignedPayload && opt.AllowUnsignedPayload {
		payload = sha256Hex([]byte(unsignedPayload))
	}
	build := func(headers string) string {
		return r.Method + "\n/\n" + r.URL.RawQuery + "\n" + headers + "\n" +
			strings.Join(a.SignedHeaders, ";") + "\n" + payload
	}
	out := []string{build(lower.String())}
	if asSent.String() != lower.String() {
		out = append(out, build(asSent.String()))
	}
	return out, nil
}

// headerValue returns the trimmed value of a signed header; Host is the
// Host the client sent, port included.
func headerValue(r *http.Request, name string) (string, bool) {
	if name == "host" {
		h := host(r)
		return strings.TrimSpace(h), h != ""
	}
	vs := r.Header.Values(name)
	if len(vs) == 0 {
		return "", false
	}
	return strings.TrimSpace(strings.Join(vs, ",")), true
}

func stringToSign(timestamp, scope, canonicalRequest string) string {
	return algorithmTC3 + "\n" + timestamp + "\n" + scope + "\n" + sha256Hex([]byte(canonicalRequest))
}

// signingKey derives the TC3 key of one day and service.
func signingKey(secretKey, date, service string) []byte {
	k := hmacSHA256([]byte("TC3"+secretKey), date)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, scopeEnd)
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

func hmacHex(key []byte, msg string) string { return hex.EncodeToString(hmacSHA256(key, msg)) }

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// SignTC3 signs r (whose body is body) with TC3-HMAC-SHA256 for service at
// time now, as the SDKs do: it sets X-TC-Timestamp, a Content-Type when
// there is none (application/json, or form for GET) and Authorization
// over content-type and host. The caller sets X-TC-Action, X-TC-Version
// and the rest; the Host signed is r.Host, or r.URL.Host when empty.
func SignTC3(r *http.Request, body []byte, cred Credential, service string, now time.Time) error {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		return errors.New("tc3: SignTC3: only GET and POST can be signed")
	}
	if cred.SecretID == "" || service == "" {
		return errors.New("tc3: SignTC3: SecretId and service are required")
	}
	if r.Header.Get("Content-Type") == "" {
		ct := "application/json"
		if r.Method == http.MethodGet {
			ct = "application/x-www-form-urlencoded"
		}
		r.Header.Set("Content-Type", ct)
	}
	ts := strconv.FormatInt(now.Unix(), 10)
	r.Header.Set("X-TC-Timestamp", ts)
	a := authorization{
		SecretID:      cred.SecretID,
		Date:          now.UTC().Format(dateLayout),
		Service:       service,
		SignedHeaders: []string{"content-type", "host"},
	}
	crs, err := canonicalRequests(r, body, a, Options{})
	if err != nil {
		return err
	}
	// Sign the values as sent, as the SDKs do; the verifier accepts both.
	a.Signature = hmacHex(signingKey(cred.SecretKey, a.Date, service), stringToSign(ts, a.scope(), crs[len(crs)-1]))
	r.Header.Set("Authorization", a.String())
	return nil
}
