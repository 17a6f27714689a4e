package pop

import (
	"strings"

	"github.com/cdrhub/cdrhub/internal/auth"
)

const algorithmV3 = "ACS3-HMAC-SHA256"

// authorization is a parsed V3 Authorization header:
//
//	ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=<h1;h2>,Signature=<hex>
type authorization struct {
	AccessKeyID   string
	SignedHeaders []string // lower case, unique, in the order listed
	Signature     string
}

// String renders a in the form the SDKs send.
func (a authorization) String() string {
	return algorithmV3 + " Credential=" + a.AccessKeyID +
		",SignedHeaders=" + strings.Join(a.SignedHeaders, ";") +
		",Signature=" + a.Signature
}

// parseAuthorization parses an Authorization header value. Its items are
// separated by commas with optional blanks, in any order, each exactly
// once. Another ACS3 algorithm is InvalidSignatureMethod; anything else
// malformed is IncompleteSignature.
func parseAuthorization(h string) (authorization, error) {
	var a authorization
	alg, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	if alg != algorithmV3 {
		return a, errSignatureMethod("method")
	}
	seen := map[string]bool{}
	for item := range strings.SplitSeq(rest, ",") {
		key, val, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok || val == "" || strings.ContainsAny(val, " \t") || seen[key] {
			return authorization{}, errIncomplete("The Authorization header is malformed.")
		}
		seen[key] = true
		switch key {
		case "Credential":
			a.AccessKeyID = val
		case "SignedHeaders":
			if !a.parseSignedHeaders(val) {
				return authorization{}, errIncomplete("SignedHeaders is malformed.")
			}
		case "Signature":
			a.Signature = val
		default:
			return authorization{}, errIncomplete("The Authorization header is malformed.")
		}
	}
	if !seen["Credential"] || !seen["SignedHeaders"] || !seen["Signature"] {
		return authorization{}, errIncomplete("The Authorization header is malformed.")
	}
	return a, nil
}

func (a *authorization) parseSignedHeaders(v string) bool {
	seen := map[string]bool{}
	for name := range strings.SplitSeq(v, ";") {
		if !auth.IsLowerToken(name) || seen[name] {
			return false
		}
		seen[name] = true
		a.SignedHeaders = append(a.SignedHeaders, name)
	}
	return true
}
