package sqlstore

import (
	"strings"
	"testing"
)

// Each tenant writes digits in ten distinct symbols of its own; the
// translation keeps substrings (a substring's translation is a substring
// of the number's) and the mask.
func TestPhoneAlphabet(t *testing.T) {
	seen := map[[10]byte]string{}
	for _, tn := range []string{"acme", "globex", "initech", "a", "b", "demo", "bench"} {
		a := phoneAlphabet(tn)
		if a != phoneAlphabet(tn) {
			t.Fatalf("%s: alphabet not deterministic", tn)
		}
		distinct := map[byte]bool{}
		for _, c := range a {
			if !strings.ContainsRune(phoneSymbols, rune(c)) {
				t.Errorf("%s: symbol %q outside [0-9a-z]", tn, c)
			}
			distinct[c] = true
		}
		if len(distinct) != 10 {
			t.Errorf("%s: alphabet %q has repeated symbols", tn, a)
		}
		if other, ok := seen[a]; ok {
			t.Errorf("%s and %s share an alphabet", tn, other)
		}
		seen[a] = tn
		num, sub := "861391234****78", "91234**"
		if got := saltPhone(&a, num); !strings.Contains(got, saltPhone(&a, sub)) || strings.Count(got, "*") != 4 || len(got) != len(num) {
			t.Errorf("%s: %q → %q lost the substring or the mask", tn, num, got)
		}
	}
}
