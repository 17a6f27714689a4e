package config

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// validConfig returns a valid two-tenant configuration with every block,
// secrets inline, defaults applied.
func validConfig() Config {
	c := Default()
	c.Admin.Tokens = []Token{{Name: "ops", Token: "admin-S3cr3t"}}
	c.Tenants = []Tenant{
		{
			ID: "acme", Name: "ACME", Timezone: "Asia/Shanghai",
			Native: Native{Tokens: []Token{{Name: "pbx", Token: "acme-native-S3cr3t"}}},
			TencentCCC: &TencentCCC{SDKAppID: 1400000000,
				Credentials: []TencentCredential{{SecretID: "AKIDacme", SecretKey: "acme-tc-S3cr3t"}}},
			TRTCCallKit: &TRTCCallKit{SDKAppID: 1400000001, AdminIdentifiers: []string{"administrator"},
				SecretKey: "acme-im-S3cr3t"},
			AliyunCCC: &AliyunCCC{InstanceID: "ccc-acme",
				Credentials: []AliyunCredential{{AccessKeyID: "LTAIacme", AccessKeySecret: "acme-ali-S3cr3t"}}},
			Laaffic: &Laaffic{APIKey: "acmeKey", APISecret: "acme-laaffic-S3cr3t",
				IPAllow: []string{"203.0.113.0/24", "2001:db8::/32"}},
			TencentDesk: &TencentDesk{SDKAppID: 1400000001, AdminIdentifiers: []string{"administrator"},
				SecretKey: "acme-im-S3cr3t"},
		},
		{
			ID:     "beta-2",
			Native: Native{Tokens: []Token{{Name: "pbx", Token: "beta-native-S3cr3t"}}},
			TencentCCC: &TencentCCC{SDKAppID: 1400000100,
				Credentials: []TencentCredential{{SecretID: "AKIDbeta", SecretKey: "beta-tc-S3cr3t"}}},
			TRTCCallKit: &TRTCCallKit{SDKAppID: 1400000101, AdminIdentifiers: []string{"admin"},
				SecretKey: "beta-im-S3cr3t"},
			AliyunCCC: &AliyunCCC{InstanceID: "ccc-beta",
				Credentials: []AliyunCredential{{AccessKeyID: "LTAIbeta", AccessKeySecret: "beta-ali-S3cr3t"}}},
			Laaffic: &Laaffic{APIKey: "betaKey", APISecret: "beta-laaffic-S3cr3t"},
			TencentDesk: &TencentDesk{SDKAppID: 1400000102, AdminIdentifiers: []string{"admin"},
				SecretKey: "beta-desk-S3cr3t"},
		},
	}
	c.ApplyDefaults()
	return c
}

