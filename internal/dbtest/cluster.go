package dbtest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Cluster is a throwaway PostgreSQL server in a temporary directory,
// listening on 127.0.0.1 only, stopped and removed when the test ends.
type Cluster struct {
	initdb, pgCtl string              // server binaries
	cred          *syscall.Credential // who runs them; nil: this process's user
	runAs         string              // that user's name, for messages
	base          string              // temporary directory holding everything
	data          string              // data directory
	logFile       string              // server log
	port          int
}

// userEnv names the unprivileged user the server runs as when the tests run
// as root.
const userEnv = "CDRHUB_TEST_PG_USER"

const getIt = "install Debian's postgresql package (apt-get install postgresql) or run .ci/run"

// StartCluster initdb's and starts a new cluster. When no PostgreSQL server
// binaries are found it calls t.Skip with a message saying how to get them
// (install Debian's postgresql package, or run .ci/run), except when the
// environment variable CDRHUB_TEST_POSTGRES_REQUIRED is "1", where it calls
// t.Fatal instead.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	initdb, pgCtl, ok := findBinaries()
	if !ok {
		skip(t, "no PostgreSQL server binaries (initdb, pg_ctl) found: "+getIt)
	}
	c := &Cluster{initdb: initdb, pgCtl: pgCtl}

	uid, gid := -1, -1
	if os.Geteuid() == 0 {
		// PostgreSQL refuses to run as root.
		name := os.Getenv(userEnv)
		if name == "" {
			name = "postgres"
		}
		u, err := user.Lookup(name)
		if err != nil {
			skip(t, fmt.Sprintf("PostgreSQL refuses to run as root, and the unprivileged user to run it as is missing (%v): set %s to an existing user, or install Debian's postgresql package, which creates user postgres (apt-get install postgresql), or run .ci/run", err, userEnv))
		}
		uid, err = strconv.Atoi(u.Uid)
		if err != nil {
			t.Fatalf("user %s: uid %q: %v", name, u.Uid, err)
		}
		gid, err = strconv.Atoi(u.Gid)
		if err != nil {
			t.Fatalf("user %s: gid %q: %v", name, u.Gid, err)
		}
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		c.runAs = name
	}

	base, err := os.MkdirTemp("", "cdrhub-pg-*")
	if err != nil {
		t.Fatal(err)
	}
	c.base = base
	t.Cleanup(func() { c.cleanup(t) })
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	c.data = filepath.Join(base, "data")
	c.logFile = filepath.Join(base, "server.log")
	if err := os.Mkdir(c.data, 0o700); err != nil {
		t.Fatal(err)
	}
	// The server appends its log through pg_ctl, as the unprivileged user.
	if err := os.WriteFile(c.logFile, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if c.cred != nil {
		for _, p := range []string{c.data, c.logFile} {
			if err := os.Chown(p, uid, gid); err != nil {
				t.Fatal(err)
			}
		}
	}

	if out, err := c.command(c.initdb, "-D", c.data, "-U", "cdrhub", "--auth=trust",
		"-E", "UTF8", "--locale=C", "--no-sync").CombinedOutput(); err != nil {
		hint := ""
		if c.cred != nil {
			hint = fmt.Sprintf(" (it runs as user %s, who must be able to reach %s)", c.runAs, base)
		}
		t.Fatalf("initdb%s: %v\n%s", hint, err, out)
	}

	// Another process may take the port between freePort and the server's
	// bind; try a new one then.
	for attempt := 1; ; attempt++ {
		c.port, err = freePort()
		if err != nil {
			t.Fatal(err)
		}
		if err := c.writeConfig(); err != nil {
			t.Fatal(err)
		}
		err = c.start()
		if err == nil {
			break
		}
		log := c.logTail()
		if attempt < 3 && strings.Contains(log, "could not bind") {
			continue
		}
		t.Fatalf("starting PostgreSQL: %v\nserver log %s:\n%s", err, c.logFile, log)
	}
	return c
}

// DSN returns the connection string of database postgres as user cdrhub.
func (c *Cluster) DSN() string {
	return fmt.Sprintf("postgres://cdrhub@127.0.0.1:%d/postgres?sslmode=disable", c.port)
}

// Stop stops the server (fast shutdown: open connections are closed) and
// returns when it has stopped.
func (c *Cluster) Stop(t testing.TB) {
	t.Helper()
	if out, err := c.command(c.pgCtl, "stop", "-D", c.data, "-m", "fast", "-w", "-t", "60").CombinedOutput(); err != nil {
		t.Fatalf("stopping PostgreSQL: %v\n%s", err, out)
	}
}

// Start starts the server again, on the same port with the same data, and
// returns when it accepts connections.
func (c *Cluster) Start(t testing.TB) {
	t.Helper()
	if err := c.start(); err != nil {
		t.Fatalf("starting PostgreSQL: %v\nserver log %s:\n%s", err, c.logFile, c.logTail())
	}
}

