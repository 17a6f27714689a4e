package main

import (
	"context"
	crand "crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/cdrhub/cdrhub/internal/api/native"
	"github.com/cdrhub/cdrhub/internal/blob"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/config"
	aliclient "github.com/cdrhub/cdrhub/internal/ingest/aliyunccc"
	"github.com/cdrhub/cdrhub/internal/metrics"
	"github.com/cdrhub/cdrhub/internal/recordings"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
)

// signingKeySecret names the generated link-signing key in the database.
const signingKeySecret = "recordings.signing_key"

// archive is the recording archive as serve and the commands use it: the
// files' state in the database, their blobs, and the job that copies them.
type archive struct {
	cfg      config.Config
	state    cdr.Archive
	blobs    blob.Store
	presign  func(ctx context.Context, key string, ttl time.Duration) (string, error) // s3 with redirect
	archiver *recordings.Archiver
	log      *slog.Logger
}

// openBlobs opens recordings.store: the directory, or the S3 bucket (and,
// with s3.redirect, its presigner for downloads).
func openBlobs(cfg config.Config) (blob.Store, func(context.Context, string, time.Duration) (string, error), error) {
	if cfg.Recordings.Store != config.RecordingStoreS3 {
		d, err := blob.NewDir(cfg.RecordingsDir())
		return d, nil, err
	}
	c := cfg.Recordings.S3
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := blob.NewS3(ctx, blob.S3Config{Endpoint: c.Endpoint, Region: c.Region, Bucket: c.Bucket, Prefix: c.Prefix,
		AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey.Reveal()})
	if err != nil {
		return nil, nil, err
	}
	if c.Redirect {
		return s, s.Presign, nil
	}
	return s, nil, nil
}

// openArchive opens the configured blob store and builds the archive job
// (with its metrics in reg, when not nil).
func openArchive(cfg config.Config, db *database, reg *metrics.Registry, log *slog.Logger) (*archive, error) {
	blobs, presign, err := openBlobs(cfg)
	if err != nil {
		return nil, fmt.Errorf("recordings: %w", err)
	}
	var allow []netip.Prefix
	for _, s := range cfg.Recordings.AllowNetworks {
		allow = append(allow, netip.MustParsePrefix(s)) // validated
	}
	log = log.With("component", "recordings")
	// The Archiver reads a Settle of 0 as its default: settle: 0s is 1 ns.
	a := &recordings.Archiver{State: db.archive, Blobs: blobs, Log: log, AllowNetworks: allow,
		MaxBytesPerSecondPerHost: cfg.Recordings.MaxBytesPerSecondPerHost, MaxFileBytes: cfg.Recordings.MaxFileBytes,
		Expiry: cfg.Recordings.ExpiryOverrides(), Settle: max(cfg.Recordings.SettleDuration(), time.Nanosecond)}
	if reg != nil {
		a.Metrics = recordings.NewMetrics(reg)
	}
	if a.Resolve, err = resolvers(cfg, db.store); err != nil {
		return nil, err
	}
	return &archive{cfg: cfg, state: db.archive, blobs: blobs, presign: presign, archiver: a, log: log}, nil
}

// api returns what the native API serves of the archive. The link-signing
// key is recordings.signing_key, else the one generated once and kept in
// the database, which every instance then shares.
func (a *archive) api(ctx context.Context, secrets cdr.Secrets) (*native.Recordings, error) {
	key := []byte(a.cfg.Recordings.SigningKey.Reveal())
	if len(key) == 0 {
		gen := make([]byte, 32)
		crand.Read(gen)
		var err error
		if key, err = secrets.Secret(ctx, signingKeySecret, gen); err != nil {
			return nil, fmt.Errorf("recordings: the link-signing key: %w", err)
		}
	}
	rec := &native.Recordings{State: a.state, Blobs: a.blobs, Presign: a.presign, SigningKey: key, MaxFileBytes: a.cfg.Recordings.MaxFileBytes,
		LinkTTL: map[cdr.TenantID]time.Duration{}, Expiry: map[cdr.Source]time.Duration{}}
	for _, tn := range a.cfg.Tenants {
		rec.LinkTTL[cdr.MustTenantID(tn.ID)] = tn.Recordings.LinkTTL.Std()
	}
	for _, src := range cdr.Sources {
		if d := a.archiver.ExpiryOf(src); d > 0 {
			rec.Expiry[src] = d
		}
	}
	return rec, nil
}

// archiving lists the tenants with recordings.archive, or only the one
// named (whether it archives or not is then not checked).
func (a *archive) archiving(only string) []*config.Tenant {
	var ts []*config.Tenant
	for i := range a.cfg.Tenants {
		tn := &a.cfg.Tenants[i]
		if (only == "" && tn.Recordings.Archive) || tn.ID == only {
			ts = append(ts, tn)
		}
	}
	return ts
}

