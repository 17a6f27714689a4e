package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/ingest"
)

// fakeClock advances only when told.
type fakeClock struct{ t time.Time }

func newFakeClock() *fakeClock           { return &fakeClock{t: time.Unix(1700000000, 0)} }
func (c *fakeClock) now() time.Time      { return c.t }
func (c *fakeClock) add(d time.Duration) { c.t = c.t.Add(d) }

// lastDrawn returns the progress line on the screen.
func lastDrawn(b *bytes.Buffer) string {
	s := strings.Split(b.String(), "\r")
	return strings.TrimSuffix(s[len(s)-1], "\x1b[K")
}

// countDraws counts the redraws so far.
func countDraws(b *bytes.Buffer) int { return strings.Count(b.String(), "\x1b[K") }

func TestProgressImport(t *testing.T) {
	var out bytes.Buffer
	clk := newFakeClock()
	p := newProgress(&out, true, clk.now, "import", true)
	p.total = 100 << 20

	p.update(10, 1<<20) // too early: nothing drawn
	if out.Len() != 0 {
		t.Fatalf("drawn before %v: %q", redrawEvery, out.String())
	}
	clk.add(time.Second)
	p.update(5000, 25<<20)
	if got, want := lastDrawn(&out), "import: 5000 records, 5000/s, 25.0 MiB of 100.0 MiB (25%), 3s left"; got != want {
		t.Errorf("line %q, want %q", got, want)
	}
	n := countDraws(&out)
	clk.add(100 * time.Millisecond)
	p.update(5100, 26<<20)
	if countDraws(&out) > n {
		t.Error("redrawn within 100 ms")
	}
	clk.add(100 * time.Millisecond)
	p.update(6000, 30<<20)
	if countDraws(&out) == n {
		t.Error("not redrawn after 200 ms")
	}

	p.printf("a.ndjson:3: start_at: required\n")
	if !strings.HasSuffix(out.String(), "\r\x1b[Ka.ndjson:3: start_at: required\n") {
		t.Errorf("an error line is not written on a cleared line: %q", out.String())
	}
	clk.add(time.Second)
	p.finish("6000 records: 6000 inserted, 0 updated, 0 unchanged (0 stale), 0 rejected", 6000)
	if !strings.HasSuffix(out.String(), "import: 6000 records: 6000 inserted, 0 updated, 0 unchanged (0 stale), 0 rejected in 2.2s (2727/s)\n") {
		t.Errorf("summary: %q", out.String())
	}
}

func TestProgressLines(t *testing.T) {
	tests := []struct {
		name      string
		bytes     bool
		total     int64
		done, pos int64
		want      string
	}{
		{"stdin", true, -1, 1234, 3 << 20, "import: 1234 records, 617/s, 3.0 MiB read"},
		{"export with count", false, 10000, 2500, 2500, "export: 2500 of 10000 records (25%), 1250/s, 6s left"},
		{"export without count", false, -1, 2500, 2500, "export: 2500 records, 1250/s"},
		{"export done", false, 2500, 2500, 2500, "export: 2500 of 2500 records (100%), 1250/s"},
		{"empty file", true, 0, 0, 0, "import: 0 records, 0/s, 0.0 MiB read"},
		{"first half second", false, 10000, 1, 1, "export: 1 of 10000 records (0%)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newFakeClock()
			p := newProgress(&bytes.Buffer{}, true, clk.now, map[bool]string{true: "import", false: "export"}[tt.bytes], tt.bytes)
			p.total = tt.total
			if tt.done > 1 || tt.bytes {
				clk.add(2 * time.Second)
			} else {
				clk.add(500 * time.Millisecond)
			}
			if got := p.line(tt.done, tt.pos, clk.now()); got != tt.want {
				t.Errorf("%q, want %q", got, tt.want)
			}
		})
	}
}

// Not on a terminal: only the summary line.
func TestProgressNotTerminal(t *testing.T) {
	var out bytes.Buffer
	clk := newFakeClock()
	p := newProgress(&out, false, clk.now, "export", false)
	p.total = 10
	for i := range 10 {
		clk.add(time.Second)
		p.update(int64(i), int64(i))
	}
	clk.add(800 * time.Millisecond)
	p.finish("10 records", 10)
	if got, want := out.String(), "export: 10 records in 10.8s (1/s)\n"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
}

func TestProgressSync(t *testing.T) {
	var out bytes.Buffer
	clk := newFakeClock()
	p := newSyncProgress(&out, true, clk.now, "acme/tencent_ccc")
	clk.add(300 * time.Millisecond)
	p.update(ingest.Progress{Windows: 1, Pages: 3, Records: 250})
	if got, want := lastDrawn(&out), "sync acme/tencent_ccc: 1 windows, 3 pages, 250 records"; got != want {
		t.Errorf("line %q, want %q", got, want)
	}
	clk.add(2 * time.Second)
	p.update(ingest.Progress{Windows: 4, Pages: 50, Records: 4600})
	if got, want := lastDrawn(&out), "sync acme/tencent_ccc: 4 windows, 50 pages, 4600 records, 2000 records/s"; got != want {
		t.Errorf("line %q, want %q", got, want)
	}
	p.clear()
	if !strings.HasSuffix(out.String(), "\r\x1b[K") {
		t.Errorf("the line is not cleared: %q", out.String())
	}
	var quiet bytes.Buffer
	q := newSyncProgress(&quiet, false, clk.now, "acme/tencent_ccc")
	clk.add(time.Second)
	q.update(ingest.Progress{Windows: 1})
	if quiet.Len() != 0 {
		t.Errorf("drawn off a terminal: %q", quiet.String())
	}
}
