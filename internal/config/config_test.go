package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/google/go-cmp/cmp"
)

func secretPath(name string) string { return filepath.Join("testdata", "secrets", name) }

func mustParseFile(t testing.TB, name string) Config {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse(data, filepath.Dir(name))
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return c
}

// durp returns a pointer to d as a Duration.
func durp(d time.Duration) *Duration {
	v := Duration(d)
	return &v
}

// defaultSync is a SyncCommon with every default applied, spelt out here
// rather than taken from the constants.
func defaultSync(endpoint string, horizon time.Duration) SyncCommon {
	return SyncCommon{Endpoint: endpoint, Interval: Duration(5 * time.Minute), Lookback: Duration(48 * time.Hour),
		Settle: durp(2 * time.Minute), Horizon: Duration(horizon), HorizonWarning: Duration(24 * time.Hour),
		RateLimit: RateLimit{RPS: 10, Burst: 10}, MaxWindowRecords: 5000}
}

const day = 24 * time.Hour

func TestParseFull(t *testing.T) {
	got := mustParseFile(t, "testdata/full.yaml")
	imKey, imFile := Secret("im-secret-key-S3cr3tI"), secretPath("acme_im_key")
	want := Config{
		Server: Server{
			Listen:         ":8080",
			TrustedProxies: []string{"10.0.0.0/8"},
			TLS:            TLS{CertFile: "/etc/cdrhub/tls.crt", KeyFile: "/etc/cdrhub/tls.key"},
		},
		Storage: Storage{Driver: "sqlite", Path: "./cdrhub-data/cdrhub.db"},
		Admin: Admin{Tokens: []Token{{Name: "ops", Token: "admin-token-S3cr3tA",
			TokenFile: secretPath("cdrhub_admin_token")}}},
		Recordings: Recordings{Store: "dir", Path: "/var/lib/cdrhub/recordings",
			SigningKey: "recordings-signing-key-S3cr3tR-0123456789abcdef", SigningKeyFile: secretPath("recordings_key"),
			AllowNetworks: []string{"127.0.0.0/8"}, MaxBytesPerSecondPerHost: 10 << 20, MaxFileBytes: 512 << 20, Interval: Duration(10 * time.Minute),
			Expire: map[string]Duration{"tencent_ccc": Duration(90 * day)}},
		Console: Console{SessionIdle: Duration(4 * time.Hour), SessionMaxAge: Duration(72 * time.Hour)},
		Tenants: []Tenant{{
			ID: "acme", Name: "ACME Customer Care", Timezone: "Asia/Shanghai",
			Native: Native{Tokens: []Token{{Name: "pbx-importer", Token: "native-token-S3cr3tN",
				TokenFile: secretPath("acme_native_token")}}},
			Satisfaction: map[string]map[string]int{
				"tencent_ccc":  {"1": 5, "2": 3, "3": 1},
				"aliyun_ccc":   {"1": 5, "2": 3, "3": 1},
				"tencent_desk": {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5},
			},
			Recordings: TenantRecordings{Archive: true, Concurrency: 8, Retention: Duration(365 * day),
				LinkTTL: Duration(30 * time.Minute), RewriteURLs: true, RewriteTTL: Duration(12 * time.Hour)},
			TencentCCC: &TencentCCC{
				SDKAppID:  1400000000,
				RateLimit: RateLimit{RPS: 20, Burst: 20},
				Credentials: []TencentCredential{{SecretID: "AKIDz8krbsEXAMPLE",
					SecretKey: "tc-secret-key-S3cr3tT", SecretKeyFile: secretPath("acme_tc_key")}},
				Sync: TencentCCCSync{
					SyncCommon: SyncCommon{Enabled: true, Endpoint: "https://ccc.tencentcloudapi.com",
						Interval: Duration(5 * time.Minute), Lookback: Duration(48 * time.Hour), Settle: durp(0),
						From:    Instant(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)),
						Horizon: Duration(180 * day), HorizonWarning: Duration(day),
						RateLimit: RateLimit{RPS: 5, Burst: 5}, MaxWindowRecords: 2000},
					Region:   "ap-guangzhou",
					SecretID: "AKIDupstreamEXAMPLE", SecretKey: "tc-upstream-key-S3cr3tU",
					SecretKeyFile: secretPath("acme_tc_up")},
			},
			TRTCCallKit: &TRTCCallKit{
				SDKAppID: 1400000001, AdminIdentifiers: []string{"administrator"},
				SecretKey: imKey, SecretKeyFile: imFile,
				RateLimit: CallKitRateLimit{RateLimit: RateLimit{RPS: 200, Burst: 200},
					ByCallID: RateLimit{RPS: 20, Burst: 20}},
				Sync: TRTCCallKitSync{
					SyncCommon: SyncCommon{Endpoint: "https://callkit.trtc.tencent-cloud.com",
						Interval: Duration(10 * time.Minute), Lookback: Duration(168 * time.Hour), Settle: durp(2 * time.Minute),
						Horizon: Duration(7 * day), HorizonWarning: Duration(day),
						RateLimit: RateLimit{RPS: 100, Burst: 100}, MaxWindowRecords: 5000},
					Identifier: "administrator"},
			},
			AliyunCCC: &AliyunCCC{
				InstanceID: "ccc-test",
				Credentials: []AliyunCredential{{AccessKeyID: "LTAI5tEXAMPLE",
					AccessKeySecret: "ali-secret-S3cr3tC", AccessKeySecretFile: secretPath("acme_ali_secret")}},
				RateLimit: RateLimit{RPS: 20, Burst: 20},
				Sync: AliyunCCCSync{
					SyncCommon: defaultSync("https://ccc.cn-shanghai.aliyuncs.com", 180*day),
					Region:     "cn-shanghai"},
			},
			Laaffic: &Laaffic{
				APIKey: "bDqJFiq9", APISecret: "laaffic-secret-S3cr3tD",
				APISecretFile:   secretPath("acme_laaffic_secret"),
				IPAllow:         []string{"203.0.113.0/24", "2001:db8::/32"},
				TimestampWindow: Duration(300 * time.Second),
				RateLimit:       RateLimit{RPS: 20, Burst: 20},
				Sync:            LaafficSync{SyncCommon: defaultSync("https://api.laaffic.com", 60*day), Path: "/v3/voice/ccRecordQuery"},
			},
			TencentDesk: &TencentDesk{
				SDKAppID: 1400000001, AdminIdentifiers: []string{"administrator"},
				SecretKey: imKey, SecretKeyFile: imFile,
				RateLimit: RateLimit{RPS: 20, Burst: 20},
				Sync:      TencentDeskSync{SyncCommon: defaultSync("https://console.tim.qq.com", 180*day)},
			},
		}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Parse(full.yaml) mismatch (-want +got):\n%s", diff)
	}
}

