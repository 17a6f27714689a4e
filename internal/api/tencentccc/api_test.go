package tencentccc_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/api/tencentccc"
	"github.com/cdrhub/cdrhub/internal/auth/tc3"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/httpserver"
	tcmap "github.com/cdrhub/cdrhub/internal/mapping/tencentccc"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
	"github.com/cdrhub/cdrhub/internal/storetest"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
)

const (
	acmeID, acmeKey     = "AKIDacmeEXAMPLE", "acme-secret-key"
	acmeRotatedID       = "AKIDacmeROTATED"
	acmeRotatedKey      = "acme-rotated-key"
	globexID, globexKey = "AKIDglobexEXAMPLE", "globex-secret-key"
	acmeApp, globexApp  = int64(1400000001), int64(1400000002)
	day                 = int64(86400)
)

// base is the start of the test data: 2026-11-01T00:00:00Z.
var base = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

type env struct {
	srv   *httptest.Server
	store cdr.Store
}

// newEnv serves acme and globex, and the extra tenants, each with the
// records of seed.
func newEnv(t *testing.T, rps float64, burst int, extra ...tencentccc.Tenant) *env {
	t.Helper()
	store := storetest.Open(t, sqlstore.Options{CacheMiB: 4})
	tenants := append([]tencentccc.Tenant{
		{ID: cdr.MustTenantID("acme"), SdkAppID: acmeApp, RPS: rps, Burst: burst,
			Credentials: []tc3.Credential{{SecretID: acmeID, SecretKey: acmeKey}, {SecretID: acmeRotatedID, SecretKey: acmeRotatedKey}}},
		{ID: cdr.MustTenantID("globex"), SdkAppID: globexApp, RPS: rps, Burst: burst,
			Credentials: []tc3.Credential{{SecretID: globexID, SecretKey: globexKey}}},
	}, extra...)
	api, err := tencentccc.New(store, tenants)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpserver.Routes(httpserver.Ready{DB: store}, nil, slog.New(slog.DiscardHandler), httpserver.APIs{TencentCCC: api}))
	t.Cleanup(srv.Close)
	e := &env{srv: srv, store: store}
	for _, tn := range tenants {
		e.seed(t, tn.ID.String())
	}
	return e
}

// seed writes, for tenant tn, ten native voice records a day apart,
// one rtc record (never served here) and two Tencent records.
func (e *env) seed(t *testing.T, tenants ...string) {
	for _, tn := range tenants {
		var recs []*cdr.Record
		for i := range 10 {
			recs = append(recs, &cdr.Record{Channel: cdr.ChannelVoice, Source: cdr.SourceNative, SourceID: fmt.Sprintf("n%d", i),
				StartAt: base.Add(time.Duration(i) * 24 * time.Hour).UnixMilli(), Direction: cdr.DirectionInbound,
				Disposition: cdr.DispositionAnswered, Caller: cdr.Party{Address: fmt.Sprintf("+86 139 0000 %04d", i)},
				Callee: cdr.Party{Address: "+86 20 6666 8888"}, Note: tn})
		}
		recs = append(recs, &cdr.Record{Channel: cdr.ChannelRTC, Source: cdr.SourceNative, SourceID: "rtc", StartAt: base.UnixMilli() + 5000})
		for i, sid := range []string{"tc-session-1", "tc-session-2"} {
			raw := fmt.Sprintf(`{"SessionId":%q,"Caller":"13800001111","Callee":"02066668888","Time":%d,"Direction":0,"CallType":2,"Duration":60,"EndStatus":1,"EndStatusString":"ok","SeatUser":{"UserId":"agent@%s"}}`,
				sid, base.Unix()+int64(i)*3600+1800, tn)
			rec, err := tcmap.Ingest(json.RawMessage(raw), nil)
			if err != nil {
				t.Fatal(err)
			}
			recs = append(recs, rec)
		}
		if _, err := e.store.UpsertRecords(context.Background(), cdr.MustTenantID(tn), recs, cdr.UpsertOptions{}); err != nil {
			t.Fatal(err)
		}
	}
}

