package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"time"

	"github.com/cdrhub/cdrhub/internal/api/aliyunccc"
	"github.com/cdrhub/cdrhub/internal/api/imrest"
	"github.com/cdrhub/cdrhub/internal/api/laaffic"
	"github.com/cdrhub/cdrhub/internal/api/native"
	"github.com/cdrhub/cdrhub/internal/api/tencentccc"
	"github.com/cdrhub/cdrhub/internal/auth/tc3"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/config"
	"github.com/cdrhub/cdrhub/internal/demo"
	"github.com/cdrhub/cdrhub/internal/health"
	"github.com/cdrhub/cdrhub/internal/httpserver"
	"github.com/cdrhub/cdrhub/internal/metrics"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
)

const (
	demoTenant  = "demo"
	demoRecords = 3000
	// shutdownGrace is how long in-flight requests may take after SIGTERM.
	shutdownGrace = 5 * time.Second
)

func runServe(ctx context.Context, args []string, env *environ) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	configPath := fs.String("config", "", "configuration file (default $CDRHUB_CONFIG; none: embedded SQLite under ./cdrhub-data)")
	listen := fs.String("listen", "", "listen address, overriding server.listen and $CDRHUB_LISTEN")
	withDemo := fs.Bool("demo", false, "create a demo tenant with sample records and print how to query it")
	logFormat := fs.String("log-format", "text", "log format: text or json")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve: unexpected argument %q", fs.Arg(0))
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("serve: --log-level: %w", err)
	}
	log, err := newLogger(env.stderr, *logFormat, level)
	if err != nil {
		return err
	}
	cfg, err := config.LoadEnv(config.Path(*configPath, env.getenv), env.getenv)
	if err != nil {
		return err
	}
	if *listen != "" {
		cfg.Server.Listen = *listen
	}
	var creds demoCreds
	if *withDemo {
		if creds, err = addDemoTenant(&cfg); err != nil {
			return err
		}
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	return serve(ctx, cfg, creds, *withDemo, env, log)
}

func serve(ctx context.Context, cfg config.Config, creds demoCreds, withDemo bool, env *environ, log *slog.Logger) error {
	db, err := openStoreWaiting(ctx, cfg.Storage, sqlstore.Options{Terms: vendorTerms, Logger: log}, log)
	if err != nil {
		return err
	}
	defer db.store.Close()
	reg := metrics.NewRegistry()
	metrics.RegisterRuntime(reg, versionString())
	instrumented := metrics.InstrumentStore(db.store, reg)
	// /readyz: the database answers, and takes writes (health.Database).
	dbHealth := health.New(instrumented, metrics.InstrumentWriteProber(db.prober, reg), reg)
	store := dbHealth.Store(instrumented)
	if withDemo {
		if err := seedDemo(ctx, store, log); err != nil {
			return err
		}
	}
	api, err := native.New(store, nativeTokens(cfg), tenantIDs(cfg), native.DefaultLimits)
	if err != nil {
		return err
	}
	for t, f := range vendorFormats(cfg) {
		api.SetFormats(t, f)
	}
	tencent, err := tencentccc.New(store, tencentTenants(cfg))
	if err != nil {
		return err
	}
	tencent.EnforceLookback = cfg.Compat.EnforceLookback
	aliyun, err := aliyunccc.New(store, aliyunTenants(cfg))
	if err != nil {
		return err
	}
	im, err := imrest.New(store, imApps(cfg))
	if err != nil {
		return err
	}
	laff, err := laaffic.New(store, laafficTenants(cfg), prefixes(cfg.Server.TrustedProxies))
	if err != nil {
		return err
	}
	laff.EnforceLookback = cfg.Compat.EnforceLookback
	tlsFiles := httpserver.TLSFiles{CertFile: cfg.Server.TLS.CertFile, KeyFile: cfg.Server.TLS.KeyFile}
	routes := httpserver.Routes(httpserver.Ready{DB: dbHealth, Writes: dbHealth}, reg, log,
		httpserver.APIs{Native: api, TencentCCC: tencent, AliyunCCC: aliyun, IMREST: im, Laaffic: laff})
	srv, err := httpserver.Listen(cfg.Server.Listen, routes, tlsFiles, log)
	if err != nil {
		return err
	}
	log.Info("listening", "addr", srv.Addr().String(), "tls", cfg.Server.TLS.Enabled(), "tenants", len(cfg.Tenants), "version", versionString())
	if len(cfg.Tenants) == 0 {
		log.Warn("no tenants configured: every API answers unauthorized (run with --demo, or add tenants to cdrhub.yaml)")
	}
	if withDemo {
		printDemo(env, srv.Addr(), cfg.Server.TLS.Enabled(), creds)
	}
	return srv.Serve(ctx, shutdownGrace)
}

