package config

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// Sentinel errors; every ValidationError wraps one (test with errors.Is).
var (
	ErrRequired            = errors.New("required")
	ErrUnknownDriver       = errors.New("unknown storage driver")
	ErrInvalidTenantID     = errors.New("invalid tenant id")
	ErrDuplicateTenant     = errors.New("duplicate tenant id")
	ErrInvalidTimezone     = errors.New("invalid time zone")
	ErrInvalidCIDR         = errors.New("invalid CIDR")
	ErrInvalidValue        = errors.New("invalid value")
	ErrDuplicateKey        = errors.New("duplicate lookup key")
	ErrIMKeyMismatch       = errors.New("trtc_callkit and tencent_desk share the sdk_app_id but not the secret_key")
	ErrIMLifetimeMismatch  = errors.New("trtc_callkit and tencent_desk share the sdk_app_id but not the max_usersig_lifetime")
	ErrDuplicateToken      = errors.New("duplicate token")
	ErrInvalidRateLimit    = errors.New("invalid rate limit")
	ErrInvalidSatisfaction = errors.New("invalid satisfaction map")
	ErrTLSPair             = errors.New("tls needs both cert_file and key_file")
	ErrSecretConflict      = errors.New("secret given both inline and as a file")
	ErrSecretFile          = errors.New("unreadable secret file")
	ErrSyncUnsupported     = errors.New("sync is not supported for this vendor")
	ErrInvalidEndpoint     = errors.New("invalid endpoint")
)

// minSyncFrom is the earliest sync.from accepted.
var minSyncFrom = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// ValidationError reports one problem with the configuration. Field is the
// YAML path, such as tenants[1].tencent_ccc.credentials[0].secret_key.
// Messages never contain secret values.
type ValidationError struct {
	Field string
	Msg   string
	Err   error // a sentinel such as ErrRequired, possibly wrapping a cause
}

func (e *ValidationError) Error() string { return "config: " + e.Field + ": " + e.Msg }

// Unwrap returns the sentinel.
func (e *ValidationError) Unwrap() error { return e.Err }

// Validate checks the configuration (docs/record-model.md §3.1, §6.4) and
// reports every problem found: a single *ValidationError, or several joined
// by errors.Join. It does not fill defaults or read files; see
// ApplyDefaults.
func (c *Config) Validate() error {
	v := &validator{keys: map[string]string{}, im: map[uint64]imUse{}}
	v.server(&c.Server)
	v.storage(&c.Storage)
	v.tokens("admin.tokens", c.Admin.Tokens)
	v.recordings(&c.Recordings)
	if c.Console.SessionIdle < Duration(time.Minute) || c.Console.SessionIdle > c.Console.SessionMaxAge {
		v.fail("console.session_idle", ErrInvalidValue, "from 1m to console.session_max_age")
	}
	if c.Console.SessionMaxAge > MaxSessionMaxAge {
		v.fail("console.session_max_age", ErrInvalidValue, fmt.Sprintf("at most %s", MaxSessionMaxAge))
	}
	ids := map[string]int{}
	for i := range c.Tenants {
		t := &c.Tenants[i]
		p := fmt.Sprintf("tenants[%d]", i)
		if j, dup := ids[t.ID]; dup && t.ID != "" {
			v.fail(p+".id", ErrDuplicateTenant, fmt.Sprintf("%q is also tenants[%d]", t.ID, j))
		} else {
			ids[t.ID] = i
		}
		v.tenant(p, i, t)
	}
	return joinErrs(v.errs)
}

// imUse records which block first claimed an IM sdkappid.
type imUse struct {
	tenant   int
	field    string
	key      Secret
	lifetime Duration
}

type validator struct {
	errs []error
	keys map[string]string // namespace + "\x00" + key → field that claimed it
	im   map[uint64]imUse
}

