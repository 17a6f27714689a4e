package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// Saved searches (docs/console.md §13): per signed-in credential name, in
// the database (cdr.SavedSearches), listed beside the search form; each is
// a name and the search's canonical query string. Creating, renaming and
// deleting are forms with the session's CSRF token.

// savedView is a saved search as listed.
type savedView struct {
	ID   int64
	Name string
	URL  string
}

// savedOf lists the session owner's saved searches; none without the
// capability.
func (c *Console) savedOf(r *http.Request, s *session) ([]savedView, error) {
	if c.o.Saved == nil {
		return nil, nil
	}
	list, err := c.o.Saved.SavedSearches(r.Context(), s.Tenant, s.name)
	if err != nil {
		return nil, err
	}
	out := make([]savedView, len(list))
	for i, ss := range list {
		out[i] = savedView{ID: ss.ID, Name: ss.Name, URL: "/console/search?" + ss.Query}
	}
	return out, nil
}

// savedForm reads a saved-search form: its CSRF token checked.
func (c *Console) savedForm(w http.ResponseWriter, r *http.Request, s *session) error {
	if c.o.Saved == nil {
		return cdr.Errorf(cdr.ENOTFOUND, "saved searches are not available")
	}
	if err := readForm(w, r); err != nil {
		return err
	}
	if !sameToken(r.PostForm.Get(csrfField), s.CSRF) {
		return errCSRF
	}
	return nil
}

// saveSearch saves the search of the form's query under its name, then
// shows that search.
func (c *Console) saveSearch(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := c.savedForm(w, r, s); err != nil {
		return err
	}
	q, err := url.ParseQuery(r.PostForm.Get("query"))
	if err != nil {
		return cdr.Errorf(cdr.EINVALID, "query: not a query string")
	}
	q, _ = canonical(q, s.tenant.Zone, c.o.Now())
	q.Del("cursor")
	name := strings.TrimSpace(r.PostForm.Get("name"))
	ss, err := c.o.Saved.SaveSearch(r.Context(), s.Tenant, cdr.SavedSearch{Owner: s.name, Name: name, Query: q.Encode()}, c.o.Now().UnixMilli())
	if err != nil {
		return err
	}
	logger(r).Info("console: search saved", "tenant", s.Tenant.String(), "principal", s.name, "saved", ss.ID)
	http.Redirect(w, r, "/console/search?"+ss.Query, http.StatusSeeOther)
	return nil
}

// savedID reads {id}.
func savedID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, cdr.Errorf(cdr.ENOTFOUND, "no such saved search")
	}
	return id, nil
}

// back is where a saved-search form returns: the search it was sent
// from, else the search page.
func back(r *http.Request) string {
	b := r.PostForm.Get("back")
	if !strings.HasPrefix(b, "/console/search") || strings.ContainsAny(b, "\\\r\n") {
		return "/console/search"
	}
	return b
}

func (c *Console) renameSearch(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := c.savedForm(w, r, s); err != nil {
		return err
	}
	id, err := savedID(r)
	if err != nil {
		return err
	}
	if err := c.o.Saved.RenameSearch(r.Context(), s.Tenant, s.name, id, strings.TrimSpace(r.PostForm.Get("name")), c.o.Now().UnixMilli()); err != nil {
		return err
	}
	http.Redirect(w, r, back(r), http.StatusSeeOther)
	return nil
}

func (c *Console) deleteSearch(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := c.savedForm(w, r, s); err != nil {
		return err
	}
	id, err := savedID(r)
	if err != nil {
		return err
	}
	if err := c.o.Saved.DeleteSearch(r.Context(), s.Tenant, s.name, id); err != nil {
		return err
	}
	http.Redirect(w, r, back(r), http.StatusSeeOther)
	return nil
}
