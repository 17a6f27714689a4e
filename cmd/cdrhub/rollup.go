package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/config"
	"github.com/cdrhub/cdrhub/internal/metrics"
)

func runRollup(ctx context.Context, args []string, env *environ) error {
	if len(args) == 0 || args[0] != "rebuild" {
		fmt.Fprintln(env.stderr, "Usage: cdrhub rollup rebuild [--config FILE] [--tenant ID] [--dry-run]")
		return &exitError{code: 2, err: fmt.Errorf("rollup: want the subcommand rebuild")}
	}
	fs := flag.NewFlagSet("rollup rebuild", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	configPath := fs.String("config", "", "configuration `FILE` (default $CDRHUB_CONFIG; none: ./cdrhub-data/cdrhub.db)")
	tenant := fs.String("tenant", "", "only tenant `ID` (default: every tenant in the database)")
	dryRun := fs.Bool("dry-run", false, "report the differences, change nothing")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: cdrhub rollup rebuild [flags]\n\n"+
			"Recomputes the rollups (record_counts, record_days, kpi_rollup, kpi_daily and\n"+
			"kpi_agent_daily) from the records, each tenant under its write lock, and\n"+
			"reports the rows it found missing, extra or different (kpi_rollup rows kept for\n"+
			"pruned records are left alone). Exit status 0 when nothing differed, 1 when\n"+
			"something did (and, without --dry-run, was fixed).\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("rollup rebuild: unexpected argument %q", fs.Arg(0))
	}
	cfg, db, err := openAdmin(ctx, *configPath, env)
	if err != nil {
		return err
	}
	defer db.store.Close()
	tenants, err := pickTenants(ctx, db, cfg, *tenant)
	if err != nil {
		return fmt.Errorf("rollup rebuild: %w", err)
	}
	if !*dryRun {
		if err := setDayOffsets(ctx, db.rollups, cfg, time.Now(), slog.New(slog.NewTextHandler(env.stderr, nil))); err != nil {
			return fmt.Errorf("rollup rebuild: %w", err)
		}
	}
	var found cdr.RollupDiff
	for _, t := range tenants {
		d, err := db.rollups.RebuildRollups(ctx, t, *dryRun)
		if err != nil {
			return fmt.Errorf("rollup rebuild %s: %w", t, err)
		}
		fmt.Fprintf(env.stdout, "%s: %s differed\n", t, diffText(d))
		found.CountRows += d.CountRows
		found.KPIRows += d.KPIRows
		found.DayRows += d.DayRows
		found.CountDayRows += d.CountDayRows
		found.AgentDayRows += d.AgentDayRows
	}
	verb := "fixed"
	if *dryRun {
		verb = "left as they are (--dry-run)"
	}
	fmt.Fprintf(env.stdout, "%s differed in all; %s\n", diffText(found), verb)
	if found.Total() > 0 {
		return &exitError{code: 1, err: fmt.Errorf("rollup rebuild: %d rows differed", found.Total())}
	}
	return nil
}

// pickTenants returns the tenant named, or every tenant with records and
// every tenant of the configuration (one whose records are all pruned
// still has statistics), in the order of their ids.
func pickTenants(ctx context.Context, db *database, cfg config.Config, only string) ([]cdr.TenantID, error) {
	if only != "" {
		t, err := cdr.NewTenantID(only)
		if err != nil {
			return nil, fmt.Errorf("--tenant: %s", errorText(err))
		}
		return []cdr.TenantID{t}, nil
	}
	ts, err := db.pruner.Tenants(ctx)
	if err != nil {
		return nil, err
	}
	for _, tn := range cfg.Tenants {
		if t := cdr.MustTenantID(tn.ID); !slices.Contains(ts, t) {
			ts = append(ts, t)
		}
	}
	slices.SortFunc(ts, func(a, b cdr.TenantID) int { return strings.Compare(a.String(), b.String()) })
	return ts, nil
}

// diffText says what a rebuild found, table by table.
func diffText(d cdr.RollupDiff) string {
	return fmt.Sprintf("%d record_counts rows, %d record_days rows, %d kpi_rollup rows, %d kpi_daily rows and %d kpi_agent_daily rows",
		d.CountRows, d.CountDayRows, d.KPIRows, d.DayRows, d.AgentDayRows)
}

