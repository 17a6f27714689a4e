package recordings

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/cdrhub/cdrhub/internal/blob"
	"github.com/cdrhub/cdrhub/internal/cdr"
)

// Expect is what a file is checked against as it is stored.
type Expect struct {
	// Length is the declared length (a Content-Length): the file must
	// have exactly that many bytes. Negative: unknown.
	Length int64
	// MaxBytes bounds the file's size; 0 is no bound.
	MaxBytes int64
	// Transcript: the file is a transcript (text or JSON), not audio.
	Transcript bool
}

// bufSize is the size of Store's copy buffer: the only part of a file in
// memory at once.
const bufSize = 32 << 10

// Store streams r into blobs as a file of tenant t, computing its SHA-256
// and checking it against want: not empty, Length bytes when that is
// known, at most MaxBytes (refused as soon as it is exceeded), and of an
// acceptable media type, sniffed from its first SniffLen bytes (audio or
// video for a recording, text or JSON for a transcript; refused as soon as
// they are read). It commits the file under blob.Key(t, its SHA-256) and
// returns what it stored, At being the time of the commit. A file that
// fails a check is not stored and the error is an *Error; an error of
// blobs or of ctx is returned as it is.
func Store(ctx context.Context, blobs blob.Store, t cdr.TenantID, r io.Reader, want Expect) (cdr.StoredFile, error) {
	if t.IsZero() {
		return cdr.StoredFile{}, cdr.ErrNoTenant
	}
	if want.MaxBytes > 0 && want.Length > want.MaxBytes {
		return cdr.StoredFile{}, newError(ReasonTooLarge,
			fmt.Sprintf("declared %d bytes, more than the bound of %d", want.Length, want.MaxBytes), nil)
	}
	w, err := blobs.Create(ctx)
	if err != nil {
		return cdr.StoredFile{}, err
	}
	defer w.Abort()

	h := sha256.New()
	buf := make([]byte, bufSize)
	var (
		n    int64  // bytes read
		head []byte // the first SniffLen bytes, until sniffed
		ct   string // sniffed
	)
	sniff := func() error {
		var other string
		if want.Transcript {
			ct, other = sniffTranscript(head)
		} else {
			ct, other = sniffAudio(head)
		}
		if ct == "" {
			what := "audio"
			if want.Transcript {
				what = "a transcript"
			}
			return newError(ReasonNotMedia, fmt.Sprintf("%s, not %s", other, what), nil)
		}
		head = nil
		return nil
	}
	for {
		if err := ctx.Err(); err != nil {
			return cdr.StoredFile{}, err
		}
		m, rerr := r.Read(buf)
		if m > 0 {
			n += int64(m)
			switch {
			case want.MaxBytes > 0 && n > want.MaxBytes:
				return cdr.StoredFile{}, newError(ReasonTooLarge,
					fmt.Sprintf("more than the bound of %d bytes", want.MaxBytes), nil)
			case want.Length >= 0 && n > want.Length:
				return cdr.StoredFile{}, newError(ReasonLengthMismatch,
					fmt.Sprintf("more than the declared %d bytes", want.Length), nil)
			}
			if ct == "" {
				head = append(head, buf[:min(m, SniffLen-len(head))]...)
				if len(head) == SniffLen {
					if err := sniff(); err != nil {
						return cdr.StoredFile{}, err
					}
				}
			}
			h.Write(buf[:m])
			if _, err := w.Write(buf[:m]); err != nil {
				return cdr.StoredFile{}, err
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			if cerr := ctx.Err(); cerr != nil && errors.Is(rerr, cerr) {
				return cdr.StoredFile{}, rerr
			}
			return cdr.StoredFile{}, readError(rerr)
		}
	}
	switch {
	case n == 0:
		return cdr.StoredFile{}, newError(ReasonEmpty, "no byte", nil)
	case want.Length >= 0 && n < want.Length:
		return cdr.StoredFile{}, newError(ReasonTruncated,
			fmt.Sprintf("%d bytes of the declared %d", n, want.Length), nil)
	}
	if ct == "" {
		if err := sniff(); err != nil {
			return cdr.StoredFile{}, err
		}
	}
	sum := hex.EncodeToString(h.Sum(nil))
	key, err := blob.Key(t, sum)
	if err != nil {
		return cdr.StoredFile{}, err
	}
	if err := w.Commit(ctx, key); err != nil {
		return cdr.StoredFile{}, err
	}
	return cdr.StoredFile{Key: key, Bytes: n, SHA256: sum, ContentType: ct, At: time.Now().UnixMilli()}, nil
}