func (e *env) client(id, key, sign, method string) *common.Client {
	cpf := profile.NewClientProfile()
	cpf.HttpProfile.Endpoint = strings.TrimPrefix(e.srv.URL, "http://")
	cpf.HttpProfile.Scheme = "http"
	cpf.HttpProfile.ReqMethod = method
	cpf.SignMethod = sign
	return common.NewCommonClient(common.NewCredential(id, key), "ap-guangzhou", cpf)
}

type telCdr struct {
	SessionId       string
	Caller, Callee  string
	ProtectedCaller string
	Time            int64
	EndStatus       int64
	Remark          string
	SeatUser        struct{ UserId string }
}

type listResult struct {
	Response struct {
		TotalCount int64
		TelCdrList []telCdr
		TelCdrs    []telCdr
		RequestId  string
	}
}

// call sends action with params through the SDK (TC3, POST, CommonRequest).
func (e *env) call(t *testing.T, id, key, action string, params map[string]any) (listResult, error) {
	t.Helper()
	req := tchttp.NewCommonRequest("ccc", "2020-02-10", action)
	if err := req.SetActionParameters(params); err != nil {
		t.Fatal(err)
	}
	resp := tchttp.NewCommonResponse()
	var out listResult
	err := e.client(id, key, "TC3-HMAC-SHA256", "POST").Send(req, resp)
	if err == nil {
		if err := json.Unmarshal(resp.GetBody(), &out); err != nil {
			t.Fatal(err)
		}
	}
	return out, err
}

func code(err error) string {
	var e *tcerr.TencentCloudSDKError
	if errors.As(err, &e) {
		return e.Code
	}
	if err != nil {
		return "not an SDK error: " + err.Error()
	}
	return ""
}

func window(extra map[string]any) map[string]any {
	p := map[string]any{"SdkAppId": acmeApp, "StartTimeStamp": base.Unix(), "EndTimeStamp": base.Unix() + 20*day,
		"PageSize": 100, "PageNumber": 0}
	for k, v := range extra {
		p[k] = v
	}
	return p
}

func sessionIDs(l []telCdr) []string {
	var out []string
	for _, c := range l {
		out = append(out, c.SessionId)
	}
	return out
}

