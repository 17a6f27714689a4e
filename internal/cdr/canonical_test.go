package cdr

import (
	"bytes"
	"testing"
)

var canonicalSeeds = []string{
	`{"b":1,"a":[true,false,null,"x"],"c":{"z":-0.5e+10,"y":""}}`,
	` { "SessionId" : "s-1", "Time": 1700000000 , "SeatUser": {"UserId":"a@b","Name":"Ann"} } `,
	`{"a":1,"a":2,"b":{"a":3,"a":[4]}}`,
	`{"k":"<&>\u2028\u2029\"\\\/\b\f\n\r\t\u0001 é 中"}`,
	"{\"raw\":\"\xff\xfe tail\",\"ctl\":\"a\x01b\"}",
	"\"\u2028\"",
	`[1, 2.50, -0, 0e0, 1E+2, 1e-2]`,
	`{"é":1,"e":2,"E":3,"":4}`,
	`{} {}`, `{}x`, `{"a":}`, `[1,]`, `01`, `-`, `1.`, `"\x"`, `"\ud800"`, `{"a" 1}`, `tru`, ``, `   `,
	`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
}

// The one-pass canonical form is encoding/json's, byte for byte: content
// hashes of stored records depend on it.
func TestCanonicalFastIsEncodingJSONs(t *testing.T) {
	for _, s := range canonicalSeeds {
		checkCanonical(t, []byte(s))
	}
}

func FuzzCanonicalJSON(f *testing.F) {
	for _, s := range canonicalSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(checkCanonical)
}

func checkCanonical(t *testing.T, doc []byte) {
	want, werr := canonicalSlow(doc)
	got, gerr := canonicalJSON(doc)
	if (werr == nil) != (gerr == nil) || !bytes.Equal(got, want) {
		t.Errorf("canonicalJSON(%q) = %q, %v; encoding/json gives %q, %v", doc, got, gerr, want, werr)
	}
	if fast, ok := canonicalFast(doc); ok && (werr != nil || !bytes.Equal(fast, want)) {
		t.Errorf("canonicalFast(%q) = %q; encoding/json gives %q, %v", doc, fast, want, werr)
	}
}
