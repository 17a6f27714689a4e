package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/api/usersig"
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
