package layout

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// Comments and pages cite the repository's own pages, never a document
// kept elsewhere. TestCitations reads every .go, .sql, .yaml and .md file of
// the repository (README.md, CONTRIBUTING.md, docs/*.md and the packages'
// READMEs among them), lines joined so that a citation may wrap, and
// checks the forms a citation takes:
//
//   - docs/<page>.md: the page must exist.
//   - docs/<page>.md §<n>, with further sections after it joined by ", ",
//     " and " or "–" (docs/record-model.md §3.1 and §6.4,
//     docs/wire-contracts.md §8.1–§8.3): the page must have a heading whose
//     first word is the section number <n> (digits, then dot-separated
//     digits or capital letters: 2, 1.4, 4.A), with or without a final dot
//     ("## 2. Identity", "### 1.4 Value rules"). A section may carry a
//     part in parentheses or rule names after it, which are not checked:
//     §4.A (c), §5 R2–R8.
//   - docs/<page>.md#<anchor>: a heading of the page must have that
//     anchor (lower case, punctuation dropped, spaces as hyphens).
//   - docs/<page>.md, <Heading>: when a capital letter follows the comma,
//     the text must begin with a heading of the page, or with its first
//     words and punctuation; when a quote follows it, the quoted text must
//     be part of a heading.
//   - In docs/, a Markdown link to a sibling page, [text](<page>.md) or
//     [text](<page>.md#<anchor>), possibly followed by sections as above:
//     the page, the anchor and the sections must exist.
//
// A § that follows no page is an error, except in docs/<page>.md, where it
// is a section of that page and must exist there. "record model §",
// "record-model" other than in the name docs/record-model.md,
// "api-contracts" and "contracts §" are errors wherever they appear: they
// cite the record model or the wire contracts without their pages,
// docs/record-model.md and docs/wire-contracts.md.

var (
	// section is one §<n>, with an optional part or rule names.
	section = `§[0-9]+(?:\.[0-9A-Z]+)*(?: ?\([^()§\n]{1,40}\)| R[1-8](?:[–-]R[1-8])?(?:, R[1-8])*)?`
	// sections is a list of them.
	sections   = section + `(?:(?:, and |, | and |–)` + section + `)*`
	citationRE = regexp.MustCompile(`docs/([a-z0-9][a-z0-9-]*)\.md(?:(?: ` + sections + `)|#([a-z0-9-]+)|, (["A-Z]))?`)
	bareRE     = regexp.MustCompile(sections)
	linkRE     = regexp.MustCompile(`\[[^\[\]]{0,200}\]\(([a-z0-9][a-z0-9-]*)\.md(?:#([a-z0-9-]+))?\)(?: ` + sections + `)?`)
	numberRE   = regexp.MustCompile(`§([0-9]+(?:\.[0-9A-Z]+)*)`)
	outsideRE  = regexp.MustCompile(`record model §|record-model|api-contracts|contracts §`)
	headingRE  = regexp.MustCompile(`^#{1,6}\s+(.*?)\s*$`)
	sectionRE  = regexp.MustCompile(`^([0-9]+(?:\.[0-9A-Z]+)*)\.?(?:\s|$)`)
)

// page is what a citation of a docs page is checked against.
type page struct {
	sections map[string]bool // section numbers of its headings
	anchors  map[string]bool
	titles   []string // heading texts
}

// readPage reads the headings of a Markdown page, outside code blocks.
func readPage(text string) page {
	p := page{sections: map[string]bool{}, anchors: map[string]bool{}}
	fence := false
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fence = !fence
			continue
		}
		m := headingRE.FindStringSubmatch(line)
		if fence || m == nil {
			continue
		}
		title := m[1]
		p.titles = append(p.titles, strings.ReplaceAll(title, "`", ""))
		p.anchors[anchor(title)] = true
		if n := sectionRE.FindStringSubmatch(title); n != nil {
			p.sections[n[1]] = true
		}
	}
	return p
}

