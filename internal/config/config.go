// Package config holds cdrhub's configuration (cdrhub.yaml) as a plain value.
//
// A Config is built by Default, Parse or Load, adjusted by ApplyEnv and
// checked by Validate (record-model §3.1 and §6.4). It is loaded only by the
// command and passed down field by field; the package keeps no global state.
//
// Every secret can be given inline (secret_key: ...) or as a file
// (secret_key_file: path). Parse and Load read such files, trim surrounding
// whitespace, and store the content in the inline field; the *_file field is
// kept, joined with the configuration file's directory, to record where the
// value came from. Secrets have the type Secret, which prints, logs and
// marshals as "[redacted]"; only Secret.Reveal returns the value.
package config

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	_ "time/tzdata" // time zones must load on hosts without zoneinfo

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// Defaults.
const (
	DefaultListen          = ":8080"
	DefaultSQLitePath      = "./cdrhub-data/cdrhub.db"
	DefaultTimezone        = "UTC"
	DefaultTimestampWindow = Duration(300 * time.Second)
)

// Storage drivers.
const (
	DriverSQLite   = "sqlite"
	DriverPostgres = "postgres"
)

// Config is the whole of cdrhub.yaml.
type Config struct {
	Server  Server   `yaml:"server"`
	Storage Storage  `yaml:"storage"`
	Admin   Admin    `yaml:"admin"`
	Compat  Compat   `yaml:"compat"`
	Tenants []Tenant `yaml:"tenants"`
}

// Server configures the HTTP listener.
type Server struct {
	Listen string `yaml:"listen"`
	// TrustedProxies are CIDRs from which X-Forwarded-For is believed.
	TrustedProxies []string `yaml:"trusted_proxies"`
	TLS            TLS      `yaml:"tls"`
}

// TLS names a certificate and key; both or neither. Relative paths are
// joined with the configuration file's directory. The files are not read here.
type TLS struct {
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
}

// Enabled reports whether TLS is configured.
func (t TLS) Enabled() bool { return t.CertFile != "" || t.KeyFile != "" }

// Storage selects the database. Path is used by sqlite and is relative to the
// working directory (not the configuration file); DSN is used by postgres.
type Storage struct {
	Driver  string `yaml:"driver"`
	Path    string `yaml:"path"`
	DSN     Secret `yaml:"dsn"`
	DSNFile string `yaml:"dsn_file"`
}

// Admin holds the tokens that may act on every tenant.
type Admin struct {
	Tokens []Token `yaml:"tokens"`
}

// Compat tunes the vendor-compatible APIs.
type Compat struct {
	// EnforceLookback applies the vendors' look-back limits (record-model §4.F).
	EnforceLookback bool `yaml:"enforce_lookback"`
}

// Token is a named bearer token for the native API.
type Token struct {
	Name      string `yaml:"name"`
	Token     Secret `yaml:"token"`
	TokenFile string `yaml:"token_file"`
}

// Tenant is one tenant ("app"), with at most one block per vendor API.
// A nil block means the API is not served for this tenant.
type Tenant struct {
	ID       string `yaml:"id"`
	Name     string `yaml:"name"`
	Timezone string `yaml:"timezone"`
	Native   Native `yaml:"native"`
	// Satisfaction maps source → raw value → score 1..5. After ApplyDefaults
	// it holds DefaultSatisfaction, with each source the file names replaced.
	Satisfaction map[string]map[string]int `yaml:"satisfaction"`

	TencentCCC  *TencentCCC  `yaml:"tencent_ccc"`
	TRTCCallKit *TRTCCallKit `yaml:"trtc_callkit"`
	AliyunCCC   *AliyunCCC   `yaml:"aliyun_ccc"`
	Laaffic     *Laaffic     `yaml:"laaffic"`
	TencentDesk *TencentDesk `yaml:"tencent_desk"`
}

// Native holds a tenant's tokens for /api/v1.
type Native struct {
	Tokens []Token `yaml:"tokens"`
}

// RateLimit sizes a token bucket: RPS requests per second, bursts of Burst.
// A zero field takes the block's default (20/20; trtc_callkit 200/200 with
// by_call_id 20/20).
type RateLimit struct {
	RPS   float64 `yaml:"rps"`
	Burst int     `yaml:"burst"`
}

// CallKitRateLimit is RateLimit plus a separate bucket for get_record_by_callId.
type CallKitRateLimit struct {
	RateLimit `yaml:",inline"`
	ByCallID  RateLimit `yaml:"by_call_id"`
}

