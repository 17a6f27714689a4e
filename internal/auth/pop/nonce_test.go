package pop

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"testing"
	"time"
)

const (
	otherID  = "LTAIsecond"
	otherKey = "k2"
)

var twoKeys = KeyMap{testID: testKey, otherID: otherKey}

// rpcSigned returns an RPC v1 GET signed by id at testNow with nonce.
func rpcSigned(id, secret, nonce string) *http.Request {
	p := rpcParams()
	SignRPC(p, "GET", id, secret, testNow, nonce)
	return rpcGET(p)
}

func TestNonceCap(t *testing.T) {
	for _, c := range []struct {
		rps  float64
		want int
	}{
		{0.5, MinNonceCap}, {20, MinNonceCap}, {36, MinNonceCap}, {36.5, 65_700},
		{100, 180_000}, {1000, 1_800_000}, {0.0001, MinNonceCap},
		{1e12, maxNonceCap}, {math.Inf(1), maxNonceCap}, {math.NaN(), MinNonceCap},
	} {
		if got := NonceCap(c.rps); got != c.want {
			t.Errorf("NonceCap(%v) = %d, want %d", c.rps, got, c.want)
		}
	}
	s := NewNonceStore(DefaultWindow, func(id string) int { return map[string]int{testID: 7}[id] })
	if s.Cap(testID) != 7 || s.Cap(otherID) != 1 || NewNonceStore(DefaultWindow, nil).Cap(testID) != MinNonceCap {
		t.Errorf("Cap %d %d", s.Cap(testID), s.Cap(otherID))
	}
}

var errLimited = errors.New("limited")

// A request Admit refuses (a server's rate limit) leaves its nonce unused:
// its retry with the same nonce succeeds once admitted. A replay, a bad
// signature and a full store are refused before Admit runs.
func TestNonceAdmit(t *testing.T) {
	for _, scheme := range []Scheme{SchemeV3, SchemeRPC} {
		t.Run(string(scheme), func(t *testing.T) {
			store := NewNonceStore(DefaultWindow, nil)
			calls, limited := 0, true
			opt := Options{Nonces: store, Admit: func(res Result) error {
				calls++
				if res.AccessKeyID != testID || res.Scheme != scheme || res.Params.Get("InstanceId") != "ccc-test" {
					t.Errorf("Admit got %+v", res)
				}
				if limited {
					return errLimited
				}
				return nil
			}}
			req, bad := rpcSigned(testID, testKey, "n-1"), rpcSigned(testID, "wrong", "n-1")
			if scheme == SchemeV3 {
				req = signedV3(t, "POST", testQuery, "", testNow, nil)
				bad = signedV3(t, "POST", testQuery, "", testNow, nil)
				bad.Header.Set("x-acs-signature-nonce", req.Header.Get("x-acs-signature-nonce"))
			}
			wantCode(t, verifyErrOpt(bad, opt), CodeSignatureDoesNotMatch, 400)
			if calls != 0 || store.Len() != 0 {
				t.Fatalf("a bad signature reached Admit (%d calls) or the store (%d)", calls, store.Len())
			}
			if err := verifyErrOpt(req, opt); !errors.Is(err, errLimited) {
				t.Fatalf("throttled: %v, want Admit's error", err)
			}
			if store.Len() != 0 {
				t.Fatalf("a throttled request recorded its nonce")
			}
			limited = false
			if err := verifyErrOpt(req, opt); err != nil {
				t.Fatalf("the retry with the same nonce: %v", err)
			}
			if calls != 2 || store.Len() != 1 {
				t.Fatalf("%d calls, %d nonces kept; want 2 and 1", calls, store.Len())
			}
			wantCode(t, verifyErrOpt(req, opt), CodeSignatureNonceUsed, 400)
			if calls != 2 {
				t.Errorf("a replay reached Admit")
			}
		})
	}
}

