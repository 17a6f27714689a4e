package export

import (
	"fmt"
	"sync"

	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go/format"
)

// zstdCodec is the zstd codec of a Parquet writer (a compress.Codec of
// parquet-go). parquet-go's own pools encoders with the default 8 MiB
// window, 16 MiB of history each, which the pool drops at every garbage
// collection and makes again; a page is at most a few hundred KiB, so
// this one keeps a single encoder whose window is 1 MiB. The frames are
// the same standard zstd.
type zstdCodec struct {
	mu  sync.Mutex // Encode and Decode may be called concurrently
	enc *zstd.Encoder
	dec *zstd.Decoder // made by the first Decode
}

// zstdWindow is the window of the encoder: more than a page.
const zstdWindow = 1 << 20

func newZstdCodec() (*zstdCodec, error) {
	enc, err := zstd.NewWriter(nil,
		zstd.WithEncoderLevel(zstd.SpeedDefault),
		zstd.WithEncoderConcurrency(1),
		zstd.WithWindowSize(zstdWindow),
		zstd.WithLowerEncoderMem(true),
		zstd.WithZeroFrames(true),
		zstd.WithEncoderCRC(false),
	)
	if err != nil {
		return nil, fmt.Errorf("a zstd encoder: %w", err)
	}
	return &zstdCodec{enc: enc}, nil
}

func (c *zstdCodec) String() string { return "ZSTD" }

func (c *zstdCodec) CompressionCodec() format.CompressionCodec { return format.Zstd }

func (c *zstdCodec) Encode(dst, src []byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.enc.EncodeAll(src, dst[:0]), nil
}

func (c *zstdCodec) Decode(dst, src []byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dec == nil {
		dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return dst, fmt.Errorf("a zstd decoder: %w", err)
		}
		c.dec = dec
	}
	out, err := c.dec.DecodeAll(src, dst[:0])
	if err != nil {
		return out, fmt.Errorf("zstd: %w", err)
	}
	return out, nil
}
