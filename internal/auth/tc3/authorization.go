package tc3

import (
	"strings"
	"time"

	"github.com/cdrhub/cdrhub/internal/auth"
)

const (
	algorithmTC3 = "TC3-HMAC-SHA256"
	scopeEnd     = "tc3_request"
	dateLayout   = "2006-01-02"
)

// authorization is a parsed TC3 Authorization header:
//
//	TC3-HMAC-SHA256 Credential=<SecretId>/<date>/<service>/tc3_request, SignedHeaders=<h1;h2>, Signature=<hex>
type authorization struct {
	SecretID      string
	Date          string // 2006-01-02
	Service       string
	SignedHeaders []string // lower case, unique, in the order listed
	Signature     string
}

// String renders a in the form the SDKs send.
func (a authorization) String() string {
	return algorithmTC3 + " Credential=" + a.SecretID + "/" + a.scope() +
		", SignedHeaders=" + strings.Join(a.SignedHeaders, ";") +
		", Signature=" + a.Signature
}

func (a authorization) scope() string {
	return a.Date + "/" + a.Service + "/" + scopeEnd
}

// parseAuthorization parses an Authorization header value. Its items are
// separated by commas with optional blanks, in any order, each exactly once.
func parseAuthorization(h string) (authorization, error) {
	var a authorization
	alg, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	if alg != algorithmTC3 {
		return a, errAuthorization("the signature algorithm is not supported, use TC3-HMAC-SHA256.")
	}
	seen := map[string]bool{}
	for item := range strings.SplitSeq(rest, ",") {
		key, val, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok || val == "" || strings.ContainsAny(val, " \t") {
			return a, errAuthorization("`" + clip(item) + "` is not a valid Key=Value item.")
		}
		if seen[key] {
			return a, errAuthorization("`" + clip(key) + "` is repeated.")
		}
		seen[key] = true
		var err error
		switch key {
		case "Credential":
			err = a.parseCredential(val)
		case "SignedHeaders":
			err = a.parseSignedHeaders(val)
		case "Signature":
			a.Signature = val
		default:
			err = errAuthorization("`" + clip(key) + "` is not a known item.")
		}
		if err != nil {
			return authorization{}, err
		}
	}
	for _, k := range []string{"Credential", "SignedHeaders", "Signature"} {
		if !seen[k] {
			return authorization{}, errAuthorization("`" + k + "` is missing.")
		}
	}
	return a, nil
}

func (a *authorization) parseCredential(v string) error {
	parts := strings.Split(v, "/")
	if len(parts) != 4 || parts[0] == "" || parts[2] == "" || parts[3] != scopeEnd {
		return errAuthorization("`Credential` must be SecretId/date/service/tc3_request.")
	}
	if t, err := time.Parse(dateLayout, parts[1]); err != nil || t.Format(dateLayout) != parts[1] {
		return errAuthorization("`Date` in Credential not valid.")
	}
	a.SecretID, a.Date, a.Service = parts[0], parts[1], parts[2]
	return nil
}

func (a *authorization) parseSignedHeaders(v string) error {
	seen := map[string]bool{}
	for name := range strings.SplitSeq(v, ";") {
		if !auth.IsLowerToken(name) || seen[name] {
			return errAuthorization("`SignedHeaders` not valid.")
		}
		seen[name] = true
		a.SignedHeaders = append(a.SignedHeaders, name)
	}
	if !seen["content-type"] || !seen["host"] {
		return errAuthorization("`SignedHeaders` must include content-type and host.")
	}
	return nil
}

// clip shortens s for an error message.
func clip(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 32 {
		return s[:32] + "…"
	}
	return s
}
