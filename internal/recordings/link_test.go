package recordings_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/recordings"
)

func TestLinks(t *testing.T) {
	l := recordings.Links{Key: []byte("0123456789abcdef0123456789abcdef")}
	acme := cdr.MustTenantID("acme")
	link := l.Sign(acme, "rec_1/x", 2, 1_800_000_000)
	path, rawQuery, _ := strings.Cut(link, "?")
	if want := "/api/v1/records/rec_1%2Fx/recordings/2"; path != want {
		t.Fatalf("path %q, want %q", path, want)
	}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		t.Fatal(err)
	}
	if q.Get("tenant") != "acme" || q.Get("expires") != "1800000000" {
		t.Fatalf("query %v", q)
	}
	sig := q.Get("signature")
	if !l.Valid(acme, "rec_1/x", 2, 1_800_000_000, sig) {
		t.Fatal("a link it signed is not valid")
	}
	for name, ok := range map[string]bool{
		"tenant":    l.Valid(cdr.MustTenantID("other"), "rec_1/x", 2, 1_800_000_000, sig),
		"id":        l.Valid(acme, "rec_1/y", 2, 1_800_000_000, sig),
		"file":      l.Valid(acme, "rec_1/x", 3, 1_800_000_000, sig),
		"expiry":    l.Valid(acme, "rec_1/x", 2, 1_800_000_001, sig),
		"signature": l.Valid(acme, "rec_1/x", 2, 1_800_000_000, strings.Repeat("0", len(sig))),
		"not hex":   l.Valid(acme, "rec_1/x", 2, 1_800_000_000, "zz"+sig[2:]),
		"other key": recordings.Links{Key: []byte("another key of thirty-two bytes!")}.Valid(acme, "rec_1/x", 2, 1_800_000_000, sig),
		"no key":    recordings.Links{}.Valid(acme, "rec_1/x", 2, 1_800_000_000, sig),
	} {
		if ok {
			t.Errorf("a link with another %s is valid", name)
		}
	}
	if got := recordings.Path("a", 0); got != "/api/v1/records/a/recordings/"+strconv.Itoa(0) {
		t.Errorf("Path = %q", got)
	}
}
