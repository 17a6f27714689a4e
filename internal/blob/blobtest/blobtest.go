// Package blobtest is the conformance suite of blob.Store: every backend
// runs Run on a fresh store and passes it.
package blobtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/blob"
	"github.com/cdrhub/cdrhub/internal/cdr"
)

// Tenant is the tenant of the suite's keys.
var Tenant = cdr.MustTenantID("blobtest")

// Run runs the conformance suite, each test on a store open returns. The
// suite only uses keys of Tenant; it assumes nothing else writes them.
func Run(t *testing.T, open func(t *testing.T) blob.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s blob.Store)
	}{
		{"RoundTrip", testRoundTrip},
		{"Seek", testSeek},
		{"NotVisibleBeforeCommit", testNotVisibleBeforeCommit},
		{"Abort", testAbort},
		{"CommitOverExisting", testCommitOverExisting},
		{"CommitCanceled", testCommitCanceled},
		{"Delete", testDelete},
		{"OpenMissing", testOpenMissing},
		{"InvalidKeys", testInvalidKeys},
		{"WriterDone", testWriterDone},
		{"ConcurrentDistinctKeys", testConcurrentDistinct},
		{"ConcurrentSameKey", testConcurrentSame},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
}

// Data returns n pseudo-random bytes of seed.
func Data(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := 0; i < n; i += 8 {
		v := r.Uint64()
		for j := 0; j < 8 && i+j < n; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return b
}

// KeyOf returns the key of data under Tenant.
func KeyOf(t testing.TB, data []byte) string {
	t.Helper()
	sum := sha256.Sum256(data)
	k, err := blob.Key(Tenant, hex.EncodeToString(sum[:]))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// Put stores data under key, writing it in chunks of chunk bytes (all at
// once when chunk ≤ 0).
func Put(t testing.TB, s blob.Store, key string, data []byte, chunk int) {
	t.Helper()
	if err := put(s, key, data, chunk); err != nil {
		t.Fatal(err)
	}
}

// put is Put for goroutines other than the test's.
func put(s blob.Store, key string, data []byte, chunk int) error {
	ctx := context.Background()
	w, err := s.Create(ctx)
	if err != nil {
		return fmt.Errorf("Create: %w", err)
	}
	defer w.Abort()
	if chunk <= 0 {
		chunk = max(len(data), 1)
	}
	for rest := data; len(rest) > 0; {
		n := min(chunk, len(rest))
		m, err := w.Write(rest[:n])
		if err != nil || m != n {
			return fmt.Errorf("Write: %d of %d bytes, %v", m, n, err)
		}
		rest = rest[n:]
	}
	if err := w.Commit(ctx, key); err != nil {
		return fmt.Errorf("Commit(%s): %w", key, err)
	}
	return nil
}

// Get reads the object under key whole.
func Get(t testing.TB, s blob.Store, key string) []byte {
	t.Helper()
	o, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("Open(%s): %v", key, err)
	}
	defer o.Close()
	b, err := io.ReadAll(o)
	if err != nil {
		t.Fatalf("reading %s: %v", key, err)
	}
	if o.Size() != int64(len(b)) {
		t.Errorf("Open(%s).Size() = %d, read %d bytes", key, o.Size(), len(b))
	}
	return b
}

// checkMissing checks that key has no object.
func checkMissing(t testing.TB, s blob.Store, key string) {
	t.Helper()
	o, err := s.Open(context.Background(), key)
	if err == nil {
		o.Close()
		t.Fatalf("Open(%s) found an object, want none", key)
	}
	if !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Open(%s) = %v, want an error wrapping blob.ErrNotFound", key, err)
	}
}

func checkSame(t testing.TB, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Fatalf("%s: got %d bytes, want %d; first difference at byte %d", what, len(got), len(want), i)
	}
}

func testRoundTrip(t *testing.T, s blob.Store) {
	for _, tc := range []struct {
		name     string
		n, chunk int
	}{
		{"empty", 0, 0},
		{"one byte", 1, 0},
		{"odd size", 65537, 0},
		{"several MB in small chunks", 5<<20 + 3, 4093},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := Data(uint64(tc.n), tc.n)
			key := KeyOf(t, data)
			Put(t, s, key, data, tc.chunk)
			checkSame(t, key, Get(t, s, key), data)
		})
	}
}

