package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/auth/usersig"
)

func TestUserSigCommand(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "cdrhub.yaml")
	os.WriteFile(cfg, []byte(`tenants:
  - id: acme
    trtc_callkit: {sdk_app_id: 1400000001, admin_identifiers: [administrator, ops], secret_key: im-key}
`), 0o600)
	for _, tc := range []struct {
		args []string
		id   string
	}{
		{[]string{"usersig", "--config", cfg, "--tenant", "acme"}, "administrator"},
		{[]string{"usersig", "--config", cfg, "--tenant", "acme", "--identifier", "ops", "--expire", "1h"}, "ops"},
		{[]string{"usersig", "--sdk-app-id", "1400000001", "--key", "im-key"}, "administrator"},
	} {
		out, stderr, err := runCLI(t, nil, tc.args...)
		if err != nil {
			t.Fatalf("%v: %v %s", tc.args, err, stderr)
		}
		if _, err := usersig.Verify(strings.TrimSpace(out), 1400000001, tc.id, "im-key", time.Now()); err != nil {
			t.Errorf("%v: the printed UserSig does not verify: %v", tc.args, err)
		}
	}
	for _, args := range [][]string{
		{"usersig"},
		{"usersig", "--config", cfg, "--tenant", "nobody"},
		{"usersig", "--sdk-app-id", "1"},
	} {
		if _, _, err := runCLI(t, nil, args...); err == nil {
			t.Errorf("%v succeeded", args)
		}
	}
}

// With --tenant and no --expire, the UserSig lasts at most the block's
// max_usersig_lifetime, so the server accepts it; an explicit --expire is
// taken as given.
func TestUserSigCommandLifetime(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "cdrhub.yaml")
	os.WriteFile(cfg, []byte(`tenants:
  - id: acme
    tencent_desk: {sdk_app_id: 1400000001, admin_identifiers: [administrator], secret_key: im-key, max_usersig_lifetime: 1h}
`), 0o600)
	opt := usersig.Options{MaxLifetime: time.Hour}
	out, stderr, err := runCLI(t, nil, "usersig", "--config", cfg, "--tenant", "acme")
	if err != nil {
		t.Fatalf("%v %s", err, stderr)
	}
	if _, err := usersig.VerifyWith(strings.TrimSpace(out), 1400000001, "administrator", "im-key", time.Now(), opt); err != nil {
		t.Errorf("default lifetime over the block's limit: %v", err)
	}
	out, _, err = runCLI(t, nil, "usersig", "--config", cfg, "--tenant", "acme", "--expire", "2h")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := usersig.VerifyWith(strings.TrimSpace(out), 1400000001, "administrator", "im-key", time.Now(), opt); err == nil {
		t.Error("an explicit --expire 2h was shortened")
	}
}
