// Package mappingtest holds the test helpers the vendor mappings share:
// reading the tables of a mapping's doc page, and comparing JSON documents
// by value with number literals kept. Imported only from _test.go files.
package mappingtest

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/google/go-cmp/cmp"
)

// ReadDoc returns the text of the doc page at path.
func ReadDoc(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// DocTable returns the body rows of the one Markdown table of doc whose
// header row has exactly the given cells, backticks stripped, "—" and `""`
// read as "".
func DocTable(t *testing.T, doc string, header ...string) [][]string {
	t.Helper()
	var rows [][]string
	found := 0
	lines := strings.Split(doc, "\n")
	for i := 0; i < len(lines); i++ {
		if !cmp.Equal(cells(lines[i]), header) {
			continue
		}
		found++
		for i += 2; i < len(lines) && strings.HasPrefix(lines[i], "|"); i++ {
			rows = append(rows, cells(lines[i]))
		}
	}
	if found != 1 {
		t.Fatalf("%d tables with the header %q, want 1", found, header)
	}
	return rows
}

func cells(line string) []string {
	line = strings.TrimSpace(line)
	if !strings.HasPrefix(line, "|") || !strings.HasSuffix(line, "|") {
		return nil
	}
	cs := strings.Split(line[1:len(line)-1], "|")
	for i, c := range cs {
		c = strings.TrimSpace(strings.ReplaceAll(c, "`", ""))
		if c == "—" || c == `""` {
			c = ""
		}
		cs[i] = c
	}
	return cs
}

// DecodeAny decodes JSON keeping number literals.
func DecodeAny(tb testing.TB, b []byte) any {
	tb.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		tb.Fatalf("decode: %v\n%s", err, b)
	}
	return v
}

// JSONDiff compares two JSON documents by value, (-want +got).
func JSONDiff(tb testing.TB, want, got []byte) string {
	tb.Helper()
	return cmp.Diff(DecodeAny(tb, want), DecodeAny(tb, got))
}

// CheckGolden compares out, indented, with testdata/<name>.golden.json,
// rewriting the file first when update is set, then requires the golden
// file to pass decode (a strict decoding into the vendor's type).
func CheckGolden(t *testing.T, name string, out []byte, update bool, decode func([]byte) error) {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, out, "", "  "); err != nil {
		t.Fatal(err)
	}
	buf.WriteByte('\n')
	path := filepath.Join("testdata", name+".golden.json")
	if update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("%s differs (-want +got):\n%s", path, JSONDiff(t, want, out))
	}
	if err := decode(want); err != nil {
		t.Errorf("%s does not decode strictly: %v", path, err)
	}
}

// JSONFields returns the JSON names of the fields of the struct v.
func JSONFields(v any) []string {
	var names []string
	typ := reflect.TypeOf(v)
	for i := range typ.NumField() {
		names = append(names, strings.Split(typ.Field(i).Tag.Get("json"), ",")[0])
	}
	return names
}

// StrictDecode decodes the JSON object b into a new T as the vendor's SDK
// would, and more strictly: no unknown member, no trailing data. A string
// where T has a number fails, and the reverse.
func StrictDecode[T any](b []byte) (*T, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var v T
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, &json.SyntaxError{}
	}
	return &v, nil
}

// RequireMembers checks that the JSON object b has a member for every field
// of the struct v but the optional ones, and, unless nullOK, that none of
// them is null.
func RequireMembers(b []byte, v any, nullOK bool, optional ...string) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	for _, f := range JSONFields(v) {
		val, ok := m[f]
		if !ok && !slices.Contains(optional, f) || !nullOK && string(val) == "null" {
			return &json.UnmarshalTypeError{Field: f, Value: "absent or null"}
		}
	}
	return nil
}

// FindNull returns the path of the first JSON null in v (as DecodeAny
// returns it) below path, "" if there is none.
func FindNull(v any, path string) string {
	switch x := v.(type) {
	case nil:
		return path
	case map[string]any:
		for k, e := range x {
			if p := FindNull(e, path+"."+k); p != "" {
				return p
			}
		}
	case []any:
		for _, e := range x {
			if p := FindNull(e, path+"[]"); p != "" {
				return p
			}
		}
	}
	return ""
}

// MustPrepare prepares r for tenant acme.
func MustPrepare(tb testing.TB, r *cdr.Record) *cdr.Record {
	tb.Helper()
	if err := r.Prepare(cdr.MustTenantID("acme"), 1700000000000); err != nil {
		tb.Fatalf("Prepare: %v", err)
	}
	return r
}

// WithoutRaw returns a copy of r without Raw, which a Render then builds
// from the canonical fields.
func WithoutRaw(r *cdr.Record) *cdr.Record {
	c := *r
	c.Raw = nil
	return &c
}
