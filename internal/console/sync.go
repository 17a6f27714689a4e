package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/ingest"
)

// The sync and archive page (docs/console.md §11): each sync source's
// state, checkpoint, last run and error, windows verified and horizon, and
// the recording archive's backlog and failures per source. An admin may
// start a source's run now.

// SyncReporter reports a tenant's sync sources and starts a run on
// request (ingest.Runner).
type SyncReporter interface {
	Status(ctx context.Context, t cdr.TenantID) ([]ingest.SourceStatus, error)
	RunNow(t cdr.TenantID, source cdr.Source) error
}

// syncData is the sync page's data.
type syncData struct {
	Sources  []sourceView
	Archive  []archiveView
	Admin    bool
	Started  string // the source whose run was just started
	NoSync   bool
	Archived bool // an archive is configured
}

type sourceView struct {
	Source, State, Checkpoint, LastRun, Outcome, ErrorCode, ErrorMessage string
	Enabled                                                              bool
	Windows, Inserted, Updated, Rejected                                 string
	HoursLeft, Expires                                                   string
	Near                                                                 bool // the horizon is under its warning
}

type archiveView struct {
	Source, Pending, Archived, GivenUp, Pruned, Size, OldestExpiry string
	Failing                                                        bool
}

func (c *Console) syncPage(w http.ResponseWriter, r *http.Request, s *session) error {
	d := &syncData{Admin: s.Admin, Archived: c.o.Archive != nil}
	loc := s.tenant.Zone
	at := func(ms int64) string {
		if ms == 0 {
			return "–"
		}
		return time.UnixMilli(ms).In(loc).Format("2006-01-02 15:04:05")
	}
	if started := r.URL.Query().Get("started"); slices.Contains(cdr.Sources, cdr.Source(started)) {
		d.Started = started
	}
	if c.o.Sync == nil {
		d.NoSync = true
	} else {
		st, err := c.o.Sync.Status(r.Context(), s.Tenant)
		if err != nil {
			return err
		}
		for _, src := range st {
			v := sourceView{Source: src.Source, State: src.State, Enabled: src.Enabled, Checkpoint: at(src.Checkpoint),
				Windows: groupDigits(src.WindowsVerified), Inserted: groupDigits(src.Records.Inserted),
				Updated: groupDigits(src.Records.Updated), Rejected: groupDigits(src.Records.Rejected), LastRun: "–"}
			if lr := src.LastRun; lr != nil {
				v.LastRun, v.Outcome = at(lr.StartedAt)+" – "+at(lr.FinishedAt), lr.Outcome
				if lr.Error != nil {
					v.ErrorCode, v.ErrorMessage = lr.Error.Code, lr.Error.Message
				}
			}
			if h := src.Horizon; h != nil {
				v.HoursLeft, v.Expires = fmt.Sprintf("%.1f h", h.HoursLeft), at(h.ExpiresAt)
				v.Near = h.HoursLeft < h.WarningHours
			}
			d.Sources = append(d.Sources, v)
		}
	}
	if c.o.Archive != nil {
		counts, err := c.o.Archive.ArchiveCounts(r.Context(), s.Tenant)
		if err != nil {
			return err
		}
		for _, a := range counts {
			d.Archive = append(d.Archive, archiveView{Source: string(a.Source), Pending: groupDigits(a.Pending),
				Archived: groupDigits(a.Archived), GivenUp: groupDigits(a.GivenUp), Pruned: groupDigits(a.Pruned),
				Size: bytesText(a.Bytes), OldestExpiry: at(a.OldestExpiry), Failing: a.GivenUp > 0})
		}
	}
	c.render(w, r, http.StatusOK, "sync", s, msg("Sync and archive"), d)
	return nil
}

// runSource starts a source's run now: admins only, with the session's
// CSRF token.
func (c *Console) runSource(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := readForm(w, r); err != nil {
		return err
	}
	if !sameToken(r.PostForm.Get(csrfField), s.CSRF) {
		return errCSRF
	}
	if !s.Admin {
		return cdr.Errorf(cdr.EFORBIDDEN, "only an admin token may start a sync run")
	}
	if c.o.Sync == nil {
		return cdr.Errorf(cdr.ENOTFOUND, "sync is not configured")
	}
	src := r.PostForm.Get("source")
	if !slices.Contains(cdr.Sources, cdr.Source(src)) || src == string(cdr.SourceNative) {
		return cdr.Errorf(cdr.EINVALID, "source: unknown sync source")
	}
	if err := c.o.Sync.RunNow(s.Tenant, cdr.Source(src)); err != nil {
		return err
	}
	logger(r).Info("console: sync run started", "tenant", s.Tenant.String(), "principal", s.name, "source", src)
	http.Redirect(w, r, "/console/sync?"+url.Values{"started": {src}}.Encode(), http.StatusSeeOther)
	return nil
}

// bytesText shows a size in B, KB, MB or GB (of 1,024).
func bytesText(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, i := float64(n), 0
	for v >= unit && i < 3 {
		v /= unit
		i++
	}
	return fmt.Sprintf("%.1f %s", v, []string{"B", "KB", "MB", "GB"}[i])
}
