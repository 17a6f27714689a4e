// Package usersig generates and verifies Tencent IM UserSig tokens (TLS
// sig api v2), the authentication of cdrhub's IM-REST-style APIs: TRTC
// TUICallKit get_records_by_filter (B) and Tencent Cloud Desk
// describe_im_cdr_list (E), which carry sdkappid, identifier and usersig
// in the query string.
//
// A token is the variant base64 (standard alphabet with "+" → "*",
// "/" → "-", "=" → "_") of a zlib stream (any level) of a JSON object:
//
//	{"TLS.ver":"2.0","TLS.identifier":id,"TLS.sdkappid":n,"TLS.expire":s,"TLS.time":t,"TLS.sig":b64}
//
// where TLS.sig is the standard base64 of
//
//	HMAC-SHA256(key, "TLS.identifier:"+id+"\nTLS.sdkappid:"+n+"\nTLS.time:"+t+"\nTLS.expire:"+s+"\n")
//
// with the key the console's secret string as is (not hex-decoded). The
// token is valid while now <= time+expire (inclusive), provided time is at
// most MaxFutureSkew ahead of now and, with Options.MaxLifetime, expire is
// at most that long.
//
// Verify returns *Error values carrying the IM REST error code; the
// caller maps an unknown sdkappid (70020), a missing key (70016) and a
// non-admin identifier (60010) itself. README.md in this directory
// describes the format as implemented, traps included.
package usersig

