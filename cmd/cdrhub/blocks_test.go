package main

import (
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/config"
)

// The tencent_ccc, trtc_callkit and tencent_desk blocks reach their APIs
// whole: protected_only, and max_usersig_lifetime on the IM application
// that B and E share.
func TestVendorBlocksWiring(t *testing.T) {
	cfg, err := config.Parse([]byte(`
tenants:
  - id: strict
    tencent_ccc: {sdk_app_id: 1, protected_only: true, credentials: [{secret_id: AKIDs, secret_key: k}]}
    trtc_callkit: {sdk_app_id: 7, admin_identifiers: [admin], secret_key: k, max_usersig_lifetime: 24h}
    tencent_desk: {sdk_app_id: 7, admin_identifiers: [admin], secret_key: k, max_usersig_lifetime: 24h}
  - id: lax
    tencent_ccc: {sdk_app_id: 2, credentials: [{secret_id: AKIDl, secret_key: k}]}
    tencent_desk: {sdk_app_id: 9, admin_identifiers: [admin], secret_key: k, max_usersig_lifetime: 10m}
    trtc_callkit: {sdk_app_id: 8, admin_identifiers: [admin], secret_key: k}
`), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	protected := map[int64]bool{}
	for _, tn := range tencentTenants(cfg) {
		protected[tn.SdkAppID] = tn.ProtectedOnly
	}
	if !protected[1] || protected[2] || len(protected) != 2 {
		t.Errorf("protected_only by SdkAppId: %v", protected)
	}
	lifetimes := map[uint64]time.Duration{}
	for _, a := range imApps(cfg) {
		lifetimes[a.SdkAppID] = a.MaxUserSigLifetime
	}
	want := map[uint64]time.Duration{7: 24 * time.Hour, 8: 0, 9: 10 * time.Minute}
	if len(lifetimes) != len(want) {
		t.Errorf("apps %v, want %v", lifetimes, want)
	}
	for id, d := range want {
		if lifetimes[id] != d {
			t.Errorf("sdkappid %d: max lifetime %v, want %v", id, lifetimes[id], d)
		}
	}
}
