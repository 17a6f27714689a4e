package native

import (
	"context"
	"net/http"
	"time"

	"github.com/cdrhub/cdrhub/internal/analytics"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/httpx"
)

// StatsReader is what GET /api/v1/stats reads: the rollups' sums
// (cdr.Rollups.KPISums).
type StatsReader interface {
	KPISums(ctx context.Context, t cdr.TenantID, sel *cdr.KPISelect) ([]cdr.KPISum, error)
}

// SetZone sets tenant t's time zone: stats' default tz.
func (a *API) SetZone(t cdr.TenantID, loc *time.Location) {
	if a.zones == nil {
		a.zones = map[cdr.TenantID]*time.Location{}
	}
	a.zones[t] = loc
}

// zone returns t's time zone, UTC when none is set.
func (a *API) zone(t cdr.TenantID) *time.Location {
	if loc := a.zones[t]; loc != nil {
		return loc
	}
	return time.UTC
}

// Stats serves GET /api/v1/stats: the KPIs of docs/analytics.md over the
// tenant's rollups, summed by the database per local unit of the zone
// and finished by analytics.Compute.
func (a *API) Stats(st StatsReader) http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		t := tenantOf(r.Context())
		params := r.URL.Query()
		params.Del("tenant") // an admin's, checked by authentication
		q, err := analytics.ParseQuery(params, a.zone(t))
		if err != nil {
			return err
		}
		res, err := analytics.FromRollups(r.Context(), q, func(ctx context.Context, sel *cdr.KPISelect) ([]cdr.KPISum, error) {
			return st.KPISums(ctx, t, sel)
		})
		if err != nil {
			return err
		}
		httpx.WriteJSON(w, r, http.StatusOK, res)
		return nil
	})
}
