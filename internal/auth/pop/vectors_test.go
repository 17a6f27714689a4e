package pop

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

// The vectors of docs/wire-contracts.md §8.4, through Verify with a fixed now.

const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

const docSignedHeaders = "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version"

// v3Request builds a bodiless POST / as a server would receive it.
func v3Request(host, query string, headers map[string]string, id, signedHeaders, sig string) *http.Request {
	r := &http.Request{Method: "POST", Host: host, RequestURI: "/?" + query,
		URL: &url.URL{Path: "/", RawQuery: query}, Header: http.Header{}}
	for k, v := range headers {
		r.Header.Set(k, v)
	}
	r.Header.Set("Authorization", algorithmV3+" Credential="+id+",SignedHeaders="+signedHeaders+",Signature="+sig)
	return r
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	ts, err := time.Parse(timeLayout, s)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func TestVectorsV3(t *testing.T) {
	for _, v := range []struct {
		name, host, query, action, version, date, nonce, id, secret, signed, sig string
		extra                                                                    map[string]string
	}{
		{name: "doc RunInstances", host: "ecs.cn-shanghai.aliyuncs.com",
			query:  "ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai",
			action: "RunInstances", version: "2014-05-26", date: "2023-10-26T10:22:32Z",
			nonce: "3156853299f313e23d1673dc12e1703d", id: "YourAccessKeyId", secret: "YourAccessKeySecret",
			signed: docSignedHeaders, sig: "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"},
		{name: "doc RunInstances 09:01", host: "ecs.cn-shanghai.aliyuncs.com",
			query:  "ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai",
			action: "RunInstances", version: "2014-05-26", date: "2023-10-26T09:01:01Z",
			nonce: "d410180a5abf7fe235dd9b74aca91fc0", id: "YourAccessKeyId", secret: "YourAccessKeySecret",
			signed: docSignedHeaders, sig: "e521358f7776c97df52e6b2891a8bc73026794a071b50c3323388c4e0df64804"},
		{name: "CCC ListCallDetailRecords", host: "ccc.cn-shanghai.aliyuncs.com",
			query:  "EndTime=1532707199000&InstanceId=ccc-test&PageNumber=1&PageSize=10&StartTime=1532448000000",
			action: "ListCallDetailRecords", version: "2020-07-01", date: "2023-10-26T10:22:32Z",
			nonce: "3156853299f313e23d1673dc12e1703d", id: "YourAccessKeyId", secret: "YourAccessKeySecret",
			signed: docSignedHeaders, sig: "dd506c60cb610e8d45b71e64a483a0b37ad43ae3ace4cd57e8f265ec2b4dc6ce"},
		{name: "captured darabonba", host: "127.0.0.1:32925",
			// The SDK's own encoding of the query (url.QueryEscape).
			query:  "Criteria=%7B%22phoneNumber%22%3A%220735%22%7D&InstanceId=ccc-test&PageNumber=1&PageSize=10&StartTime=1532448000000",
			action: "ListCallDetailRecords", version: "2020-07-01", date: "2026-11-21T20:57:15Z",
			nonce: "81decda0a5eb1a19f02ea712c8bce0f8", id: "LTAIEXAMPLE", secret: "SECRETEXAMPLE",
			signed: "host;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version",
			sig:    "7f727a1646b79e99191061376af5cb19d4e0ebb296b6b88bf14571de895f5ce2",
			extra:  map[string]string{"x-acs-credentials-provider": "static_ak"}},
	} {
		t.Run(v.name, func(t *testing.T) {
			h := map[string]string{"x-acs-action": v.action, "x-acs-version": v.version, "x-acs-date": v.date,
				"x-acs-signature-nonce": v.nonce, "x-acs-content-sha256": emptySHA256}
			for k, x := range v.extra {
				h[k] = x
			}
			now := mustTime(t, v.date).Add(14 * time.Minute)
			r := v3Request(v.host, v.query, h, v.id, v.signed, v.sig)
			res, err := Verify(r, nil, KeyMap{v.id: v.secret}, now, Options{Nonces: NewNonceStore(DefaultWindow, nil)})
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if res.Scheme != SchemeV3 || res.AccessKeyID != v.id || res.Action != v.action || res.Version != v.version {
				t.Errorf("result %+v", res)
			}
			// One bit off in the signature, or the wrong secret, must fail.
			bad := v3Request(v.host, v.query, h, v.id, v.signed, v.sig[:63]+"0")
			if v.sig[63] == '0' {
				bad = v3Request(v.host, v.query, h, v.id, v.signed, v.sig[:63]+"1")
			}
			wantCode(t, verifyErr(bad, nil, KeyMap{v.id: v.secret}, now), CodeSignatureDoesNotMatch, 400)
			wantCode(t, verifyErr(r, nil, KeyMap{v.id: v.secret + "x"}, now), CodeSignatureDoesNotMatch, 400)
		})
	}
}

func TestVectorDocHashedCanonicalRequest(t *testing.T) {
	q, _ := url.ParseQuery("ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai")
	r := v3Request("ecs.cn-shanghai.aliyuncs.com", "", map[string]string{"x-acs-action": "RunInstances",
		"x-acs-version": "2014-05-26", "x-acs-date": "2023-10-26T10:22:32Z",
		"x-acs-signature-nonce": "3156853299f313e23d1673dc12e1703d", "x-acs-content-sha256": emptySHA256}, "", "", "")
	cr := canonicalRequest(r, canonicalParams(q), []string{"host", "x-acs-action", "x-acs-content-sha256",
		"x-acs-date", "x-acs-signature-nonce", "x-acs-version"}, emptySHA256)
	if got, want := stringToSignV3(cr), "ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"; got != want {
		t.Errorf("string to sign %q, want %q", got, want)
	}
}

// darabonba's Test_GetAuthorization: empty method and path, an empty query
// value, and one header with two values merged sorted.
func TestVectorDarabonbaAuthorization(t *testing.T) {
	r := &http.Request{URL: &url.URL{}, Header: http.Header{"X-Acs-Test": {"https", "http"}}}
	q := url.Values{"test": {"ok"}, "empty": {""}}
	cr := canonicalRequest(r, canonicalParams(q), []string{"x-acs-test"},
		"55e12e91650d2fec56ec74e1d3e4ddbfce2ef3a65890c2a19ecf88a307e76a23")
	if got, want := hmacHex("secret", stringToSignV3(cr)), "4ab59fffe3c5738ff8a2729f90cc04fe18b02a4b15b2102cbaf92f9ff3df2ea3"; got != want {
		t.Errorf("signature %s, want %s", got, want)
	}
}

func TestVectorsRPC(t *testing.T) {
	if got, want := signRPC("accessKeySecret", stringToSignRPC("", url.Values{"test": {"ok"}})), "jHx/oHoHNrbVfhncHEvPdHXZwHU="; got != want {
		t.Errorf("darabonba GetRPCSignature: %s, want %s", got, want)
	}
	for _, v := range []struct {
		name, method, id, secret, sts, sig string
		params                             url.Values
	}{
		{name: "doc DescribeRegions", method: "GET", id: "testid", secret: "testsecret",
			params: url.Values{"AccessKeyId": {"testid"}, "Action": {"DescribeRegions"}, "Format": {"XML"},
				"SignatureMethod": {"HMAC-SHA1"}, "SignatureNonce": {"3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"},
				"SignatureVersion": {"1.0"}, "Timestamp": {"2016-02-23T12:46:24Z"}, "Version": {"2014-05-26"}},
			sts: "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26",
			sig: "OLeaidS1JvxuMvnyHOwuJ+uX5qY="},
		{name: "CCC ListCallDetailRecords", method: "POST", id: "YourAccessKeyId", secret: "YourAccessKeySecret",
			params: url.Values{"AccessKeyId": {"YourAccessKeyId"}, "Action": {"ListCallDetailRecords"}, "Format": {"json"},
				"InstanceId": {"ccc-test"}, "PageNumber": {"1"}, "PageSize": {"10"}, "SignatureMethod": {"HMAC-SHA1"},
				"SignatureNonce": {"3156853299f313e23d1673dc12e1703d"}, "SignatureVersion": {"1.0"},
				"Timestamp": {"2023-10-26T10:22:32Z"}, "Version": {"2020-07-01"}},
			sig: "RQqkqcjfE75Ge5g5FTG9Op5LMFk="},
	} {
		t.Run(v.name, func(t *testing.T) {
			if sts := stringToSignRPC(v.method, v.params); v.sts != "" && sts != v.sts {
				t.Errorf("string to sign\n%s\nwant\n%s", sts, v.sts)
			}
			p := cloneValues(v.params)
			p.Set("Signature", v.sig)
			r := &http.Request{Method: v.method, Host: "example.com", URL: &url.URL{Path: "/", RawQuery: p.Encode()}, Header: http.Header{}}
			now := mustTime(t, v.params.Get("Timestamp")).Add(-15 * time.Minute)
			res, err := Verify(r, nil, KeyMap{v.id: v.secret}, now, Options{})
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if res.Scheme != SchemeRPC || res.AccessKeyID != v.id || res.Action != v.params.Get("Action") {
				t.Errorf("result %+v", res)
			}
			wantCode(t, verifyErr(r, nil, KeyMap{v.id: "wrong"}, now), CodeSignatureDoesNotMatch, 400)
		})
	}
}

func cloneValues(v url.Values) url.Values {
	c := make(url.Values, len(v))
	for k, vs := range v {
		c[k] = append([]string(nil), vs...)
	}
	return c
}

func verifyErr(r *http.Request, body []byte, keys Keys, now time.Time) error {
	_, err := Verify(r, body, keys, now, Options{})
	return err
}

func wantCode(t *testing.T, err error, code string, status int) {
	t.Helper()
	e, ok := err.(*Error)
	if !ok {
		t.Fatalf("error %v, want *Error %s", err, code)
	}
	if e.Code != code || e.Status != status {
		t.Fatalf("error %s %d (%s), want %s %d", e.Code, e.Status, e.Message, code, status)
	}
}
