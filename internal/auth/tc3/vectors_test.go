package tc3

import (
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The vectors of docs/wire-contracts.md §8.1–§8.3 (published by Tencent or
// captured from the Go SDK), run through Verify with a fixed clock.

const (
	docSecretID  = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"
	docSecretKey = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
	docPayload   = `{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}`
	sdkSecretID  = "AKIDEXAMPLE"
	sdkSecretKey = "SECRETEXAMPLE"
	sdkHost      = "127.0.0.1:34151"
	sdkTime      = 1795294593
)

// tc3Request builds a server-side request the way it arrives.
func tc3Request(method, target, contentType, body string, hdr map[string]string) *http.Request {
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	r.Header.Set("Content-Type", contentType)
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	return r
}

func authHeader(id, date, service, signed, sig string) string {
	return "TC3-HMAC-SHA256 Credential=" + id + "/" + date + "/" + service +
		"/tc3_request, SignedHeaders=" + signed + ", Signature=" + sig
}

func mustVerify(t *testing.T, r *http.Request, body string, keys Keys, now int64, opt Options) Result {
	t.Helper()
	res, err := Verify(r, []byte(body), keys, time.Unix(now, 0), opt)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return res
}

func TestVectorTC3Doc(t *testing.T) {
	for _, tc := range []struct{ key, sig string }{
		{docSecretKey, "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"},
		{"Gu5t9xGARNpq86cd98joQYCN3*******", "2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c"},
	} {
		r := tc3Request("POST", "https://cvm.tencentcloudapi.com/", "application/json; charset=utf-8", docPayload, map[string]string{
			"X-TC-Action": "DescribeInstances", "X-TC-Version": "2017-03-12",
			"X-TC-Timestamp": "1551113065", "X-TC-Region": "ap-guangzhou",
			"Authorization": authHeader(docSecretID, "2019-02-25", "cvm", "content-type;host", tc.sig),
		})
		res := mustVerify(t, r, docPayload, KeyMap{docSecretID: tc.key}, 1551113065+100, Options{Service: "cvm"})
		if res.Scheme != SchemeTC3 || res.SecretID != docSecretID || res.Action != "DescribeInstances" ||
			res.Region != "ap-guangzhou" || res.Timestamp.Unix() != 1551113065 || res.Params != nil {
			t.Errorf("Result = %+v", res)
		}
		a, _ := parseAuthorization(r.Header.Get("Authorization"))
		crs, _ := canonicalRequests(r, []byte(docPayload), a, Options{})
		if got := sha256Hex([]byte(crs[0])); got != "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031" {
			t.Errorf("hashed canonical request = %s", got)
		}
		if got := sha256Hex([]byte(docPayload)); got != "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064" {
			t.Errorf("hashed payload = %s", got)
		}
	}
}

// The current doc signs x-tc-action with its value lower-cased and only
// publishes the derived signing key, so this vector checks the canonical
// request Verify builds and the signature over it with that key.
func TestVectorTC3DocSignedAction(t *testing.T) {
	r := tc3Request("POST", "https://cvm.tencentcloudapi.com/", "application/json; charset=utf-8", docPayload, map[string]string{
		"X-TC-Action": "DescribeInstances", "X-TC-Version": "2017-03-12", "X-TC-Timestamp": "1551113065",
		"Authorization": authHeader(docSecretID, "2019-02-25", "cvm", "content-type;host;x-tc-action", "x"),
	})
	a, err := parseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		t.Fatal(err)
	}
	crs, err := canonicalRequests(r, []byte(docPayload), a, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := sha256Hex([]byte(crs[0])); got != "7019a55be8395899b900fb5564e4200d984910f34794a27cb3fb7d10ff6a1e84" {
		t.Errorf("hashed canonical request = %s", got)
	}
	signing, _ := hex.DecodeString("b596b923aad85185e2d1f6659d2a062e0a86731226e021e61bfe06f7ed05f5af")
	got := hmacHex(signing, stringToSign("1551113065", a.scope(), crs[0]))
	if want := "10b1a37a7301a02ca19a647ad722d5e43b4b3cff309d421d85b46093f6ab6c4f"; got != want {
		t.Errorf("signature = %s, want %s", got, want)
	}
}

func TestVectorV1Doc(t *testing.T) {
	const sts = "GETcvm.tencentcloudapi.com/?Action=DescribeInstances&InstanceIds.0=ins-09dx96dg&Limit=20&Nonce=11886&Offset=0&Region=ap-guangzhou&SecretId=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE&Timestamp=1465185768&Version=2017-03-12"
	q := strings.TrimPrefix(sts, "GETcvm.tencentcloudapi.com/?") + "&Signature=" + url.QueryEscape("EliP9YW3pW28FpsEdkXt/+WcGeI=")
	r := httptest.NewRequest("GET", "https://cvm.tencentcloudapi.com/?"+q, nil)
	res := mustVerify(t, r, "", KeyMap{docSecretID: docSecretKey}, 1465185768, Options{})
	if res.Scheme != SchemeHmacSHA1 || res.Action != "DescribeInstances" || res.Nonce != "11886" ||
		res.Params["InstanceIds.0"] != "ins-09dx96dg" || len(res.Params) != 3 {
		t.Errorf("Result = %+v", res)
	}
	params, _ := flatParams(q)
	if got := v1StringToSign("GET", host(r), path(r), params); got != sts {
		t.Errorf("string to sign =\n%s\nwant\n%s", got, sts)
	}
}

func TestVectorTC3CCC(t *testing.T) {
	const body = `{"StartTimeStamp":1699900000,"EndTimeStamp":1700000000,"SdkAppId":1400000000,"PageSize":10,"PageNumber":0}`
	if got := sha256Hex([]byte(body)); got != "ed60024164227be93df06c38b17d1f5d3bd22e7c9d938d47d291ee0b208bb755" {
		t.Errorf("payload hash = %s", got)
	}
	r := tc3Request("POST", "https://ccc.tencentcloudapi.com/", "application/json", body, map[string]string{
		"X-TC-Action": "DescribeTelCdr", "X-TC-Version": "2020-02-10", "X-TC-Timestamp": "1700000000",
		"Authorization": authHeader(docSecretID, "2023-11-14", "ccc", "content-type;host",
			"d8d78bde543e2698d778b74a241a78698cf9f6c39b203472a9fe9406b96e5679"),
	})
	mustVerify(t, r, body, KeyMap{docSecretID: docSecretKey}, 1700000000-299, Options{})
}

func TestVectorSDKCaptured(t *testing.T) {
	keys := KeyMap{sdkSecretID: sdkSecretKey}
	hdr := func(sig string) map[string]string {
		return map[string]string{
			"X-TC-Action": "DescribeTelCdr", "X-TC-Version": "2020-02-10", "X-TC-Timestamp": "1795294593",
			"X-TC-Language": "zh-CN", "X-TC-RequestClient": "SDK_GO_1.3.166",
			"Authorization": authHeader(sdkSecretID, "2026-11-21", "ccc", "content-type;host", sig),
		}
	}
	t.Run("TC3 POST", func(t *testing.T) {
		const body = `{"StartTimeStamp":1699900000,"EndTimeStamp":1700000000,"SdkAppId":1400000000,"PageSize":10,"PageNumber":0,"Phones":["+8613800000000"]}`
		r := tc3Request("POST", "http://"+sdkHost+"/", "application/json", body,
			hdr("9283f30a9e73a8d6e9bcaf7e25d47752ca37da09816600d036b6066d8375b940"))
		mustVerify(t, r, body, keys, sdkTime, Options{})
	})
	t.Run("TC3 GET", func(t *testing.T) {
		const q = "EndTimeStamp=1700000000&PageNumber=0&PageSize=10&Phones.0=%2B8613800000000&SdkAppId=1400000000&StartTimeStamp=1699900000"
		r := tc3Request("GET", "http://"+sdkHost+"/?"+q, "application/x-www-form-urlencoded", "",
			hdr("3a74b50fc1021d97851a4ee7feb39834da8618da1a0e30fe3e15a908d155312e"))
		res := mustVerify(t, r, "", keys, sdkTime, Options{})
		if res.Params["Phones.0"] != "+8613800000000" || len(res.Params) != 6 {
			t.Errorf("Params = %v", res.Params)
		}
	})
	const v1 = "Action=DescribeTelCdr&EndTimeStamp=1700000000&Language=zh-CN&Nonce=%s&PageNumber=0&PageSize=10&Phones.0=%%2B8613800000000&Region=&RequestClient=SDK_GO_1.3.166&SdkAppId=1400000000&SecretId=AKIDEXAMPLE&Signature=%s&SignatureMethod=HmacSHA256&StartTimeStamp=1699900000&Timestamp=1795294593&Version=2020-02-10"
	t.Run("v1 POST", func(t *testing.T) {
		body := fmt.Sprintf(v1, "2187319299977581745", url.QueryEscape("ZQhU3+JeGH8SbSty/iSB289UBo7KAjEUnmpHodtMpa8="))
		r := tc3Request("POST", "http://"+sdkHost+"/", "application/x-www-form-urlencoded", body, nil)
		res := mustVerify(t, r, body, keys, sdkTime, Options{})
		params, _ := flatParams(body)
		const sts = "POST127.0.0.1:34151/?Action=DescribeTelCdr&EndTimeStamp=1700000000&Language=zh-CN&Nonce=2187319299977581745&PageNumber=0&PageSize=10&Phones.0=+8613800000000&Region=&RequestClient=SDK_GO_1.3.166&SdkAppId=1400000000&SecretId=AKIDEXAMPLE&SignatureMethod=HmacSHA256&StartTimeStamp=1699900000&Timestamp=1795294593&Version=2020-02-10"
		if got := v1StringToSign("POST", host(r), path(r), params); got != sts {
			t.Errorf("string to sign = %s", got)
		}
		if res.Scheme != SchemeHmacSHA256 || res.Region != "" || res.Language != "zh-CN" || len(res.Params) != 6 {
			t.Errorf("Result = %+v", res)
		}
	})
	t.Run("v1 GET", func(t *testing.T) {
		q := fmt.Sprintf(v1, "8534275428538234133", url.QueryEscape("TlfAdPRLGNCkl3i534ynl8Okm/M8LSvH5S+YbRV0YqU="))
		r := httptest.NewRequest("GET", "http://"+sdkHost+"/?"+q, nil)
		mustVerify(t, r, "", keys, sdkTime, Options{})
	})
}
