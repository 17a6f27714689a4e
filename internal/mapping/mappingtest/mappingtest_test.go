package mappingtest

import "testing"

type sample struct {
	A int    `json:"A"`
	B string `json:"B,omitempty"`
}

func TestStrictDecodeAndMembers(t *testing.T) {
	tests := []struct {
		in       string
		nullOK   bool
		optional []string
		ok       bool
	}{
		{`{"A":1,"B":"x"}`, false, nil, true},
		{`{"A":1}`, false, nil, false},              // B absent
		{`{"A":1}`, false, []string{"B"}, true},     // B optional
		{`{"A":1,"B":null}`, false, nil, false},     // null
		{`{"A":1,"B":null}`, true, nil, true},       // null allowed
		{`{"A":1,"B":"x","C":2}`, true, nil, false}, // unknown member
		{`{"A":"1","B":"x"}`, true, nil, false},     // string for a number
		{`{"A":1,"B":"x"} {}`, true, nil, false},    // trailing data
	}
	for _, tt := range tests {
		_, err := StrictDecode[sample]([]byte(tt.in))
		if err == nil {
			err = RequireMembers([]byte(tt.in), sample{}, tt.nullOK, tt.optional...)
		}
		if (err == nil) != tt.ok {
			t.Errorf("%s nullOK=%v optional=%v: %v, want ok=%v", tt.in, tt.nullOK, tt.optional, err, tt.ok)
		}
	}
	if p := FindNull(map[string]any{"a": []any{1, map[string]any{"b": nil}}}, "$"); p != "$.a[].b" {
		t.Errorf("FindNull: %q", p)
	}
}
