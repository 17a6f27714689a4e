package laaffic

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestSignVerify(t *testing.T) {
	now := time.Unix(1764806400, 0)
	// hex MD5("bDqJFiq9" + "secret" + "1764806400"), computed by md5sum.
	const want = "0607be2f8f4fe8b5c7a87972500a4368"
	got := Sign("bDqJFiq9", "secret", "1764806400")
	if got != want {
		t.Fatalf("Sign = %q, want %q", got, want)
	}
	r, _ := http.NewRequest("POST", "http://x/v3/voice/ccRecordQuery", nil)
	SignRequest(r, "bDqJFiq9", "secret", now)
	key, ts, sign := Headers(r)
	if key != "bDqJFiq9" || ts != "1764806400" || sign != got {
		t.Fatalf("headers %q %q %q", key, ts, sign)
	}
	for _, tc := range []struct {
		name            string
		key, secret, ts string
		sign            string
		at              time.Time
		want            error
	}{
		{"ok", key, "secret", ts, sign, now, nil},
		{"upper-case sign", key, "secret", ts, strings.ToUpper(sign), now, nil},
		{"at the window's edge", key, "secret", ts, sign, now.Add(300 * time.Second), nil},
		{"past the window", key, "secret", ts, sign, now.Add(301 * time.Second), ErrExpired},
		{"ahead of the window", key, "secret", ts, sign, now.Add(-301 * time.Second), ErrExpired},
		{"wrong secret", key, "other", ts, sign, now, ErrSignature},
		{"other timestamp", key, "secret", "1764806401", sign, now, ErrSignature},
		{"no sign", key, "secret", ts, "", now, ErrMissing},
		{"timestamp not a number", key, "secret", "soon", sign, now, ErrMissing},
	} {
		if err := Verify(tc.key, tc.secret, tc.ts, tc.sign, tc.at, 300*time.Second); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}
