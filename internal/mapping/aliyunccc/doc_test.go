package aliyunccc

import (
	"strings"
	"testing"

	"github.com/cdrhub/cdrhub/internal/mapping/mappingtest"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/google/go-cmp/cmp"
)

const docPath = "../../../docs/mapping-aliyun-ccc.md"

// parseOutcome reads "CD" or "CD / EMS".
func parseOutcome(s string) outcome {
	cd, ems, _ := strings.Cut(s, "/")
	return outcome{strings.TrimSpace(cd), strings.TrimSpace(ems)}
}

func TestDocContactTypeTable(t *testing.T) {
	var got []ContactType
	for _, row := range docTable(t, "ContactType", "GetCallDetailRecord", "direction", "call_type") {
		got = append(got, ContactType{row[0], row[1], cdr.Direction(row[2]), cdr.CallType(row[3])})
	}
	if d := cmp.Diff(ContactTypes(), got); d != "" {
		t.Errorf("ContactType table (-code +doc):\n%s", d)
	}
}

func TestDocDispositionTables(t *testing.T) {
	var got []DispositionCode
	for _, row := range docTable(t, "ContactDisposition", "EarlyMediaState", "disposition") {
		got = append(got, DispositionCode{row[0], row[1], cdr.Disposition(row[2])})
	}
	if d := cmp.Diff(DispositionCodes(), got); d != "" {
		t.Errorf("disposition ingest table (-code +doc):\n%s", d)
	}
	render := map[cdr.Disposition]dispositionRule{}
	for _, row := range docTable(t, "disposition", "ringing", "queued", "outbound", "otherwise") {
		render[cdr.Disposition(row[0])] = dispositionRule{parseOutcome(row[1]), parseOutcome(row[2]), parseOutcome(row[3]), parseOutcome(row[4])}
	}
	if d := cmp.Diff(dispositionRender, render); d != "" {
		t.Errorf("disposition render table (-code +doc):\n%s", d)
	}
}

func TestDocReleaseInitiatorAndChannelTables(t *testing.T) {
	ri := map[string]cdr.HangupBy{}
	for _, row := range docTable(t, "ReleaseInitiator", "hangup_by") {
		ri[row[0]] = cdr.HangupBy(row[1])
	}
	if d := cmp.Diff(releaseInitiators, ri); d != "" {
		t.Errorf("ReleaseInitiator table (-code +doc):\n%s", d)
	}
	ch := map[string]string{}
	for _, row := range docTable(t, "channel", "SatisfactionSurveyChannel") {
		ch[row[0]] = row[1]
	}
	if d := cmp.Diff(surveyChannels, ch); d != "" {
		t.Errorf("SatisfactionSurveyChannel table (-code +doc):\n%s", d)
	}
}

// Every CallDetailRecord field is named in the doc's field table.
func TestDocNamesEveryField(t *testing.T) {
	named := map[string]bool{}
	for _, row := range docTable(t, "CallDetailRecord", "Canonical", "Notes") {
		for _, f := range strings.FieldsFunc(row[0], func(r rune) bool { return r == ',' || r == ' ' }) {
			named[f] = true
		}
	}
	for _, f := range mappingtest.JSONFields(CallDetailRecord{}) {
		if !named[f] {
			t.Errorf("CallDetailRecord.%s is not in the field table of %s", f, docPath)
		}
	}
}

func docTable(t *testing.T, header ...string) [][]string {
	t.Helper()
	return mappingtest.DocTable(t, mappingtest.ReadDoc(t, docPath), header...)
}
