package cdr

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDistinct(t *testing.T) {
	for _, tc := range []struct{ in, want []string }{
		{nil, nil},
		{[]string{"a"}, []string{"a"}},
		{[]string{"a", "b"}, []string{"a", "b"}},
		{[]string{"a", "a", "b", "a", "c", "b"}, []string{"a", "b", "c"}},
		{[]string{"b", "b"}, []string{"b"}},
	} {
		in := append([]string(nil), tc.in...)
		if diff := cmp.Diff(tc.want, Distinct(in)); diff != "" {
			t.Errorf("Distinct(%q) (-want +got):\n%s", tc.in, diff)
		}
		if diff := cmp.Diff(tc.in, in); diff != "" {
			t.Errorf("Distinct(%q) changed its input (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestCheckStrings(t *testing.T) {
	many := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = strings.Repeat("x", i+1)
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		vs      []string
		max     int
		unit    Unit
		wantLen int
		wantErr string
	}{
		{"at the byte bound", []string{strings.Repeat("a", 128)}, 128, Bytes, 1, ""},
		{"over the byte bound", []string{strings.Repeat("a", 129)}, 128, Bytes, 0, "p: a value is longer than 128 bytes"},
		{"characters, not bytes", []string{strings.Repeat("号", 32)}, 32, Chars, 1, ""},
		{"over the character bound", []string{strings.Repeat("号", 33)}, 32, Chars, 0, "p: a value is longer than 32 characters"},
		{"100 distinct", many(100), 1000, Bytes, 100, ""},
		{"100 distinct and duplicates", append(many(100), many(100)...), 1000, Bytes, 100, ""},
		{"101 distinct", many(101), 1000, Bytes, 0, "p: at most 100 distinct values"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := CheckStrings("p", tc.vs, tc.max, tc.unit)
			if tc.wantErr != "" {
				if ErrorCode(err) != EINVALID || ErrorMessage(err) != tc.wantErr {
					t.Fatalf("error %v, want invalid %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || len(got) != tc.wantLen {
				t.Fatalf("%d values, %v; want %d", len(got), err, tc.wantLen)
			}
		})
	}
}
