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
	Sources []ingest.SourceStatus `json:"sources"`
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
		out := SyncResponse{Sources: []ingest.SourceStatus{}}
		for _, t := range tenants {
			st, err := rep.Status(r.Context(), t)
			if err != nil {
				return err
			}
			out.Sources = append(out.Sources, st...)
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
