package tencentccc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/cdrhub/cdrhub/internal/api/tencentccc"
	"github.com/cdrhub/cdrhub/internal/auth/tc3"
	"github.com/cdrhub/cdrhub/internal/cdr"
	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
)

// initech's tencent_ccc block has protected_only: its credential may call
// DescribeProtectedTelCdr only.
const (
	initechID, initechKey = "AKIDinitechEXAMPLE", "initech-secret-key"
	initechApp            = int64(1400000003)
)

func newProtectedEnv(t *testing.T) *env {
	return newEnv(t, 1000, 1000, tencentccc.Tenant{ID: cdr.MustTenantID("initech"), SdkAppID: initechApp,
		RPS: 1000, Burst: 1000, ProtectedOnly: true, Credentials: []tc3.Credential{{SecretID: initechID, SecretKey: initechKey}}})
}

func initechWindow() map[string]any { return window(map[string]any{"SdkAppId": initechApp}) }

// TestProtectedOnly: through the official SDK, a protected_only tenant's
// credential gets DescribeProtectedTelCdr, numbers blanked, and
// UnauthorizedOperation for DescribeTelCdr, under TC3 and v1 alike.
func TestProtectedOnly(t *testing.T) {
	e := newProtectedEnv(t)
	res, err := e.call(t, initechID, initechKey, "DescribeProtectedTelCdr", initechWindow())
	if err != nil || res.Response.TotalCount != 12 || len(res.Response.TelCdrList) != 12 {
		t.Fatalf("DescribeProtectedTelCdr: %v, total %d", err, res.Response.TotalCount)
	}
	for _, c := range res.Response.TelCdrList {
		if c.Caller != "" || c.Callee != "" {
			t.Errorf("%s shows numbers: %q %q", c.SessionId, c.Caller, c.Callee)
		}
	}
	_, err = e.call(t, initechID, initechKey, "DescribeTelCdr", initechWindow())
	if code(err) != "UnauthorizedOperation" {
		t.Fatalf("DescribeTelCdr: %v, want UnauthorizedOperation", err)
	}
	want := "You are not authorized to perform operation (ccc:DescribeTelCdr): this credential may only call DescribeProtectedTelCdr."
	var sdkErr *tcerr.TencentCloudSDKError
	if !errors.As(err, &sdkErr) || sdkErr.GetMessage() != want {
		t.Errorf("message of %v, want %q", err, want)
	}
	// An unknown action is still InvalidAction.
	if _, err := e.call(t, initechID, initechKey, "DescribeSeats", initechWindow()); code(err) != "InvalidAction" {
		t.Errorf("unknown action: %v", err)
	}
	// v1 (the action is signed there, and refused all the same).
	for _, tc := range []struct{ sign, method string }{{"HmacSHA256", "GET"}, {"HmacSHA1", "POST"}, {"TC3-HMAC-SHA256", "GET"}} {
		for action, want := range map[string]string{"DescribeTelCdr": "UnauthorizedOperation", "DescribeProtectedTelCdr": ""} {
			app, start, end, size, page := initechApp, base.Unix(), base.Unix()+20*day, int64(100), int64(0)
			req := &telCdrRequest{BaseRequest: &tchttp.BaseRequest{}, SdkAppId: &app, StartTimeStamp: &start, EndTimeStamp: &end,
				PageSize: &size, PageNumber: &page}
			req.Init().WithApiInfo("ccc", "2020-02-10", action)
			err := e.client(initechID, initechKey, tc.sign, tc.method).Send(req, tchttp.NewCommonResponse())
			if code(err) != want {
				t.Errorf("%s %s %s: %v, want %q", tc.sign, tc.method, action, err, want)
			}
		}
	}
	// Other tenants are not affected.
	if _, err := e.call(t, acmeID, acmeKey, "DescribeTelCdr", window(nil)); err != nil {
		t.Errorf("acme DescribeTelCdr: %v", err)
	}
}

// recorder is an http.RoundTripper that keeps a copy of every request the
// SDK sends, as an eavesdropper on the path would, and forwards it.
type recorder struct {
	mu   sync.Mutex
	reqs []*http.Request
	body [][]byte
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var b []byte
	if req.Body != nil {
		var err error
		if b, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(b))
	}
	r.mu.Lock()
	r.reqs, r.body = append(r.reqs, req.Clone(req.Context())), append(r.body, b)
	r.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

