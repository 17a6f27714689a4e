// Package layout holds the test of the repository's import rules
// (docs/design.md, Layout).
package layout

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/cdrhub/cdrhub/"

// imports returns, for every Go file of the repository, its directory
// (relative to the root, slash-separated) and its imports.
func imports(t *testing.T) map[string][]string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			out[filepath.ToSlash(rel)] = append(out[filepath.ToSlash(rel)], p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// The signature schemes import only the standard library and what they
// share (internal/auth), so that servers and clients alike can use them.
func TestAuthImportsOnlyTheStandardLibrary(t *testing.T) {
	for file, imps := range imports(t) {
		if !strings.HasPrefix(file, "internal/auth/") || strings.HasSuffix(file, "_test.go") {
			continue
		}
		for _, p := range imps {
			first, _, _ := strings.Cut(p, "/")
			if strings.Contains(first, ".") && p != module+"internal/auth" {
				t.Errorf("%s imports %s", file, p)
			}
		}
	}
}

// The vendor API servers are imported by the listener and the commands
// only (and by their own tests).
func TestAPIsImportedByTheListenerOnly(t *testing.T) {
	for file, imps := range imports(t) {
		dir := filepath.ToSlash(filepath.Dir(file))
		for _, p := range imps {
			rest, ok := strings.CutPrefix(p, module+"internal/api/")
			if !ok {
				continue
			}
			own := dir == "internal/api/"+rest
			if !own && !strings.HasPrefix(dir, "cmd/") && dir != "internal/httpserver" {
				t.Errorf("%s imports %s", file, p)
			}
		}
	}
}

// The vendor mappings and the native query parser work on plain values:
// they import neither the configuration (the command translates it into
// their settings) nor an API, the listener or a store.
func TestMappingAndQueryImportNoConfiguration(t *testing.T) {
	banned := []string{"internal/config", "internal/api/", "internal/httpserver", "internal/sqlstore"}
	for file, imps := range imports(t) {
		if !strings.HasPrefix(file, "internal/mapping/") && !strings.HasPrefix(file, "internal/query/") {
			continue
		}
		for _, p := range imps {
			for _, b := range banned {
				if p == module+b || strings.HasSuffix(b, "/") && strings.HasPrefix(p, module+b) {
					t.Errorf("%s imports %s", file, p)
				}
			}
		}
	}
}
