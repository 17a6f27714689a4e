package trtccallkit

import (
	"strings"
	"testing"

	"github.com/cdrhub/cdrhub/internal/mapping/mappingtest"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/google/go-cmp/cmp"
)

const docPath = "../../../docs/mapping-trtc-callkit.md"

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
	for _, f := range mappingtest.JSONFields(CallRecord{}) {
		if !named[f] {
			t.Errorf("CallRecord.%s is not in the field table of %s", f, docPath)
		}
	}
}

func docTable(t *testing.T, header ...string) [][]string {
	t.Helper()
	return mappingtest.DocTable(t, mappingtest.ReadDoc(t, docPath), header...)
}