func TestValidConfigValidates(t *testing.T) {
	c := validConfig()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	// A tenant with no blocks at all is fine too.
	c.Tenants = append(c.Tenants, Tenant{ID: "0"})
	c.ApplyDefaults()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestValidateRules(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(c *Config)
		field string
		want  error
	}{
		// storage
		{"unknown driver", func(c *Config) { c.Storage.Driver = "mysql" }, "storage.driver", ErrUnknownDriver},
		{"sqlite without path", func(c *Config) { c.Storage.Path = "" }, "storage.path", ErrRequired},
		{"postgres without dsn", func(c *Config) { c.Storage.Driver = DriverPostgres }, "storage.dsn", ErrRequired},
		// server
		{"empty listen", func(c *Config) { c.Server.Listen = "" }, "server.listen", ErrRequired},
		{"bad trusted proxy", func(c *Config) { c.Server.TrustedProxies = []string{"10.0.0.0/8", "10.0.0.1"} },
			"server.trusted_proxies[1]", ErrInvalidCIDR},
		{"tls cert only", func(c *Config) { c.Server.TLS.CertFile = "/c.crt" }, "server.tls.key_file", ErrTLSPair},
		{"tls key only", func(c *Config) { c.Server.TLS.KeyFile = "/c.key" }, "server.tls.cert_file", ErrTLSPair},
		// recordings
		{"short signing key", func(c *Config) { c.Recordings.SigningKey = "short" }, "recordings.signing_key", ErrInvalidValue},
		{"bad allowed network", func(c *Config) { c.Recordings.AllowNetworks = []string{"127.0.0.1"} },
			"recordings.allow_networks[0]", ErrInvalidCIDR},
		{"negative host rate", func(c *Config) { c.Recordings.MaxBytesPerSecondPerHost = -1 },
			"recordings.max_bytes_per_second_per_host", ErrInvalidValue},
		{"zero max file", func(c *Config) { c.Recordings.MaxFileBytes = 0 }, "recordings.max_file_bytes", ErrInvalidValue},
		{"archive interval 10ms", func(c *Config) { c.Recordings.Interval = Duration(10 * time.Millisecond) },
			"recordings.interval", ErrInvalidValue},
		{"negative archive settle", func(c *Config) { d := Duration(-1); c.Recordings.Settle = &d }, "recordings.settle", ErrInvalidValue},
		{"expiry of an unknown source", func(c *Config) { c.Recordings.Expire = map[string]Duration{"genesys": Duration(day)} },
			"recordings.expire.genesys", ErrInvalidValue},
		{"expiry of native", func(c *Config) { c.Recordings.Expire = map[string]Duration{"native": Duration(day)} },
			"recordings.expire.native", ErrInvalidValue},
		{"zero expiry", func(c *Config) { c.Recordings.Expire = map[string]Duration{"laaffic": 0} },
			"recordings.expire.laaffic", ErrInvalidValue},
		{"concurrency 33", func(c *Config) { c.Tenants[0].Recordings.Concurrency = 33 },
			"tenants[0].recordings.concurrency", ErrInvalidValue},
		{"negative audio retention", func(c *Config) { c.Tenants[1].Recordings.Retention = -1 },
			"tenants[1].recordings.retention", ErrInvalidValue},
		{"link ttl over a week", func(c *Config) { c.Tenants[0].Recordings.LinkTTL = MaxLinkTTL + 1 },
			"tenants[0].recordings.link_ttl", ErrInvalidValue},
		{"s3 without a bucket", func(c *Config) {
			c.Recordings.Store, c.Recordings.S3 = RecordingStoreS3, S3Store{Endpoint: "https://s3.example", AccessKeyID: "k", SecretAccessKey: "s"}
		}, "recordings.s3.bucket", ErrRequired},
		{"s3 endpoint with a path", func(c *Config) {
			c.Recordings.Store, c.Recordings.S3 = RecordingStoreS3, S3Store{Endpoint: "https://s3.example/x", Bucket: "b", AccessKeyID: "k", SecretAccessKey: "s"}
		}, "recordings.s3.endpoint", ErrInvalidValue},
		{"s3 without a secret", func(c *Config) {
			c.Recordings.Store, c.Recordings.S3 = RecordingStoreS3, S3Store{Endpoint: "http://127.0.0.1:8333", Bucket: "b", AccessKeyID: "k"}
		}, "recordings.s3.secret_access_key", ErrRequired},
		{"unknown store", func(c *Config) { c.Recordings.Store = "ftp" }, "recordings.store", ErrInvalidValue},
		{"console idle over the max age", func(c *Config) { c.Console.SessionIdle = c.Console.SessionMaxAge + 1 }, "console.session_idle", ErrInvalidValue},
		{"console idle under a minute", func(c *Config) { c.Console.SessionIdle = Duration(time.Second) }, "console.session_idle", ErrInvalidValue},
		{"console max age over 90 days", func(c *Config) { c.Console.SessionMaxAge = MaxSessionMaxAge + 1 }, "console.session_max_age", ErrInvalidValue},
		{"rewrite ttl over a week", func(c *Config) { c.Tenants[0].Recordings.RewriteTTL = MaxLinkTTL + 1 },
			"tenants[0].recordings.rewrite_ttl", ErrInvalidValue},
		{"rewrite ttl under a minute", func(c *Config) { c.Tenants[0].Recordings.RewriteTTL = Duration(time.Second) },
			"tenants[0].recordings.rewrite_ttl", ErrInvalidValue},
		// tenants
		{"bad slug uppercase", func(c *Config) { c.Tenants[1].ID = "Beta" }, "tenants[1].id", ErrInvalidTenantID},
		{"bad slug leading dash", func(c *Config) { c.Tenants[1].ID = "-beta" }, "tenants[1].id", ErrInvalidTenantID},
		{"bad slug too long", func(c *Config) { c.Tenants[1].ID = strings.Repeat("a", 33) }, "tenants[1].id", ErrInvalidTenantID},
		{"empty id", func(c *Config) { c.Tenants[0].ID = "" }, "tenants[0].id", ErrInvalidTenantID},
		{"duplicate tenant id", func(c *Config) { c.Tenants[1].ID = "acme" }, "tenants[1].id", ErrDuplicateTenant},
		{"bad timezone", func(c *Config) { c.Tenants[0].Timezone = "Mars/Olympus" }, "tenants[0].timezone", ErrInvalidTimezone},
		{"Local timezone", func(c *Config) { c.Tenants[0].Timezone = "Local" }, "tenants[0].timezone", ErrInvalidTimezone},
		// A
		{"tencent no credentials", func(c *Config) { c.Tenants[0].TencentCCC.Credentials = nil },
			"tenants[0].tencent_ccc.credentials", ErrRequired},
		{"tencent no secret_id", func(c *Config) { c.Tenants[1].TencentCCC.Credentials[0].SecretID = "" },
			"tenants[1].tencent_ccc.credentials[0].secret_id", ErrRequired},
		{"tencent no secret_key", func(c *Config) { c.Tenants[1].TencentCCC.Credentials[0].SecretKey = "" },
			"tenants[1].tencent_ccc.credentials[0].secret_key", ErrRequired},
		{"tencent no sdk_app_id", func(c *Config) { c.Tenants[0].TencentCCC.SDKAppID = 0 },
			"tenants[0].tencent_ccc.sdk_app_id", ErrRequired},
		{"duplicate SecretId", func(c *Config) { c.Tenants[1].TencentCCC.Credentials[0].SecretID = "AKIDacme" },
			"tenants[1].tencent_ccc.credentials[0].secret_id", ErrDuplicateKey},
		{"duplicate SecretId in one tenant", func(c *Config) {
			b := c.Tenants[0].TencentCCC
			b.Credentials = append(b.Credentials, TencentCredential{SecretID: "AKIDacme", SecretKey: "x"})
		}, "tenants[0].tencent_ccc.credentials[1].secret_id", ErrDuplicateKey},
		{"duplicate SdkAppId", func(c *Config) { c.Tenants[1].TencentCCC.SDKAppID = 1400000000 },
			"tenants[1].tencent_ccc.sdk_app_id", ErrDuplicateKey},
		{"tencent rate limit rps", func(c *Config) { c.Tenants[0].TencentCCC.RateLimit.RPS = -1 },
			"tenants[0].tencent_ccc.rate_limit.rps", ErrInvalidRateLimit},
		{"tencent rate limit NaN", func(c *Config) { c.Tenants[0].TencentCCC.RateLimit.RPS = math.NaN() },
			"tenants[0].tencent_ccc.rate_limit.rps", ErrInvalidRateLimit},
		{"tencent rate limit burst", func(c *Config) { c.Tenants[0].TencentCCC.RateLimit.Burst = -3 },
			"tenants[0].tencent_ccc.rate_limit.burst", ErrInvalidRateLimit},
		{"sync negative interval", func(c *Config) { c.Tenants[0].TencentCCC.Sync.Interval = -1 },
			"tenants[0].tencent_ccc.sync.interval", ErrInvalidValue},
		{"sync negative sdk_app_id", func(c *Config) { c.Tenants[0].TencentCCC.Sync.SDKAppID = -1 },
			"tenants[0].tencent_ccc.sync.sdk_app_id", ErrInvalidValue},
		{"sync secret_id without its key", func(c *Config) { c.Tenants[0].TencentCCC.Sync.SecretID = "AKIDother" },
			"tenants[0].tencent_ccc.sync.secret_id", ErrInvalidValue},
		{"sync secret_key without its id", func(c *Config) { c.Tenants[0].TencentCCC.Sync.SecretKey = "other-key" },
			"tenants[0].tencent_ccc.sync.secret_id", ErrInvalidValue},
		{"aliyun sync enabled without region or endpoint", func(c *Config) {
			c.Tenants[0].AliyunCCC.Sync.Enabled, c.Tenants[0].AliyunCCC.Sync.Endpoint = true, ""
		}, "tenants[0].aliyun_ccc.sync.region", ErrRequired},
		{"aliyun sync access_key_id without its secret", func(c *Config) { c.Tenants[0].AliyunCCC.Sync.AccessKeyID = "LTAIother" },
			"tenants[0].aliyun_ccc.sync.access_key_id", ErrInvalidValue},
		{"laaffic sync path without /", func(c *Config) { c.Tenants[0].Laaffic.Sync.Path = "v3/voice/ccRecordQuery" },
			"tenants[0].laaffic.sync.path", ErrInvalidValue},
		{"laaffic sync timezone", func(c *Config) { c.Tenants[0].Laaffic.Sync.Timezone = "Mars/Olympus" },
			"tenants[0].laaffic.sync.timezone", ErrInvalidTimezone},
		{"laaffic sync api_key without its secret", func(c *Config) { c.Tenants[0].Laaffic.Sync.APIKey = "other" },
			"tenants[0].laaffic.sync.api_key", ErrInvalidValue},
		{"sync enabled without endpoint", func(c *Config) {
			c.Tenants[0].TencentCCC.Sync.Enabled = true
			c.Tenants[0].TencentCCC.Sync.Endpoint = ""
		}, "tenants[0].tencent_ccc.sync.endpoint", ErrRequired},
		// B and E
		{"callkit no secret_key", func(c *Config) { c.Tenants[1].TRTCCallKit.SecretKey = "" },
			"tenants[1].trtc_callkit.secret_key", ErrRequired},
		{"callkit no sdk_app_id", func(c *Config) { c.Tenants[1].TRTCCallKit.SDKAppID = 0 },
			"tenants[1].trtc_callkit.sdk_app_id", ErrRequired},
		{"callkit no admin_identifiers", func(c *Config) { c.Tenants[1].TRTCCallKit.AdminIdentifiers = nil },
			"tenants[1].trtc_callkit.admin_identifiers", ErrRequired},
		{"callkit empty admin identifier", func(c *Config) { c.Tenants[1].TRTCCallKit.AdminIdentifiers = []string{"a", ""} },
			"tenants[1].trtc_callkit.admin_identifiers[1]", ErrRequired},
		{"callkit by_call_id burst", func(c *Config) { c.Tenants[0].TRTCCallKit.RateLimit.ByCallID.Burst = -1 },
			"tenants[0].trtc_callkit.rate_limit.by_call_id.burst", ErrInvalidRateLimit},
		{"desk no secret_key", func(c *Config) { c.Tenants[1].TencentDesk.SecretKey = "" },
			"tenants[1].tencent_desk.secret_key", ErrRequired},
		{"desk no sdk_app_id", func(c *Config) { c.Tenants[1].TencentDesk.SDKAppID = 0 },
			"tenants[1].tencent_desk.sdk_app_id", ErrRequired},
		{"desk no admin_identifiers", func(c *Config) { c.Tenants[1].TencentDesk.AdminIdentifiers = []string{} },
			"tenants[1].tencent_desk.admin_identifiers", ErrRequired},
		{"desk rate limit", func(c *Config) { c.Tenants[1].TencentDesk.RateLimit.RPS = math.Inf(1) },
			"tenants[1].tencent_desk.rate_limit.rps", ErrInvalidRateLimit},
		{"same tenant B/E keys differ", func(c *Config) { c.Tenants[0].TencentDesk.SecretKey = "other" },
			"tenants[0].tencent_desk.secret_key", ErrIMKeyMismatch},
		{"other tenant shares callkit sdkappid", func(c *Config) { c.Tenants[1].TRTCCallKit.SDKAppID = 1400000001 },
			"tenants[1].trtc_callkit.sdk_app_id", ErrDuplicateKey},
		{"other tenant shares sdkappid, same key", func(c *Config) {
			c.Tenants[1].TencentDesk.SDKAppID = 1400000001
			c.Tenants[1].TencentDesk.SecretKey = "acme-im-S3cr3t"
		}, "tenants[1].tencent_desk.sdk_app_id", ErrDuplicateKey},
		{"callkit negative max_usersig_lifetime", func(c *Config) { c.Tenants[1].TRTCCallKit.MaxUserSigLifetime = -1 },
			"tenants[1].trtc_callkit.max_usersig_lifetime", ErrInvalidValue},
		{"desk max_usersig_lifetime under a second", func(c *Config) { c.Tenants[1].TencentDesk.MaxUserSigLifetime = Duration(time.Second - 1) },
			"tenants[1].tencent_desk.max_usersig_lifetime", ErrInvalidValue},
		{"same sdkappid, max_usersig_lifetime differs", func(c *Config) {
			c.Tenants[0].TRTCCallKit.MaxUserSigLifetime = Duration(24 * time.Hour)
			c.Tenants[0].TencentDesk.MaxUserSigLifetime = Duration(time.Hour)
		}, "tenants[0].tencent_desk.max_usersig_lifetime", ErrIMLifetimeMismatch},
		{"same sdkappid, max_usersig_lifetime on B only", func(c *Config) {
			c.Tenants[0].TRTCCallKit.MaxUserSigLifetime = Duration(24 * time.Hour)
		}, "tenants[0].tencent_desk.max_usersig_lifetime", ErrIMLifetimeMismatch},
		{"same sdkappid, max_usersig_lifetime on E only", func(c *Config) {
			c.Tenants[0].TencentDesk.MaxUserSigLifetime = Duration(24 * time.Hour)
		}, "tenants[0].tencent_desk.max_usersig_lifetime", ErrIMLifetimeMismatch},
		{"desk reuses other tenant's callkit id", func(c *Config) {
			c.Tenants[0].TencentDesk = nil
			c.Tenants[1].TencentDesk.SDKAppID = 1400000001
			c.Tenants[1].TencentDesk.SecretKey = "acme-im-S3cr3t"
		}, "tenants[1].tencent_desk.sdk_app_id", ErrDuplicateKey},
		// C
		{"aliyun no credentials", func(c *Config) { c.Tenants[0].AliyunCCC.Credentials = []AliyunCredential{} },
			"tenants[0].aliyun_ccc.credentials", ErrRequired},
		{"aliyun no access_key_id", func(c *Config) { c.Tenants[0].AliyunCCC.Credentials[0].AccessKeyID = "" },
			"tenants[0].aliyun_ccc.credentials[0].access_key_id", ErrRequired},
		{"aliyun no access_key_secret", func(c *Config) { c.Tenants[0].AliyunCCC.Credentials[0].AccessKeySecret = "" },
			"tenants[0].aliyun_ccc.credentials[0].access_key_secret", ErrRequired},
		{"aliyun no instance_id", func(c *Config) { c.Tenants[0].AliyunCCC.InstanceID = "" },
			"tenants[0].aliyun_ccc.instance_id", ErrRequired},
		{"duplicate AccessKeyId", func(c *Config) { c.Tenants[1].AliyunCCC.Credentials[0].AccessKeyID = "LTAIacme" },
			"tenants[1].aliyun_ccc.credentials[0].access_key_id", ErrDuplicateKey},
		{"duplicate InstanceId", func(c *Config) { c.Tenants[1].AliyunCCC.InstanceID = "ccc-acme" },
			"tenants[1].aliyun_ccc.instance_id", ErrDuplicateKey},
		{"aliyun rate limit", func(c *Config) { c.Tenants[1].AliyunCCC.RateLimit.Burst = 0 },
			"tenants[1].aliyun_ccc.rate_limit.burst", ErrInvalidRateLimit},
		// D
		{"laaffic no api_key", func(c *Config) { c.Tenants[0].Laaffic.APIKey = "" },
			"tenants[0].laaffic.api_key", ErrRequired},
		{"laaffic no api_secret", func(c *Config) { c.Tenants[0].Laaffic.APISecret = "" },
			"tenants[0].laaffic.api_secret", ErrRequired},
		{"duplicate api_key", func(c *Config) { c.Tenants[1].Laaffic.APIKey = "acmeKey" },
			"tenants[1].laaffic.api_key", ErrDuplicateKey},
		{"bad ip_allow", func(c *Config) { c.Tenants[0].Laaffic.IPAllow[1] = "2001:db8::/129" },
			"tenants[0].laaffic.ip_allow[1]", ErrInvalidCIDR},
		{"laaffic timestamp window", func(c *Config) { c.Tenants[0].Laaffic.TimestampWindow = -1 },
			"tenants[0].laaffic.timestamp_window", ErrInvalidValue},
		{"laaffic rate limit", func(c *Config) { c.Tenants[0].Laaffic.RateLimit.RPS = 0 },
			"tenants[0].laaffic.rate_limit.rps", ErrInvalidRateLimit},
		// tokens
		{"admin token without name", func(c *Config) { c.Admin.Tokens[0].Name = "" }, "admin.tokens[0].name", ErrRequired},
		{"admin token empty", func(c *Config) { c.Admin.Tokens[0].Token = "" }, "admin.tokens[0].token", ErrRequired},
		{"native token without name", func(c *Config) { c.Tenants[1].Native.Tokens[0].Name = "" },
			"tenants[1].native.tokens[0].name", ErrRequired},
		{"native token empty", func(c *Config) { c.Tenants[1].Native.Tokens[0].Token = "" },
			"tenants[1].native.tokens[0].token", ErrRequired},
		{"native tokens shared by tenants", func(c *Config) { c.Tenants[1].Native.Tokens[0].Token = "acme-native-S3cr3t" },
			"tenants[1].native.tokens[0].token", ErrDuplicateToken},
		{"native token equals admin token", func(c *Config) { c.Tenants[0].Native.Tokens[0].Token = "admin-S3cr3t" },
			"tenants[0].native.tokens[0].token", ErrDuplicateToken},
		{"admin tokens repeat", func(c *Config) { c.Admin.Tokens = append(c.Admin.Tokens, Token{Name: "b", Token: "admin-S3cr3t"}) },
			"admin.tokens[1].token", ErrDuplicateToken},
		// satisfaction
		{"satisfaction score 0", func(c *Config) { c.Tenants[0].Satisfaction["aliyun_ccc"] = map[string]int{"1": 0} },
			`tenants[0].satisfaction.aliyun_ccc["1"]`, ErrInvalidSatisfaction},
		{"satisfaction score 6", func(c *Config) { c.Tenants[0].Satisfaction["native"] = map[string]int{"great": 6} },
			`tenants[0].satisfaction.native["great"]`, ErrInvalidSatisfaction},
		{"satisfaction unknown source", func(c *Config) { c.Tenants[0].Satisfaction["genesys"] = map[string]int{"1": 1} },
			"tenants[0].satisfaction.genesys", ErrInvalidSatisfaction},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validConfig()
			tt.edit(&c)
			err := c.Validate()
			if err == nil {
				t.Fatal("Validate() = nil, want an error")
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate() = %v, want a *ValidationError", err)
			}
			if ve.Field != tt.field {
				t.Errorf("Field = %q, want %q (error: %v)", ve.Field, tt.field, err)
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("error %v does not wrap %v", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "config: "+tt.field+": ") {
				t.Errorf("Error() = %q, want prefix %q", err, "config: "+tt.field+": ")
			}
			if strings.Contains(err.Error(), "S3cr3t") {
				t.Errorf("error reveals a secret: %v", err)
			}
		})
	}
}

