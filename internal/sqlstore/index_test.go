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

// SQLite's phone trigrams are written in the tenant's alphabet, the mask
// in an eleventh symbol of its own: the same number makes other tokens in
// another tenant, and a substring's phrase is a run of the number's grams.
func TestPhoneTrigrams(t *testing.T) {
	num := "861391234****78"
	seen := map[string]string{}
	for _, tn := range []string{"acme", "globex", "initech", "a", "b"} {
		sym := tenantSymbols(tn)
		if a := phoneAlphabet(tn); string(a[:]) != string(sym[:10]) {
			t.Fatalf("%s: alphabet %q is not the first ten symbols %q", tn, a, sym)
		}
		if strings.IndexByte(string(sym[:10]), sym[10]) >= 0 {
			t.Fatalf("%s: mask symbol %q is a digit's", tn, sym[10])
		}
		got := phoneTrigrams(&sym, num)
		if grams := strings.Fields(got); len(grams) != len(num)-2 {
			t.Errorf("%s: %d grams of %q: %q", tn, len(grams), num, got)
		}
		for _, c := range []byte(got) {
			if c != ' ' && strings.IndexByte(string(sym[:]), c) < 0 {
				t.Errorf("%s: %q holds %q, not a symbol of the tenant's", tn, got, c)
			}
		}
		for _, sub := range []string{"912", "1391234", "34****7", "4****78"} {
			if !strings.Contains(got, phoneTrigrams(&sym, sub)) {
				t.Errorf("%s: %q's grams do not hold %q's", tn, num, sub)
			}
		}
		if other, ok := seen[got]; ok {
			t.Errorf("%s and %s index %q alike", tn, other, num)
		}
		seen[got] = tn
	}
	sym := tenantSymbols("acme")
	for _, short := range []string{"", "1", "12", "1*"} {
		if got := phoneTrigrams(&sym, short); got != "" {
			t.Errorf("%q: %q, want none", short, got)
		}
	}
}
