package trtccallkit

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
//	go test -run=NONE -fuzz=FuzzIngestRender -fuzztime=20s ./internal/mapping/trtccallkit/
func FuzzIngestRender(f *testing.F) {
	for _, tt := range edgeCases {
		f.Add([]byte(tt.x))
	}
	f.Add([]byte(example3))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		if r, err := Ingest(data); err == nil {
			if out, err := Render(r, 0); err != nil || !bytes.Equal(out, data) {
				t.Fatalf("Render(Ingest(x)) = %s, %v; want x", out, err)
			}
			Terms(r)
			renderRecord(t, withoutRaw(r))
		}
		x := genObject(data)
		r, err := Ingest(x)
		if err != nil {
			t.Fatalf("Ingest of a generated object: %v\n%s", err, x)
		}
		if err := r.Prepare(cdr.MustTenantID("t"), 1700000000000); err != nil {
			t.Fatalf("Prepare: %v\n%s", err, x)
		}
		if out, _ := Render(r, 0); !bytes.Equal(out, x) {
			t.Fatalf("Render after Prepare is not the raw object")
		}
		var v CallRecord
		_ = json.Unmarshal(x, &v)
		for _, term := range Terms(r) {
			if want := map[string]string{"trtc_callkit.callResult": v.CallResult, "trtc_callkit.callType": v.CallType}[term.Kind]; term.Value != want {
				t.Fatalf("term %s=%s, output %q", term.Kind, term.Value, want)
			}
		}
		// Rendering from canonical fields is stable.
		b1, _ := cdr.EncodeJSON(renderRecord(t, withoutRaw(r)))
		r2, err := Ingest(b1)
		if err != nil {
			t.Fatalf("Ingest(Render(r)): %v\n%s", err, b1)
		}
		if err := r2.Prepare(cdr.MustTenantID("t"), 1700000000000); err != nil {
			t.Fatalf("Prepare(Ingest(Render(r))): %v\n%s", err, b1)
		}
		if b2, _ := Render(withoutRaw(r2), 1400000001); !bytes.Equal(b1, b2) {
			t.Fatalf("the canonical render is not stable (-first +second):\n%s", jsonDiff(t, b1, b2))
		}
	})
}

type gen struct{ *mappingtest.Choices }

var strPool = []string{"", "abc", "山浓", "😀", "a,b", "line\nbreak", `q " \`, "</b>&", "é"}

// genObject builds a valid record object: Ingest and Prepare accept it.
func genObject(data []byte) []byte {
	g := &gen{mappingtest.NewChoices(data)}
	start := int64(946684800) + int64(g.Intn(256))*int64(g.Intn(256)+1)*3_600_000/256
	ms := []string{`"callId":` + mappingtest.Quote("c"+g.Pick(strPool...)), `"startCallTs":` + fmt.Sprint(start)}
	opt := func(name string, value func() string) {
		switch {
		case g.Chance(25):
		case g.Chance(10):
			ms = append(ms, fmt.Sprintf("%q:null", name))
		default:
			ms = append(ms, fmt.Sprintf("%q:%s", name, value()))
		}
	}
	accept := start + int64(g.Intn(200))
	end := accept + int64(g.Intn(200))
	opt("acceptTs", func() string { return g.Pick("0", fmt.Sprint(accept)) })
	opt("endTs", func() string { return g.Pick("0", fmt.Sprint(end)) })
	opt("sdkAppId", func() string { return g.Pick("0", "1400000001", "18446744073709551615") })
	opt("totalUserNumber", func() string { return fmt.Sprint(g.Intn(6)) })
	var results []string
	for _, c := range resultCodes {
		results = append(results, c.CallResult)
	}
	opt("callResult", func() string { return mappingtest.Quote(g.Pick(append(results, "", "x")...)) })
	opt("callType", func() string { return mappingtest.Quote(g.Pick("single", "group", "", "x")) })
	opt("mediaType", func() string { return mappingtest.Quote(g.Pick("audio", "video", "", "x")) })
	opt("callees", func() string {
		var cs []string
		for range g.Intn(4) {
			cs = append(cs, mappingtest.Quote(g.Pick(strPool...)))
		}
		return "[" + strings.Join(cs, ",") + "]"
	})
	for _, f := range []string{"caller", "roomId"} {
		opt(f, func() string { return mappingtest.Quote(g.Pick(strPool...)) })
	}
	opt("future", func() string { return `{"a":[1,2.50,true,null]}` })
	for i := len(ms) - 1; i > 0; i-- {
		j := g.Intn(i + 1)
		ms[i], ms[j] = ms[j], ms[i]
	}
	return []byte(g.Pick("", " ") + "{" + strings.Join(ms, g.Pick(",", ", ", ",\n ")) + "}")
}
