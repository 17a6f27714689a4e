package recordings

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/cdrhub/cdrhub/internal/blob"
	"github.com/cdrhub/cdrhub/internal/cdr"
)

// wav returns a WAV file of n bytes (n ≥ 44): a header for 8 kHz 16-bit
// mono PCM, then random samples of seed.
func wav(seed uint64, n int) []byte {
	b := make([]byte, n)
	copy(b, "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(n-8))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], 1)    // PCM
	binary.LittleEndian.PutUint16(b[22:], 1)    // mono
	binary.LittleEndian.PutUint32(b[24:], 8000) // Hz
	binary.LittleEndian.PutUint32(b[28:], 16000)
	binary.LittleEndian.PutUint16(b[32:], 2)
	binary.LittleEndian.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(n-44))
	fill(seed, b[44:])
	return b
}

// mp3 returns n bytes of MPEG-1 layer III frames (128 kbit/s, 44.1 kHz, no
// ID3 tag) with random payloads of seed.
func mp3(seed uint64, n int) []byte {
	b := make([]byte, n)
	fill(seed, b)
	for i := 0; i+4 <= n; i += 417 {
		copy(b[i:], []byte{0xff, 0xfb, 0x90, 0x64})
	}
	return b
}

func fill(seed uint64, b []byte) {
	r := rand.New(rand.NewPCG(seed, 1))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

var tenant = cdr.MustTenantID("acme")

func newBlobs(t testing.TB) *blob.Dir {
	t.Helper()
	d, err := blob.NewDir(filepath.Join(t.TempDir(), "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func readBlob(t testing.TB, s blob.Store, key string) []byte {
	t.Helper()
	o, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	b, err := io.ReadAll(o)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestStore(t *testing.T) {
	html := []byte("<!DOCTYPE html><html><body>404 Not Found</body></html>")
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 100)...)
	ftyp := func(brand string) []byte {
		b := append([]byte("\x00\x00\x00\x20ftyp"+brand), make([]byte, 300)...)
		return b
	}
	unknown := int64(-1)
	cases := []struct {
		name   string
		data   []byte
		want   Expect
		reason string // "" stored
		ct     string
	}{
		{"wav", wav(1, 100_000), Expect{Length: unknown}, "", "audio/wav"},
		{"wav declared length", wav(1, 100_000), Expect{Length: 100_000}, "", "audio/wav"},
		{"mp3 without ID3", mp3(2, 10_000), Expect{Length: unknown}, "", "audio/mpeg"},
		{"mp3 with ID3", append([]byte("ID3\x04\x00\x00\x00\x00\x00\x00"), mp3(2, 1000)...), Expect{Length: unknown}, "", "audio/mpeg"},
		{"amr", append([]byte("#!AMR\n"), make([]byte, 100)...), Expect{Length: unknown}, "", "audio/amr"},
		{"amr-wb", append([]byte("#!AMR-WB\n"), make([]byte, 100)...), Expect{Length: unknown}, "", "audio/amr-wb"},
		{"m4a", ftyp("M4A "), Expect{Length: unknown}, "", "audio/mp4"},
		{"mp4", ftyp("isom"), Expect{Length: unknown}, "", "video/mp4"},
		{"flac", append([]byte("fLaC"), make([]byte, 100)...), Expect{Length: unknown}, "", "audio/flac"},
		{"ogg", append([]byte("OggS\x00\x02"), make([]byte, 100)...), Expect{Length: unknown}, "", "audio/ogg"},
		{"webm", append([]byte("\x1a\x45\xdf\xa3\x9f\x42\x82\x84webm"), make([]byte, 100)...), Expect{Length: unknown}, "", "audio/webm"},
		{"short mp3", []byte{0xff, 0xfb, 0x90, 0x64, 1, 2}, Expect{Length: unknown}, "", "audio/mpeg"},
		{"empty", nil, Expect{Length: unknown}, ReasonEmpty, ""},
		{"empty declared 0", nil, Expect{Length: 0}, ReasonEmpty, ""},
		{"shorter than declared", wav(3, 1000), Expect{Length: 2000}, ReasonTruncated, ""},
		{"longer than declared", wav(3, 100_000), Expect{Length: 50_000}, ReasonLengthMismatch, ""},
		{"too large", wav(4, 100_000), Expect{Length: unknown, MaxBytes: 99_999}, ReasonTooLarge, ""},
		{"declared too large", wav(4, 100_000), Expect{Length: 100_000, MaxBytes: 1000}, ReasonTooLarge, ""},
		{"at the bound", wav(4, 100_000), Expect{Length: unknown, MaxBytes: 100_000}, "", "audio/wav"},
		{"html", html, Expect{Length: unknown}, ReasonNotMedia, ""},
		{"json", []byte(`{"error":"NoSuchKey"}`), Expect{Length: unknown}, ReasonNotMedia, ""},
		{"text", []byte("AccessDenied: the signature expired"), Expect{Length: unknown}, ReasonNotMedia, ""},
		{"xml error", []byte(`<?xml version="1.0"?><Error><Code>AccessDenied</Code></Error>`), Expect{Length: unknown}, ReasonNotMedia, ""},
		{"png", png, Expect{Length: unknown}, ReasonNotMedia, ""},
		{"transcript text", []byte("agent: hello\ncustomer: hi\n"), Expect{Length: unknown, Transcript: true}, "", "text/plain; charset=utf-8"},
		{"transcript json", []byte(`  [{"speaker":"agent","text":"hello"}]`), Expect{Length: unknown, Transcript: true}, "", "application/json"},
		{"transcript html", html, Expect{Length: unknown, Transcript: true}, ReasonNotMedia, ""},
		{"transcript audio", wav(5, 1000), Expect{Length: unknown, Transcript: true}, ReasonNotMedia, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			blobs := newBlobs(t)
			// One byte a read: the checks do not depend on how reads fall.
			sf, err := Store(context.Background(), blobs, tenant, iotest.OneByteReader(bytes.NewReader(c.data)), c.want)
			if c.reason != "" {
				var e *Error
				if !errors.As(err, &e) || e.Reason != c.reason {
					t.Fatalf("Store = %+v, %v; want reason %s", sf, err, c.reason)
				}
				checkNoObjects(t, blobs)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			key, _ := blob.Key(tenant, sha(c.data))
			want := cdr.StoredFile{Key: key, Bytes: int64(len(c.data)), SHA256: sha(c.data), ContentType: c.ct, At: sf.At}
			if sf != want || sf.At == 0 {
				t.Errorf("Store = %+v, want %+v", sf, want)
			}
			if got := readBlob(t, blobs, key); !bytes.Equal(got, c.data) {
				t.Errorf("stored %d bytes, not the file's %d", len(got), len(c.data))
			}
		})
	}
}

// checkNoObjects checks that the Dir holds no object nor temporary file.
func checkNoObjects(t *testing.T, d *blob.Dir) {
	t.Helper()
	var files []string
	filepath.WalkDir(d.Path(), func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if len(files) > 0 {
		t.Errorf("files left: %v", files)
	}
}

// TestStoreTooLargeStopsReading: a file over the bound is refused as
// soon as the bound is passed, not read to its end.
func TestStoreTooLargeStopsReading(t *testing.T) {
	r := &countingReader{r: io.LimitReader(neverEnding(0xff), 1<<40)}
	r.r = io.MultiReader(bytes.NewReader(wav(1, 44)), r.r)
	_, err := Store(context.Background(), newBlobs(t), tenant, r, Expect{Length: -1, MaxBytes: 1 << 20})
	if ReasonOf(err) != ReasonTooLarge {
		t.Fatalf("Store = %v, want too_large", err)
	}
	if r.n > 1<<20+bufSize {
		t.Errorf("read %d bytes for a bound of %d", r.n, 1<<20)
	}
}

// TestStoreNotMediaStopsReading: a body that is not audio is refused
// after its first SniffLen bytes.
func TestStoreNotMediaStopsReading(t *testing.T) {
	r := &countingReader{r: io.MultiReader(strings.NewReader("<html>"), io.LimitReader(neverEnding('x'), 1<<40))}
	_, err := Store(context.Background(), newBlobs(t), tenant, r, Expect{Length: -1})
	if ReasonOf(err) != ReasonNotMedia {
		t.Fatalf("Store = %v, want not_media", err)
	}
	if r.n > bufSize+SniffLen {
		t.Errorf("read %d bytes", r.n)
	}
}

func TestStoreReadErrors(t *testing.T) {
	head := wav(1, 1000)
	for _, c := range []struct {
		err    error
		reason string
	}{
		{io.ErrUnexpectedEOF, ReasonTruncated},
		{errors.New("connection reset by peer"), ReasonNetwork},
		{context.DeadlineExceeded, ReasonTimeout},
	} {
		r := io.MultiReader(bytes.NewReader(head), iotest.ErrReader(c.err))
		blobs := newBlobs(t)
		_, err := Store(context.Background(), blobs, tenant, r, Expect{Length: -1})
		if ReasonOf(err) != c.reason {
			t.Errorf("reading failing with %v: Store = %v, want reason %s", c.err, err, c.reason)
		}
		checkNoObjects(t, blobs)
	}
	// The context's end is no failure of the file.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Store(ctx, newBlobs(t), tenant, bytes.NewReader(head), Expect{Length: -1})
	if !errors.Is(err, context.Canceled) || ReasonOf(err) != "" {
		t.Errorf("Store with a canceled context = %v", err)
	}
	if _, err := Store(context.Background(), newBlobs(t), cdr.TenantID{}, bytes.NewReader(head), Expect{Length: -1}); !errors.Is(err, cdr.ErrNoTenant) {
		t.Errorf("Store for no tenant = %v", err)
	}
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

type neverEnding byte

func (b neverEnding) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

func TestPermanent(t *testing.T) {
	perm := map[string]bool{ReasonHTTP404: true, ReasonHTTP403: true, ReasonHTTP410: true,
		ReasonNotMedia: true, ReasonTooLarge: true, ReasonBadURL: true, ReasonAddress: true}
	for _, r := range Reasons {
		err := error(&Error{Reason: r})
		if got := Permanent(err); got != perm[r] {
			t.Errorf("Permanent(%s) = %v", r, got)
		}
	}
	if Permanent(errors.New("x")) || Permanent(nil) {
		t.Error("Permanent of a non-*Error")
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"https://user:pw@rec.example.com/a/b.mp3?sign=SECRET&x=1#f": "https://rec.example.com/a/b.mp3",
		"http://h:8080/x.wav":       "http://h:8080/x.wav",
		"://bad?sign=SECRET":        "://bad",
		"https://h/%zz?sign=SECRET": "https://h/%zz",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}
