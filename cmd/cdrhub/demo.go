package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/config"
	"github.com/cdrhub/cdrhub/internal/demo"
	"github.com/cdrhub/cdrhub/internal/recordings"
)

// demoTenant is the id of the demo tenant; demoRecords is how many calls it
// gets, each a native record, some also a vendor record (seedDemo).
const (
	demoTenant  = "demo"
	demoRecords = 3000
)

// demoCreds are the credentials of a demo tenant created at start-up: a
// native token and a credential for each of the five vendor APIs.
type demoCreds struct {
	token               string // native bearer token
	secretID, secretKey string // Tencent CCC API 3.0
	sdkAppID            int64
	accessKeyID         string // Alibaba CCC
	accessKeySecret     string
	instanceID          string
	imKey               string // TRTC TUICallKit and Tencent Desk (demoIMAppID)
	apiKey, apiSecret   string // laaffic
}

// The demo tenant's vendor applications: its Tencent CCC application, its
// Alibaba CCC instance, and the IM application of TUICallKit and Desk with
// its administrator (laaffic has none: its API key names the tenant).
const (
	demoSdkAppID   = 1400000000
	demoInstanceID = "ccc-demo"
	demoIMAppID    = 1400000001 // TUICallKit and Desk share one IM application
	demoAdmin      = "administrator"
)

// demoZone is the demo tenant's time zone: laaffic record times, and the
// days of the laaffic query printDemo prints, are in it.
var demoZone = time.FixedZone("Asia/Shanghai", 8*3600)

// addDemoTenant adds the demo tenant with fresh random credentials for the
// native API and all five vendor APIs (Tencent CCC, Alibaba CCC, TUICallKit,
// Desk, laaffic), unless the configuration already has a tenant of that id;
// it returns the new credentials (zero if none).
func addDemoTenant(cfg *config.Config) (demoCreds, error) {
	if cfg.TenantByID(demoTenant) != nil {
		return demoCreds{}, nil
	}
	c := demoCreds{token: "demo_" + randomText(24), secretID: "AKIDdemo" + randomText(18), secretKey: randomText(24), sdkAppID: demoSdkAppID,
		accessKeyID: "LTAIdemo" + randomText(12), accessKeySecret: randomText(24), instanceID: demoInstanceID,
		imKey: randomText(24), apiKey: "demo" + randomText(3), apiSecret: randomText(12)}
	cfg.Tenants = append(cfg.Tenants, config.Tenant{ID: demoTenant, Name: "Demo Contact Center", Timezone: "Asia/Shanghai",
		Native: config.Native{Tokens: []config.Token{{Name: "demo", Token: config.Secret(c.token)}}},
		TencentCCC: &config.TencentCCC{SDKAppID: c.sdkAppID,
			Credentials: []config.TencentCredential{{SecretID: c.secretID, SecretKey: config.Secret(c.secretKey)}}},
		AliyunCCC: &config.AliyunCCC{InstanceID: c.instanceID,
			Credentials: []config.AliyunCredential{{AccessKeyID: c.accessKeyID, AccessKeySecret: config.Secret(c.accessKeySecret)}}},
		TRTCCallKit: &config.TRTCCallKit{SDKAppID: demoIMAppID, AdminIdentifiers: []string{demoAdmin}, SecretKey: config.Secret(c.imKey)},
		TencentDesk: &config.TencentDesk{SDKAppID: demoIMAppID, AdminIdentifiers: []string{demoAdmin}, SecretKey: config.Secret(c.imKey)},
		Laaffic:     &config.Laaffic{APIKey: c.apiKey, APISecret: config.Secret(c.apiSecret)}})
	cfg.ApplyDefaults()
	return c, nil
}

