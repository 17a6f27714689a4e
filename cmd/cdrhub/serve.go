package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/cdrhub/cdrhub/internal/api/native"
	"github.com/cdrhub/cdrhub/internal/api/tc3"
	"github.com/cdrhub/cdrhub/internal/api/tencentccc"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/config"
	"github.com/cdrhub/cdrhub/internal/demo"
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
	cfg, err := config.Load(config.Path(*configPath, env.getenv))
	if err != nil {
		return err
	}
	if *listen != "" {
		cfg.Server.Listen = *listen
	}
	var demoToken string
	if *withDemo {
		if demoToken, err = addDemoTenant(&cfg); err != nil {
			return err
		}
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	return serve(ctx, cfg, demoToken, *withDemo, env, log)
}

func serve(ctx context.Context, cfg config.Config, demoToken string, withDemo bool, env *environ, log *slog.Logger) error {
	db, err := openStore(ctx, cfg.Storage, sqlstore.Options{Terms: vendorTerms}, log)
	if err != nil {
		return err
	}
	defer db.Close()
	reg := metrics.NewRegistry()
	metrics.RegisterRuntime(reg, versionString())
	store := metrics.InstrumentStore(db, reg)
	if withDemo {
		if err := seedDemo(ctx, store, log); err != nil {
			return err
		}
	}
	api, err := native.New(store, nativeTokens(cfg), tenantIDs(cfg), native.DefaultLimits)
	if err != nil {
		return err
	}
	for src, f := range vendorFormats(cfg) {
		api.AddFormat(src, f)
	}
	tencent, err := tencentccc.New(store, tencentTenants(cfg))
	if err != nil {
		return err
	}
	tencent.EnforceLookback = cfg.Compat.EnforceLookback
	tlsFiles := httpserver.TLSFiles{CertFile: cfg.Server.TLS.CertFile, KeyFile: cfg.Server.TLS.KeyFile}
	srv, err := httpserver.Listen(cfg.Server.Listen, httpserver.Routes(store, reg, log, api, tencent), tlsFiles, log)
	if err != nil {
		return err
	}
	log.Info("listening", "addr", srv.Addr().String(), "tls", cfg.Server.TLS.Enabled(), "tenants", len(cfg.Tenants), "version", versionString())
	if len(cfg.Tenants) == 0 {
		log.Warn("no tenants configured: every API answers unauthorized (run with --demo, or add tenants to cdrhub.yaml)")
	}
	if withDemo {
		printDemo(env, srv.Addr(), cfg.Server.TLS.Enabled(), demoToken)
	}
	return srv.Serve(ctx, shutdownGrace)
}

func openStore(ctx context.Context, st config.Storage, opt sqlstore.Options, log *slog.Logger) (cdr.Store, error) {
	switch st.Driver {
	case "sqlite":
		log.Info("opening database", "driver", "sqlite", "path", st.Path)
		return sqlstore.OpenSQLite(ctx, st.Path, opt)
	case "postgres":
		return nil, errors.New("storage.driver postgres: not available in this build yet; use sqlite")
	}
	return nil, fmt.Errorf("storage.driver %q: want sqlite or postgres", st.Driver)
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
			RPS: b.RateLimit.RPS, Burst: b.RateLimit.Burst}
		for _, c := range b.Credentials {
			t.Credentials = append(t.Credentials, tc3.Credential{SecretID: c.SecretID, SecretKey: c.SecretKey.Reveal()})
		}
		ts = append(ts, t)
	}
	return ts
}

func tenantIDs(cfg config.Config) []string {
	ids := make([]string, len(cfg.Tenants))
	for i, t := range cfg.Tenants {
		ids[i] = t.ID
	}
	return ids
}

// addDemoTenant adds the demo tenant with a fresh random token, unless the
// configuration already has one; it returns the new token ("" if none).
func addDemoTenant(cfg *config.Config) (string, error) {
	if cfg.TenantByID(demoTenant) != nil {
		return "", nil
	}
	var b [24]byte
	rand.Read(b[:])
	token := "demo_" + base64.RawURLEncoding.EncodeToString(b[:])
	cfg.Tenants = append(cfg.Tenants, config.Tenant{ID: demoTenant, Name: "Demo Contact Center", Timezone: "Asia/Shanghai",
		Native: config.Native{Tokens: []config.Token{{Name: "demo", Token: config.Secret(token)}}}})
	cfg.ApplyDefaults()
	return token, nil
}

func seedDemo(ctx context.Context, store cdr.Store, log *slog.Logger) error {
	start := time.Now()
	recs := demo.Records(demoTenant, start, demoRecords)
	res, err := store.UpsertRecords(ctx, cdr.MustTenantID(demoTenant), recs, cdr.UpsertOptions{})
	if err != nil {
		return fmt.Errorf("seed demo records: %w", err)
	}
	log.Info("demo records seeded", "tenant", demoTenant, "inserted", res.Inserted, "updated", res.Updated,
		"unchanged", res.Unchanged, "duration", time.Since(start).Round(time.Millisecond))
	return nil
}

func printDemo(env *environ, addr net.Addr, tls bool, token string) {
	host, port, _ := net.SplitHostPort(addr.String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	scheme := "http"
	if tls {
		scheme = "https"
	}
	base := fmt.Sprintf("%s://%s", scheme, net.JoinHostPort(host, port))
	w := env.stdout
	fmt.Fprintf(w, "\ncdrhub demo is running at %s\n\n", base)
	fmt.Fprintf(w, "  tenant:  %s (%d sample records over the last 90 days: voice, rtc and chat)\n", demoTenant, demoRecords)
	if token == "" {
		fmt.Fprintf(w, "  token:   the native token configured for tenant %q\n\n", demoTenant)
		return
	}
	fmt.Fprintf(w, "  token:   %s\n\n", token)
	fmt.Fprintf(w, "Try:\n\n  curl -s -H 'Authorization: Bearer %s' '%s/api/v1/records?limit=3&count=true'\n\n", token, base)
	fmt.Fprintf(w, "  curl -s -H 'Authorization: Bearer %s' '%s/api/v1/records?channel=voice&disposition=abandoned&limit=5'\n\n", token, base)
}