// max_usersig_lifetime: equal values on blocks sharing an sdkappid, any
// values on blocks of their own.
func TestValidateUserSigLifetime(t *testing.T) {
	c := validConfig()
	c.Tenants[0].TRTCCallKit.MaxUserSigLifetime = Duration(24 * time.Hour)
	c.Tenants[0].TencentDesk.MaxUserSigLifetime = Duration(24 * time.Hour)
	c.Tenants[1].TRTCCallKit.MaxUserSigLifetime = Duration(time.Second)
	c.Tenants[1].TencentDesk.MaxUserSigLifetime = 0 // its own sdkappid: no bound
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	c.Tenants[0].TencentDesk.MaxUserSigLifetime = Duration(12 * time.Hour)
	err := c.Validate()
	want := "config: tenants[0].tencent_desk.max_usersig_lifetime: " + ErrIMLifetimeMismatch.Error() +
		": 12h0m0s here, 24h0m0s in tenants[0].trtc_callkit"
	if err == nil || err.Error() != want {
		t.Errorf("Validate() = %v\nwant %s", err, want)
	}
}

func TestValidateReportsAllProblems(t *testing.T) {
	c := validConfig()
	c.Storage.Driver = "oracle"
	c.Tenants[1].ID = "acme"
	err := c.Validate()
	var fields []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		fields = append(fields, e.(*ValidationError).Field)
	}
	if got, want := strings.Join(fields, ","), "storage.driver,tenants[1].id"; got != want {
		t.Errorf("fields = %s, want %s", got, want)
	}
}