// TryStart is Start for a goroutine other than the test's: it returns the
// error instead of failing the test.
func (c *Cluster) TryStart() error {
	if err := c.start(); err != nil {
		return fmt.Errorf("starting PostgreSQL: %w\nserver log %s:\n%s", err, c.logFile, c.logTail())
	}
	return nil
}

func (c *Cluster) start() error {
	out, err := c.command(c.pgCtl, "start", "-D", c.data, "-l", c.logFile, "-w", "-t", "60").CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_ctl start: %v\n%s", err, out)
	}
	// pg_ctl -w has waited for the server to be ready; make sure it is so on
	// the address the tests use.
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port))
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("server started but %s does not accept connections: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// writeConfig writes the server settings to postgresql.auto.conf, read after
// postgresql.conf, so that every start uses them.
func (c *Cluster) writeConfig() error {
	conf := fmt.Sprintf(`# Written by cdrhub's dbtest: a throwaway test server.
listen_addresses = '127.0.0.1'
port = %d
unix_socket_directories = ''
fsync = off
max_connections = 100
`, c.port)
	// The file exists (initdb wrote it), owned by the server's user;
	// overwriting it keeps its owner.
	return os.WriteFile(filepath.Join(c.data, "postgresql.auto.conf"), []byte(conf), 0o600)
}

// cleanup stops the server if it runs and removes the directory.
func (c *Cluster) cleanup(t testing.TB) {
	if c.data != "" {
		if _, err := os.Stat(filepath.Join(c.data, "postmaster.pid")); err == nil {
			out, err := c.command(c.pgCtl, "stop", "-D", c.data, "-m", "fast", "-w", "-t", "60").CombinedOutput()
			if err != nil && c.running() {
				t.Errorf("stopping PostgreSQL: %v\n%s", err, out)
				return // do not remove the data of a server still running
			}
		}
	}
	if err := os.RemoveAll(c.base); err != nil {
		t.Errorf("removing the PostgreSQL directory: %v", err)
	}
}

// running reports whether pg_ctl status sees a server; exit status 3 means
// it does not.
func (c *Cluster) running() bool {
	err := c.command(c.pgCtl, "status", "-D", c.data).Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 3 {
		return false
	}
	return err == nil
}

// command returns cmd to be run as the server's user, in the base directory
// (which that user can reach), without PG* variables of the environment.
func (c *Cluster) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir = c.base
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") && !strings.HasPrefix(kv, "LC_") && !strings.HasPrefix(kv, "LANG=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "LC_ALL=C")
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	return cmd
}

// logTail returns the end of the server log.
func (c *Cluster) logTail() string {
	b, err := os.ReadFile(c.logFile)
	if err != nil {
		return fmt.Sprintf("(%v)", err)
	}
	const max = 4000
	if len(b) > max {
		b = b[len(b)-max:]
		if i := strings.IndexByte(string(b), '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	if len(b) == 0 {
		return "(empty)"
	}
	return string(b)
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// findBinaries finds initdb and pg_ctl: in pg_config --bindir, else in the
// highest-numbered /usr/lib/postgresql/*/bin, else on PATH.
func findBinaries() (initdb, pgCtl string, ok bool) {
	has := func(dir string) bool {
		for _, name := range []string{"initdb", "pg_ctl"} {
			fi, err := os.Stat(filepath.Join(dir, name))
			if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
				return false
			}
		}
		return true
	}
	if pgConfig, err := exec.LookPath("pg_config"); err == nil {
		if out, err := exec.Command(pgConfig, "--bindir").Output(); err == nil {
			if dir := strings.TrimSpace(string(out)); dir != "" && has(dir) {
				return filepath.Join(dir, "initdb"), filepath.Join(dir, "pg_ctl"), true
			}
		}
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	best, bestVersion := "", []int(nil)
	for _, m := range matches {
		dir := filepath.Dir(m)
		v, ok := parseVersion(filepath.Base(filepath.Dir(dir)))
		if !ok || !has(dir) {
			continue
		}
		if best == "" || compareVersions(v, bestVersion) > 0 {
			best, bestVersion = dir, v
		}
	}
	if best != "" {
		return filepath.Join(best, "initdb"), filepath.Join(best, "pg_ctl"), true
	}
	initdb, err1 := exec.LookPath("initdb")
	pgCtl, err2 := exec.LookPath("pg_ctl")
	if err1 == nil && err2 == nil {
		return initdb, pgCtl, true
	}
	return "", "", false
}

// parseVersion parses a version such as "15" or "9.6".
func parseVersion(s string) ([]int, bool) {
	var v []int
	for _, f := range strings.Split(s, ".") {
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil, false
		}
		v = append(v, n)
	}
	return v, true
}

func compareVersions(a, b []int) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i] - b[i]
		}
	}
	return len(a) - len(b)
}
