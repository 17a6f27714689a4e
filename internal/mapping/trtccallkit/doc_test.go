package trtccallkit

import (
	"os"
	"strings"
	"testing"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/google/go-cmp/cmp"
)

const docPath = "../../../docs/mapping-trtc-callkit.md"

// docTable returns the body rows of the one table of the doc whose header
// row has exactly the given cells, backticks stripped, "—" read as "".
func docTable(t *testing.T, header ...string) [][]string {
	t.Helper()
	b, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]string
	found := 0
	lines := strings.Split(string(b), "\n")
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
		t.Fatalf("%s: %d tables with the header %q, want 1", docPath, found, header)
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

func TestDocCallResultTable(t *testing.T) {
	var got []ResultCode
	for _, row := range docTable(t, "callResult", "disposition", "foreign render from") {
		rc := ResultCode{CallResult: row[0], Disposition: cdr.Disposition(row[1])}
		for _, d := range strings.Split(row[2], ",") {
			if d = strings.TrimSpace(d); d != "" {
				rc.RenderFrom = append(rc.RenderFrom, cdr.Disposition(d))
			}
		}
		got = append(got, rc)
	}
	if d := cmp.Diff(ResultCodes(), got); d != "" {
		t.Errorf("callResult table (-code +doc):\n%s", d)
	}
}

func TestDocCallTypeAndMediaTables(t *testing.T) {
	ct := map[string]cdr.CallType{}
	for _, row := range docTable(t, "callType", "call_type") {
		ct[row[0]] = cdr.CallType(row[1])
	}
	if d := cmp.Diff(callTypes, ct); d != "" {
		t.Errorf("callType table (-code +doc):\n%s", d)
	}
	mt := map[string]cdr.Media{}
	for _, row := range docTable(t, "mediaType", "media") {
		mt[row[0]] = cdr.Media(row[1])
	}
	if d := cmp.Diff(mediaTypes, mt); d != "" {
		t.Errorf("mediaType table (-code +doc):\n%s", d)
	}
}

// Every CallRecord field is named in the doc's field table.
func TestDocNamesEveryField(t *testing.T) {
	named := map[string]bool{}
	for _, row := range docTable(t, "CallRecord", "Canonical", "Notes") {
		for _, f := range strings.FieldsFunc(row[0], func(r rune) bool { return r == ',' || r == ' ' }) {
			named[f] = true
		}
	}
	for _, f := range jsonFields(CallRecord{}) {
		if !named[f] {
			t.Errorf("CallRecord.%s is not in the field table of %s", f, docPath)
		}
	}
}
