package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/config"
	"github.com/cdrhub/cdrhub/internal/ingest"
	aliclient "github.com/cdrhub/cdrhub/internal/ingest/aliyunccc"
	laafficclient "github.com/cdrhub/cdrhub/internal/ingest/laaffic"
	tcclient "github.com/cdrhub/cdrhub/internal/ingest/tencentccc"
	deskclient "github.com/cdrhub/cdrhub/internal/ingest/tencentdesk"
	callkitclient "github.com/cdrhub/cdrhub/internal/ingest/trtccallkit"
	"github.com/cdrhub/cdrhub/internal/mapping"
	"github.com/cdrhub/cdrhub/internal/metrics"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
)

// exitError ends the process with its code (main), after printing err
// when there is one.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// syncSources are the sync sources of cfg, every tenant's block of a
// vendor with a sync client, enabled or not, each job over store and
// state (docs/design.md, Sync runs).
func syncSources(cfg config.Config, store cdr.Store, state cdr.SyncState) ([]ingest.Source, error) {
	var out []ingest.Source
	for i := range cfg.Tenants {
		tn := &cfg.Tenants[i]
		t := cdr.MustTenantID(tn.ID)
		blocks, err := blockSyncs(tn)
		if err != nil {
			return nil, fmt.Errorf("tenants[%d]: %w", i, err)
		}
		for _, b := range blocks {
			src := syncSource(t, b.source, b.sync, mapping.NewFormats(b.decoding), store, state)
			if b.maxWindow > 0 {
				src.Job.MaxWindowRecords = min(src.Job.MaxWindowRecords, b.maxWindow)
			}
			if b.sync.Enabled {
				if src.Job.Client, err = b.client(); err != nil {
					return nil, fmt.Errorf("tenants[%d].%s.sync: %w", i, b.source, err)
				}
			}
			out = append(out, src)
		}
	}
	return out, nil
}

// blockSync is one vendor block's sync: its settings, the settings of its
// decoder, its client (built only when enabled) and the most records a
// window of its API can page through (0: no bound).
type blockSync struct {
	source    cdr.Source
	sync      config.SyncCommon
	decoding  mapping.Tenant
	client    func() (ingest.Client, error)
	maxWindow int
}

