package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"time"

	"github.com/cdrhub/cdrhub/internal/api/aliyunccc"
	"github.com/cdrhub/cdrhub/internal/api/imrest"
	"github.com/cdrhub/cdrhub/internal/api/laaffic"
	"github.com/cdrhub/cdrhub/internal/api/native"
	"github.com/cdrhub/cdrhub/internal/api/tencentccc"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/config"
	"github.com/cdrhub/cdrhub/internal/health"
	"github.com/cdrhub/cdrhub/internal/httpserver"
	"github.com/cdrhub/cdrhub/internal/metrics"
	"github.com/cdrhub/cdrhub/internal/recordings"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
)

// shutdownGrace is how long in-flight requests may take after SIGTERM or
// SIGINT.
const shutdownGrace = 5 * time.Second

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

// serve opens the store, builds the native and vendor APIs over it and
// serves them until ctx ends, then drains in-flight requests for up to
// shutdownGrace. With withDemo it seeds the demo records before listening
// and prints the demo banner (printDemo) once it listens.
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
	for _, t := range cfg.Tenants {
		api.SetZone(cdr.MustTenantID(t.ID), t.Location())
	}
	if err := setDayOffsets(ctx, db.rollups, cfg, time.Now(), log); err != nil {
		return err
	}
	arch, err := openArchive(cfg, db, reg, log)
	if err != nil {
		return err
	}
	recAPI, err := arch.api(ctx, db.secrets)
	if err != nil {
		return err
	}
	api.SetRecordings(recAPI)
	if withDemo {
		if err := seedDemoRecordings(ctx, store, arch, log); err != nil {
			return err
		}
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
	// GetMonoRecording signs links to the archive's copies.
	aliyun.SetRecordings(&aliyunccc.Recordings{State: db.archive, Links: recordings.Links{Key: recAPI.SigningKey}})
	im, err := imrest.New(store, imApps(cfg))
	if err != nil {
		return err
	}
	laff, err := laaffic.New(store, laafficTenants(cfg), prefixes(cfg.Server.TrustedProxies))
	if err != nil {
		return err
	}
	laff.EnforceLookback = cfg.Compat.EnforceLookback
	if rw := rewriter(cfg, db.archive, recAPI); rw != nil {
		tencent.Rewrite, laff.Rewrite = rw, rw
	}
	checks := newRollupChecks(reg)
	checks.refreshLogged(ctx, db.rollups, log)
	runner, err := newRunner(cfg, store, db.sync, reg, log)
	if err != nil {
		return err
	}
	con, err := newConsole(cfg, store, db, recAPI, runner)
	if err != nil {
		return err
	}
	tlsFiles := httpserver.TLSFiles{CertFile: cfg.Server.TLS.CertFile, KeyFile: cfg.Server.TLS.KeyFile}
	routes := httpserver.Routes(httpserver.Ready{DB: dbHealth, Writes: dbHealth}, reg, log,
		httpserver.APIs{Native: api, TencentCCC: tencent, AliyunCCC: aliyun, IMREST: im, Laaffic: laff, Sync: runner, Stats: db.rollups, Console: con})
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
	// Sync runs until ctx ends, as the listener does; a run in progress
	// then stops and records how far it got before the store closes.
	// So does the recording archive's job.
	syncCtx, stopSync := context.WithCancel(ctx)
	synced, archived, checked := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(synced)
		runner.Loop(syncCtx)
	}()
	go func() {
		defer close(archived)
		arch.loop(syncCtx)
	}()
	go func() {
		defer close(checked)
		checks.loop(syncCtx, db.rollups, log)
	}()
	err = srv.Serve(ctx, shutdownGrace)
	stopSync()
	<-synced
	<-archived
	<-checked
	return err
}

// database is an opened store: the cdr.Store and each capability beside it
// (docs/design.md, Store capabilities), all the same store, which both
// sqlstore stores implement in full. Each capability is passed explicitly to
// what needs it, never found by a type assertion on the Store.
type database struct {
	store    cdr.Store
	pruner   cdr.Pruner
	prober   cdr.WriteProber
	schema   cdr.SchemaVersioner
	sync     cdr.SyncState
	archive  cdr.Archive
	secrets  cdr.Secrets
	rollups  cdr.Rollups
	sessions cdr.Sessions
	saved    cdr.SavedSearches
}

func openStore(ctx context.Context, st config.Storage, opt sqlstore.Options, log *slog.Logger) (*database, error) {
	switch st.Driver {
	case "sqlite":
		log.Info("opening database", "driver", "sqlite", "path", st.Path)
		s, err := sqlstore.OpenSQLite(ctx, st.Path, opt)
		if err != nil {
			return nil, err
		}
		return &database{store: s, pruner: s, prober: s, schema: s, sync: s, archive: s, secrets: s, rollups: s, sessions: s, saved: s}, nil
	case "postgres":
		// The DSN may hold a password: it is not logged.
		log.Info("opening database", "driver", "postgres")
		s, err := sqlstore.OpenPostgres(ctx, st.DSN.Reveal(), opt)
		if err != nil {
			return nil, err
		}
		return &database{store: s, pruner: s, prober: s, schema: s, sync: s, archive: s, secrets: s, rollups: s, sessions: s, saved: s}, nil
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