func testSeek(t *testing.T, s blob.Store) {
	data := Data(7, 300_000)
	key := KeyOf(t, data)
	before := time.Now()
	Put(t, s, key, data, 10_000)
	after := time.Now()
	o, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	if o.Size() != int64(len(data)) {
		t.Errorf("Size() = %d, want %d", o.Size(), len(data))
	}
	// A backend's clock may be another machine's, and coarse: a generous
	// window.
	if m := o.ModTime(); m.Before(before.Add(-time.Hour)) || m.After(after.Add(time.Hour)) {
		t.Errorf("ModTime() = %v, want about %v", m, before)
	}
	for _, c := range []struct {
		offset int64
		whence int
		want   int64 // the resulting position
		n      int
	}{
		{0, io.SeekStart, 0, 100},
		{123_456, io.SeekStart, 123_456, 4096},
		{-1000, io.SeekEnd, int64(len(data)) - 1000, 1000},
		{-50_000, io.SeekCurrent, int64(len(data)) - 50_000, 1},
		{1, io.SeekStart, 1, 1},
		{int64(len(data)) - 1, io.SeekStart, int64(len(data)) - 1, 1},
	} {
		pos, err := o.Seek(c.offset, c.whence)
		if err != nil || pos != c.want {
			t.Fatalf("Seek(%d, %d) = %d, %v; want %d", c.offset, c.whence, pos, err, c.want)
		}
		buf := make([]byte, c.n)
		if _, err := io.ReadFull(o, buf); err != nil {
			t.Fatalf("reading %d bytes at %d: %v", c.n, pos, err)
		}
		checkSame(t, fmt.Sprintf("%d bytes at %d", c.n, pos), buf, data[pos:pos+int64(c.n)])
	}
	// At the end: EOF.
	if _, err := o.Seek(0, io.SeekEnd); err != nil {
		t.Fatal(err)
	}
	if n, err := o.Read(make([]byte, 10)); n != 0 || err != io.EOF {
		t.Errorf("Read at the end = %d, %v; want 0, EOF", n, err)
	}
}

func testNotVisibleBeforeCommit(t *testing.T, s blob.Store) {
	ctx := context.Background()
	data := Data(11, 100_000)
	key := KeyOf(t, data)
	w, err := s.Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	if _, err := w.Write(data[:50_000]); err != nil {
		t.Fatal(err)
	}
	checkMissing(t, s, key)
	if _, err := w.Write(data[50_000:]); err != nil {
		t.Fatal(err)
	}
	checkMissing(t, s, key)
	if err := w.Commit(ctx, key); err != nil {
		t.Fatal(err)
	}
	checkSame(t, key, Get(t, s, key), data)
}

func testAbort(t *testing.T, s blob.Store) {
	ctx := context.Background()
	data := Data(12, 10_000)
	key := KeyOf(t, data)

	w, err := s.Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	if err := w.Abort(); err != nil {
		t.Fatalf("Abort: %v", err)
	}
	if err := w.Abort(); err != nil {
		t.Fatalf("Abort again: %v", err)
	}
	checkMissing(t, s, key)
	if err := w.Commit(ctx, key); err == nil {
		t.Fatal("Commit after Abort succeeded")
	}
	checkMissing(t, s, key)

	// Abort after Commit does nothing.
	w, err = s.Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	if err := w.Commit(ctx, key); err != nil {
		t.Fatal(err)
	}
	if err := w.Abort(); err != nil {
		t.Fatalf("Abort after Commit: %v", err)
	}
	checkSame(t, key, Get(t, s, key), data)
}

func testCommitOverExisting(t *testing.T, s blob.Store) {
	data := Data(13, 20_000)
	key := KeyOf(t, data)
	Put(t, s, key, data, 0)
	Put(t, s, key, data, 999)
	checkSame(t, key, Get(t, s, key), data)
	// Keys are content hashes, so another content under one key is a
	// caller's mistake; still, the last Commit is what is kept.
	other := Data(14, 5_000)
	Put(t, s, key, other, 0)
	checkSame(t, key, Get(t, s, key), other)
}

