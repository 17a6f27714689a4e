package dbtest

import (
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestCluster(t *testing.T) {
	c := StartCluster(t)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port))
	dial := func() error {
		conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err == nil {
			conn.Close()
		}
		return err
	}

	if want := "postgres://cdrhub@127.0.0.1:" + strconv.Itoa(c.port) + "/postgres?sslmode=disable"; c.DSN() != want {
		t.Errorf("DSN() = %q, want %q", c.DSN(), want)
	}
	if !strings.HasPrefix(c.data, os.TempDir()) {
		t.Errorf("data directory %s is not under %s", c.data, os.TempDir())
	}
	if fi, err := os.Stat(c.data); err != nil || !fi.IsDir() {
		t.Fatalf("data directory %s: %v", c.data, err)
	}
	if err := dial(); err != nil {
		t.Fatalf("after StartCluster: %v", err)
	}

	c.Stop(t)
	if err := dial(); err == nil {
		t.Fatalf("after Stop: dial %s succeeded", addr)
	}

	c.Start(t)
	if err := dial(); err != nil {
		t.Fatalf("after Start: %v", err)
	}
}
