package tc3

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
)

// The official Go SDK signs real requests against a loopback server whose
// handler runs Verify and answers in the API 3.0 envelope.

var sdkKeys = KeyMap{sdkSecretID: sdkSecretKey}

type sdkServer struct {
	*httptest.Server
	opt  Options
	mu   sync.Mutex
	last Result
}

func newSDKServer(t *testing.T, opt Options) *sdkServer {
	s := &sdkServer{opt: opt}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *sdkServer) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	res, err := Verify(r, body, sdkKeys, time.Now(), s.opt)
	resp := map[string]any{"RequestId": "00000000-0000-4000-8000-000000000000"}
	var e *Error
	if errors.As(err, &e) {
		resp["Error"] = map[string]string{"Code": e.Code, "Message": e.Message}
	} else if err != nil {
		resp["Error"] = map[string]string{"Code": "InternalError", "Message": "internal error"}
	}
	s.mu.Lock()
	s.last = res
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"Response": resp})
}

func (s *sdkServer) result() Result {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

func (s *sdkServer) client(id, key, signMethod, reqMethod string, unsigned bool) *common.Client {
	cpf := profile.NewClientProfile()
	cpf.HttpProfile.Endpoint = strings.TrimPrefix(s.URL, "http://")
	cpf.HttpProfile.Scheme = "http"
	cpf.HttpProfile.ReqMethod = reqMethod
	cpf.SignMethod = signMethod
	cpf.UnsignedPayload = unsigned
	return common.NewCommonClient(common.NewCredential(id, key), "ap-guangzhou", cpf)
}

// telCdrRequest is a typed request: under v1 (and TC3 GET) the SDK only
// sends the fields tagged with name, which CommonRequest has none of.
type telCdrRequest struct {
	*tchttp.BaseRequest
	SdkAppId       *int64    `json:"SdkAppId,omitempty" name:"SdkAppId"`
	StartTimeStamp *int64    `json:"StartTimeStamp,omitempty" name:"StartTimeStamp"`
	PageSize       *int64    `json:"PageSize,omitempty" name:"PageSize"`
	Phones         []*string `json:"Phones,omitempty" name:"Phones"`
}

func newTelCdrRequest() *telCdrRequest {
	n, start, size, phone := int64(1400000000), int64(1699900000), int64(10), "+8613800000000"
	r := &telCdrRequest{BaseRequest: &tchttp.BaseRequest{}, SdkAppId: &n, StartTimeStamp: &start, PageSize: &size, Phones: []*string{&phone}}
	r.Init().WithApiInfo("ccc", "2020-02-10", "DescribeTelCdr")
	return r
}

func sdkCode(err error) string {
	var e *tcerr.TencentCloudSDKError
	if errors.As(err, &e) {
		return e.Code
	}
	if err != nil {
		return "not an SDK error: " + err.Error()
	}
	return ""
}

func TestSDKTC3CommonRequest(t *testing.T) {
	s := newSDKServer(t, Options{})
	send := func(id, key string) error {
		req := tchttp.NewCommonRequest("ccc", "2020-02-10", "DescribeTelCdr")
		if err := req.SetActionParameters(`{"SdkAppId":1400000000,"StartTimeStamp":1699900000,"PageSize":10}`); err != nil {
			t.Fatal(err)
		}
		return s.client(id, key, "TC3-HMAC-SHA256", "POST", false).Send(req, tchttp.NewCommonResponse())
	}
	if err := send(sdkSecretID, sdkSecretKey); err != nil {
		t.Fatalf("Send: %v", err)
	}
	res := s.result()
	if res.Scheme != SchemeTC3 || res.SecretID != sdkSecretID || res.Action != "DescribeTelCdr" ||
		res.Version != "2020-02-10" || res.Region != "ap-guangzhou" || !strings.HasPrefix(res.RequestClient, "SDK_GO_") {
		t.Errorf("Result = %+v", res)
	}
	if got := sdkCode(send(sdkSecretID, "WRONGKEY")); got != CodeSignatureFailure {
		t.Errorf("wrong key: code %s", got)
	}
	if got := sdkCode(send("AKIDUNKNOWN", sdkSecretKey)); got != CodeSecretIDNotFound {
		t.Errorf("unknown SecretId: code %s", got)
	}
}

func TestSDKTypedRequests(t *testing.T) {
	for _, tc := range []struct{ sign, method string }{
		{"TC3-HMAC-SHA256", "POST"}, {"TC3-HMAC-SHA256", "GET"},
		{"HmacSHA1", "GET"}, {"HmacSHA1", "POST"}, {"HmacSHA256", "GET"}, {"HmacSHA256", "POST"},
	} {
		t.Run(tc.sign+" "+tc.method, func(t *testing.T) {
			s := newSDKServer(t, Options{})
			c := s.client(sdkSecretID, sdkSecretKey, tc.sign, tc.method, false)
			if err := c.Send(newTelCdrRequest(), tchttp.NewCommonResponse()); err != nil {
				t.Fatalf("Send: %v", err)
			}
			res := s.result()
			if string(res.Scheme) != tc.sign || res.SecretID != sdkSecretID || res.Action != "DescribeTelCdr" {
				t.Errorf("Result = %+v", res)
			}
			if tc.sign != "TC3-HMAC-SHA256" || tc.method == "GET" {
				want := map[string]string{"SdkAppId": "1400000000", "StartTimeStamp": "1699900000", "PageSize": "10", "Phones.0": "+8613800000000"}
				if diff := cmp.Diff(want, res.Params); diff != "" {
					t.Errorf("Params (-want +got):\n%s", diff)
				}
			}

			tam := &tamperer{base: http.DefaultTransport}
			c = s.client(sdkSecretID, sdkSecretKey, tc.sign, tc.method, false).WithHttpTransport(tam)
			if got := sdkCode(c.Send(newTelCdrRequest(), tchttp.NewCommonResponse())); got != CodeSignatureFailure || !tam.done {
				t.Errorf("tampered (%v): code %s", tam.done, got)
			}
		})
	}
}

func TestSDKUnsignedPayload(t *testing.T) {
	for _, allow := range []bool{true, false} {
		s := newSDKServer(t, Options{AllowUnsignedPayload: allow})
		err := s.client(sdkSecretID, sdkSecretKey, "TC3-HMAC-SHA256", "POST", true).Send(newTelCdrRequest(), tchttp.NewCommonResponse())
		if got, want := sdkCode(err), map[bool]string{true: "", false: CodeSignatureFailure}[allow]; got != want {
			t.Errorf("AllowUnsignedPayload %v: code %q, want %q", allow, got, want)
		}
	}
}

// tamperer changes PageSize=10 into PageSize=99 in the query or body of
// every request on its way to the server.
type tamperer struct {
	base http.RoundTripper
	done bool
}

func (t *tamperer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	if q := r.URL.RawQuery; strings.Contains(q, "PageSize=10") {
		r.URL.RawQuery = strings.Replace(q, "PageSize=10", "PageSize=99", 1)
		t.done = true
	}
	if r.Body != nil {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		for _, old := range []string{`"PageSize":10`, "PageSize=10"} {
			if bytes.Contains(b, []byte(old)) {
				b = bytes.Replace(b, []byte(old), []byte(strings.Replace(old, "10", "99", 1)), 1)
				t.done = true
			}
		}
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
	}
	return t.base.RoundTrip(r)
}
