package native

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/cdrhub/cdrhub/internal/analytics"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/httpx"
	"github.com/cdrhub/cdrhub/internal/query"
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
// and finished by analytics.Compute; with a filter of GET /api/v1/records
// the rollups do not keep, from the matching records.
func (a *API) Stats(st StatsReader) http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		t := tenantOf(r.Context())
		own, filters := url.Values{}, url.Values{}
		for k, vs := range r.URL.Query() {
			switch {
			case k == "tenant": // an admin's, checked by authentication
			case analytics.IsParam(k):
				own[k] = vs
			default:
				filters[k] = vs
			}
		}
		q, err := analytics.ParseQuery(own, a.zone(t))
		if err != nil {
			return err
		}
		var res *analytics.Result
		if len(filters) == 0 {
			res, err = analytics.FromRollups(r.Context(), q, func(ctx context.Context, sel *cdr.KPISelect) ([]cdr.KPISum, error) {
				return st.KPISums(ctx, t, sel)
			})
		} else {
			res, err = a.statsFromRecords(r.Context(), t, q, own, filters)
		}
		if err != nil {
			return err
		}
		httpx.WriteJSON(w, r, http.StatusOK, res)
		return nil
	})
}

// recordFilters are the filters of GET /api/v1/records that stats takes
// beyond its own. The rollups do not keep them, so a query with one is
// computed from the matching records (docs/analytics.md).
var recordFilters = []string{"call_type", "media", "hangup_by", "source_id", "phone", "phone_contains",
	"caller", "callee", "tag", "country_code", "has_recording", "csat_min", "csat_max"}

// statsFromRecords computes q's result from t's records in q's window that
// match filters (parameters of GET /api/v1/records), streamed and folded
// one at a time.
func (a *API) statsFromRecords(ctx context.Context, t cdr.TenantID, q *analytics.Query, own, filters url.Values) (*analytics.Result, error) {
	if err := query.OnlyParams(filters, recordFilters...); err != nil {
		return nil, err
	}
	// The enum filters both APIs share narrow the read, and the records'
	// filters check them together (source_id needs one source); the
	// folder applies stats' own filters exactly (queue and agent as the
	// rollups key them).
	for _, k := range []string{"channel", "source", "direction", "disposition"} {
		if vs, ok := own[k]; ok {
			filters[k] = vs
		}
	}
	f, err := query.ParseFilter(filters)
	if err != nil {
		return nil, err
	}
	// The window is bucket-aligned: a record's start lies in it when its
	// bucket does.
	f.From, f.To = q.From, q.To
	return analytics.FromRecords(ctx, q, f, func(ctx context.Context, f cdr.Filter, fn func([]byte, cdr.Cursor) error) error {
		return a.store.StreamRecords(ctx, t, f, fn)
	})
}