// dayOffsetYears is how far back setDayOffsets looks for a zone's
// offsets: a change of offset older than that leaves the days before it
// to kpi_rollup.
const dayOffsetYears = 5

// setDayOffsets has kpi_daily and kpi_agent_daily keep the local days of
// each configured
// tenant's zone (cdr.ZoneOffsets from dayOffsetYears before now to a year
// after): a tenant whose zone changed has its days recomputed for the new
// offsets, which takes a while for a large one, once.
func setDayOffsets(ctx context.Context, ru cdr.Rollups, cfg config.Config, now time.Time, log *slog.Logger) error {
	for _, tn := range cfg.Tenants {
		t := cdr.MustTenantID(tn.ID)
		want := cdr.ZoneOffsets(tn.Location(), now.AddDate(-dayOffsetYears, 0, 0), now.AddDate(1, 0, 0))
		have, err := ru.DayOffsets(ctx, t)
		if err != nil {
			return fmt.Errorf("day offsets of %s: %w", t, err)
		}
		slices.Sort(want)
		if slices.Equal(have, want) {
			continue
		}
		started := time.Now()
		if err := ru.SetDayOffsets(ctx, t, want); err != nil {
			return fmt.Errorf("day offsets of %s: %w", t, err)
		}
		log.Info("kpi_daily and kpi_agent_daily keep the days of the tenant's zone", "tenant", t.String(), "timezone", tn.Timezone,
			"offsets_s", offsetSeconds(want), "took", time.Since(started).Round(time.Millisecond))
	}
	return nil
}

func offsetSeconds(offs []int64) []int64 {
	out := make([]int64, len(offs))
	for i, o := range offs {
		out[i] = o / 1000
	}
	return out
}

// rollupChecks are serve's gauges of what `cdrhub rollup rebuild` found,
// in whichever process it ran: the database keeps the sums
// (cdr.Rollups.RollupChecks), which serve reads every rollupCheckEvery.
type rollupChecks struct {
	found *metrics.GaugeVec // table
	at    *metrics.Gauge
}

const rollupCheckEvery = time.Minute

func newRollupChecks(reg *metrics.Registry) *rollupChecks {
	return &rollupChecks{
		found: reg.Gauge("cdrhub_rollup_rebuild_differences",
			"Rollup rows that cdrhub rollup rebuild found missing, extra or different, over every rebuild and dry run of the database, by table.", "table"),
		at: reg.Gauge("cdrhub_rollup_rebuild_timestamp_seconds",
			"Time of the latest cdrhub rollup rebuild or dry run (0: none).").With(),
	}
}

// refresh reads the sums from ru.
func (c *rollupChecks) refresh(ctx context.Context, ru cdr.Rollups) error {
	got, err := ru.RollupChecks(ctx)
	if err != nil {
		return err
	}
	c.found.With("record_counts").Set(float64(got.Found.CountRows))
	c.found.With("kpi_rollup").Set(float64(got.Found.KPIRows))
	c.found.With("kpi_daily").Set(float64(got.Found.DayRows))
	c.found.With("record_days").Set(float64(got.Found.CountDayRows))
	c.found.With("kpi_agent_daily").Set(float64(got.Found.AgentDayRows))
	c.at.Set(float64(got.At) / 1000)
	return nil
}

// loop refreshes the gauges every rollupCheckEvery until ctx ends (serve
// reads them once before it listens); a failed read is logged and tried
// again next time.
func (c *rollupChecks) loop(ctx context.Context, ru cdr.Rollups, log *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(rollupCheckEvery):
		}
		c.refreshLogged(ctx, ru, log)
	}
}

// refreshLogged is refresh with a failure logged.
func (c *rollupChecks) refreshLogged(ctx context.Context, ru cdr.Rollups, log *slog.Logger) {
	if err := c.refresh(ctx, ru); err != nil && ctx.Err() == nil {
		log.Warn("reading the rollup checks", "err", err)
	}
}
