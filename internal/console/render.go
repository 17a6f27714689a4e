package console

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
)

// view is what every page's template gets: the layout's data and the
// page's own.
type view struct {
	Title   text
	Session *session
	CSRF    string
	Tenant  string
	Who     string
	Page    any
	Lang    string       // the page's language
	Langs   []langChoice // the language switch
	Here    string       // the page's path and query, where the switch returns
}

// langChoice is one language of the switch.
type langChoice struct {
	Code, Name string
	Current    bool
}

var funcs = template.FuncMap{
	// has reports whether a list parameter's comma-separated value holds v.
	"has": func(q url.Values, key, v string) bool {
		for s := range strings.SplitSeq(q.Get(key), ",") {
			if s == v {
				return true
			}
		}
		return false
	},
	"pct": func(f *float64) string {
		if f == nil {
			return "–"
		}
		return fmt.Sprintf("%.1f %%", *f*100)
	},
	"secs": func(f *float64) string {
		if f == nil {
			return "–"
		}
		return seconds(int64(*f + 0.5))
	},
	"avg": func(f *float64) string {
		if f == nil {
			return "–"
		}
		return fmt.Sprintf("%.2f", *f)
	},
	"str": func(v any) string { return fmt.Sprint(v) },
	"ratio": func(n, d int64) *float64 {
		if d == 0 {
			return nil
		}
		r := float64(n) / float64(d)
		return &r
	},
	"f1": func(v float64) string { return fmt.Sprintf("%.1f", v) },
}

// parsePages parses each page with the layout, once per language (whose
// functions translate).
func parsePages() (map[string]map[string]*template.Template, error) {
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]map[string]*template.Template{}
	for _, lang := range langs {
		pages[lang] = map[string]*template.Template{}
		for _, n := range names {
			name := strings.TrimSuffix(path.Base(n), ".html")
			if name == "layout" {
				continue
			}
			t, err := template.New("layout.html").Funcs(funcsFor(lang)).ParseFS(templateFiles, "templates/layout.html", n)
			if err != nil {
				return nil, err
			}
			pages[lang][name] = t
		}
	}
	return pages, nil
}

// render writes page name with data, in the layout, with status. It
// renders into a buffer first, so that a template's error is a 500, not a
// half page.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, name string, s *session, title text, data any) {
	lang := langOf(r, s)
	v := view{Title: title, Session: s, Page: data, Lang: lang, Here: r.URL.RequestURI()}
	for _, l := range langs {
		v.Langs = append(v.Langs, langChoice{Code: l, Name: langNames[l], Current: l == lang})
	}
	if s != nil {
		v.CSRF, v.Tenant, v.Who = s.CSRF, s.Tenant.String(), s.name
	}
	w.Header().Set("Content-Language", langTags[lang])
	w.Header().Add("Vary", "Accept-Language")
	var buf bytes.Buffer
	if err := c.pages[lang][name].Execute(&buf, v); err != nil {
		logger(r).Error("console template", "page", name, "err", err)
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
