package httpx

import (
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	l := NewLimiter(20, 20)
	now := time.Unix(1700000000, 0)
	for i := range 20 {
		if !l.Allow(now) {
			t.Fatalf("request %d of the burst refused", i)
		}
	}
	if l.Allow(now) {
		t.Fatal("21st request in the same instant allowed")
	}
	if !l.Allow(now.Add(50 * time.Millisecond)) {
		t.Error("a token should have come back after 1/20 s")
	}
	if l.Allow(now.Add(60 * time.Millisecond)) {
		t.Error("only one token came back")
	}
	// A long pause refills to the burst, not beyond.
	later := now.Add(time.Hour)
	for i := range 20 {
		if !l.Allow(later) {
			t.Fatalf("after a pause, request %d refused", i)
		}
	}
	if l.Allow(later) {
		t.Error("bucket refilled beyond its burst")
	}
}
