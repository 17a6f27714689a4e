package tc3

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

var (
	now0   = time.Unix(1700000000, 0) // 2023-11-14T22:13:20Z
	cred   = Credential{SecretID: "AKIDTENANT1", SecretKey: "tenant1-secret-key"}
	cred2  = Credential{SecretID: "AKIDTENANT1NEXT", SecretKey: "tenant1-rotated-key"}
	keys   = KeyMap{cred.SecretID: cred.SecretKey, cred2.SecretID: cred2.SecretKey}
	cdrReq = `{"SdkAppId":1400000000,"StartTimeStamp":1699900000,"EndTimeStamp":1700000000}`
)

// signedPOST returns a TC3 POST to host signed by c for service at t.
func signedPOST(t *testing.T, host string, c Credential, service string, at time.Time) *http.Request {
	t.Helper()
	r := httptest.NewRequest("POST", "http://"+host+"/", strings.NewReader(cdrReq))
	r.Header.Set("X-TC-Action", "DescribeTelCdr")
	r.Header.Set("X-TC-Version", "2020-02-10")
	if err := SignTC3(r, []byte(cdrReq), c, service, at); err != nil {
		t.Fatal(err)
	}
	return r
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("error = %v, want code %s", err, code)
	}
	for _, c := range []Credential{cred, cred2} {
		if strings.Contains(e.Message, c.SecretKey) {
			t.Errorf("message %q leaks a secret", e.Message)
		}
	}
}

func TestVerifyTC3(t *testing.T) {
	r := signedPOST(t, "ccc.example.com:8443", cred, "ccc", now0)
	res, err := Verify(r, []byte(cdrReq), keys, now0.Add(30*time.Second), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Scheme != SchemeTC3 || res.SecretID != cred.SecretID || res.Action != "DescribeTelCdr" ||
		res.Version != "2020-02-10" || !res.Timestamp.Equal(now0) || res.Params != nil {
		t.Errorf("Result = %+v", res)
	}
}

func TestVerifyTC3Failures(t *testing.T) {
	post := func() *http.Request { return signedPOST(t, "ccc.example.com", cred, "ccc", now0) }
	for _, tc := range []struct {
		name string
		req  func() *http.Request
		body string
		now  time.Time
		opt  Options
		code string
	}{
		{"6 min old", post, cdrReq, now0.Add(6 * time.Minute), Options{}, CodeSignatureExpire},
		{"6 min ahead", post, cdrReq, now0.Add(-6 * time.Minute), Options{}, CodeSignatureExpire},
		{"window 1m", post, cdrReq, now0.Add(90 * time.Second), Options{Window: time.Minute}, CodeSignatureExpire},
		{"body changed", post, strings.Replace(cdrReq, "1400000000", "1400000001", 1), now0, Options{}, CodeSignatureFailure},
		{"service cvm", func() *http.Request { return signedPOST(t, "ccc.example.com", cred, "cvm", now0) }, cdrReq, now0, Options{}, CodeSignatureFailure},
		{"other port", func() *http.Request {
			r := signedPOST(t, "127.0.0.1:8080", cred, "ccc", now0)
			r.Host = "127.0.0.1:9090"
			return r
		}, cdrReq, now0, Options{}, CodeSignatureFailure},
		{"unknown SecretId", func() *http.Request { return signedPOST(t, "h", Credential{"AKIDNOBODY", "k"}, "ccc", now0) }, cdrReq, now0, Options{}, CodeSecretIDNotFound},
		{"wrong key", func() *http.Request {
			return signedPOST(t, "h", Credential{cred.SecretID, cred2.SecretKey}, "ccc", now0)
		}, cdrReq, now0, Options{}, CodeSignatureFailure},
		{"content-type changed", func() *http.Request {
			r := post()
			r.Header.Set("Content-Type", "application/json; charset=utf-8")
			return r
		}, cdrReq, now0, Options{}, CodeSignatureFailure},
		{"token", func() *http.Request {
			r := post()
			r.Header.Set("X-TC-Token", "temporary-token")
			return r
		}, cdrReq, now0, Options{}, CodeTokenFailure},
		{"unsigned payload refused", func() *http.Request {
			r := post()
			r.Header.Set("X-TC-Content-SHA256", "UNSIGNED-PAYLOAD")
			return r
		}, "{}", now0, Options{AllowUnsignedPayload: false}, CodeSignatureFailure},
		{"no action", func() *http.Request { r := post(); r.Header.Del("X-TC-Action"); return r }, cdrReq, now0, Options{}, CodeMissingParameter},
		{"no version", func() *http.Request { r := post(); r.Header.Del("X-TC-Version"); return r }, cdrReq, now0, Options{}, CodeMissingParameter},
		{"no timestamp", func() *http.Request { r := post(); r.Header.Del("X-TC-Timestamp"); return r }, cdrReq, now0, Options{}, CodeMissingParameter},
		{"bad timestamp", func() *http.Request { r := post(); r.Header.Set("X-TC-Timestamp", "1700000000.5"); return r }, cdrReq, now0, Options{}, CodeInvalidParameter},
		{"no authorization", func() *http.Request { r := post(); r.Header.Del("Authorization"); return r }, cdrReq, now0, Options{}, CodeInvalidAuthorization},
		{"PUT", func() *http.Request { r := post(); r.Method = "PUT"; return r }, cdrReq, now0, Options{}, CodeUnsupportedProtocol},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Verify(tc.req(), []byte(tc.body), keys, tc.now, tc.opt)
			wantCode(t, err, tc.code)
		})
	}
}

