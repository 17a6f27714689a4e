package main

import (
	"net/netip"

	"github.com/cdrhub/cdrhub/internal/api/aliyunccc"
	"github.com/cdrhub/cdrhub/internal/api/imrest"
	"github.com/cdrhub/cdrhub/internal/api/laaffic"
	"github.com/cdrhub/cdrhub/internal/api/native"
	"github.com/cdrhub/cdrhub/internal/api/tencentccc"
	"github.com/cdrhub/cdrhub/internal/auth/tc3"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/config"
)

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
			ProtectedOnly: b.ProtectedOnly, RPS: b.RateLimit.RPS, Burst: b.RateLimit.Burst}
		for _, c := range b.Credentials {
			t.Credentials = append(t.Credentials, tc3.Credential{SecretID: c.SecretID, SecretKey: c.SecretKey.Reveal()})
		}
		ts = append(ts, t)
	}
	return ts
}

// aliyunTenants lists the tenants' aliyun_ccc blocks.
func aliyunTenants(cfg config.Config) []aliyunccc.Tenant {
	var ts []aliyunccc.Tenant
	for i := range cfg.Tenants {
		tn := &cfg.Tenants[i]
		b := tn.AliyunCCC
		if b == nil {
			continue
		}
		t := aliyunccc.Tenant{ID: cdr.MustTenantID(tn.ID), InstanceID: b.InstanceID, Location: tn.Location(),
			RPS: b.RateLimit.RPS, Burst: b.RateLimit.Burst}
		for _, c := range b.Credentials {
			t.Credentials = append(t.Credentials, aliyunccc.Credential{AccessKeyID: c.AccessKeyID, AccessKeySecret: c.AccessKeySecret.Reveal()})
		}
		ts = append(ts, t)
	}
	return ts
}

// imApps lists the IM applications of the tenants' trtc_callkit and
// tencent_desk blocks; one tenant may use one sdkappid for both (with the
// same key and max_usersig_lifetime, which Validate checks).
func imApps(cfg config.Config) []imrest.App {
	var apps []imrest.App
	for _, tn := range cfg.Tenants {
		id := cdr.MustTenantID(tn.ID)
		byID := map[uint64]*imrest.App{}
		get := func(sdkAppID uint64, key string, maxLifetime config.Duration) *imrest.App {
			if a := byID[sdkAppID]; a != nil {
				return a
			}
			byID[sdkAppID] = &imrest.App{SdkAppID: sdkAppID, Key: key, MaxUserSigLifetime: maxLifetime.Std()}
			return byID[sdkAppID]
		}
		if b := tn.TRTCCallKit; b != nil {
			get(b.SDKAppID, b.SecretKey.Reveal(), b.MaxUserSigLifetime).CallKit = &imrest.Block{Tenant: id, Admins: b.AdminIdentifiers,
				RPS: b.RateLimit.RPS, Burst: b.RateLimit.Burst, ByCallIDRPS: b.RateLimit.ByCallID.RPS, ByCallIDBurst: b.RateLimit.ByCallID.Burst}
		}
		if b := tn.TencentDesk; b != nil {
			get(b.SDKAppID, b.SecretKey.Reveal(), b.MaxUserSigLifetime).Desk = &imrest.Block{Tenant: id, Admins: b.AdminIdentifiers,
				RPS: b.RateLimit.RPS, Burst: b.RateLimit.Burst}
		}
		for _, a := range byID {
			apps = append(apps, *a)
		}
	}
	return apps
}

// laafficTenants lists the tenants' laaffic blocks.
func laafficTenants(cfg config.Config) []laaffic.Tenant {
	var ts []laaffic.Tenant
	for i := range cfg.Tenants {
		tn := &cfg.Tenants[i]
		if b := tn.Laaffic; b != nil {
			ts = append(ts, laaffic.Tenant{ID: cdr.MustTenantID(tn.ID), APIKey: b.APIKey, APISecret: b.APISecret.Reveal(),
				IPAllow: prefixes(b.IPAllow), Window: b.TimestampWindow.Std(), Location: tn.Location(),
				RPS: b.RateLimit.RPS, Burst: b.RateLimit.Burst})
		}
	}
	return ts
}

// prefixes parses CIDRs the configuration has validated.
func prefixes(cidrs []string) []netip.Prefix {
	var ps []netip.Prefix
	for _, c := range cidrs {
		if p, err := netip.ParsePrefix(c); err == nil {
			ps = append(ps, p.Masked())
		}
	}
	return ps
}

func tenantIDs(cfg config.Config) []string {
	ids := make([]string, len(cfg.Tenants))
	for i, t := range cfg.Tenants {
		ids[i] = t.ID
	}
	return ids
}
