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
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/api/aliyunccc"
	"github.com/cdrhub/cdrhub/internal/api/native"
	"github.com/cdrhub/cdrhub/internal/blob"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/httpserver"
	"github.com/cdrhub/cdrhub/internal/ingest"
	aliclient "github.com/cdrhub/cdrhub/internal/ingest/aliyunccc"
	"github.com/cdrhub/cdrhub/internal/recordings"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
	"github.com/cdrhub/cdrhub/internal/storetest"
)

// aliRecordingUpstream is a cdrhub serving Alibaba's
// ListCallDetailRecords and GetMonoRecording, and the native API's
// uploads and links, over one store and archive: tenant acme's job-0 …
// job-5 (aliBase, 20 minutes apart), job-0 … job-4 with a recording, each
// uploaded (its bytes in audio by ContactId) but job-4's, job-5 without
// one.
func aliRecordingUpstream(t *testing.T) (srv *httptest.Server, audio map[string][]byte) {
	t.Helper()
	ctx := context.Background()
	acme := cdr.MustTenantID("acme")
	key := []byte("0123456789abcdef0123456789abcdef")

	// The upstream.
	up := storetest.OpenSubject(t, sqlstore.Options{CacheMiB: 4})
	nat := uploadsAPI(t, up, key)
	ali, err := aliyunccc.New(up.Store, []aliyunccc.Tenant{{ID: acme, InstanceID: aliInstance, RPS: 1000, Burst: 1000,
		Credentials: []aliyunccc.Credential{{AccessKeyID: aliKeyID, AccessKeySecret: aliSecret}}}})
	if err != nil {
		t.Fatal(err)
	}
	ali.SetRecordings(&aliyunccc.Recordings{State: up.Archive, Links: recordings.Links{Key: key}})
	srv = httptest.NewServer(httpserver.Routes(httpserver.Ready{DB: up.Store}, nil, slog.New(slog.DiscardHandler),
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
	audio = map[string][]byte{}
	for i := range 4 {
		sid := fmt.Sprintf("job-%d", i)
		found, _, err := up.Store.FindRecords(ctx, acme, cdr.Filter{VendorIDs: cdr.VendorIDs{Source: cdr.SourceAliyunCCC, Values: []string{sid}}})
		if err != nil || len(found) != 1 {
			t.Fatalf("%s: %v", sid, err)
		}
		audio[sid] = append(wav(), byte(i)) // each file its own
		upload(t, srv.URL, found[0].ID, audio[sid])
	}

	return srv, audio
}

// TestAliMonoRecordingClient: the sync's Alibaba client asks an upstream
// cdrhub's GetMonoRecording for calls whose recordings the upstream has
// archived; each FileUrl downloads the bytes uploaded upstream. A call
// whose recording is not archived there, or that has none, is the
// vendor's NotExists.ContactId, a client error.
func TestAliMonoRecordingClient(t *testing.T) {
	ctx := context.Background()
	srv, audio := aliRecordingUpstream(t)
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

// TestAliRecordingsClosedLoop: a downstream syncs the upstream's Alibaba
// records, then its archive fetches each recording through the upstream's
// GetMonoRecording (the Resolver of Alibaba's files, which name no
// address) and keeps the same bytes. A record without a recording has no
// file; one whose recording the upstream has not archived stays pending
// after a resolve failure, to be tried again.
func TestAliRecordingsClosedLoop(t *testing.T) {
	ctx := context.Background()
	acme := cdr.MustTenantID("acme")
	srv, audio := aliRecordingUpstream(t)

	down := storetest.OpenSubject(t, sqlstore.Options{CacheMiB: 4})
	c := aliClient(t, srv.URL, nil)
	job := ingest.Job{Tenant: acme, Source: cdr.SourceAliyunCCC, Client: c.Engine(), Decoder: aliDecoder(),
		Store: down.Store, State: down.SyncState, From: aliBase.Add(-time.Hour), Lookback: 8 * time.Hour, Settle: time.Minute,
		Now: func() time.Time { return aliNow }, Sleep: func(context.Context, time.Duration) error { return nil }}
	if res, err := ingest.Run(ctx, job); err != nil || res.Failed || res.Inserted != 6 {
		t.Fatalf("sync: %+v, %v", res, err)
	}

	downBlobs, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var resolved atomic.Int64
	resolve := aliclient.RecordingResolver(down.Store, map[cdr.TenantID]*aliclient.Client{acme: c})
	// The records are of 2026-10-01: the vendor's deletion is put far
	// off, so that a failure is tried again, not given up.
	a := &recordings.Archiver{State: down.Archive, Blobs: downBlobs, Settle: time.Nanosecond, Retries: -1,
		Expiry:        map[cdr.Source]time.Duration{cdr.SourceAliyunCCC: 20 * 365 * 24 * time.Hour},
		AllowNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")},
		Resolve: map[cdr.Source]recordings.Resolver{cdr.SourceAliyunCCC: func(ctx context.Context, t cdr.TenantID, f cdr.ArchiveFile) (string, error) {
			resolved.Add(1)
			return resolve(ctx, t, f)
		}}}
	time.Sleep(2 * time.Millisecond) // past the records' updated_at
	res, err := a.Run(ctx, acme, recordings.TenantOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Archived != 4 || res.Failed != 1 || res.GivenUp != 0 || resolved.Load() != 5 {
		t.Fatalf("archive run %+v, %d resolved: want 4 archived, job-4's failure (not given up), 5 resolved", res, resolved.Load())
	}
	got, _, err := down.Store.FindRecords(ctx, acme, cdr.Filter{})
	if err != nil || len(got) != 6 {
		t.Fatalf("%d records: %v", len(got), err)
	}
	for _, rec := range got {
		f, err := down.Archive.ArchiveFile(ctx, acme, rec.ID, 0)
		want, uploaded := audio[rec.SourceID]
		switch {
		case rec.SourceID == "job-5":
			if cdr.ErrorCode(err) != cdr.ENOTFOUND {
				t.Errorf("job-5, without a recording, has a file: %+v %v", f, err)
			}
			continue
		case !uploaded:
			if err != nil || f.State != cdr.FilePending || f.Reason != recordings.ReasonResolve {
				t.Errorf("%s: %+v %v, want pending after a resolve failure", rec.SourceID, f, err)
			}
			continue
		case err != nil || f.State != cdr.FileArchived:
			t.Errorf("%s: %+v %v, want archived", rec.SourceID, f, err)
			continue
		}
		obj, err := downBlobs.Open(ctx, f.Key)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(obj)
		obj.Close()
		if !bytes.Equal(b, want) {
			t.Errorf("%s: %d bytes archived, want the %d uploaded upstream", rec.SourceID, len(b), len(want))
		}
	}
	// Without a resolver, the same files wait for an upload: no run
	// fetches them.
	bare := &recordings.Archiver{State: down.Archive, Blobs: downBlobs, Settle: time.Nanosecond, Retries: -1}
	if res, err := bare.Run(ctx, acme, recordings.TenantOptions{}); err != nil || res.Archived+res.Failed != 0 {
		t.Errorf("a run without a resolver: %+v %v", res, err)
	}
}

// TestAliRecordingsFromNativeClosedLoop: the upstream's records are
// native voice calls whose recordings are on an audio server; the
// upstream's archive copies them; a downstream syncs the calls through
// ListCallDetailRecords (where they read as Alibaba's, RecordingReady,
// with no address) and its archive fetches each through the upstream's
// GetMonoRecording: the downstream holds the audio server's bytes.
func TestAliRecordingsFromNativeClosedLoop(t *testing.T) {
	ctx := context.Background()
	acme := cdr.MustTenantID("acme")
	key := []byte("0123456789abcdef0123456789abcdef")
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	far := map[cdr.Source]time.Duration{cdr.SourceNative: 20 * 365 * 24 * time.Hour, cdr.SourceAliyunCCC: 20 * 365 * 24 * time.Hour}

	// The audio server: each call's own file.
	audio := map[string][]byte{}
	for i := range 3 {
		audio[fmt.Sprintf("/a/%d.wav", i)] = append(wav(), byte(i), byte(i))
	}
	media := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := audio[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "audio/wav")
		w.Write(b)
	}))
	t.Cleanup(media.Close)

	// The upstream: native calls, archived.
	up := storetest.OpenSubject(t, sqlstore.Options{CacheMiB: 4})
	upBlobs, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ali, err := aliyunccc.New(up.Store, []aliyunccc.Tenant{{ID: acme, InstanceID: aliInstance, RPS: 1000, Burst: 1000,
		Credentials: []aliyunccc.Credential{{AccessKeyID: aliKeyID, AccessKeySecret: aliSecret}}}})
	if err != nil {
		t.Fatal(err)
	}
	ali.SetRecordings(&aliyunccc.Recordings{State: up.Archive, Links: recordings.Links{Key: key}})
	nat, err := native.New(up.Store, nil, []string{"acme"}, native.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	nat.SetRecordings(&native.Recordings{State: up.Archive, Blobs: upBlobs, SigningKey: key, MaxFileBytes: 1 << 20})
	srv := httptest.NewServer(httpserver.Routes(httpserver.Ready{DB: up.Store}, nil, slog.New(slog.DiscardHandler),
		httpserver.APIs{Native: nat, AliyunCCC: ali}))
	t.Cleanup(srv.Close)
	var calls []*cdr.Record
	for i := range 3 {
		r := aliNative(fmt.Sprintf("call-%d", i), aliBase.Add(time.Duration(i)*30*time.Minute).UnixMilli())
		r.Recordings = []cdr.Recording{{URL: media.URL + fmt.Sprintf("/a/%d.wav", i), DurationS: new(int64(1))}}
		calls = append(calls, r)
	}
	if _, err := up.Store.UpsertRecords(ctx, acme, calls, cdr.UpsertOptions{}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Millisecond)
	upArch := &recordings.Archiver{State: up.Archive, Blobs: upBlobs, Settle: time.Nanosecond, Retries: -1, AllowNetworks: loopback, Expiry: far}
	if res, err := upArch.Run(ctx, acme, recordings.TenantOptions{}); err != nil || res.Archived != 3 {
		t.Fatalf("upstream archive: %+v %v", res, err)
	}

	// The downstream syncs them, then archives through GetMonoRecording.
	down := storetest.OpenSubject(t, sqlstore.Options{CacheMiB: 4})
	c := aliClient(t, srv.URL, nil)
	job := ingest.Job{Tenant: acme, Source: cdr.SourceAliyunCCC, Client: c.Engine(), Decoder: aliDecoder(),
		Store: down.Store, State: down.SyncState, From: aliBase.Add(-time.Hour), Lookback: 8 * time.Hour, Settle: time.Minute,
		Now: func() time.Time { return aliNow }, Sleep: func(context.Context, time.Duration) error { return nil }}
	if res, err := ingest.Run(ctx, job); err != nil || res.Failed || res.Inserted != 3 {
		t.Fatalf("sync: %+v, %v", res, err)
	}
	downBlobs, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	downArch := &recordings.Archiver{State: down.Archive, Blobs: downBlobs, Settle: time.Nanosecond, Retries: -1, AllowNetworks: loopback, Expiry: far,
		Resolve: map[cdr.Source]recordings.Resolver{cdr.SourceAliyunCCC: aliclient.RecordingResolver(down.Store, map[cdr.TenantID]*aliclient.Client{acme: c})}}
	time.Sleep(2 * time.Millisecond)
	if res, err := downArch.Run(ctx, acme, recordings.TenantOptions{}); err != nil || res.Archived != 3 || res.Failed != 0 {
		t.Fatalf("downstream archive: %+v %v", res, err)
	}
	got, _, err := down.Store.FindRecords(ctx, acme, cdr.Filter{})
	if err != nil || len(got) != 3 {
		t.Fatalf("%d records: %v", len(got), err)
	}
	want := map[string]bool{}
	for _, b := range audio {
		want[string(b)] = true
	}
	for _, rec := range got {
		f, err := down.Archive.ArchiveFile(ctx, acme, rec.ID, 0)
		if err != nil || f.State != cdr.FileArchived {
			t.Fatalf("%s: %+v %v", rec.SourceID, f, err)
		}
		obj, err := downBlobs.Open(ctx, f.Key)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(obj)
		obj.Close()
		if !want[string(b)] {
			t.Errorf("%s: the archived bytes are none of the audio server's", rec.SourceID)
		}
		delete(want, string(b))
	}
}
