package native

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/httpx"
	"github.com/cdrhub/cdrhub/internal/ingest"
)

// SyncReporter reports one tenant's sync sources (ingest.Runner).
type SyncReporter interface {
	Status(ctx context.Context, t cdr.TenantID) ([]ingest.SourceStatus, error)
}

// SyncResponse is the body of GET /api/v1/sync.
type SyncResponse struct {
	Sources []SourceView `json:"sources"`
}

// SourceView is one sync source, with its recording archive when the
// archive is configured.
type SourceView struct {
	ingest.SourceStatus
	Recordings *RecordingCounts `json:"recordings,omitempty"`
}

// RecordingCounts is the archive of a source's records: files pending (the
// backlog), archived (and their bytes), given up and pruned, and when the
// oldest pending file expires at the vendor.
type RecordingCounts struct {
	Pending      int64 `json:"pending"`
	Archived     int64 `json:"archived"`
	Bytes        int64 `json:"bytes"`
	GivenUp      int64 `json:"given_up"`
	Pruned       int64 `json:"pruned"`
	OldestExpiry int64 `json:"oldest_expiry,omitempty"` // ms
}

// SyncStatus serves GET /api/v1/sync: the status of the sync sources of
// the token's tenant. It is the one route an admin token may call without
// ?tenant=, for the sources of every tenant; with it, for that tenant's.
func (a *API) SyncStatus(rep SyncReporter) http.Handler {
	return httpx.Adapt(func(w http.ResponseWriter, r *http.Request) error {
		tenants, err := a.syncTenants(r)
		if err != nil {
			return err
		}
		out := SyncResponse{Sources: []SourceView{}}
		for _, t := range tenants {
			st, err := rep.Status(r.Context(), t)
			if err != nil {
				return err
			}
			counts, err := a.archiveCounts(r, t)
			if err != nil {
				return err
			}
			for _, s := range st {
				out.Sources = append(out.Sources, SourceView{SourceStatus: s, Recordings: counts[cdr.Source(s.Source)]})
			}
		}
		httpx.WriteJSON(w, r, http.StatusOK, out)
		return nil
	}, writeError)
}

// syncTenants returns the tenants the request acts for: the token's, or the
// one an admin token names with ?tenant=, or every known tenant, in the
// order of their ids, for an admin token without it.
func (a *API) syncTenants(r *http.Request) ([]cdr.TenantID, error) {
	t, err := a.authenticateFor(r, true)
	if err != nil || !t.IsZero() {
		return []cdr.TenantID{t}, err
	}
	all := make([]cdr.TenantID, 0, len(a.tenants))
	for _, t := range a.tenants {
		all = append(all, t)
	}
	slices.SortFunc(all, func(x, y cdr.TenantID) int { return strings.Compare(x.String(), y.String()) })
	return all, nil
}

// archiveCounts returns t's archive counts by source; none without an
// archive.
func (a *API) archiveCounts(r *http.Request, t cdr.TenantID) (map[cdr.Source]*RecordingCounts, error) {
	if a.rec == nil {
		return nil, nil
	}
	cs, err := a.rec.State.ArchiveCounts(r.Context(), t)
	if err != nil {
		return nil, err
	}
	m := make(map[cdr.Source]*RecordingCounts, len(cs))
	for _, c := range cs {
		m[c.Source] = &RecordingCounts{Pending: c.Pending, Archived: c.Archived, Bytes: c.Bytes,
			GivenUp: c.GivenUp, Pruned: c.Pruned, OldestExpiry: c.OldestExpiry}
	}
	return m, nil
}
