// Package auth holds the signature schemes of the vendor protocols cdrhub
// speaks, one package each, every one both signing (for clients and tests)
// and verifying (for the servers), importing only the standard library and
// this package:
//
//   - tc3: Tencent Cloud API 3.0, TC3-HMAC-SHA256 and the legacy v1
//   - pop: Alibaba Cloud POP, ACS3-HMAC-SHA256 and RPC v1, with the nonce store
//   - usersig: Tencent IM UserSig (TLS sig v2)
//   - laaffic: the laaffic-family MD5 Sign
//
// This package holds what they share: the key lookup (Keys) and the
// signed-header name check.
package auth

import "strings"

// IsLowerToken reports whether s is a non-empty HTTP token (RFC 9110
// tchar) without upper-case letters: the form of a signed header's name in
// the TC3 and ACS3 Authorization headers.
func IsLowerToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
		if !ok {
			return false
		}
	}
	return true
}

// Keys finds the secret of a public key id (a SecretId, an AccessKeyId).
// The caller also remembers which tenant the id belongs to; a tenant may
// hold several, for rotation.
type Keys interface {
	Lookup(id string) (secret string, ok bool)
}

// KeyMap is a Keys backed by a map from id to secret.
type KeyMap map[string]string

// Lookup implements Keys.
func (m KeyMap) Lookup(id string) (string, bool) {
	s, ok := m[id]
	return s, ok
}
