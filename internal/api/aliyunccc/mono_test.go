package aliyunccc_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/api/aliyunccc"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/httpserver"
	alimap "github.com/cdrhub/cdrhub/internal/mapping/aliyunccc"
	"github.com/cdrhub/cdrhub/internal/recordings"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
	"github.com/cdrhub/cdrhub/internal/storetest"
)

// monoEnv serves GetMonoRecording over a store and its archive. Tenant
// acme holds three Alibaba records: job-rec, whose recording is archived
// (a WAV file), job-wait, whose recording is not archived yet, and
// job-none, without a recording; globex holds a job-rec of its own. (The
// links' downloads are the native API's, tested with it and in
// internal/httpserver.)
type monoEnv struct {
	env
	key   []byte
	state cdr.Archive
}

func newMonoEnv(t *testing.T) *monoEnv {
	t.Helper()
	s := storetest.OpenSubject(t, sqlstore.Options{CacheMiB: 4, Terms: alimap.Terms})
	api, err := aliyunccc.New(s.Store, []aliyunccc.Tenant{
		{ID: cdr.MustTenantID("acme"), InstanceID: "ccc-acme", RPS: 1000, Burst: 1000, Credentials: []aliyunccc.Credential{{acmeID, acmeSecret}}},
		{ID: cdr.MustTenantID("globex"), InstanceID: "ccc-globex", RPS: 1000, Burst: 1000, Credentials: []aliyunccc.Credential{{globexID, globexSecret}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	key := []byte("0123456789abcdef0123456789abcdef")
	api.SetRecordings(&aliyunccc.Recordings{State: s.Archive, Links: recordings.Links{Key: key}})
	srv := httptest.NewServer(httpserver.Routes(httpserver.Ready{DB: s.Store}, nil, slog.New(slog.DiscardHandler),
		httpserver.APIs{AliyunCCC: api}))
	t.Cleanup(srv.Close)
	e := &monoEnv{env: env{srv: srv, store: s.Store, api: api}, key: key, state: s.Archive}
	ctx := context.Background()
	for _, tn := range []string{"acme", "globex"} {
		t0 := base.UnixMilli()
		var recs []*cdr.Record
		for i, c := range []struct {
			id    string
			ready bool
		}{{"job-rec", true}, {"job-wait", true}, {"job-none", false}} {
			raw := fmt.Sprintf(`{"ContactId":%q,"InstanceId":"ccc-%s","ContactType":"Inbound","ContactDisposition":"Success","CallingNumber":"13800001111","CalledNumber":"057188880000","StartTime":%d,"ReleaseTime":%d,"CallDuration":"60","RecordingReady":%t,"RecordingDuration":58}`,
				c.id, tn, t0+int64(i)*60_000, t0+int64(i)*60_000+60_000, c.ready)
			r, err := alimap.Ingest(json.RawMessage(raw), nil)
			if err != nil {
				t.Fatal(err)
			}
			recs = append(recs, r)
		}
		tid := cdr.MustTenantID(tn)
		if _, err := s.Store.UpsertRecords(ctx, tid, recs, cdr.UpsertOptions{}); err != nil {
			t.Fatal(err)
		}
		for _, sid := range []string{"job-rec", "job-wait"} {
			found, _, err := s.Store.FindRecords(ctx, tid, cdr.Filter{VendorIDs: cdr.VendorIDs{Source: cdr.SourceAliyunCCC, Values: []string{sid}}})
			if err != nil || len(found) != 1 {
				t.Fatalf("%s: %v", sid, err)
			}
			if err := s.Archive.PlanRecord(ctx, tid, found[0], 0); err != nil {
				t.Fatal(err)
			}
			if sid != "job-rec" {
				continue
			}
			stored := cdr.StoredFile{Key: tn + "/k", Bytes: 1600, SHA256: strings.Repeat("ab", 32), ContentType: "audio/wav", At: time.Now().UnixMilli()}
			if _, err := s.Archive.SetArchived(ctx, tid, found[0].ID, 0, stored); err != nil {
				t.Fatal(err)
			}
		}
	}
	return e
}

// recordID is tenant tn's id of Alibaba contact sid.
func (e *monoEnv) recordID(t *testing.T, tn, sid string) string {
	t.Helper()
	found, _, err := e.store.FindRecords(context.Background(), cdr.MustTenantID(tn),
		cdr.Filter{VendorIDs: cdr.VendorIDs{Source: cdr.SourceAliyunCCC, Values: []string{sid}}})
	if err != nil || len(found) != 1 {
		t.Fatalf("%s: %v", sid, err)
	}
	return found[0].ID
}

func TestGetMonoRecording(t *testing.T) {
	e := newMonoEnv(t)
	for _, alg := range []string{"", "v2"} { // V3, then RPC v1
		before := time.Now().Unix()
		body, err := e.call(t, acmeID, acmeSecret, alg, "GetMonoRecording", map[string]string{"InstanceId": "ccc-acme", "ContactId": "job-rec", "ExpireSeconds": "300"})
		if err != nil {
			t.Fatalf("%q: %v", alg, err)
		}
		if body["Code"] != "OK" || body["HttpStatusCode"] != json.Number("200") && body["HttpStatusCode"] != float64(200) {
			t.Errorf("envelope %v", body)
		}
		data, _ := body["Data"].(map[string]any)
		if data["FileName"] != "job-rec.wav" || fmt.Sprint(data["Duration"]) != "58000" {
			t.Errorf("data %v", data)
		}
		fileURL, _ := data["FileUrl"].(string)
		u, err := url.Parse(fileURL)
		if err != nil || !strings.HasPrefix(fileURL, e.srv.URL+"/api/v1/records/") {
			t.Fatalf("FileUrl %q", fileURL)
		}
		exp, _ := strconv.ParseInt(u.Query().Get("expires"), 10, 64)
		if exp < before+300 || exp > time.Now().Unix()+300 {
			t.Errorf("the link expires at %d, want 300 s from %d", exp, before)
		}
		// The link is the native API's signed link to the archived file.
		id := e.recordID(t, "acme", "job-rec")
		q := u.Query()
		if u.Path != recordings.Path(id, 0) || q.Get("tenant") != "acme" ||
			!(recordings.Links{Key: e.key}).Valid(cdr.MustTenantID("acme"), id, 0, exp, q.Get("signature")) {
			t.Errorf("FileUrl %s is not a valid link to acme's record %s, file 0", fileURL, id)
		}
	}
	// Without ExpireSeconds, the link lives a day.
	body, err := e.call(t, acmeID, acmeSecret, "", "GetMonoRecording", map[string]string{"InstanceId": "ccc-acme", "ContactId": "job-rec"})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(body["Data"].(map[string]any)["FileUrl"].(string))
	if exp, _ := strconv.ParseInt(u.Query().Get("expires"), 10, 64); exp-time.Now().Unix() < 86_390 || exp-time.Now().Unix() > 86_400 {
		t.Errorf("default expiry in %d s", exp-time.Now().Unix())
	}
}

func TestGetMonoRecordingErrors(t *testing.T) {
	e := newMonoEnv(t)
	for _, tc := range []struct {
		name   string
		q      map[string]string
		code   string
		status int
	}{
		{"no ContactId", map[string]string{"InstanceId": "ccc-acme"}, "Parameter.Null", 400},
		{"blank ContactId", map[string]string{"InstanceId": "ccc-acme", "ContactId": "  "}, "Parameter.Blank", 400},
		{"no InstanceId", map[string]string{"ContactId": "job-rec"}, "Parameter.Null", 400},
		{"empty InstanceId", map[string]string{"InstanceId": "", "ContactId": "job-rec"}, "Parameter.Blank", 400},
		{"another tenant's instance", map[string]string{"InstanceId": "ccc-globex", "ContactId": "job-rec"}, "NotExists.InstanceId", 404},
		{"unknown contact", map[string]string{"InstanceId": "ccc-acme", "ContactId": "job-nope"}, "NotExists.ContactId", 404},
		{"not archived yet", map[string]string{"InstanceId": "ccc-acme", "ContactId": "job-wait"}, "NotExists.ContactId", 404},
		{"no recording", map[string]string{"InstanceId": "ccc-acme", "ContactId": "job-none"}, "NotExists.ContactId", 404},
		{"ExpireSeconds 0", map[string]string{"InstanceId": "ccc-acme", "ContactId": "job-rec", "ExpireSeconds": "0"}, "Parameter.Format", 400},
		{"ExpireSeconds text", map[string]string{"InstanceId": "ccc-acme", "ContactId": "job-rec", "ExpireSeconds": "1d"}, "Parameter.Format", 400},
		{"ExpireSeconds over a week", map[string]string{"InstanceId": "ccc-acme", "ContactId": "job-rec", "ExpireSeconds": "604801"}, "Parameter.Format", 400},
		{"ContactId too long", map[string]string{"InstanceId": "ccc-acme", "ContactId": strings.Repeat("j", 200)}, "Parameter.Format", 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.call(t, acmeID, acmeSecret, "", "GetMonoRecording", tc.q)
			wantError(t, err, tc.code, tc.status)
		})
	}
	// Each tenant gets a link to its own record for the same ContactId.
	for _, c := range []struct{ tenant, id, secret, inst string }{{"acme", acmeID, acmeSecret, "ccc-acme"}, {"globex", globexID, globexSecret, "ccc-globex"}} {
		body, err := e.call(t, c.id, c.secret, "", "GetMonoRecording", map[string]string{"InstanceId": c.inst, "ContactId": "job-rec"})
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(body["Data"].(map[string]any)["FileUrl"].(string))
		if u.Path != recordings.Path(e.recordID(t, c.tenant, "job-rec"), 0) || u.Query().Get("tenant") != c.tenant {
			t.Errorf("%s's link %s", c.tenant, u)
		}
	}
}
