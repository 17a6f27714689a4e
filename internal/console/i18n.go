package console

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// The interface's languages (docs/console.md §12): English and Simplified
// Chinese. Every string the console shows is English in the code, and that
// English is its key in the Chinese catalogue (catalogZH): templates write
// {{t "…"}}, Go code builds a text with msg("…", args…), which the
// templates translate when they show it. What comes from the data (names,
// notes, vendor objects) and the APIs' validation messages is shown as it
// is (plain). Times are the same in both languages, ISO order in the
// tenant's zone, as Chinese contact-center consoles write them; numbers
// group thousands with commas in both.

// Languages.
const (
	langEN = "en"
	langZH = "zh"
)

// langs lists the languages, the default first.
var langs = []string{langEN, langZH}

// langTags are the languages' BCP 47 tags, for <html lang>.
var langTags = map[string]string{langEN: "en", langZH: "zh-Hans"}

// langNames name each language in itself, for the switch.
var langNames = map[string]string{langEN: "English", langZH: "简体中文"}

// text is a string to show: a catalogue key with the arguments of its
// verbs, or, when plain, a string shown as it is.
type text struct {
	Key   string
	Args  []any
	Plain bool
}

// msg is the text of an English key (and its arguments); a test checks
// that the Chinese catalogue has every key passed to it.
func msg(key string, args ...any) text { return text{Key: key, Args: args} }

// plain is a string of the data or of an API, shown untranslated.
func plain(s string) text { return text{Key: s, Plain: true} }

// IsZero reports whether t shows nothing.
func (t text) IsZero() bool { return t.Key == "" }

// translate renders t in lang.
func translate(lang string, t text) string {
	if t.Plain {
		return t.Key
	}
	format := t.Key
	if lang == langZH {
		if zh, ok := catalogZH[t.Key]; ok {
			format = zh
		}
	}
	if len(t.Args) == 0 {
		return format
	}
	args := make([]any, len(t.Args))
	for i, a := range t.Args {
		if at, ok := a.(text); ok {
			args[i] = translate(lang, at)
		} else {
			args[i] = a
		}
	}
	return fmt.Sprintf(format, args...)
}

// funcsFor are the template functions of lang: t translates a key (with
// arguments) or a text.
func funcsFor(lang string) template.FuncMap {
	fs := template.FuncMap{}
	for k, v := range funcs {
		fs[k] = v
	}
	fs["t"] = func(v any, args ...any) (string, error) {
		switch x := v.(type) {
		case string:
			return translate(lang, text{Key: x, Args: args}), nil
		case text:
			return translate(lang, x), nil
		}
		return "", fmt.Errorf("t: a %T", v)
	}
	fs["lang"] = func() string { return langTags[lang] }
	return fs
}

// negotiate picks the language of an Accept-Language header: the first
// of its ranges, by weight, that is one of langs (zh-CN, zh-Hans, zh-SG
// and zh are Chinese; zh-TW and zh-Hant are not Simplified and fall to
// English), else English.
func negotiate(header string) string {
	best, bestQ := langEN, 0.0
	for i, part := range strings.Split(header, ",") {
		if i >= 32 {
			break // a header of more ranges is not a browser's
		}
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		tag = strings.ToLower(strings.TrimSpace(tag))
		q := 1.0
		if k, v, ok := strings.Cut(strings.TrimSpace(params), "="); ok && strings.TrimSpace(k) == "q" {
			if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
				q = f
			}
		}
		l := ""
		switch {
		case tag == "zh" || strings.HasPrefix(tag, "zh-cn") || strings.HasPrefix(tag, "zh-hans") || strings.HasPrefix(tag, "zh-sg"):
			l = langZH
		case tag == "en" || strings.HasPrefix(tag, "en-"):
			l = langEN
		}
		if l != "" && q > bestQ {
			best, bestQ = l, q
		}
	}
	return best
}

// langOf is the request's language: the session's choice, else the
// browser's.
func langOf(r *http.Request, s *session) string {
	if s != nil && (s.Lang == langEN || s.Lang == langZH) {
		return s.Lang
	}
	return negotiate(r.Header.Get("Accept-Language"))
}

// setLang keeps the language chosen on a page in the session, and goes
// back to the page.
func (c *Console) setLang(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := readForm(w, r); err != nil {
		return err
	}
	if !sameToken(r.PostForm.Get(csrfField), s.CSRF) {
		return errCSRF
	}
	lang := r.PostForm.Get("lang")
	if lang != langEN && lang != langZH {
		return cdr.Errorf(cdr.EINVALID, "lang: want en or zh")
	}
	if err := c.o.Sessions.SetSessionLang(r.Context(), s.ID, lang); err != nil {
		return err
	}
	back := r.PostForm.Get("back")
	if !strings.HasPrefix(back, "/console/") || strings.HasPrefix(back, "//") || strings.ContainsAny(back, "\\\r\n") {
		back = "/console/search"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}