// database is an opened store: the cdr.Store and each capability beside it
// (docs/design.md, Store capabilities), all the same store, which both
// sqlstore stores implement in full. Each capability is passed explicitly to
// what needs it, never found by a type assertion on the Store.
type database struct {
	store  cdr.Store
	pruner cdr.Pruner
	prober cdr.WriteProber
	schema cdr.SchemaVersioner
}

func openStore(ctx context.Context, st config.Storage, opt sqlstore.Options, log *slog.Logger) (*database, error) {
	switch st.Driver {
	case "sqlite":
		log.Info("opening database", "driver", "sqlite", "path", st.Path)
		s, err := sqlstore.OpenSQLite(ctx, st.Path, opt)
		if err != nil {
			return nil, err
		}
		return &database{store: s, pruner: s, prober: s, schema: s}, nil
	case "postgres":
		// The DSN may hold a password: it is not logged.
		log.Info("opening database", "driver", "postgres")
		s, err := sqlstore.OpenPostgres(ctx, st.DSN.Reveal(), opt)
		if err != nil {
			return nil, err
		}
		return &database{store: s, pruner: s, prober: s, schema: s}, nil
	}
	return nil, fmt.Errorf("storage.driver %q: want sqlite or postgres", st.Driver)
}

// openStoreWaiting opens the store like openStore, but while the database
// is unavailable (a PostgreSQL server still starting, say) it waits and
// tries again, until ctx ends: a service started before its database comes
// up by itself.
func openStoreWaiting(ctx context.Context, st config.Storage, opt sqlstore.Options, log *slog.Logger) (*database, error) {
	wait := 250 * time.Millisecond
	for {
		db, err := openStore(ctx, st, opt, log)
		if err == nil || cdr.ErrorCode(err) != cdr.EUNAVAILABLE {
			return db, err
		}
		log.Warn("database unavailable; retrying", "in", wait, "err", err)
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(wait):
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// nativeTokens lists the admin tokens and every tenant's native tokens.
func nativeTokens(cfg config.Config) []native.Token {
	var toks []native.Token
	for _, t := range cfg.Admin.Tokens {
		toks = append(toks, native.Token{Name: t.Name, Secret: t.Token.Reveal()})
	}
	for _, tn := range cfg.Tenants {
		for _, t := range tn.Native.Tokens {
			toks = append(toks, native.Token{Name: t.Name, Secret: t.Token.Reveal(), Tenant: tn.ID})
		}
	}
	return toks
}

// tencentTenants lists the tenants' tencent_ccc blocks.
func tencentTenants(cfg config.Config) []tencentccc.Tenant {
	var ts []tencentccc.Tenant
	for _, tn := range cfg.Tenants {
		b := tn.TencentCCC
		if b == nil {
			continue
		}
		t := tencentccc.Tenant{ID: cdr.MustTenantID(tn.ID), SdkAppID: b.SDKAppID, AllowToken: b.AllowToken,
			ProtectedOnly: b.ProtectedOnly, RPS: b.RateLimit.RPS, Burst: b.RateLimit.Burst}
		for _, c := range b.Credentials {
			t.Credentials = append(t.Credentials, tc3.Credential{SecretID: c.SecretID, SecretKey: c.SecretKey.Reveal()})
		}
		ts = append(ts, t)
	}
	return ts
}

// aliyunTenants lists the tenants' aliyun_ccc blocks.
func aliyunTenants(cfg config.Config) []aliyunccc.Tenant {
	var ts []aliyunccc.Tenant
	for i := range cfg.Tenants {
		tn := &cfg.Tenants[i]
		b := tn.AliyunCCC
		if b == nil {
			continue
		}
		t := aliyunccc.Tenant{ID: cdr.MustTenantID(tn.ID), InstanceID: b.InstanceID, Location: tn.Location(),
			RPS: b.RateLimit.RPS, Burst: b.RateLimit.Burst}
		for _, c := range b.Credentials {
			t.Credentials = append(t.Credentials, aliyunccc.Credential{AccessKeyID: c.AccessKeyID, AccessKeySecret: c.AccessKeySecret.Reveal()})
		}
		ts = append(ts, t)
	}
	return ts
}

// imApps lists the IM applications of the tenants' trtc_callkit and
// tencent_desk blocks; one tenant may use one sdkappid for both (with the
// same key and max_usersig_lifetime, which Validate checks).
func imApps(cfg config.Config) []imrest.App {
	var apps []imrest.App
	for _, tn := range cfg.Tenants {
		id := cdr.MustTenantID(tn.ID)
		byID := map[uint64]*imrest.App{}
		get := func(sdkAppID uint64, key string, maxLifetime config.Duration) *imrest.App {
			if a := byID[sdkAppID]; a != nil {
				return a
			}
			byID[sdkAppID] = &imrest.App{SdkAppID: sdkAppID, Key: key, MaxUserSigLifetime: maxLifetime.Std()}
			return byID[sdkAppID]
		}
		if b := tn.TRTCCallKit; b != nil {
			get(b.SDKAppID, b.SecretKey.Reveal(), b.MaxUserSigLifetime).CallKit = &imrest.Block{Tenant: id, Admins: b.AdminIdentifiers,
				RPS: b.RateLimit.RPS, Burst: b.RateLimit.Burst, ByCallIDRPS: b.RateLimit.ByCallID.RPS, ByCallIDBurst: b.RateLimit.ByCallID.Burst}
		}
		if b := tn.TencentDesk; b != nil {
			get(b.SDKAppID, b.SecretKey.Reveal(), b.MaxUserSigLifetime).Desk = &imrest.Block{Tenant: id, Admins: b.AdminIdentifiers,
				RPS: b.RateLimit.RPS, Burst: b.RateLimit.Burst}
		}
		for _, a := range byID {
			apps = append(apps, *a)
		}
	}
	return apps
}

// laafficTenants lists the tenants' laaffic blocks.
func laafficTenants(cfg config.Config) []laaffic.Tenant {
	var ts []laaffic.Tenant
	for i := range cfg.Tenants {
		tn := &cfg.Tenants[i]
		if b := tn.Laaffic; b != nil {
			ts = append(ts, laaffic.Tenant{ID: cdr.MustTenantID(tn.ID), APIKey: b.APIKey, APISecret: b.APISecret.Reveal(),
				IPAllow: prefixes(b.IPAllow), Window: b.TimestampWindow.Std(), Location: tn.Location(),
				RPS: b.RateLimit.RPS, Burst: b.RateLimit.Burst})
		}
	}
	return ts
}

// prefixes parses CIDRs the configuration has validated.
func prefixes(cidrs []string) []netip.Prefix {
	var ps []netip.Prefix
	for _, c := range cidrs {
		if p, err := netip.ParsePrefix(c); err == nil {
			ps = append(ps, p.Masked())
		}
	}
	return ps
}

func tenantIDs(cfg config.Config) []string {
	ids := make([]string, len(cfg.Tenants))
	for i, t := range cfg.Tenants {
		ids[i] = t.ID
	}
	return ids
}

// demoCreds are the credentials of a demo tenant created at start-up.
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

// The demo tenant's Tencent CCC application and Alibaba CCC instance.
const (
	demoSdkAppID   = 1400000000
	demoInstanceID = "ccc-demo"
	demoIMAppID    = 1400000001 // TUICallKit and Desk share one IM application
	demoAdmin      = "administrator"
)

// demoZone is the demo tenant's time zone (laaffic record times are in it).
var demoZone = time.FixedZone("Asia/Shanghai", 8*3600)

// addDemoTenant adds the demo tenant with fresh random credentials, unless
// the configuration already has one; it returns the new credentials (zero
// if none).
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

// seedDemo writes the demo records: the native ones, and vendor copies of
// some that stand for them in every list (demo.VendorRecords).
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
		fmt.Fprintf(w, "  token:   the native token configured for tenant %q\n\n", demoTenant)
		return
	}
	fmt.Fprintf(w, "  token:   %s\n", c.token)
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
