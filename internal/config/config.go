// Package config holds cdrhub's configuration (cdrhub.yaml) as a plain value.
//
// A Config is built by Default, Parse or Load, adjusted by ApplyEnv and
// checked by Validate (docs/record-model.md §3.1 and §6.4). It is loaded
// only by the command and passed down field by field; the package keeps no
// global state.
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

// Sync defaults (SyncCommon). Endpoint and Horizon have per-vendor defaults:
// DefaultTencentCCCEndpoint and the Default*Horizon constants.
const (
	DefaultSyncInterval         = Duration(5 * time.Minute)
	DefaultSyncLookback         = Duration(48 * time.Hour)
	DefaultSyncSettle           = Duration(2 * time.Minute)
	DefaultSyncHorizonWarning   = Duration(24 * time.Hour)
	DefaultSyncMaxWindowRecords = 5000
	MaxSyncWindowRecords        = 100000
	DefaultSyncRPS              = 10
	DefaultSyncBurst            = 10

	DefaultTencentCCCEndpoint  = "https://ccc.tencentcloudapi.com"
	DefaultTRTCCallKitEndpoint = "https://callkit.trtc.tencent-cloud.com"
	DefaultTencentDeskEndpoint = "https://console.tim.qq.com"
	DefaultLaafficEndpoint     = "https://api.laaffic.com"
	DefaultLaafficPath         = "/v3/voice/ccRecordQuery"
	// MaxAliyunWindowRecords bounds aliyun_ccc's max_window_records: the
	// API pages at most 100 pages of 100 records.
	MaxAliyunWindowRecords = 10000
	// DefaultTRTCCallKitSyncRPS is trtc_callkit's sync rate (and burst).
	DefaultTRTCCallKitSyncRPS = 100

	DefaultTencentCCCHorizon  = Duration(180 * 24 * time.Hour)
	DefaultTRTCCallKitHorizon = Duration(7 * 24 * time.Hour)
	DefaultAliyunCCCHorizon   = Duration(180 * 24 * time.Hour)
	DefaultLaafficHorizon     = Duration(60 * 24 * time.Hour)
	DefaultTencentDeskHorizon = Duration(180 * 24 * time.Hour)
)

// Vendor blocks, by their YAML key (also their cdr.Source).
const (
	VendorTencentCCC  = "tencent_ccc"
	VendorTRTCCallKit = "trtc_callkit"
	VendorAliyunCCC   = "aliyun_ccc"
	VendorLaaffic     = "laaffic"
	VendorTencentDesk = "tencent_desk"
)

// Storage drivers.
const (
	DriverSQLite   = "sqlite"
	DriverPostgres = "postgres"
)

// Config is the whole of cdrhub.yaml.
type Config struct {
	Server  Server  `yaml:"server"`
	Storage Storage `yaml:"storage"`
	Admin   Admin   `yaml:"admin"`
	Compat  Compat  `yaml:"compat"`
	// Recordings configures the recording archive (recordings.go).
	Recordings Recordings `yaml:"recordings"`
	// Console configures the web console's sessions.
	Console Console  `yaml:"console"`
	Tenants []Tenant `yaml:"tenants"`
}

// Console configures the web console (docs/console.md §2): how long a
// session lives unused (SessionIdle) and at most (SessionMaxAge).
type Console struct {
	SessionIdle   Duration `yaml:"session_idle"`
	SessionMaxAge Duration `yaml:"session_max_age"`
}

// Defaults and bounds of the console's sessions.
const (
	DefaultSessionIdle   = Duration(8 * time.Hour)
	DefaultSessionMaxAge = Duration(7 * 24 * time.Hour)
	MaxSessionMaxAge     = Duration(90 * 24 * time.Hour)
)

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
	// EnforceLookback applies the vendors' look-back limits
	// (docs/record-model.md §4.F).
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
	// Recordings is the tenant's part of the recording archive.
	Recordings TenantRecordings `yaml:"recordings"`

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