func (v *validator) fail(field string, sentinel error, detail string) {
	msg := sentinel.Error()
	if detail != "" {
		msg += ": " + detail
	}
	v.errs = append(v.errs, &ValidationError{Field: field, Msg: msg, Err: sentinel})
}

func (v *validator) required(field string, empty bool) {
	if empty {
		v.fail(field, ErrRequired, "")
	}
}

// unique claims key in namespace ns for field. show controls whether the key
// may appear in the message (never for secrets).
func (v *validator) unique(ns, key, field string, sentinel error, show bool) {
	if key == "" {
		return
	}
	k := ns + "\x00" + key
	prev, dup := v.keys[k]
	if !dup {
		v.keys[k] = field
		return
	}
	detail := "also " + prev
	if show {
		detail = fmt.Sprintf("%s %q is also %s", ns, key, prev)
	}
	v.fail(field, sentinel, detail)
}

func (v *validator) server(s *Server) {
	v.required("server.listen", s.Listen == "")
	v.cidrs("server.trusted_proxies", s.TrustedProxies)
	switch {
	case s.TLS.CertFile != "" && s.TLS.KeyFile == "":
		v.fail("server.tls.key_file", ErrTLSPair, "")
	case s.TLS.CertFile == "" && s.TLS.KeyFile != "":
		v.fail("server.tls.cert_file", ErrTLSPair, "")
	}
}

func (v *validator) storage(s *Storage) {
	switch s.Driver {
	case DriverSQLite:
		v.required("storage.path", s.Path == "")
	case DriverPostgres:
		v.required("storage.dsn", s.DSN == "")
	default:
		v.fail("storage.driver", ErrUnknownDriver, fmt.Sprintf("%q (want %s or %s)", s.Driver, DriverSQLite, DriverPostgres))
	}
}

func (v *validator) cidrs(field string, list []string) {
	for i, s := range list {
		if _, err := netip.ParsePrefix(s); err != nil {
			v.fail(fmt.Sprintf("%s[%d]", field, i), ErrInvalidCIDR, strconv.Quote(s))
		}
	}
}

// tokens checks native and admin tokens, which are unique everywhere.
func (v *validator) tokens(field string, ts []Token) {
	for i, t := range ts {
		p := fmt.Sprintf("%s[%d]", field, i)
		v.required(p+".name", t.Name == "")
		v.required(p+".token", t.Token == "")
		v.unique("token", t.Token.Reveal(), p+".token", ErrDuplicateToken, false)
	}
}

func (v *validator) rateLimit(field string, r RateLimit) {
	if math.IsNaN(r.RPS) || math.IsInf(r.RPS, 0) || r.RPS <= 0 {
		v.fail(field+".rps", ErrInvalidRateLimit, "rps must be a number > 0")
	}
	if r.Burst < 1 {
		v.fail(field+".burst", ErrInvalidRateLimit, "burst must be >= 1")
	}
}