func TestParseDefaults(t *testing.T) {
	c, err := Parse([]byte(`
tenants:
  - id: small
    satisfaction: {tencent_ccc: {"5": 5}}
    trtc_callkit: {sdk_app_id: 7, admin_identifiers: [admin], secret_key: k}
    laaffic: {api_key: k, api_secret: s}
`), "")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Default(), Config{Server: c.Server, Storage: c.Storage, Recordings: c.Recordings, Console: c.Console}); diff != "" {
		t.Errorf("server/storage/recordings/console defaults (-want +got):\n%s", diff)
	}
	if got := c.RecordingsDir(); got != filepath.Join("cdrhub-data", "recordings") {
		t.Errorf("RecordingsDir: %q", got)
	}
	tn := c.TenantByID("small")
	if tn == nil || c.TenantByID("nope") != nil {
		t.Fatalf("TenantByID: got %v", tn)
	}
	if tn.Timezone != "UTC" || tn.Location() != time.UTC {
		t.Errorf("timezone = %q, location = %v; want UTC", tn.Timezone, tn.Location())
	}
	wantCK := CallKitRateLimit{RateLimit: RateLimit{RPS: 200, Burst: 200}, ByCallID: RateLimit{RPS: 20, Burst: 20}}
	if diff := cmp.Diff(wantCK, tn.TRTCCallKit.RateLimit); diff != "" {
		t.Errorf("trtc_callkit rate_limit (-want +got):\n%s", diff)
	}
	if tn.Laaffic.TimestampWindow != DefaultTimestampWindow || tn.Laaffic.RateLimit != (RateLimit{20, 20}) {
		t.Errorf("laaffic defaults: %+v", tn.Laaffic)
	}
	if tn.TencentCCC != nil || tn.AliyunCCC != nil || tn.TencentDesk != nil {
		t.Error("absent blocks must stay nil")
	}
	for _, tt := range []struct {
		source, raw string
		score       int
		ok          bool
	}{
		{"tencent_ccc", "5", 5, true},
		{"tencent_ccc", "1", 0, false}, // explicit map replaces the default
		{"aliyun_ccc", "1", 5, true},
		{"aliyun_ccc", "3", 1, true},
		{"tencent_desk", "4", 4, true},
		{"trtc_callkit", "1", 0, false},
		{"native", "1", 0, false},
	} {
		score, ok := tn.SatisfactionScore(tt.source, tt.raw)
		if score != tt.score || ok != tt.ok {
			t.Errorf("SatisfactionScore(%q, %q) = %d, %v; want %d, %v", tt.source, tt.raw, score, ok, tt.score, tt.ok)
		}
	}
	// A hand-built tenant falls back to the defaults.
	if s, ok := (&Tenant{}).SatisfactionScore("tencent_ccc", "2"); s != 3 || !ok {
		t.Errorf("zero Tenant SatisfactionScore = %d, %v; want 3, true", s, ok)
	}
}

