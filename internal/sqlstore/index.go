package sqlstore

import (
	"crypto/sha256"
	"hash/fnv"
	"strconv"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// The record index is one FTS4 table, record_index(caller, callee, terms),
// whose docid is records.pk. It answers every lookup that is not by time
// or id:
//
//   - caller, callee: each side's digits as overlapping trigrams, written
//     in the tenant's own alphabet (see phoneTrigrams). A substring of
//     n ≥ 3 digits is the phrase of its n−2 trigrams, which matches exactly
//     the numbers that contain it.
//   - terms: one token per party key and per multi-valued filter value
//     (agents, queues, tags, rendered vendor enums), each the hash of the
//     tenant, the kind and the value, so that a token never matches another
//     tenant's records or another kind.
//
// FTS4 buffers a transaction's tokens in memory and writes them as one
// segment at commit, which costs a fraction of one b-tree insert per value.
// Every match is joined back to records under the tenant predicate, and
// exact predicates on the row's columns confirm what a hash selects.

// Token prefixes of the terms column. Hex digests follow, so tokens never
// collide with the three-character trigrams of the phone columns.
const (
	tokCallerKey = "p"
	tokCalleeKey = "q"
	tokTerm      = "t"
)

// token returns the terms token of (tenant, kind, value) with prefix p.
func token(p, tenant, kind, value string) string {
	h := fnv.New64a()
	h.Write([]byte(tenant))
	h.Write([]byte{0})
	h.Write([]byte(kind))
	h.Write([]byte{0})
	h.Write([]byte(value))
	return p + strconv.FormatUint(h.Sum64(), 16)
}

// partyKey is the looked-up key of a party: the last seven of its digits,
// or its address when it has none (app user ids, chat visitors).
func partyKey(p cdr.Party) string {
	if p.Digits != "" {
		return cdr.Tail7(p.Digits)
	}
	return p.Address
}

// indexTokens returns the index tokens of r: SQLite's terms column,
// PostgreSQL's keys.
func indexTokens(r *cdr.Record) []string {
	var toks []string
	if k := partyKey(r.Caller); k != "" {
		toks = append(toks, token(tokCallerKey, r.Tenant, "", k))
	}
	if k := partyKey(r.Callee); k != "" {
		toks = append(toks, token(tokCalleeKey, r.Tenant, "", k))
	}
	for _, t := range r.Terms() {
		toks = append(toks, token(tokTerm, r.Tenant, t.Kind, t.Value))
	}
	return toks
}

// phoneTrigrams returns SQLite's index value of a side's digits: the
// overlapping three-character grams of the digits written in the tenant's
// alphabet (sym, from tenantSymbols), space-separated, with the mask *
// written as the alphabet's eleventh symbol (a token character: the
// tokenizer would split a number at *). As on PostgreSQL, a tenant's grams
// are its own: a lookup reads the tenant's entries and only rarely another
// tenant's, so the time it takes says little about other tenants'
// numbers.
func phoneTrigrams(sym *[11]byte, digits string) string {
	if len(digits) < 3 {
		return ""
	}
	d := make([]byte, 0, len(digits))
	for i := 0; i < len(digits); i++ {
		switch c := digits[i]; {
		case c >= '0' && c <= '9':
			d = append(d, sym[c-'0'])
		case c == '*':
			d = append(d, sym[10])
		}
	}
	if len(d) < 3 {
		return ""
	}
	b := make([]byte, 0, 4*(len(d)-2))
	for i := 0; i+3 <= len(d); i++ {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, d[i:i+3]...)
	}
	return string(b)
}

// phoneSalt caches the symbols of the tenant last asked for: a call's
// records share their tenant.
type phoneSalt struct {
	tenant string
	sym    [11]byte
	ok     bool
}

// trigrams returns phoneTrigrams of digits for tenant.
func (s *phoneSalt) trigrams(tenant, digits string) string {
	if !s.ok || s.tenant != tenant {
		s.tenant, s.sym, s.ok = tenant, tenantSymbols(tenant), true
	}
	return phoneTrigrams(&s.sym, digits)
}

// The phones column of PostgreSQL holds both sides' digits, each digit
// written in an alphabet of the tenant's own, a permutation of [0-9a-z]
// drawn from a hash of the tenant; the mask * stays. A substring search
// translates its digits the same way, so its trigrams select the
// tenant's numbers and only rarely another tenant's (which the tenant
// predicate then drops), and the trigram index needs no tenant column.
// pg_trgm keeps trigrams of runs of letters and digits, so * separates
// runs as it does in the numbers.

const phoneSymbols = "0123456789abcdefghijklmnopqrstuvwxyz"

// tenantSymbols returns the first eleven symbols of tenant's permutation of
// [0-9a-z]: digits 0–9 are written with the first ten on both databases,
// and SQLite's index writes the mask with the eleventh.
func tenantSymbols(tenant string) [11]byte {
	sum := sha256.Sum256([]byte("cdrhub phones\x00" + tenant))
	syms := []byte(phoneSymbols)
	// Fisher–Yates over the hash bytes: modulo bias is irrelevant here.
	for i := len(syms) - 1; i > 0; i-- {
		j := int(sum[i%len(sum)]) % (i + 1)
		syms[i], syms[j] = syms[j], syms[i]
	}
	var a [11]byte
	copy(a[:], syms)
	return a
}

// phoneAlphabet returns the ten symbols tenant writes digits 0–9 with.
func phoneAlphabet(tenant string) [10]byte {
	s := tenantSymbols(tenant)
	return [10]byte(s[:10])
}

// saltPhone writes the digits and masks of s in alphabet a.
func saltPhone(a *[10]byte, s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			b = append(b, a[c-'0'])
		case c == '*':
			b = append(b, '*')
		}
	}
	return string(b)
}

// phonesColumn is PostgreSQL's phones value of r.
func phonesColumn(r *cdr.Record) string {
	a := phoneAlphabet(r.Tenant)
	return saltPhone(&a, r.Caller.Digits) + " " + saltPhone(&a, r.Callee.Digits)
}