// syncCommon checks the fields every sync block has. The ranges are
// checked whether or not the block is enabled; enabling it needs a client
// for vendor (SyncSupported) and an endpoint.
func (v *validator) syncCommon(p, vendor string, s *SyncCommon) {
	switch {
	case s.Enabled && !SyncSupported(vendor):
		v.errs = append(v.errs, &ValidationError{Field: p + ".enabled", Err: ErrSyncUnsupported,
			Msg: fmt.Sprintf("sync from %s is not supported", vendor)})
	case s.Enabled && s.Endpoint == "" && vendor != VendorAliyunCCC: // aliyun_ccc's follows its region
		v.fail(p+".endpoint", ErrRequired, "")
	}
	if s.Endpoint != "" {
		if msg := checkEndpoint(s.Endpoint); msg != "" {
			v.fail(p+".endpoint", ErrInvalidEndpoint, msg)
		}
	}
	if s.Interval < Duration(time.Second) {
		v.fail(p+".interval", ErrInvalidValue, "at least 1s")
	}
	if s.Lookback < 0 {
		v.fail(p+".lookback", ErrInvalidValue, "negative duration")
	}
	if s.Settle != nil && *s.Settle < 0 {
		v.fail(p+".settle", ErrInvalidValue, "negative duration")
	}
	if !s.From.IsZero() && s.From.Time().Before(minSyncFrom) {
		v.fail(p+".from", ErrInvalidValue, fmt.Sprintf("%s is before 2000-01-01T00:00:00Z", s.From))
	}
	if s.Horizon <= 0 {
		v.fail(p+".horizon", ErrInvalidValue, "must be > 0")
	}
	if s.HorizonWarning < 0 {
		v.fail(p+".horizon_warning", ErrInvalidValue, "negative duration")
	}
	v.rateLimit(p+".rate_limit", s.RateLimit)
	if n := s.MaxWindowRecords; n < 1 || n > MaxSyncWindowRecords {
		v.fail(p+".max_window_records", ErrInvalidValue, fmt.Sprintf("%d not in 1..%d", n, MaxSyncWindowRecords))
	}
}

// checkEndpoint returns what is wrong with a sync endpoint, or "". The
// message never repeats the value, which might hold a password.
func checkEndpoint(s string) string {
	u, err := url.Parse(s)
	switch {
	case err != nil || u.Opaque != "" || (u.Scheme != "https" && u.Scheme != "http"):
		return "want an https:// or http:// URL"
	case u.User != nil:
		return "must not hold user info"
	case u.Hostname() == "":
		return "no host"
	case u.Path != "" && u.Path != "/", u.RawPath != "":
		return "must have no path"
	case u.RawQuery != "" || u.ForceQuery || strings.ContainsRune(s, '#'):
		return "must have no query or fragment"
	}
	return ""
}

// tencentCCCSync checks tencent_ccc's sync block. When it is enabled the
// effective credentials must be complete; they are whenever the block
// itself validates.
func (v *validator) tencentCCCSync(p string, b *TencentCCC) {
	s := &b.Sync
	v.syncCommon(p, VendorTencentCCC, &s.SyncCommon)
	if s.SDKAppID < 0 {
		v.fail(p+".sdk_app_id", ErrInvalidValue, "must be >= 0 (0: the block's sdk_app_id)")
	}
	// A key pair is overridden whole: one half paired with the other of
	// the served credential would be refused by the vendor at every run.
	if (s.SecretID == "") != (s.SecretKey == "") {
		v.fail(p+".secret_id", ErrInvalidValue, "give secret_id and secret_key (or secret_key_file) together, or neither")
	}
	if !s.Enabled {
		return
	}
	id, key, app := b.SyncCredential()
	v.required(p+".secret_id", id == "")
	v.required(p+".secret_key", key == "")
	if app <= 0 && s.SDKAppID >= 0 {
		v.fail(p+".sdk_app_id", ErrRequired, "a positive SdkAppId")
	}
}