func TestValidTenantID(t *testing.T) {
	for id, want := range map[string]bool{
		"a": true, "0": true, "acme-cn": true, "a-": true, strings.Repeat("z", 32): true,
		"": false, "-a": false, "A": false, "a_b": false, "a.b": false, "é": false, strings.Repeat("z", 33): false,
	} {
		if got := validTenantID(id); got != want {
			t.Errorf("validTenantID(%q) = %v, want %v", id, got, want)
		}
	}
}

// Every sync field at and just over its bounds, on every vendor's block
// (the ranges are checked whether or not sync is enabled).
func TestValidateSync(t *testing.T) {
	at := func(y int, m time.Month, d, ms int) Instant {
		return Instant(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Add(time.Duration(ms) * time.Millisecond))
	}
	commons := map[string]func(c *Config) *SyncCommon{
		"tencent_ccc":  func(c *Config) *SyncCommon { return &c.Tenants[1].TencentCCC.Sync.SyncCommon },
		"trtc_callkit": func(c *Config) *SyncCommon { return &c.Tenants[1].TRTCCallKit.Sync.SyncCommon },
		"aliyun_ccc":   func(c *Config) *SyncCommon { return &c.Tenants[1].AliyunCCC.Sync.SyncCommon },
		"laaffic":      func(c *Config) *SyncCommon { return &c.Tenants[1].Laaffic.Sync.SyncCommon },
		"tencent_desk": func(c *Config) *SyncCommon { return &c.Tenants[1].TencentDesk.Sync.SyncCommon },
	}
	tests := []struct {
		name  string
		edit  func(s *SyncCommon)
		field string // "" when valid
		want  error
	}{
		{"defaults", func(s *SyncCommon) {}, "", nil},
		{"interval 1s", func(s *SyncCommon) { s.Interval = Duration(time.Second) }, "", nil},
		{"interval under 1s", func(s *SyncCommon) { s.Interval = Duration(time.Second - 1) }, "interval", ErrInvalidValue},
		{"lookback 0", func(s *SyncCommon) { s.Lookback = 0 }, "", nil},
		{"lookback negative", func(s *SyncCommon) { s.Lookback = -1 }, "lookback", ErrInvalidValue},
		{"settle 0", func(s *SyncCommon) { s.Settle = durp(0) }, "", nil},
		{"settle nil", func(s *SyncCommon) { s.Settle = nil }, "", nil},
		{"settle negative", func(s *SyncCommon) { s.Settle = durp(-1) }, "settle", ErrInvalidValue},
		{"from 2000", func(s *SyncCommon) { s.From = at(2000, 1, 1, 0) }, "", nil},
		{"from before 2000", func(s *SyncCommon) { s.From = at(2000, 1, 1, -1) }, "from", ErrInvalidValue},
		{"from Unix 0", func(s *SyncCommon) { s.From = Instant(time.UnixMilli(0)) }, "from", ErrInvalidValue},
		{"horizon 1ns", func(s *SyncCommon) { s.Horizon = 1 }, "", nil},
		{"horizon 0", func(s *SyncCommon) { s.Horizon = 0 }, "horizon", ErrInvalidValue},
		{"horizon negative", func(s *SyncCommon) { s.Horizon = -1 }, "horizon", ErrInvalidValue},
		{"horizon_warning 0", func(s *SyncCommon) { s.HorizonWarning = 0 }, "", nil},
		{"horizon_warning negative", func(s *SyncCommon) { s.HorizonWarning = -1 }, "horizon_warning", ErrInvalidValue},
		{"rate_limit smallest", func(s *SyncCommon) { s.RateLimit = RateLimit{RPS: 0.001, Burst: 1} }, "", nil},
		{"rate_limit rps 0", func(s *SyncCommon) { s.RateLimit.RPS = 0 }, "rate_limit.rps", ErrInvalidRateLimit},
		{"rate_limit burst 0", func(s *SyncCommon) { s.RateLimit.Burst = 0 }, "rate_limit.burst", ErrInvalidRateLimit},
		{"max_window_records 1", func(s *SyncCommon) { s.MaxWindowRecords = 1 }, "", nil},
		{"max_window_records 0", func(s *SyncCommon) { s.MaxWindowRecords = 0 }, "max_window_records", ErrInvalidValue},
		{"max_window_records 100000", func(s *SyncCommon) { s.MaxWindowRecords = 100000 }, "", nil},
		{"max_window_records 100001", func(s *SyncCommon) { s.MaxWindowRecords = 100001 }, "max_window_records", ErrInvalidValue},
		{"endpoint http", func(s *SyncCommon) { s.Endpoint = "http://127.0.0.1:8080" }, "", nil},
		{"endpoint slash", func(s *SyncCommon) { s.Endpoint = "https://ccc.example.com/" }, "", nil},
		{"endpoint IPv6", func(s *SyncCommon) { s.Endpoint = "https://[2001:db8::1]:8443" }, "", nil},
		{"endpoint ftp", func(s *SyncCommon) { s.Endpoint = "ftp://ccc.example.com" }, "endpoint", ErrInvalidEndpoint},
		{"endpoint no scheme", func(s *SyncCommon) { s.Endpoint = "ccc.example.com" }, "endpoint", ErrInvalidEndpoint},
		{"endpoint opaque", func(s *SyncCommon) { s.Endpoint = "https:ccc.example.com" }, "endpoint", ErrInvalidEndpoint},
		{"endpoint no host", func(s *SyncCommon) { s.Endpoint = "https://" }, "endpoint", ErrInvalidEndpoint},
		{"endpoint port only", func(s *SyncCommon) { s.Endpoint = "https://:443" }, "endpoint", ErrInvalidEndpoint},
		{"endpoint path", func(s *SyncCommon) { s.Endpoint = "https://ccc.example.com/v1" }, "endpoint", ErrInvalidEndpoint},
		{"endpoint query", func(s *SyncCommon) { s.Endpoint = "https://ccc.example.com/?a=1" }, "endpoint", ErrInvalidEndpoint},
		{"endpoint empty query", func(s *SyncCommon) { s.Endpoint = "https://ccc.example.com?" }, "endpoint", ErrInvalidEndpoint},
		{"endpoint fragment", func(s *SyncCommon) { s.Endpoint = "https://ccc.example.com#" }, "endpoint", ErrInvalidEndpoint},
		{"endpoint user info", func(s *SyncCommon) { s.Endpoint = "https://u:pw-S3cr3t@ccc.example.com" },
			"endpoint", ErrInvalidEndpoint},
		{"endpoint bad port", func(s *SyncCommon) { s.Endpoint = "https://ccc.example.com:https" }, "endpoint", ErrInvalidEndpoint},
	}
	for vendor, common := range commons {
		for _, tt := range tests {
			t.Run(vendor+"/"+tt.name, func(t *testing.T) {
				c := validConfig()
				tt.edit(common(&c))
				err := c.Validate()
				if vendor == "aliyun_ccc" && tt.name == "max_window_records 100000" {
					// Alibaba pages at most 100 pages of 100.
					tt.field, tt.want = "max_window_records", ErrInvalidValue
				}
				if tt.field == "" {
					if err != nil {
						t.Fatalf("Validate() = %v, want nil", err)
					}
					return
				}
				field := "tenants[1]." + vendor + ".sync." + tt.field
				var ve *ValidationError
				if !errors.As(err, &ve) || ve.Field != field || !errors.Is(err, tt.want) {
					t.Fatalf("Validate() = %v, want %s: %v", err, field, tt.want)
				}
				if strings.Contains(err.Error(), "S3cr3t") {
					t.Errorf("error reveals a secret: %v", err)
				}
			})
		}
	}
}

