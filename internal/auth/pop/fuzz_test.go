package pop

import (
	"crypto/rand"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"testing"
)

func FuzzParseAuthorization(f *testing.F) {
	f.Add(algorithmV3 + " Credential=" + testID + ",SignedHeaders=" + docSignedHeaders + ",Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0")
	f.Add(algorithmV3 + " Signature=abc, SignedHeaders=host;x-acs-date ,  Credential=A=B")
	f.Add(algorithmV3 + " Credential=a,Credential=b,SignedHeaders=host;host,Signature=x")
	f.Add("ACS3-HMAC-SM3 Credential=a,SignedHeaders=host,Signature=x")
	f.Add(algorithmV3)
	f.Add("")
	f.Fuzz(func(t *testing.T, h string) {
		a, err := parseAuthorization(h)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || (e.Code != CodeIncompleteSignature && e.Code != CodeInvalidSignatureMethod) || e.Status != 400 {
				t.Fatalf("error %v is not IncompleteSignature or InvalidSignatureMethod", err)
			}
			return
		}
		if a.AccessKeyID == "" || a.Signature == "" || len(a.SignedHeaders) == 0 {
			t.Fatalf("parsed %q into an incomplete %#v", h, a)
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

// FuzzVerify feeds arbitrary method, headers, query and body. Against a
// secret made up at run time nothing may verify; against the known secret
// the seeds do, which leads the fuzzer deep into the checks. Neither may
// panic, and every failure is an *Error with a 4xx status.
func FuzzVerify(f *testing.F) {
	unknown := KeyMap{testID: rand.Text()}
	for _, seed := range []struct{ method, query, body, ct string }{
		{"POST", testQuery, "", ""},
		{"POST", testQuery, "SkillGroupId=sg%40ccc-test", "application/x-www-form-urlencoded"},
		{"GET", "Criteria=%7B%7D&Empty=", "", ""},
	} {
		h := map[string]string{}
		if seed.ct != "" {
			h["Content-Type"] = seed.ct
		}
		r := signedV3(f, seed.method, seed.query, seed.body, testNow, h)
		if _, err := Verify(r, []byte(seed.body), testKeys, testNow, Options{}); err != nil {
			f.Fatalf("seed does not verify: %v", err)
		}
		f.Add(r.Method, r.Header.Get("Content-Type"), r.Header.Get("Authorization"), r.Header.Get("x-acs-date"),
			r.Header.Get("x-acs-signature-nonce"), r.Header.Get("x-acs-content-sha256"), r.URL.RawQuery, []byte(seed.body))
	}
	p := rpcParams()
	p.Set("SignatureType", "")
	SignRPC(p, "GET", testID, testKey, testNow, "n")
	f.Add("GET", "", "", "", "", "", p.Encode(), []byte(nil))
	SignRPC(p, "POST", testID, testKey, testNow, "n")
	f.Add("POST", "application/x-www-form-urlencoded", "", "", "", "", "", []byte(p.Encode()))

	f.Fuzz(func(t *testing.T, method, contentType, authz, date, nonce, bodyHash, query string, body []byte) {
		r := &http.Request{Method: method, Host: testHost, URL: &url.URL{Path: "/", RawQuery: query}, Header: http.Header{}}
		for k, v := range map[string]string{
			"Content-Type": contentType, "Authorization": authz, "x-acs-date": date,
			"x-acs-signature-nonce": nonce, "x-acs-content-sha256": bodyHash,
			"x-acs-action": "ListCallDetailRecords", "x-acs-version": "2020-07-01",
		} {
			if v != "" {
				r.Header.Set(k, v)
			}
		}
		if res, err := Verify(r, body, unknown, testNow, Options{}); err == nil {
			t.Fatalf("verified without the key: %+v", res)
		}
		res, err := Verify(r, body, testKeys, testNow, Options{})
		// What the headers refuse before the body is read, Verify refuses
		// with the same error: CheckHeaders never turns a good request away.
		if herr := CheckHeaders(r, testKeys, testNow, Options{}); herr != nil && (err == nil || herr.Error() != err.Error()) {
			t.Fatalf("CheckHeaders: %v; Verify: %v", herr, err)
		}
		var e *Error
		if err != nil && (!errors.As(err, &e) || e.Status < 400 || e.Status > 499 || e.Code == "") {
			t.Fatalf("error %v is not a 4xx *Error", err)
		}
		if err == nil && (res.AccessKeyID != testID || res.Action == "" || res.Version == "") {
			t.Fatalf("verified with an odd result %+v", res)
		}
	})
}
