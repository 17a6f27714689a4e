package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// newSearch returns a valid saved search of owner.
func newSearch(owner, name string) cdr.SavedSearch {
	return cdr.SavedSearch{Owner: owner, Name: name, Query: "q=" + name + "&status=answered"}
}

func saveSearch(t *testing.T, s cdr.SavedSearches, tn cdr.TenantID, ss cdr.SavedSearch, now int64) cdr.SavedSearch {
	t.Helper()
	got, err := s.SaveSearch(ctx, tn, ss, now)
	if err != nil {
		t.Fatalf("SaveSearch(%s, %+v): %v", tn, ss, err)
	}
	return got
}

func listSearches(t *testing.T, s cdr.SavedSearches, tn cdr.TenantID, owner string) []cdr.SavedSearch {
	t.Helper()
	got, err := s.SavedSearches(ctx, tn, owner)
	if err != nil {
		t.Fatalf("SavedSearches(%s, %q): %v", tn, owner, err)
	}
	return got
}

// wantSearches fails t unless owner's saved searches in tn are want, in
// want's order.
func wantSearches(t *testing.T, s cdr.SavedSearches, tn cdr.TenantID, owner string, want []cdr.SavedSearch) {
	t.Helper()
	if diff := cmp.Diff(want, listSearches(t, s, tn, owner), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("SavedSearches(%s, %q) (-want +got):\n%s", tn, owner, diff)
	}
}

// byName sorts searches as SavedSearches lists them: by name, byte by
// byte.
func byName(list []cdr.SavedSearch) []cdr.SavedSearch {
	list = slices.Clone(list)
	slices.SortFunc(list, func(a, b cdr.SavedSearch) int { return strings.Compare(a.Name, b.Name) })
	return list
}

