package main

import (
	"github.com/cdrhub/cdrhub/internal/api/native"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/config"
	"github.com/cdrhub/cdrhub/internal/console"
	"github.com/cdrhub/cdrhub/internal/recordings"
)

// newConsole builds the web console (docs/console.md) over the store and
// its capabilities: every native token may sign in, and links to
// archived recordings are signed with the archive's key.
func newConsole(cfg config.Config, store cdr.Store, db *database, rec *native.Recordings, sync console.SyncReporter) (*console.Console, error) {
	o := console.Options{Store: store, Sessions: db.sessions, KPIs: db.rollups, Archive: db.archive, Sync: sync, Saved: db.saved,
		IdleTimeout: cfg.Console.SessionIdle.Std(), MaxAge: cfg.Console.SessionMaxAge.Std(),
		TrustedProxies: prefixes(cfg.Server.TrustedProxies)}
	if rec != nil {
		o.Links = recordings.Links{Key: rec.SigningKey}
	}
	for _, t := range nativeTokens(cfg) {
		o.Tokens = append(o.Tokens, console.Token{Name: t.Name, Secret: t.Secret, Tenant: t.Tenant})
	}
	formats := vendorFormats(cfg)
	for _, tn := range cfg.Tenants {
		id := cdr.MustTenantID(tn.ID)
		o.Tenants = append(o.Tenants, console.Tenant{ID: id, Zone: tn.Location(), Formats: formats[id], LinkTTL: tn.Recordings.LinkTTL.Std()})
	}
	return console.New(o)
}
