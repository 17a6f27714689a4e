// Package browsertest starts Debian's chromium, headless, for the tests
// that drive the console in a real browser (chromedp), and only for them:
// no package of the service imports it.
//
// Without chromium a test skips, unless CDRHUB_TEST_BROWSER_REQUIRED=1
// (CI), which makes that a failure. A failing test leaves a screenshot of
// the page in the temporary directory and logs where.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// EnvRequired names the variable that makes a missing chromium a failure.
const EnvRequired = "CDRHUB_TEST_BROWSER_REQUIRED"

// Path finds chromium, or skips t (fails it when required).
func Path(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no chromium on PATH: the console's browser tests need Debian's chromium package (apt-get install chromium)"
	if os.Getenv(EnvRequired) == "1" {
		t.Fatalf("%s, and %s=1", msg, EnvRequired)
	}
	t.Skip(msg)
	return ""
}

// Start starts a headless chromium with a window of width × height for t,
// stopped when t ends, and returns its tab's context, which times out
// after timeout.
func Start(t testing.TB, width, height int, timeout time.Duration) context.Context {
	t.Helper()
	path := Path(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.WindowSize(width, height),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.Flag("hide-scrollbars", true), chromedp.UserDataDir(t.TempDir()))
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // chromium refuses its sandbox as root
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	t.Cleanup(func() {
		if t.Failed() {
			if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
				name := filepath.Join(os.TempDir(), "cdrhub-"+regexp.MustCompile(`\W+`).ReplaceAllString(t.Name(), "-")+".png")
				if os.WriteFile(name, png, 0o644) == nil {
					t.Logf("screenshot of the page: %s", name)
				}
			}
		}
		cancelTimeout()
		cancel()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("starting %s: %v", path, err)
	}
	return ctx
}

// Do runs actions in ctx's tab, failing t with what on an error.
func Do(t testing.TB, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// Eval evaluates js in ctx's tab (awaiting a promise) and returns its
// value, failing t on an error.
func Eval[T any](t testing.TB, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}
