package httpserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/api/aliyunccc"
	"github.com/cdrhub/cdrhub/internal/api/native"
	"github.com/cdrhub/cdrhub/internal/blob"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/httpserver"
	aliclient "github.com/cdrhub/cdrhub/internal/ingest/aliyunccc"
	"github.com/cdrhub/cdrhub/internal/recordings"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
	"github.com/cdrhub/cdrhub/internal/storetest"
)

// TestAliMonoRecordingClient: the sync's Alibaba client asks an upstream
// cdrhub's GetMonoRecording for calls whose recordings the upstream has
// archived; each FileUrl downloads the bytes uploaded upstream. A call
// whose recording is not archived there, or that has none, is the
// vendor's NotExists.ContactId, a client error.
func TestAliMonoRecordingClient(t *testing.T) {
	ctx := context.Background()
	acme := cdr.MustTenantID("acme")
	key := []byte("0123456789abcdef0123456789abcdef")

	// The upstream.
	up := storetest.OpenSubject(t, sqlstore.Options{CacheMiB: 4})
	upBlobs, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	nat, err := native.New(up.Store, []native.Token{{Name: "ops", Secret: "ops-token-0123456789", Tenant: "acme"}}, []string{"acme"}, native.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	nat.SetRecordings(&native.Recordings{State: up.Archive, Blobs: upBlobs, SigningKey: key, MaxFileBytes: 1 << 20})
	ali, err := aliyunccc.New(up.Store, []aliyunccc.Tenant{{ID: acme, InstanceID: aliInstance, RPS: 1000, Burst: 1000,
		Credentials: []aliyunccc.Credential{{AccessKeyID: aliKeyID, AccessKeySecret: aliSecret}}}})
	if err != nil {
		t.Fatal(err)
	}
	ali.SetRecordings(&aliyunccc.Recordings{State: up.Archive, Links: recordings.Links{Key: key}})
	srv := httptest.NewServer(httpserver.Routes(httpserver.Ready{DB: up.Store}, nil, slog.New(slog.DiscardHandler),
		httpserver.APIs{Native: nat, AliyunCCC: ali}))
	t.Cleanup(srv.Close)

	// Its records: job-0 … job-4 with a recording, each uploaded but
	// job-4's; job-5 without one.
	var recs []*cdr.Record
	for i := range 6 {
		at := aliBase.Add(time.Duration(i) * 20 * time.Minute).UnixMilli()
		raw := fmt.Sprintf(`{"ContactId":"job-%d","InstanceId":%q,"ContactType":"Inbound","ContactDisposition":"Success","CallingNumber":"1380000%04d",`+
			`"CalledNumber":"057188880000","StartTime":%d,"ReleaseTime":%d,"CallDuration":"60","RecordingReady":%t,"RecordingDuration":1}`,
			i, aliInstance, i, at, at+60_000, i < 5)
		r, err := aliDecoder().Decode(json.RawMessage(raw))
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	if _, err := up.Store.UpsertRecords(ctx, acme, recs, cdr.UpsertOptions{}); err != nil {
		t.Fatal(err)
	}
	audio := map[string][]byte{}
	for i := range 4 {
		sid := fmt.Sprintf("job-%d", i)
		found, _, err := up.Store.FindRecords(ctx, acme, cdr.Filter{VendorIDs: cdr.VendorIDs{Source: cdr.SourceAliyunCCC, Values: []string{sid}}})
		if err != nil || len(found) != 1 {
			t.Fatalf("%s: %v", sid, err)
		}
		audio[sid] = append(wav(), byte(i)) // each file its own
		req, _ := http.NewRequest(http.MethodPut, srv.URL+"/api/v1/records/"+found[0].ID+"/recordings/0", bytes.NewReader(audio[sid]))
		req.Header.Set("Authorization", "Bearer ops-token-0123456789")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("upload %s: %d", sid, resp.StatusCode)
		}
	}

	c := aliClient(t, srv.URL, nil)
	for i := range 6 {
		sid := fmt.Sprintf("job-%d", i)
		m, err := c.MonoRecording(ctx, sid)
		want, uploaded := audio[sid]
		if !uploaded {
			var e *aliclient.Error
			if !errors.As(err, &e) || e.Code != "NotExists.ContactId" || e.Kind != aliclient.Invalid || e.Status != http.StatusNotFound {
				t.Errorf("%s: %v, want NotExists.ContactId, Invalid", sid, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", sid, err)
		}
		if m.FileName != sid+".wav" || m.Duration != time.Second {
			t.Errorf("%s: %+v", sid, m)
		}
		resp, err := http.Get(m.FileURL)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !bytes.Equal(b, want) {
			t.Errorf("%s: GET FileUrl %d, %d bytes, want the %d uploaded", sid, resp.StatusCode, len(b), len(want))
		}
	}
	// Another instance's key is refused as the vendor refuses it.
	other := aliClient(t, srv.URL, func(c *aliclient.Config) { c.InstanceID = aliOtherInstance })
	var e *aliclient.Error
	if _, err := other.MonoRecording(ctx, "job-0"); !errors.As(err, &e) || e.Code != "NotExists.InstanceId" {
		t.Errorf("another instance: %v", err)
	}
}
