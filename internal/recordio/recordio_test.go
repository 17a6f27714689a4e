package recordio

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/google/go-cmp/cmp"
)

// item is what one call to Next gave: a record, a per-line error (code) or
// a terminal error (code, or "eof").
type item struct {
	N    int
	Raw  string
	Code string
}

// readAll drains rd into items, ending with the terminal error or eof.
func readAll(t *testing.T, rd *Reader) []item {
	t.Helper()
	var out []item
	for i := 0; ; i++ {
		if i > 10000 {
			t.Fatal("the reader does not end")
		}
		l, err := rd.Next()
		var le *LineError
		switch {
		case err == io.EOF:
			return append(out, item{Code: "eof"})
		case errors.As(err, &le):
			if le.Line != l.N || le.Message == "" {
				t.Errorf("line error %+v for line %d", le, l.N)
			}
			out = append(out, item{N: l.N, Code: le.Code})
		case err != nil:
			out = append(out, item{Code: cdr.ErrorCode(err)})
			if _, again := rd.Next(); again != err {
				t.Errorf("terminal error not sticky: %v then %v", err, again)
			}
			return out
		default:
			out = append(out, item{N: l.N, Raw: string(l.Raw)})
		}
	}
}

func TestReader(t *testing.T) {
	long := `{"note":"` + strings.Repeat("x", 100) + `"}`
	huge := `{"note":"` + strings.Repeat("x", 2*arraySlack) + `"}`
	tests := []struct {
		name    string
		kind    Kind
		maxLine int
		in      string
		want    []item
	}{
		{"array", Array, 0, `[{"a":1}, {"b":[1,2]} ,{}]`,
			[]item{{1, `{"a":1}`, ""}, {2, `{"b":[1,2]}`, ""}, {3, `{}`, ""}, {Code: "eof"}}},
		{"pretty array", Array, 0, "[\n  {\n    \"a\": 1\n  },\n  {\"b\": 2}\n]\n",
			[]item{{1, "{\n    \"a\": 1\n  }", ""}, {2, `{"b": 2}`, ""}, {Code: "eof"}}},
		{"empty array", Array, 0, " [ ] ", []item{{Code: "eof"}}},
		{"array with BOM", Array, 0, "\xef\xbb\xbf[{}]", []item{{1, `{}`, ""}, {Code: "eof"}}},
		{"array of non-objects", Array, 0, `[1,"x",null]`,
			[]item{{1, `1`, ""}, {2, `"x"`, ""}, {3, `null`, ""}, {Code: "eof"}}},
		{"object is not an array", Array, 0, `{"a":1}`, []item{{Code: "invalid"}}},
		{"empty input as array", Array, 0, ``, []item{{Code: "invalid"}}},
		{"malformed element mid-stream", Array, 0, `[{"a":1},{"b":},{"c":3}]`,
			[]item{{1, `{"a":1}`, ""}, {Code: "invalid"}}},
		{"missing comma", Array, 0, `[{} {}]`, []item{{1, `{}`, ""}, {Code: "invalid"}}},
		{"unterminated", Array, 0, `[{},`, []item{{1, `{}`, ""}, {Code: "invalid"}}},
		{"trailing data", Array, 0, `[{}] []`, []item{{1, `{}`, ""}, {Code: "invalid"}}},
		{"element too large", Array, 64, `[{},` + strings.Repeat(" ", 10) + huge + strings.Repeat(`,{"a":1}`, 1000) + `]`,
			[]item{{1, `{}`, ""}, {Code: "too_large"}}},
		{"element a little over", Array, 64, `[{},` + long + `]`, // the decoder's slack; Decode rejects it
			[]item{{1, `{}`, ""}, {2, long, ""}, {Code: "eof"}}},
		{"ndjson", NDJSON, 0, "{\"a\":1}\n{\"b\":2}\n", []item{{1, `{"a":1}`, ""}, {2, `{"b":2}`, ""}, {Code: "eof"}}},
		{"blank lines", NDJSON, 0, "\n  \n{\"a\":1}\n\n\t\n{\"b\":2}\n\n", []item{{3, `{"a":1}`, ""}, {6, `{"b":2}`, ""}, {Code: "eof"}}},
		{"CRLF", NDJSON, 0, "{\"a\":1}\r\n\r\n{\"b\":2}\r\n", []item{{1, `{"a":1}`, ""}, {3, `{"b":2}`, ""}, {Code: "eof"}}},
		{"BOM", NDJSON, 0, "\xef\xbb\xbf{\"a\":1}\n{}", []item{{1, `{"a":1}`, ""}, {2, `{}`, ""}, {Code: "eof"}}},
		{"no final newline", NDJSON, 0, "{}\n{\"b\":2}", []item{{1, `{}`, ""}, {2, `{"b":2}`, ""}, {Code: "eof"}}},
		{"malformed lines are the decoder's", NDJSON, 0, "{}\n{\"a\":\n[1]\n{}\n",
			[]item{{1, `{}`, ""}, {2, `{"a":`, ""}, {3, `[1]`, ""}, {4, `{}`, ""}, {Code: "eof"}}},
		{"too long lines are skipped", NDJSON, 64, "{}\n" + long + "\n{\"b\":2}\n" + long,
			[]item{{1, `{}`, ""}, {N: 2, Code: "too_large"}, {3, `{"b":2}`, ""}, {N: 4, Code: "too_large"}, {Code: "eof"}}},
		{"a line of exactly MaxLine", NDJSON, 7, "{\"a\":1}\r\n{\"ab\":1}", []item{{1, `{"a":1}`, ""}, {N: 2, Code: "too_large"}, {Code: "eof"}}},
		{"empty input", NDJSON, 0, "", []item{{Code: "eof"}}},
		{"auto array", Auto, 0, "\r\n\t [{}]", []item{{1, `{}`, ""}, {Code: "eof"}}},
		{"auto ndjson keeps line numbers", Auto, 0, "\n\n  \n {}\n{}", []item{{4, `{}`, ""}, {5, `{}`, ""}, {Code: "eof"}}},
		{"auto with BOM", Auto, 0, "\xef\xbb\xbf [{}]", []item{{1, `{}`, ""}, {Code: "eof"}}},
		{"auto empty", Auto, 0, "", []item{{Code: "eof"}}},
	}
	for _, tt := range tests {
		for _, small := range []bool{false, true} {
			name := tt.name
			if small {
				name += " one byte at a time"
			}
			t.Run(name, func(t *testing.T) {
				var rd *Reader
				if small {
					rd = newReaderSize(iotest.OneByteReader(strings.NewReader(tt.in)), tt.kind, 16)
				} else {
					rd = NewReader(strings.NewReader(tt.in), tt.kind)
				}
				rd.MaxLine = tt.maxLine
				if diff := cmp.Diff(tt.want, readAll(t, rd)); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			})
		}
	}
}