// SyncCommon is what every vendor's sync block has: whether and how often
// to pull records from the vendor into the store. ApplyDefaults fills the
// unset fields, some with per-vendor defaults; Validate checks the ranges
// whether or not the sync is enabled, and refuses enabled: true on a vendor
// without a sync client (SyncSupported).
type SyncCommon struct {
	Enabled bool `yaml:"enabled"`
	// Endpoint is the vendor API's base URL: http:// or https://, a host,
	// no path, query, user info or fragment. Empty: no default for the
	// vendor (only tencent_ccc has one).
	Endpoint string `yaml:"endpoint"`
	// Interval is the time between runs; at least 1s.
	Interval Duration `yaml:"interval"`
	// Lookback is how far back each run looks again, to catch late records.
	Lookback Duration `yaml:"lookback"`
	// Settle is how long a record is left to settle at the vendor before it
	// is pulled. Nil (unset) takes DefaultSyncSettle; 0 is allowed and
	// stays 0. Read it with SettleDuration.
	Settle *Duration `yaml:"settle"`
	// From is the earliest instant to sync; zero means Horizon before now,
	// decided at run time. Not before 2000-01-01.
	From Instant `yaml:"from"`
	// Horizon is how long the vendor keeps records (per-vendor default).
	Horizon Duration `yaml:"horizon"`
	// HorizonWarning is the margin before Horizon at which records not yet
	// pulled are reported as about to be lost.
	HorizonWarning Duration `yaml:"horizon_warning"`
	// RateLimit bounds the requests sent to the vendor.
	RateLimit RateLimit `yaml:"rate_limit"`
	// MaxWindowRecords bounds the records pulled for one query window;
	// 1..MaxSyncWindowRecords.
	MaxWindowRecords int `yaml:"max_window_records"`
	// CAFile is a PEM file of CA certificates for verifying Endpoint.
	// Relative paths are joined with the configuration file's directory;
	// the file is not read here.
	CAFile string `yaml:"ca_file"`
}

// SettleDuration returns Settle, or 0 if it is nil (after ApplyDefaults it
// is not).
func (s SyncCommon) SettleDuration() time.Duration {
	if s.Settle == nil {
		return 0
	}
	return s.Settle.Std()
}

// TencentCCCSync is tencent_ccc's sync block. The credential fields
// override the block's served ones field by field (see
// TencentCCC.SyncCredential).
type TencentCCCSync struct {
	SyncCommon    `yaml:",inline"`
	Region        string `yaml:"region"` // optional
	SecretID      string `yaml:"secret_id"`
	SecretKey     Secret `yaml:"secret_key"`
	SecretKeyFile string `yaml:"secret_key_file"`
	// SDKAppID overrides the block's sdk_app_id as the scope of the pull.
	SDKAppID int64 `yaml:"sdk_app_id"`
}

// TRTCCallKitSync is trtc_callkit's sync block; empty fields take the
// block's (see TRTCCallKit.SyncCredential). SecretKey is the IM key.
type TRTCCallKitSync struct {
	SyncCommon    `yaml:",inline"`
	SDKAppID      uint64 `yaml:"sdk_app_id"`
	Identifier    string `yaml:"identifier"`
	SecretKey     Secret `yaml:"secret_key"`
	SecretKeyFile string `yaml:"secret_key_file"`
}

// AliyunCCCSync is aliyun_ccc's sync block; empty fields take the block's
// (see AliyunCCC.SyncCredential).
type AliyunCCCSync struct {
	SyncCommon          `yaml:",inline"`
	Region              string `yaml:"region"`
	InstanceID          string `yaml:"instance_id"`
	AccessKeyID         string `yaml:"access_key_id"`
	AccessKeySecret     Secret `yaml:"access_key_secret"`
	AccessKeySecretFile string `yaml:"access_key_secret_file"`
}

// LaafficSync is laaffic's sync block; empty fields take the block's (see
// Laaffic.SyncCredential).
type LaafficSync struct {
	SyncCommon    `yaml:",inline"`
	APIKey        string `yaml:"api_key"`
	APISecret     Secret `yaml:"api_secret"`
	APISecretFile string `yaml:"api_secret_file"`
	// Path is the query's path at Endpoint: DefaultLaafficPath, or
	// /voice/ccRecordQuery for itniotech.
	Path string `yaml:"path"`
	// Timezone is the upstream account's IANA zone, in which the query's
	// times are written and the records' times read; empty: the tenant's.
	Timezone string `yaml:"timezone"`
}

// TencentDeskSync is tencent_desk's sync block; empty fields take the
// block's (see TencentDesk.SyncCredential). SecretKey is the IM key.
type TencentDeskSync struct {
	SyncCommon    `yaml:",inline"`
	SDKAppID      uint64 `yaml:"sdk_app_id"`
	Identifier    string `yaml:"identifier"`
	SecretKey     Secret `yaml:"secret_key"`
	SecretKeyFile string `yaml:"secret_key_file"`
}

