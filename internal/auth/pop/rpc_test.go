package pop

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The legacy alibaba-cloud-sdk-go signs RegionId and an empty
// SignatureType=, and sends a form Content-Type.
func TestRPCLegacy(t *testing.T) {
	p := rpcParams()
	p.Set("RegionId", "cn-shanghai")
	p.Set("SignatureType", "")
	p.Set("Criteria", `{"phoneNumber":"0735"}`)
	SignRPC(p, "POST", testID, testKey, testNow, "")
	if sts := stringToSignRPC("POST", p); !strings.Contains(sts, "%26SignatureType%3D%26") || !strings.Contains(sts, "Timestamp%3D2026-11-21T20%253A57%253A15Z") {
		t.Fatalf("string to sign %s", sts)
	}
	r := &http.Request{Method: "POST", Host: testHost, URL: &url.URL{Path: "/", RawQuery: p.Encode()}, Header: http.Header{}}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := Verify(r, nil, testKeys, testNow, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.RegionID != "cn-shanghai" || res.Params.Has("SignatureType") || res.Params.Get("Criteria") != `{"phoneNumber":"0735"}` {
		t.Errorf("result %+v", res)
	}
	// Dropping the empty SignatureType= breaks the signature.
	q := cloneValues(p)
	q.Del("SignatureType")
	r.URL.RawQuery = q.Encode()
	wantCode(t, verifyErr(r, nil, testKeys, testNow), CodeSignatureDoesNotMatch, 400)
}

// Parameters split between the query and a form body are signed together.
func TestRPCFormBody(t *testing.T) {
	p := rpcParams()
	p.Set("SkillGroupId", "sg@ccc-test")
	SignRPC(p, "POST", testID, testKey, testNow, "")
	query, form := url.Values{}, url.Values{}
	for k, vs := range p {
		if k == "InstanceId" || k == "SkillGroupId" || k == "Signature" {
			form[k] = vs
		} else {
			query[k] = vs
		}
	}
	r := &http.Request{Method: "POST", Host: testHost, URL: &url.URL{Path: "/", RawQuery: query.Encode()}, Header: http.Header{}}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	body := []byte(form.Encode())
	res, err := Verify(r, body, testKeys, testNow, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Params.Get("SkillGroupId") != "sg@ccc-test" || res.Params.Get("InstanceId") != "ccc-test" || res.Scheme != SchemeRPC {
		t.Errorf("result %+v", res)
	}
	// Without the form Content-Type the body is not parameters at all.
	r.Header.Del("Content-Type")
	wantCode(t, verifyErr(r, body, testKeys, testNow), CodeIncompleteSignature, 400)
	// A tampered form value fails.
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	form.Set("SkillGroupId", "other")
	wantCode(t, verifyErr(r, []byte(form.Encode()), testKeys, testNow), CodeSignatureDoesNotMatch, 400)
}

func TestRPCFailures(t *testing.T) {
	for _, c := range []struct {
		name   string
		edit   func(p url.Values) // after signing
		at     time.Duration
		code   string
		status int
	}{
		{"tampered parameter", func(p url.Values) { p.Set("PageSize", "100") }, 0, CodeSignatureDoesNotMatch, 400},
		{"added parameter", func(p url.Values) { p.Set("ContactId", "x") }, 0, CodeSignatureDoesNotMatch, 400},
		{"expired", nil, -16 * time.Minute, CodeTimeStampExpired, 400},
		{"ahead", nil, 16 * time.Minute, CodeTimeStampExpired, 400},
		{"bad timestamp", func(p url.Values) { p.Set("Timestamp", "1795294635") }, 0, CodeTimeStampFormat, 400},
		{"HMAC-SHA256", func(p url.Values) { p.Set("SignatureMethod", "HMAC-SHA256") }, 0, CodeInvalidSignatureMethod, 400},
		{"version 2.0", func(p url.Values) { p.Set("SignatureVersion", "2.0") }, 0, CodeInvalidSignatureMethod, 400},
		{"no nonce", func(p url.Values) { p.Del("SignatureNonce") }, 0, "MissingSignatureNonce", 400},
		{"no timestamp", func(p url.Values) { p.Del("Timestamp") }, 0, "MissingTimestamp", 400},
		{"no action", func(p url.Values) { p.Del("Action") }, 0, "MissingAction", 400},
		{"no key id", func(p url.Values) { p.Del("AccessKeyId") }, 0, "MissingAccessKeyId", 400},
		{"unknown key", func(p url.Values) { p.Set("AccessKeyId", "LTAIother") }, 0, CodeAccessKeyNotFound, 404},
		{"repeated Signature", func(p url.Values) { p.Add("Signature", "x") }, 0, CodeInvalidParameter, 400},
		{"repeated Action", func(p url.Values) { p.Add("Action", "GetCallDetailRecord") }, 0, CodeInvalidParameter, 400},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := rpcParams()
			SignRPC(p, "GET", testID, testKey, testNow.Add(c.at), "")
			if c.edit != nil {
				c.edit(p)
			}
			err := verifyErr(rpcGET(p), nil, testKeys, testNow)
			wantCode(t, err, c.code, c.status)
			if strings.Contains(err.Error(), testKey) {
				t.Errorf("message %q holds the secret", err)
			}
		})
	}
	// The method is signed: a GET signature does not verify as a POST.
	p := rpcParams()
	SignRPC(p, "GET", testID, testKey, testNow, "")
	r := rpcGET(p)
	r.Method = "POST"
	wantCode(t, verifyErr(r, nil, testKeys, testNow), CodeSignatureDoesNotMatch, 400)
}