// randomText returns n random bytes as unpadded base64url.
func randomText(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// demoScopes are the demo tenant's vendor applications, which its vendor
// records are rendered for.
var demoScopes = demo.Scopes{TencentSdkAppID: demoSdkAppID, AliyunInstanceID: demoInstanceID, IMAppID: demoIMAppID, Zone: demoZone}

// seedDemo writes the demo records: demoRecords native ones, and vendor
// copies of some of them for each of the five vendor APIs (voice calls as
// Tencent CCC, Alibaba CCC and laaffic records, rtc calls as TUICallKit and
// chats as Desk records), each copy the call's primary in every list and the
// native record its shadow (demo.VendorRecords).
func seedDemo(ctx context.Context, store cdr.Store, log *slog.Logger) error {
	start := time.Now()
	recs := demo.Records(demoTenant, start, demoRecords)
	vendor, err := demo.VendorRecords(demoTenant, recs, demoScopes)
	if err != nil {
		return fmt.Errorf("seed demo records: %w", err)
	}
	res, err := store.UpsertRecords(ctx, cdr.MustTenantID(demoTenant), append(recs, vendor...), cdr.UpsertOptions{})
	if err != nil {
		return fmt.Errorf("seed demo records: %w", err)
	}
	log.Info("demo records seeded", "tenant", demoTenant, "native", len(recs), "vendor", len(vendor), "inserted", res.Inserted,
		"updated", res.Updated, "unchanged", res.Unchanged, "duration", time.Since(start).Round(time.Millisecond))
	return nil
}

// demoAudioDays is how far back the demo's recordings are archived: the
// calls a newcomer looks at first.
const demoAudioDays = 14

// seedDemoRecordings archives a clip (demo.Audio) as the first file of
// each demo call with a recording in the last demoAudioDays days that has
// none archived yet, so that the console's player plays something.
func seedDemoRecordings(ctx context.Context, store cdr.Store, arch *archive, log *slog.Logger) error {
	t := cdr.MustTenantID(demoTenant)
	recs, _, err := store.FindRecords(ctx, t, cdr.Filter{From: time.Now().AddDate(0, 0, -demoAudioDays).UnixMilli(), HasRecording: 1})
	if err != nil {
		return fmt.Errorf("demo recordings: %w", err)
	}
	n := 0
	for i, rec := range recs {
		if len(cdr.RecordingFiles(rec)) == 0 {
			continue
		}
		f, err := arch.state.ArchiveFile(ctx, t, rec.ID, 0)
		if err == nil && f.State == cdr.FileArchived {
			continue
		}
		secs := 6
		if d := rec.Recordings[0].DurationS; d != nil {
			secs = int(min(*d, 6))
		}
		clip := demo.Audio(i%7, secs)
		stored, err := recordings.Store(ctx, arch.blobs, t, bytes.NewReader(clip), recordings.Expect{Length: int64(len(clip))})
		if err != nil {
			return fmt.Errorf("demo recordings: %w", err)
		}
		stored.At = time.Now().UnixMilli()
		if err := arch.state.PlanRecord(ctx, t, rec, 0); err != nil {
			return fmt.Errorf("demo recordings: %w", err)
		}
		if _, err := arch.state.SetArchived(ctx, t, rec.ID, 0, stored); err != nil {
			return fmt.Errorf("demo recordings: %w", err)
		}
		n++
	}
	log.Info("demo recordings archived", "tenant", demoTenant, "files", n)
	return nil
}

// printDemo prints where the demo listens, the demo tenant's credentials for
// the native API and each vendor API, and commands that query each of them;
// with no new credentials (the configuration has the demo tenant), only the
// address and the tenant, to be queried with its configured token.
func printDemo(env *environ, addr net.Addr, tls bool, c demoCreds) {
	host, port, _ := net.SplitHostPort(addr.String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	scheme := "http"
	if tls {
		scheme = "https"
	}
	hostPort := net.JoinHostPort(host, port)
	base := fmt.Sprintf("%s://%s", scheme, hostPort)
	w := env.stdout
	fmt.Fprintf(w, "\ncdrhub demo is running at %s\n\n", base)
	fmt.Fprintf(w, "  tenant:  %s (%d sample calls over the last 90 days: voice, rtc and chat; over half\n"+
		"           as a vendor's record, each with its native record as a shadow, read by id)\n", demoTenant, demoRecords)
	if c.token == "" {
		fmt.Fprintf(w, "  token:   the native token configured for tenant %q\n", demoTenant)
		fmt.Fprintf(w, "  console: %s/console/ (sign in with that token)\n\n", base)
		return
	}
	fmt.Fprintf(w, "  token:   %s\n", c.token)
	fmt.Fprintf(w, "  console: %s/console/ (sign in with the token above)\n", base)
	fmt.Fprintf(w, "  Tencent CCC (API 3.0 at %s/): SdkAppId %d, SecretId %s, SecretKey %s\n", base, c.sdkAppID, c.secretID, c.secretKey)
	fmt.Fprintf(w, "  Alibaba CCC (POP at %s/): InstanceId %s, AccessKeyId %s, AccessKeySecret %s\n", base, c.instanceID, c.accessKeyID, c.accessKeySecret)
	fmt.Fprintf(w, "  TUICallKit and Desk (IM REST): sdkappid %d, identifier %s, key %s\n", demoIMAppID, demoAdmin, c.imKey)
	fmt.Fprintf(w, "  laaffic (/v3/voice/ccRecordQuery): Api-Key %s, secret %s\n\n", c.apiKey, c.apiSecret)
	fmt.Fprintf(w, "Try:\n\n  curl -s -H 'Authorization: Bearer %s' '%s/api/v1/records?limit=3&count=true'\n\n", c.token, base)
	fmt.Fprintf(w, "  curl -s -H 'Authorization: Bearer %s' '%s/api/v1/records?channel=voice&disposition=abandoned&limit=5'\n\n", c.token, base)
	fmt.Fprintf(w, "  go run ./examples/describetelcdr -endpoint %s -secret-id %s -secret-key %s -sdk-app-id %d\n\n",
		hostPort, c.secretID, c.secretKey, c.sdkAppID)
	fmt.Fprintf(w, "  go run ./examples/listcalldetailrecords -endpoint %s -access-key-id %s -access-key-secret %s -instance-id %s\n\n",
		hostPort, c.accessKeyID, c.accessKeySecret, c.instanceID)
	sig := fmt.Sprintf("$(go run ./cmd/cdrhub usersig --sdk-app-id %d --key %s)", demoIMAppID, c.imKey)
	q := fmt.Sprintf("sdkappid=%d&identifier=%s&usersig=%s&random=1&contenttype=json", demoIMAppID, demoAdmin, sig)
	week := time.Now().Add(-7 * 24 * time.Hour).Unix()
	fmt.Fprintf(w, "  curl -s -X POST -d '{\"startTimestamp\":%d,\"numberPerPage\":3}' \"%s/v1/records/get_records_by_filter?%s\"\n\n", week, base, q)
	fmt.Fprintf(w, "  curl -s -X POST -d '{\"StartTimestamp\":%d,\"EndTimestamp\":%d,\"Limit\":3}' \"%s/v4/desk_http_svc/describe_im_cdr_list?%s\"\n\n",
		week, time.Now().Unix(), base, q)
	day := time.Now().In(demoZone).Format("2006-01-02")
	fmt.Fprintf(w, "  TS=$(date +%%s); curl -s -X POST -H 'Content-Type: application/json;charset=utf-8' -H 'Api-Key: %s' -H \"Timestamp: $TS\" "+
		"-H \"Sign: $(printf '%%s' '%s%s'$TS | md5sum | cut -c1-32)\" "+
		"-d '{\"current\":1,\"size\":3,\"params\":{\"strTime\":\"%sT00:00:00+08:00\",\"endTime\":\"%sT23:59:59+08:00\"}}' %s/v3/voice/ccRecordQuery\n\n",
		c.apiKey, c.apiKey, c.apiSecret, time.Now().In(demoZone).AddDate(0, 0, -30).Format("2006-01-02"), day, base)
}