func TestDescribeTelCdr(t *testing.T) {
	e := newEnv(t, 1000, 1000)
	res, err := e.call(t, acmeID, acmeKey, "DescribeTelCdr", window(nil))
	if err != nil {
		t.Fatal(err)
	}
	r := res.Response
	if r.TotalCount != 12 || len(r.TelCdrList) != 12 || len(r.TelCdrs) != 12 || r.RequestId == "" {
		t.Fatalf("total %d, %d records, %d deprecated", r.TotalCount, len(r.TelCdrList), len(r.TelCdrs))
	}
	for i := 1; i < len(r.TelCdrList); i++ {
		if r.TelCdrList[i].Time > r.TelCdrList[i-1].Time {
			t.Errorf("not newest first at %d", i)
		}
	}
	// Same-source records keep their SessionId; native ones show their id.
	ids := sessionIDs(r.TelCdrList)
	if !contains(ids, "tc-session-1") || !contains(ids, cdr.RecordID("acme", cdr.SourceNative, "n3")) {
		t.Errorf("ids %v", ids)
	}
	// Rotation: the second credential of the tenant works too.
	if _, err := e.call(t, acmeRotatedID, acmeRotatedKey, "DescribeTelCdr", window(nil)); err != nil {
		t.Errorf("rotated credential: %v", err)
	}
	// Pages: 0-based, TotalCount on every page.
	var paged []string
	for page := 0; page < 3; page++ {
		res, err := e.call(t, acmeID, acmeKey, "DescribeTelCdr", window(map[string]any{"PageSize": 5, "PageNumber": page}))
		if err != nil || res.Response.TotalCount != 12 {
			t.Fatalf("page %d: %v total %d", page, err, res.Response.TotalCount)
		}
		paged = append(paged, sessionIDs(res.Response.TelCdrList)...)
	}
	if strings.Join(paged, ",") != strings.Join(ids, ",") {
		t.Errorf("pages %v\n!= list %v", paged, ids)
	}
	// Deprecated Limit/Offset page by rows.
	res, err = e.call(t, acmeID, acmeKey, "DescribeTelCdr", map[string]any{"SdkAppId": acmeApp, "StartTimeStamp": base.Unix(),
		"EndTimeStamp": base.Unix() + 20*day, "Limit": 3, "Offset": 2})
	if err != nil || strings.Join(sessionIDs(res.Response.TelCdrList), ",") != strings.Join(ids[2:5], ",") {
		t.Errorf("Limit/Offset: %v %v", err, sessionIDs(res.Response.TelCdrList))
	}
	// Filters.
	for _, tc := range []struct {
		name  string
		extra map[string]any
		want  int
	}{
		{"phone", map[string]any{"Phones": []string{"13900000003"}}, 1},
		{"phone either side", map[string]any{"Phones": []string{"+862066668888"}}, 10}, // the Tencent records have 02066668888
		{"session ids", map[string]any{"SessionIds": []string{"tc-session-2", cdr.RecordID("acme", cdr.SourceNative, "n1"), "n2"}}, 2},
		{"window ends inclusive", map[string]any{"StartTimeStamp": base.Unix() + 2*day, "EndTimeStamp": base.Unix() + 2*day}, 1},
	} {
		res, err := e.call(t, acmeID, acmeKey, "DescribeTelCdr", window(tc.extra))
		if err != nil || int(res.Response.TotalCount) != tc.want || len(res.Response.TelCdrList) != tc.want {
			t.Errorf("%s: %v total %d, want %d", tc.name, err, res.Response.TotalCount, tc.want)
		}
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func TestDescribeProtectedTelCdr(t *testing.T) {
	e := newEnv(t, 1000, 1000)
	res, err := e.call(t, acmeID, acmeKey, "DescribeProtectedTelCdr", window(nil))
	if err != nil || len(res.Response.TelCdrList) != 12 {
		t.Fatalf("%v %d", err, len(res.Response.TelCdrList))
	}
	for _, c := range res.Response.TelCdrList {
		if c.Caller != "" || c.Callee != "" {
			t.Errorf("%s shows numbers: %q %q", c.SessionId, c.Caller, c.Callee)
		}
	}
}

func TestTenantIsolation(t *testing.T) {
	e := newEnv(t, 1000, 1000)
	res, err := e.call(t, globexID, globexKey, "DescribeTelCdr", window(map[string]any{"SdkAppId": globexApp}))
	if err != nil || res.Response.TotalCount != 12 {
		t.Fatalf("%v %d", err, res.Response.TotalCount)
	}
	for _, c := range res.Response.TelCdrList {
		if c.Remark != "globex" && c.SeatUser.UserId != "agent@globex" {
			t.Errorf("globex sees %+v", c)
		}
	}
	// Another tenant's SdkAppId is answered exactly like an unknown one.
	_, errOther := e.call(t, globexID, globexKey, "DescribeTelCdr", window(map[string]any{"SdkAppId": acmeApp}))
	_, errUnknown := e.call(t, globexID, globexKey, "DescribeTelCdr", window(map[string]any{"SdkAppId": 1400009999}))
	if code(errOther) != "InvalidParameterValue.InstanceNotExist" || code(errUnknown) != code(errOther) {
		t.Errorf("other tenant's app: %v; unknown app: %v", errOther, errUnknown)
	}
	if strings.Contains(errOther.Error(), "acme") {
		t.Errorf("the error names the other tenant: %v", errOther)
	}
}

func TestErrors(t *testing.T) {
	e := newEnv(t, 1000, 1000)
	for _, tc := range []struct {
		name     string
		id, key  string
		action   string
		params   map[string]any
		wantCode string
	}{
		{"wrong key", acmeID, "wrong", "DescribeTelCdr", window(nil), "AuthFailure.SignatureFailure"},
		{"unknown SecretId", "AKIDnobody", acmeKey, "DescribeTelCdr", window(nil), "AuthFailure.SecretIdNotFound"},
		{"unknown action", acmeID, acmeKey, "DescribeSeats", window(nil), "InvalidAction"},
		{"missing SdkAppId", acmeID, acmeKey, "DescribeTelCdr", map[string]any{"StartTimeStamp": 1, "EndTimeStamp": 2, "PageSize": 1, "PageNumber": 0}, "MissingParameter"},
		{"missing EndTimeStamp", acmeID, acmeKey, "DescribeTelCdr", map[string]any{"SdkAppId": acmeApp, "StartTimeStamp": 1, "PageSize": 1, "PageNumber": 0}, "MissingParameter"},
		{"missing PageSize", acmeID, acmeKey, "DescribeTelCdr", map[string]any{"SdkAppId": acmeApp, "StartTimeStamp": base.Unix(), "EndTimeStamp": base.Unix() + 1}, "MissingParameter"},
		{"missing PageNumber", acmeID, acmeKey, "DescribeTelCdr", map[string]any{"SdkAppId": acmeApp, "StartTimeStamp": base.Unix(), "EndTimeStamp": base.Unix() + 1, "PageSize": 10}, "MissingParameter"},
		{"PageSize 101", acmeID, acmeKey, "DescribeTelCdr", window(map[string]any{"PageSize": 101}), "InvalidParameterValue"},
		{"negative PageNumber", acmeID, acmeKey, "DescribeTelCdr", window(map[string]any{"PageNumber": -1}), "InvalidParameterValue"},
		{"start after end", acmeID, acmeKey, "DescribeTelCdr", window(map[string]any{"StartTimeStamp": base.Unix() + 2*day, "EndTimeStamp": base.Unix()}), "InvalidParameterValue"},
		{"90 days", acmeID, acmeKey, "DescribeTelCdr", window(map[string]any{"EndTimeStamp": base.Unix() + 90*day}), "InvalidParameterValue"},
		{"unknown parameter", acmeID, acmeKey, "DescribeTelCdr", window(map[string]any{"Phone": "1"}), "UnknownParameter"},
		{"string for int", acmeID, acmeKey, "DescribeTelCdr", window(map[string]any{"PageSize": "10"}), "InvalidParameter"},
		{"unknown SdkAppId", acmeID, acmeKey, "DescribeTelCdr", window(map[string]any{"SdkAppId": 42}), "InvalidParameterValue.InstanceNotExist"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.call(t, tc.id, tc.key, tc.action, tc.params)
			if got := code(err); got != tc.wantCode {
				t.Errorf("code %q, want %q (%v)", got, tc.wantCode, err)
			}
		})
	}
}

// Every answer, error or not, is HTTP 200 with Content-Type exactly
// application/json and a fresh RequestId.
func TestEnvelope(t *testing.T) {
	e := newEnv(t, 1000, 1000)
	ids := map[string]bool{}
	for _, key := range []string{acmeKey, "wrong"} {
		body := `{"SdkAppId":1400000001,"StartTimeStamp":1761955200,"EndTimeStamp":1762000000,"PageSize":1,"PageNumber":0}`
		req, _ := http.NewRequest("POST", e.srv.URL+"/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-TC-Action", "DescribeTelCdr")
		req.Header.Set("X-TC-Version", "2020-02-10")
		req.Header.Set("X-TC-Region", "ap-guangzhou")
		if err := tc3.SignTC3(req, []byte(body), tc3.Credential{SecretID: acmeID, SecretKey: key}, "ccc", time.Now()); err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("status %d content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		var env struct{ Response struct{ RequestId string } }
		json.Unmarshal(b, &env)
		if env.Response.RequestId == "" || ids[env.Response.RequestId] {
			t.Errorf("RequestId %q not fresh: %s", env.Response.RequestId, b)
		}
		ids[env.Response.RequestId] = true
	}
}

func TestRateLimit(t *testing.T) {
	e := newEnv(t, 1, 3)
	var codes []string
	for range 5 {
		_, err := e.call(t, acmeID, acmeKey, "DescribeTelCdr", window(nil))
		codes = append(codes, code(err))
	}
	if strings.Join(codes, ",") != ",,,RequestLimitExceeded,RequestLimitExceeded" {
		t.Errorf("codes %q", codes)
	}
	// Another tenant's bucket is its own.
	if _, err := e.call(t, globexID, globexKey, "DescribeTelCdr", window(map[string]any{"SdkAppId": globexApp})); err != nil {
		t.Errorf("globex limited by acme's traffic: %v", err)
	}
}

// The database gone: InternalError, cause not shown; the service answers.
func TestDatabaseError(t *testing.T) {
	e := newEnv(t, 1000, 1000)
	e.store.Close()
	_, err := e.call(t, acmeID, acmeKey, "DescribeTelCdr", window(nil))
	if c := code(err); !strings.HasPrefix(c, "InternalError") || strings.Contains(err.Error(), "sql") {
		t.Errorf("code %q: %v", c, err)
	}
}

// v1 signatures through the SDK's own signing, GET and POST.
type telCdrRequest struct {
	*tchttp.BaseRequest
	SdkAppId       *int64    `json:"SdkAppId,omitempty" name:"SdkAppId"`
	StartTimeStamp *int64    `json:"StartTimeStamp,omitempty" name:"StartTimeStamp"`
	EndTimeStamp   *int64    `json:"EndTimeStamp,omitempty" name:"EndTimeStamp"`
	PageSize       *int64    `json:"PageSize,omitempty" name:"PageSize"`
	PageNumber     *int64    `json:"PageNumber,omitempty" name:"PageNumber"`
	Phones         []*string `json:"Phones,omitempty" name:"Phones"`
}

func TestV1Signatures(t *testing.T) {
	e := newEnv(t, 1000, 1000)
	for _, tc := range []struct{ sign, method string }{
		{"HmacSHA1", "GET"}, {"HmacSHA1", "POST"}, {"HmacSHA256", "GET"}, {"HmacSHA256", "POST"}, {"TC3-HMAC-SHA256", "GET"},
	} {
		app, start, end, size, page, phone := acmeApp, base.Unix(), base.Unix()+20*day, int64(100), int64(0), "13900000003"
		req := &telCdrRequest{BaseRequest: &tchttp.BaseRequest{}, SdkAppId: &app, StartTimeStamp: &start, EndTimeStamp: &end,
			PageSize: &size, PageNumber: &page, Phones: []*string{&phone}}
		req.Init().WithApiInfo("ccc", "2020-02-10", "DescribeTelCdr")
		resp := tchttp.NewCommonResponse()
		if err := e.client(acmeID, acmeKey, tc.sign, tc.method).Send(req, resp); err != nil {
			t.Errorf("%s %s: %v", tc.sign, tc.method, err)
			continue
		}
		var out listResult
		json.Unmarshal(resp.GetBody(), &out)
		if out.Response.TotalCount != 1 {
			t.Errorf("%s %s: total %d, want 1", tc.sign, tc.method, out.Response.TotalCount)
		}
		if err := e.client(acmeID, "wrong", tc.sign, tc.method).Send(req, tchttp.NewCommonResponse()); code(err) != "AuthFailure.SignatureFailure" {
			t.Errorf("%s %s wrong key: %v", tc.sign, tc.method, err)
		}
	}
}

// rawCall signs body with TC3 at signedAt (after setting headers) and
// returns the error code of the answer ("" for success).
func (e *env) rawCall(t *testing.T, body string, headers map[string]string, signedAt time.Time) string {
	t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+"/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-TC-Action", "DescribeTelCdr")
	req.Header.Set("X-TC-Version", "2020-02-10")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	if err := tc3.SignTC3(req, []byte(body), tc3.Credential{SecretID: acmeID, SecretKey: acmeKey}, "ccc", signedAt); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Response struct{ Error struct{ Code string } }
	}
	json.NewDecoder(resp.Body).Decode(&out)
	return out.Response.Error.Code
}

func TestHandSignedErrors(t *testing.T) {
	e := newEnv(t, 1000, 1000)
	good := `{"SdkAppId":1400000001,"StartTimeStamp":1761955200,"EndTimeStamp":1762000000,"PageSize":1,"PageNumber":0}`
	big := `{"SdkAppId":1400000001,"Phones":["` + strings.Repeat("1", 11<<20) + `"]}`
	for _, tc := range []struct {
		name    string
		body    string
		headers map[string]string
		at      time.Time
		want    string
	}{
		{"ok", good, nil, time.Now(), ""},
		{"expired", good, nil, time.Now().Add(-6 * time.Minute), "AuthFailure.SignatureExpire"},
		{"token refused", good, map[string]string{"X-TC-Token": "temporary"}, time.Now(), "AuthFailure.TokenFailure"},
		{"other version", good, map[string]string{"X-TC-Version": "2017-03-12"}, time.Now(), "NoSuchVersion"},
		{"too large", big, nil, time.Now(), "RequestSizeLimitExceeded"},
	} {
		if got := e.rawCall(t, tc.body, tc.headers, tc.at); got != tc.want {
			t.Errorf("%s: code %q, want %q", tc.name, got, tc.want)
		}
	}
}
