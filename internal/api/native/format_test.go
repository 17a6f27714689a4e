package native_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/api/native"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/mapping"
)

const telCdr = `{"SessionId":"s-1","Caller":"13800001111","Callee":"02066668888","Time":1762000000,"Direction":0,"CallType":2,"Duration":42,"EndStatus":1,"EndStatusString":"ok","Uui":"kept only in raw"}`

func TestVendorFormat(t *testing.T) {
	e := newEnv(t, native.DefaultLimits)
	api := e.api
	// acme's vendor formats, with the default satisfaction maps; globex
	// has none.
	api.SetFormats(cdr.MustTenantID("acme"), mapping.NewFormats(mapping.Tenant{TencentCCCSdkAppID: 1400000001}))

	start := time.Now().UnixMilli()
	envelope := `{"Response":{"TotalCount":2,"TelCdrList":[` + telCdr + `,{"SessionId":""}],"RequestId":"x"}}`
	var resp native.UpsertResponse
	if code := e.do(t, "POST", "/api/v1/records?format=tencent_ccc", acmeToken, "application/json", envelope, &resp); code != 200 {
		t.Fatalf("status %d", code)
	}
	if resp.Inserted != 1 || resp.Rejected != 1 || len(resp.Errors) != 1 || resp.Errors[0].Line != 2 {
		t.Errorf("response %+v", resp)
	}
	e.do(t, "POST", "/api/v1/records?format=tencent_ccc", acmeToken, "application/x-ndjson", telCdr+"\n", &resp)
	if resp.Unchanged != 1 {
		t.Errorf("re-sending the vendor object: %+v", resp)
	}
	id := cdr.RecordID("acme", cdr.SourceTencentCCC, "s-1")
	var rec cdr.Record
	e.do(t, "GET", "/api/v1/records/"+id+"?include=raw", acmeToken, "", "", &rec)
	if rec.Source != cdr.SourceTencentCCC || *rec.TalkS != 42 || rec.Disposition != cdr.DispositionAnswered || string(rec.Raw) != telCdr {
		t.Errorf("stored %+v raw %s", rec, rec.Raw)
	}
	if rec.Version < start || rec.Version > time.Now().UnixMilli() {
		t.Errorf("version %d of a vendor object, want the receive time", rec.Version)
	}
	// ?as= gives the vendor object back verbatim, and renders native records.
	if got := getBody(t, e, "/api/v1/records/"+id+"?as=tencent_ccc"); strings.TrimSpace(got) != telCdr {
		t.Errorf("as tencent_ccc: %s", got)
	}
	e.do(t, "POST", "/api/v1/records", acmeToken, "", rec2, nil)
	got := getBody(t, e, "/api/v1/records/"+cdr.RecordID("acme", "native", "pbx-9")+"?as=tencent_ccc")
	var obj map[string]any
	if err := json.Unmarshal([]byte(got), &obj); err != nil || obj["SessionId"] != cdr.RecordID("acme", "native", "pbx-9") || obj["Caller"] != "+86 139 1234 5678" {
		t.Errorf("native record as tencent_ccc: %s", got)
	}
	// Channel mismatch, unknown format.
	e.do(t, "POST", "/api/v1/records", acmeToken, "", `{"channel":"chat","source":"native","source_id":"c","start_at":1762000000000}`, nil)
	for path, want := range map[string]int{
		"/api/v1/records/" + cdr.RecordID("acme", "native", "c") + "?as=tencent_ccc": 400,
		"/api/v1/records/" + id + "?as=nobody":                                       400,
	} {
		if code := e.do(t, "GET", path, acmeToken, "", "", nil); code != want {
			t.Errorf("%s: %d, want %d", path, code, want)
		}
	}
	if code := e.do(t, "POST", "/api/v1/records?format=tencent_ccc", acmeToken, "", `{"Response":{"Error":{"Code":"X"}}}`, nil); code != 400 {
		t.Errorf("an error envelope: %d", code)
	}
	var body native.ErrorBody
	if code := e.do(t, "POST", "/api/v1/records?format=tencent_ccc", globexToken, "", telCdr, &body); code != 400 || body.Error.Message != `format "tencent_ccc" is not supported` {
		t.Errorf("a tenant without formats: %d %+v", code, body)
	}
}

const rec2 = `{"channel":"voice","source":"native","source_id":"pbx-9","start_at":1762000000000,"caller":{"address":"+86 139 1234 5678"}}`

func getBody(t *testing.T, e *env, path string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+acmeToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
