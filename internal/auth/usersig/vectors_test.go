package usersig

import (
	"bytes"
	"compress/zlib"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"
)

// docs/wire-contracts.md §8.5, checked with the official VerifyUserSig.
const (
	vecAppID  = 1400000000
	vecKey    = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e"
	vecID     = "administrator"
	vecTime   = 1700000000
	vecExpire = 86400
	vecMsg    = "TLS.identifier:administrator\nTLS.sdkappid:1400000000\nTLS.time:1700000000\nTLS.expire:86400\n"
	vecHex    = "c8b01efb0ed651e52ea9b57d87f4d7efcbb6d684c68be8bd669d6edcfa6763ad"
	vecSig    = "yLAe+w7WUeUuqbV9h/TX78u21oTGi+i9Zp1u3PpnY60="
	vecJSON   = `{"TLS.ver":"2.0","TLS.identifier":"administrator","TLS.sdkappid":1400000000,"TLS.expire":86400,"TLS.time":1700000000,"TLS.sig":"yLAe+w7WUeUuqbV9h/TX78u21oTGi+i9Zp1u3PpnY60="}`
	// Go library style: zlib.NoCompression, trailing newline.
	vecStored = "eAEArwBQ-3siVExTLnZlciI6IjIuMCIsIlRMUy5pZGVudGlmaWVyIjoiYWRtaW5pc3RyYXRvciIsIlRMUy5zZGthcHBpZCI6MTQwMDAwMDAwMCwiVExTLmV4cGlyZSI6ODY0MDAsIlRMUy50aW1lIjoxNzAwMDAwMDAwLCJUTFMuc2lnIjoieUxBZSt3N1dVZVV1cWJWOWgvVFg3OHUyMW9UR2kraTlacDF1M1Bwblk2MD0ifQoBAAD---AkM5w_"
	// Other libraries: default compression.
	vecDeflated = "eJyqVgrxCdYrSy1SslIy0jNQ0gHzM1NS80oy0zLBwokpuZl5mcUlRYkl*UVQBcUp2YkFBZkpSlaGJgZQAJFJrSjILEpVsrIwM4EJlWTmpipZGZqjKizOTFeyUqr0cUzVLjcPD00NLS1MCrPM0A*JMLcoNTLMD3HP1M60jCowLDUOKMiLNDOwVaoFBAAA--*8iDOS"
)

var vecClaims = Claims{Version: "2.0", Identifier: vecID, SDKAppID: vecAppID, Time: vecTime, Expire: vecExpire}

func at(sec int64) time.Time { return time.Unix(sec, 0) }

// code returns the IM code of err, 0 for nil, -1 for an error that is not
// an *Error.
func code(err error) int {
	if err == nil {
		return 0
	}
	var e *Error
	if !errors.As(err, &e) {
		return -1
	}
	return e.Code
}

func TestVectorHMAC(t *testing.T) {
	if got := string(vecClaims.message()); got != vecMsg {
		t.Fatalf("message %q, want %q", got, vecMsg)
	}
	mac := vecClaims.mac(vecKey)
	if got := hex.EncodeToString(mac); got != vecHex {
		t.Fatalf("hmac %s, want %s", got, vecHex)
	}
	if got := base64.StdEncoding.EncodeToString(mac); got != vecSig {
		t.Fatalf("sig %s, want %s", got, vecSig)
	}
	// Independent of Claims.message: the key is the hex string as is.
	h := hmac.New(sha256.New, []byte(vecKey))
	h.Write([]byte(vecMsg))
	if !bytes.Equal(h.Sum(nil), mac) {
		t.Fatal("mac differs from HMAC-SHA256(key string, message)")
	}
}

