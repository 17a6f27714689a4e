package usersig

import (
	"compress/zlib"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// signed is a JSON document whose TLS.sig is the vector's valid signature;
// edit replaces text in it after signing.
func signed(edit ...string) string {
	return strings.NewReplacer(edit...).Replace(vecJSON)
}

func TestVerifyMalformed(t *testing.T) {
	long := strings.Repeat("A", MaxTokenLen+4)
	cases := map[string]string{
		"empty":            "",
		"garbage":          "not a usersig!",
		"bad base64":       "eJyq$Vgr",
		"bad padding":      "eJy_",
		"too long":         long,
		"not zlib":         pack("", 0)[4:] + "AAAA",
		"raw JSON":         strings.NewReplacer("+", "*", "/", "-", "=", "_").Replace(base64.StdEncoding.EncodeToString([]byte(vecJSON))),
		"truncated zlib":   vecDeflated[:len(vecDeflated)-12],
		"bad checksum":     vecStored[:len(vecStored)-4] + "AAA_",
		"zlib bomb":        pack(vecJSON[:len(vecJSON)-1]+`,"x":"`+strings.Repeat("a", MaxJSONLen)+`"}`, zlib.BestCompression),
		"not JSON":         pack("hello", 6),
		"array":            pack("[]", 6),
		"trailing data":    pack(vecJSON+"{}", 6),
		"duplicate key":    pack(signed(`"TLS.ver":"2.0",`, `"TLS.ver":"2.0","TLS.ver":"2.0",`), 6),
		"key case":         pack(signed(`"TLS.sig"`, `"tls.sig"`), 6),
		"no ver":           pack(signed(`"TLS.ver":"2.0",`, ``), 6),
		"ver 1":            pack(signed(`"TLS.ver":"2.0"`, `"TLS.ver":"1.0"`), 6),
		"no identifier":    pack(signed(`"TLS.identifier":"administrator",`, ``), 6),
		"identifier null":  pack(signed(`"administrator"`, `null`), 6),
		"no sdkappid":      pack(signed(`"TLS.sdkappid":1400000000,`, ``), 6),
		"no time":          pack(signed(`"TLS.time":1700000000,`, ``), 6),
		"no expire":        pack(signed(`"TLS.expire":86400,`, ``), 6),
		"no sig":           pack(signed(`,"TLS.sig":"yLAe+w7WUeUuqbV9h/TX78u21oTGi+i9Zp1u3PpnY60="`, ``), 6),
		"sig short":        pack(signed(`yLAe+w7W`, ``), 6),
		"sig not base64":   pack(signed(`yLAe+w7W`, `yLAe+w7!`), 6),
		"sig as number":    pack(signed(`"yLAe+w7WUeUuqbV9h/TX78u21oTGi+i9Zp1u3PpnY60="`, `1`), 6),
		"expire negative":  pack(signed(`86400`, `-86400`), 6),
		"expire fraction":  pack(signed(`86400`, `86400.0`), 6),
		"time exponent":    pack(signed(`1700000000`, `1.7e9`), 6),
		"sdkappid zero-ed": pack(signed(`1400000000`, `01400000000`), 6),
		"sdkappid quoted0": pack(signed(`1400000000`, `"01400000000"`), 6),
		"sdkappid huge":    pack(signed(`1400000000`, `18446744073709551616`), 6),
		"time over int64":  pack(signed(`1700000000`, `9223372036854775808`), 6),
		"userbuf":          pack(signed(`"TLS.sig"`, `"TLS.userbuf":"AAEC","TLS.sig"`), 6),
		"dictionary":       "eLsA",
		"sig noncanonical": pack(signed(`Y60=`, `Y61=`), 6),
	}
	for name, tok := range cases {
		c, err := Verify(tok, vecAppID, vecID, vecKey, at(vecTime))
		if code(err) != CodeInvalid || c != (Claims{}) {
			t.Errorf("%s: Verify %+v, %v; want 70003", name, c, err)
		}
		if _, err := Parse(tok); code(err) != CodeInvalid {
			t.Errorf("%s: Parse %v; want 70003", name, err)
		}
	}
}

func TestVerifyAcceptedForms(t *testing.T) {
	cases := map[string]string{
		"stored":              pack(vecJSON, zlib.NoCompression),
		"best":                pack(vecJSON, zlib.BestCompression),
		"huffman only":        pack(vecJSON, zlib.HuffmanOnly),
		"standard base64":     base64.StdEncoding.EncodeToString([]byte(inflateRaw(vecDeflated))),
		"unpadded":            strings.TrimRight(vecDeflated, "_"),
		"keys reordered":      pack(`{"TLS.sig":"yLAe+w7WUeUuqbV9h/TX78u21oTGi+i9Zp1u3PpnY60=","TLS.time":1700000000,"TLS.expire":86400,"TLS.sdkappid":1400000000,"TLS.identifier":"administrator","TLS.ver":"2.0"}`, 6),
		"spaces":              pack(strings.NewReplacer(`:`, ` : `, `,`, " ,\n ").Replace(vecJSON), 6),
		"numbers as strings":  pack(signed(`1400000000`, `"1400000000"`, `86400`, `"86400"`, `:1700000000`, `:"1700000000"`), 6),
		"unknown key ignored": pack(signed(`{`, `{"TLS.extra":[1,{"a":2}],`), 6),
		"escaped identifier":  pack(signed(`"administrator"`, `"\u0061dministrator"`), 6),
	}
	for name, tok := range cases {
		c, err := Verify(tok, vecAppID, vecID, vecKey, at(vecTime+vecExpire))
		if err != nil || c != vecClaims {
			t.Errorf("%s: %+v, %v", name, c, err)
		}
	}
}

// inflateRaw returns the zlib bytes of a variant token.
func inflateRaw(tok string) string {
	b, _ := base64.StdEncoding.DecodeString(strings.NewReplacer("*", "+", "-", "/", "_", "=").Replace(tok))
	return string(b)
}

func TestVerifyTampered(t *testing.T) {
	cases := map[string]struct {
		doc   string
		appID uint64
		id    string
	}{
		"expire":     {signed(`86400`, `864000`), vecAppID, vecID},
		"time":       {signed(`1700000000`, `1700000001`), vecAppID, vecID},
		"identifier": {signed(`"administrator"`, `"admin"`), vecAppID, "admin"},
		"sdkappid":   {signed(`1400000000`, `1400000001`), vecAppID + 1, vecID},
		"sig bit":    {signed(`Y60=`, `Y64=`), vecAppID, vecID},
		"sig other":  {signed(`yLAe`, `yLAf`), vecAppID, vecID},
	}
	for name, tc := range cases {
		_, err := Verify(pack(tc.doc, 6), tc.appID, tc.id, vecKey, at(vecTime))
		if code(err) != CodeSigMismatch {
			t.Errorf("%s: %v; want 70009", name, err)
		}
	}
}

func TestExpiryBoundary(t *testing.T) {
	issued := at(1800000000)
	for _, exp := range []time.Duration{time.Second, time.Minute, 180 * 24 * time.Hour} {
		tok, err := Gen(vecAppID, vecKey, vecID, exp, issued)
		if err != nil {
			t.Fatal(err)
		}
		last := issued.Add(exp)
		if _, err := Verify(tok, vecAppID, vecID, vecKey, last.Add(999*time.Millisecond)); err != nil {
			t.Errorf("expire %v: at the last second: %v", exp, err)
		}
		if _, err := Verify(tok, vecAppID, vecID, vecKey, last.Add(time.Second)); code(err) != CodeExpired {
			t.Errorf("expire %v: one second later: %v; want 70001", exp, err)
		}
		// Issued up to MaxFutureSkew ahead (clock skew) is accepted.
		if _, err := Verify(tok, vecAppID, vecID, vecKey, issued.Add(-MaxFutureSkew)); err != nil {
			t.Errorf("expire %v: %v before issue: %v", exp, MaxFutureSkew, err)
		}
	}
	// time+expire beyond int64 does not wrap into the past.
	doc := `{"TLS.ver":"2.0","TLS.identifier":"a","TLS.sdkappid":1,"TLS.expire":9223372036854775807,"TLS.time":1099511627776,"TLS.sig":"SIG"}`
	c := Claims{"2.0", "a", 1, 1 << 40, 1<<63 - 1}
	doc = strings.Replace(doc, "SIG", base64.StdEncoding.EncodeToString(c.mac("k")), 1)
	if got, err := Verify(pack(doc, 6), 1, "a", "k", at(1<<40)); err != nil || got != c {
		t.Fatalf("huge expiry: %+v, %v", got, err)
	}
}

// sigAt returns a token of the vector's app, identifier and key with
// TLS.time and TLS.expire as given, signed as a foreign signer would (no
// bound on either).
func sigAt(time, expire int64) string {
	c := Claims{"2.0", vecID, vecAppID, time, expire}
	doc, _ := json.Marshal(token{c.Version, c.Identifier, c.SDKAppID, c.Expire, c.Time, base64.StdEncoding.EncodeToString(c.mac(vecKey))})
	return pack(string(doc), 6)
}

// A token issued more than MaxFutureSkew ahead of now is refused with
// 70009 whatever its lifetime; up to MaxFutureSkew ahead, it is accepted.
func TestIssuedInFuture(t *testing.T) {
	now := int64(1800000000)
	skew := int64(MaxFutureSkew / time.Second)
	const thirtyYears = 30 * 365 * 86400
	for _, tc := range []struct {
		name         string
		time, expire int64
		want         int
	}{
		{"now", now, 3600, 0},
		{"300 s ahead", now + skew, 3600, 0},
		{"301 s ahead", now + skew + 1, 3600, CodeSigMismatch},
		{"an hour ahead", now + 3600, 86400, CodeSigMismatch},
		{"30 years ahead, expire 10^12", now + thirtyYears, 1e12, CodeSigMismatch},
		{"time at int64 max", 1<<63 - 1, 1, CodeSigMismatch},
		{"30 years ago, expire 10^12", now - thirtyYears, 1e12, 0}, // no bound on the lifetime by default
	} {
		c, err := Verify(sigAt(tc.time, tc.expire), vecAppID, vecID, vecKey, at(now))
		if code(err) != tc.want {
			t.Errorf("%s: %v; want code %d", tc.name, err, tc.want)
		}
		if err != nil && c != (Claims{}) {
			t.Errorf("%s: claims %+v with an error", tc.name, c)
		}
		if code(err) == CodeSigMismatch && err.(*Error).Message != MsgIssuedInFuture {
			t.Errorf("%s: message %q", tc.name, err.(*Error).Message)
		}
	}
	// The HMAC is checked first: a forged future token learns only 70009
	// with the plain message.
	_, err := Verify(sigAt(now+3600, 60), vecAppID, vecID, "other-key", at(now))
	if code(err) != CodeSigMismatch || err.(*Error).Message != MsgSigMismatch {
		t.Errorf("forged future token: %v", err)
	}
}

// Options.MaxLifetime refuses a TLS.expire longer than it with 70009; a
// token within it verifies, and the bound applies before the expiry.
func TestMaxLifetime(t *testing.T) {
	now := int64(1800000000)
	for _, tc := range []struct {
		name   string
		max    time.Duration
		expire int64
		time   int64
		want   int
	}{
		{"off", 0, 1e12, now, 0},
		{"equal", 24 * time.Hour, 86400, now, 0},
		{"one second over", 24 * time.Hour, 86401, now, CodeSigMismatch},
		{"under", time.Hour, 60, now, 0},
		{"fraction of a second rounds down", 1500 * time.Millisecond, 2, now, CodeSigMismatch},
		{"fraction, whole second", 1500 * time.Millisecond, 1, now, 0},
		{"10^12", 180 * 24 * time.Hour, 1e12, now, CodeSigMismatch},
		{"expired and too long", time.Hour, 7200, now - 86400, CodeSigMismatch},
		{"expired within", time.Hour, 60, now - 86400, CodeExpired},
	} {
		c, err := VerifyWith(sigAt(tc.time, tc.expire), vecAppID, vecID, vecKey, at(now), Options{MaxLifetime: tc.max})
		if code(err) != tc.want {
			t.Errorf("%s: %v; want code %d", tc.name, err, tc.want)
			continue
		}
		if err != nil && c != (Claims{}) {
			t.Errorf("%s: claims %+v with an error", tc.name, c)
		}
		if code(err) == CodeSigMismatch {
			msg := err.(*Error).Message
			if want := fmt.Sprintf("at most %d seconds.", int64(tc.max/time.Second)); !strings.HasPrefix(msg, MsgLifetimeTooLong) || !strings.HasSuffix(msg, want) {
				t.Errorf("%s: message %q", tc.name, msg)
			}
		}
	}
	// Gen's tokens: exactly the bound verifies, a second more does not.
	for _, exp := range []time.Duration{time.Hour, time.Hour + time.Second} {
		tok, err := Gen(vecAppID, vecKey, vecID, exp, at(now))
		if err != nil {
			t.Fatal(err)
		}
		_, err = VerifyWith(tok, vecAppID, vecID, vecKey, at(now), Options{MaxLifetime: time.Hour})
		if want := map[bool]int{true: 0, false: CodeSigMismatch}[exp == time.Hour]; code(err) != want {
			t.Errorf("Gen expire %v under a bound of 1h: %v", exp, err)
		}
	}
	// A forged token too long-lived learns the plain 70009.
	_, err := VerifyWith(sigAt(now, 1e12), vecAppID, vecID, "other-key", at(now), Options{MaxLifetime: time.Hour})
	if code(err) != CodeSigMismatch || err.(*Error).Message != MsgSigMismatch {
		t.Errorf("forged long-lived token: %v", err)
	}
}

func TestGenErrors(t *testing.T) {
	now := at(vecTime)
	cases := map[string]error{}
	_, cases["empty key"] = Gen(1, "", "a", time.Hour, now)
	_, cases["empty identifier"] = Gen(1, "k", "", time.Hour, now)
	_, cases["long identifier"] = Gen(1, "k", strings.Repeat("a", MaxIdentifierLen+1), time.Hour, now)
	_, cases["invalid UTF-8"] = Gen(1, "k", "a\xff", time.Hour, now)
	_, cases["zero expire"] = Gen(1, "k", "a", 999*time.Millisecond, now)
	_, cases["before 1970"] = Gen(1, "k", "a", time.Hour, at(-1))
	for name, err := range cases {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := Gen(1, "k", strings.Repeat("\x01", MaxIdentifierLen), time.Hour, now); err != nil {
		t.Errorf("longest identifier: %v", err)
	}
}

func TestErrors(t *testing.T) {
	for _, c := range []int{CodeHTTPParse, CodeJSONParse, CodeAdminRequired, CodeExpired, CodeInvalid,
		CodeSigMismatch, CodeIdentifierMismatch, CodeSDKAppIDMismatch, CodeKeyNotFound, CodeSDKAppIDNotFound} {
		e := NewError(c)
		if e.Code != c || e.Message == "" || !strings.Contains(e.Error(), e.Message) {
			t.Errorf("%d: %+v %q", c, e, e.Error())
		}
	}
	if e := NewError(1); e.Message != "" {
		t.Errorf("unknown code has message %q", e.Message)
	}
}
