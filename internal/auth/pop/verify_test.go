package pop

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

const (
	testHost = "ccc.cn-shanghai.aliyuncs.com"
	testID   = "LTAI5tTestKey"
	testKey  = "testSecret"
)

var (
	testKeys = KeyMap{testID: testKey}
	testNow  = time.Date(2026, 11, 21, 20, 57, 15, 0, time.UTC)
)

// signedV3 returns a V3 request signed at signedAt, as a server receives it.
func signedV3(t testing.TB, method, query, body string, signedAt time.Time, extra map[string]string) *http.Request {
	t.Helper()
	r := &http.Request{Method: method, Host: testHost, RequestURI: "/?" + query,
		URL: &url.URL{Path: "/", RawQuery: query}, Header: http.Header{}}
	r.Header.Set("x-acs-action", "ListCallDetailRecords")
	r.Header.Set("x-acs-version", "2020-07-01")
	for k, v := range extra {
		r.Header.Set(k, v)
	}
	if err := SignV3(r, []byte(body), testID, testKey, signedAt, ""); err != nil {
		t.Fatal(err)
	}
	return r
}

const testQuery = "InstanceId=ccc-test&PageNumber=1&PageSize=10&StartTime=1532448000000"

func TestV3(t *testing.T) {
	r := signedV3(t, "POST", testQuery, "", testNow, nil)
	res, err := Verify(r, nil, testKeys, testNow, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Params.Get("InstanceId") != "ccc-test" || res.Action != "ListCallDetailRecords" || res.Scheme != SchemeV3 {
		t.Errorf("result %+v", res)
	}
	// Inside the window either way, inclusive.
	for _, d := range []time.Duration{-15 * time.Minute, 15 * time.Minute} {
		if _, err := Verify(signedV3(t, "POST", testQuery, "", testNow.Add(d), nil), nil, testKeys, testNow, Options{}); err != nil {
			t.Errorf("signed %v from now: %v", d, err)
		}
	}
}

func TestV3Failures(t *testing.T) {
	form := "SkillGroupId=sg%40ccc-test"
	formCT := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	for _, c := range []struct {
		name   string
		req    func() *http.Request
		body   string
		code   string
		status int
	}{
		{"expired 16 min ago", func() *http.Request { return signedV3(t, "POST", testQuery, "", testNow.Add(-16*time.Minute), nil) }, "", CodeTimeStampExpired, 400},
		{"16 min ahead", func() *http.Request { return signedV3(t, "POST", testQuery, "", testNow.Add(16*time.Minute), nil) }, "", CodeTimeStampExpired, 400},
		{"tampered body", func() *http.Request { return signedV3(t, "POST", testQuery, form, testNow, formCT) }, form + "x", CodeSignatureDoesNotMatch, 400},
		{"tampered body hash", func() *http.Request {
			r := signedV3(t, "POST", testQuery, form, testNow, formCT)
			r.Header.Set("x-acs-content-sha256", sha256Hex([]byte("PageSize=100")))
			return r
		}, "PageSize=100", CodeSignatureDoesNotMatch, 400},
		{"tampered query", func() *http.Request {
			r := signedV3(t, "POST", testQuery, "", testNow, nil)
			r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "PageSize=10", "PageSize=100", 1)
			return r
		}, "", CodeSignatureDoesNotMatch, 400},
		{"added query parameter", func() *http.Request {
			r := signedV3(t, "POST", testQuery, "", testNow, nil)
			r.URL.RawQuery += "&ContactId=x"
			return r
		}, "", CodeSignatureDoesNotMatch, 400},
		{"tampered action", func() *http.Request {
			r := signedV3(t, "POST", testQuery, "", testNow, nil)
			r.Header.Set("x-acs-action", "GetCallDetailRecord")
			return r
		}, "", CodeSignatureDoesNotMatch, 400},
		{"tampered host", func() *http.Request {
			r := signedV3(t, "POST", testQuery, "", testNow, nil)
			r.Host = "ccc.aliyuncs.com"
			return r
		}, "", CodeSignatureDoesNotMatch, 400},
		{"header removed from the signed list", func() *http.Request {
			r := signedV3(t, "POST", testQuery, "", testNow, map[string]string{"x-acs-credentials-provider": "static_ak"})
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "x-acs-credentials-provider;", "", 1))
			return r
		}, "", CodeIncompleteSignature, 400},
		{"nonce removed from the signed list", func() *http.Request {
			r := signedV3(t, "POST", testQuery, "", testNow, nil)
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "x-acs-signature-nonce;", "", 1))
			return r
		}, "", CodeIncompleteSignature, 400},
		{"unsigned x-acs header added", func() *http.Request {
			r := signedV3(t, "POST", testQuery, "", testNow, nil)
			r.Header.Set("x-acs-security-token", "t")
			return r
		}, "", CodeIncompleteSignature, 400},
		{"signed header missing", func() *http.Request {
			r := signedV3(t, "POST", testQuery, "", testNow, map[string]string{"x-acs-extra": "1"})
			r.Header.Del("x-acs-extra")
			return r
		}, "", CodeIncompleteSignature, 400},
		{"missing nonce", func() *http.Request {
			r := signedV3(t, "POST", testQuery, "", testNow, nil)
			r.Header.Del("x-acs-signature-nonce")
			return r
		}, "", "MissingSignatureNonce", 400},
		{"missing action", func() *http.Request {
			r := signedV3(t, "POST", testQuery, "", testNow, nil)
			r.Header.Del("x-acs-action")
			return r
		}, "", "MissingAction", 400},
		{"bad date", func() *http.Request {
			r := signedV3(t, "POST", testQuery, "", testNow, nil)
			r.Header.Set("x-acs-date", "2026-11-21 20:57:15")
			return r
		}, "", CodeTimeStampFormat, 400},
		{"unknown key", func() *http.Request {
			r := signedV3(t, "POST", testQuery, "", testNow, nil)
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), testID, "LTAIother", 1))
			return r
		}, "", CodeAccessKeyNotFound, 404},
		{"SM3", func() *http.Request {
			r := signedV3(t, "POST", testQuery, "", testNow, nil)
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "ACS3-HMAC-SHA256", "ACS3-HMAC-SM3", 1))
			return r
		}, "", CodeInvalidSignatureMethod, 400},
		{"malformed authorization", func() *http.Request {
			r := signedV3(t, "POST", testQuery, "", testNow, nil)
			r.Header.Set("Authorization", "ACS3-HMAC-SHA256 Credential="+testID)
			return r
		}, "", CodeIncompleteSignature, 400},
		{"PUT", func() *http.Request { return signedV3(t, "PUT", testQuery, "", testNow, nil) }, "", CodeUnsupportedHTTPMethod, 400},
		{"no signature", func() *http.Request {
			return &http.Request{Method: "GET", Host: testHost, URL: &url.URL{Path: "/", RawQuery: testQuery}, Header: http.Header{}}
		}, "", CodeIncompleteSignature, 400},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := verifyErr(c.req(), []byte(c.body), testKeys, testNow)
			wantCode(t, err, c.code, c.status)
			if strings.Contains(err.Error(), testKey) {
				t.Errorf("message %q holds the secret", err)
			}
		})
	}
}