// Every vendor block can sync: enabled: true validates on each, with the
// defaults (aliyun_ccc with a region); nothing else is a vendor.
func TestValidateSyncSupported(t *testing.T) {
	for _, vendor := range []string{"tencent_ccc", "trtc_callkit", "aliyun_ccc", "laaffic", "tencent_desk"} {
		if !SyncSupported(vendor) {
			t.Errorf("SyncSupported(%q) = false", vendor)
		}
	}
	for _, vendor := range []string{"native", "", "TENCENT_CCC"} {
		if SyncSupported(vendor) {
			t.Errorf("SyncSupported(%q) = true", vendor)
		}
	}
	c := validConfig()
	tn := &c.Tenants[0]
	tn.TencentCCC.Sync.Enabled = true
	tn.TRTCCallKit.Sync.Enabled = true
	tn.AliyunCCC.Sync.Enabled, tn.AliyunCCC.Sync.Region = true, "cn-shanghai"
	tn.Laaffic.Sync.Enabled = true
	tn.TencentDesk.Sync.Enabled = true
	if err := c.Validate(); err != nil {
		t.Errorf("every vendor's sync enabled: %v", err)
	}
}

// With sync enabled, tencent_ccc's effective credentials come field by
// field from the sync block or else the served block.
func TestTencentCCCSyncCredential(t *testing.T) {
	b := &TencentCCC{SDKAppID: 1400000000,
		Credentials: []TencentCredential{{SecretID: "AKIDserved", SecretKey: "served-S3cr3t"}, {SecretID: "AKID2", SecretKey: "k2"}}}
	check := func(wantID string, wantKey Secret, wantApp int64) {
		t.Helper()
		id, key, app := b.SyncCredential()
		if id != wantID || key.Reveal() != wantKey.Reveal() || app != wantApp {
			t.Errorf("SyncCredential() = %q, %q, %d; want %q, %q, %d", id, key.Reveal(), app, wantID, wantKey.Reveal(), wantApp)
		}
	}
	check("AKIDserved", "served-S3cr3t", 1400000000)
	b.Sync.SecretKey = "up-S3cr3t"
	check("AKIDserved", "up-S3cr3t", 1400000000)
	b.Sync.SecretID, b.Sync.SDKAppID = "AKIDup", 1400000009
	check("AKIDup", "up-S3cr3t", 1400000009)
	b.Credentials = nil
	b.Sync = TencentCCCSync{}
	check("", "", 1400000000)

	// Validation of an enabled sync relies on the effective values.
	c := validConfig()
	b = c.Tenants[1].TencentCCC
	b.Sync.Enabled = true
	b.Credentials = nil
	err := c.Validate()
	var fields []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		fields = append(fields, e.(*ValidationError).Field)
	}
	want := "tenants[1].tencent_ccc.credentials,tenants[1].tencent_ccc.sync.secret_id,tenants[1].tencent_ccc.sync.secret_key"
	if got := strings.Join(fields, ","); got != want {
		t.Errorf("fields = %s\nwant %s", got, want)
	}
	b.Sync.SecretID, b.Sync.SecretKey = "AKIDup", "up-S3cr3t"
	if err := c.Validate(); err == nil || strings.Contains(err.Error(), "sync") {
		t.Errorf("Validate() = %v, want only the block's credentials error", err)
	}
}

