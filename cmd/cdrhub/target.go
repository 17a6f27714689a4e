package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/cdrhub/cdrhub/client"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/config"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
)

// targetFlags choose where import writes and export reads: the local
// database of the configuration, or a server.
type targetFlags struct {
	config, tenant, server, token string
}

func (tf *targetFlags) register(fs *flag.FlagSet, prep string) {
	fs.StringVar(&tf.config, "config", "", "configuration `FILE` for the local database (default $CDRHUB_CONFIG; none: ./cdrhub-data/cdrhub.db)")
	fs.StringVar(&tf.tenant, "tenant", "", "tenant `ID` to "+fs.Name()+" "+prep+" (local: required unless the configuration has one tenant; remote: for an admin token)")
	fs.StringVar(&tf.server, "server", "", "cdrhub server `URL` (https://host:port): use /api/v1 instead of the local database")
	fs.StringVar(&tf.token, "token", "", "bearer `TOKEN` of --server (default $"+envToken+")")
}

// target is the local store and tenant, or a client of a server (with the
// tenant if --tenant named it).
type target struct {
	store   cdr.Store
	rollups cdr.Rollups
	tenant  cdr.TenantID
	zone    *time.Location // the local tenant's configured zone
	client  *client.Client
}

func (t *target) close() {
	if t.store != nil {
		t.store.Close()
	}
}

// open opens the target. A local database is created only if create (an
// import); otherwise (an export) it is opened lean: small caches, no
// memory map, as a single pass through it needs.
func (tf *targetFlags) open(ctx context.Context, env *environ, create bool) (*target, error) {
	if tf.server != "" {
		return tf.openRemote(env)
	}
	if tf.token != "" {
		return nil, errors.New("--token needs --server")
	}
	path := config.Path(tf.config, env.getenv)
	cfg, err := config.LoadEnv(path, env.getenv)
	if err != nil {
		return nil, err
	}
	t, err := localTenant(cfg, path, tf.tenant)
	if err != nil {
		return nil, err
	}
	if !create && cfg.Storage.Driver == config.DriverSQLite {
		if _, err := os.Stat(cfg.Storage.Path); err != nil {
			return nil, fmt.Errorf("no database at %s: %w", cfg.Storage.Path, pathErrCause(err))
		}
	}
	db, err := openStore(ctx, cfg.Storage, sqlstore.Options{Lean: !create, Terms: vendorTerms}, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, err
	}
	zone := time.UTC
	if tc := cfg.TenantByID(t.String()); tc != nil {
		zone = tc.Location()
	}
	return &target{store: db.store, rollups: db.rollups, tenant: t, zone: zone}, nil
}

func (tf *targetFlags) openRemote(env *environ) (*target, error) {
	if tf.config != "" {
		return nil, errors.New("--config is for the local database; --server sends to a server")
	}
	token := tf.token
	if token == "" {
		token = env.getenv(envToken)
	}
	if token == "" {
		return nil, fmt.Errorf("--server needs --token or $%s", envToken)
	}
	tgt := &target{}
	var opts []client.Option
	if tf.tenant != "" {
		t, err := cdr.NewTenantID(tf.tenant)
		if err != nil {
			return nil, errors.New(errorText(err))
		}
		tgt.tenant = t
		opts = append(opts, client.WithTenant(tf.tenant))
	}
	c, err := client.New(tf.server, token, opts...)
	if err != nil {
		return nil, err
	}
	tgt.client = c
	return tgt, nil
}

// localTenant picks the tenant of a local import or export: --tenant, which
// must be configured if there is a configuration file (without one, the
// database is the operator's own and any tenant goes), or else the one
// configured tenant.
func localTenant(cfg config.Config, path, flagTenant string) (cdr.TenantID, error) {
	if flagTenant == "" {
		if len(cfg.Tenants) == 1 {
			return cdr.NewTenantID(cfg.Tenants[0].ID)
		}
		if path == "" {
			return cdr.TenantID{}, errors.New("--tenant is required (there is no configuration file naming tenants)")
		}
		ids := make([]string, len(cfg.Tenants))
		for i, t := range cfg.Tenants {
			ids[i] = t.ID
		}
		return cdr.TenantID{}, fmt.Errorf("--tenant is required: %s configures %d tenants (%s)", path, len(ids), strings.Join(ids, ", "))
	}
	if path != "" && cfg.TenantByID(flagTenant) == nil {
		return cdr.TenantID{}, fmt.Errorf("--tenant %s: no such tenant in %s", flagTenant, path)
	}
	t, err := cdr.NewTenantID(flagTenant)
	if err != nil {
		return cdr.TenantID{}, errors.New(errorText(err))
	}
	return t, nil
}

// pathErrCause strips the *fs.PathError wrapper, whose text repeats the path.
func pathErrCause(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// parseInterspersed parses the flags of fs wherever they are among args
// and returns the other arguments in order. After "--" every argument is
// positional; "-" (stdin) is positional.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(pos, rest...), nil
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}
