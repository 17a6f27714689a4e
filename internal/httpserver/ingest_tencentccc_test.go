package httpserver_test

// The sync engine's Tencent CCC client (internal/ingest/tencentccc)
// against cdrhub's own DescribeTelCdr, served here because only the
// listener may import an API (internal/layout).

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
	"strings"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/api/tencentccc"
	"github.com/cdrhub/cdrhub/internal/auth/tc3"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/httpserver"
	ingest "github.com/cdrhub/cdrhub/internal/ingest/tencentccc"
	tcmap "github.com/cdrhub/cdrhub/internal/mapping/tencentccc"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
	"github.com/cdrhub/cdrhub/internal/storetest"
	"github.com/google/go-cmp/cmp"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
)

const (
	syncID, syncKey = "AKIDsyncEXAMPLE", "sync-secret-key"
	syncApp         = int64(1400000101)
	otherID         = "AKIDotherEXAMPLE"
	otherApp        = int64(1400000102)
)

// syncBase is the start of the seeded records: 2026-10-01T00:00:00Z.
var syncBase = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)

// upstream is cdrhub serving DescribeTelCdr over a real store, and the
// start_at (ms) of every voice record of tenant "acme" it holds.
type upstream struct {
	srv    *httptest.Server
	store  cdr.Store
	starts []int64
	raws   map[string]string // SessionId → the Tencent records as ingested
}

