package console

import (
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/ingest"
)

// usedKeys are the English strings the console shows: {{t "…"}} in the
// templates, msg("…") in the code, and the enum values it translates.
func usedKeys(t *testing.T) map[string]bool {
	t.Helper()
	keys := map[string]bool{}
	tkey := regexp.MustCompile(`\bt "((?:[^"\\]|\\.)*)"`)
	err := fs.WalkDir(templateFiles, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(templateFiles, p)
		for _, m := range tkey.FindAllStringSubmatch(string(b), -1) {
			keys[m[1]] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	mkey := regexp.MustCompile(`\bmsg\("((?:[^"\\]|\\.)*)"`)
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for line := range strings.Lines(string(b)) {
			if strings.HasPrefix(strings.TrimSpace(line), "//") {
				continue
			}
			for _, m := range mkey.FindAllStringSubmatch(line, -1) {
				keys[strings.ReplaceAll(m[1], `\"`, `"`)] = true
			}
		}
	}
	for _, vs := range [][]string{strs(cdr.Channels), strs(cdr.Directions), strs(cdr.Dispositions), strs(cdr.HangupBys), strs(cdr.RunOutcomes),
		{ingest.StateIdle, ingest.StateRunning, ingest.StateFailed, ingest.StateStopped}} {
		for _, v := range vs {
			keys[v] = true
		}
	}
	return keys
}

func strs[E ~string](es []E) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = string(e)
	}
	return out
}

// TestCatalogue: the Chinese catalogue has every key the console uses,
// and none it does not; each translation has the verbs of its key.
func TestCatalogue(t *testing.T) {
	used := usedKeys(t)
	if len(used) < 150 {
		t.Fatalf("only %d keys found: the scan is broken", len(used))
	}
	var missing, unused []string
	for k := range used {
		if _, ok := catalogZH[k]; !ok {
			missing = append(missing, k)
		}
	}
	for k := range catalogZH {
		if !used[k] {
			unused = append(unused, k)
		}
	}
	slices.Sort(missing)
	slices.Sort(unused)
	if len(missing) > 0 {
		t.Errorf("untranslated: %q", missing)
	}
	if len(unused) > 0 {
		t.Errorf("translated but not used: %q", unused)
	}
	verbs := regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)
	for k, zh := range catalogZH {
		if a, b := verbs.FindAllString(k, -1), verbs.FindAllString(zh, -1); !slices.Equal(a, b) {
			t.Errorf("%q: verbs %v, its translation %q has %v", k, a, zh, b)
		}
	}
}

func TestNegotiate(t *testing.T) {
	for header, want := range map[string]string{
		"":                           langEN,
		"zh-CN,zh;q=0.9,en;q=0.8":    langZH,
		"en-US,en;q=0.9,zh-CN;q=0.8": langEN,
		"zh-TW":                      langEN,
		"zh-Hans-CN":                 langZH,
		"fr-FR, zh;q=0.5":            langZH,
		"en;q=0.2, zh-SG;q=0.9":      langZH,
		"garbage;;;,":                langEN,
	} {
		if got := negotiate(header); got != want {
			t.Errorf("negotiate(%q) = %s, want %s", header, got, want)
		}
	}
}

// TestChinesePages: signed in from a Chinese browser, every page is in
// Chinese: no text or attribute of it is an English string of the
// interface; switching the language on a page keeps it for the session.
func TestChinesePages(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Sync = &fakeSync{} })
	at := time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC)
	e.put(acme, record("zh-1", at, func(r *cdr.Record) {
		r.Participants = []cdr.Participant{{Seq: 1, Role: cdr.RoleAgent, ID: "a1", StartAt: &r.StartAt, AnswerAt: r.AnswerAt, EndAt: r.EndAt}}
		r.Recordings = []cdr.Recording{{URL: "https://vendor.example/a.mp3"}}
		hold := int64(12)
		r.HoldS = &hold
	}))
	id := e.idOf(acme, "zh-1")
	b := e.browser()
	get := func(path string) string {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
		req.Header.Set("Accept-Language", "zh-CN,zh;q=0.9,en;q=0.5")
		resp, page := b.do(req)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		return page
	}
	english := map[string]bool{}
	for k := range usedKeys(t) {
		if zh, ok := catalogZH[k]; ok && zh != k && !strings.Contains(k, "%") {
			english[k] = true
		}
	}
	textNode := regexp.MustCompile(`>([^<>]+)<`)
	attr := regexp.MustCompile(`(?:placeholder|title|aria-label)="([^"]+)"`)
	check := func(path, page string) {
		t.Helper()
		if !strings.Contains(page, `<html lang="zh-Hans">`) {
			t.Errorf("%s: not marked zh-Hans", path)
		}
		for _, re := range []*regexp.Regexp{textNode, attr} {
			for _, m := range re.FindAllStringSubmatch(page, -1) {
				if s := strings.TrimSpace(m[1]); english[s] {
					t.Errorf("%s: %q is not translated", path, s)
				}
			}
		}
	}
	check("/console/sign-in", get("/console/sign-in"))
	// Sign in from the Chinese browser.
	_, page := b.get("/console/sign-in")
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/console/sign-in",
		strings.NewReader(url.Values{"token": {acmeToken}, "csrf": {csrf(t, page)}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept-Language", "zh-CN")
	if resp, _ := b.do(req); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", resp.StatusCode)
	}
	for _, p := range []string{"/console/search?from=2026-12-01T00:00:00Z", "/console/records/" + id, "/console/sync",
		"/console/dashboard?from=2026-12-01T00%3A00%3A00%2B08%3A00&interval=1d&sl_threshold=20&to=2026-12-04T00%3A00%3A00%2B08%3A00"} {
		check(p, get(p))
	}
	// The switch: English for the rest of the session, whatever the
	// browser says.
	page = get("/console/sync")
	resp, _ := b.post("/console/lang", url.Values{"csrf": {csrf(t, page)}, "lang": {"en"}, "back": {"/console/sync"}})
	if resp.StatusCode != http.StatusSeeOther || location(resp) != "/console/sync" {
		t.Fatalf("switch: %d to %q", resp.StatusCode, location(resp))
	}
	if page := get("/console/sync"); !strings.Contains(page, `<html lang="en">`) || !strings.Contains(page, "Sync and archive") {
		t.Errorf("after switching to English, the page is not in English")
	}
	// The switch refuses another site's page to go back to, and a form
	// without its token.
	resp, _ = b.post("/console/lang", url.Values{"csrf": {csrf(t, page)}, "lang": {"zh"}, "back": {"//evil.example/"}})
	if location(resp) != "/console/search" {
		t.Errorf("back to %q", location(resp))
	}
	if resp, _ := b.post("/console/lang", url.Values{"lang": {"zh"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("switch without csrf: %d", resp.StatusCode)
	}
}