// runTenant runs the archive job once for tn, then removes the copies its
// recordings.retention no longer keeps.
func (a *archive) runTenant(ctx context.Context, tn *config.Tenant, progress func(recordings.Result)) (recordings.Result, error) {
	t := cdr.MustTenantID(tn.ID)
	res, err := a.archiver.Run(ctx, t, recordings.TenantOptions{Concurrency: tn.Recordings.Concurrency, Progress: progress})
	if err == nil {
		err = res.Err
	}
	if err != nil {
		return res, err
	}
	if r := tn.Recordings.Retention.Std(); r > 0 {
		before := time.Now().Add(-r).UnixMilli()
		n, err := a.remove(ctx, t, before, a.state.PruneFiles)
		if n > 0 {
			a.log.Info("recordings past their retention removed", "tenant", tn.ID, "files", n, "before", msTime(before))
		}
		return res, err
	}
	return res, nil
}

// remove runs PruneFiles or DeleteFiles for t until done, deleting the
// blobs no row names any more, and returns how many rows it changed.
func (a *archive) remove(ctx context.Context, t cdr.TenantID, before int64,
	step func(context.Context, cdr.TenantID, int64, int) ([]string, int, error)) (int, error) {
	total := 0
	for {
		keys, n, err := step(ctx, t, before, cdr.MaxArchiveBatch)
		total += n
		if err != nil {
			return total, err
		}
		for _, k := range keys {
			if err := a.blobs.Delete(ctx, k); err != nil {
				return total, fmt.Errorf("recordings: deleting %s: %w", k, err)
			}
		}
		if n < cdr.MaxArchiveBatch {
			return total, nil
		}
	}
}

// loop runs the archive job for every archiving tenant, first after a
// random wait under 10 s (or the interval, if shorter), then every recordings.interval ± 10 %, until ctx
// ends, and keeps the backlog gauges current.
func (a *archive) loop(ctx context.Context) {
	tenants := a.archiving("")
	if len(tenants) == 0 {
		return
	}
	wait := time.Duration(rand.Int64N(int64(min(10*time.Second, a.cfg.Recordings.Interval.Std()))))
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		for _, tn := range tenants {
			res, err := a.runTenant(ctx, tn, nil)
			if ctx.Err() != nil {
				return
			}
			lvl := slog.LevelInfo
			if err != nil || res.Failed > 0 {
				lvl = slog.LevelWarn
			}
			a.log.Log(ctx, lvl, "recordings archive run", "tenant", tn.ID, "planned", res.Planned, "archived", res.Archived,
				"bytes", res.Bytes, "failed", res.Failed, "given_up", res.GivenUp, "err", err)
		}
		a.updateBacklog(ctx, tenants)
		iv := a.cfg.Recordings.Interval.Std()
		wait = iv + time.Duration((rand.Float64()*0.2-0.1)*float64(iv))
	}
}

// updateBacklog sets the backlog gauges from every archiving tenant's
// counts: pending files, and the time left before the oldest expires.
func (a *archive) updateBacklog(ctx context.Context, tenants []*config.Tenant) {
	var pending, oldest int64
	for _, tn := range tenants {
		cs, err := a.state.ArchiveCounts(ctx, cdr.MustTenantID(tn.ID))
		if err != nil {
			a.log.Warn("recordings: reading the archive's counts", "tenant", tn.ID, "err", err)
			return
		}
		for _, c := range cs {
			pending += c.Pending
			if c.OldestExpiry > 0 && (oldest == 0 || c.OldestExpiry < oldest) {
				oldest = c.OldestExpiry
			}
		}
	}
	var at time.Time
	if oldest > 0 {
		at = time.UnixMilli(oldest)
	}
	a.archiver.Metrics.SetBacklog(pending, at)
}