// newUpstream serves tenants acme (syncApp) and other, at rps and burst,
// with acme's records of seedSync.
func newUpstream(t *testing.T, rps float64, burst int) *upstream {
	t.Helper()
	store := storetest.Open(t, sqlstore.Options{CacheMiB: 4})
	api, err := tencentccc.New(store, []tencentccc.Tenant{
		{ID: cdr.MustTenantID("acme"), SdkAppID: syncApp, RPS: rps, Burst: burst,
			Credentials: []tc3.Credential{{SecretID: syncID, SecretKey: syncKey}}},
		{ID: cdr.MustTenantID("other"), SdkAppID: otherApp, RPS: rps, Burst: burst,
			Credentials: []tc3.Credential{{SecretID: otherID, SecretKey: "other-key"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	u := &upstream{store: store, srv: httptest.NewServer(httpserver.Routes(httpserver.Ready{DB: store}, nil, slog.New(slog.DiscardHandler), httpserver.APIs{TencentCCC: api}))}
	t.Cleanup(u.srv.Close)
	u.seed(t, store)
	return u
}

// seed writes, for acme: 230 native voice records a minute apart, five
// of them sharing one instant, and one on each side of the hour marks;
// 7 Tencent records (raw TelCdrInfo); an rtc record, never listed. And a
// native voice record for tenant other, never acme's.
func (u *upstream) seed(t *testing.T, store cdr.Store) {
	t.Helper()
	var recs []*cdr.Record
	add := func(r *cdr.Record) {
		recs = append(recs, r)
		if r.Channel == cdr.ChannelVoice {
			u.starts = append(u.starts, r.StartAt)
		}
	}
	native := func(id string, at int64) *cdr.Record {
		return &cdr.Record{Channel: cdr.ChannelVoice, Source: cdr.SourceNative, SourceID: id, StartAt: at,
			Direction: cdr.DirectionOutbound, Disposition: cdr.DispositionAnswered,
			Caller: cdr.Party{Address: "+86 20 6666 8888"}, Callee: cdr.Party{Address: fmt.Sprintf("+86 139 0000 %04d", len(recs))}}
	}
	for i := range 230 {
		at := syncBase.Add(time.Duration(i) * time.Minute).UnixMilli()
		if i >= 100 && i < 105 {
			at = syncBase.Add(100 * time.Minute).UnixMilli() // ties
		}
		add(native(fmt.Sprintf("n%d", i), at))
	}
	for h := 1; h <= 3; h++ {
		mark := syncBase.Add(time.Duration(h) * time.Hour).UnixMilli()
		add(native(fmt.Sprintf("before-%d", h), mark-1))
		add(native(fmt.Sprintf("at-%d", h), mark))
	}
	for i := range 7 {
		raw := fmt.Sprintf(`{"SessionId":"tc-sync-%d","Caller":"13800001111","Callee":"02066668888","Time":%d,"Direction":0,"CallType":2,`+
			`"Duration":60,"EndStatus":1,"EndStatusString":"ok","SeatUser":{"UserId":"agent@acme","Name":"Ann"},"Remark":"r%d"}`,
			i, syncBase.Unix()+int64(i)*1700+30, i)
		if u.raws == nil {
			u.raws = map[string]string{}
		}
		u.raws[fmt.Sprintf("tc-sync-%d", i)] = raw
		rec, err := tcmap.Ingest(json.RawMessage(raw), nil)
		if err != nil {
			t.Fatal(err)
		}
		add(rec)
	}
	recs = append(recs, &cdr.Record{Channel: cdr.ChannelRTC, Source: cdr.SourceNative, SourceID: "rtc", StartAt: syncBase.UnixMilli() + 5000})
	ctx := context.Background()
	if _, err := store.UpsertRecords(ctx, cdr.MustTenantID("acme"), recs, cdr.UpsertOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.UpsertRecords(ctx, cdr.MustTenantID("other"), []*cdr.Record{native("other", syncBase.UnixMilli()+1000)}, cdr.UpsertOptions{}); err != nil {
		t.Fatal(err)
	}
}

// in is the number of acme's voice records in [from, to).
func (u *upstream) in(from, to time.Time) int {
	n := 0
	for _, at := range u.starts {
		if at >= from.UnixMilli() && at < to.UnixMilli() {
			n++
		}
	}
	return n
}

func (u *upstream) client(t *testing.T, id, key string, app int64) *ingest.Client {
	t.Helper()
	c, err := ingest.New(ingest.Config{Endpoint: u.srv.URL, Region: "ap-guangzhou", SecretID: id, SecretKey: key, SdkAppID: app, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// capture is the SDK's transport, keeping the body of the last answer as
// it came over the wire (the SDK's CommonResponse re-encodes it).
type capture struct{ body []byte }

func (c *capture) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if c.body, err = io.ReadAll(resp.Body); err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(c.body))
	return resp, nil
}

// sdkPage is page number of [from, to) as the official SDK gets it: the
// records of TelCdrList as served.
func (u *upstream) sdkPage(t *testing.T, from, to time.Time, number int) []json.RawMessage {
	t.Helper()
	cpf := profile.NewClientProfile()
	cpf.HttpProfile.Endpoint = strings.TrimPrefix(u.srv.URL, "http://")
	cpf.HttpProfile.Scheme = "http"
	req := tchttp.NewCommonRequest("ccc", "2020-02-10", "DescribeTelCdr")
	if err := req.SetActionParameters(map[string]any{"SdkAppId": syncApp, "StartTimeStamp": from.Unix(),
		"EndTimeStamp": to.Unix() - 1, "PageSize": ingest.PageSize, "PageNumber": number}); err != nil {
		t.Fatal(err)
	}
	wire := &capture{}
	sdk := common.NewCommonClient(common.NewCredential(syncID, syncKey), "ap-guangzhou", cpf).WithHttpTransport(wire)
	if err := sdk.Send(req, tchttp.NewCommonResponse()); err != nil {
		t.Fatalf("SDK page %d: %v", number, err)
	}
	var out struct {
		Response struct{ TelCdrList []json.RawMessage }
	}
	if err := json.Unmarshal(wire.body, &out); err != nil {
		t.Fatal(err)
	}
	return out.Response.TelCdrList
}

// Count, then every page, then Count again, as the engine will: the count
// is the window's voice records, each comes exactly once, byte for byte
// what the official SDK receives for the same page.
func TestTencentClientWindows(t *testing.T) {
	u := newUpstream(t, 1000, 1000)
	c := u.client(t, syncID, syncKey, syncApp)
	ctx := context.Background()
	hour := func(h int) time.Time { return syncBase.Add(time.Duration(h) * time.Hour) }
	for _, tc := range []struct {
		name     string
		from, to time.Time
		want     int // also checked against the seed
	}{
		{"everything", syncBase, syncBase.Add(24 * time.Hour), 243},
		{"first hour", hour(0), hour(1), 60 + 1 + 3}, // 60 minutes, before-1, 3 Tencent
		{"second hour", hour(1), hour(2), 60 + 2 + 2},
		{"second and third hours", hour(1), hour(3), 120 + 4 + 4},      // adjacent windows add up
		{"one second at a mark", hour(2), hour(2).Add(time.Second), 2}, // n120 and at-2
		{"empty", hour(10), hour(11), 0},
		{"just under 90 days", syncBase.Add(-30 * 24 * time.Hour), syncBase.Add(60*24*time.Hour - time.Second), 243},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := u.in(tc.from, tc.to); got != tc.want {
				t.Fatalf("the seed holds %d records in the window, the table says %d", got, tc.want)
			}
			n, err := c.Count(ctx, tc.from, tc.to)
			if err != nil || n != tc.want {
				t.Fatalf("Count = %d, %v; want %d", n, err, tc.want)
			}
			seen := map[string]int{}
			var got int
			for number := range ingest.PageCount(n) {
				p, err := c.Page(ctx, tc.from, tc.to, number)
				if err != nil {
					t.Fatalf("page %d: %v", number, err)
				}
				if p.TotalCount != n || p.RequestID == "" || p.FetchedAt.IsZero() {
					t.Errorf("page %d: total %d, RequestId %q, fetched %v", number, p.TotalCount, p.RequestID, p.FetchedAt)
				}
				if want := min(ingest.PageSize, n-number*ingest.PageSize); len(p.Records) != want {
					t.Errorf("page %d: %d records, want %d", number, len(p.Records), want)
				}
				sdk := u.sdkPage(t, tc.from, tc.to, number)
				if len(sdk) != len(p.Records) {
					t.Fatalf("page %d: %d records, the SDK got %d", number, len(p.Records), len(sdk))
				}
				for i, rec := range p.Records {
					if string(rec) != string(sdk[i]) {
						t.Errorf("page %d record %d:\n client %s\n SDK    %s", number, i, rec, sdk[i])
					}
					var info struct{ SessionId string }
					if err := json.Unmarshal(rec, &info); err != nil || info.SessionId == "" {
						t.Fatalf("page %d record %d: %s (%v)", number, i, rec, err)
					}
					seen[info.SessionId]++
					got++
				}
			}
			if got != n || len(seen) != n {
				t.Errorf("%d records in the pages, %d distinct; want %d", got, len(seen), n)
			}
			for id, k := range seen {
				if k != 1 {
					t.Errorf("%s listed %d times", id, k)
				}
			}
			if n2, err := c.Count(ctx, tc.from, tc.to); err != nil || n2 != n {
				t.Errorf("second Count = %d, %v; want %d", n2, err, n)
			}
		})
	}

	// The Tencent records come back byte for byte as they were ingested.
	served := map[string]string{}
	for number := range ingest.PageCount(len(u.starts)) {
		p, err := c.Page(ctx, syncBase, hour(24), number)
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range p.Records {
			var info struct{ SessionId string }
			if json.Unmarshal(rec, &info) == nil && u.raws[info.SessionId] != "" {
				served[info.SessionId] = string(rec)
			}
		}
	}
	if diff := cmp.Diff(u.raws, served); diff != "" {
		t.Errorf("Tencent records (-ingested +served):\n%s", diff)
	}
}

// The errors of a real cdrhub, by kind.
func TestTencentClientErrors(t *testing.T) {
	u := newUpstream(t, 1000, 1000)
	ctx := context.Background()
	day := syncBase.Add(24 * time.Hour)
	for _, tc := range []struct {
		name     string
		c        *ingest.Client
		from, to time.Time
		kind     ingest.Kind
		code     string
	}{
		{"wrong secret", u.client(t, syncID, "not-the-key", syncApp), syncBase, day, ingest.Auth, "AuthFailure.SignatureFailure"},
		{"unknown SecretId", u.client(t, "AKIDunknown", syncKey, syncApp), syncBase, day, ingest.Auth, "AuthFailure.SecretIdNotFound"},
		{"another tenant's app", u.client(t, syncID, syncKey, otherApp), syncBase, day, ingest.Invalid, "InvalidParameterValue.InstanceNotExist"},
		{"90 days", u.client(t, syncID, syncKey, syncApp), syncBase, syncBase.Add(ingest.MaxWindow), ingest.Invalid, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.c.Count(ctx, tc.from, tc.to)
			e, ok := errors.AsType[*ingest.Error](err)
			if !ok || e.Kind != tc.kind || e.Code != tc.code {
				t.Fatalf("Count: %v; want %v %q", err, tc.kind, tc.code)
			}
			if tc.code != "" && e.RequestID == "" {
				t.Errorf("no RequestId: %v", err)
			}
			if tc.code == "" && !errors.Is(err, ingest.ErrWindow) {
				t.Errorf("not refused before sending: %v", err)
			}
		})
	}
}

// A tenant limited to one request a second, burst one: the second request
// in a row is Throttled.
func TestTencentClientThrottled(t *testing.T) {
	u := newUpstream(t, 1, 1)
	c := u.client(t, syncID, syncKey, syncApp)
	ctx := context.Background()
	if _, err := c.Count(ctx, syncBase, syncBase.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	_, err := c.Page(ctx, syncBase, syncBase.Add(time.Hour), 0)
	e, ok := errors.AsType[*ingest.Error](err)
	if !ok || e.Kind != ingest.Throttled || e.Code != "RequestLimitExceeded" {
		t.Fatalf("second request: %v; want throttled", err)
	}
}
