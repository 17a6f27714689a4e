package config

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
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
