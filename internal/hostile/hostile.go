// Package hostile builds hostile requests against a running cdrhub: filters
// of millions of digits and lists of thousands, signed with one tenant's
// valid credentials, through every API. Each must be refused with its API's
// parameter error while the service keeps serving everyone else. The binary
// tests send them (cmd/cdrhub) and the load tool measures the server's
// memory across them (cmd/cdrhub-load -hostile).
package hostile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	lfauth "github.com/cdrhub/cdrhub/internal/auth/laaffic"
	"github.com/cdrhub/cdrhub/internal/auth/pop"
	"github.com/cdrhub/cdrhub/internal/auth/tc3"
	"github.com/cdrhub/cdrhub/internal/auth/usersig"
)

// Target is a cdrhub and the credentials of one tenant's API blocks.
type Target struct {
	Base        string // http://host:port
	NativeToken string

	TencentSecretID, TencentSecretKey string
	TencentSdkAppID                   int64

	AliyunAccessKeyID, AliyunSecret, AliyunInstance string

	IMSdkAppID   uint64 // TUICallKit and Desk share it
	IMKey        string
	IMIdentifier string

	LaafficKey, LaafficSecret string
}

// Case is one hostile request and the answer it must get.
type Case struct {
	Name  string
	Build func(t Target, now time.Time) (*http.Request, error)
	// Check returns an error unless status and body are the API's answer.
	Check func(status int, body []byte) error
}

// digits returns n digits.
func digits(n int) string { return strings.Repeat("7", n) }

// numbers returns n distinct numbers.
func numbers(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("1390000%05d", i)
	}
	return out
}

// Cases returns the hostile requests: inputs that cost seconds and
// gigabytes before every input was bounded, each over a bound by far.
func Cases() []Case {
	window := func(extra string) string {
		now := time.Now().Unix()
		return fmt.Sprintf(`{"SdkAppId":%%d,"StartTimeStamp":%d,"EndTimeStamp":%d,"PageSize":100,"PageNumber":0%s}`, now-30*86400, now, extra)
	}
	list := func(vs []string) string { b, _ := json.Marshal(vs); return string(b) }
	return []Case{
		{"Tencent TC3 Phones element of 1,000,000 digits", tencentTC3(window(`,"Phones":["` + digits(1_000_000) + `"]`)), tencentCode("InvalidParameterValue")},
		{"Tencent TC3 Phones element of 9,000,000 digits", tencentTC3(window(`,"Phones":["` + digits(9_000_000) + `"]`)), tencentCode("RequestSizeLimitExceeded")},
		{"Tencent TC3 2,000 Phones", tencentTC3(window(`,"Phones":` + list(numbers(2000)))), tencentCode("InvalidParameterValue")},
		{"Tencent TC3 16,000 SessionIds", tencentTC3(window(`,"SessionIds":` + list(numbers(16000)))), tencentCode("InvalidParameterValue")},
		{"Tencent v1 form Phones.0 of 1,000,000 digits", tencentV1(map[string]string{"Phones.0": digits(1_000_000)}), tencentCode("InvalidParameterValue")},
		{"Alibaba RPC form Criteria.phoneNumber of 500,000 digits", aliyunRPC(map[string]string{"Criteria": `{"phoneNumber":"` + digits(500_000) + `"}`}), aliyunCode(400, "Parameter.Format")},
		{"Alibaba RPC form 4,000 SatisfactionDescriptionList", aliyunRPC(map[string]string{"SatisfactionDescriptionList": strings.Join(numbers(4000), ",")}), aliyunCode(400, "Parameter.Format")},
		{"laaffic calledOrCaller of 1,000,000 characters", laaffic(`"calledOrCaller":"` + digits(1_000_000) + `"`), laafficStatus("-22")},
		{"laaffic 4,000 seatNameList", laaffic(`"seatNameList":` + list(numbers(4000))), laafficStatus("-22")},
		{"native phone of 60,000 digits", native("phone=" + digits(60_000)), nativeCode(400, "invalid")},
		{"native 2,000 agents", native("agent=" + strings.Join(numbers(2000), ",")), nativeCode(400, "invalid")},
		{"TUICallKit callId of 1,000,000 bytes", imREST("/v1/records/get_record_by_callId", `{"callId":"`+digits(1_000_000)+`"}`), imCode(60003)},
		{"Desk ClientUserId of 1,000,000 bytes", imREST("/v4/desk_http_svc/describe_im_cdr_list", `{"StartTimestamp":%d,"EndTimestamp":%d,"Limit":10,"ClientUserId":"`+digits(1_000_000)+`"}`), imCode(141004)},
	}
}

