package client_test

import (
	"go/ast"
	"go/parser"
	gotoken "go/token"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cdrhub/cdrhub/client"
)

// exported are the package's exported functions and types, as values of
// their types.
var exported = map[string]any{
	"New":            client.New,
	"WithHTTPClient": client.WithHTTPClient,
	"WithTenant":     client.WithTenant,
	"Retryable":      client.Retryable,
	"Client":         &client.Client{},
	"Option":         client.Option(nil),
	"UpsertResponse": &client.UpsertResponse{},
	"LineError":      &client.LineError{},
	"ListResponse":   &client.ListResponse{},
	"Export":         &client.Export{},
	"Error":          &client.Error{},
}

// TestNoInternalType checks the package's policy: no function, method or
// field it exports takes or returns a type of an internal package, which
// a program outside the module could not name.
func TestNoInternalType(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(gotoken.NewFileSet(), name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			var names []string
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					names = append(names, d.Name.Name)
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					if s, ok := s.(*ast.TypeSpec); ok {
						names = append(names, s.Name.Name)
					}
				}
			}
			for _, n := range names {
				if _, ok := exported[n]; ast.IsExported(n) && !ok {
					t.Errorf("%s: %s is not checked: add it to exported", name, n)
				}
			}
		}
	}

	ours := reflect.TypeFor[client.Client]().PkgPath()
	seen := map[reflect.Type]bool{}
	var check func(path string, typ reflect.Type)
	check = func(path string, typ reflect.Type) {
		if strings.Contains(typ.PkgPath(), "/internal/") {
			t.Errorf("%s: %s is a type of %s", path, typ, typ.PkgPath())
			return
		}
		if typ.Kind() == reflect.Pointer && typ.Elem().Name() != "" && typ.Elem().PkgPath() != ours {
			check(path, typ.Elem())
			return
		}
		if typ.Name() != "" && typ.PkgPath() != ours {
			return // the standard library's
		}
		if seen[typ] {
			return
		}
		seen[typ] = true
		switch typ.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Chan:
			check(path, typ.Elem())
		case reflect.Map:
			check(path, typ.Key())
			check(path, typ.Elem())
		case reflect.Func:
			for i := range typ.NumIn() {
				check(path, typ.In(i))
			}
			for i := range typ.NumOut() {
				check(path, typ.Out(i))
			}
		case reflect.Struct:
			for _, f := range reflect.VisibleFields(typ) {
				if f.IsExported() {
					check(path+"."+f.Name, f.Type)
				}
			}
		}
		for i := range typ.NumMethod() {
			m := typ.Method(i)
			check(path+"."+m.Name, m.Type)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(exported)) {
		check(name, reflect.TypeOf(exported[name]))
	}
}