// hasTitle reports whether the text after a page's name and comma names
// one of its headings: the text begins with a heading, or with the first
// words of one followed by punctuation ("Recording archive)" names
// "Recording archive (state)"), or with a quoted part of one.
func (p page) hasTitle(text string) bool {
	if quoted, ok := strings.CutPrefix(text, `"`); ok {
		quoted, _, ok = strings.Cut(quoted, `"`)
		return ok && quoted != "" && slices.ContainsFunc(p.titles, func(t string) bool { return strings.Contains(t, quoted) })
	}
	return slices.ContainsFunc(p.titles, func(t string) bool {
		if strings.HasPrefix(text, t) {
			return true
		}
		end := strings.IndexAny(text, "),;:.")
		return end > 0 && strings.HasPrefix(t, text[:end]+" ")
	})
}

// anchor is the fragment a Markdown renderer gives a heading.
func anchor(title string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(title) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// unwrap joins the lines of a file into one, each line break with the
// indentation and comment marker of the next line becoming one space, so
// that a citation broken across lines is read whole. line maps a byte of
// the result to its line in the file.
func unwrap(text, ext string) (string, []int) {
	marker := map[string]string{".go": "//", ".sql": "--", ".yaml": "#", ".yml": "#"}[ext]
	var b strings.Builder
	var line []int
	for i, l := range strings.Split(text, "\n") {
		if i > 0 {
			l = strings.TrimLeft(l, " \t")
			if marker != "" {
				l = strings.TrimLeft(strings.TrimPrefix(l, marker), " \t")
			}
			b.WriteByte(' ')
			line = append(line, i)
		}
		b.WriteString(l)
		for range len(l) {
			line = append(line, i+1)
		}
	}
	return b.String(), line
}

// checkCitations returns the problems of the citations in text, a file
// named name (slash-separated, relative to the root); pages reads a docs
// page by name ("record-model"), reporting whether it exists.
func checkCitations(name, text string, pages func(string) (page, bool)) []string {
	joined, lines := unwrap(text, filepath.Ext(name))
	var problems []string
	covered := make([]bool, len(joined)) // bytes that are part of a citation
	report := func(at int, format string, args ...any) {
		problems = append(problems, fmt.Sprintf("%s:%d: ", name, lines[at])+fmt.Sprintf(format, args...))
	}
	// checkSections checks every § of cite, at offset at, against page p.
	checkSections := func(at int, cite, pageName string, p page) {
		for _, n := range numberRE.FindAllStringSubmatch(cite, -1) {
			if !p.sections[n[1]] {
				report(at, "docs/%s.md has no section §%s (%q)", pageName, n[1], cite)
			}
		}
	}
	// checkPage checks the citation m of a page (submatch 1) with an
	// optional anchor (submatch 2), and returns the page.
	checkPage := func(m []int) (page, bool) {
		cite, pageName := joined[m[0]:m[1]], joined[m[2]:m[3]]
		p, ok := pages(pageName)
		if !ok {
			report(m[0], "no page docs/%s.md (%q)", pageName, cite)
			return p, false
		}
		checkSections(m[0], cite, pageName, p)
		if m[4] >= 0 && !p.anchors[joined[m[4]:m[5]]] {
			report(m[0], "docs/%s.md has no heading with anchor #%s", pageName, joined[m[4]:m[5]])
		}
		return p, true
	}
	cover := func(m []int) {
		for i := m[0]; i < m[1]; i++ {
			covered[i] = true
		}
	}
	own, inDocs := strings.CutPrefix(name, "docs/")
	own = strings.TrimSuffix(own, ".md")
	inDocs = inDocs && !strings.Contains(own, "/") && strings.HasSuffix(name, ".md")
	if inDocs {
		for _, m := range linkRE.FindAllStringSubmatchIndex(joined, -1) {
			cover(m)
			checkPage(m)
		}
	}
	for _, m := range citationRE.FindAllStringSubmatchIndex(joined, -1) {
		cover(m)
		if p, ok := checkPage(m); ok && m[6] >= 0 && !p.hasTitle(joined[m[6]:]) {
			report(m[0], "docs/%s.md has no heading %.40q", joined[m[2]:m[3]], joined[m[6]:])
		}
	}
	for _, m := range bareRE.FindAllStringIndex(joined, -1) {
		if covered[m[0]] {
			continue
		}
		cite := joined[m[0]:m[1]]
		if !inDocs {
			report(m[0], "%q cites no page: write docs/<page>.md %s", cite, cite)
			continue
		}
		p, _ := pages(own)
		checkSections(m[0], cite, own, p)
	}
	for _, m := range outsideRE.FindAllStringIndex(joined, -1) {
		if covered[m[0]] {
			continue // the name of docs/record-model.md
		}
		report(m[0], "%q cites a document outside the repository: cite docs/record-model.md or docs/wire-contracts.md", joined[m[0]:m[1]])
	}
	return problems
}

// Every citation in the repository's Go, SQL and YAML files and Markdown
// pages names a page of docs/ and a section it has, and none names a
// document that is not one of them.
func TestCitations(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	cache := map[string]*page{}
	pages := func(name string) (page, bool) {
		if p, ok := cache[name]; ok {
			if p == nil {
				return page{}, false
			}
			return *p, true
		}
		b, err := os.ReadFile(filepath.Join(root, "docs", name+".md"))
		if err != nil {
			cache[name] = nil
			return page{}, false
		}
		p := readPage(string(b))
		cache[name] = &p
		return p, true
	}
	files := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && path != root {
			return filepath.SkipDir
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		switch {
		case d.IsDir(), !slices.Contains([]string{".go", ".sql", ".md", ".yaml", ".yml"}, filepath.Ext(rel)):
			return nil
		case rel == "internal/layout/citations_test.go":
			return nil // its cases are the citations it must refuse
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		for _, p := range checkCitations(rel, string(b), pages) {
			t.Error(p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 100 {
		t.Fatalf("%d files read: the walk is broken", files)
	}
}

func TestCheckCitations(t *testing.T) {
	model := readPage("# The record model\n\n## 2. Identity\n\n### 1.4 Value rules\n\n### 4.A Tencent\n\n## 5. Rendering\n\n```\n## 9. In a code block\n```\n")
	wire := readPage("# Wire\n\n### 2.5 Errors\n\n## 8. Test vectors\n\n### 8.1 TC3\n\n### 8.3 CCC\n")
	design := readPage("# Design\n\n## Store capabilities\n\n## Recording archive (state)\n\n## `DescribeTelCdr` (d)\n")
	pages := func(name string) (page, bool) {
		p, ok := map[string]page{"record-model": model, "wire-contracts": wire, "design": design}[name]
		return p, ok
	}
	for _, tc := range []struct {
		name, file, text string
		problems         int
		want             string // in the problems, when there are any
	}{
		{"section", "a.go", "// x (docs/record-model.md §2).", 0, ""},
		{"sections", "a.go", "// docs/record-model.md §1.4, §2 and §4.A (c), §5 R2–R8.", 0, ""},
		{"range", "a.go", "// docs/wire-contracts.md §8.1–§8.3", 0, ""},
		{"lettered", "a.go", "// docs/record-model.md §4.A(c)", 0, ""},
		{"wrapped", "a.go", "// the rule of docs/record-model.md\n\t// §1.4 and §2", 0, ""},
		{"wrapped in SQL", "m.sql", "-- docs/record-model.md\n-- §2", 0, ""},
		{"page only", "a.go", "// see docs/design.md.", 0, ""},
		{"named", "a.go", "// (docs/design.md, Store capabilities)", 0, ""},
		{"named, wrapped", "a.go", "// (docs/design.md, Recording\n// archive (state))", 0, ""},
		{"named, quoted", "docs/x.md", `see docs/design.md, "Store capabilities"`, 0, ""},
		{"named, quoted part", "docs/x.md", `see docs/design.md, "archive (state)"`, 0, ""},
		{"named, code in the heading", "a.go", "// docs/design.md, DescribeTelCdr (d)", 0, ""},
		{"lower case after the comma", "a.go", "// docs/design.md, which explains", 0, ""},
		{"anchor", "a.go", "// docs/design.md#store-capabilities", 0, ""},
		{"own section in docs", "docs/record-model.md", "as §2 says", 0, ""},
		{"link in docs", "docs/design.md", "the model is [record-model.md](record-model.md) §2", 0, ""},
		{"first words of a heading", "a.go", "// (docs/design.md, Recording archive): the state", 0, ""},
		{"a word with §", "a.go", "// record modelling, §-free", 0, ""},

		{"missing page", "a.go", "// docs/record-modle.md §2", 1, `no page docs/record-modle.md`},
		{"missing section", "a.go", "// docs/record-model.md §3", 1, `docs/record-model.md has no section §3 `},
		{"missing second section", "a.go", "// docs/record-model.md §2, §7.1", 1, `has no section §7.1`},
		{"missing section after a part", "a.go", "// docs/record-model.md §4.A (c), §4.F", 1, `has no section §4.F`},
		{"section in a code block", "a.go", "// docs/record-model.md §9", 1, `has no section §9`},
		{"section of a page without numbers", "a.go", "// docs/design.md §2", 1, `docs/design.md has no section §2`},
		{"missing anchor", "a.go", "// docs/design.md#bounds", 1, `no heading with anchor #bounds`},
		{"link to a missing page in docs", "docs/design.md", "see [x](scaling.md)", 1, `no page docs/scaling.md`},
		{"link to a missing anchor in docs", "docs/design.md", "see [x](design.md#bounds)", 1, `no heading with anchor #bounds`},
		{"link with a missing section in docs", "docs/design.md", "[record-model.md](record-model.md) §3", 1, `docs/record-model.md has no section §3`},
		{"missing named section", "a.go", "// (docs/design.md, Rollups)", 1, `has no heading "Rollups)`},
		{"missing quoted section", "a.go", `// (docs/design.md, "Rollups")`, 1, `has no heading "\"Rollups`},
		{"bare section", "a.go", "// the version rule of §2", 1, `a.go:1: "§2" cites no page`},
		{"bare section wrapped", "a.go", "// the version rule of\n// §2", 1, `a.go:2: "§2" cites no page`},
		{"bare section after a named one", "a.go", "// (docs/design.md, Store capabilities), §2", 1, `"§2" cites no page`},
		{"bare section in README", "README.md", "the rule of §1.4", 1, `README.md:1: "§1.4" cites no page`},
		{"missing own section in docs", "docs/design.md", "as §2 says", 1, `docs/design.md has no section §2`},
		{"record model", "a.go", "// the version rule (record model §2)", 2, `"record model §" cites a document outside`},
		{"record model wrapped", "a.go", "// (record\n// model §2)", 2, `a.go:1: "record model §" cites a document outside`},
		{"record-model", "a.go", "// (record-model §3.3)", 2, `"record-model" cites a document outside`},
		{"a page named without docs/", "docs/design.md", "the shared `record-model.md`", 1, `"record-model" cites a document outside`},
		{"api-contracts", "a.go", "// api-contracts §4.4", 2, `"api-contracts" cites a document outside`},
		{"api-contracts without a section", "a.sql", "-- see api-contracts", 1, `a.sql:1: "api-contracts" cites a document outside`},
		{"contracts", "a.go", "// (contracts §5.4)", 2, `"contracts §" cites a document outside`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := checkCitations(tc.file, tc.text, pages)
			if len(got) != tc.problems || !strings.Contains(strings.Join(got, "\n"), tc.want) {
				t.Errorf("checkCitations(%q) = %d problems, want %d with %q:\n%s", tc.text, len(got), tc.problems, tc.want, strings.Join(got, "\n"))
			}
		})
	}
}