func TestV3ExtraSignedHeaderAndForm(t *testing.T) {
	form := "SkillGroupId=sg%40ccc-test&Criteria=%7B%7D"
	r := signedV3(t, "POST", testQuery, form, testNow, map[string]string{
		"Content-Type": "application/x-www-form-urlencoded", "x-acs-credentials-provider": "static_ak", "x-acs-extra": "  padded  "})
	if a := r.Header.Get("Authorization"); !strings.Contains(a, "SignedHeaders=content-type;host;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-extra;") {
		t.Fatalf("signed list %s", a)
	}
	res, err := Verify(r, []byte(form), testKeys, testNow, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Params.Get("SkillGroupId") != "sg@ccc-test" || res.Params.Get("PageSize") != "10" {
		t.Errorf("params %v", res.Params)
	}
}

func TestNonceReplay(t *testing.T) {
	opt := Options{Nonces: NewNonceStore(DefaultWindow, nil)}
	r := signedV3(t, "POST", testQuery, "", testNow, nil)
	if _, err := Verify(r, nil, testKeys, testNow, opt); err != nil {
		t.Fatal(err)
	}
	_, err := Verify(r, nil, testKeys, testNow.Add(time.Minute), opt)
	wantCode(t, err, CodeSignatureNonceUsed, 400)

	p := rpcParams()
	SignRPC(p, "GET", testID, testKey, testNow, "n-1")
	g := rpcGET(p)
	if _, err := Verify(g, nil, testKeys, testNow, opt); err != nil {
		t.Fatal(err)
	}
	_, err = Verify(g, nil, testKeys, testNow, opt)
	wantCode(t, err, CodeSignatureNonceUsed, 400)
	// The same nonce from another key is another nonce.
	other := rpcParams()
	SignRPC(other, "GET", "LTAIsecond", "k2", testNow, "n-1")
	if _, err := Verify(rpcGET(other), nil, KeyMap{"LTAIsecond": "k2"}, testNow, opt); err != nil {
		t.Fatal(err)
	}
	// A failed signature does not burn the nonce.
	bad := rpcParams()
	SignRPC(bad, "GET", testID, "wrong", testNow, "n-2")
	wantCode(t, verifyErrOpt(rpcGET(bad), opt), CodeSignatureDoesNotMatch, 400)
	good := rpcParams()
	SignRPC(good, "GET", testID, testKey, testNow, "n-2")
	if err := verifyErrOpt(rpcGET(good), opt); err != nil {
		t.Fatal(err)
	}
}

func rpcParams() url.Values {
	return url.Values{"Action": {"ListCallDetailRecords"}, "Version": {"2020-07-01"},
		"InstanceId": {"ccc-test"}, "PageNumber": {"1"}, "PageSize": {"10"}}
}

func rpcGET(p url.Values) *http.Request {
	return &http.Request{Method: "GET", Host: testHost, URL: &url.URL{Path: "/", RawQuery: p.Encode()}, Header: http.Header{}}
}

func verifyErrOpt(r *http.Request, opt Options) error {
	_, err := Verify(r, nil, testKeys, testNow, opt)
	return err
}

// Only the RFC 3986 canonical query verifies: keys are percent-encoded as
// values are, so an encoded "=" or "&" inside a key cannot make one
// parameter's canonical form read as several.
func TestV3SmuggledQueryKey(t *testing.T) {
	const signed = "InstanceId=ccc-demo&PageNumber=1&PageSize=10"
	r := signedV3(t, "POST", signed, "", testNow, nil)
	if _, err := Verify(r, nil, testKeys, testNow, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"InstanceId%3Dccc-demo%26PageNumber=1&PageSize=10", // one key "InstanceId=ccc-demo&PageNumber"
		"InstanceId=ccc-demo%26PageNumber%3D1&PageSize=10", // a value holding the rest: a value was always encoded
	} {
		s := signedV3(t, "POST", signed, "", testNow, nil)
		s.URL.RawQuery, s.RequestURI = q, "/?"+q
		wantCode(t, verifyErr(s, nil, testKeys, testNow), CodeSignatureDoesNotMatch, 400)
	}
}
