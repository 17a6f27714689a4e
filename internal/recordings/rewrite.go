package recordings

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// Rewrite points rec's archived files at cdrhub (docs/design.md,
// Recording archive: rewrite_urls): each address of a file the archive
// holds becomes its signed link on origin (scheme and host), valid until
// exp (Unix s), in the record's fields (recordings, transcripts, legs)
// and wherever its raw vendor object holds the same address as a JSON
// string. A file not archived keeps the vendor's address. This is the one
// change ever made to raw, and only for a tenant that asks for it
// (tenants[].recordings.rewrite_urls).
func (l Links) Rewrite(ctx context.Context, state cdr.Archive, t cdr.TenantID, origin string, exp int64, rec *cdr.Record) error {
	refs := cdr.RecordingFiles(rec)
	if len(refs) == 0 {
		return nil
	}
	rows, err := state.RecordFiles(ctx, t, rec.ID)
	if err != nil {
		return err
	}
	archived := map[int]bool{}
	for _, f := range rows {
		if f.State == cdr.FileArchived {
			archived[f.N] = true
		}
	}
	to := map[string]string{}
	for _, ref := range refs {
		if !archived[ref.N] {
			continue
		}
		link := origin + l.Sign(t, rec.ID, ref.N, exp)
		for _, u := range []string{ref.URL, ref.CopyURL} {
			if u != "" {
				to[u] = link
			}
		}
	}
	if len(to) == 0 {
		return nil
	}
	swap := func(s *string) {
		if v, ok := to[*s]; ok {
			*s = v
		}
	}
	for i := range rec.Recordings {
		r := &rec.Recordings[i]
		swap(&r.URL)
		swap(&r.CopyURL)
		swap(&r.TranscriptURL)
	}
	for i := range rec.Participants {
		p := &rec.Participants[i]
		swap(&p.RecordingURL)
		swap(&p.RecordingCopyURL)
	}
	for from, link := range to {
		for _, enc := range jsonStrings(from) {
			rec.Raw = bytes.ReplaceAll(rec.Raw, enc, jsonString(link, false))
		}
	}
	return nil
}

// jsonStrings are the forms a vendor's JSON may give s in: with <, > and
// & escaped (as Go and Java write them) or not, and with / escaped (as
// PHP does) or not.
func jsonStrings(s string) [][]byte {
	var forms [][]byte
	for _, html := range []bool{false, true} {
		f := jsonString(s, html)
		forms = append(forms, f, []byte(strings.ReplaceAll(string(f), "/", `\/`)))
	}
	return forms
}

// jsonString is s as a JSON string, quotes included.
func jsonString(s string, escapeHTML bool) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(escapeHTML)
	enc.Encode(s)
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}
