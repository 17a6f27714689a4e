package tencentdesk

import (
	"os"
	"strings"
	"testing"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/google/go-cmp/cmp"
)

const docPath = "../../../docs/mapping-tencent-desk.md"

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

func TestDocEndStatusTable(t *testing.T) {
	var got []EndCode
	for _, row := range docTable(t, "EndStatus", "disposition", "hangup_by", "renders from") {
		got = append(got, EndCode{row[0], cdr.Disposition(row[1]), cdr.HangupBy(row[2]), row[3] == "yes"})
	}
	if d := cmp.Diff(EndCodes(), got); d != "" {
		t.Errorf("EndStatus table (-code +doc):\n%s", d)
	}
}

// Every IMCdrInfo field is named in the doc's field table.
func TestDocNamesEveryField(t *testing.T) {
	named := map[string]bool{}
	for _, row := range docTable(t, "IMCdrInfo", "Canonical", "Notes") {
		for _, f := range strings.FieldsFunc(row[0], func(r rune) bool { return r == ',' || r == ' ' }) {
			named[f] = true
		}
	}
	for _, f := range jsonFields(IMCdrInfo{}) {
		if !named[f] {
			t.Errorf("IMCdrInfo.%s is not in the field table of %s", f, docPath)
		}
	}
}