// testSavedSearches: a saved search lists as stored, by name; a name is
// taken once per owner and tenant; an owner holds at most
// cdr.MaxSavedSearches; rename and delete reach only the owner's own, in
// its tenant; Check's refusals and the zero tenant reach the caller with
// nothing stored.
func testSavedSearches(t *testing.T, s cdr.SavedSearches) {
	t.Run("RoundTrip", func(t *testing.T) {
		var saved []cdr.SavedSearch
		ids := map[int64]bool{}
		for i, ss := range []cdr.SavedSearch{
			newSearch("ops", "zeta"),
			newSearch("ops", "Alpha"),
			newSearch("ops", "alpha"),
			{ID: 12345, Owner: "ops", Name: "beta", Query: ""}, // the ID is the store's
			{Owner: "ops", Name: "东京 calls", Query: "caller=%2B8613800001111&from=2023-11-14"},
			{Owner: "ops", Name: strings.Repeat("é", cdr.MaxSavedSearchName), Query: strings.Repeat("q", cdr.MaxSavedSearchQuery)},
			{Owner: "ops", Name: "tab\u00a0and emoji 📞", Query: "note=caf%C3%A9"},
		} {
			now := base + int64(i)*minute
			got := saveSearch(t, s, tenant, ss, now)
			want := ss
			want.ID, want.CreatedAt, want.UpdatedAt = got.ID, now, now
			if got != want || got.ID <= 0 {
				t.Errorf("SaveSearch(%q):\n got %+v\nwant %+v", ss.Name, got, want)
			}
			if ids[got.ID] {
				t.Errorf("SaveSearch(%q): ID %d given twice", ss.Name, got.ID)
			}
			ids[got.ID] = true
			saved = append(saved, got)
		}
		wantSearches(t, s, tenant, "ops", byName(saved))
		// Nobody else sees them.
		wantSearches(t, s, tenant, "Ops", nil)
		wantSearches(t, s, tenant, "ops ", nil)
		wantSearches(t, s, other, "ops", nil)
		wantSearches(t, s, tenant, "", nil)
		wantSearches(t, s, tenant, "op\xff", nil)
		wantSearches(t, s, tenant, "op\x00s", nil)
	})

	t.Run("Duplicate", func(t *testing.T) {
		first := saveSearch(t, s, tenant, newSearch("dup", "daily"), base)
		again := newSearch("dup", "daily")
		again.Query = "other=1"
		_, err := s.SaveSearch(ctx, tenant, again, base+minute)
		if cdr.ErrorCode(err) != cdr.EINVALID || !strings.Contains(err.Error(), "in use") {
			t.Errorf("SaveSearch with a taken name: %v, want invalid, name in use", err)
		}
		wantSearches(t, s, tenant, "dup", []cdr.SavedSearch{first})
		// The same name is free to another owner, in another tenant, and
		// in another case.
		elsewhere := []cdr.SavedSearch{
			saveSearch(t, s, tenant, newSearch("dup2", "daily"), base),
			saveSearch(t, s, other, newSearch("dup", "daily"), base),
		}
		daily := saveSearch(t, s, tenant, newSearch("dup", "Daily"), base)
		wantSearches(t, s, tenant, "dup", []cdr.SavedSearch{daily, first})
		wantSearches(t, s, tenant, "dup2", elsewhere[:1])
		wantSearches(t, s, other, "dup", elsewhere[1:])
	})

	t.Run("Limit", func(t *testing.T) {
		var saved []cdr.SavedSearch
		for i := range cdr.MaxSavedSearches {
			saved = append(saved, saveSearch(t, s, tenant, newSearch("full", fmt.Sprintf("s%03d", i)), base))
		}
		one := newSearch("full", "one too many")
		if _, err := s.SaveSearch(ctx, tenant, one, base); cdr.ErrorCode(err) != cdr.EINVALID {
			t.Errorf("SaveSearch past the limit: %v, want invalid", err)
		}
		wantSearches(t, s, tenant, "full", saved)
		// The limit is the owner's in the tenant.
		saveSearch(t, s, tenant, newSearch("full2", "one too many"), base)
		saveSearch(t, s, other, newSearch("full", "one too many"), base)
		// A delete makes room for one more, and only one.
		if err := s.DeleteSearch(ctx, tenant, "full", saved[0].ID); err != nil {
			t.Fatalf("DeleteSearch: %v", err)
		}
		saveSearch(t, s, tenant, one, base)
		if _, err := s.SaveSearch(ctx, tenant, newSearch("full", "two too many"), base); cdr.ErrorCode(err) != cdr.EINVALID {
			t.Errorf("SaveSearch past the limit after a delete: %v, want invalid", err)
		}
		if n := len(listSearches(t, s, tenant, "full")); n != cdr.MaxSavedSearches {
			t.Errorf("%d saved searches, want %d", n, cdr.MaxSavedSearches)
		}
	})

	t.Run("Rename", func(t *testing.T) {
		a := saveSearch(t, s, tenant, newSearch("ren", "a"), base)
		b := saveSearch(t, s, tenant, newSearch("ren", "b"), base)
		theirs := saveSearch(t, s, tenant, newSearch("ren2", "c"), base)
		elsewhere := saveSearch(t, s, other, newSearch("ren", "d"), base)

		if err := s.RenameSearch(ctx, tenant, "ren", a.ID, "z", base+minute); err != nil {
			t.Fatalf("RenameSearch: %v", err)
		}
		a.Name, a.UpdatedAt = "z", base+minute
		wantSearches(t, s, tenant, "ren", []cdr.SavedSearch{b, a})
		// To its own name: only the time moves.
		if err := s.RenameSearch(ctx, tenant, "ren", a.ID, "z", base+2*minute); err != nil {
			t.Fatalf("RenameSearch to its own name: %v", err)
		}
		a.UpdatedAt = base + 2*minute
		// Another owner's name, or another tenant's, is free.
		if err := s.RenameSearch(ctx, tenant, "ren", b.ID, "c", base+3*minute); err != nil {
			t.Fatalf("RenameSearch to another owner's name: %v", err)
		}
		b.Name, b.UpdatedAt = "c", base+3*minute
		if err := s.RenameSearch(ctx, tenant, "ren", b.ID, "d", base+4*minute); err != nil {
			t.Fatalf("RenameSearch to another tenant's name: %v", err)
		}
		b.Name, b.UpdatedAt = "d", base+4*minute
		wantSearches(t, s, tenant, "ren", []cdr.SavedSearch{b, a})

		for _, c := range []struct {
			name  string
			tn    cdr.TenantID
			owner string
			id    int64
			to    string
			code  string
		}{
			{"taken name", tenant, "ren", b.ID, "z", cdr.EINVALID},
			{"empty name", tenant, "ren", b.ID, "", cdr.EINVALID},
			{"long name", tenant, "ren", b.ID, strings.Repeat("n", cdr.MaxSavedSearchName+1), cdr.EINVALID},
			{"name with a newline", tenant, "ren", b.ID, "a\nb", cdr.EINVALID},
			{"name with NUL", tenant, "ren", b.ID, "a\x00b", cdr.EINVALID},
			{"name not UTF-8", tenant, "ren", b.ID, "a\xff", cdr.EINVALID},
			{"unknown id", tenant, "ren", max(a.ID, b.ID, theirs.ID, elsewhere.ID) + 1000, "new", cdr.ENOTFOUND},
			{"id 0", tenant, "ren", 0, "new", cdr.ENOTFOUND},
			{"negative id", tenant, "ren", -1, "new", cdr.ENOTFOUND},
			{"another owner's", tenant, "ren", theirs.ID, "new", cdr.ENOTFOUND},
			{"another owner's, by them", tenant, "ren2", b.ID, "new", cdr.ENOTFOUND},
			{"another tenant's", tenant, "ren", elsewhere.ID, "new", cdr.ENOTFOUND},
			{"from another tenant", other, "ren", b.ID, "new", cdr.ENOTFOUND},
			{"owner in another case", tenant, "Ren", b.ID, "new", cdr.ENOTFOUND},
			{"no owner", tenant, "", b.ID, "new", cdr.ENOTFOUND},
			{"owner with NUL", tenant, "ren\x00", b.ID, "new", cdr.ENOTFOUND},
		} {
			if err := s.RenameSearch(ctx, c.tn, c.owner, c.id, c.to, base+10*minute); cdr.ErrorCode(err) != c.code {
				t.Errorf("%s: %v, want %s", c.name, err, c.code)
			}
		}
		wantSearches(t, s, tenant, "ren", []cdr.SavedSearch{b, a})
		wantSearches(t, s, tenant, "ren2", []cdr.SavedSearch{theirs})
		wantSearches(t, s, other, "ren", []cdr.SavedSearch{elsewhere})
	})

	t.Run("Delete", func(t *testing.T) {
		a := saveSearch(t, s, tenant, newSearch("del", "a"), base)
		b := saveSearch(t, s, tenant, newSearch("del", "b"), base)
		theirs := saveSearch(t, s, tenant, newSearch("del2", "a"), base)
		elsewhere := saveSearch(t, s, other, newSearch("del", "a"), base)
		if err := s.DeleteSearch(ctx, tenant, "del", a.ID); err != nil {
			t.Fatalf("DeleteSearch: %v", err)
		}
		wantSearches(t, s, tenant, "del", []cdr.SavedSearch{b})
		for _, c := range []struct {
			name  string
			tn    cdr.TenantID
			owner string
			id    int64
		}{
			{"deleted", tenant, "del", a.ID},
			{"unknown id", tenant, "del", max(a.ID, b.ID, theirs.ID, elsewhere.ID) + 1000},
			{"id 0", tenant, "del", 0},
			{"another owner's", tenant, "del", theirs.ID},
			{"another owner's, by them", tenant, "del2", b.ID},
			{"another tenant's", tenant, "del", elsewhere.ID},
			{"from another tenant", other, "del", b.ID},
			{"owner in another case", tenant, "DEL", b.ID},
			{"no owner", tenant, "", b.ID},
			{"owner not UTF-8", tenant, "del\xff", b.ID},
		} {
			if err := s.DeleteSearch(ctx, c.tn, c.owner, c.id); cdr.ErrorCode(err) != cdr.ENOTFOUND {
				t.Errorf("%s: %v, want not_found", c.name, err)
			}
		}
		wantSearches(t, s, tenant, "del", []cdr.SavedSearch{b})
		wantSearches(t, s, tenant, "del2", []cdr.SavedSearch{theirs})
		wantSearches(t, s, other, "del", []cdr.SavedSearch{elsewhere})
		// The name is free again.
		saveSearch(t, s, tenant, newSearch("del", "a"), base)
	})

	t.Run("Check", func(t *testing.T) {
		valid := newSearch("check", "valid")
		for _, c := range []struct {
			name string
			edit func(*cdr.SavedSearch)
		}{
			{"empty owner", func(s *cdr.SavedSearch) { s.Owner = "" }},
			{"long owner", func(s *cdr.SavedSearch) { s.Owner = strings.Repeat("o", cdr.MaxSessionField+1) }},
			{"owner not UTF-8", func(s *cdr.SavedSearch) { s.Owner = "check\xff" }},
			{"owner with NUL", func(s *cdr.SavedSearch) { s.Owner = "check\x00" }},
			{"empty name", func(s *cdr.SavedSearch) { s.Name = "" }},
			{"long name", func(s *cdr.SavedSearch) { s.Name = strings.Repeat("n", cdr.MaxSavedSearchName+1) }},
			{"long name in runes", func(s *cdr.SavedSearch) { s.Name = strings.Repeat("é", cdr.MaxSavedSearchName+1) }},
			{"name with a tab", func(s *cdr.SavedSearch) { s.Name = "a\tb" }},
			{"name with a newline", func(s *cdr.SavedSearch) { s.Name = "a\nb" }},
			{"name with DEL", func(s *cdr.SavedSearch) { s.Name = "a\x7fb" }},
			{"name with NUL", func(s *cdr.SavedSearch) { s.Name = "a\x00b" }},
			{"name not UTF-8", func(s *cdr.SavedSearch) { s.Name = "a\xffb" }},
			{"long query", func(s *cdr.SavedSearch) { s.Query = strings.Repeat("q", cdr.MaxSavedSearchQuery+1) }},
			{"query with NUL", func(s *cdr.SavedSearch) { s.Query = "q=a\x00b" }},
			{"query not UTF-8", func(s *cdr.SavedSearch) { s.Query = "q=\xff" }},
		} {
			ss := valid
			c.edit(&ss)
			if got, err := s.SaveSearch(ctx, tenant, ss, base); cdr.ErrorCode(err) != cdr.EINVALID {
				t.Errorf("%s: %+v, %v; want invalid", c.name, got, err)
			}
		}
		// Nothing of the refused ones was stored; the valid one still can be.
		wantSearches(t, s, tenant, "check", nil)
		wantSearches(t, s, tenant, "check\xff", nil)
		wantSearches(t, s, tenant, strings.Repeat("o", cdr.MaxSessionField+1), nil)
		saveSearch(t, s, tenant, valid, base)
	})

	t.Run("ZeroTenant", func(t *testing.T) {
		ss := saveSearch(t, s, tenant, newSearch("zero", "kept"), base)
		var zero cdr.TenantID
		wantNoTenant := func(op string, err error) {
			t.Helper()
			if !errors.Is(err, cdr.ErrNoTenant) {
				t.Errorf("%s with the zero tenant: %v, want %v", op, err, cdr.ErrNoTenant)
			}
		}
		_, err := s.SaveSearch(ctx, zero, newSearch("zero", "new"), base)
		wantNoTenant("SaveSearch", err)
		list, err := s.SavedSearches(ctx, zero, "zero")
		wantNoTenant("SavedSearches", err)
		if len(list) != 0 {
			t.Errorf("SavedSearches with the zero tenant: %+v", list)
		}
		wantNoTenant("RenameSearch", s.RenameSearch(ctx, zero, "zero", ss.ID, "renamed", base))
		wantNoTenant("DeleteSearch", s.DeleteSearch(ctx, zero, "zero", ss.ID))
		wantSearches(t, s, tenant, "zero", []cdr.SavedSearch{ss})
	})
}

