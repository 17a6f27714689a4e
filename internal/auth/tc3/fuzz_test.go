package tc3

import (
	"crypto/rand"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"testing"
	"time"
)

func FuzzParseAuthorization(f *testing.F) {
	f.Add(authHeader(sdkSecretID, "2026-11-21", "ccc", "content-type;host", "9283f30a9e73a8d6e9bcaf7e25d47752ca37da09816600d036b6066d8375b940"))
	f.Add("TC3-HMAC-SHA256 Signature=abc,SignedHeaders=content-type;host;x-tc-action ,  Credential=A/2019-02-25/cvm/tc3_request")
	f.Add("TC3-HMAC-SHA256 Credential=A=B/2019-02-29/cvm/tc3_request, SignedHeaders=host;content-type, Signature=x")
	f.Add("TC3-HMAC-SHA256")
	f.Add("")
	f.Fuzz(func(t *testing.T, h string) {
		a, err := parseAuthorization(h)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code != CodeInvalidAuthorization {
				t.Fatalf("error %v is not InvalidAuthorization", err)
			}
			return
		}
		s := a.String()
		b, err := parseAuthorization(s)
		if err != nil {
			t.Fatalf("re-rendered %q does not parse: %v", s, err)
		}
		if !reflect.DeepEqual(a, b) || b.String() != s {
			t.Fatalf("round trip changed %#v into %#v", a, b)
		}
	})
}

// FuzzVerify feeds arbitrary headers, query and body. Against a key made
// up at run time nothing may verify; against the known key the seeds do,
// which leads the fuzzer deep into the checks. Neither may panic.
func FuzzVerify(f *testing.F) {
	unknown := KeyMap{sdkSecretID: rand.Text()}
	known := KeyMap{sdkSecretID: sdkSecretKey}
	now := time.Unix(sdkTime, 0)

	for _, seed := range []struct{ method, query, body string }{
		{"POST", "", `{"SdkAppId":1400000000}`},
		{"GET", "PageSize=10&Phones.0=%2B86138", ""},
	} {
		r := signedSeed(f, seed.method, seed.query, seed.body, now)
		if _, err := Verify(r, []byte(seed.body), known, now, Options{}); err != nil {
			f.Fatalf("seed %s does not verify: %v", seed.method, err)
		}
		f.Add(r.Method, r.Host, r.Header.Get("Content-Type"), r.Header.Get("Authorization"),
			r.Header.Get("X-TC-Timestamp"), "DescribeTelCdr", "", r.URL.RawQuery, []byte(seed.body))
	}
	p := url.Values{"Action": {"DescribeTelCdr"}, "Version": {"2020-02-10"}, "Timestamp": {"1795294593"}, "Nonce": {"7"}, "Region": {""}}
	if err := SignV1(p, "GET", sdkHost, "/", Credential{sdkSecretID, sdkSecretKey}, "HmacSHA256"); err != nil {
		f.Fatal(err)
	}
	f.Add("GET", sdkHost, "", "", "", "", "", p.Encode(), []byte(nil))
	f.Add("POST", sdkHost, "application/x-www-form-urlencoded", "", "", "", "", "", []byte(p.Encode()))

	f.Fuzz(func(t *testing.T, method, host, contentType, authz, ts, action, token, query string, body []byte) {
		r := &http.Request{Method: method, Host: host, URL: &url.URL{Path: "/", RawQuery: query}, Header: http.Header{}}
		for k, v := range map[string]string{
			"Content-Type": contentType, "Authorization": authz, "X-TC-Timestamp": ts,
			"X-TC-Action": action, "X-TC-Token": token, "X-TC-Version": "2020-02-10",
		} {
			if v != "" {
				r.Header.Set(k, v)
			}
		}
		if res, err := Verify(r, body, unknown, now, Options{AllowToken: true}); err == nil {
			t.Fatalf("verified without the key: %+v", res)
		}
		res, err := Verify(r, body, known, now, Options{AllowToken: true})
		var e *Error
		if err != nil && !errors.As(err, &e) {
			t.Fatalf("error %v is not an *Error", err)
		}
		// What the headers refuse before the body is read, Verify refuses
		// with the same error: CheckHeaders never turns a good request away.
		if herr := CheckHeaders(r, known, now, Options{AllowToken: true}); herr != nil && (err == nil || herr.Error() != err.Error()) {
			t.Fatalf("CheckHeaders: %v; Verify: %v", herr, err)
		}
		if err == nil && (res.SecretID != sdkSecretID || res.Action == "" || res.Version == "") {
			t.Fatalf("verified with an odd result %+v", res)
		}
	})
}

func signedSeed(f *testing.F, method, query, body string, now time.Time) *http.Request {
	r := &http.Request{Method: method, Host: sdkHost, URL: &url.URL{Path: "/", RawQuery: query}, Header: http.Header{}}
	r.Header.Set("X-TC-Action", "DescribeTelCdr")
	r.Header.Set("X-TC-Version", "2020-02-10")
	if err := SignTC3(r, []byte(body), Credential{sdkSecretID, sdkSecretKey}, "ccc", now); err != nil {
		f.Fatal(err)
	}
	return r
}
