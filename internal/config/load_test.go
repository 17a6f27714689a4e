package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []string // substrings of the error
	}{
		{"unknown top-level key", "server: {listen: ':1'}\nstorgae: {}\n", []string{"line 2", "storgae"}},
		{"misspelt tenant key", "tenants:\n  - id: acme\n    tencnet_ccc: {}\n", []string{"line 3", "tencnet_ccc"}},
		{"misspelt nested key", "tenants:\n  - id: acme\n    laaffic:\n      api_key: k\n      api_secret: s\n      ratelimit: {rps: 1}\n",
			[]string{"line 6", "ratelimit"}},
		{"bad duration", "tenants:\n  - id: a\n    laaffic: {api_key: k, api_secret: s, timestamp_window: 5 minutes}\n",
			[]string{"line 3", "invalid duration", "5 minutes"}},
		{"bad max_usersig_lifetime", "tenants:\n  - id: a\n    trtc_callkit:\n      sdk_app_id: 1\n      max_usersig_lifetime: 86400\n",
			[]string{"line 5", "invalid duration", "86400"}},
		{"bad desk max_usersig_lifetime", "tenants: [{id: a, tencent_desk: {sdk_app_id: 1, max_usersig_lifetime: 1 day}}]",
			[]string{"line 1", "invalid duration", "1 day"}},
		{"protected_only not a boolean", "tenants: [{id: a, tencent_ccc: {sdk_app_id: 1, protected_only: sometimes}}]",
			[]string{"line 1", "cannot unmarshal", "sometimes"}},
		{"duration not a scalar", "tenants: [{id: a, laaffic: {api_key: k, api_secret: s, timestamp_window: [1]}}]",
			[]string{"line 1", "duration"}},
		// Each vendor's sync block has only that vendor's credential keys.
		{"aliyun key in tencent_ccc sync", "tenants:\n  - id: a\n    tencent_ccc:\n      sdk_app_id: 1\n" +
			"      sync:\n        enabled: true\n        access_key_id: LTAIx\n",
			[]string{"line 7", "field access_key_id not found"}},
		{"tencent key in laaffic sync", "tenants: [{id: a, laaffic: {api_key: k, api_secret: s, sync: {secret_id: AKIDx}}}]",
			[]string{"line 1", "field secret_id not found"}},
		{"laaffic key in trtc_callkit sync", "tenants: [{id: a, trtc_callkit: {sdk_app_id: 1, sync: {api_secret: s}}}]",
			[]string{"field api_secret not found"}},
		{"tencent key in aliyun_ccc sync", "tenants: [{id: a, aliyun_ccc: {instance_id: i, sync: {sdk_app_id: 1}}}]",
			[]string{"field sdk_app_id not found"}},
		{"aliyun key in tencent_desk sync", "tenants: [{id: a, tencent_desk: {sdk_app_id: 1, sync: {region: r}}}]",
			[]string{"field region not found"}},
		{"bad sync from", "tenants:\n  - id: a\n    laaffic:\n      sync: {from: 2026-06-01}\n",
			[]string{"line 4", "invalid instant", "2026-06-01"}},
		{"bad sync settle", "tenants: [{id: a, laaffic: {sync: {settle: 2 minutes}}}]",
			[]string{"line 1", "invalid duration", "2 minutes"}},
		{"sync from before 2000", "tenants: [{id: a, laaffic: {api_key: k, api_secret: s, sync: {from: 946684799999}}}]",
			[]string{"tenants[0].laaffic.sync.from", "before 2000-01-01"}},
		{"sync enabled on aliyun_ccc without a region", "tenants: [{id: a, aliyun_ccc: {instance_id: i, credentials: [{access_key_id: x, access_key_secret: y}], sync: {enabled: true}}}]",
			[]string{"tenants[0].aliyun_ccc.sync.region: required"}},
		{"wrong type", "server: [1]\n", []string{"line 1", "cannot unmarshal"}},
		{"negative uint", "tenants: [{id: a, tencent_desk: {sdk_app_id: -1}}]", []string{"cannot unmarshal"}},
		{"duplicate key", "server: {listen: ':1'}\nserver: {listen: ':2'}\n", []string{"already defined"}},
		{"two documents", "server: {listen: ':1'}\n---\nserver: {listen: ':2'}\n", []string{"more than one YAML document"}},
		{"syntax", "server: {listen: ':1'\n", []string{"config: yaml:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.doc), "testdata")
			if err == nil {
				t.Fatal("Parse succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestSecretFileErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("blank", " \n\t\n")
	write("huge", strings.Repeat("huge-S3cr3t-", maxSecretFile/8))
	write("ok", "ok-S3cr3t\n")
	if err := os.Mkdir(filepath.Join(dir, "adir"), 0o700); err != nil {
		t.Fatal(err)
	}
	laaffic := func(secret string) string {
		return "tenants:\n  - id: acme\n    laaffic: {api_key: k, " + secret + "}\n"
	}
	tests := []struct {
		name  string
		doc   string
		field string
		want  error
		path  string // must appear in the message
	}{
		{"missing file", laaffic("api_secret_file: nope/missing"), "tenants[0].laaffic.api_secret_file",
			fs.ErrNotExist, filepath.Join(dir, "nope", "missing")},
		{"directory", laaffic("api_secret_file: adir"), "tenants[0].laaffic.api_secret_file",
			ErrSecretFile, filepath.Join(dir, "adir")},
		{"blank file", laaffic("api_secret_file: blank"), "tenants[0].laaffic.api_secret_file",
			ErrSecretFile, filepath.Join(dir, "blank")},
		{"huge file", laaffic("api_secret_file: " + filepath.Join(dir, "huge")), "tenants[0].laaffic.api_secret_file",
			ErrSecretFile, filepath.Join(dir, "huge")},
		{"inline and file", laaffic("api_secret: inline-S3cr3t, api_secret_file: ok"), "tenants[0].laaffic.api_secret",
			ErrSecretConflict, ""},
		{"sync inline and file", "tenants: [{id: a, aliyun_ccc: {instance_id: i, credentials: [{access_key_id: x, access_key_secret: y}], " +
			"sync: {access_key_secret: inline-S3cr3t, access_key_secret_file: ok}}}]",
			"tenants[0].aliyun_ccc.sync.access_key_secret", ErrSecretConflict, ""},
		{"tencent sync inline and file", "tenants: [{id: a, tencent_ccc: {sync: {secret_key: inline-S3cr3t, secret_key_file: ok}}}]",
			"tenants[0].tencent_ccc.sync.secret_key", ErrSecretConflict, ""},
		{"callkit sync inline and file", "tenants: [{id: a, trtc_callkit: {sync: {secret_key: inline-S3cr3t, secret_key_file: ok}}}]",
			"tenants[0].trtc_callkit.sync.secret_key", ErrSecretConflict, ""},
		{"laaffic sync inline and file", "tenants: [{id: a, laaffic: {sync: {api_secret: inline-S3cr3t, api_secret_file: ok}}}]",
			"tenants[0].laaffic.sync.api_secret", ErrSecretConflict, ""},
		{"desk sync file missing", "tenants: [{id: a, tencent_desk: {sync: {secret_key_file: gone}}}]",
			"tenants[0].tencent_desk.sync.secret_key_file", fs.ErrNotExist, filepath.Join(dir, "gone")},
		{"dsn file missing", "storage: {driver: postgres, dsn_file: /nonexistent/dsn}", "storage.dsn_file",
			fs.ErrNotExist, "/nonexistent/dsn"},
		{"admin token file missing", "admin: {tokens: [{name: ops, token_file: gone}]}", "admin.tokens[0].token_file",
			ErrSecretFile, filepath.Join(dir, "gone")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.doc), dir)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Parse = %v, want a *ValidationError", err)
			}
			if ve.Field != tt.field {
				t.Errorf("Field = %q, want %q (%v)", ve.Field, tt.field, err)
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("error %v does not wrap %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.path) {
				t.Errorf("error %q does not name %q", err, tt.path)
			}
			if strings.Contains(err.Error(), "S3cr3t") {
				t.Errorf("error reveals secret content: %v", err)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	full, err := os.ReadFile("testdata/full.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(full)
	for _, s := range []string{
		"",
		"server: {listen: ':9090', trusted_proxies: [192.168.0.0/16]}",
		"storage: {driver: postgres, dsn: 'postgres://u:p@h/db'}",
		"tenants: [{id: a, timezone: Europe/Paris, laaffic: {api_key: k, api_secret: s, ip_allow: ['::1/128']}}]",
		"tenants: [{id: a, trtc_callkit: {sdk_app_id: 1, admin_identifiers: [x], secret_key: k}," +
			" tencent_desk: {sdk_app_id: 1, admin_identifiers: [x], secret_key: k}}]",
		"tenants: [{id: a, satisfaction: {native: {good: 5}}, native: {tokens: [{name: n, token_file: secrets/acme_tc_key}]}}]",
		"tenants: [{id: a}, {id: a}]",
		"tenants: [{id: a, tencent_ccc: {sdk_app_id: 1, credentials: [{secret_id: s, secret_key: k}]," +
			" sync: {enabled: true, settle: 0s, from: 1780272000000, horizon: 1h, max_window_records: 1, ca_file: ca.pem}}}]",
		"a: &x [*x]",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data, "testdata")
		if err != nil {
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Parse succeeded but Validate fails: %v", err)
		}
	})
}
