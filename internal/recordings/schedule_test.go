package recordings

import (
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

func TestSchedule(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	ms := now.UnixMilli()
	perm := &Error{Reason: ReasonHTTP404, Message: "HTTP 404 Not Found"}
	trans := &Error{Reason: ReasonHTTP5xx}
	future := now.Add(30 * 24 * time.Hour).UnixMilli()
	cases := []struct {
		name     string
		attempts int // before
		expires  int64
		e        *Error
		next     time.Duration // 0: given up
	}{
		{"permanent 1st", 0, future, perm, time.Hour},
		{"permanent 2nd", 1, future, perm, 4 * time.Hour},
		{"permanent 3rd", 2, future, perm, 12 * time.Hour},
		{"permanent 4th", 3, future, perm, 0},
		{"permanent unknown expiry", 0, 0, perm, time.Hour},
		{"permanent expired", 0, ms - 1, perm, 0},
		{"transient 1st", 0, future, trans, 5 * time.Minute},
		{"transient 2nd", 1, future, trans, 10 * time.Minute},
		{"transient 4th", 3, future, trans, 40 * time.Minute},
		{"transient 5th", 4, future, trans, time.Hour},
		{"transient 100th", 99, future, trans, time.Hour},
		{"transient at expiry", 5, ms, trans, 0},
		{"transient unknown 47th", 46, 0, trans, time.Hour},
		{"transient unknown 48th", 47, 0, trans, 0},
	}
	for _, c := range cases {
		f := cdr.ArchiveFile{Attempts: c.attempts, ExpiresAt: c.expires}
		got := Schedule(f, c.e, now)
		want := cdr.Failure{Reason: c.e.Reason, Message: c.e.Message, At: ms, GiveUp: c.next == 0}
		if c.next != 0 {
			want.NextAttemptAt = now.Add(c.next).UnixMilli()
		}
		if got != want {
			t.Errorf("%s: Schedule = %+v, want %+v", c.name, got, want)
		}
	}
}
