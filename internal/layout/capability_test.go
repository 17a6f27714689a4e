package layout

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// capabilityMethods returns the interfaces declared in internal/cdr and,
// for each method name of any of them, the interface declaring it.
func capabilityMethods(t *testing.T, root string) (ifaces map[string]bool, methods map[string]string) {
	t.Helper()
	ifaces, methods = map[string]bool{}, map[string]string{}
	pkgs, err := parser.ParseDir(token.NewFileSet(), filepath.Join(root, "internal", "cdr"), func(fi fs.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range pkgs {
		for _, f := range pkg.Files {
			ast.Inspect(f, func(n ast.Node) bool {
				ts, ok := n.(*ast.TypeSpec)
				if !ok {
					return true
				}
				if it, ok := ts.Type.(*ast.InterfaceType); ok {
					ifaces[ts.Name.Name] = true
					for _, m := range it.Methods.List {
						for _, name := range m.Names {
							methods[name.Name] = ts.Name.Name
						}
					}
				}
				return false
			})
		}
	}
	if !ifaces["Store"] || !ifaces["Pruner"] || !ifaces["WriteProber"] || !ifaces["SyncState"] {
		t.Fatalf("interfaces of internal/cdr: %v", ifaces)
	}
	return ifaces, methods
}

// A store's capabilities are passed explicitly, never found by a type
// assertion (docs/design.md, Store capabilities): no code, tests included,
// asserts or switches on an interface of cdr (cdr.Store, cdr.Pruner, …), on
// an anonymous interface with a method of one of them, or on a store type
// of sqlstore.
func TestNoCapabilityAssertions(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	ifaces, methods := capabilityMethods(t, root)
	fset := token.NewFileSet()
	// bad describes what asserting on typ finds a capability by, or "".
	bad := func(typ ast.Expr, inCDR bool) string {
		if st, ok := typ.(*ast.StarExpr); ok {
			typ = st.X
		}
		switch e := typ.(type) {
		case *ast.SelectorExpr:
			pkg, ok := e.X.(*ast.Ident)
			switch {
			case ok && pkg.Name == "cdr" && ifaces[e.Sel.Name]:
				return "cdr." + e.Sel.Name
			case ok && pkg.Name == "sqlstore":
				return "sqlstore." + e.Sel.Name
			}
		case *ast.Ident:
			if inCDR && ifaces[e.Name] {
				return e.Name
			}
		case *ast.InterfaceType:
			for _, m := range e.Methods.List {
				for _, name := range m.Names {
					if iface, ok := methods[name.Name]; ok {
						return "an interface with " + name.Name + " of cdr." + iface
					}
				}
			}
		}
		return ""
	}
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
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		inCDR := f.Name.Name == "cdr"
		check := func(typ ast.Expr) {
			if what := bad(typ, inCDR); what != "" {
				pos := fset.Position(typ.Pos())
				rel, _ := filepath.Rel(root, pos.Filename)
				t.Errorf("%s:%d: a type assertion on %s", filepath.ToSlash(rel), pos.Line, what)
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.TypeAssertExpr:
				if n.Type != nil { // x.(type) is checked case by case
					check(n.Type)
				}
			case *ast.TypeSwitchStmt:
				for _, c := range n.Body.List {
					for _, typ := range c.(*ast.CaseClause).List {
						check(typ)
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