func TestLocation(t *testing.T) {
	c := mustParseFile(t, "testdata/full.yaml")
	if got := c.Tenants[0].Location().String(); got != "Asia/Shanghai" {
		t.Errorf("Location() = %s, want Asia/Shanghai", got)
	}
}

func TestDefaultValidates(t *testing.T) {
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Server.Listen != ":8080" || c.Storage.Driver != "sqlite" || c.Storage.Path != "./cdrhub-data/cdrhub.db" || c.Tenants != nil {
		t.Errorf("Default() = %+v", c)
	}
	empty, err := Parse(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Default(), empty); diff != "" {
		t.Errorf("Parse(empty) (-want +got):\n%s", diff)
	}
}

func TestLoadEmptyPath(t *testing.T) {
	t.Setenv(EnvListen, "")
	t.Setenv(EnvDB, "")
	c, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Default(), c); diff != "" {
		t.Errorf("Load(\"\") (-want +got):\n%s", diff)
	}
}

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "key"), []byte("from-file-S3cr3t\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "cdrhub.yaml")
	doc := "storage: {driver: postgres}\nadmin: {tokens: [{name: ops, token_file: key}]}\n"
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	// The file alone is invalid: postgres without a DSN.
	var ve *ValidationError
	if _, err := load(path, env(nil)); !errors.As(err, &ve) || ve.Field != "storage.dsn" || !strings.Contains(err.Error(), path) {
		t.Fatalf("load without CDRHUB_DB: %v, want storage.dsn error naming %s", err, path)
	}
	// The environment is applied before validation.
	c, err := load(path, env(map[string]string{EnvDB: "postgres://u:p@db/cdrhub", EnvListen: "127.0.0.1:9000"}))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Admin.Tokens[0]; got.Token.Reveal() != "from-file-S3cr3t" || got.TokenFile != filepath.Join(dir, "key") {
		t.Errorf("token_file relative to the config dir: got file %q", got.TokenFile)
	}
	if c.Storage.DSN.Reveal() != "postgres://u:p@db/cdrhub" || c.Server.Listen != "127.0.0.1:9000" {
		t.Errorf("env not applied: %+v", c)
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want ErrNotExist", err)
	}
}