// Each refusal above is for its own reason: the same requests pass once
// that reason is removed.
func TestVerifyTC3Controls(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    *http.Request
		now  time.Time
		opt  Options
	}{
		{"4m59s old", signedPOST(t, "h", cred, "ccc", now0), now0.Add(299 * time.Second), Options{}},
		{"service cvm allowed", signedPOST(t, "h", cred, "cvm", now0), now0, Options{Service: "cvm"}},
		{"same port", signedPOST(t, "127.0.0.1:8080", cred, "ccc", now0), now0, Options{}},
		{"rotated key", signedPOST(t, "h", cred2, "ccc", now0), now0, Options{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Verify(tc.r, []byte(cdrReq), keys, tc.now, tc.opt); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestVerifyTC3Token(t *testing.T) {
	r := signedPOST(t, "h", cred, "ccc", now0)
	r.Header.Set("X-TC-Token", "temporary-token")
	res, err := Verify(r, []byte(cdrReq), keys, now0, Options{AllowToken: true})
	if err != nil || res.Token != "temporary-token" {
		t.Fatalf("Verify = %+v, %v", res, err)
	}
}

func TestVerifyTC3UnsignedPayload(t *testing.T) {
	r := httptest.NewRequest("POST", "http://h/", strings.NewReader("{}"))
	r.Header.Set("X-TC-Action", "DescribeTelCdr")
	r.Header.Set("X-TC-Version", "2020-02-10")
	r.Header.Set("X-TC-Content-SHA256", "UNSIGNED-PAYLOAD")
	a := authorization{SecretID: cred.SecretID, Date: "2023-11-14", Service: "ccc", SignedHeaders: []string{"content-type", "host"}}
	signWith(t, r, nil, []byte("UNSIGNED-PAYLOAD"), cred.SecretKey, a, "1700000000")
	if _, err := Verify(r, []byte(`{"any":"body"}`), keys, now0, Options{AllowUnsignedPayload: true}); err != nil {
		t.Fatal(err)
	}
	_, err := Verify(r, []byte(`{"any":"body"}`), keys, now0, Options{})
	wantCode(t, err, CodeSignatureFailure)
}

// signWith signs r by hand with any scope, for the cases SignTC3 cannot
// produce. payload is hashed in place of the body when not nil.
func signWith(t *testing.T, r *http.Request, body, payload []byte, key string, a authorization, ts string) {
	t.Helper()
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-TC-Timestamp", ts)
	if payload != nil {
		body = payload
	}
	crs, err := canonicalRequests(r, body, a, Options{})
	if err != nil {
		t.Fatal(err)
	}
	a.Signature = hmacHex(signingKey(key, a.Date, a.Service), stringToSign(ts, a.scope(), crs[0]))
	r.Header.Set("Authorization", a.String())
}

func TestVerifyTC3ScopeDate(t *testing.T) {
	for _, tc := range []struct {
		date string
		ok   bool
	}{{"2023-11-14", true}, {"2023-11-15", false}, {"2023-11-13", false}} {
		t.Run(tc.date, func(t *testing.T) {
			r := httptest.NewRequest("POST", "http://h/", strings.NewReader(cdrReq))
			r.Header.Set("X-TC-Action", "DescribeTelCdr")
			r.Header.Set("X-TC-Version", "2020-02-10")
			a := authorization{SecretID: cred.SecretID, Date: tc.date, Service: "ccc", SignedHeaders: []string{"content-type", "host"}}
			signWith(t, r, []byte(cdrReq), nil, cred.SecretKey, a, strconv.FormatInt(now0.Unix(), 10))
			_, err := Verify(r, []byte(cdrReq), keys, now0, Options{})
			if tc.ok && err != nil {
				t.Fatal(err)
			}
			if !tc.ok {
				wantCode(t, err, CodeSignatureFailure)
			}
		})
	}
}

// A mixed-case Host verifies whether the client signed it as sent (the
// SDKs) or lower-cased (the published algorithm); the canonical requests
// here are written out by hand.
func TestVerifyTC3HeaderCase(t *testing.T) {
	for name, signedHost := range map[string]string{"as sent": "CCC.Example.com:8443", "lower-cased": "ccc.example.com:8443"} {
		t.Run(name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "http://CCC.Example.com:8443/", strings.NewReader(cdrReq))
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("X-TC-Action", "DescribeTelCdr")
			r.Header.Set("X-TC-Version", "2020-02-10")
			r.Header.Set("X-TC-Timestamp", "1700000000")
			cr := "POST\n/\n\ncontent-type:application/json\nhost:" + signedHost + "\n\ncontent-type;host\n" + sha256Hex([]byte(cdrReq))
			a := authorization{SecretID: cred.SecretID, Date: "2023-11-14", Service: "ccc", SignedHeaders: []string{"content-type", "host"}}
			a.Signature = hmacHex(signingKey(cred.SecretKey, a.Date, a.Service), stringToSign("1700000000", a.scope(), cr))
			r.Header.Set("Authorization", a.String())
			if _, err := Verify(r, []byte(cdrReq), keys, now0, Options{}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestVerifyTC3MalformedAuthorization(t *testing.T) {
	const sig = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	good := authHeader(cred.SecretID, "2023-11-14", "ccc", "content-type;host", sig)
	for name, h := range map[string]string{
		"algorithm HMAC-SHA256": strings.Replace(good, "TC3-HMAC-SHA256", "HMAC-SHA256", 1),
		"algorithm lower case":  strings.Replace(good, "TC3-HMAC-SHA256", "tc3-hmac-sha256", 1),
		"only algorithm":        "TC3-HMAC-SHA256",
		"no Credential":         "TC3-HMAC-SHA256 SignedHeaders=content-type;host, Signature=" + sig,
		"no SignedHeaders":      "TC3-HMAC-SHA256 Credential=" + cred.SecretID + "/2023-11-14/ccc/tc3_request, Signature=" + sig,
		"no Signature":          "TC3-HMAC-SHA256 Credential=" + cred.SecretID + "/2023-11-14/ccc/tc3_request, SignedHeaders=content-type;host",
		"empty Signature":       strings.Replace(good, sig, "", 1),
		"repeated Signature":    good + ", Signature=" + sig,
		"unknown item":          good + ", Nonce=1",
		"item without =":        good + ", junk",
		"scope 3 parts":         strings.Replace(good, "/ccc/tc3_request", "/ccc", 1),
		"scope terminator":      strings.Replace(good, "tc3_request", "aws4_request", 1),
		"scope empty id":        strings.Replace(good, cred.SecretID+"/", "/", 1),
		"scope empty service":   strings.Replace(good, "/ccc/", "//", 1),
		"date format":           strings.Replace(good, "2023-11-14", "20231114", 1),
		"date invalid":          strings.Replace(good, "2023-11-14", "2023-02-30", 1),
		"headers upper case":    strings.Replace(good, "content-type;host", "Content-Type;Host", 1),
		"headers without host":  strings.Replace(good, "content-type;host", "content-type", 1),
		"headers repeated":      strings.Replace(good, "content-type;host", "content-type;host;host", 1),
		"headers empty name":    strings.Replace(good, "content-type;host", "content-type;;host", 1),
		"signed header absent":  strings.Replace(good, "content-type;host", "content-type;host;x-tc-nothing", 1),
		"space in value":        strings.Replace(good, "Signature=", "Signature= ", 1),
	} {
		t.Run(name, func(t *testing.T) {
			r := signedPOST(t, "h", cred, "ccc", now0)
			r.Header.Set("Authorization", h)
			_, err := Verify(r, []byte(cdrReq), keys, now0, Options{})
			wantCode(t, err, CodeInvalidAuthorization)
		})
	}
}

func TestVerifyTC3GetParams(t *testing.T) {
	r := httptest.NewRequest("GET", "http://h/?PageSize=10&Phones.0=%2B8613800000000", nil)
	r.Header.Set("X-TC-Action", "DescribeTelCdr")
	r.Header.Set("X-TC-Version", "2020-02-10")
	if err := SignTC3(r, nil, cred, "ccc", now0); err != nil {
		t.Fatal(err)
	}
	res, err := Verify(r, nil, keys, now0, Options{})
	if err != nil || res.Params["Phones.0"] != "+8613800000000" || len(res.Params) != 2 {
		t.Fatalf("Verify = %+v, %v", res, err)
	}
	r.URL.RawQuery = "PageSize=99&Phones.0=%2B8613800000000"
	_, err = Verify(r, nil, keys, now0, Options{})
	wantCode(t, err, CodeSignatureFailure)
}

// v1Request signs params (plus the common ones) and builds the request.
func v1Request(t *testing.T, method, algo string, c Credential, at time.Time, edit func(url.Values)) (*http.Request, string) {
	t.Helper()
	p := url.Values{
		"Action": {"DescribeTelCdr"}, "Version": {"2020-02-10"}, "Region": {""},
		"Timestamp": {strconv.FormatInt(at.Unix(), 10)}, "Nonce": {"2187319299977581745"},
		"SdkAppId": {"1400000000"}, "Phones.0": {"+86 138 0000 0000"},
	}
	if err := SignV1(p, method, "ccc.example.com:8443", "/", c, algo); err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(p)
	}
	if method == "GET" {
		return httptest.NewRequest("GET", "http://ccc.example.com:8443/?"+p.Encode(), nil), ""
	}
	r := httptest.NewRequest("POST", "http://ccc.example.com:8443/", strings.NewReader(p.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r, p.Encode()
}

func TestVerifyV1(t *testing.T) {
	for _, method := range []string{"GET", "POST"} {
		for _, algo := range []string{"", "HmacSHA1", "HmacSHA256"} {
			t.Run(method+" "+algo, func(t *testing.T) {
				r, body := v1Request(t, method, algo, cred2, now0, nil)
				res, err := Verify(r, []byte(body), keys, now0, Options{})
				if err != nil {
					t.Fatal(err)
				}
				want := Scheme(algo)
				if algo == "" {
					want = SchemeHmacSHA1
				}
				if res.Scheme != want || res.SecretID != cred2.SecretID || res.Params["Phones.0"] != "+86 138 0000 0000" || len(res.Params) != 2 {
					t.Errorf("Result = %+v", res)
				}
			})
		}
	}
}

func TestVerifyV1Failures(t *testing.T) {
	set := func(k, v string) func(url.Values) { return func(p url.Values) { p.Set(k, v) } }
	del := func(k string) func(url.Values) { return func(p url.Values) { p.Del(k) } }
	for _, tc := range []struct {
		name string
		edit func(url.Values)
		now  time.Time
		code string
	}{
		{"tampered", set("SdkAppId", "1400000001"), now0, CodeSignatureFailure},
		{"added", set("PageSize", "100"), now0, CodeSignatureFailure},
		{"method changed", set("SignatureMethod", "HmacSHA256"), now0, CodeSignatureFailure},
		{"expired", nil, now0.Add(6 * time.Minute), CodeSignatureExpire},
		{"unknown SecretId", set("SecretId", "AKIDNOBODY"), now0, CodeSecretIDNotFound},
		{"no Nonce", del("Nonce"), now0, CodeMissingParameter},
		{"no Signature", del("Signature"), now0, CodeMissingParameter},
		{"no Action", del("Action"), now0, CodeMissingParameter},
		{"Nonce not a number", set("Nonce", "abc"), now0, CodeInvalidParameter},
		{"Timestamp not a number", set("Timestamp", "soon"), now0, CodeInvalidParameter},
		{"repeated", func(p url.Values) { p.Add("SdkAppId", "1400000001") }, now0, CodeInvalidParameter},
		{"SignatureMethod MD5", set("SignatureMethod", "MD5"), now0, CodeInvalidParameterValue},
		{"token", set("Token", "temporary-token"), now0, CodeTokenFailure},
	} {
		for _, method := range []string{"GET", "POST"} {
			t.Run(tc.name+" "+method, func(t *testing.T) {
				r, body := v1Request(t, method, "HmacSHA1", cred, now0, tc.edit)
				_, err := Verify(r, []byte(body), keys, tc.now, Options{})
				wantCode(t, err, tc.code)
			})
		}
	}
}

func TestVerifyV1HostAndPath(t *testing.T) {
	r, _ := v1Request(t, "GET", "HmacSHA256", cred, now0, nil)
	r.Host = "ccc.example.com" // port dropped
	_, err := Verify(r, nil, keys, now0, Options{})
	wantCode(t, err, CodeSignatureFailure)

	// Mounted under a prefix: the path signed is the one on the request
	// line, even after http.StripPrefix rewrote r.URL.Path.
	p := url.Values{"Action": {"DescribeTelCdr"}, "Version": {"2020-02-10"}, "Timestamp": {"1700000000"}, "Nonce": {"1"}}
	if err := SignV1(p, "GET", "h", "/tencent/", cred, "HmacSHA256"); err != nil {
		t.Fatal(err)
	}
	var got error = errors.New("handler not reached")
	h := http.StripPrefix("/tencent", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, got = Verify(r, nil, keys, now0, Options{})
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "http://h/tencent/?"+p.Encode(), nil))
	if got != nil {
		t.Fatal(got)
	}
}
