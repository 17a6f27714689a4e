package config

import (
	"fmt"
	"maps"
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
	// DefaultRecordingsDir is the archive's directory when storage is
	// PostgreSQL; with SQLite it is "recordings" beside the database file.
	DefaultRecordingsDir      = "./cdrhub-data/recordings"
	DefaultRecordingsInterval = Duration(5 * time.Minute)
	DefaultMaxFileBytes       = int64(1 << 30)
	DefaultArchiveConcurrency = 4
	MaxArchiveConcurrency     = 32
	DefaultLinkTTL            = Duration(time.Hour)
	// MaxLinkTTL bounds a signed link's lifetime.
	MaxLinkTTL = Duration(7 * 24 * time.Hour)
	// MinSigningKeyLen is the shortest recordings.signing_key accepted.
	MinSigningKeyLen = 32
)

// Recordings configures the recording archive for every tenant: where the
// files are kept, the key that signs download links, and how fast vendors'
// hosts are read.
type Recordings struct {
	Store string `yaml:"store"` // dir (the only one yet)
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
}

func (v *validator) recordings(r *Recordings) {
	const p = "recordings"
	if r.Store != RecordingStoreDir {
		v.fail(p+".store", ErrInvalidValue, fmt.Sprintf("%q (want %s)", r.Store, RecordingStoreDir))
	}
	if n := len(r.SigningKey.Reveal()); n > 0 && n < MinSigningKeyLen {
		v.fail(p+".signing_key", ErrInvalidValue, fmt.Sprintf("at least %d bytes", MinSigningKeyLen))
	}
	if r.MaxBytesPerSecondPerHost < 0 {
		v.fail(p+".max_bytes_per_second_per_host", ErrInvalidValue, "negative")
	}
	if r.MaxFileBytes < 1 {
		v.fail(p+".max_file_bytes", ErrInvalidValue, "must be > 0")
	}
	if r.Interval < Duration(time.Second) {
		v.fail(p+".interval", ErrInvalidValue, "at least 1s")
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
}

// ExpireAfter returns how long after a call's start a source's vendor
// deletes its recordings: recordings.expire, else the vendor's documented
// time (Tencent CCC 90 days, laaffic 60 days, an Alibaba signed link one
// day), else 0 (unknown).
func (r *Recordings) ExpireAfter(src cdr.Source) time.Duration {
	if d, ok := r.Expire[string(src)]; ok {
		return d.Std()
	}
	return DefaultRecordingExpiry[src]
}

// DefaultRecordingExpiry is how long after a call's start each vendor
// deletes (or stops serving) its recordings.
var DefaultRecordingExpiry = map[cdr.Source]time.Duration{
	cdr.SourceTencentCCC: 90 * 24 * time.Hour,
	cdr.SourceLaaffic:    60 * 24 * time.Hour,
	cdr.SourceAliyunCCC:  24 * time.Hour,
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