// The other vendors' sync credentials default to the block's, field by field.
func TestOtherSyncCredentials(t *testing.T) {
	c := validConfig()
	tn := &c.Tenants[0]
	type triple struct {
		A, B any
		C    string
	}
	get := func() []triple {
		ckID, ckIdent, ckKey := tn.TRTCCallKit.SyncCredential()
		dkID, dkIdent, dkKey := tn.TencentDesk.SyncCredential()
		inst, akID, akSecret := tn.AliyunCCC.SyncCredential()
		apiKey, apiSecret := tn.Laaffic.SyncCredential()
		return []triple{{ckID, ckIdent, ckKey.Reveal()}, {dkID, dkIdent, dkKey.Reveal()},
			{inst, akID, akSecret.Reveal()}, {apiKey, nil, apiSecret.Reveal()}}
	}
	served := []triple{{uint64(1400000001), "administrator", "acme-im-S3cr3t"}, {uint64(1400000001), "administrator", "acme-im-S3cr3t"},
		{"ccc-acme", "LTAIacme", "acme-ali-S3cr3t"}, {"acmeKey", nil, "acme-laaffic-S3cr3t"}}
	if diff := cmp.Diff(served, get()); diff != "" {
		t.Errorf("served (-want +got):\n%s", diff)
	}
	tn.TRTCCallKit.Sync.Identifier = "puller"
	tn.TencentDesk.Sync.SDKAppID = 7
	tn.AliyunCCC.Sync.AccessKeySecret = "up-S3cr3t"
	tn.Laaffic.Sync.APIKey = "upKey"
	over := []triple{{uint64(1400000001), "puller", "acme-im-S3cr3t"}, {uint64(7), "administrator", "acme-im-S3cr3t"},
		{"ccc-acme", "LTAIacme", "up-S3cr3t"}, {"upKey", nil, "acme-laaffic-S3cr3t"}}
	if diff := cmp.Diff(over, get()); diff != "" {
		t.Errorf("overridden (-want +got):\n%s", diff)
	}
}
