package httpserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"

	"github.com/cdrhub/cdrhub/internal/api/aliyunccc"
	"github.com/cdrhub/cdrhub/internal/api/native"
	"github.com/cdrhub/cdrhub/internal/blob"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/httpserver"
	alimap "github.com/cdrhub/cdrhub/internal/mapping/aliyunccc"
	"github.com/cdrhub/cdrhub/internal/recordings"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
	"github.com/cdrhub/cdrhub/internal/storetest"
)

// TestGetMonoRecordingPlays: a recording uploaded to the archive through
// the native API is what the FileUrl of Alibaba's GetMonoRecording, asked
// through Alibaba's official SDK, downloads, byte for byte, with no token.
func TestGetMonoRecordingPlays(t *testing.T) {
	ctx := context.Background()
	s := storetest.OpenSubject(t, sqlstore.Options{Terms: alimap.Terms})
	key := []byte("0123456789abcdef0123456789abcdef")
	nat := uploadsAPI(t, s, key)
	ali, err := aliyunccc.New(s.Store, []aliyunccc.Tenant{{ID: cdr.MustTenantID("acme"), InstanceID: "ccc-acme", RPS: 100, Burst: 100,
		Credentials: []aliyunccc.Credential{{AccessKeyID: "LTAIacme", AccessKeySecret: "acme-secret"}}}})
	if err != nil {
		t.Fatal(err)
	}
	ali.SetRecordings(&aliyunccc.Recordings{State: s.Archive, Links: recordings.Links{Key: key}})
	srv := httptest.NewServer(httpserver.Routes(httpserver.Ready{DB: s.Store}, nil, slog.New(slog.DiscardHandler),
		httpserver.APIs{Native: nat, AliyunCCC: ali}))
	t.Cleanup(srv.Close)

	start := time.Now().Add(-time.Hour).UnixMilli()
	raw := `{"ContactId":"job-77","InstanceId":"ccc-acme","ContactType":"Inbound","ContactDisposition":"Success","CallingNumber":"13800001111",` +
		`"CalledNumber":"057188880000","StartTime":` + jsonInt(start) + `,"ReleaseTime":` + jsonInt(start+60_000) + `,"CallDuration":"60","RecordingReady":true,"RecordingDuration":1}`
	rec, err := alimap.Ingest(json.RawMessage(raw), nil)
	if err != nil {
		t.Fatal(err)
	}
	acme := cdr.MustTenantID("acme")
	if _, err := s.Store.UpsertRecords(ctx, acme, []*cdr.Record{rec}, cdr.UpsertOptions{}); err != nil {
		t.Fatal(err)
	}
	found, _, err := s.Store.FindRecords(ctx, acme, cdr.Filter{})
	if err != nil || len(found) != 1 {
		t.Fatalf("%v %d", err, len(found))
	}
	audio := wav()
	upload(t, srv.URL, found[0].ID, audio)

	c, err := openapi.NewClient(&openapi.Config{AccessKeyId: tea.String("LTAIacme"), AccessKeySecret: tea.String("acme-secret"),
		Endpoint: tea.String(strings.TrimPrefix(srv.URL, "http://")), Protocol: tea.String("http")})
	if err != nil {
		t.Fatal(err)
	}
	params := &openapi.Params{Action: tea.String("GetMonoRecording"), Version: tea.String("2020-07-01"), Protocol: tea.String("HTTP"),
		Pathname: tea.String("/"), Method: tea.String("POST"), AuthType: tea.String("AK"), Style: tea.String("RPC"),
		ReqBodyType: tea.String("formData"), BodyType: tea.String("json")}
	out, err := c.CallApi(params, &openapi.OpenApiRequest{Query: map[string]*string{"InstanceId": tea.String("ccc-acme"), "ContactId": tea.String("job-77")}}, &dara.RuntimeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := out["body"].(map[string]any)
	data, _ := body["Data"].(map[string]any)
	fileURL, _ := data["FileUrl"].(string)
	if data["FileName"] != "job-77.wav" || !strings.HasPrefix(fileURL, srv.URL+"/") {
		t.Fatalf("Data %v", data)
	}
	got, err := http.Get(fileURL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if got.StatusCode != http.StatusOK || !bytes.Equal(b, audio) {
		t.Fatalf("GET FileUrl: %d, %d bytes, want the %d uploaded", got.StatusCode, len(b), len(audio))
	}
}

func jsonInt(v int64) string { b, _ := json.Marshal(v); return string(b) }

// uploadsAPI is the native API over s with recordings uploaded to a
// directory, for the bearer token "ops-token-0123456789" of acme.
func uploadsAPI(t *testing.T, s storetest.Subject, key []byte) *native.API {
	t.Helper()
	blobs, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	nat, err := native.New(s.Store, []native.Token{{Name: "ops", Secret: "ops-token-0123456789", Tenant: "acme"}}, []string{"acme"}, native.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	nat.SetRecordings(&native.Recordings{State: s.Archive, Blobs: blobs, SigningKey: key, MaxFileBytes: 1 << 20})
	return nat
}

// upload puts audio as the first recording of record id through the
// native API at base, as uploadsAPI's token.
func upload(t *testing.T, base, id string, audio []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, base+"/api/v1/records/"+id+"/recordings/0", bytes.NewReader(audio))
	req.Header.Set("Authorization", "Bearer ops-token-0123456789")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("upload %s: %d", id, resp.StatusCode)
	}
}