// blockSyncs are the syncs of tn's vendor blocks, in the order of
// cdrhub.yaml's keys.
func blockSyncs(tn *config.Tenant) ([]blockSync, error) {
	m := mappingTenant(tn)
	var out []blockSync
	if b := tn.TencentCCC; b != nil {
		out = append(out, blockSync{source: cdr.SourceTencentCCC, sync: b.Sync.SyncCommon, decoding: m, client: func() (ingest.Client, error) {
			id, key, app := b.SyncCredential()
			return engine(tcclient.New(tcclient.Config{Endpoint: b.Sync.Endpoint, Region: b.Sync.Region,
				SecretID: id, SecretKey: key.Reveal(), SdkAppID: app, CAFile: b.Sync.CAFile}))
		}})
	}
	if b := tn.TRTCCallKit; b != nil {
		out = append(out, blockSync{source: cdr.SourceTRTCCallKit, sync: b.Sync.SyncCommon, decoding: m, client: func() (ingest.Client, error) {
			app, identifier, key := b.SyncCredential()
			return engine(callkitclient.New(callkitclient.Config{Endpoint: b.Sync.Endpoint, SdkAppID: app, Identifier: identifier,
				Key: key.Reveal(), CAFile: b.Sync.CAFile}))
		}})
	}
	if b := tn.AliyunCCC; b != nil {
		// The API pages at most 100 pages of 100 records: a window holds no
		// more (the configuration refuses a larger max_window_records).
		out = append(out, blockSync{source: cdr.SourceAliyunCCC, sync: b.Sync.SyncCommon, decoding: m, maxWindow: aliclient.MaxWindowRecords,
			client: func() (ingest.Client, error) {
				instance, id, secret := b.SyncCredential()
				return engine(aliclient.New(aliclient.Config{Endpoint: b.Sync.Endpoint, Region: b.Sync.Region, AccessKeyID: id,
					AccessKeySecret: secret.Reveal(), InstanceID: instance, CAFile: b.Sync.CAFile}))
			}})
	}
	if b := tn.Laaffic; b != nil {
		// Its records carry local times of the upstream account's zone
		// (sync.timezone, default the tenant's): the decoder reads them,
		// and the client writes the query's times, in that zone.
		lm := m
		if b.Sync.Timezone != "" {
			loc, err := time.LoadLocation(b.Sync.Timezone)
			if err != nil {
				return nil, fmt.Errorf("laaffic.sync.timezone: %w", err)
			}
			lm.Location = loc
		}
		out = append(out, blockSync{source: cdr.SourceLaaffic, sync: b.Sync.SyncCommon, decoding: lm, client: func() (ingest.Client, error) {
			key, secret := b.SyncCredential()
			return engine(laafficclient.New(laafficclient.Config{Endpoint: b.Sync.Endpoint, Path: b.Sync.Path, APIKey: key,
				APISecret: secret.Reveal(), Location: lm.Location, CAFile: b.Sync.CAFile}))
		}})
	}
	if b := tn.TencentDesk; b != nil {
		out = append(out, blockSync{source: cdr.SourceTencentDesk, sync: b.Sync.SyncCommon, decoding: m, client: func() (ingest.Client, error) {
			app, identifier, key := b.SyncCredential()
			return engine(deskclient.New(deskclient.Config{Endpoint: b.Sync.Endpoint, SdkAppID: app, Identifier: identifier,
				Key: key.Reveal(), CAFile: b.Sync.CAFile}))
		}})
	}
	return out, nil
}

// engine is a vendor client as the sync engine drives it.
func engine[C interface{ Engine() ingest.Client }](c C, err error) (ingest.Client, error) {
	if err != nil {
		return nil, err
	}
	return c.Engine(), nil
}

// syncSource is a source's schedule and job, but its client.
func syncSource(t cdr.TenantID, source cdr.Source, s config.SyncCommon, f mapping.Formats, store cdr.Store, state cdr.SyncState) ingest.Source {
	return ingest.Source{
		Enabled: s.Enabled, Interval: s.Interval.Std(), Horizon: s.Horizon.Std(), HorizonWarning: s.HorizonWarning.Std(),
		Job: ingest.Job{
			Tenant: t, Source: source, Decoder: f.Decoders[source], Store: store, State: state,
			From: s.From.Time(), Lookback: s.Lookback.Std(), Settle: s.SettleDuration(),
			MaxWindowRecords: s.MaxWindowRecords, RPS: s.RateLimit.RPS, Burst: s.RateLimit.Burst,
		},
	}
}

// leaseHolder names this process in the sync leases: its host, its PID
// and a random part, so that a PID reused after a restart is another
// holder.
func leaseHolder() cdr.LeaseHolder {
	host, _ := os.Hostname()
	if len(host) > 200 {
		host = host[:200]
	}
	b := make([]byte, 6)
	rand.Read(b)
	pid := os.Getpid()
	return cdr.LeaseHolder{ID: fmt.Sprintf("%s/%d/%s", host, pid, hex.EncodeToString(b)), Host: host, PID: pid}
}

// newRunner is the runner of cfg's sources over db's store.
func newRunner(cfg config.Config, store cdr.Store, state cdr.SyncState, reg *metrics.Registry, log *slog.Logger) (*ingest.Runner, error) {
	srcs, err := syncSources(cfg, store, state)
	if err != nil {
		return nil, err
	}
	var m *ingest.Metrics
	if reg != nil {
		var enabled []cdr.Source
		for _, s := range srcs {
			if s.Enabled {
				enabled = append(enabled, s.Job.Source)
			}
		}
		m = ingest.NewMetrics(reg, enabled...)
	}
	return &ingest.Runner{Sources: srcs, State: state, Holder: leaseHolder(), Alive: ingest.ProcessAlive,
		Metrics: m, Logger: log.With("component", "sync")}, nil
}

