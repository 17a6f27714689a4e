package recordings

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"strconv"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// Links signs and checks download links to archived files (docs/design.md,
// Recording archive): GET /api/v1/records/{id}/recordings/{n} with the
// tenant, an expiry and a signature as its query, which needs no token.
// The native API verifies them; the API and the console sign them.
type Links struct {
	// Key signs the links; every instance of a deployment shares it.
	Key []byte
}

// Path is the path of file n of record id.
func Path(id string, n int) string {
	return "/api/v1/records/" + url.PathEscape(id) + "/recordings/" + strconv.Itoa(n)
}

// Sign returns the link to file n of tenant t's record id, valid until exp
// (Unix s): its path and query.
func (l Links) Sign(t cdr.TenantID, id string, n int, exp int64) string {
	v := url.Values{"tenant": {t.String()}, "expires": {strconv.FormatInt(exp, 10)},
		"signature": {hex.EncodeToString(l.mac(t, id, n, exp))}}
	return Path(id, n) + "?" + v.Encode()
}

// Valid reports whether signature (hex) signs file n of tenant t's record
// id until exp. It does not look at the clock: the caller compares exp.
func (l Links) Valid(t cdr.TenantID, id string, n int, exp int64, signature string) bool {
	sig, err := hex.DecodeString(signature)
	return err == nil && len(l.Key) > 0 && hmac.Equal(sig, l.mac(t, id, n, exp))
}

// mac is the signature of a link to file n of record id of tenant t,
// valid until exp (Unix s): HMAC-SHA256 over the four, each length-prefixed
// so that no two links share an input.
func (l Links) mac(t cdr.TenantID, id string, n int, exp int64) []byte {
	m := hmac.New(sha256.New, l.Key)
	for _, s := range []string{"cdrhub recording link v1", t.String(), id, strconv.Itoa(n), strconv.FormatInt(exp, 10)} {
		fmt.Fprintf(m, "%d:%s\n", len(s), s)
	}
	return m.Sum(nil)
}
