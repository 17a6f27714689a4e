package native

import (
	"net/http"

	"github.com/cdrhub/cdrhub/internal/export"
)

// GET /api/v1/export (docs/export.md) streams every record matching the
// filters of GET /api/v1/records in one format: export.Serve, within the
// API's limits, with errors before the first byte in the API's envelope.

// ExportLimits bound GET /api/v1/export.
type ExportLimits = export.Limits

// DefaultExportLimits are the export's limits unless set.
var DefaultExportLimits = export.DefaultLimits

// SetExportLimits replaces the export's limits (DefaultExportLimits).
func (a *API) SetExportLimits(l ExportLimits) { a.export = l }

// ExportRecords serves GET /api/v1/export.
func (a *API) ExportRecords() http.Handler { return a.handle(a.exportRecords) }

func (a *API) exportRecords(w http.ResponseWriter, r *http.Request) error {
	e, err := export.ParseRequest(r.URL.Query())
	if err != nil {
		return err
	}
	return export.Serve(w, r, a.store, tenantOf(r.Context()), e, a.export, a.now(), logger(r))
}
