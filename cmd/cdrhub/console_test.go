package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cdrhub/cdrhub/internal/browsertest"
)

// demoConsole starts serve --demo in a new directory, stopped when the
// test ends, and returns the console's address and the token it prints.
func demoConsole(t *testing.T) (consoleURL, token string) {
	t.Helper()
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", "--demo", "--listen", "127.0.0.1:0")
	cmd.Dir = t.TempDir()
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "TZ=UTC"}
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	tokenRE := regexp.MustCompile(`^\s*token:\s+(\S+)$`)
	consoleRE := regexp.MustCompile(`^\s*console: (http://\S+/console/) \(sign in with the token above\)$`)
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if m := tokenRE.FindStringSubmatch(sc.Text()); m != nil {
			token = m[1]
		}
		if m := consoleRE.FindStringSubmatch(sc.Text()); m != nil {
			go io.Copy(io.Discard, stdout)
			if token == "" {
				t.Fatal("the demo printed the console's address before a token")
			}
			return m[1], token
		}
	}
	t.Fatal("the demo printed no console address")
	return "", ""
}

// signIn opens the console's printed address and signs in with the
// printed token, as a newcomer would.
func signIn(t *testing.T, ctx context.Context, consoleURL, token string) {
	t.Helper()
	browsertest.Do(t, ctx, "sign in", chromedp.Navigate(consoleURL), chromedp.WaitVisible(chromedp.CSS("#sign-in")),
		chromedp.SendKeys(chromedp.CSS("#token"), token), chromedp.Submit(chromedp.CSS("#sign-in")),
		chromedp.WaitVisible(chromedp.CSS("#records")))
}