import (
	"bytes"
	"compress/zlib"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on what Verify and Parse decode, and what Gen signs. Real tokens
// are about 200-300 characters.
const (
	MaxTokenLen      = 16 << 10 // characters of the token
	MaxJSONLen       = 16 << 10 // bytes of the inflated JSON
	MaxIdentifierLen = 1024     // bytes of an identifier Gen accepts
)

// Claims are the signed fields of a token.
type Claims struct {
	Version    string // TLS.ver, always "2.0"
	Identifier string // TLS.identifier
	SDKAppID   uint64 // TLS.sdkappid
	Time       int64  // TLS.time, Unix seconds at issue
	Expire     int64  // TLS.expire, validity in seconds after Time
}

// IssuedAt is TLS.time.
func (c Claims) IssuedAt() time.Time { return time.Unix(c.Time, 0) }

// ExpiresAt is the last second at which the token is valid,
// TLS.time + TLS.expire.
func (c Claims) ExpiresAt() time.Time { return time.Unix(int64(c.deadline()), 0) }

// deadline is Time+Expire, both non-negative int64, clamped to MaxInt64.
func (c Claims) deadline() uint64 {
	return min(uint64(c.Time)+uint64(c.Expire), math.MaxInt64)
}

// message is the HMAC input, fields in the signed order.
func (c Claims) message() []byte {
	var b []byte
	b = append(b, "TLS.identifier:"...)
	b = append(b, c.Identifier...)
	b = append(b, "\nTLS.sdkappid:"...)
	b = strconv.AppendUint(b, c.SDKAppID, 10)
	b = append(b, "\nTLS.time:"...)
	b = strconv.AppendInt(b, c.Time, 10)
	b = append(b, "\nTLS.expire:"...)
	b = strconv.AppendInt(b, c.Expire, 10)
	return append(b, '\n')
}

func (c Claims) mac(key string) []byte {
	h := hmac.New(sha256.New, []byte(key))
	h.Write(c.message())
	return h.Sum(nil)
}

// token is the JSON Gen writes, keys in the order of the Go library.
type token struct {
	Version    string `json:"TLS.ver"`
	Identifier string `json:"TLS.identifier"`
	SDKAppID   uint64 `json:"TLS.sdkappid"`
	Expire     int64  `json:"TLS.expire"`
	Time       int64  `json:"TLS.time"`
	Sig        string `json:"TLS.sig"`
}

// Gen returns a UserSig for identifier, issued at now (whole seconds) and
// valid for expire (whole seconds, at least one). The zlib stream uses the
// default compression level. Errors are plain (not *Error): an empty key,
// an empty or over-long identifier, one that is not valid UTF-8 (JSON
// would alter it after it was signed), expire under a second, or now
// before 1970.
func Gen(sdkAppID uint64, key, identifier string, expire time.Duration, now time.Time) (string, error) {
	switch {
	case key == "":
		return "", errors.New("usersig: empty key")
	case identifier == "" || len(identifier) > MaxIdentifierLen:
		return "", errors.New("usersig: identifier must be 1-" + strconv.Itoa(MaxIdentifierLen) + " bytes")
	case !utf8.ValidString(identifier):
		return "", errors.New("usersig: identifier is not valid UTF-8")
	case expire < time.Second:
		return "", errors.New("usersig: expire must be at least one second")
	case now.Unix() < 0:
		return "", errors.New("usersig: now is before 1970")
	}
	c := Claims{Version: "2.0", Identifier: identifier, SDKAppID: sdkAppID,
		Time: now.Unix(), Expire: int64(expire / time.Second)}
	doc, err := json.Marshal(token{c.Version, c.Identifier, c.SDKAppID, c.Expire, c.Time,
		base64.StdEncoding.EncodeToString(c.mac(key))})
	if err != nil {
		return "", err
	}
	var z bytes.Buffer
	w := zlib.NewWriter(&z)
	w.Write(doc) // a bytes.Buffer does not fail
	if err := w.Close(); err != nil {
		return "", err
	}
	return encoder.Replace(base64.StdEncoding.EncodeToString(z.Bytes())), nil
}

var (
	encoder = strings.NewReplacer("+", "*", "/", "-", "=", "_")
	decoder = strings.NewReplacer("*", "+", "-", "/", "_", "=")
)

// MaxFutureSkew is how far ahead of now a token's TLS.time may be. A token
// issued later (a signer's clock far ahead, or a token minted to stay valid
// for years) is refused with 70009.
const MaxFutureSkew = 300 * time.Second

// Options are the checks of VerifyWith beyond the vendor's.
type Options struct {
	// MaxLifetime, when positive, is the longest TLS.expire accepted: a
	// token valid for longer is refused with 70009. Zero accepts any
	// lifetime, as the vendor does.
	MaxLifetime time.Duration
}

// Verify is VerifyWith without a lifetime bound (Options{}).
func Verify(sig string, sdkAppID uint64, identifier string, key string, now time.Time) (Claims, error) {
	return VerifyWith(sig, sdkAppID, identifier, key, now, Options{})
}

// VerifyWith checks sig for the sdkappid and identifier of the request URL
// under key, at now. In order: the token decodes (70003), TLS.sdkappid is
// sdkAppID (70014), TLS.identifier is identifier (70013), key is not
// empty (70016), the HMAC matches, compared in constant time (70009),
// TLS.time is at most MaxFutureSkew after now (70009), TLS.expire is at
// most opt.MaxLifetime when that is set (70009), and now <= time+expire
// (70001). On any error the Claims are zero.
func VerifyWith(sig string, sdkAppID uint64, identifier string, key string, now time.Time, opt Options) (Claims, error) {
	c, mac, err := decode(sig)
	switch {
	case err != nil:
		return Claims{}, err
	case c.SDKAppID != sdkAppID:
		return Claims{}, NewError(CodeSDKAppIDMismatch)
	case c.Identifier != identifier:
		return Claims{}, NewError(CodeIdentifierMismatch)
	case key == "":
		return Claims{}, NewError(CodeKeyNotFound)
	case !hmac.Equal(c.mac(key), mac):
		return Claims{}, NewError(CodeSigMismatch)
	case c.Time-int64(MaxFutureSkew/time.Second) > now.Unix(): // Time >= 0: no overflow
		return Claims{}, &Error{Code: CodeSigMismatch, Message: MsgIssuedInFuture}
	case opt.MaxLifetime > 0 && c.Expire > int64(opt.MaxLifetime/time.Second):
		return Claims{}, errLifetime(opt.MaxLifetime)
	case now.Unix() > int64(c.deadline()):
		return Claims{}, NewError(CodeExpired)
	}
	return c, nil
}

// Parse decodes sig without checking it, to read TLS.sdkappid (the key
// lookup) and TLS.identifier. Nothing in the result is authenticated.
func Parse(sig string) (Claims, error) {
	c, _, err := decode(sig)
	return c, err
}

// decode returns the claims and the raw TLS.sig bytes of a token, or a
// 70003 error.
func decode(sig string) (Claims, []byte, error) {
	if sig == "" {
		return Claims{}, nil, errInvalid("The UserSig is empty.")
	}
	if len(sig) > MaxTokenLen {
		return Claims{}, nil, errInvalid("The UserSig is too long.")
	}
	std := decoder.Replace(sig)
	raw, err := base64.StdEncoding.DecodeString(std)
	if err != nil && len(std)%4 != 0 {
		raw, err = base64.RawStdEncoding.DecodeString(std)
	}
	if err != nil {
		return Claims{}, nil, errInvalid("It is not valid base64.")
	}
	zr, err := zlib.NewReader(bytes.NewReader(raw))
	if err != nil {
		return Claims{}, nil, errInvalid("It is not a zlib stream.")
	}
	doc, err := io.ReadAll(io.LimitReader(zr, MaxJSONLen+1))
	if err != nil {
		return Claims{}, nil, errInvalid("Its zlib stream is corrupt.")
	}
	if len(doc) > MaxJSONLen {
		return Claims{}, nil, errInvalid("It is too long once inflated.")
	}
	return parseJSON(doc)
}
