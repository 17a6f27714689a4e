package storetest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// sessionID returns the ID of the session whose cookie carries secret.
func sessionID(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// newSession returns a valid session of tn, created at created and last
// seen at seen.
func newSession(secret string, tn cdr.TenantID, created, seen int64) cdr.Session {
	return cdr.Session{
		ID: sessionID(secret), Tenant: tn, Principal: "ops", CSRF: "csrf-" + secret,
		CreatedAt: created, SeenAt: seen,
	}
}

func createSession(t *testing.T, s cdr.Sessions, ses cdr.Session) {
	t.Helper()
	if err := s.CreateSession(ctx, ses); err != nil {
		t.Fatalf("CreateSession(%+v): %v", ses, err)
	}
}

func readSession(t *testing.T, s cdr.Sessions, id string) cdr.Session {
	t.Helper()
	got, err := s.Session(ctx, id)
	if err != nil {
		t.Fatalf("Session(%s): %v", id, err)
	}
	return got
}

// wantNoSession fails t unless id is not found.
func wantNoSession(t *testing.T, s cdr.Sessions, id string) {
	t.Helper()
	if got, err := s.Session(ctx, id); cdr.ErrorCode(err) != cdr.ENOTFOUND {
		t.Errorf("Session(%.70q): %+v %v, want not_found", id, got, err)
	}
}

// testSessions: a session reads back as stored, an ID is taken once,
// Check's refusals reach the caller with nothing stored, a touch only
// moves SeenAt forward, SetSessionLang changes the language alone, and a
// deleted session is gone.
func testSessions(t *testing.T, s cdr.Sessions) {
	t.Run("RoundTrip", func(t *testing.T) {
		for _, ses := range []cdr.Session{
			newSession("plain", tenant, base, base),
			{ID: sessionID("admin"), Tenant: other, Principal: "root", Admin: true, CSRF: "x", CreatedAt: base, SeenAt: base + 5*minute},
			{ID: sessionID("wide"), Tenant: tenant, Principal: strings.Repeat("p", cdr.MaxSessionField),
				CSRF: strings.Repeat("c", cdr.MaxSessionField), CreatedAt: cdr.MinTime, SeenAt: cdr.MaxTime},
			{ID: sessionID("utf8"), Tenant: tenant, Principal: "opérateur 东京", CSRF: "AbC-_/+=", CreatedAt: base, SeenAt: base},
			{ID: sessionID("lang"), Tenant: tenant, Principal: "ops", CSRF: "x", Lang: "zh-CN", CreatedAt: base, SeenAt: base},
			{ID: sessionID("long lang"), Tenant: other, Principal: "ops", CSRF: "x", Lang: strings.Repeat("l", cdr.MaxSessionLang), CreatedAt: base, SeenAt: base},
		} {
			createSession(t, s, ses)
			if got := readSession(t, s, ses.ID); got != ses {
				t.Errorf("Session(%s):\n got %+v\nwant %+v", ses.ID, got, ses)
			}
		}
	})

	t.Run("Duplicate", func(t *testing.T) {
		first := newSession("dup", tenant, base, base)
		createSession(t, s, first)
		again := newSession("dup", other, base+minute, base+minute)
		again.Admin, again.Principal = true, "intruder"
		if err := s.CreateSession(ctx, again); cdr.ErrorCode(err) != cdr.EINVALID {
			t.Errorf("CreateSession with a taken ID: %v, want invalid", err)
		}
		if got := readSession(t, s, first.ID); got != first {
			t.Errorf("after the duplicate: %+v, want %+v", got, first)
		}
	})

	t.Run("Check", func(t *testing.T) {
		valid := newSession("check", tenant, base, base+minute)
		for _, c := range []struct {
			name string
			edit func(*cdr.Session)
			code string
		}{
			{"zero tenant", func(s *cdr.Session) { s.Tenant = cdr.TenantID{} }, cdr.EFORBIDDEN},
			{"empty id", func(s *cdr.Session) { s.ID = "" }, cdr.EINVALID},
			{"short id", func(s *cdr.Session) { s.ID = s.ID[:cdr.SessionIDLen-1] }, cdr.EINVALID},
			{"long id", func(s *cdr.Session) { s.ID += "0" }, cdr.EINVALID},
			{"upper-case id", func(s *cdr.Session) { s.ID = strings.ToUpper(sessionID("Upper")) }, cdr.EINVALID},
			{"non-hex id", func(s *cdr.Session) { s.ID = "g" + s.ID[1:] }, cdr.EINVALID},
			{"empty principal", func(s *cdr.Session) { s.Principal = "" }, cdr.EINVALID},
			{"long principal", func(s *cdr.Session) { s.Principal = strings.Repeat("p", cdr.MaxSessionField+1) }, cdr.EINVALID},
			{"principal not UTF-8", func(s *cdr.Session) { s.Principal = "op\xff" }, cdr.EINVALID},
			{"empty csrf", func(s *cdr.Session) { s.CSRF = "" }, cdr.EINVALID},
			{"long csrf", func(s *cdr.Session) { s.CSRF = strings.Repeat("c", cdr.MaxSessionField+1) }, cdr.EINVALID},
			{"csrf with NUL", func(s *cdr.Session) { s.CSRF = "a\x00b" }, cdr.EINVALID},
			{"long lang", func(s *cdr.Session) { s.Lang = strings.Repeat("l", cdr.MaxSessionLang+1) }, cdr.EINVALID},
			{"lang not UTF-8", func(s *cdr.Session) { s.Lang = "en\xff" }, cdr.EINVALID},
			{"lang with NUL", func(s *cdr.Session) { s.Lang = "en\x00" }, cdr.EINVALID},
			{"no created_at", func(s *cdr.Session) { s.CreatedAt, s.SeenAt = 0, 0 }, cdr.EINVALID},
			{"created_at before 2000", func(s *cdr.Session) { s.CreatedAt = cdr.MinTime - 1 }, cdr.EINVALID},
			{"seen_at before created_at", func(s *cdr.Session) { s.SeenAt = s.CreatedAt - 1 }, cdr.EINVALID},
		} {
			ses := valid
			c.edit(&ses)
			err := s.CreateSession(ctx, ses)
			if cdr.ErrorCode(err) != c.code {
				t.Errorf("%s: %v, want %s", c.name, err, c.code)
			}
			if c.code == cdr.EFORBIDDEN && !errors.Is(err, cdr.ErrNoTenant) {
				t.Errorf("%s: %v, want %v", c.name, err, cdr.ErrNoTenant)
			}
			wantNoSession(t, s, ses.ID)
		}
		// Nothing of the refused ones was stored; the valid one still can be.
		wantNoSession(t, s, valid.ID)
		createSession(t, s, valid)
	})

	t.Run("NotFound", func(t *testing.T) {
		for _, id := range []string{
			sessionID("never created"), "", "x", sessionID("x")[:cdr.SessionIDLen-1],
			strings.ToUpper(sessionID("plain")), sessionID("plain") + "0", "' OR 1=1 --",
		} {
			wantNoSession(t, s, id)
			if err := s.TouchSession(ctx, id, base+minute); cdr.ErrorCode(err) != cdr.ENOTFOUND {
				t.Errorf("TouchSession(%.70q): %v, want not_found", id, err)
			}
			if err := s.SetSessionLang(ctx, id, "en"); cdr.ErrorCode(err) != cdr.ENOTFOUND {
				t.Errorf("SetSessionLang(%.70q): %v, want not_found", id, err)
			}
			if err := s.DeleteSession(ctx, id); err != nil {
				t.Errorf("DeleteSession(%.70q): %v, want nil", id, err)
			}
		}
	})

	t.Run("Touch", func(t *testing.T) {
		ses := newSession("touch", tenant, base, base+10*minute)
		createSession(t, s, ses)
		for _, c := range []struct {
			name   string
			at     int64
			seenAt int64
		}{
			{"forward", base + 20*minute, base + 20*minute},
			{"same", base + 20*minute, base + 20*minute},
			{"backward", base + 15*minute, base + 20*minute},
			{"before created_at", base - minute, base + 20*minute},
			{"forward again", base + 20*minute + 1, base + 20*minute + 1},
		} {
			if err := s.TouchSession(ctx, ses.ID, c.at); err != nil {
				t.Fatalf("%s: TouchSession: %v", c.name, err)
			}
			want := ses
			want.SeenAt = c.seenAt
			if got := readSession(t, s, ses.ID); got != want {
				t.Errorf("%s: %+v, want %+v", c.name, got, want)
			}
		}
	})

	t.Run("Lang", func(t *testing.T) {
		ses := newSession("set lang", tenant, base, base)
		keep := newSession("keep lang", tenant, base, base)
		keep.Lang = "de"
		createSession(t, s, ses)
		createSession(t, s, keep)
		want := ses
		for _, c := range []struct {
			lang string
			code string // "" when it is set
		}{
			{"en", ""},
			{"en", ""},
			{"zh-Hant-TW", ""},
			{strings.Repeat("x", cdr.MaxSessionLang), ""},
			{strings.Repeat("x", cdr.MaxSessionLang+1), cdr.EINVALID},
			{"fr\xff", cdr.EINVALID},
			{"fr\x00", cdr.EINVALID},
			{"", ""},
			{"pt-BR", ""},
		} {
			err := s.SetSessionLang(ctx, ses.ID, c.lang)
			if cdr.ErrorCode(err) != c.code {
				t.Errorf("SetSessionLang(%q): %v, want %q", c.lang, err, c.code)
			}
			if c.code == "" {
				want.Lang = c.lang
			}
			if got := readSession(t, s, ses.ID); got != want {
				t.Errorf("after SetSessionLang(%q): %+v, want %+v", c.lang, got, want)
			}
		}
		// A touch keeps the language; the other session kept its own.
		if err := s.TouchSession(ctx, ses.ID, base+minute); err != nil {
			t.Fatal(err)
		}
		want.SeenAt = base + minute
		if got := readSession(t, s, ses.ID); got != want {
			t.Errorf("after TouchSession: %+v, want %+v", got, want)
		}
		if got := readSession(t, s, keep.ID); got != keep {
			t.Errorf("the other session: %+v, want %+v", got, keep)
		}
		// A deleted session's language cannot be set.
		if err := s.DeleteSession(ctx, ses.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.SetSessionLang(ctx, ses.ID, "en"); cdr.ErrorCode(err) != cdr.ENOTFOUND {
			t.Errorf("SetSessionLang after the delete: %v, want not_found", err)
		}
	})

	t.Run("Delete", func(t *testing.T) {
		ses := newSession("delete", tenant, base, base)
		keep := newSession("keep", tenant, base, base)
		createSession(t, s, ses)
		createSession(t, s, keep)
		if err := s.DeleteSession(ctx, ses.ID); err != nil {
			t.Fatalf("DeleteSession: %v", err)
		}
		wantNoSession(t, s, ses.ID)
		if err := s.TouchSession(ctx, ses.ID, base+minute); cdr.ErrorCode(err) != cdr.ENOTFOUND {
			t.Errorf("TouchSession after the delete: %v, want not_found", err)
		}
		if err := s.DeleteSession(ctx, ses.ID); err != nil {
			t.Errorf("second DeleteSession: %v, want nil", err)
		}
		if got := readSession(t, s, keep.ID); got != keep {
			t.Errorf("the other session: %+v, want %+v", got, keep)
		}
		// The ID is free again.
		createSession(t, s, ses)
	})
}

// testSessionsExpiry: DeleteExpiredSessions deletes exactly the sessions
// last seen before one bound or created before the other, of every tenant,
// keeps those on a bound, and counts what it deleted.
func testSessionsExpiry(t *testing.T, s cdr.Sessions) {
	now := base + 24*60*minute
	seenBefore, createdBefore := now-60*minute, now-12*60*minute
	cases := []struct {
		secret        string
		tn            cdr.TenantID
		created, seen int64
		touch         int64 // TouchSession to it first, when not 0
		deleted       bool
	}{
		{"fresh", tenant, now - 2*60*minute, now, 0, false},
		{"idle", tenant, now - 2*60*minute, seenBefore - 1, 0, true},
		{"idle elsewhere", other, now - 2*60*minute, seenBefore - 1, 0, true},
		{"seen on the bound", tenant, now - 2*60*minute, seenBefore, 0, false},
		{"too old", tenant, createdBefore - 1, now, 0, true},
		{"too old elsewhere", other, createdBefore - 1, now, 0, true},
		{"created on the bound", tenant, createdBefore, now, 0, false},
		{"both", other, createdBefore - 1, seenBefore - 1, 0, true},
		{"touched in time", tenant, createdBefore, seenBefore - 10*minute, seenBefore, false},
		{"touched too late to matter", tenant, createdBefore - 1, createdBefore, now, true},
	}
	for _, c := range cases {
		createSession(t, s, newSession(c.secret, c.tn, c.created, c.seen))
		if c.touch != 0 {
			if err := s.TouchSession(ctx, sessionID(c.secret), c.touch); err != nil {
				t.Fatalf("%s: TouchSession: %v", c.secret, err)
			}
		}
	}
	n, err := s.DeleteExpiredSessions(ctx, seenBefore, createdBefore)
	if err != nil || n != 6 {
		t.Errorf("DeleteExpiredSessions: %d, %v; want 6", n, err)
	}
	if n, err := s.DeleteExpiredSessions(ctx, seenBefore, createdBefore); err != nil || n != 0 {
		t.Errorf("DeleteExpiredSessions again: %d, %v; want 0", n, err)
	}
	for _, c := range cases {
		_, err := s.Session(ctx, sessionID(c.secret))
		switch {
		case c.deleted && cdr.ErrorCode(err) != cdr.ENOTFOUND:
			t.Errorf("%s: %v, want deleted", c.secret, err)
		case !c.deleted && err != nil:
			t.Errorf("%s: %v, want kept", c.secret, err)
		}
	}
}

// testSessionsIsolation: a session's tenant is the one it was created
// with, whatever another tenant's sessions hold, and deleting one tenant's
// session leaves another's.
func testSessionsIsolation(t *testing.T, s cdr.Sessions) {
	var sessions []cdr.Session
	for i, tn := range []cdr.TenantID{tenant, other, tenant, other} {
		ses := newSession(tn.String()+string(rune('a'+i)), tn, base, base)
		ses.Principal, ses.CSRF = "same", "same" // nothing but the tenant tells them apart
		ses.Admin = i%2 == 1
		createSession(t, s, ses)
		sessions = append(sessions, ses)
	}
	for _, ses := range sessions {
		if got := readSession(t, s, ses.ID); got != ses || got.Tenant != ses.Tenant {
			t.Errorf("Session(%s): %+v, want %+v", ses.ID, got, ses)
		}
	}
	if err := s.DeleteSession(ctx, sessions[1].ID); err != nil {
		t.Fatal(err)
	}
	wantNoSession(t, s, sessions[1].ID)
	for _, i := range []int{0, 2, 3} {
		if got := readSession(t, s, sessions[i].ID); got != sessions[i] {
			t.Errorf("session %d after deleting %s's: %+v, want %+v", i, other, got, sessions[i])
		}
	}
}