func TestReaderKind(t *testing.T) {
	for in, want := range map[string]Kind{"[]": Array, " \n[": Array, "{}": NDJSON, "": NDJSON, "x": NDJSON} {
		rd := NewReader(strings.NewReader(in), Auto)
		rd.Next()
		if rd.Kind() != want {
			t.Errorf("%q: kind %v, want %v", in, rd.Kind(), want)
		}
	}
}

// The bytes of a returned line stay valid after later reads.
func TestReaderLinesAreCopies(t *testing.T) {
	in := strings.Repeat("{\"a\":\"0123456789\"}\n", 100)
	for _, kind := range []Kind{NDJSON, Array} {
		src := in
		if kind == Array {
			src = "[" + strings.ReplaceAll(strings.TrimSuffix(in, "\n"), "\n", ",") + "]"
		}
		rd := newReaderSize(strings.NewReader(src), kind, 16)
		var lines []Line
		for {
			l, err := rd.Next()
			if err != nil {
				break
			}
			lines = append(lines, l)
		}
		if len(lines) != 100 {
			t.Fatalf("%v: %d lines", kind, len(lines))
		}
		for _, l := range lines {
			if string(l.Raw) != `{"a":"0123456789"}` {
				t.Fatalf("%v: line %d changed to %q", kind, l.N, l.Raw)
			}
		}
	}
}

func TestReaderReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	for _, kind := range []Kind{NDJSON, Array, Auto} {
		in := io.MultiReader(strings.NewReader("[{},\n{}\n"), iotest.ErrReader(boom))
		if kind == NDJSON {
			in = io.MultiReader(strings.NewReader("{}\n{}\n"), iotest.ErrReader(boom))
		}
		rd := NewReader(in, kind)
		var err error
		for err == nil {
			_, err = rd.Next()
		}
		if !errors.Is(err, boom) {
			t.Errorf("%v: %v, want the read error", kind, err)
		}
	}
}

// gen produces n records as NDJSON or a JSON array without holding them.
type gen struct {
	n, i  int
	array bool
	buf   []byte
	done  bool
}

func (g *gen) Read(p []byte) (int, error) {
	for len(g.buf) == 0 {
		switch {
		case g.done:
			return 0, io.EOF
		case g.i == 0 && g.array && g.buf == nil:
			g.buf = []byte("[")
			continue
		case g.i == g.n:
			g.done = true
			if g.array {
				g.buf = []byte("]\n")
			}
			continue
		}
		sep := "\n"
		if g.array {
			sep = ",\n"
			if g.i == g.n-1 {
				sep = "\n"
			}
		}
		g.buf = fmt.Appendf(g.buf[:0], `{"channel":"voice","source":"native","source_id":"gen-%d","start_at":%d,"caller":{"address":"+86139%08d"},"note":"%s"}%s`,
			g.i, 1700000000000+int64(g.i), g.i, strings.Repeat("n", 120), sep)
		g.i++
	}
	n := copy(p, g.buf)
	g.buf = g.buf[n:]
	return n, nil
}

// heapAlloc returns the live heap after a collection.
func heapAlloc() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// 200k records (about 50 MB) stream through Next with a small heap.
func TestReaderBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("large input")
	}
	const n = 200_000
	const bound = 16 << 20
	for _, array := range []bool{false, true} {
		base := heapAlloc()
		rd := NewReader(&gen{n: n, array: array}, Auto)
		count, peak := 0, uint64(0)
		for {
			l, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("array=%v: %v", array, err)
			}
			if count++; l.N != count {
				t.Fatalf("array=%v: line %d, want %d", array, l.N, count)
			}
			if count%20_000 == 0 {
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				peak = max(peak, m.HeapAlloc)
			}
		}
		if count != n {
			t.Errorf("array=%v: %d records, want %d", array, count, n)
		}
		t.Logf("array=%v: peak %d KiB base %d KiB", array, peak>>10, base>>10)
		if peak > base+bound {
			t.Errorf("array=%v: heap reached %d MiB over a base of %d MiB", array, (peak-base)>>20, base>>20)
		}
	}
}

// A 64 MiB line is skipped without being buffered.
func TestReaderHugeLineSkipped(t *testing.T) {
	const size = 64 << 20
	huge := io.MultiReader(strings.NewReader("{}\n{\"note\":\""), &repeat{b: 'x', n: size}, strings.NewReader("\"}\n{\"a\":1}\n"))
	base := heapAlloc()
	rd := NewReader(huge, NDJSON)
	var got []item
	for {
		l, err := rd.Next()
		if err == io.EOF {
			break
		}
		var le *LineError
		if errors.As(err, &le) {
			got = append(got, item{N: l.N, Code: le.Code})
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > base+8<<20 {
				t.Errorf("heap grew by %d MiB for a skipped line", (m.HeapAlloc-base)>>20)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, item{N: l.N, Raw: string(l.Raw)})
	}
	want := []item{{1, "{}", ""}, {N: 2, Code: "too_large"}, {3, `{"a":1}`, ""}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// repeat yields n copies of b.
type repeat struct {
	b byte
	n int
}

func (r *repeat) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	k := min(len(p), r.n)
	for i := range k {
		p[i] = r.b
	}
	r.n -= k
	return k, nil
}