func runRecordings(ctx context.Context, args []string, env *environ) error {
	if len(args) == 0 || args[0] != "sync" {
		fmt.Fprintln(env.stderr, "Usage: cdrhub recordings sync [--config FILE] [--tenant ID]")
		return &exitError{code: 2, err: errors.New("recordings: want the subcommand sync")}
	}
	fs := flag.NewFlagSet("recordings sync", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	configPath := fs.String("config", "", "configuration `FILE` (default $CDRHUB_CONFIG)")
	tenant := fs.String("tenant", "", "only tenant `ID` (archived whether or not its recordings.archive is set)")
	logLevel := fs.String("log-level", "warn", "log level: debug, info, warn or error")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: cdrhub recordings sync [flags]\n\n"+
			"Copies the recordings and transcripts the records point at into the archive\n"+
			"once, the earliest to expire at the vendor first, as serve does on its interval.\n"+
			"Exit status 0 when every file due was archived, 1 when any failed, 2 when no\n"+
			"tenant archives.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("recordings sync: unexpected argument %q", fs.Arg(0))
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("recordings sync: --log-level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(env.stderr, &slog.HandlerOptions{Level: level}))
	cfg, err := config.LoadEnv(config.Path(*configPath, env.getenv), env.getenv)
	if err != nil {
		return err
	}
	if *tenant != "" && cfg.TenantByID(*tenant) == nil {
		return fmt.Errorf("recordings sync: --tenant: no tenant %q in the configuration", *tenant)
	}
	db, err := openStore(ctx, cfg.Storage, sqlstore.Options{Terms: vendorTerms, Logger: log}, log)
	if err != nil {
		return err
	}
	defer db.store.Close()
	a, err := openArchive(cfg, db, nil, log)
	if err != nil {
		return err
	}
	tenants := a.archiving(*tenant)
	if len(tenants) == 0 {
		return &exitError{code: 2, err: errors.New("recordings sync: no tenant archives (set recordings: {archive: true} on a tenant, or name one with --tenant)")}
	}
	failed := 0
	for _, tn := range tenants {
		p := newArchiveProgress(env.stderr, isTerminal(env.stderr), time.Now, tn.ID)
		res, err := a.runTenant(ctx, tn, p.update)
		p.clear()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		printArchiveResult(env.stdout, tn.ID, res, err, p.elapsed())
		if err != nil || res.Failed > 0 {
			failed++
		}
	}
	if failed > 0 {
		return &exitError{code: 1, err: fmt.Errorf("recordings sync: %d of %d tenants had failures", failed, len(tenants))}
	}
	return nil
}

func printArchiveResult(w io.Writer, tenant string, res recordings.Result, err error, d time.Duration) {
	outcome := "ok"
	if err != nil || res.Failed > 0 {
		outcome = "failed"
	}
	fmt.Fprintf(w, "recordings %s: %s, %d records planned, %d files archived (%.1f MB), %d failed, %d given up, in %.1fs (%.1f MB/s)\n",
		tenant, outcome, res.Planned, res.Archived, float64(res.Bytes)/1e6, res.Failed, res.GivenUp, d.Seconds(),
		perSecond(res.Bytes, d)/1e6)
	if err != nil {
		fmt.Fprintf(w, "recordings %s: %v\n", tenant, err)
	}
}

// archiveProgress shows how far a tenant's archive run is, on a terminal.
type archiveProgress struct {
	*progress
	tenant string
}

func newArchiveProgress(w io.Writer, tty bool, now func() time.Time, tenant string) *archiveProgress {
	return &archiveProgress{newProgress(w, tty, now, "recordings", false), tenant}
}

func (p *archiveProgress) update(r recordings.Result) {
	p.redraw(func(now time.Time) string {
		s := fmt.Sprintf("recordings %s: %d files archived, %.1f MB, %d failed", p.tenant, r.Archived, float64(r.Bytes)/1e6, r.Failed)
		if d := now.Sub(p.start); d >= time.Second {
			s += fmt.Sprintf(", %.1f MB/s", perSecond(r.Bytes, d)/1e6)
		}
		return s
	})
}

// resolvers are where the archive finds the files whose records name no
// address: Alibaba's, answered by GetMonoRecording with the aliyun_ccc
// sync credentials of each tenant that syncs from Alibaba.
func resolvers(cfg config.Config, store cdr.Store) (map[cdr.Source]recordings.Resolver, error) {
	clients := map[cdr.TenantID]*aliclient.Client{}
	for _, tn := range cfg.Tenants {
		b := tn.AliyunCCC
		if b == nil || !b.Sync.Enabled {
			continue
		}
		instance, id, secret := b.SyncCredential()
		c, err := aliclient.New(aliclient.Config{Endpoint: b.Sync.Endpoint, Region: b.Sync.Region, AccessKeyID: id,
			AccessKeySecret: secret.Reveal(), InstanceID: instance, CAFile: b.Sync.CAFile})
		if err != nil {
			return nil, fmt.Errorf("tenants[%s].aliyun_ccc.sync: %w", tn.ID, err)
		}
		clients[cdr.MustTenantID(tn.ID)] = c
	}
	if len(clients) == 0 {
		return nil, nil
	}
	return map[cdr.Source]recordings.Resolver{cdr.SourceAliyunCCC: aliclient.RecordingResolver(store, clients)}, nil
}

// rewriter is the vendor APIs' rewrite_urls: for the tenants that set it,
// an archived recording's address becomes a signed link to cdrhub's copy,
// valid the tenant's rewrite_ttl; nil when no tenant sets it.
func rewriter(cfg config.Config, state cdr.Archive, rec *native.Recordings) func(context.Context, cdr.TenantID, string, *cdr.Record) error {
	ttl := map[cdr.TenantID]time.Duration{}
	for _, tn := range cfg.Tenants {
		if tn.Recordings.RewriteURLs {
			ttl[cdr.MustTenantID(tn.ID)] = tn.Recordings.RewriteTTL.Std()
		}
	}
	if len(ttl) == 0 || rec == nil {
		return nil
	}
	links := recordings.Links{Key: rec.SigningKey}
	return func(ctx context.Context, t cdr.TenantID, origin string, r *cdr.Record) error {
		d, ok := ttl[t]
		if !ok {
			return nil
		}
		return links.Rewrite(ctx, state, t, origin, time.Now().Add(d).Unix(), r)
	}
}
