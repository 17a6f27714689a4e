package pop

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"
)

// The official darabonba-openapi v2 SDK signs real requests against a
// loopback server whose handler runs Verify and answers as the gateway.

const (
	sdkID     = "LTAIEXAMPLE"
	sdkSecret = "SECRETEXAMPLE"
	requestID = "EEEE671A-3E24-4A04-81E6-6C4F5667F2B3"
)

type sdkServer struct {
	*httptest.Server
	nonces *NonceStore
	mu     sync.Mutex
	last   Result
	hdr    http.Header
}

func newSDKServer(t *testing.T) *sdkServer {
	s := &sdkServer{nonces: NewNonceStore(DefaultWindow, nil)}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *sdkServer) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	res, err := Verify(r, body, KeyMap{sdkID: sdkSecret}, time.Now(), Options{Nonces: s.nonces})
	s.mu.Lock()
	s.last, s.hdr = res, r.Header.Clone()
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			e = &Error{"InternalError", "internal error", 500}
		}
		w.WriteHeader(e.Status)
		json.NewEncoder(w).Encode(map[string]any{"Code": e.Code, "Message": e.Message, "RequestId": requestID, "HttpStatusCode": e.Status})
		return
	}
	json.NewEncoder(w).Encode(map[string]any{"Code": "OK", "HttpStatusCode": 200, "RequestId": requestID, "Data": map[string]any{}})
}

func (s *sdkServer) result() (Result, http.Header) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last, s.hdr
}

func (s *sdkServer) call(t *testing.T, id, secret, algorithm string, body map[string]any) error {
	t.Helper()
	return s.callQuery(t, id, secret, algorithm, body, map[string]*string{
		"InstanceId": tea.String("ccc-test"), "PageNumber": tea.String("1"), "PageSize": tea.String("10"),
		"Criteria": tea.String(`{"phoneNumber":"0735"}`), "RegionId": tea.String("cn-shanghai"),
		"Note": tea.String("a b*c~d+e/f:g ü"),
	})
}

func (s *sdkServer) callQuery(t *testing.T, id, secret, algorithm string, body map[string]any, query map[string]*string) error {
	t.Helper()
	cfg := &openapi.Config{AccessKeyId: tea.String(id), AccessKeySecret: tea.String(secret),
		Endpoint: tea.String(strings.TrimPrefix(s.URL, "http://")), Protocol: tea.String("http")}
	if algorithm != "" {
		cfg.SignatureAlgorithm = tea.String(algorithm)
	}
	c, err := openapi.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	params := &openapi.Params{Action: tea.String("ListCallDetailRecords"), Version: tea.String("2020-07-01"),
		Protocol: tea.String("HTTP"), Pathname: tea.String("/"), Method: tea.String("POST"), AuthType: tea.String("AK"),
		Style: tea.String("RPC"), ReqBodyType: tea.String("formData"), BodyType: tea.String("json")}
	req := &openapi.OpenApiRequest{Query: query}
	if body != nil {
		req.Body = body
	}
	resp, err := c.CallApi(params, req, &dara.RuntimeOptions{})
	if err == nil {
		if b, _ := resp["body"].(map[string]any); b["Code"] != "OK" {
			t.Fatalf("response %v", resp)
		}
	}
	return err
}

func TestSDK(t *testing.T) {
	for _, alg := range []struct {
		name, algorithm string
		scheme          Scheme
	}{{"V3 default", "", SchemeV3}, {"RPC v1", "v2", SchemeRPC}} {
		t.Run(alg.name, func(t *testing.T) {
			s := newSDKServer(t)
			for _, body := range []map[string]any{nil, {"SkillGroupId": "sg@ccc-test", "Criteria2": "x y"}} {
				if err := s.call(t, sdkID, sdkSecret, alg.algorithm, body); err != nil {
					t.Fatalf("body %v: %v", body, err)
				}
				res, hdr := s.result()
				if res.Scheme != alg.scheme || res.AccessKeyID != sdkID || res.Action != "ListCallDetailRecords" ||
					res.Version != "2020-07-01" || res.RegionID != "cn-shanghai" {
					t.Errorf("result %+v", res)
				}
				if res.Params.Get("Criteria") != `{"phoneNumber":"0735"}` || res.Params.Get("Note") != "a b*c~d+e/f:g ü" ||
					res.Params.Get("PageSize") != "10" || res.Params.Has("Signature") || res.Params.Has("RegionId") {
					t.Errorf("params %v", res.Params)
				}
				if body != nil && res.Params.Get("SkillGroupId") != "sg@ccc-test" {
					t.Errorf("form body params missing: %v", res.Params)
				}
				if alg.scheme == SchemeV3 && !strings.Contains(hdr.Get("Authorization"), "x-acs-credentials-provider") {
					t.Errorf("the SDK no longer signs x-acs-credentials-provider: %s", hdr.Get("Authorization"))
				}
			}
			wantSDKError(t, s.call(t, sdkID, "wrong", alg.algorithm, nil), CodeSignatureDoesNotMatch, 400)
			wantSDKError(t, s.call(t, "LTAIUNKNOWN", sdkSecret, alg.algorithm, nil), CodeAccessKeyNotFound, 404)
		})
	}
}

// Under V3 the SDK signs query keys unencoded (darabonba-openapi
// utils.getCanonicalQueryString: key + "=" + url.QueryEscape(value)), the
// published algorithm encodes them. Verify takes only the encoded form, so
// the SDK's V3 requests verify while every key is unreserved characters
// (A-Z a-z 0-9 - _ . ~), as all of this API's are, and fail otherwise; RPC
// v1 encodes keys in both.
func TestSDKQueryKeys(t *testing.T) {
	s := newSDKServer(t)
	query := func(k string) map[string]*string {
		return map[string]*string{"InstanceId": tea.String("ccc-test"), k: tea.String("1")}
	}
	for _, k := range []string{"Tag.1.Key", "Page_Size-2~"} {
		for _, alg := range []string{"", "v2"} {
			if err := s.callQuery(t, sdkID, sdkSecret, alg, nil, query(k)); err != nil {
				t.Errorf("key %q, algorithm %q: %v", k, alg, err)
			}
		}
	}
	if err := s.callQuery(t, sdkID, sdkSecret, "v2", nil, query("Tag:1")); err != nil {
		t.Errorf("RPC, key Tag:1: %v", err)
	}
	wantSDKError(t, s.callQuery(t, sdkID, sdkSecret, "", nil, query("Tag:1")), CodeSignatureDoesNotMatch, 400)
}

func wantSDKError(t *testing.T, err error, code string, status int) {
	t.Helper()
	var e *tea.SDKError
	if !errors.As(err, &e) {
		t.Fatalf("error %T %v, want *tea.SDKError", err, err)
	}
	if tea.StringValue(e.Code) != code || tea.IntValue(e.StatusCode) != status {
		t.Fatalf("SDK error %s %d (%s), want %s %d", tea.StringValue(e.Code), tea.IntValue(e.StatusCode), tea.StringValue(e.Message), code, status)
	}
	if !strings.Contains(tea.StringValue(e.Message), requestID) {
		t.Errorf("message %q lacks the request id", tea.StringValue(e.Message))
	}
}
