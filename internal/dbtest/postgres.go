// Package dbtest gives tests real PostgreSQL databases: a fresh schema on
// the shared test server (Postgres), or a throwaway server of their own
// that they may stop and start (StartCluster).
//
// The shared server is named by CDRHUB_TEST_POSTGRES, a DSN whose user may
// create schemas (.ci/run starts one and sets it). Without it PostgreSQL
// tests skip, saying how to run them; with CDRHUB_TEST_POSTGRES_REQUIRED=1
// they fail instead, so that CI cannot pass without having run them.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Environment variables.
const (
	EnvPostgres = "CDRHUB_TEST_POSTGRES"
	EnvRequired = "CDRHUB_TEST_POSTGRES_REQUIRED"
)

// HowTo says how to run the PostgreSQL tests.
const HowTo = "PostgreSQL tests skipped: set " + EnvPostgres + "=postgres://USER@127.0.0.1:5432/DB?sslmode=disable " +
	"(a user that may create schemas), or run .ci/run, which installs and starts a throwaway server"

// Required reports whether a skipped PostgreSQL test must fail.
func Required() bool { return os.Getenv(EnvRequired) == "1" }

// Available reports whether a shared test server is configured.
func Available() bool { return os.Getenv(EnvPostgres) != "" }

// NeedServer skips t (or fails it, when required) unless a shared test
// server is configured: for a test that opens many databases, so that it
// says so once.
func NeedServer(t testing.TB) {
	t.Helper()
	if !Available() {
		skip(t, HowTo)
	}
}

// skip skips t, or fails it when PostgreSQL tests are required.
func skip(t testing.TB, why string) {
	t.Helper()
	if Required() {
		t.Fatalf("%s, and %s=1", why, EnvRequired)
	}
	t.Skip(why)
}

var (
	extensions sync.Once
	extErr     error
)

// Postgres returns the DSN of a new, empty schema on the shared test
// server, dropped when t ends. Connections made with it see only that
// schema (and public, where the extensions live).
func Postgres(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		skip(t, HowTo)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("%s: %v", EnvPostgres, err)
	}
	defer conn.Close(ctx)
	extensions.Do(func() {
		// Once per database, under a lock: test packages run in parallel.
		_, extErr = conn.Exec(ctx, `SELECT pg_advisory_lock(7); CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
			SELECT pg_advisory_unlock(7)`)
	})
	if extErr != nil {
		t.Fatalf("create extensions: %v", extErr)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "test_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return WithParam(t, base, "search_path", schema+",public")
}

// WithParam returns dsn with a run-time parameter set.
func WithParam(t testing.TB, dsn, name, value string) string {
	t.Helper()
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		return fmt.Sprintf("%s %s='%s'", dsn, name, value)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("%s: %v", EnvPostgres, err)
	}
	q := u.Query()
	q.Set(name, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// Schema returns the DSN of the named schema on the shared test server,
// created if missing and emptied first when fresh, and kept after t ends:
// for benchmarks whose data outlives one run.
func Schema(t testing.TB, name string, fresh bool) string {
	t.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		skip(t, HowTo)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("%s: %v", EnvPostgres, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public`); err != nil {
		t.Fatal(err)
	}
	id := pgx.Identifier{name}.Sanitize()
	if fresh {
		if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+id+" CASCADE"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := conn.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+id); err != nil {
		t.Fatal(err)
	}
	return WithParam(t, base, "search_path", name+",public")
}
