package sqlstore

import (
	"context"
	"database/sql"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// distinctTenants lists the tenants that have rows in table (one whose
// primary key leads with tenant_id), walking the key from one tenant to
// the next rather than reading every row.
func distinctTenants(ctx context.Context, db *sql.DB, d *dialect, table string) ([]cdr.TenantID, error) {
	rows, err := db.QueryContext(ctx, `WITH RECURSIVE t(id) AS (
			SELECT min(tenant_id) FROM `+table+`
			UNION ALL
			SELECT (SELECT min(tenant_id) FROM `+table+` WHERE tenant_id > t.id) FROM t WHERE t.id IS NOT NULL)
		SELECT id FROM t WHERE id IS NOT NULL`)
	if err != nil {
		return nil, d.formatError(err)
	}
	defer rows.Close()
	var ts []cdr.TenantID
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, d.formatError(err)
		}
		t, err := cdr.NewTenantID(id)
		if err != nil {
			return nil, err
		}
		ts = append(ts, t)
	}
	return ts, d.formatError(rows.Err())
}
