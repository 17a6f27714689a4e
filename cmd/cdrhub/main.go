// Command cdrhub stores contact-center interaction records and serves them
// through vendor-compatible query APIs and its own /api/v1.
//
// Usage:
//
//	cdrhub serve [--config FILE] [--listen ADDR] [--demo]
//	cdrhub sync [--config FILE] [--tenant ID] [--source SOURCE] [--from T] [--to T] [--status]
//	cdrhub import|export [flags]
//	cdrhub migrate [--config FILE]
//	cdrhub prune --before DATE [--tenant ID] [--dry-run] [--config FILE]
//	cdrhub recordings sync [--config FILE] [--tenant ID]
//	cdrhub rollup rebuild [--config FILE] [--tenant ID] [--dry-run]
//	cdrhub usersig --tenant ID [--config FILE] [--identifier ID] [--expire DURATION]
//	cdrhub usersig --sdk-app-id N [--key KEY] [--identifier ID] [--expire DURATION]
//	cdrhub version
//
// usersig prints a UserSig for the IM REST APIs (TUICallKit, Desk): with
// --tenant, for the IM application of the tenant's trtc_callkit (else
// tencent_desk) block in the configuration, signed for the block's first
// administrator and, without --expire, valid for 24 h or the block's
// max_usersig_lifetime if shorter; with --sdk-app-id, for that application
// and its key (--key or $CDRHUB_IM_KEY), signed for "administrator".
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = ""

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "cdrhub:", err)
		}
		code := 2
		if e, ok := errors.AsType[*exitError](err); ok {
			code = e.code
		}
		os.Exit(code)
	}
}

// command is one subcommand.
type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, env *environ) error
}

// environ is what a command may touch of the process.
type environ struct {
	stdout, stderr io.Writer
	getenv         func(string) string
}

var commands = []command{
	{"serve", "run the service", runServe},
	{"sync", "pull records from the vendors' clouds once, or print the sync status", runSync},
	{"import", "import records from NDJSON or JSON files", runImport},
	{"export", "export records as NDJSON or CSV", runExport},
	{"migrate", "bring the database schema up to date", runMigrate},
	{"prune", "delete records older than a date, and their archived recordings (retention)", runPrune},
	{"rollup", "recompute the rollups from the records and report differences (rollup rebuild)", runRollup},
	{"stats", "print the contact-center KPIs of a window, by interval and group", runStats},
	{"recordings", "copy the recordings the records point at into the archive once (recordings sync)", runRecordings},
	{"usersig", "print a UserSig for a tenant's or a given IM application (TUICallKit, Desk)", runUserSig},
	{"version", "print the version", runVersion},
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	env := &environ{stdout: stdout, stderr: stderr, getenv: getenv}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return errors.New("no command")
		}
		return flag.ErrHelp
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(ctx, args[1:], env)
		}
	}
	usage(stderr)
	return fmt.Errorf("unknown command %q", args[0])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: cdrhub <command> [flags]\n\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun cdrhub <command> -h for the flags of a command.")
}

func runVersion(_ context.Context, args []string, env *environ) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	fmt.Fprintln(env.stdout, "cdrhub", versionString())
	return nil
}

func versionString() string {
	v := version
	bi, ok := debug.ReadBuildInfo()
	if v == "" && ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version
	}
	if v == "" {
		v = "dev"
	}
	if ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v += " (" + s.Value[:12] + ")"
			}
		}
		v += " " + bi.GoVersion
	}
	return v
}

// newLogger returns the service logger on w.
func newLogger(w io.Writer, format string, level slog.Level) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{Level: level}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("log format %q: want text or json", format)
}
