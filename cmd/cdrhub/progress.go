package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// redrawEvery is the shortest time between two redraws of the progress line.
const redrawEvery = 200 * time.Millisecond

// progress shows how far an import or an export is. On a terminal it
// redraws one line at most every redrawEvery; elsewhere it prints only the
// final summary.
type progress struct {
	w     io.Writer
	tty   bool
	now   func() time.Time
	verb  string // import or export
	bytes bool   // the position counts input bytes (import), else records (export)
	total int64  // the position at the end; < 0 unknown

	start, last time.Time
	drawn       bool // a progress line is on the screen
}

// newProgress starts the clock of a progress display on w.
func newProgress(w io.Writer, tty bool, now func() time.Time, verb string, bytes bool) *progress {
	t := now()
	return &progress{w: w, tty: tty, now: now, verb: verb, bytes: bytes, total: -1, start: t, last: t}
}

// isTerminal reports whether w is a character device, such as a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// update redraws the line, if it is time: done records, at position pos of
// the total (bytes read for an import, records for an export).
func (p *progress) update(done, pos int64) {
	p.redraw(func(now time.Time) string { return p.line(done, pos, now) })
}

// redraw replaces the progress line with line(now), if it is time.
func (p *progress) redraw(line func(now time.Time) string) {
	if !p.tty {
		return
	}
	now := p.now()
	if now.Sub(p.last) < redrawEvery {
		return
	}
	p.last = now
	fmt.Fprintf(p.w, "\r%s\x1b[K", line(now))
	p.drawn = true
}

// line renders the progress line. The rate and the time left appear once a
// second has passed: earlier they would only be noise.
func (p *progress) line(done, pos int64, now time.Time) string {
	elapsed := now.Sub(p.start)
	rate := ""
	if elapsed >= time.Second {
		rate = fmt.Sprintf(", %.0f/s", perSecond(done, elapsed))
	}
	var b strings.Builder
	switch {
	case p.bytes && p.total > 0:
		fmt.Fprintf(&b, "%s: %d records%s, %s of %s (%d%%)", p.verb, done, rate, mib(pos), mib(p.total), percent(pos, p.total))
	case p.bytes:
		fmt.Fprintf(&b, "%s: %d records%s, %s read", p.verb, done, rate, mib(pos))
	case p.total >= 0:
		fmt.Fprintf(&b, "%s: %d of %d records (%d%%)%s", p.verb, done, p.total, percent(pos, p.total), rate)
	default:
		fmt.Fprintf(&b, "%s: %d records%s", p.verb, done, rate)
	}
	if rate != "" && p.total > 0 && pos > 0 && pos < p.total {
		left := time.Duration(float64(elapsed) * float64(p.total-pos) / float64(pos))
		fmt.Fprintf(&b, ", %s left", left.Round(time.Second))
	}
	return b.String()
}

// clear removes the progress line so that other output can be written.
func (p *progress) clear() {
	if p.drawn {
		io.WriteString(p.w, "\r\x1b[K")
		p.drawn = false
	}
}

// printf writes a line of its own, above the progress line.
func (p *progress) printf(format string, args ...any) {
	p.clear()
	fmt.Fprintf(p.w, format, args...)
}

// elapsed is the time since the start.
func (p *progress) elapsed() time.Duration { return p.now().Sub(p.start) }

// finish replaces the progress line with the summary line, which is
// "<verb>: <what> in 9.8s (1234/s)" for n records.
func (p *progress) finish(what string, n int64) {
	p.clear()
	d := p.elapsed()
	fmt.Fprintf(p.w, "%s: %s in %.1fs (%.0f/s)\n", p.verb, what, d.Seconds(), perSecond(n, d))
}

func perSecond(n int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

func percent(pos, total int64) int64 {
	if total <= 0 {
		return 0
	}
	return min(100, pos*100/total)
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