// SyncSupported reports whether sync has a client for the vendor block
// named vendor (its YAML key, such as "tencent_ccc"). Validate refuses
// enabled: true on the others.
func SyncSupported(vendor string) bool {
	switch vendor {
	case VendorTencentCCC, VendorTRTCCallKit, VendorAliyunCCC, VendorLaaffic, VendorTencentDesk:
		return true
	}
	return false
}

// TencentCCC is API A (Tencent Cloud Contact Center DescribeTelCdr).
type TencentCCC struct {
	SDKAppID    int64               `yaml:"sdk_app_id"`
	AllowToken  bool                `yaml:"allow_token"`
	RateLimit   RateLimit           `yaml:"rate_limit"`
	Credentials []TencentCredential `yaml:"credentials"`
	Sync        TencentCCCSync      `yaml:"sync"`
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
	Sync             TRTCCallKitSync  `yaml:"sync"`
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
	Sync        AliyunCCCSync      `yaml:"sync"`
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
	TimestampWindow Duration    `yaml:"timestamp_window"`
	RateLimit       RateLimit   `yaml:"rate_limit"`
	Sync            LaafficSync `yaml:"sync"`
}

// TencentDesk is API E (Tencent Cloud Desk describe_im_cdr_list), keyed by
// IM sdkappid; it may share its sdkappid and key with the tenant's TRTCCallKit.
type TencentDesk struct {
	SDKAppID         uint64          `yaml:"sdk_app_id"`
	AdminIdentifiers []string        `yaml:"admin_identifiers"`
	SecretKey        Secret          `yaml:"secret_key"`
	SecretKeyFile    string          `yaml:"secret_key_file"`
	RateLimit        RateLimit       `yaml:"rate_limit"`
	Sync             TencentDeskSync `yaml:"sync"`
	// MaxUserSigLifetime is as in TRTCCallKit.
	MaxUserSigLifetime Duration `yaml:"max_usersig_lifetime"`
}

// SyncCredential returns the credentials and scope sync uses: each of the
// sync block's fields when set, else the block's first credentials entry
// and its sdk_app_id.
func (b *TencentCCC) SyncCredential() (secretID string, secretKey Secret, sdkAppID int64) {
	secretID, secretKey, sdkAppID = b.Sync.SecretID, b.Sync.SecretKey, b.Sync.SDKAppID
	if len(b.Credentials) > 0 {
		setDefault(&secretID, b.Credentials[0].SecretID)
		if secretKey == "" {
			secretKey = b.Credentials[0].SecretKey
		}
	}
	if sdkAppID == 0 {
		sdkAppID = b.SDKAppID
	}
	return secretID, secretKey, sdkAppID
}

// SyncCredential returns what sync uses: each of the sync block's fields
// when set, else the block's sdk_app_id, first admin identifier and key.
func (b *TRTCCallKit) SyncCredential() (sdkAppID uint64, identifier string, secretKey Secret) {
	return imSyncCredential(b.Sync.SDKAppID, b.Sync.Identifier, b.Sync.SecretKey, b.SDKAppID, b.AdminIdentifiers, b.SecretKey)
}

// SyncCredential is as TRTCCallKit.SyncCredential.
func (b *TencentDesk) SyncCredential() (sdkAppID uint64, identifier string, secretKey Secret) {
	return imSyncCredential(b.Sync.SDKAppID, b.Sync.Identifier, b.Sync.SecretKey, b.SDKAppID, b.AdminIdentifiers, b.SecretKey)
}

func imSyncCredential(id uint64, ident string, key Secret, blockID uint64, admins []string, blockKey Secret) (uint64, string, Secret) {
	if id == 0 {
		id = blockID
	}
	if ident == "" && len(admins) > 0 {
		ident = admins[0]
	}
	if key == "" {
		key = blockKey
	}
	return id, ident, key
}

