package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/cdrhub/cdrhub/internal/auth/usersig"
	"github.com/cdrhub/cdrhub/internal/config"
)

// runUserSig prints a UserSig for a tenant's IM application (TRTC
// TUICallKit or Tencent Cloud Desk), as Tencent's console or server SDK
// would make it, for the IM REST APIs.
func runUserSig(_ context.Context, args []string, env *environ) error {
	fs := flag.NewFlagSet("usersig", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	configPath := fs.String("config", "", "configuration file (default $CDRHUB_CONFIG)")
	tenant := fs.String("tenant", "", "tenant `ID` whose trtc_callkit or tencent_desk block to use")
	sdkAppID := fs.Uint64("sdk-app-id", 0, "instead of --tenant: the IM application (with --key)")
	key := fs.String("key", "", "with --sdk-app-id: the IM application's secret key (default $CDRHUB_IM_KEY)")
	identifier := fs.String("identifier", "", "App administrator to sign for (default: the block's first, or administrator)")
	expire := fs.Duration("expire", 24*time.Hour, "validity (with --tenant, at most the block's max_usersig_lifetime unless given)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *sdkAppID != 0 {
		k := *key
		if k == "" {
			k = env.getenv("CDRHUB_IM_KEY")
		}
		id := *identifier
		if id == "" {
			id = "administrator"
		}
		if k == "" {
			return errors.New("usersig: --sdk-app-id needs --key or $CDRHUB_IM_KEY")
		}
		sig, err := usersig.Gen(*sdkAppID, k, id, *expire, time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintln(env.stdout, sig)
		return nil
	}
	if *tenant == "" {
		return errors.New("usersig: --tenant (or --sdk-app-id with --key) is required")
	}
	cfg, err := config.LoadEnv(config.Path(*configPath, env.getenv), env.getenv)
	if err != nil {
		return err
	}
	tn := cfg.TenantByID(*tenant)
	if tn == nil {
		return fmt.Errorf("usersig: no tenant %q in the configuration", *tenant)
	}
	app, appKey, admins, maxLife := imBlock(tn)
	if app == 0 {
		return fmt.Errorf("usersig: tenant %q has no trtc_callkit or tencent_desk block", *tenant)
	}
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == "expire" })
	if maxLife > 0 && !given {
		*expire = min(*expire, maxLife) // a default the server accepts
	}
	id := *identifier
	if id == "" {
		id = admins[0]
	}
	sig, err := usersig.Gen(app, appKey, id, *expire, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintln(env.stdout, sig)
	return nil
}

// imBlock returns the IM application of a tenant: its sdkappid, key,
// administrators and the longest UserSig lifetime it accepts (0: any),
// from the trtc_callkit block, else the tencent_desk one.
func imBlock(tn *config.Tenant) (uint64, string, []string, time.Duration) {
	switch {
	case tn.TRTCCallKit != nil:
		b := tn.TRTCCallKit
		return b.SDKAppID, b.SecretKey.Reveal(), b.AdminIdentifiers, time.Duration(b.MaxUserSigLifetime)
	case tn.TencentDesk != nil:
		b := tn.TencentDesk
		return b.SDKAppID, b.SecretKey.Reveal(), b.AdminIdentifiers, time.Duration(b.MaxUserSigLifetime)
	}
	return 0, "", nil, 0
}