func runSync(ctx context.Context, args []string, env *environ) error {
	fs := flag.NewFlagSet("sync", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	configPath := fs.String("config", "", "configuration `FILE` (default $CDRHUB_CONFIG)")
	tenant := fs.String("tenant", "", "only tenant `ID`")
	source := fs.String("source", "", "only `SOURCE`: tencent_ccc, aliyun_ccc, trtc_callkit, tencent_desk or laaffic")
	from := fs.String("from", "", "re-read from `T` (Unix ms or RFC 3339) instead of the checkpoint − lookback")
	to := fs.String("to", "", "read up to `T` (Unix ms or RFC 3339; default and at most now − settle)")
	status := fs.Bool("status", false, "print each source's status and run nothing")
	logLevel := fs.String("log-level", "warn", "log level: debug, info, warn or error")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: cdrhub sync [flags]\n\n"+
			"Pulls each enabled source's closed windows from the vendor once, verifies\n"+
			"them and moves its checkpoint, as serve does on its interval. Exit status 0\n"+
			"when every selected source verified its windows, 1 when any failed, 2 when\n"+
			"no source is enabled.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("sync: unexpected argument %q", fs.Arg(0))
	}
	var start, end time.Time
	for _, f := range []struct {
		name, v string
		t       *time.Time
	}{{"from", *from, &start}, {"to", *to, &end}} {
		if f.v == "" {
			continue
		}
		in, err := config.ParseInstant(f.v)
		if err != nil {
			return fmt.Errorf("sync: --%s: %w", f.name, err)
		}
		*f.t = in.Time()
	}
	if !start.IsZero() && !end.IsZero() && !start.Before(end) {
		return errors.New("sync: --from must be before --to")
	}
	if *source != "" {
		if err := cdr.CheckSyncSource(cdr.Source(*source)); err != nil {
			return fmt.Errorf("sync: --source: %s", errorText(err))
		}
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("sync: --log-level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(env.stderr, &slog.HandlerOptions{Level: level}))
	cfg, err := config.LoadEnv(config.Path(*configPath, env.getenv), env.getenv)
	if err != nil {
		return err
	}
	if *tenant != "" && cfg.TenantByID(*tenant) == nil {
		return fmt.Errorf("sync: --tenant: no tenant %q in the configuration", *tenant)
	}
	db, err := openStore(ctx, cfg.Storage, sqlstore.Options{Terms: vendorTerms, Logger: log}, log)
	if err != nil {
		return err
	}
	defer db.store.Close()
	r, err := newRunner(cfg, db.store, db.sync, nil, log)
	if err != nil {
		return err
	}
	var picked []ingest.Source
	for _, s := range r.Sources {
		if (*tenant == "" || s.Job.Tenant.String() == *tenant) && (*source == "" || string(s.Job.Source) == *source) {
			picked = append(picked, s)
		}
	}
	if *status {
		return printSyncStatus(ctx, env.stdout, r, picked)
	}
	return syncOnce(ctx, env, r, picked, start, end)
}

// syncOnce runs each enabled source of srcs once, one after the other.
func syncOnce(ctx context.Context, env *environ, r *ingest.Runner, srcs []ingest.Source, start, end time.Time) error {
	failed, ran := 0, 0
	for _, src := range srcs {
		if !src.Enabled {
			continue
		}
		ran++
		name := src.Job.Tenant.String() + "/" + string(src.Job.Source)
		p := newSyncProgress(env.stderr, isTerminal(env.stderr), time.Now, name)
		src.Job.Start, src.Job.End, src.Job.Progress = start, end, p.update
		res, err := r.RunOnce(ctx, src)
		p.clear()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		outcome := "ok"
		if err != nil || res.Failed {
			failed++
			outcome = "failed"
		}
		fmt.Fprintf(env.stdout, "sync %s: %s, %d windows, %d records (%d inserted, %d updated, %d unchanged, %d rejected), checkpoint %s, in %.1fs (%.0f records/s)\n",
			name, outcome, len(res.Windows), res.Inserted+res.Updated+res.Unchanged+res.Rejected,
			res.Inserted, res.Updated, res.Unchanged, res.Rejected, msTime(res.Checkpoint),
			p.elapsed().Seconds(), perSecond(int64(res.Inserted+res.Updated+res.Unchanged+res.Rejected), p.elapsed()))
		if err != nil {
			fmt.Fprintf(env.stdout, "sync %s: %v\n", name, err)
		}
	}
	switch {
	case ran == 0:
		return &exitError{code: 2, err: errors.New("sync: no source is enabled (add sync: {enabled: true} to a vendor block of the configuration)")}
	case failed > 0:
		return &exitError{code: 1, err: fmt.Errorf("sync: %d of %d sources failed", failed, ran)}
	}
	return nil
}

// msTime formats a Unix ms time as RFC 3339 in UTC, "-" for 0.
func msTime(ms int64) string {
	if ms == 0 {
		return "-"
	}
	return time.UnixMilli(ms).UTC().Format(time.RFC3339)
}

// printSyncStatus prints the status of each tenant of srcs, one line a
// source.
func printSyncStatus(ctx context.Context, w io.Writer, r *ingest.Runner, srcs []ingest.Source) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TENANT\tSOURCE\tENABLED\tSTATE\tCHECKPOINT\tLAST RUN\tWINDOWS\tINSERTED\tUPDATED\tREJECTED\tHOURS LEFT\tERROR")
	seen := map[cdr.TenantID]bool{}
	for _, src := range srcs {
		t := src.Job.Tenant
		if seen[t] {
			continue
		}
		seen[t] = true
		sts, err := r.Status(ctx, t)
		if err != nil {
			return err
		}
		for _, s := range sts {
			if !picked(srcs, t, s.Source) {
				continue
			}
			run, errText, left := "-", "", "-"
			if s.LastRun != nil {
				run = s.LastRun.Outcome + " " + msTime(s.LastRun.FinishedAt)
				if e := s.LastRun.Error; e != nil {
					errText = e.Code + ": " + strings.ReplaceAll(e.Message, "\n", " ")
				}
			}
			if s.Horizon != nil {
				left = fmt.Sprintf("%.1f", s.Horizon.HoursLeft)
			}
			fmt.Fprintf(tw, "%s\t%s\t%v\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\t%s\n", s.Tenant, s.Source, s.Enabled, s.State,
				msTime(s.Checkpoint), run, s.WindowsVerified, s.Records.Inserted, s.Records.Updated, s.Records.Rejected, left, errText)
		}
	}
	return tw.Flush()
}

func picked(srcs []ingest.Source, t cdr.TenantID, source string) bool {
	for _, s := range srcs {
		if s.Job.Tenant == t && string(s.Job.Source) == source {
			return true
		}
	}
	return false
}

// syncProgress shows how far a source's run is: on a terminal one line,
// redrawn at most every redrawEvery.
type syncProgress struct {
	*progress
	name string
}

func newSyncProgress(w io.Writer, tty bool, now func() time.Time, name string) *syncProgress {
	return &syncProgress{newProgress(w, tty, now, "sync", false), name}
}

func (p *syncProgress) update(pr ingest.Progress) {
	p.redraw(func(now time.Time) string { return p.line(pr, now) })
}

func (p *syncProgress) line(pr ingest.Progress, now time.Time) string {
	s := fmt.Sprintf("sync %s: %d windows, %d pages, %d records", p.name, pr.Windows, pr.Pages, pr.Records)
	if d := now.Sub(p.start); d >= time.Second {
		s += fmt.Sprintf(", %.0f records/s", perSecond(int64(pr.Records), d))
	}
	return s
}
