package config

import (
	"fmt"
	"maps"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// Recording archive defaults and bounds (docs/design.md, Recording archive).
const (
	// RecordingStoreDir keeps the archive in a local directory.
	RecordingStoreDir = "dir"
	// RecordingStoreS3 keeps it in a bucket of an S3-compatible store.
	RecordingStoreS3 = "s3"
	// DefaultRecordingsDir is the archive's directory when storage is
	// PostgreSQL; with SQLite it is "recordings" beside the database file.
	DefaultRecordingsDir      = "./cdrhub-data/recordings"
	DefaultRecordingsInterval = Duration(5 * time.Minute)
	DefaultRecordingsSettle   = Duration(time.Minute)
	DefaultMaxFileBytes       = int64(1 << 30)
	DefaultArchiveConcurrency = 4
	MaxArchiveConcurrency     = 32
	DefaultLinkTTL            = Duration(time.Hour)
	// DefaultRewriteTTL is the lifetime of a link rewrite_urls renders:
	// a day, as the vendors' own recording addresses.
	DefaultRewriteTTL = Duration(24 * time.Hour)
	// MaxLinkTTL bounds a signed link's lifetime.
	MaxLinkTTL = Duration(7 * 24 * time.Hour)
	// MinSigningKeyLen is the shortest recordings.signing_key accepted.
	MinSigningKeyLen = 32
)

// Recordings configures the recording archive for every tenant: where the
// files are kept, the key that signs download links, and how fast vendors'
// hosts are read.
type Recordings struct {
	Store string `yaml:"store"` // dir or s3
	// S3 is the bucket of store: s3.
	S3 S3Store `yaml:"s3"`
	// Path is the directory of the dir store, relative to the working
	// directory like storage.path (default: Config.RecordingsDir).
	Path string `yaml:"path"`
	// SigningKey signs download links (at least 32 bytes). Unset, a random
	// key is generated once and kept in the database, so that every
	// instance verifies the links of the others.
	SigningKey     Secret `yaml:"signing_key"`
	SigningKeyFile string `yaml:"signing_key_file"`
	// MaxBytesPerSecondPerHost bounds the download rate from one vendor
	// host, across tenants; 0 is unbounded.
	MaxBytesPerSecondPerHost int64 `yaml:"max_bytes_per_second_per_host"`
	// MaxFileBytes is the largest file archived or uploaded.
	MaxFileBytes int64 `yaml:"max_file_bytes"`
	// Interval is how often serve runs the archive job.
	Interval Duration `yaml:"interval"`
	// Settle: a run plans the records written at least this long ago, so
	// that writes still in flight commit first (nil: DefaultRecordingsSettle).
	Settle *Duration `yaml:"settle"`
	// AllowNetworks are CIDRs files may be fetched from although they are
	// loopback, link-local or reserved (refused by default: a record's URL
	// must not reach cdrhub's host or a cloud metadata service).
	AllowNetworks []string `yaml:"allow_networks"`
	// Expire overrides, per source, how long after a call's start the
	// vendor deletes its recordings (the archive takes the oldest-expiring
	// first).
	Expire map[string]Duration `yaml:"expire"`
}

// TenantRecordings is a tenant's part of the archive.
type TenantRecordings struct {
	// Archive copies the files the tenant's records point at.
	Archive     bool `yaml:"archive"`
	Concurrency int  `yaml:"concurrency"`
	// Retention removes archived files of calls older than it (the
	// records stay); 0 keeps them as long as the records.
	Retention Duration `yaml:"retention"`
	// LinkTTL is a signed link's lifetime when the request names none, and
	// the longest it may name.
	LinkTTL Duration `yaml:"link_ttl"`
	// RewriteURLs makes the vendor APIs render an archived recording's
	// address as a signed cdrhub link valid RewriteTTL (default 24 h): the
	// one exception to rendering raw as it came (README, Recording
	// archive).
	RewriteURLs bool     `yaml:"rewrite_urls"`
	RewriteTTL  Duration `yaml:"rewrite_ttl"`
}

// RecordingsDir is the dir store's directory: recordings.path, else
// "recordings" beside the SQLite database, else DefaultRecordingsDir. It is
// resolved when used, after the environment may have changed the storage.
func (c *Config) RecordingsDir() string {
	switch {
	case c.Recordings.Path != "":
		return c.Recordings.Path
	case c.Storage.Driver == DriverSQLite && c.Storage.Path != "":
		return filepath.Join(filepath.Dir(c.Storage.Path), "recordings")
	}
	return DefaultRecordingsDir
}

func (r *Recordings) applyDefaults() {
	setDefault(&r.Store, RecordingStoreDir)
	if r.MaxFileBytes == 0 {
		r.MaxFileBytes = DefaultMaxFileBytes
	}
	setDurationDefault(&r.Interval, DefaultRecordingsInterval)
}

func (r *TenantRecordings) applyDefaults() {
	if r.Concurrency == 0 {
		r.Concurrency = DefaultArchiveConcurrency
	}
	setDurationDefault(&r.LinkTTL, DefaultLinkTTL)
	setDurationDefault(&r.RewriteTTL, DefaultRewriteTTL)
}

func (v *validator) recordings(r *Recordings) {
	const p = "recordings"
	switch r.Store {
	case RecordingStoreDir:
	case RecordingStoreS3:
		s := r.S3
		u, err := url.Parse(s.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			v.fail(p+".s3.endpoint", ErrInvalidValue, "want http(s)://host[:port]")
		}
		if s.Bucket == "" {
			v.fail(p+".s3.bucket", ErrRequired, "with store: s3")
		}
		if s.AccessKeyID == "" {
			v.fail(p+".s3.access_key_id", ErrRequired, "with store: s3")
		}
		if s.SecretAccessKey.Reveal() == "" {
			v.fail(p+".s3.secret_access_key", ErrRequired, "with store: s3 (or secret_access_key_file)")
		}
	default:
		v.fail(p+".store", ErrInvalidValue, fmt.Sprintf("%q (want %s or %s)", r.Store, RecordingStoreDir, RecordingStoreS3))
	}
	if n := len(r.SigningKey.Reveal()); n > 0 && n < MinSigningKeyLen {
		v.fail(p+".signing_key", ErrInvalidValue, fmt.Sprintf("at least %d bytes", MinSigningKeyLen))
	}
	v.cidrs(p+".allow_networks", r.AllowNetworks)
	if r.MaxBytesPerSecondPerHost < 0 {
		v.fail(p+".max_bytes_per_second_per_host", ErrInvalidValue, "negative")
	}
	if r.MaxFileBytes < 1 {
		v.fail(p+".max_file_bytes", ErrInvalidValue, "must be > 0")
	}
	if r.Interval < Duration(time.Second) {
		v.fail(p+".interval", ErrInvalidValue, "at least 1s")
	}
	if r.Settle != nil && *r.Settle < 0 {
		v.fail(p+".settle", ErrInvalidValue, "negative duration")
	}
	for _, src := range slices.Sorted(maps.Keys(r.Expire)) {
		if !knownSource(src) || src == string(cdr.SourceNative) {
			v.fail(p+".expire."+src, ErrInvalidValue, "not a vendor source ("+strings.Join(vendorSources(), ", ")+")")
		} else if r.Expire[src] <= 0 {
			v.fail(p+".expire."+src, ErrInvalidValue, "must be > 0")
		}
	}
}

func (v *validator) tenantRecordings(p string, r *TenantRecordings) {
	if r.Concurrency < 1 || r.Concurrency > MaxArchiveConcurrency {
		v.fail(p+".concurrency", ErrInvalidValue, fmt.Sprintf("%d not in 1..%d", r.Concurrency, MaxArchiveConcurrency))
	}
	if r.Retention < 0 {
		v.fail(p+".retention", ErrInvalidValue, "negative duration")
	}
	if r.LinkTTL < Duration(time.Second) || r.LinkTTL > MaxLinkTTL {
		v.fail(p+".link_ttl", ErrInvalidValue, fmt.Sprintf("not in 1s..%s", MaxLinkTTL))
	}
	if r.RewriteTTL < Duration(time.Minute) || r.RewriteTTL > MaxLinkTTL {
		v.fail(p+".rewrite_ttl", ErrInvalidValue, fmt.Sprintf("not in 1m..%s", MaxLinkTTL))
	}
}

// S3Store is an S3-compatible bucket (AWS S3, MinIO, SeaweedFS, COS, OSS).
type S3Store struct {
	// Endpoint is the service's base URL, https://host[:port] (http:// on a
	// trusted network).
	Endpoint string `yaml:"endpoint"`
	Region   string `yaml:"region"`
	Bucket   string `yaml:"bucket"`
	// Prefix is prepended to every object's key, e.g. "cdrhub/".
	Prefix              string `yaml:"prefix"`
	AccessKeyID         string `yaml:"access_key_id"`
	SecretAccessKey     Secret `yaml:"secret_access_key"`
	SecretAccessKeyFile string `yaml:"secret_access_key_file"`
	// Redirect answers a download with a short-lived presigned URL of the
	// object (307) instead of streaming it through cdrhub.
	Redirect bool `yaml:"redirect"`
}

// SettleDuration is Settle, or its default.
func (r *Recordings) SettleDuration() time.Duration {
	if r.Settle == nil {
		return DefaultRecordingsSettle.Std()
	}
	return r.Settle.Std()
}

// ExpiryOverrides returns recordings.expire by source: how long after a
// call's start each listed vendor deletes its recordings. The sources it
// does not list keep the archive's defaults (recordings.DefaultExpiry).
func (r *Recordings) ExpiryOverrides() map[cdr.Source]time.Duration {
	m := make(map[cdr.Source]time.Duration, len(r.Expire))
	for src, d := range r.Expire {
		m[cdr.Source(src)] = d.Std()
	}
	return m
}

func vendorSources() []string {
	var s []string
	for _, src := range cdr.Sources {
		if src != cdr.SourceNative {
			s = append(s, string(src))
		}
	}
	return s
}