func testCommitCanceled(t *testing.T, s blob.Store) {
	data := Data(15, 1000)
	key := KeyOf(t, data)
	w, err := s.Create(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	w.Write(data)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := w.Commit(ctx, key); err == nil {
		t.Fatal("Commit with a canceled context succeeded")
	}
	checkMissing(t, s, key)
}

func testDelete(t *testing.T, s blob.Store) {
	ctx := context.Background()
	a, b := Data(16, 3000), Data(17, 3000)
	ka, kb := KeyOf(t, a), KeyOf(t, b)
	Put(t, s, ka, a, 0)
	Put(t, s, kb, b, 0)
	if err := s.Delete(ctx, ka); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	checkMissing(t, s, ka)
	if err := s.Delete(ctx, ka); err != nil {
		t.Fatalf("Delete twice: %v", err)
	}
	checkSame(t, kb, Get(t, s, kb), b) // the other is untouched
	// Written again after its delete.
	Put(t, s, ka, a, 0)
	checkSame(t, ka, Get(t, s, ka), a)
	never := KeyOf(t, Data(18, 1))
	if err := s.Delete(ctx, never); err != nil {
		t.Fatalf("Delete of a key never written: %v", err)
	}
}

func testOpenMissing(t *testing.T, s blob.Store) {
	checkMissing(t, s, KeyOf(t, Data(19, 10)))
}

// InvalidKeys are keys every backend refuses.
var InvalidKeys = []string{
	"",
	"blobtest",
	"blobtest/ab",
	"../blobtest/ab/" + hex.EncodeToString(make([]byte, 32)),
	"blobtest/../" + hex.EncodeToString(make([]byte, 32)),
	"blobtest/00/../../../etc/passwd",
	"/blobtest/00/" + hex.EncodeToString(make([]byte, 32)),
	"blobtest/00/" + hex.EncodeToString(make([]byte, 32)) + "/x",
	"blobtest/00/" + hex.EncodeToString(make([]byte, 31)),
	"BlobTest/00/" + hex.EncodeToString(make([]byte, 32)),
	"blobtest/AB/AB" + hex.EncodeToString(make([]byte, 31)),
	"blobtest\\00\\" + hex.EncodeToString(make([]byte, 32)),
	".tmp/00/" + hex.EncodeToString(make([]byte, 32)),
	"blobtest//" + hex.EncodeToString(make([]byte, 32)),
}

func testInvalidKeys(t *testing.T, s blob.Store) {
	ctx := context.Background()
	for _, key := range InvalidKeys {
		if _, err := s.Open(ctx, key); cdr.ErrorCode(err) != cdr.EINVALID {
			t.Errorf("Open(%q) = %v, want an error with code invalid", key, err)
		}
		if err := s.Delete(ctx, key); cdr.ErrorCode(err) != cdr.EINVALID {
			t.Errorf("Delete(%q) = %v, want an error with code invalid", key, err)
		}
		w, err := s.Create(ctx)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte("x"))
		if err := w.Commit(ctx, key); cdr.ErrorCode(err) != cdr.EINVALID {
			t.Errorf("Commit(%q) = %v, want an error with code invalid", key, err)
		}
		if err := w.Abort(); err != nil {
			t.Errorf("Abort after a refused Commit: %v", err)
		}
	}
}

func testWriterDone(t *testing.T, s blob.Store) {
	ctx := context.Background()
	data := Data(20, 100)
	key := KeyOf(t, data)
	w, err := s.Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	if err := w.Commit(ctx, key); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("more")); err == nil {
		t.Error("Write after Commit succeeded")
	}
	if err := w.Commit(ctx, key); err == nil {
		t.Error("Commit twice succeeded")
	}
	checkSame(t, key, Get(t, s, key), data)
}

func testConcurrentDistinct(t *testing.T, s blob.Store) {
	const n = 8
	datas := make([][]byte, n)
	var wg sync.WaitGroup
	for i := range n {
		datas[i] = Data(uint64(100+i), 200_000+i)
		key := KeyOf(t, datas[i])
		wg.Go(func() {
			if err := put(s, key, datas[i], 8192); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for _, d := range datas {
		checkSame(t, "concurrent write", Get(t, s, KeyOf(t, d)), d)
	}
}

func testConcurrentSame(t *testing.T, s blob.Store) {
	const writers, readers = 8, 4
	data := Data(200, 300_000)
	key := KeyOf(t, data)
	done := make(chan struct{})
	var wg, rg sync.WaitGroup
	// Readers see the whole object or none, never a part.
	for range readers {
		rg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				o, err := s.Open(context.Background(), key)
				if errors.Is(err, blob.ErrNotFound) {
					continue
				}
				if err != nil {
					t.Errorf("Open during writes: %v", err)
					return
				}
				b, err := io.ReadAll(o)
				o.Close()
				if err != nil {
					t.Errorf("reading during writes: %v", err)
					return
				}
				if !bytes.Equal(b, data) {
					t.Errorf("read %d bytes during writes, not the object's %d", len(b), len(data))
					return
				}
			}
		})
	}
	for range writers {
		wg.Go(func() {
			if err := put(s, key, data, 16384); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	close(done)
	rg.Wait()
	checkSame(t, key, Get(t, s, key), data)
}
