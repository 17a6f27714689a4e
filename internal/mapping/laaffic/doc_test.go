package laaffic

import (
	"strconv"
	"strings"
	"testing"

	"github.com/cdrhub/cdrhub/internal/mapping/mappingtest"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/google/go-cmp/cmp"
)

const docPath = "../../../docs/mapping-laaffic.md"

// docInt reads a code cell; "" is none.
func docInt(t *testing.T, s string) int {
	t.Helper()
	if s == "" {
		return none
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("%q is not a code", s)
	}
	return v
}

func TestDocCallTypeTable(t *testing.T) {
	var got []CallType
	for _, row := range docTable(t, "callType", "direction", "call_type") {
		got = append(got, CallType{docInt(t, row[0]), cdr.Direction(row[1]), cdr.CallType(row[2])})
	}
	if d := cmp.Diff(CallTypes(), got); d != "" {
		t.Errorf("callType table (-code +doc):\n%s", d)
	}
}

func TestDocHangupReasonTables(t *testing.T) {
	var got []HangupReason
	for _, row := range docTable(t, "hangupReason", "hangingDirection", "disposition") {
		got = append(got, HangupReason{docInt(t, row[0]), row[1], cdr.Disposition(row[2])})
	}
	if d := cmp.Diff(HangupReasons(), got); d != "" {
		t.Errorf("hangupReason ingest table (-code +doc):\n%s", d)
	}
	render := map[cdr.Disposition]reasonRule{}
	for _, row := range docTable(t, "disposition", "inbound", "predictive", "other") {
		render[cdr.Disposition(row[0])] = reasonRule{docInt(t, row[1]), docInt(t, row[2]), docInt(t, row[3])}
	}
	if d := cmp.Diff(reasonRender, render); d != "" {
		t.Errorf("hangupReason render table (-code +doc):\n%s", d)
	}
	for _, d := range cdr.Dispositions {
		if _, ok := reasonRender[d]; !ok {
			t.Errorf("disposition %s has no render row", d)
		}
	}
}

func TestDocHangingDirectionTable(t *testing.T) {
	got := map[int]cdr.HangupBy{}
	for _, row := range docTable(t, "hangingDirection", "hangup_by") {
		got[docInt(t, row[0])] = cdr.HangupBy(row[1])
	}
	if d := cmp.Diff(hangingDirections, got); d != "" {
		t.Errorf("hangingDirection table (-code +doc):\n%s", d)
	}
}

// Every Record and RecordV3 field is named in the doc's field table.
func TestDocNamesEveryField(t *testing.T) {
	named := map[string]bool{}
	for _, row := range docTable(t, "Record", "Canonical", "Notes") {
		for _, f := range strings.FieldsFunc(row[0], func(r rune) bool { return r == ',' || r == ' ' }) {
			named[f] = true
		}
	}
	for _, f := range append(mappingtest.JSONFields(Record{}), mappingtest.JSONFields(RecordV3{})[1:]...) {
		if !named[f] {
			t.Errorf("Record.%s is not in the field table of %s", f, docPath)
		}
	}
}

func docTable(t *testing.T, header ...string) [][]string {
	t.Helper()
	return mappingtest.DocTable(t, mappingtest.ReadDoc(t, docPath), header...)
}