func TestVectorTokens(t *testing.T) {
	for name, tok := range map[string]string{"stored": vecStored, "deflated": vecDeflated} {
		t.Run(name, func(t *testing.T) {
			if got := inflate(t, tok); strings.TrimSpace(got) != vecJSON {
				t.Fatalf("JSON %s", got)
			}
			for _, now := range []int64{vecTime, vecTime + 100, vecTime + vecExpire} {
				c, err := Verify(tok, vecAppID, vecID, vecKey, at(now))
				if err != nil || c != vecClaims {
					t.Fatalf("at t+%d: %+v, %v", now-vecTime, c, err)
				}
			}
			cases := []struct {
				name  string
				appID uint64
				id    string
				key   string
				now   int64
				want  int
			}{
				{"expired one second after", vecAppID, vecID, vecKey, vecTime + vecExpire + 1, CodeExpired},
				{"other key", vecAppID, vecID, vecKey[1:] + "0", vecTime + 100, CodeSigMismatch},
				{"identifier", vecAppID, "admin", vecKey, vecTime + 100, CodeIdentifierMismatch},
				{"identifier case", vecAppID, "Administrator", vecKey, vecTime + 100, CodeIdentifierMismatch},
				{"sdkappid", vecAppID + 1, vecID, vecKey, vecTime + 100, CodeSDKAppIDMismatch},
				{"empty key", vecAppID, vecID, "", vecTime + 100, CodeKeyNotFound},
				{"forged and expired", vecAppID, vecID, "other", vecTime + vecExpire + 1, CodeSigMismatch},
			}
			for _, tc := range cases {
				c, err := Verify(tok, tc.appID, tc.id, tc.key, at(tc.now))
				if code(err) != tc.want || c != (Claims{}) {
					t.Errorf("%s: %+v, %v; want code %d", tc.name, c, err, tc.want)
				}
				if err != nil && vecKey != "" && strings.Contains(err.Error(), vecKey) {
					t.Errorf("%s: the error holds the key", tc.name)
				}
			}
			c, err := Parse(tok)
			if err != nil || c != vecClaims {
				t.Fatalf("Parse: %+v, %v", c, err)
			}
			if !c.IssuedAt().Equal(at(vecTime)) || !c.ExpiresAt().Equal(at(vecTime+vecExpire)) {
				t.Fatalf("IssuedAt %v ExpiresAt %v", c.IssuedAt(), c.ExpiresAt())
			}
		})
	}
}

func TestGenReproducesVector(t *testing.T) {
	tok, err := Gen(vecAppID, vecKey, vecID, vecExpire*time.Second, at(vecTime).Add(999*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok, "eJ") || strings.ContainsAny(tok, "+/=") {
		t.Fatalf("token %s: not default-level zlib in the variant alphabet", tok)
	}
	var got, want map[string]any
	if err := json.Unmarshal([]byte(inflate(t, tok)), &got); err != nil {
		t.Fatal(err)
	}
	json.Unmarshal([]byte(vecJSON), &want)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("JSON\n got %v\nwant %v", got, want)
	}
	if got["TLS.sig"] != vecSig {
		t.Fatalf("TLS.sig %v", got["TLS.sig"])
	}
	c, err := Verify(tok, vecAppID, vecID, vecKey, at(vecTime+vecExpire))
	if err != nil || c != vecClaims {
		t.Fatalf("Verify: %+v, %v", c, err)
	}
	if _, err := Verify(tok, vecAppID, vecID, vecKey, at(vecTime+vecExpire+1)); code(err) != CodeExpired {
		t.Fatalf("one second late: %v", err)
	}
}

// inflate decodes a token without the package's decoder.
func inflate(t *testing.T, tok string) string {
	t.Helper()
	std := strings.NewReplacer("*", "+", "-", "/", "_", "=").Replace(tok)
	raw, err := base64.StdEncoding.DecodeString(std)
	if err != nil {
		t.Fatal(err)
	}
	r, err := zlib.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// pack is a token of any JSON text at a zlib level.
func pack(doc string, level int) string {
	var b bytes.Buffer
	w, _ := zlib.NewWriterLevel(&b, level)
	w.Write([]byte(doc))
	w.Close()
	return strings.NewReplacer("+", "*", "/", "-", "=", "_").Replace(base64.StdEncoding.EncodeToString(b.Bytes()))
}