// testSavedSearchesRace: saves of one owner at once, past the limit, never
// leave it more than cdr.MaxSavedSearches; each save past it is refused as
// invalid, not with a database error.
func testSavedSearchesRace(t *testing.T, s cdr.SavedSearches) {
	const room, racers = 3, 8
	for i := range cdr.MaxSavedSearches - room {
		saveSearch(t, s, tenant, newSearch("race", fmt.Sprintf("s%03d", i)), base)
	}
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		errs  = make([]error, racers)
	)
	for i := range racers {
		wg.Go(func() {
			<-start
			_, errs[i] = s.SaveSearch(ctx, tenant, newSearch("race", fmt.Sprintf("racer %d", i)), base)
		})
	}
	close(start)
	wg.Wait()
	saved := 0
	for i, err := range errs {
		switch {
		case err == nil:
			saved++
		case cdr.ErrorCode(err) != cdr.EINVALID:
			t.Errorf("racer %d: %v, want nil or invalid", i, err)
		}
	}
	if saved != room {
		t.Errorf("%d of %d racers saved, want %d", saved, racers, room)
	}
	if n := len(listSearches(t, s, tenant, "race")); n != cdr.MaxSavedSearches {
		t.Errorf("%d saved searches after the race, want %d", n, cdr.MaxSavedSearches)
	}
}