// SyncCredential returns what sync uses: each of the sync block's fields
// when set, else the block's instance_id and first credentials entry.
func (b *AliyunCCC) SyncCredential() (instanceID, accessKeyID string, accessKeySecret Secret) {
	instanceID, accessKeyID, accessKeySecret = b.Sync.InstanceID, b.Sync.AccessKeyID, b.Sync.AccessKeySecret
	setDefault(&instanceID, b.InstanceID)
	if len(b.Credentials) > 0 {
		setDefault(&accessKeyID, b.Credentials[0].AccessKeyID)
		if accessKeySecret == "" {
			accessKeySecret = b.Credentials[0].AccessKeySecret
		}
	}
	return instanceID, accessKeyID, accessKeySecret
}

// SyncCredential returns what sync uses: each of the sync block's fields
// when set, else the block's.
func (b *Laaffic) SyncCredential() (apiKey string, apiSecret Secret) {
	apiKey, apiSecret = b.Sync.APIKey, b.Sync.APISecret
	setDefault(&apiKey, b.APIKey)
	if apiSecret == "" {
		apiSecret = b.APISecret
	}
	return apiKey, apiSecret
}

// Default returns the configuration used without a file: listen on :8080,
// SQLite at ./cdrhub-data/cdrhub.db, no tenants.
func Default() Config {
	return Config{
		Server:  Server{Listen: DefaultListen},
		Storage: Storage{Driver: DriverSQLite, Path: DefaultSQLitePath},
		Recordings: Recordings{Store: RecordingStoreDir, MaxFileBytes: DefaultMaxFileBytes,
			Interval: DefaultRecordingsInterval},
		Console: Console{SessionIdle: DefaultSessionIdle, SessionMaxAge: DefaultSessionMaxAge},
	}
}

// DefaultSatisfaction returns a fresh copy of the default satisfaction maps
// (docs/record-model.md §3.3).
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
	c.Recordings.applyDefaults()
	setDurationDefault(&c.Console.SessionIdle, DefaultSessionIdle)
	setDurationDefault(&c.Console.SessionMaxAge, DefaultSessionMaxAge)
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
	t.Recordings.applyDefaults()
	if b := t.TencentCCC; b != nil {
		b.RateLimit.setDefaults(20, 20)
		b.Sync.setDefaults(DefaultTencentCCCEndpoint, DefaultTencentCCCHorizon, DefaultSyncRPS)
	}
	if b := t.TRTCCallKit; b != nil {
		b.RateLimit.setDefaults(200, 200)
		b.RateLimit.ByCallID.setDefaults(20, 20)
		b.Sync.setDefaults(DefaultTRTCCallKitEndpoint, DefaultTRTCCallKitHorizon, DefaultTRTCCallKitSyncRPS)
	}
	if b := t.AliyunCCC; b != nil {
		b.RateLimit.setDefaults(20, 20)
		b.Sync.setDefaults("", DefaultAliyunCCCHorizon, DefaultSyncRPS) // the endpoint follows the region
	}
	if b := t.Laaffic; b != nil {
		b.RateLimit.setDefaults(20, 20)
		if b.TimestampWindow == 0 {
			b.TimestampWindow = DefaultTimestampWindow
		}
		b.Sync.setDefaults(DefaultLaafficEndpoint, DefaultLaafficHorizon, DefaultSyncRPS)
		setDefault(&b.Sync.Path, DefaultLaafficPath)
	}
	if b := t.TencentDesk; b != nil {
		b.RateLimit.setDefaults(20, 20)
		b.Sync.setDefaults(DefaultTencentDeskEndpoint, DefaultTencentDeskHorizon, DefaultSyncRPS)
	}
}

// setDefaults fills s's unset fields; endpoint, horizon and rps (also the
// burst) are the vendor's defaults ("" for no default endpoint).
func (s *SyncCommon) setDefaults(endpoint string, horizon Duration, rps int) {
	setDefault(&s.Endpoint, endpoint)
	setDurationDefault(&s.Interval, DefaultSyncInterval)
	setDurationDefault(&s.Lookback, DefaultSyncLookback)
	if s.Settle == nil {
		d := DefaultSyncSettle
		s.Settle = &d
	}
	setDurationDefault(&s.Horizon, horizon)
	setDurationDefault(&s.HorizonWarning, DefaultSyncHorizonWarning)
	s.RateLimit.setDefaults(float64(rps), rps)
	if s.MaxWindowRecords == 0 {
		s.MaxWindowRecords = DefaultSyncMaxWindowRecords
	}
}

func setDurationDefault(d *Duration, def Duration) {
	if *d == 0 {
		*d = def
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
