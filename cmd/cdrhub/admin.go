package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/config"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
)

// openAdmin opens the configured database for a maintenance command.
func openAdmin(ctx context.Context, configFlag string, env *environ) (config.Config, *database, error) {
	cfg, err := config.LoadEnv(config.Path(configFlag, env.getenv), env.getenv)
	if err != nil {
		return cfg, nil, err
	}
	db, err := openStore(ctx, cfg.Storage, sqlstore.Options{Lean: true, Readers: 2}, slog.New(slog.DiscardHandler))
	return cfg, db, err
}

func runMigrate(ctx context.Context, args []string, env *environ) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	configPath := fs.String("config", "", "configuration `FILE` (default $CDRHUB_CONFIG; none: ./cdrhub-data/cdrhub.db)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: cdrhub migrate [flags]\n\n"+
			"Applies the schema migrations the configured database lacks and prints its schema\n"+
			"version. serve does the same at start; run this as a deployment step to do it once,\n"+
			"before the instances start.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	// Opening a store migrates it; what the open applied is what the
	// schema version moved past.
	_, db, err := openAdmin(ctx, *configPath, env)
	if err != nil {
		return err
	}
	defer db.store.Close()
	v, err := db.schema.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "schema version %d\n", v)
	return nil
}

func runPrune(ctx context.Context, args []string, env *environ) error {
	fs := flag.NewFlagSet("prune", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	configPath := fs.String("config", "", "configuration `FILE` (default $CDRHUB_CONFIG; none: ./cdrhub-data/cdrhub.db)")
	before := fs.String("before", "", "delete records that started before `DATE` (YYYY-MM-DD, midnight UTC, or RFC 3339)")
	tenant := fs.String("tenant", "", "prune only tenant `ID` (default: every tenant in the database)")
	dryRun := fs.Bool("dry-run", false, "count what would be deleted, delete nothing")
	keepStats := fs.Bool("keep-stats", true, "keep the pruned records' sums in kpi_rollup, so KPIs outlive them (false: remove them too)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: cdrhub prune --before DATE [flags]\n\n"+
			"Deletes records that started before DATE, oldest first, in short transactions,\n"+
			"so that a running service keeps ingesting and answering meanwhile.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("prune: unexpected argument %q", fs.Arg(0))
	}
	cutoff, err := parseCutoff(*before)
	if err != nil {
		return fmt.Errorf("prune: --before: %w", err)
	}
	cfg, db, err := openAdmin(ctx, *configPath, env)
	if err != nil {
		return err
	}
	defer db.store.Close()
	arch, err := openArchive(cfg, db, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	tenants, err := pickTenants(ctx, db, cfg, *tenant)
	if err != nil {
		return fmt.Errorf("prune: %w", err)
	}
	verb := "deleted"
	if *dryRun {
		verb = "would delete"
	}
	var total int64
	for _, t := range tenants {
		var n int64
		if *dryRun {
			_, c, err := db.store.FindRecords(ctx, t, cdr.Filter{To: cutoff, IncludeShadows: true, Count: true, Limit: 1})
			if err != nil {
				return err
			}
			n = int64(c)
		} else {
			// The records' archived files first: a crash in between
			// leaves records without files, never files without records.
			files, err := arch.remove(ctx, t, cutoff, db.archive.DeleteFiles)
			if err != nil {
				return fmt.Errorf("prune %s: their recordings: %w (%d records deleted before)", t, err, total)
			}
			if files > 0 {
				fmt.Fprintf(env.stdout, "%s: deleted the archive's rows of %d recording files\n", t, files)
			}
			if n, err = db.pruner.Prune(ctx, t, cutoff); err != nil {
				return fmt.Errorf("prune %s: %w (%d deleted before the error)", t, err, total+n)
			}
			if !*keepStats {
				if err := db.rollups.DropPrunedStats(ctx, t); err != nil {
					return fmt.Errorf("prune %s: removing the pruned records' statistics: %w", t, err)
				}
			}
		}
		total += n
		fmt.Fprintf(env.stdout, "%s: %s %d records before %s\n", t, verb, n, time.UnixMilli(cutoff).UTC().Format(time.RFC3339))
	}
	fmt.Fprintf(env.stdout, "%s %d records in all\n", verb, total)
	return nil
}

// parseCutoff reads a date (midnight UTC) or an RFC 3339 time as ms.
func parseCutoff(s string) (int64, error) {
	if s == "" {
		return 0, errors.New("required (YYYY-MM-DD or RFC 3339)")
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.UnixMilli(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return 0, fmt.Errorf("%q: want YYYY-MM-DD or RFC 3339", s)
	}
	return t.UnixMilli(), nil
}
