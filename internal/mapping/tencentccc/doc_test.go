package tencentccc

import (
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/cdrhub/cdrhub/internal/mapping/mappingtest"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/google/go-cmp/cmp"
)

const docPath = "../../../docs/mapping-tencent-ccc.md"

func readDoc(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// code parses a decimal code cell; "" is 0.
func code(t *testing.T, s string) int64 {
	t.Helper()
	if s == "" {
		return 0
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("%s: %q is not a code", docPath, s)
	}
	return v
}

func TestDocEndStatusTable(t *testing.T) {
	var got []EndStatusCode
	for _, row := range docTable(t, readDoc(t), "EndStatus", "EndStatusString", "disposition") {
		got = append(got, EndStatusCode{code(t, row[0]), row[1], cdr.Disposition(row[2])})
	}
	if d := cmp.Diff(EndStatusCodes(), got); d != "" {
		t.Errorf("the EndStatus table of the doc differs from the code (-code +doc):\n%s", d)
	}
}

func TestDocEndStatusRenderTable(t *testing.T) {
	got := map[cdr.Disposition]endStatusRule{}
	for _, row := range docTable(t, readDoc(t), "disposition", "AI agent", "ring_at", "queued_at", "inbound", "otherwise") {
		got[cdr.Disposition(row[0])] = endStatusRule{code(t, row[1]), code(t, row[2]), code(t, row[3]), code(t, row[4]), code(t, row[5])}
	}
	if d := cmp.Diff(endStatusRender, got); d != "" {
		t.Errorf("the EndStatus render table of the doc differs from the code (-code +doc):\n%s", d)
	}
}

func TestDocCallTypeTables(t *testing.T) {
	doc := readDoc(t)
	var got []callTypeCode
	for _, row := range docTable(t, doc, "CallType", "meaning", "direction", "call_type") {
		got = append(got, callTypeCode{code(t, row[0]), row[1], cdr.Direction(row[2]), cdr.CallType(row[3])})
	}
	if d := cmp.Diff(callTypeCodes, got); d != "" {
		t.Errorf("CallType ingest table (-code +doc):\n%s", d)
	}
	dirs := map[int64]cdr.Direction{}
	for _, row := range docTable(t, doc, "Direction", "direction") {
		dirs[code(t, row[0])] = cdr.Direction(row[1])
	}
	if d := cmp.Diff(directionByCode, dirs); d != "" {
		t.Errorf("Direction ingest table (-code +doc):\n%s", d)
	}
	renderDir, renderCT := map[cdr.Direction]int64{}, map[cdr.Direction]int64{}
	for _, row := range docTable(t, doc, "direction", "Direction", "CallType") {
		renderDir[cdr.Direction(row[0])], renderCT[cdr.Direction(row[0])] = code(t, row[1]), code(t, row[2])
	}
	if d := cmp.Diff(renderDirection, renderDir); d != "" {
		t.Errorf("Direction render table (-code +doc):\n%s", d)
	}
	if d := cmp.Diff(renderCallType, renderCT); d != "" {
		t.Errorf("CallType render table (-code +doc):\n%s", d)
	}
}

func TestDocHungUpSideTable(t *testing.T) {
	got := map[string]cdr.HangupBy{}
	for _, row := range docTable(t, readDoc(t), "HungUpSide", "hangup_by") {
		got[row[0]] = cdr.HangupBy(row[1])
	}
	if d := cmp.Diff(hungUpSides, got); d != "" {
		t.Errorf("HungUpSide table (-code +doc):\n%s", d)
	}
}

// Every TelCdrInfo field is named in the doc's field table.
func TestDocNamesEveryField(t *testing.T) {
	doc := readDoc(t)
	named := map[string]bool{}
	for _, row := range docTable(t, doc, "TelCdrInfo", "Canonical", "Notes") {
		for _, f := range strings.FieldsFunc(row[0], func(r rune) bool { return r == ',' || r == ' ' || r == '[' || r == ']' }) {
			named[f] = true
		}
	}
	fields := mappingtest.JSONFields(TelCdrInfo{})
	sort.Strings(fields)
	for _, f := range fields {
		if !named[f] {
			t.Errorf("TelCdrInfo.%s is not in the field table of %s", f, docPath)
		}
	}
}

func docTable(t *testing.T, doc string, header ...string) [][]string {
	t.Helper()
	return mappingtest.DocTable(t, doc, header...)
}