func (v *validator) tenant(p string, i int, t *Tenant) {
	if !validTenantID(t.ID) {
		v.fail(p+".id", ErrInvalidTenantID, fmt.Sprintf("%q must match [a-z0-9][a-z0-9-]{0,31}", t.ID))
	}
	if _, err := loadLocation(t.Timezone); err != nil {
		v.fail(p+".timezone", ErrInvalidTimezone, strconv.Quote(t.Timezone))
	}
	v.tokens(p+".native.tokens", t.Native.Tokens)
	v.satisfaction(p+".satisfaction", t.Satisfaction)
	v.tenantRecordings(p+".recordings", &t.Recordings)
	if b := t.TencentCCC; b != nil {
		v.tencentCCC(p+".tencent_ccc", b)
	}
	if b := t.TRTCCallKit; b != nil {
		q := p + ".trtc_callkit"
		v.imApp(q, i, b.SDKAppID, b.AdminIdentifiers, b.SecretKey, b.MaxUserSigLifetime)
		v.rateLimit(q+".rate_limit", b.RateLimit.RateLimit)
		v.rateLimit(q+".rate_limit.by_call_id", b.RateLimit.ByCallID)
		v.syncCommon(q+".sync", VendorTRTCCallKit, &b.Sync.SyncCommon)
	}
	if b := t.AliyunCCC; b != nil {
		v.aliyunCCC(p+".aliyun_ccc", b)
	}
	if b := t.Laaffic; b != nil {
		v.laaffic(p+".laaffic", b)
	}
	if b := t.TencentDesk; b != nil {
		q := p + ".tencent_desk"
		v.imApp(q, i, b.SDKAppID, b.AdminIdentifiers, b.SecretKey, b.MaxUserSigLifetime)
		v.rateLimit(q+".rate_limit", b.RateLimit)
		v.syncCommon(q+".sync", VendorTencentDesk, &b.Sync.SyncCommon)
	}
}

func (v *validator) tencentCCC(p string, b *TencentCCC) {
	if b.SDKAppID <= 0 {
		v.fail(p+".sdk_app_id", ErrRequired, "a positive SdkAppId")
	} else {
		v.unique("SdkAppId", strconv.FormatInt(b.SDKAppID, 10), p+".sdk_app_id", ErrDuplicateKey, true)
	}
	v.required(p+".credentials", len(b.Credentials) == 0)
	for j, cr := range b.Credentials {
		q := fmt.Sprintf("%s.credentials[%d]", p, j)
		v.required(q+".secret_id", cr.SecretID == "")
		v.required(q+".secret_key", cr.SecretKey == "")
		v.unique("SecretId", cr.SecretID, q+".secret_id", ErrDuplicateKey, true)
	}
	v.rateLimit(p+".rate_limit", b.RateLimit)
	v.tencentCCCSync(p+".sync", b)
}

func (v *validator) aliyunCCC(p string, b *AliyunCCC) {
	v.required(p+".instance_id", b.InstanceID == "")
	v.unique("InstanceId", b.InstanceID, p+".instance_id", ErrDuplicateKey, true)
	v.required(p+".credentials", len(b.Credentials) == 0)
	for j, cr := range b.Credentials {
		q := fmt.Sprintf("%s.credentials[%d]", p, j)
		v.required(q+".access_key_id", cr.AccessKeyID == "")
		v.required(q+".access_key_secret", cr.AccessKeySecret == "")
		v.unique("AccessKeyId", cr.AccessKeyID, q+".access_key_id", ErrDuplicateKey, true)
	}
	v.rateLimit(p+".rate_limit", b.RateLimit)
	v.syncCommon(p+".sync", VendorAliyunCCC, &b.Sync.SyncCommon)
	if b.Sync.Enabled && b.Sync.Endpoint == "" && b.Sync.Region == "" {
		v.fail(p+".sync.region", ErrRequired, "a region (such as cn-shanghai), or an endpoint")
	}
	if b.Sync.MaxWindowRecords > MaxAliyunWindowRecords {
		v.fail(p+".sync.max_window_records", ErrInvalidValue,
			fmt.Sprintf("at most %d: the API pages at most 100 pages of 100", MaxAliyunWindowRecords))
	}
	if (b.Sync.AccessKeyID == "") != (b.Sync.AccessKeySecret == "") {
		v.fail(p+".sync.access_key_id", ErrInvalidValue, "give access_key_id and access_key_secret (or access_key_secret_file) together, or neither")
	}
}

