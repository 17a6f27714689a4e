package tencentccc

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/google/go-cmp/cmp"
)

// FuzzIngestRender feeds its input to Ingest as it is, and uses it to
// generate a valid TelCdrInfo object that must survive the whole mapping.
//
//	go test -run=NONE -fuzz=FuzzIngestRender -fuzztime=45s ./internal/mapping/tencentccc/
func FuzzIngestRender(f *testing.F) {
	// Small seeds only: the fuzzer minimizes every new input, which takes
	// long for long ones. example1 and the seed page are unit tests.
	for _, tt := range edgeCases {
		f.Add([]byte(tt.x))
	}
	f.Add([]byte{})
	f.Add([]byte("\x00\x10\xff\x80 random choices \x01\x02\x03\x04\x05\x06\x07\x08\x09"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if r, err := Ingest(data, nil); err == nil {
			checkIngested(t, r, data)
			if _, err := canonicalRender(t, r); err != nil {
				t.Fatal(err)
			}
		}
		x := genObject(data)
		r, err := Ingest(x, nil)
		if err != nil {
			t.Fatalf("Ingest of a generated object: %v\n%s", err, x)
		}
		checkIngested(t, r, x)
		if err := r.Prepare(cdr.MustTenantID("t"), 1700000000000); err != nil {
			t.Fatalf("Prepare: %v\n%s", err, x)
		}
		if out, _ := Render(r, 0); !bytes.Equal(out, x) {
			t.Fatalf("Render after Prepare is not the raw object")
		}
		checkTerms(t, r, x)
		checkCanonicalRender(t, r)
	})
}

// checkIngested holds for any object Ingest accepts: Render returns it byte
// for byte and RenderProtected keeps every member but the four it rewrites.
func checkIngested(t *testing.T, r *cdr.Record, x []byte) {
	t.Helper()
	out, err := Render(r, 0)
	if err != nil || !bytes.Equal(out, x) {
		t.Fatalf("Render(Ingest(x)) = %s, %v; want x = %s", out, err, x)
	}
	p, err := RenderProtected(r, 0)
	if err != nil {
		t.Fatalf("RenderProtected: %v", err)
	}
	var pm, xm map[string]json.RawMessage
	if err := json.Unmarshal(p, &pm); err != nil {
		t.Fatalf("RenderProtected: %v\n%s", err, p)
	}
	if err := json.Unmarshal(x, &xm); err != nil {
		t.Fatal(err)
	}
	var info TelCdrInfo
	if err := json.Unmarshal(p, &info); err != nil || info.Caller != "" || info.Callee != "" ||
		info.ProtectedCaller != r.Caller.ProtectedID || info.ProtectedCallee != r.Callee.ProtectedID {
		t.Fatalf("RenderProtected: %+v %v\n%s", info, err, p)
	}
	for k, v := range xm {
		if !isPartyMember(k) && !bytes.Equal(pm[k], v) {
			t.Fatalf("RenderProtected changed %s: %s → %s", k, v, pm[k])
		}
	}
	Terms(r)
}

func isPartyMember(k string) bool {
	for _, name := range []string{"Caller", "Callee", "ProtectedCaller", "ProtectedCallee"} {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

// canonicalRender renders r from its canonical fields and checks the
// output's typing: strict decode, no null.
func canonicalRender(t *testing.T, r *cdr.Record) ([]byte, error) {
	t.Helper()
	out, err := Render(withoutRaw(r), 0)
	if err != nil {
		return nil, err
	}
	if _, err := strictDecode(out); err != nil {
		t.Fatalf("canonical render does not decode strictly: %v\n%s", err, out)
	}
	if p := findNull(decodeAny(t, out), "$"); p != "" {
		t.Fatalf("canonical render has null at %s", p)
	}
	return out, nil
}

// checkTerms: the terms are the output's enum values.
func checkTerms(t *testing.T, r *cdr.Record, x []byte) {
	t.Helper()
	var v struct{ EndStatus, CallType, Direction *int64 }
	if err := json.Unmarshal(x, &v); err != nil {
		t.Fatal(err)
	}
	var want []cdr.Term
	for _, f := range []struct {
		name string
		v    *int64
	}{{FieldEndStatus, v.EndStatus}, {FieldCallType, v.CallType}, {FieldDirection, v.Direction}} {
		if f.v != nil {
			want = append(want, cdr.Term{Kind: "tencent_ccc." + f.name, Value: num(*f.v)})
		}
	}
	if d := cmp.Diff(want, Terms(r)); d != "" {
		t.Fatalf("Terms (-want +got):\n%s\n%s", d, x)
	}
}

// checkCanonicalRender: rendering from canonical fields and ingesting the
// result is stable: Render(Ingest(Render(r))) = Render(r), once the one
// lossy step of (b1) is applied to r (an unknown direction renders
// Direction 0, CallType 0, which comes back inbound). Both passes pass
// Prepare.
func checkCanonicalRender(t *testing.T, r *cdr.Record) {
	t.Helper()
	c := withoutRaw(r)
	if c.Direction == cdr.DirectionUnknown {
		c.Direction = cdr.DirectionInbound
	}
	first, err := canonicalRender(t, c)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := Ingest(first, nil)
	if err != nil {
		t.Fatalf("Ingest(Render(r)): %v\n%s", err, first)
	}
	if err := r2.Prepare(cdr.MustTenantID("t"), 1700000000000); err != nil {
		t.Fatalf("Prepare(Ingest(Render(r))): %v\n%s", err, first)
	}
	second, err := Render(withoutRaw(r2), 0)
	if err != nil || !bytes.Equal(first, second) {
		t.Fatalf("the canonical render is not stable (-first +second):\n%s", jsonDiff(t, first, second))
	}
}
