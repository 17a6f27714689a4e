package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Environment variables read by Path and ApplyEnv.
const (
	EnvConfig = "CDRHUB_CONFIG" // configuration file path
	EnvListen = "CDRHUB_LISTEN" // overrides server.listen
	EnvDB     = "CDRHUB_DB"     // a SQLite path, or a postgres:// DSN
)

// maxSecretFile bounds what is read from a *_file.
const maxSecretFile = 64 << 10

// Path returns the configuration file to load: flagValue if set, else
// $CDRHUB_CONFIG, else "" (no file: defaults). A nil getenv means os.Getenv.
func Path(flagValue string, getenv func(string) string) string {
	if flagValue != "" {
		return flagValue
	}
	if getenv == nil {
		getenv = os.Getenv
	}
	return getenv(EnvConfig)
}

// Load reads the configuration file at path (Default if path is ""), applies
// the environment overrides (ApplyEnv with os.Getenv), and validates.
// Relative *_file paths in the file are relative to the file's directory
// (see Parse).
func Load(path string) (Config, error) {
	return load(path, os.Getenv)
}

// LoadEnv is Load with the environment read through getenv (nil means
// os.Getenv), as the commands do, so that their tests can set it.
func LoadEnv(path string, getenv func(string) string) (Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	return load(path, getenv)
}

func load(path string, getenv func(string) string) (Config, error) {
	c := Default()
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return Config{}, fmt.Errorf("config: %w", err)
		}
		if c, err = decode(data, filepath.Dir(path)); err != nil {
			return Config{}, fmt.Errorf("%w (in %s)", err, path)
		}
	}
	c.ApplyEnv(getenv)
	if err := c.Validate(); err != nil {
		if path != "" {
			err = fmt.Errorf("%w (in %s)", err, path)
		}
		return Config{}, err
	}
	return c, nil
}

