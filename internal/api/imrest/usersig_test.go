package imrest_test

import (
	"bytes"
	"compress/zlib"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/auth/usersig"
)

// handSig is a UserSig of app for id with TLS.time issued and TLS.expire
// expire as given, signed with key the way any signer does: no bound on
// either (usersig.Gen cannot express an expire of 10^12 seconds).
func handSig(app uint64, key, id string, issued, expire int64) string {
	msg := fmt.Sprintf("TLS.identifier:%s\nTLS.sdkappid:%d\nTLS.time:%d\nTLS.expire:%d\n", id, app, issued, expire)
	h := hmac.New(sha256.New, []byte(key))
	h.Write([]byte(msg))
	doc := fmt.Sprintf(`{"TLS.ver":"2.0","TLS.identifier":%q,"TLS.sdkappid":%d,"TLS.expire":%d,"TLS.time":%d,"TLS.sig":%q}`,
		id, app, expire, issued, base64.StdEncoding.EncodeToString(h.Sum(nil)))
	var z bytes.Buffer
	w := zlib.NewWriter(&z)
	w.Write([]byte(doc))
	w.Close()
	return strings.NewReplacer("+", "*", "/", "-", "=", "_").Replace(base64.StdEncoding.EncodeToString(z.Bytes()))
}

// TestUserSigTimeBounds: through B and E, a UserSig issued more than 300 s
// ahead is refused with 70009 for every app; an app with
// max_usersig_lifetime (acme, 24 h) refuses a longer TLS.expire with 70009;
// an app without one accepts any lifetime, as the vendor does. Nothing
// refused reads the store.
func TestUserSigTimeBounds(t *testing.T) {
	e := newEnv(t, 1000, 1000)
	now := time.Now().Unix()
	const thirtyYears = 30 * 365 * 86400
	day := int64(acmeMaxLifetime / time.Second)
	type tok struct {
		name           string
		issued, expire int64
	}
	var (
		within     = tok{"24 h, issued now", now, day}
		over       = tok{"24 h + 1 s", now, day + 1}
		decade     = tok{"10^12 s, issued 30 years ago", now - thirtyYears, 1e12}
		skewed     = tok{"issued 4 minutes ahead", now + 240, 3600}
		ahead      = tok{"issued 10 minutes ahead", now + 600, 3600}
		farFuture  = tok{"issued 30 years ahead, 10^12 s", now + thirtyYears, 1e12}
		msgFuture  = usersig.MsgIssuedInFuture
		msgTooLong = usersig.MsgLifetimeTooLong + fmt.Sprintf(" at most %d seconds.", day)
	)
	apis := []struct {
		name, path, body string
		bounded, free    uint64 // an app with acme's bound, one without
		freeKey          string
	}{
		{"B", filterPath, window(""), acmeApp, globexApp, globexKey},
		{"E", deskPath, deskWindow(""), acmeApp, deskOnlyApp, deskKey},
	}
	for _, api := range apis {
		for _, tc := range []struct {
			tok     tok
			bounded bool // acme's app, else the free one
			want    int
			msg     string
		}{
			{within, true, 0, ""},
			{over, true, usersig.CodeSigMismatch, msgTooLong},
			{decade, true, usersig.CodeSigMismatch, msgTooLong},
			{over, false, 0, ""},
			{decade, false, 0, ""}, // no bound: the vendor's behaviour
			{skewed, true, 0, ""},
			{skewed, false, 0, ""},
			{ahead, true, usersig.CodeSigMismatch, msgFuture},
			{ahead, false, usersig.CodeSigMismatch, msgFuture},
			{farFuture, true, usersig.CodeSigMismatch, msgFuture},
			{farFuture, false, usersig.CodeSigMismatch, msgFuture},
		} {
			app, key := api.bounded, acmeKey
			if !tc.bounded {
				app, key = api.free, api.freeKey
			}
			name := fmt.Sprintf("%s, app %d, %s", api.name, app, tc.tok.name)
			reads := e.reads.Load()
			q := url.Values{"sdkappid": {fmt.Sprint(app)}, "identifier": {admin},
				"usersig": {handSig(app, key, admin, tc.tok.issued, tc.tok.expire)}, "random": {"1"}, "contenttype": {"json"}}
			m := e.raw(t, "POST", api.path, q, api.body)
			if code(m) != tc.want {
				t.Errorf("%s: code %d (%s), want %d", name, code(m), message(m), tc.want)
				continue
			}
			if tc.want != 0 {
				if message(m) != tc.msg {
					t.Errorf("%s: message %q, want %q", name, message(m), tc.msg)
				}
				if e.reads.Load() != reads {
					t.Errorf("%s: refused, yet the store was read", name)
				}
			}
		}
	}
	// A forged token of either kind gets the plain 70009.
	for _, tk := range []tok{over, farFuture} {
		q := url.Values{"sdkappid": {fmt.Sprint(acmeApp)}, "identifier": {admin},
			"usersig": {handSig(acmeApp, "not-the-key", admin, tk.issued, tk.expire)}, "contenttype": {"json"}}
		if m := e.raw(t, "POST", filterPath, q, window("")); code(m) != usersig.CodeSigMismatch || message(m) != usersig.MsgSigMismatch {
			t.Errorf("forged, %s: %d %q", tk.name, code(m), message(m))
		}
	}
}