// TestDemoConsole answers, in the demo's console and a real browser,
// "which calls did we miss yesterday, who called, and what did they
// hear": sign in with what serve --demo prints, yesterday's missed calls,
// one of them, and a call whose recording plays.
func TestDemoConsole(t *testing.T) {
	if raceEnabled {
		t.Skip("browser tests skip under the race detector")
	}
	ctx := browsertest.Start(t, 1280, 900, 90*time.Second)
	consoleURL, token := demoConsole(t)
	signIn(t, ctx, consoleURL, token)
	browsertest.Do(t, ctx, "yesterday's missed calls",
		chromedp.Click(chromedp.CSS(`.ranges a:nth-child(2)`)), chromedp.WaitVisible(chromedp.CSS(`.ranges a:nth-child(2)[aria-current]`)),
		chromedp.Click(chromedp.CSS("#missed")), chromedp.WaitVisible(chromedp.CSS(`#missed[aria-current]`)))
	rows := browsertest.Eval[[]map[string]string](t, ctx, `[...document.querySelectorAll("#records tbody tr")].map(tr => ({
		caller: tr.children[3].textContent, disposition: tr.children[8].textContent, href: tr.querySelector("a").href}))`)
	if len(rows) == 0 {
		t.Fatal("the demo has no missed call yesterday")
	}
	for _, r := range rows {
		if r["caller"] == "" || !strings.Contains("abandoned no_agent no_answer voicemail", r["disposition"]) {
			t.Errorf("a missed call %v", r)
		}
	}
	browsertest.Do(t, ctx, "a missed call", chromedp.Navigate(rows[0]["href"]), chromedp.WaitVisible(chromedp.CSS("#events")))
	events := browsertest.Eval[[]string](t, ctx, `[...document.querySelectorAll("#events li")].map(li => li.dataset.kind)`)
	if len(events) < 2 || events[0] != "start" || !strings.Contains(strings.Join(events, " "), "end") {
		t.Errorf("the missed call's events %v", events)
	}
	// A call with a recording: its archived copy plays.
	browsertest.Do(t, ctx, "calls with a recording", chromedp.Click(chromedp.CSS(`.back a`)), chromedp.WaitVisible(chromedp.CSS("#search")),
		chromedp.Click(chromedp.CSS(`.ranges a:nth-child(3)`)), chromedp.WaitVisible(chromedp.CSS(`.ranges a:nth-child(3)[aria-current]`)))
	q := browsertest.Eval[string](t, ctx, `location.search`)
	browsertest.Do(t, ctx, "a call with a recording", chromedp.Navigate(strings.TrimSuffix(consoleURL, "/console/")+"/console/search"+q+"&has_recording=true"),
		chromedp.WaitVisible(chromedp.CSS("#records")), chromedp.Click(chromedp.CSS("#records tbody tr a")), chromedp.WaitVisible(chromedp.CSS("#files")))
	duration, err := chromedp.Run(ctx, chromedp.PollFunction[float64](`() => { const a = document.querySelector("#files audio"); return a && a.readyState >= 1 ? a.duration : 0 }`,
		chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil || duration <= 0 {
		t.Fatalf("the demo's recording does not play: %v %v", duration, err)
	}
}

// TestConsoleScreenshots writes the README's screenshots of the demo's
// console (search, interaction, dashboard), desktop and phone width, into
// the directory named by
// CDRHUB_SCREENSHOTS:
//
//	CDRHUB_SCREENSHOTS=$PWD/docs/screenshots go test ./cmd/cdrhub -run TestConsoleScreenshots
func TestConsoleScreenshots(t *testing.T) {
	dir := os.Getenv("CDRHUB_SCREENSHOTS")
	if dir == "" {
		t.Skip("CDRHUB_SCREENSHOTS names no directory")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	consoleURL, token := demoConsole(t)
	for _, size := range []struct {
		name          string
		width, height int
	}{{"desktop", 1440, 900}, {"phone", 390, 844}} {
		ctx := browsertest.Start(t, size.width, size.height, 90*time.Second)
		// The window has a least width; the viewport is the phone's.
		browsertest.Do(t, ctx, "viewport", chromedp.EmulateViewport(int64(size.width), int64(size.height)))
		signIn(t, ctx, consoleURL, token)
		shot := func(name string) {
			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name+"-"+size.name+".png"), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		browsertest.Do(t, ctx, "yesterday's missed calls",
			chromedp.Click(chromedp.CSS(`.ranges a:nth-child(2)`)), chromedp.WaitVisible(chromedp.CSS(`.ranges a:nth-child(2)[aria-current]`)),
			chromedp.Click(chromedp.CSS("#missed")), chromedp.WaitVisible(chromedp.CSS(`#missed[aria-current]`)))
		shot("search")
		browsertest.Do(t, ctx, "a call", chromedp.Click(chromedp.CSS(`.ranges a:nth-child(3)`)), chromedp.WaitVisible(chromedp.CSS(`.ranges a:nth-child(3)[aria-current]`)))
		q := browsertest.Eval[string](t, ctx, `location.search.replace(/&?(direction|disposition)=[^&]*/g, "")`)
		browsertest.Do(t, ctx, "a call with a recording", chromedp.Navigate(strings.TrimSuffix(consoleURL, "/console/")+"/console/search"+q+"&has_recording=true&direction=inbound&queue=Tier2"),
			chromedp.WaitVisible(chromedp.CSS("#records")), chromedp.Click(chromedp.CSS("#records tbody tr a")), chromedp.WaitVisible(chromedp.CSS("#timeline")))
		shot("interaction")
		browsertest.Do(t, ctx, "the dashboard", chromedp.Navigate(strings.TrimSuffix(consoleURL, "/console/")+"/console/dashboard"),
			chromedp.WaitVisible(chromedp.CSS(".ranges a:nth-child(4)")), chromedp.Click(chromedp.CSS(".ranges a:nth-child(4)")),
			chromedp.WaitVisible(chromedp.CSS(`.ranges a:nth-child(4)[aria-current]`)))
		shot("dashboard")
	}
}