func tencentTC3(bodyFmt string) func(Target, time.Time) (*http.Request, error) {
	return func(t Target, now time.Time) (*http.Request, error) {
		body := fmt.Sprintf(bodyFmt, t.TencentSdkAppID)
		req, err := http.NewRequest("POST", t.Base+"/", strings.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-TC-Action", "DescribeTelCdr")
		req.Header.Set("X-TC-Version", "2020-02-10")
		return req, tc3.SignTC3(req, []byte(body), tc3.Credential{SecretID: t.TencentSecretID, SecretKey: t.TencentSecretKey}, "ccc", now)
	}
}

func tencentV1(extra map[string]string) func(Target, time.Time) (*http.Request, error) {
	return func(t Target, now time.Time) (*http.Request, error) {
		u, err := url.Parse(t.Base)
		if err != nil {
			return nil, err
		}
		p := url.Values{"Action": {"DescribeTelCdr"}, "Version": {"2020-02-10"}, "Region": {"ap-guangzhou"},
			"Timestamp": {strconv.FormatInt(now.Unix(), 10)}, "Nonce": {strconv.FormatInt(now.UnixNano()%1e9, 10)},
			"SdkAppId": {strconv.FormatInt(t.TencentSdkAppID, 10)}, "StartTimeStamp": {strconv.FormatInt(now.Unix()-86400, 10)},
			"EndTimeStamp": {strconv.FormatInt(now.Unix(), 10)}, "PageSize": {"10"}, "PageNumber": {"0"}}
		for k, v := range extra {
			p.Set(k, v)
		}
		if err := tc3.SignV1(p, "POST", u.Host, "/", tc3.Credential{SecretID: t.TencentSecretID, SecretKey: t.TencentSecretKey}, ""); err != nil {
			return nil, err
		}
		req, err := http.NewRequest("POST", t.Base+"/", strings.NewReader(p.Encode()))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return req, nil
	}
}

func aliyunRPC(extra map[string]string) func(Target, time.Time) (*http.Request, error) {
	return func(t Target, now time.Time) (*http.Request, error) {
		p := url.Values{"Action": {"ListCallDetailRecords"}, "Version": {"2020-07-01"}, "InstanceId": {t.AliyunInstance},
			"PageNumber": {"1"}, "PageSize": {"10"}}
		for k, v := range extra {
			p.Set(k, v)
		}
		pop.SignRPC(p, "POST", t.AliyunAccessKeyID, t.AliyunSecret, now, "")
		req, err := http.NewRequest("POST", t.Base+"/", strings.NewReader(p.Encode()))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return req, nil
	}
}

func laaffic(param string) func(Target, time.Time) (*http.Request, error) {
	return func(t Target, now time.Time) (*http.Request, error) {
		end := now.UTC()
		body := fmt.Sprintf(`{"current":1,"size":10,"params":{"strTime":%q,"endTime":%q,%s}}`,
			end.Add(-24*time.Hour).Format(time.RFC3339), end.Format(time.RFC3339), param)
		req, err := http.NewRequest("POST", t.Base+"/v3/voice/ccRecordQuery", strings.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json;charset=utf-8")
		lfauth.SignRequest(req, t.LaafficKey, t.LaafficSecret, now)
		return req, nil
	}
}

func native(query string) func(Target, time.Time) (*http.Request, error) {
	return func(t Target, now time.Time) (*http.Request, error) {
		req, err := http.NewRequest("GET", t.Base+"/api/v1/records?"+query, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+t.NativeToken)
		return req, nil
	}
}

func imREST(path, body string) func(Target, time.Time) (*http.Request, error) {
	return func(t Target, now time.Time) (*http.Request, error) {
		sig, err := usersig.Gen(t.IMSdkAppID, t.IMKey, t.IMIdentifier, time.Hour, now)
		if err != nil {
			return nil, err
		}
		b := body // each Build formats its own copy; cases are built concurrently
		if strings.Contains(b, "%d") {
			b = fmt.Sprintf(b, now.Unix()-86400, now.Unix())
		}
		q := url.Values{"sdkappid": {strconv.FormatUint(t.IMSdkAppID, 10)}, "identifier": {t.IMIdentifier},
			"usersig": {sig}, "random": {"1"}, "contenttype": {"json"}}
		req, err := http.NewRequest("POST", t.Base+path+"?"+q.Encode(), strings.NewReader(b))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		return req, nil
	}
}

func decode(body []byte, v any) error {
	if err := json.NewDecoder(bytes.NewReader(body)).Decode(v); err != nil {
		return fmt.Errorf("not JSON: %.200s", body)
	}
	return nil
}

func tencentCode(code string) func(int, []byte) error {
	return func(status int, body []byte) error {
		var out struct {
			Response struct{ Error struct{ Code string } }
		}
		if err := decode(body, &out); err != nil {
			return err
		}
		if status != 200 || out.Response.Error.Code != code {
			return fmt.Errorf("HTTP %d %s, want 200 %s", status, out.Response.Error.Code, code)
		}
		return nil
	}
}

func aliyunCode(wantStatus int, code string) func(int, []byte) error {
	return func(status int, body []byte) error {
		var out struct{ Code string }
		if err := decode(body, &out); err != nil {
			return err
		}
		if status != wantStatus || out.Code != code {
			return fmt.Errorf("HTTP %d %s, want %d %s", status, out.Code, wantStatus, code)
		}
		return nil
	}
}

func laafficStatus(want string) func(int, []byte) error {
	return func(status int, body []byte) error {
		var out struct {
			Status string `json:"status"`
		}
		if err := decode(body, &out); err != nil {
			return err
		}
		if status != 200 || out.Status != want {
			return fmt.Errorf("HTTP %d status %q, want 200 %q", status, out.Status, want)
		}
		return nil
	}
}

func nativeCode(wantStatus int, code string) func(int, []byte) error {
	return func(status int, body []byte) error {
		var out struct{ Error struct{ Code string } }
		if err := decode(body, &out); err != nil {
			return err
		}
		if status != wantStatus || out.Error.Code != code {
			return fmt.Errorf("HTTP %d %s, want %d %s", status, out.Error.Code, wantStatus, code)
		}
		return nil
	}
}

func imCode(code int) func(int, []byte) error {
	return func(status int, body []byte) error {
		var out map[string]any
		if err := decode(body, &out); err != nil {
			return err
		}
		got, ok := out["ErrorCode"].(float64)
		if !ok {
			got, _ = out["errorCode"].(float64)
		}
		if status != 200 || int(got) != code {
			return fmt.Errorf("HTTP %d ErrorCode %v, want 200 %d", status, got, code)
		}
		return nil
	}
}