// Sync configures pulling records from the vendor. The credential fields
// override the block's served credentials field by field; empty means the
// served one. SecretKey is the TencentCloud key, or the IM key for B and E.
type Sync struct {
	Enabled  bool     `yaml:"enabled"`
	Endpoint string   `yaml:"endpoint"`
	Region   string   `yaml:"region"`
	Interval Duration `yaml:"interval"`
	Lookback Duration `yaml:"lookback"`

	SecretID            string `yaml:"secret_id"`
	SecretKey           Secret `yaml:"secret_key"`
	SecretKeyFile       string `yaml:"secret_key_file"`
	AccessKeyID         string `yaml:"access_key_id"`
	AccessKeySecret     Secret `yaml:"access_key_secret"`
	AccessKeySecretFile string `yaml:"access_key_secret_file"`
	APIKey              string `yaml:"api_key"`
	APISecret           Secret `yaml:"api_secret"`
	APISecretFile       string `yaml:"api_secret_file"`
}

// TencentCCC is API A (Tencent Cloud Contact Center DescribeTelCdr).
type TencentCCC struct {
	SDKAppID    int64               `yaml:"sdk_app_id"`
	AllowToken  bool                `yaml:"allow_token"`
	RateLimit   RateLimit           `yaml:"rate_limit"`
	Credentials []TencentCredential `yaml:"credentials"`
	Sync        Sync                `yaml:"sync"`
	// ProtectedOnly lets the block's credentials call
	// DescribeProtectedTelCdr only: DescribeTelCdr, which shows the
	// numbers, is UnauthorizedOperation. X-TC-Action is not signed, so
	// without it a captured DescribeProtectedTelCdr request replayed as
	// DescribeTelCdr within the 5-minute window shows the numbers.
	ProtectedOnly bool `yaml:"protected_only"`
}

// TencentCredential is a TencentCloud API key pair.
type TencentCredential struct {
	SecretID      string `yaml:"secret_id"`
	SecretKey     Secret `yaml:"secret_key"`
	SecretKeyFile string `yaml:"secret_key_file"`
}

// TRTCCallKit is API B (TRTC CallKit call records), keyed by IM sdkappid.
type TRTCCallKit struct {
	SDKAppID         uint64           `yaml:"sdk_app_id"`
	AdminIdentifiers []string         `yaml:"admin_identifiers"`
	SecretKey        Secret           `yaml:"secret_key"`
	SecretKeyFile    string           `yaml:"secret_key_file"`
	RateLimit        CallKitRateLimit `yaml:"rate_limit"`
	Sync             Sync             `yaml:"sync"`
	// MaxUserSigLifetime, when set, refuses a UserSig whose TLS.expire is
	// longer (70009); zero accepts any, as the vendor does. It belongs to
	// the IM application, as the key does: a tencent_desk block sharing
	// the sdkappid sets the same value.
	MaxUserSigLifetime Duration `yaml:"max_usersig_lifetime"`
}

// AliyunCCC is API C (Alibaba Cloud CCC ListCallDetailRecords).
type AliyunCCC struct {
	InstanceID  string             `yaml:"instance_id"`
	Credentials []AliyunCredential `yaml:"credentials"`
	RateLimit   RateLimit          `yaml:"rate_limit"`
	Sync        Sync               `yaml:"sync"`
}

// AliyunCredential is an Alibaba Cloud AccessKey pair.
type AliyunCredential struct {
	AccessKeyID         string `yaml:"access_key_id"`
	AccessKeySecret     Secret `yaml:"access_key_secret"`
	AccessKeySecretFile string `yaml:"access_key_secret_file"`
}

// Laaffic is API D (laaffic ccRecordQuery family).
type Laaffic struct {
	APIKey        string `yaml:"api_key"`
	APISecret     Secret `yaml:"api_secret"`
	APISecretFile string `yaml:"api_secret_file"`
	// IPAllow lists the CIDRs allowed to call; empty allows any address.
	IPAllow []string `yaml:"ip_allow"`
	// TimestampWindow is how stale a request's Timestamp may be; 0 means 300s.
	TimestampWindow Duration  `yaml:"timestamp_window"`
	RateLimit       RateLimit `yaml:"rate_limit"`
	Sync            Sync      `yaml:"sync"`
}

// TencentDesk is API E (Tencent Cloud Desk describe_im_cdr_list), keyed by
// IM sdkappid; it may share its sdkappid and key with the tenant's TRTCCallKit.
type TencentDesk struct {
	SDKAppID         uint64    `yaml:"sdk_app_id"`
	AdminIdentifiers []string  `yaml:"admin_identifiers"`
	SecretKey        Secret    `yaml:"secret_key"`
	SecretKeyFile    string    `yaml:"secret_key_file"`
	RateLimit        RateLimit `yaml:"rate_limit"`
	Sync             Sync      `yaml:"sync"`
	// MaxUserSigLifetime is as in TRTCCallKit.
	MaxUserSigLifetime Duration `yaml:"max_usersig_lifetime"`
}

