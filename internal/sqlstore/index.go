package sqlstore

import (
	"crypto/sha256"
	"hash/fnv"
	"strconv"
	"strings"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// The record index is one FTS4 table, record_index(caller, callee, terms),
// whose docid is records.pk. It answers every lookup that is not by time
// or id:
//
//   - caller, callee: each side's digits as overlapping trigrams, the mask
//     * written as x. A substring of n ≥ 3 digits is the phrase of its n−2
//     trigrams, which matches exactly the numbers that contain it.
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

// trigrams returns the overlapping three-character grams of digits,
// space-separated, with the mask * written as x (a token character).
func trigrams(digits string) string {
	if len(digits) < 3 {
		return ""
	}
	d := strings.ReplaceAll(digits, "*", "x")
	var b strings.Builder
	for i := 0; i+3 <= len(d); i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(d[i : i+3])
	}
	return b.String()
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

// phoneAlphabet returns the ten symbols tenant writes digits 0–9 with.
func phoneAlphabet(tenant string) [10]byte {
	sum := sha256.Sum256([]byte("cdrhub phones\x00" + tenant))
	syms := []byte(phoneSymbols)
	// Fisher–Yates over the hash bytes: modulo bias is irrelevant here.
	for i := len(syms) - 1; i > 0; i-- {
		j := int(sum[i%len(sum)]) % (i + 1)
		syms[i], syms[j] = syms[j], syms[i]
	}
	var a [10]byte
	copy(a[:], syms)
	return a
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