// capture sends action through the official SDK as id (TC3 POST unless
// sign says otherwise) and returns the request as sent.
func (e *env) capture(t *testing.T, id, key, sign, method, action string, app int64) (*http.Request, []byte) {
	t.Helper()
	rec := &recorder{}
	c := e.client(id, key, sign, method)
	c.WithHttpTransport(rec)
	start, end, size, page := base.Unix(), base.Unix()+20*day, int64(100), int64(0)
	req := &telCdrRequest{BaseRequest: &tchttp.BaseRequest{}, SdkAppId: &app, StartTimeStamp: &start, EndTimeStamp: &end,
		PageSize: &size, PageNumber: &page}
	req.Init().WithApiInfo("ccc", "2020-02-10", action)
	if err := c.Send(req, tchttp.NewCommonResponse()); err != nil {
		t.Fatalf("%s as %s: %v", action, id, err)
	}
	if len(rec.reqs) != 1 {
		t.Fatalf("%d requests recorded", len(rec.reqs))
	}
	return rec.reqs[0], rec.body[0]
}

// replay sends a captured request again, byte for byte, with edit applied
// to a copy, and returns the answer's error code and records.
func (e *env) replay(t *testing.T, orig *http.Request, body []byte, edit func(*http.Request)) (string, []telCdr) {
	t.Helper()
	req := orig.Clone(context.Background()) // the SDK's context ended with its call
	req.URL = &url.URL{Scheme: orig.URL.Scheme, Host: orig.URL.Host, Path: orig.URL.Path, RawQuery: orig.URL.RawQuery}
	req.Body, req.ContentLength, req.RequestURI = io.NopCloser(bytes.NewReader(body)), int64(len(body)), ""
	if edit != nil {
		edit(req)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Response struct {
			Error      struct{ Code string }
			TelCdrList []telCdr
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out.Response.Error.Code, out.Response.TelCdrList
}

func swapAction(r *http.Request) { r.Header.Set("X-TC-Action", "DescribeTelCdr") }

func numbersShown(l []telCdr) bool {
	for _, c := range l {
		if c.Caller != "" || c.Callee != "" {
			return true
		}
	}
	return false
}

// TestActionSwapReplay replays a DescribeProtectedTelCdr request captured
// from the official SDK with X-TC-Action swapped to DescribeTelCdr. The
// SDK signs only content-type;host, so the signature still verifies: for a
// tenant without protected_only the swap shows the numbers (a property of
// the protocol, documented), for a protected_only tenant it is refused.
// Identical requests inside the window are all served: there is no replay
// cache (two legitimate requests within a second share a signature).
func TestActionSwapReplay(t *testing.T) {
	e := newProtectedEnv(t)

	// protected_only: the replay as sent is served, the swap is refused.
	req, body := e.capture(t, initechID, initechKey, "TC3-HMAC-SHA256", "POST", "DescribeProtectedTelCdr", initechApp)
	if got := req.Header.Get("Authorization"); !strings.Contains(got, "SignedHeaders=content-type;host,") {
		t.Fatalf("the SDK signed other headers: %s", got)
	}
	for range 2 {
		code, list := e.replay(t, req, body, nil)
		if code != "" || len(list) != 12 || numbersShown(list) {
			t.Fatalf("replayed as sent: %q, %d records, numbers shown %v", code, len(list), numbersShown(list))
		}
	}
	if code, list := e.replay(t, req, body, swapAction); code != "UnauthorizedOperation" || len(list) != 0 {
		t.Errorf("protected_only, action swapped: %q, %d records; want UnauthorizedOperation", code, len(list))
	}

	// Without protected_only the swapped request verifies and shows the
	// numbers: what protected_only is for.
	req, body = e.capture(t, acmeID, acmeKey, "TC3-HMAC-SHA256", "POST", "DescribeProtectedTelCdr", acmeApp)
	if code, list := e.replay(t, req, body, nil); code != "" || numbersShown(list) {
		t.Fatalf("acme replayed as sent: %q, numbers shown %v", code, numbersShown(list))
	}
	code, list := e.replay(t, req, body, swapAction)
	if code != "" || len(list) != 12 || !numbersShown(list) {
		t.Errorf("acme, action swapped: %q, %d records, numbers shown %v; want the numbers (the signature does not cover the action)",
			code, len(list), numbersShown(list))
	}

	// Under v1 the action is a signed parameter: swapping it breaks the
	// signature.
	req, body = e.capture(t, acmeID, acmeKey, "HmacSHA256", "GET", "DescribeProtectedTelCdr", acmeApp)
	if code, list := e.replay(t, req, body, nil); code != "" || len(list) != 12 {
		t.Fatalf("v1 replayed as sent: %q, %d records", code, len(list))
	}
	code, _ = e.replay(t, req, body, func(r *http.Request) {
		q := r.URL.Query()
		q.Set("Action", "DescribeTelCdr")
		r.URL.RawQuery = q.Encode()
	})
	if code != "AuthFailure.SignatureFailure" {
		t.Errorf("v1, action swapped: %q, want AuthFailure.SignatureFailure", code)
	}
}