// One key filling its store is refused with Throttling.User, without
// evicting a nonce of its own or another key's.
func TestNonceStorePerKey(t *testing.T) {
	caps := map[string]int{testID: 3, otherID: 3}
	calls := 0
	opt := Options{Nonces: NewNonceStore(DefaultWindow, func(id string) int { return caps[id] }),
		Admit: func(Result) error { calls++; return nil }}
	verify := func(id, secret, nonce string) error {
		_, err := Verify(rpcSigned(id, secret, nonce), nil, twoKeys, testNow, opt)
		return err
	}
	if err := verify(otherID, otherKey, "b-1"); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := verify(testID, testKey, fmt.Sprint("a-", i)); err != nil {
			t.Fatal(err)
		}
	}
	before := calls
	err := verify(testID, testKey, "a-3")
	wantCode(t, err, CodeThrottlingUser, 400)
	if err.(*Error).Message != "Request was denied due to user flow control." {
		t.Errorf("message %q", err.(*Error).Message)
	}
	if calls != before {
		t.Error("a request refused for a full store reached Admit")
	}
	wantCode(t, verify(otherID, otherKey, "b-1"), CodeSignatureNonceUsed, 400)
	wantCode(t, verify(testID, testKey, "a-0"), CodeSignatureNonceUsed, 400)
	if err := verify(otherID, otherKey, "b-2"); err != nil {
		t.Errorf("the other key is refused: %v", err)
	}
	if n := opt.Nonces.Len(); n != 5 {
		t.Errorf("Len %d, want 5", n)
	}
}

// At the production capacity (NonceCap of the default 20 requests a second),
// a key's full store refuses it and keeps another key's nonces.
func TestNonceStoreFullAtCap(t *testing.T) {
	s := NewNonceStore(DefaultWindow, func(string) int { return NonceCap(20) })
	opt := Options{Nonces: s}
	other := rpcSigned(otherID, otherKey, "b-1")
	if _, err := Verify(other, nil, twoKeys, testNow, opt); err != nil {
		t.Fatal(err)
	}
	for i := range MinNonceCap {
		if err := s.use(testID, fmt.Sprint(i), testNow, testNow, DefaultWindow); err != nil {
			t.Fatalf("nonce %d: %v", i, err)
		}
	}
	if n := s.Len(); n != MinNonceCap+1 {
		t.Fatalf("Len %d, want %d", n, MinNonceCap+1)
	}
	_, err := Verify(rpcSigned(testID, testKey, "one more"), nil, twoKeys, testNow, opt)
	wantCode(t, err, CodeThrottlingUser, 400)
	_, err = Verify(other, nil, twoKeys, testNow, opt)
	wantCode(t, err, CodeSignatureNonceUsed, 400)
	if _, err := Verify(rpcSigned(otherID, otherKey, "b-2"), nil, twoKeys, testNow, opt); err != nil {
		t.Errorf("the other key is refused: %v", err)
	}
	if n := s.Len(); n != MinNonceCap+2 {
		t.Errorf("Len %d, want %d", n, MinNonceCap+2)
	}
}

// Nonces expire by their own timestamp, not in the order they came, the
// last instant of the window included; a full key takes requests again
// once some expire, and the keys left empty are dropped.
func TestNonceStoreExpiry(t *testing.T) {
	s := NewNonceStore(time.Minute, func(string) int { return 3 })
	at := func(d time.Duration) time.Time { return testNow.Add(d) }
	use := func(id, nonce string, ts, now time.Duration) error {
		return s.use(id, nonce, at(ts), at(now), time.Minute)
	}
	for _, n := range []struct {
		nonce string
		ts    time.Duration
	}{{"late", 30 * time.Second}, {"early", -30 * time.Second}, {"now", 0}} {
		if err := use("a", n.nonce, n.ts, 0); err != nil {
			t.Fatalf("%s: %v", n.nonce, err)
		}
	}
	if err := use("a", "full", 0, 0); err == nil || err.(*Error).Code != CodeThrottlingUser {
		t.Fatalf("full store: %v", err)
	}
	// "early" is kept until testNow+30s inclusive, though "late" came first.
	if err := use("a", "early", 30*time.Second, 30*time.Second); err == nil || err.(*Error).Code != CodeSignatureNonceUsed {
		t.Fatalf("early at its last instant: %v", err)
	}
	if err := use("a", "full", 31*time.Second, 31*time.Second); err != nil {
		t.Fatalf("after early expired: %v", err)
	}
	if err := use("a", "late", 31*time.Second, 31*time.Second); err == nil || err.(*Error).Code != CodeSignatureNonceUsed {
		t.Fatalf("late forgotten: %v", err)
	}
	if s.Len() != 3 {
		t.Errorf("Len %d, want 3", s.Len())
	}
	// Another key's use sweeps every key once a sweep is due.
	if err := use("b", "x", 10*time.Minute, 10*time.Minute); err != nil {
		t.Fatal(err)
	}
	if s.Len() != 1 || len(s.keys) != 1 {
		t.Errorf("after expiry: Len %d, %d keys; want 1 and 1", s.Len(), len(s.keys))
	}
}
