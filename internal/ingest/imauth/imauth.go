// Package imauth is the client side of the IM REST convention that the
// sync engine's TUICallKit and Desk clients (internal/ingest/trtccallkit,
// tencentdesk) both speak: the URL's authentication (sdkappid, an admin
// identifier, a UserSig of internal/auth/usersig renewed at half its life,
// random, contenttype=json), the query cut from errors, the IM gateway's
// error codes (60xxx, 70xxx) and the loosely typed members of its answers.
// It is apart from vendorhttp, which all five clients share, because only
// these two speak the convention and import usersig; each keeps its path,
// body, answer shape and its API's own codes.
package imauth

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cdrhub/cdrhub/internal/auth/usersig"
	"github.com/cdrhub/cdrhub/internal/ingest"
	"github.com/cdrhub/cdrhub/internal/ingest/vendorhttp"
)

// SigLifetime is the lifetime of the UserSig a Signer signs; it signs a
// new one once less than half of it is left.
const SigLifetime = time.Hour

// BaseURL is vendorhttp.BaseURL, except that an endpoint that is no URL
// is not echoed.
func BaseURL(name, endpoint string) (string, error) {
	if _, err := url.Parse(endpoint); err != nil {
		return "", errors.New(name + ": the endpoint is not a URL")
	}
	return vendorhttp.BaseURL(name, endpoint)
}

// Signer is one application's admin identifier, which signs the query of
// every request. It is safe for concurrent use.
type Signer struct {
	app     uint64
	id, key string

	mu    sync.Mutex
	sig   string    // the current UserSig, "" before the first
	issue time.Time // its TLS.time
}

// NewSigner returns the signer of the application app's administrator id
// with its IM secret key. The identifier must be one usersig.Gen signs
// (length, UTF-8); the error is then Gen's, which names neither the key
// nor a token.
func NewSigner(app uint64, id, key string) (*Signer, error) {
	if _, err := usersig.Gen(app, key, id, SigLifetime, time.Unix(0, 0)); err != nil {
		return nil, err
	}
	return &Signer{app: app, id: id, key: key}, nil
}

// Query returns the URL's query at now, from its "?": the IM REST
// parameters in their documented order, with a UserSig valid at now.
// Its error is usersig.Gen's.
func (s *Signer) Query(now time.Time) (string, error) {
	sig, err := s.userSig(now)
	if err != nil {
		return "", err
	}
	return "?sdkappid=" + strconv.FormatUint(s.app, 10) + "&identifier=" + url.QueryEscape(s.id) +
		"&usersig=" + url.QueryEscape(sig) + "&random=" + strconv.FormatUint(uint64(rand.Uint32()), 10) +
		"&contenttype=json", nil
}

// userSig returns a UserSig valid at now: the current one while more than
// half of its life is left (and it was not issued after now), else a new
// one issued at now.
func (s *Signer) userSig(now time.Time) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sig != "" && !now.Before(s.issue) && now.Sub(s.issue) < SigLifetime/2 {
		return s.sig, nil
	}
	now = now.Truncate(time.Second)
	sig, err := usersig.Gen(s.app, s.key, s.id, SigLifetime, now)
	if err != nil {
		return "", err
	}
	s.sig, s.issue = sig, now
	return sig, nil
}

// Redact returns err with the URL of a *url.Error cut at its query, where
// the UserSig is.
func Redact(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	u, _, _ := strings.Cut(ue.URL, "?")
	return &url.Error{Op: ue.Op, URL: u, Err: ue.Err}
}

// CodeKind classifies an error code of the IM gateway, which every IM
// REST API answers with; ok is false for any other code, which the API
// classifies. The codes:
//   - Throttled: 60007, 60011, 60018, 60019 (call frequency).
//   - Transient: 60008, 60014 (timeouts).
//   - Auth: 60004, 60005, 60006, 60010 (not an App administrator), 60016,
//     60020, 60021, and 70000–79999 (UserSig, account).
func CodeKind(code int) (kind ingest.Kind, ok bool) {
	switch code {
	case 60007, 60011, 60018, 60019:
		return ingest.Throttled, true
	case 60008, 60014:
		return ingest.Transient, true
	case 60004, 60005, 60006, usersig.CodeAdminRequired, 60016, 60020, 60021:
		return ingest.Auth, true
	}
	if code >= 70000 && code <= 79999 {
		return ingest.Auth, true
	}
	return 0, false
}

// IntMember reads an integer member: a JSON number, or a string of one
// (the IM REST overview types the error code loosely).
func IntMember(raw json.RawMessage) (int64, bool) {
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return 0, false
		}
		raw = json.RawMessage(s)
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	return n, err == nil
}

// StringMember reads a member that is a string or an integer (the REST
// overview types the request id as an integer); "" when absent or
// neither.
func StringMember(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	if _, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
		return string(raw)
	}
	return ""
}
