package tencentdesk

import (
	"strings"
	"testing"

	"github.com/cdrhub/cdrhub/internal/mapping/mappingtest"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/google/go-cmp/cmp"
)

const docPath = "../../../docs/mapping-tencent-desk.md"

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
	for _, f := range mappingtest.JSONFields(IMCdrInfo{}) {
		if !named[f] {
			t.Errorf("IMCdrInfo.%s is not in the field table of %s", f, docPath)
		}
	}
}

func docTable(t *testing.T, header ...string) [][]string {
	t.Helper()
	return mappingtest.DocTable(t, mappingtest.ReadDoc(t, docPath), header...)
}
