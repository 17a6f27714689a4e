package tencentdesk

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/mapping/mappingtest"
)

// FuzzIngestRender feeds its input to Ingest as it is, and uses it to
// generate a valid record object that must survive the whole mapping.
//
//	go test -run=NONE -fuzz=FuzzIngestRender -fuzztime=20s ./internal/mapping/tencentdesk/
func FuzzIngestRender(f *testing.F) {
	for _, tt := range edgeCases {
		f.Add([]byte(tt.x))
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		if r, err := Ingest(data, nil); err == nil {
			if out, err := Render(r); err != nil || !bytes.Equal(out, data) {
				t.Fatalf("Render(Ingest(x)) = %s, %v; want x", out, err)
			}
			Terms(r)
			renderRecord(t, withoutRaw(r))
		}
		x := genObject(data)
		r, err := Ingest(x, nil)
		if err != nil {
			t.Fatalf("Ingest of a generated object: %v\n%s", err, x)
		}
		if err := r.Prepare(cdr.MustTenantID("t"), 1700000000000); err != nil {
			t.Fatalf("Prepare: %v\n%s", err, x)
		}
		if out, _ := Render(r); !bytes.Equal(out, x) {
			t.Fatalf("Render after Prepare is not the raw object")
		}
		var v IMCdrInfo
		_ = json.Unmarshal(x, &v)
		for _, term := range Terms(r) {
			if term.Kind != "tencent_desk.EndStatus" || term.Value != v.EndStatus {
				t.Fatalf("term %s=%s, output %q", term.Kind, term.Value, v.EndStatus)
			}
		}
		// Rendering from canonical fields is stable.
		b1, _ := cdr.EncodeJSON(renderRecord(t, withoutRaw(r)))
		r2, err := Ingest(b1, nil)
		if err != nil {
			t.Fatalf("Ingest(Render(r)): %v\n%s", err, b1)
		}
		if err := r2.Prepare(cdr.MustTenantID("t"), 1700000000000); err != nil {
			t.Fatalf("Prepare(Ingest(Render(r))): %v\n%s", err, b1)
		}
		if b2, _ := Render(withoutRaw(r2)); !bytes.Equal(b1, b2) {
			t.Fatalf("the canonical render is not stable (-first +second):\n%s", jsonDiff(t, b1, b2))
		}
	})
}

type gen struct{ *mappingtest.Choices }

var strPool = []string{"", "abc", "山浓", "😀", "3067", "line\nbreak", `q " \`, "</b>&", "é"}

// genObject builds a valid record object: Ingest and Prepare accept it.
func genObject(data []byte) []byte {
	g := &gen{mappingtest.NewChoices(data)}
	start := int64(946684800) + int64(g.Intn(256))*int64(g.Intn(256)+1)*3_600_000/256
	ms := []string{`"SessionId":` + mappingtest.Quote("s"+g.Pick(strPool...)), `"Timestamp":` + fmt.Sprint(start)}
	opt := func(name string, value func() string) {
		switch {
		case g.Chance(25):
		case g.Chance(10):
			ms = append(ms, fmt.Sprintf("%q:null", name))
		default:
			ms = append(ms, fmt.Sprintf("%q:%s", name, value()))
		}
	}
	opt("Duration", func() string { return fmt.Sprint(g.Intn(300)) })
	opt("SatisfactionSelected", func() string { return fmt.Sprint(g.Intn(8) - 1) })
	var statuses []string
	for _, c := range endCodes {
		statuses = append(statuses, c.EndStatus)
	}
	opt("EndStatus", func() string { return mappingtest.Quote(g.Pick(append(statuses, "", "x")...)) })
	opt("ChannelType", func() string { return mappingtest.Quote(g.Pick("SDK", "Web", "")) })
	for _, f := range []string{"AgentGroupId", "AgentGroupName", "AgentId", "ClientUserId", "ClientUserNickName"} {
		opt(f, func() string { return mappingtest.Quote(g.Pick(strPool...)) })
	}
	opt("Future", func() string { return `{"a":[1,2.50,true,null]}` })
	for i := len(ms) - 1; i > 0; i-- {
		j := g.Intn(i + 1)
		ms[i], ms[j] = ms[j], ms[i]
	}
	return []byte(g.Pick("", " ") + "{" + strings.Join(ms, g.Pick(",", ", ", ",\n ")) + "}")
}