// Default returns the configuration used without a file: listen on :8080,
// SQLite at ./cdrhub-data/cdrhub.db, no tenants.
func Default() Config {
	return Config{
		Server:  Server{Listen: DefaultListen},
		Storage: Storage{Driver: DriverSQLite, Path: DefaultSQLitePath},
	}
}

// DefaultSatisfaction returns a fresh copy of the default satisfaction maps
// (record-model §3.3).
func DefaultSatisfaction() map[string]map[string]int {
	return map[string]map[string]int{
		string(cdr.SourceTencentCCC):  {"1": 5, "2": 3, "3": 1},
		string(cdr.SourceAliyunCCC):   {"1": 5, "2": 3, "3": 1},
		string(cdr.SourceTencentDesk): {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5},
	}
}

// ApplyDefaults fills every unset field that has a default. It is idempotent;
// Parse and Load call it, and code that builds a Config by hand should too.
func (c *Config) ApplyDefaults() {
	setDefault(&c.Server.Listen, DefaultListen)
	setDefault(&c.Storage.Driver, DriverSQLite)
	if c.Storage.Driver == DriverSQLite {
		setDefault(&c.Storage.Path, DefaultSQLitePath)
	}
	for i := range c.Tenants {
		c.Tenants[i].applyDefaults()
	}
}

func (t *Tenant) applyDefaults() {
	setDefault(&t.Timezone, DefaultTimezone)
	sat := DefaultSatisfaction()
	for src, m := range t.Satisfaction {
		sat[src] = m
	}
	t.Satisfaction = sat
	if b := t.TencentCCC; b != nil {
		b.RateLimit.setDefaults(20, 20)
	}
	if b := t.TRTCCallKit; b != nil {
		b.RateLimit.setDefaults(200, 200)
		b.RateLimit.ByCallID.setDefaults(20, 20)
	}
	if b := t.AliyunCCC; b != nil {
		b.RateLimit.setDefaults(20, 20)
	}
	if b := t.Laaffic; b != nil {
		b.RateLimit.setDefaults(20, 20)
		if b.TimestampWindow == 0 {
			b.TimestampWindow = DefaultTimestampWindow
		}
	}
	if b := t.TencentDesk; b != nil {
		b.RateLimit.setDefaults(20, 20)
	}
}

func (r *RateLimit) setDefaults(rps float64, burst int) {
	if r.RPS == 0 {
		r.RPS = rps
	}
	if r.Burst == 0 {
		r.Burst = burst
	}
}

func setDefault(s *string, def string) {
	if *s == "" {
		*s = def
	}
}

// Format prints t as fmt's %v would, whatever the verb. Without it a verb
// such as %s makes fmt print the block pointers' contents in its error form,
// which skips Secret's methods and so would reveal keys.
func (t Tenant) Format(f fmt.State, verb rune) {
	type plain Tenant // the same fields without methods
	s := fmt.Sprintf(fmt.FormatString(f, 'v'), plain(t))
	if f.Flag('#') {
		s = strings.Replace(s, "config.plain", "config.Tenant", 1)
	}
	io.WriteString(f, s)
}

// TenantByID returns the tenant with the given id, or nil.
func (c *Config) TenantByID(id string) *Tenant {
	for i := range c.Tenants {
		if c.Tenants[i].ID == id {
			return &c.Tenants[i]
		}
	}
	return nil
}

// SatisfactionScore maps a raw satisfaction value from source to a score
// 1..5. ok is false when the value is unmapped. A source missing from
// t.Satisfaction falls back to DefaultSatisfaction.
func (t *Tenant) SatisfactionScore(source, raw string) (score int, ok bool) {
	m, found := t.Satisfaction[source]
	if !found {
		m = DefaultSatisfaction()[source]
	}
	score, ok = m[raw]
	return score, ok
}

// Location returns the tenant's time zone, or UTC if it is empty or invalid
// (Validate rejects invalid zones). Each call loads the zone; keep the result.
func (t *Tenant) Location() *time.Location {
	loc, err := loadLocation(t.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// loadLocation is time.LoadLocation without "Local", which is not an IANA name.
func loadLocation(name string) (*time.Location, error) {
	if name == "Local" {
		return nil, errors.New(`time: "Local" is not an IANA zone name`)
	}
	return time.LoadLocation(name)
}