func TestApplyEnv(t *testing.T) {
	pg := Default()
	pg.Storage = Storage{Driver: DriverPostgres, DSN: "postgres://old", DSNFile: "/run/dsn"}
	tests := []struct {
		name string
		base Config
		env  map[string]string
		want Server
		db   Storage
	}{
		{"none", Default(), nil, Server{Listen: ":8080"}, Default().Storage},
		{"listen", Default(), map[string]string{EnvListen: ":9999"}, Server{Listen: ":9999"}, Default().Storage},
		{"sqlite path", Default(), map[string]string{EnvDB: "/var/lib/cdrhub/db.sqlite"},
			Server{Listen: ":8080"}, Storage{Driver: "sqlite", Path: "/var/lib/cdrhub/db.sqlite"}},
		{"postgres dsn", Default(), map[string]string{EnvDB: "postgres://cdr:pw@db:5432/cdrhub?sslmode=disable"},
			Server{Listen: ":8080"}, Storage{Driver: "postgres", Path: DefaultSQLitePath,
				DSN: "postgres://cdr:pw@db:5432/cdrhub?sslmode=disable"}},
		{"postgresql scheme", Default(), map[string]string{EnvDB: "postgresql://db/cdrhub"},
			Server{Listen: ":8080"}, Storage{Driver: "postgres", Path: DefaultSQLitePath, DSN: "postgresql://db/cdrhub"}},
		{"postgres over file dsn", pg, map[string]string{EnvDB: "postgres://new"},
			Server{Listen: ":8080"}, Storage{Driver: "postgres", DSN: "postgres://new"}},
		{"sqlite over postgres", pg, map[string]string{EnvDB: "cdr.db"},
			Server{Listen: ":8080"}, Storage{Driver: "sqlite", Path: "cdr.db"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.base
			c.ApplyEnv(env(tt.env))
			if diff := cmp.Diff(tt.want, c.Server); diff != "" {
				t.Errorf("server (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.db, c.Storage); diff != "" {
				t.Errorf("storage (-want +got):\n%s", diff)
			}
			if err := c.Validate(); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestPath(t *testing.T) {
	withEnv := env(map[string]string{EnvConfig: "/etc/cdrhub.yaml"})
	for _, tt := range []struct {
		flag   string
		getenv func(string) string
		want   string
	}{
		{"", env(nil), ""},
		{"", withEnv, "/etc/cdrhub.yaml"},
		{"./mine.yaml", withEnv, "./mine.yaml"},
	} {
		if got := Path(tt.flag, tt.getenv); got != tt.want {
			t.Errorf("Path(%q) = %q, want %q", tt.flag, got, tt.want)
		}
	}
}

// protected_only and max_usersig_lifetime (a Go duration) parse; both are
// off when absent.
func TestParseHardeningKeys(t *testing.T) {
	c, err := Parse([]byte(`
tenants:
  - id: strict
    tencent_ccc: {sdk_app_id: 1, protected_only: true, credentials: [{secret_id: AKIDs, secret_key: k}]}
    trtc_callkit: {sdk_app_id: 7, admin_identifiers: [admin], secret_key: k, max_usersig_lifetime: 24h}
    tencent_desk: {sdk_app_id: 7, admin_identifiers: [admin], secret_key: k, max_usersig_lifetime: 1440m}
  - id: lax
    tencent_ccc: {sdk_app_id: 2, credentials: [{secret_id: AKIDl, secret_key: k}]}
    trtc_callkit: {sdk_app_id: 8, admin_identifiers: [admin], secret_key: k}
`), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	s, l := c.TenantByID("strict"), c.TenantByID("lax")
	got := []any{s.TencentCCC.ProtectedOnly, s.TRTCCallKit.MaxUserSigLifetime, s.TencentDesk.MaxUserSigLifetime,
		l.TencentCCC.ProtectedOnly, l.TRTCCallKit.MaxUserSigLifetime}
	want := []any{true, Duration(24 * time.Hour), Duration(24 * time.Hour), false, Duration(0)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// Every vendor's sync block takes its defaults; an explicit settle: 0s
// stays 0, and ApplyDefaults does not change a parsed configuration.
func TestParseSyncDefaults(t *testing.T) {
	c, err := Parse([]byte(`
tenants:
  - id: a
    tencent_ccc: {sdk_app_id: 1, credentials: [{secret_id: AKIDa, secret_key: k}], sync: {enabled: true}}
    trtc_callkit: {sdk_app_id: 7, admin_identifiers: [admin], secret_key: k}
    aliyun_ccc: {instance_id: i, credentials: [{access_key_id: x, access_key_secret: y}], sync: {settle: 0s}}
    laaffic: {api_key: k, api_secret: s, sync: {settle: 90s, lookback: 1h}}
    tencent_desk: {sdk_app_id: 8, admin_identifiers: [admin], secret_key: k, sync: {settle: null}}
`), "")
	if err != nil {
		t.Fatal(err)
	}
	tn := &c.Tenants[0]
	ccc := defaultSync("https://ccc.tencentcloudapi.com", 180*day)
	ccc.Enabled = true
	ali := defaultSync("", 180*day)
	ali.Settle = durp(0)
	laa := defaultSync("https://api.laaffic.com", 60*day)
	laa.Settle, laa.Lookback = durp(90*time.Second), Duration(time.Hour)
	callkit := defaultSync("https://callkit.trtc.tencent-cloud.com", 7*day)
	callkit.RateLimit = RateLimit{RPS: 100, Burst: 100}
	want := []SyncCommon{ccc, callkit, ali, laa, defaultSync("https://console.tim.qq.com", 180*day)}
	got := func() []SyncCommon {
		return []SyncCommon{tn.TencentCCC.Sync.SyncCommon, tn.TRTCCallKit.Sync.SyncCommon,
			tn.AliyunCCC.Sync.SyncCommon, tn.Laaffic.Sync.SyncCommon, tn.TencentDesk.Sync.SyncCommon}
	}
	if diff := cmp.Diff(want, got()); diff != "" {
		t.Errorf("sync defaults (-want +got):\n%s", diff)
	}
	c.ApplyDefaults()
	if diff := cmp.Diff(want, got()); diff != "" {
		t.Errorf("after a second ApplyDefaults (-want +got):\n%s", diff)
	}
	for i, wantSettle := range []time.Duration{2 * time.Minute, 2 * time.Minute, 0, 90 * time.Second, 2 * time.Minute} {
		if s := got()[i].SettleDuration(); s != wantSettle {
			t.Errorf("sync %d SettleDuration() = %v, want %v", i, s, wantSettle)
		}
	}
	if s := (SyncCommon{}).SettleDuration(); s != 0 {
		t.Errorf("nil SettleDuration() = %v, want 0", s)
	}
}

// ca_file is joined with the configuration file's directory, like the TLS
// paths; absolute paths stay as they are. The file is not read.
func TestParseSyncCAFile(t *testing.T) {
	c, err := Parse([]byte(`
tenants:
  - id: a
    tencent_ccc: {sdk_app_id: 1, credentials: [{secret_id: AKIDa, secret_key: k}], sync: {ca_file: ca/upstream.pem}}
    laaffic: {api_key: k, api_secret: s, sync: {ca_file: /etc/ssl/laaffic.pem}}
    trtc_callkit: {sdk_app_id: 7, admin_identifiers: [admin], secret_key: k, sync: {ca_file: ../ca.pem}}
`), "/etc/cdrhub")
	if err != nil {
		t.Fatal(err)
	}
	tn := &c.Tenants[0]
	got := []string{tn.TencentCCC.Sync.CAFile, tn.Laaffic.Sync.CAFile, tn.TRTCCallKit.Sync.CAFile}
	want := []string{filepath.Join("/etc/cdrhub", "ca", "upstream.pem"), "/etc/ssl/laaffic.pem", filepath.Join("/etc", "ca.pem")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ca_file (-want +got):\n%s", diff)
	}
}

// Each vendor's sync secrets are read from *_file like the served ones.
func TestParseSyncSecretFiles(t *testing.T) {
	c, err := Parse([]byte(`
tenants:
  - id: a
    tencent_ccc: {sdk_app_id: 1, credentials: [{secret_id: AKIDa, secret_key: k}], sync: {secret_id: AKIDup, secret_key_file: secrets/acme_tc_up}}
    trtc_callkit: {sdk_app_id: 7, admin_identifiers: [admin], secret_key: k, sync: {secret_key_file: secrets/acme_im_key}}
    aliyun_ccc: {instance_id: i, credentials: [{access_key_id: x, access_key_secret: y}], sync: {access_key_id: LTAIup, access_key_secret_file: secrets/acme_ali_secret}}
    laaffic: {api_key: k, api_secret: s, sync: {api_key: up, api_secret_file: secrets/acme_laaffic_secret}}
    tencent_desk: {sdk_app_id: 8, admin_identifiers: [admin], secret_key: k, sync: {secret_key_file: secrets/acme_im_key}}
`), "testdata")
	if err != nil {
		t.Fatal(err)
	}
	tn := &c.Tenants[0]
	got := []string{
		tn.TencentCCC.Sync.SecretKey.Reveal(), tn.TencentCCC.Sync.SecretKeyFile,
		tn.TRTCCallKit.Sync.SecretKey.Reveal(), tn.TRTCCallKit.Sync.SecretKeyFile,
		tn.AliyunCCC.Sync.AccessKeySecret.Reveal(), tn.AliyunCCC.Sync.AccessKeySecretFile,
		tn.Laaffic.Sync.APISecret.Reveal(), tn.Laaffic.Sync.APISecretFile,
		tn.TencentDesk.Sync.SecretKey.Reveal(), tn.TencentDesk.Sync.SecretKeyFile,
	}
	want := []string{
		"tc-upstream-key-S3cr3tU", secretPath("acme_tc_up"),
		"im-secret-key-S3cr3tI", secretPath("acme_im_key"),
		"ali-secret-S3cr3tC", secretPath("acme_ali_secret"),
		"laaffic-secret-S3cr3tD", secretPath("acme_laaffic_secret"),
		"im-secret-key-S3cr3tI", secretPath("acme_im_key"),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sync secrets (-want +got):\n%s", diff)
	}
}

func TestRecordingsDefaults(t *testing.T) {
	c := Default()
	c.Storage = Storage{Driver: DriverSQLite, Path: "/var/lib/cdrhub/db.sqlite"}
	if got := c.RecordingsDir(); got != "/var/lib/cdrhub/recordings" {
		t.Errorf("beside SQLite: %q", got)
	}
	c.Storage = Storage{Driver: DriverPostgres, DSN: "postgres://x"}
	if got := c.RecordingsDir(); got != DefaultRecordingsDir {
		t.Errorf("with PostgreSQL: %q", got)
	}
	c.Recordings.Path = "/srv/audio"
	if got := c.RecordingsDir(); got != "/srv/audio" {
		t.Errorf("recordings.path: %q", got)
	}
	c.Recordings.Expire = map[string]Duration{"laaffic": Duration(day)}
	if got := c.Recordings.ExpiryOverrides(); len(got) != 1 || got[cdr.SourceLaaffic] != day {
		t.Errorf("ExpiryOverrides: %v", got)
	}
}