func (v *validator) laaffic(p string, b *Laaffic) {
	v.required(p+".api_key", b.APIKey == "")
	v.required(p+".api_secret", b.APISecret == "")
	v.unique("Api-Key", b.APIKey, p+".api_key", ErrDuplicateKey, true)
	v.cidrs(p+".ip_allow", b.IPAllow)
	if b.TimestampWindow <= 0 {
		v.fail(p+".timestamp_window", ErrInvalidValue, "must be > 0")
	}
	v.rateLimit(p+".rate_limit", b.RateLimit)
	v.syncCommon(p+".sync", VendorLaaffic, &b.Sync.SyncCommon)
	if path := b.Sync.Path; path != "" && (!strings.HasPrefix(path, "/") || strings.ContainsAny(path, "?# ")) {
		v.fail(p+".sync.path", ErrInvalidValue, "a path from / without a query")
	}
	if tz := b.Sync.Timezone; tz != "" {
		if _, err := loadLocation(tz); err != nil {
			v.fail(p+".sync.timezone", ErrInvalidTimezone, strconv.Quote(tz))
		}
	}
	if (b.Sync.APIKey == "") != (b.Sync.APISecret == "") {
		v.fail(p+".sync.api_key", ErrInvalidValue, "give api_key and api_secret (or api_secret_file) together, or neither")
	}
}

// imApp checks a trtc_callkit or tencent_desk block. They share the IM
// sdkappid namespace: one tenant may use one sdkappid for both blocks if the
// key values and the max_usersig_lifetime are equal (both belong to the IM
// application); two tenants never share one.
func (v *validator) imApp(p string, tenant int, id uint64, admins []string, key Secret, lifetime Duration) {
	v.required(p+".secret_key", key == "")
	v.required(p+".admin_identifiers", len(admins) == 0)
	for j, a := range admins {
		v.required(fmt.Sprintf("%s.admin_identifiers[%d]", p, j), a == "")
	}
	switch {
	case lifetime < 0:
		v.fail(p+".max_usersig_lifetime", ErrInvalidValue, "negative duration")
	case lifetime > 0 && lifetime < Duration(time.Second):
		v.fail(p+".max_usersig_lifetime", ErrInvalidValue, "at least 1s (a UserSig's expire is whole seconds), or 0 for no bound")
	}
	if id == 0 {
		v.fail(p+".sdk_app_id", ErrRequired, "")
		return
	}
	prev, dup := v.im[id]
	switch {
	case !dup:
		v.im[id] = imUse{tenant: tenant, field: p, key: key, lifetime: lifetime}
	case prev.tenant != tenant:
		v.fail(p+".sdk_app_id", ErrDuplicateKey, fmt.Sprintf("IM sdkappid %d is also %s.sdk_app_id", id, prev.field))
	case prev.key != key:
		v.fail(p+".secret_key", ErrIMKeyMismatch, "")
	case prev.lifetime != lifetime:
		v.fail(p+".max_usersig_lifetime", ErrIMLifetimeMismatch,
			fmt.Sprintf("%v here, %v in %s", lifetime, prev.lifetime, prev.field))
	}
}

func (v *validator) satisfaction(p string, m map[string]map[string]int) {
	for _, src := range slices.Sorted(maps.Keys(m)) {
		if !knownSource(src) {
			v.fail(p+"."+src, ErrInvalidSatisfaction, "unknown source")
			continue
		}
		for _, raw := range slices.Sorted(maps.Keys(m[src])) {
			if s := m[src][raw]; s < 1 || s > 5 {
				v.fail(fmt.Sprintf("%s.%s[%s]", p, src, strconv.Quote(raw)), ErrInvalidSatisfaction,
					fmt.Sprintf("score %d not in 1..5", s))
			}
		}
	}
}

// knownSource reports whether s names a source (cdr.Sources).
func knownSource(s string) bool { return cdr.Valid(cdr.Source(s), cdr.Sources) }

// validTenantID reports whether id matches ^[a-z0-9][a-z0-9-]{0,31}$.
func validTenantID(id string) bool {
	if id == "" || len(id) > 32 || id[0] == '-' {
		return false
	}
	for _, r := range []byte(id) {
		if !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

func joinErrs(errs []error) error {
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}
