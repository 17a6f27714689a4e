package httpserver_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/api/aliyunccc"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/httpserver"
	"github.com/cdrhub/cdrhub/internal/ingest"
	aliclient "github.com/cdrhub/cdrhub/internal/ingest/aliyunccc"
	"github.com/cdrhub/cdrhub/internal/mapping"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
	"github.com/cdrhub/cdrhub/internal/storetest"
)

// Alibaba pages at most 100 pages of 100: an hour holding 10,250 calls is
// split below 10,000 records a window and read completely, at the cap the
// wiring gives every Alibaba source.
func TestAliSyncSplitsOverTenThousand(t *testing.T) {
	if testing.Short() {
		t.Skip("10,250 records")
	}
	acme := cdr.MustTenantID("acme")
	ctx := context.Background()
	up := storetest.Open(t, sqlstore.Options{CacheMiB: 16})
	const n = 10_250
	var recs []*cdr.Record
	for i := range n {
		recs = append(recs, &cdr.Record{Channel: cdr.ChannelVoice, Source: cdr.SourceNative, SourceID: fmt.Sprintf("busy-%05d", i),
			StartAt: aliBase.Add(time.Duration(i) * time.Hour / n).UnixMilli(), Caller: cdr.Party{Address: "+86 139 0000 0001"}})
	}
	if _, err := up.UpsertRecords(ctx, acme, recs, cdr.UpsertOptions{}); err != nil {
		t.Fatal(err)
	}
	api, err := aliyunccc.New(up, []aliyunccc.Tenant{{ID: acme, InstanceID: aliInstance, RPS: 1e6, Burst: 1 << 20,
		Credentials: []aliyunccc.Credential{{AccessKeyID: aliKeyID, AccessKeySecret: aliSecret}}}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpserver.Routes(httpserver.Ready{DB: up}, nil, slog.New(slog.DiscardHandler), httpserver.APIs{AliyunCCC: api}))
	defer srv.Close()
	c, err := aliclient.New(aliclient.Config{Endpoint: srv.URL, AccessKeyID: aliKeyID, AccessKeySecret: aliSecret, InstanceID: aliInstance})
	if err != nil {
		t.Fatal(err)
	}
	down := storetest.OpenSubject(t, sqlstore.Options{CacheMiB: 16})
	now := aliBase.Add(2 * time.Hour)
	res, err := ingest.Run(ctx, ingest.Job{
		Tenant: acme, Source: cdr.SourceAliyunCCC, Client: c.Engine(),
		Decoder: mapping.NewFormats(mapping.Tenant{AliyunCCCInstanceID: aliInstance}).Decoders[cdr.SourceAliyunCCC],
		Store:   down.Store, State: down.SyncState, From: aliBase, Settle: time.Minute,
		MaxWindowRecords: aliclient.MaxWindowRecords, Now: func() time.Time { return now },
	})
	if err != nil || res.Failed || res.Inserted != n {
		t.Fatalf("Run: inserted %d of %d, failed %v, %v", res.Inserted, n, res.Failed, err)
	}
	split := false
	for _, w := range res.Windows {
		if w.VendorCount > aliclient.MaxWindowRecords || w.Pages > 100 {
			t.Errorf("window %+v: more than Alibaba pages", w)
		}
		split = split || w.To-w.From < time.Hour.Milliseconds() && w.VendorCount > 0
	}
	if !split {
		t.Errorf("windows %+v: want the busy hour split", res.Windows)
	}
}