// Parse decodes a cdrhub.yaml document, fills defaults, reads the *_file
// secrets, and validates. Unknown keys are errors. Relative *_file paths
// (secrets, server.tls and the sync blocks' ca_file) are taken relative to
// baseDir, which should be the configuration file's directory; storage.path
// stays relative to the working directory. Parse does not apply environment
// overrides.
func Parse(data []byte, baseDir string) (Config, error) {
	c, err := decode(data, baseDir)
	if err != nil {
		return Config{}, err
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// decode is Parse without Validate.
func decode(data []byte, baseDir string) (Config, error) {
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && err != io.EOF {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err != io.EOF {
		return Config{}, errors.New("config: more than one YAML document")
	}
	c.ApplyDefaults()
	if err := c.resolveFiles(baseDir); err != nil {
		return Config{}, err
	}
	return c, nil
}

// ApplyEnv applies CDRHUB_LISTEN and CDRHUB_DB; empty variables are ignored.
// A CDRHUB_DB starting with postgres:// or postgresql:// selects postgres with
// that DSN; any other value selects sqlite with that path. A nil getenv means
// os.Getenv.
func (c *Config) ApplyEnv(getenv func(string) string) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if v := getenv(EnvListen); v != "" {
		c.Server.Listen = v
	}
	v := getenv(EnvDB)
	switch lv := strings.ToLower(v); {
	case v == "":
	case strings.HasPrefix(lv, "postgres://"), strings.HasPrefix(lv, "postgresql://"):
		c.Storage.Driver, c.Storage.DSN, c.Storage.DSNFile = DriverPostgres, Secret(v), ""
	default:
		c.Storage.Driver, c.Storage.Path = DriverSQLite, v
		c.Storage.DSN, c.Storage.DSNFile = "", ""
	}
}

// resolver reads *_file secrets relative to baseDir, collecting errors.
type resolver struct {
	baseDir string
	errs    []error
}

// resolveFiles reads every *_file secret into its inline field and rebases
// the TLS paths and the sync blocks' ca_file. It fails if a secret is given both inline and as a file.
func (c *Config) resolveFiles(baseDir string) error {
	r := &resolver{baseDir: baseDir}
	r.secret("storage.dsn", &c.Storage.DSN, &c.Storage.DSNFile)
	c.Server.TLS.CertFile = r.join(c.Server.TLS.CertFile)
	c.Server.TLS.KeyFile = r.join(c.Server.TLS.KeyFile)
	r.tokens("admin.tokens", c.Admin.Tokens)
	r.secret("recordings.signing_key", &c.Recordings.SigningKey, &c.Recordings.SigningKeyFile)
	r.secret("recordings.s3.secret_access_key", &c.Recordings.S3.SecretAccessKey, &c.Recordings.S3.SecretAccessKeyFile)
	for i := range c.Tenants {
		r.tenant(fmt.Sprintf("tenants[%d]", i), &c.Tenants[i])
	}
	return joinErrs(r.errs)
}

func (r *resolver) tenant(p string, t *Tenant) {
	r.tokens(p+".native.tokens", t.Native.Tokens)
	if b := t.TencentCCC; b != nil {
		for i := range b.Credentials {
			cr := &b.Credentials[i]
			r.secret(fmt.Sprintf("%s.tencent_ccc.credentials[%d].secret_key", p, i), &cr.SecretKey, &cr.SecretKeyFile)
		}
		q := p + ".tencent_ccc.sync"
		r.secret(q+".secret_key", &b.Sync.SecretKey, &b.Sync.SecretKeyFile)
		r.syncFiles(&b.Sync.SyncCommon)
	}
	if b := t.TRTCCallKit; b != nil {
		r.secret(p+".trtc_callkit.secret_key", &b.SecretKey, &b.SecretKeyFile)
		q := p + ".trtc_callkit.sync"
		r.secret(q+".secret_key", &b.Sync.SecretKey, &b.Sync.SecretKeyFile)
		r.syncFiles(&b.Sync.SyncCommon)
	}
	if b := t.AliyunCCC; b != nil {
		for i := range b.Credentials {
			cr := &b.Credentials[i]
			r.secret(fmt.Sprintf("%s.aliyun_ccc.credentials[%d].access_key_secret", p, i), &cr.AccessKeySecret, &cr.AccessKeySecretFile)
		}
		q := p + ".aliyun_ccc.sync"
		r.secret(q+".access_key_secret", &b.Sync.AccessKeySecret, &b.Sync.AccessKeySecretFile)
		r.syncFiles(&b.Sync.SyncCommon)
	}
	if b := t.Laaffic; b != nil {
		r.secret(p+".laaffic.api_secret", &b.APISecret, &b.APISecretFile)
		q := p + ".laaffic.sync"
		r.secret(q+".api_secret", &b.Sync.APISecret, &b.Sync.APISecretFile)
		r.syncFiles(&b.Sync.SyncCommon)
	}
	if b := t.TencentDesk; b != nil {
		r.secret(p+".tencent_desk.secret_key", &b.SecretKey, &b.SecretKeyFile)
		q := p + ".tencent_desk.sync"
		r.secret(q+".secret_key", &b.Sync.SecretKey, &b.Sync.SecretKeyFile)
		r.syncFiles(&b.Sync.SyncCommon)
	}
}

func (r *resolver) tokens(p string, ts []Token) {
	for i := range ts {
		r.secret(fmt.Sprintf("%s[%d].token", p, i), &ts[i].Token, &ts[i].TokenFile)
	}
}

// syncFiles rebases a sync block's ca_file, which is not read here.
func (r *resolver) syncFiles(s *SyncCommon) {
	s.CAFile = r.join(s.CAFile)
}

// secret resolves one secret whose inline field is at path field. On success
// *file holds the path actually read.
func (r *resolver) secret(field string, inline *Secret, file *string) {
	if *file == "" {
		return
	}
	if *inline != "" {
		r.errs = append(r.errs, &ValidationError{Field: field, Err: ErrSecretConflict,
			Msg: fmt.Sprintf("give %s or %s_file, not both", lastElem(field), lastElem(field))})
		return
	}
	*file = r.join(*file)
	v, err := readSecretFile(*file)
	if err != nil {
		r.errs = append(r.errs, &ValidationError{Field: field + "_file",
			Msg: err.Error(), Err: fmt.Errorf("%w: %w", ErrSecretFile, err)})
		return
	}
	*inline = Secret(v)
}

func (r *resolver) join(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(r.baseDir, p)
}

// readSecretFile returns the trimmed content of a regular file. Its errors
// name the path, never the content.
func readSecretFile(path string) (string, error) {
	// Stat first: opening a FIFO would block, and /dev/zero never ends.
	st, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("cannot read %s: %w", path, pathErrCause(err))
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("cannot read %s: not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("cannot read %s: %w", path, pathErrCause(err))
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
	if err != nil {
		return "", fmt.Errorf("cannot read %s: %w", path, pathErrCause(err))
	}
	if len(b) > maxSecretFile {
		return "", fmt.Errorf("cannot read %s: larger than %d bytes", path, maxSecretFile)
	}
	v := strings.TrimSpace(string(b))
	if v == "" {
		return "", fmt.Errorf("%s is empty", path)
	}
	return v, nil
}

// pathErrCause strips the *fs.PathError wrapper, whose text repeats the path.
func pathErrCause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func lastElem(field string) string {
	return field[strings.LastIndexByte(field, '.')+1:]
}
