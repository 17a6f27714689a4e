package httpserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/api/laaffic"
	"github.com/cdrhub/cdrhub/internal/api/tencentccc"
	lfauth "github.com/cdrhub/cdrhub/internal/auth/laaffic"
	"github.com/cdrhub/cdrhub/internal/auth/tc3"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/httpserver"
	tcclient "github.com/cdrhub/cdrhub/internal/ingest/tencentccc"
	"github.com/cdrhub/cdrhub/internal/mapping"
	tcmap "github.com/cdrhub/cdrhub/internal/mapping/tencentccc"
	"github.com/cdrhub/cdrhub/internal/recordings"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
	"github.com/cdrhub/cdrhub/internal/storetest"
)

// TestRewriteURLs: with rewrite_urls, DescribeTelCdr answers an archived
// recording's RecordURL as a signed cdrhub link, which downloads the
// archived bytes; a recording not archived keeps the vendor's address;
// without it, the record is answered as it came.
func TestRewriteURLs(t *testing.T) {
	ctx := context.Background()
	s := storetest.OpenSubject(t, sqlstore.Options{Terms: tcmap.Terms})
	acme := cdr.MustTenantID("acme")
	key := []byte("0123456789abcdef0123456789abcdef")
	nat := uploadsAPI(t, s, key)
	tc, err := tencentccc.New(s.Store, []tencentccc.Tenant{{ID: acme, SdkAppID: syncApp, RPS: 1000, Burst: 1000,
		Credentials: []tc3.Credential{{SecretID: syncID, SecretKey: syncKey}}}})
	if err != nil {
		t.Fatal(err)
	}
	links := recordings.Links{Key: key}
	srv := httptest.NewServer(httpserver.Routes(httpserver.Ready{DB: s.Store}, nil, slog.New(slog.DiscardHandler),
		httpserver.APIs{Native: nat, TencentCCC: tc}))
	t.Cleanup(srv.Close)

	var recs []*cdr.Record
	for i := range 2 {
		raw := fmt.Sprintf(`{"SessionId":"rw-%d","Caller":"13800001111","Callee":"02066668888","Time":%d,"Direction":0,"CallType":2,`+
			`"Duration":60,"EndStatus":1,"EndStatusString":"ok","RecordURL":"https://vendor.example/rec/rw-%d.mp3?sign=a\u0026t=1"}`,
			i, syncBase.Unix()+int64(i)*60, i)
		rec, err := tcmap.Ingest(json.RawMessage(raw), nil)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}
	if _, err := s.Store.UpsertRecords(ctx, acme, recs, cdr.UpsertOptions{}); err != nil {
		t.Fatal(err)
	}
	audio := wav()
	found, _, err := s.Store.FindRecords(ctx, acme, cdr.Filter{VendorIDs: cdr.VendorIDs{Source: cdr.SourceTencentCCC, Values: []string{"rw-0"}}})
	if err != nil || len(found) != 1 {
		t.Fatalf("rw-0: %v", err)
	}
	upload(t, srv.URL, found[0].ID, audio)

	c, err := tcclient.New(tcclient.Config{Endpoint: srv.URL, Region: "ap-guangzhou", SecretID: syncID, SecretKey: syncKey, SdkAppID: syncApp, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	urls := func() map[string]string {
		t.Helper()
		p, err := c.Page(ctx, syncBase.Add(-time.Hour), syncBase.Add(time.Hour), 0)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, raw := range p.Records {
			var info struct{ SessionId, RecordURL string }
			if err := json.Unmarshal(raw, &info); err != nil {
				t.Fatal(err)
			}
			out[info.SessionId] = info.RecordURL
		}
		return out
	}
	// Without rewrite_urls: as the vendor gave it.
	if got := urls(); got["rw-0"] != "https://vendor.example/rec/rw-0.mp3?sign=a&t=1" {
		t.Fatalf("without rewrite_urls: %q", got["rw-0"])
	}
	tc.Rewrite = func(ctx context.Context, t cdr.TenantID, origin string, rec *cdr.Record) error {
		return links.Rewrite(ctx, s.Archive, t, origin, time.Now().Add(time.Hour).Unix(), rec)
	}
	got := urls()
	if !strings.HasPrefix(got["rw-0"], srv.URL+"/api/v1/records/") || got["rw-1"] != "https://vendor.example/rec/rw-1.mp3?sign=a&t=1" {
		t.Fatalf("with rewrite_urls: %v", got)
	}
	dl, err := http.Get(got["rw-0"])
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(dl.Body)
	dl.Body.Close()
	if dl.StatusCode != http.StatusOK || !bytes.Equal(b, audio) {
		t.Fatalf("the rewritten RecordURL: %d, %d bytes, want the %d archived", dl.StatusCode, len(b), len(audio))
	}
}

// TestRewriteURLsLaaffic: the laaffic query's voiceUrl is rewritten the
// same way, and the link plays.
func TestRewriteURLsLaaffic(t *testing.T) {
	ctx := context.Background()
	s := storetest.OpenSubject(t, sqlstore.Options{})
	acme := cdr.MustTenantID("acme")
	key := []byte("0123456789abcdef0123456789abcdef")
	nat := uploadsAPI(t, s, key)
	lf, err := laaffic.New(s.Store, []laaffic.Tenant{{ID: acme, APIKey: laffKey, APISecret: laffSecret, Location: time.UTC, RPS: 100, Burst: 100}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	lf.Rewrite = func(ctx context.Context, t cdr.TenantID, origin string, rec *cdr.Record) error {
		return recordings.Links{Key: key}.Rewrite(ctx, s.Archive, t, origin, time.Now().Add(time.Hour).Unix(), rec)
	}
	srv := httptest.NewServer(httpserver.Routes(httpserver.Ready{DB: s.Store}, nil, slog.New(slog.DiscardHandler),
		httpserver.APIs{Native: nat, Laaffic: lf}))
	t.Cleanup(srv.Close)
	start := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	raw := strings.Replace(laffRaw("lf-1", start.Format("2006-01-02 15:04:05"), "r"), `"voiceUrl":""`, `"voiceUrl":"https://vendor.example/lf-1.mp3"`, 1)
	rec, err := mapping.NewFormats(mapping.Tenant{Location: time.UTC}).Decoders[cdr.SourceLaaffic].Decode(json.RawMessage(raw))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Store.UpsertRecords(ctx, acme, []*cdr.Record{rec}, cdr.UpsertOptions{}); err != nil {
		t.Fatal(err)
	}
	found, _, err := s.Store.FindRecords(ctx, acme, cdr.Filter{})
	if err != nil || len(found) != 1 {
		t.Fatalf("%v", err)
	}
	audio := wav()
	upload(t, srv.URL, found[0].ID, audio)
	body := fmt.Sprintf(`{"current":1,"size":10,"params":{"strTime":%q,"endTime":%q}}`,
		start.Add(-time.Hour).Format("2006-01-02T15:04:05Z"), start.Add(time.Hour).Format("2006-01-02T15:04:05Z"))
	q, _ := http.NewRequest(http.MethodPost, srv.URL+"/v3/voice/ccRecordQuery", strings.NewReader(body))
	q.Header.Set("Content-Type", "application/json;charset=utf-8")
	lfauth.SignRequest(q, laffKey, laffSecret, time.Now())
	resp, err := http.DefaultClient.Do(q)
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Status string
		Data   struct {
			Records []struct {
				VoiceURL string `json:"voiceUrl"`
			}
		}
	}
	err = json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	if err != nil || len(out.Data.Records) != 1 || !strings.HasPrefix(out.Data.Records[0].VoiceURL, srv.URL+"/api/v1/records/") {
		t.Fatalf("ccRecordQuery: %+v %v", out, err)
	}
	dl, err := http.Get(out.Data.Records[0].VoiceURL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(dl.Body)
	dl.Body.Close()
	if dl.StatusCode != http.StatusOK || !bytes.Equal(b, audio) {
		t.Fatalf("the rewritten voiceUrl: %d, %d bytes", dl.StatusCode, len(b))
	}
}
