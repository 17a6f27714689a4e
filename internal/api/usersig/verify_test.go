package usersig

import (
	"compress/zlib"
	"encoding/base64"
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
		// Issued in the future (clock skew) is not refused, as upstream.
		if _, err := Verify(tok, vecAppID, vecID, vecKey, issued.Add(-time.Hour)); err != nil {
			t.Errorf("expire %v: before issue: %v", exp, err)
		}
	}
	// time+expire beyond int64 does not wrap into the past.
	doc := `{"TLS.ver":"2.0","TLS.identifier":"a","TLS.sdkappid":1,"TLS.expire":9223372036854775807,"TLS.time":9223372036854775807,"TLS.sig":"SIG"}`
	c := Claims{"2.0", "a", 1, 1<<63 - 1, 1<<63 - 1}
	doc = strings.Replace(doc, "SIG", base64.StdEncoding.EncodeToString(c.mac("k")), 1)
	if got, err := Verify(pack(doc, 6), 1, "a", "k", at(1<<40)); err != nil || got != c {
		t.Fatalf("huge expiry: %+v, %v", got, err)
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
