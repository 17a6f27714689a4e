package usersig

import (
	"compress/zlib"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzVerify: no input panics, every error is an *Error with a code Verify
// may return, nothing verifies under a key it was not made with (the
// fuzzer does not know fuzzKey; the seeds are signed with the vector key)
// or issued over MaxFutureSkew ahead, and a lifetime bound refuses exactly
// the tokens that outlive it.
func FuzzVerify(f *testing.F) {
	f.Add(vecStored, "administrator")
	f.Add(vecDeflated, "administrator")
	f.Add(pack(vecJSON, zlib.BestCompression), "administrator")
	f.Add(pack(signed(`1400000000`, `"1400000000"`), 6), "administrator")
	f.Add(sigAt(vecTime-vecExpire, 2*vecExpire), "administrator") // valid, over the bound
	f.Add(sigAt(vecTime+301, 60), "administrator")                // issued too far ahead
	f.Add(pack(`{"TLS.ver":"2.0"}`, 0), "")
	f.Add("eJy_", "a")
	f.Add("", "")
	const fuzzKey = "fuzz-key-the-fuzzer-never-sees-0123456789"
	f.Fuzz(func(t *testing.T, tok, id string) {
		pc, perr := Parse(tok)
		if perr != nil {
			if code(perr) != CodeInvalid {
				t.Fatalf("Parse error %v is not 70003", perr)
			}
		} else if pc.Version != "2.0" || pc.Time < 0 || pc.Expire < 0 {
			t.Fatalf("Parse accepted %+v", pc)
		}
		for _, key := range []string{vecKey, fuzzKey} {
			c, err := Verify(tok, pc.SDKAppID, id, key, at(vecTime))
			switch code(err) {
			case 0:
				if key == fuzzKey {
					t.Fatalf("%q verified under a key it was not made with", tok)
				}
				if perr != nil || c != pc || c.Identifier != id {
					t.Fatalf("Verify %+v, Parse %+v, %v", c, pc, perr)
				}
			case CodeInvalid, CodeSDKAppIDMismatch, CodeIdentifierMismatch, CodeSigMismatch, CodeExpired:
				if c != (Claims{}) {
					t.Fatalf("claims %+v with error %v", c, err)
				}
				if (code(err) == CodeInvalid) != (perr != nil) {
					t.Fatalf("Verify %v but Parse %v", err, perr)
				}
				if strings.Contains(err.Error(), key) {
					t.Fatal("the error holds the key")
				}
			default:
				t.Fatalf("unexpected error %v", err)
			}
			if err == nil && c.Time > vecTime+int64(MaxFutureSkew/time.Second) {
				t.Fatalf("%+v verified, issued over %v ahead", c, MaxFutureSkew)
			}
			// A lifetime bound refuses, with 70009, exactly the tokens
			// that verify or have merely expired and live longer; it is
			// checked before the expiry.
			bounded, berr := VerifyWith(tok, pc.SDKAppID, id, key, at(vecTime), Options{MaxLifetime: vecExpire * time.Second})
			want := code(err)
			if (err == nil || want == CodeExpired) && pc.Expire > vecExpire {
				want = CodeSigMismatch
			}
			switch {
			case code(berr) != want:
				t.Fatalf("Verify %v, VerifyWith %v; want code %d", err, berr, want)
			case berr == nil && bounded != c, berr != nil && bounded != (Claims{}):
				t.Fatalf("VerifyWith %+v, %v; Verify %+v", bounded, berr, c)
			}
		}
	})
}

// FuzzRoundTrip: Gen then Verify over arbitrary identifiers, sdkappids,
// expiries and keys; valid through time+expire, expired a second later,
// refused under another key or identifier.
func FuzzRoundTrip(f *testing.F) {
	f.Add(uint64(vecAppID), vecKey, vecID, int64(vecExpire), int64(vecTime))
	f.Add(uint64(0), "k", "\x00\"\\<>&\u2028é", int64(1), int64(0))
	f.Add(uint64(1<<64-1), "k", "a", int64(1<<62), int64(1<<40))
	f.Fuzz(func(t *testing.T, appID uint64, key, id string, expSec, nowSec int64) {
		expSec = max(expSec%(1<<33), -expSec%(1<<33), 1) // 1 s .. ~272 years
		nowSec = max(nowSec%(1<<40), -nowSec%(1<<40))    // 1970 .. ~36800
		exp, now := time.Duration(expSec)*time.Second, at(nowSec)
		tok, err := Gen(appID, key, id, exp, now)
		if key == "" || id == "" || len(id) > MaxIdentifierLen || !utf8.ValidString(id) {
			if err == nil {
				t.Fatal("Gen accepted an invalid input")
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		want := Claims{"2.0", id, appID, nowSec, expSec}
		if c, err := Verify(tok, appID, id, key, now); err != nil || c != want {
			t.Fatalf("at issue: %+v, %v", c, err)
		}
		if c, err := Verify(tok, appID, id, key, now.Add(exp)); err != nil || c != want {
			t.Fatalf("at time+expire: %+v, %v", c, err)
		}
		if _, err := Verify(tok, appID, id, key, now.Add(exp+time.Second)); code(err) != CodeExpired {
			t.Fatalf("a second later: %v", err)
		}
		if _, err := Verify(tok, appID, id, key+"x", now); code(err) != CodeSigMismatch {
			t.Fatalf("other key: %v", err)
		}
		if _, err := Verify(tok, appID, id+"x", key, now); code(err) != CodeIdentifierMismatch {
			t.Fatalf("other identifier: %v", err)
		}
		if _, err := Verify(tok, appID^1, id, key, now); code(err) != CodeSDKAppIDMismatch {
			t.Fatalf("other sdkappid: %v", err)
		}
		if strings.ContainsAny(tok, "+/=") {
			t.Fatalf("token %s is not in the variant alphabet", tok)
		}
	})
}
