package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
)

// dialect holds what differs between SQLite and PostgreSQL on the read
// side. The query builder (query.go) writes one SQL text with ? parameters
// for both; these are the only places where it forks.
type dialect struct {
	name string
	// numbered writes parameters as $1, $2, … instead of ?.
	numbered bool
	// steer enables SQLite's plan hint on the tenant predicate: unary +
	// on a column keeps its index from being used.
	steer bool
	// sortKey is the ORDER BY expression of a query whose filter selects
	// few rows through an index of its own (query.selective): start_at
	// written so that no index provides its order, so the database reads
	// the few rows and sorts them instead of walking the time index in
	// order and testing each record, which a stale estimate can make it
	// do for a rare phone substring (1.7 s at a million records).
	sortKey string
	// noLimit is the LIMIT value of a query with an offset and no limit.
	noLimit any
	// index returns the predicate selecting the rows that carry the
	// query's index tokens and phone substring, or "" when it has none.
	index func(q *query) (string, []any)
	// choose, when not nil, picks the access path of a query by looking
	// at the data (SQLite: the size of an index match).
	choose func(ctx context.Context, db *sql.DB, q *query) error
	// formatError translates the driver's errors into domain errors.
	formatError func(error) error
}

// rebind rewrites the ? parameters of query for d. cdrhub's SQL has no ?
// inside literals.
func (d *dialect) rebind(query string) string {
	if !d.numbered || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

// changed reports whether an Exec changed a row, its errors translated.
func (d *dialect) changed(res sql.Result, err error) (bool, error) {
	if err != nil {
		return false, d.formatError(err)
	}
	n, err := res.RowsAffected()
	return n > 0, d.formatError(err)
}

var sqliteDialect = &dialect{
	name:        "sqlite",
	steer:       true,
	sortKey:     "+r.start_at",
	noLimit:     -1,
	index:       ftsIndex,
	choose:      chooseDriver,
	formatError: formatError,
}

var postgresDialect = &dialect{
	name:        "postgres",
	numbered:    true,
	sortKey:     "(r.start_at + 0)",
	noLimit:     nil, // LIMIT NULL is no limit
	index:       pgIndex,
	formatError: formatPGError,
}

// ftsIndex is SQLite's index predicate: one record_index match holding
// every token group and the substring's trigram phrase in the tenant's
// alphabet (index.go).
func ftsIndex(q *query) (string, []any) {
	var parts []string
	for _, g := range q.keys {
		toks := make([]string, len(g))
		for i, t := range g {
			toks[i] = "terms:" + t
		}
		parts = append(parts, "("+strings.Join(toks, " OR ")+")")
	}
	if q.substr != "" {
		sym := tenantSymbols(q.tenant)
		parts = append(parts, `"`+phoneTrigrams(&sym, q.substr)+`"`)
	}
	if len(parts) == 0 {
		return "", nil
	}
	return "r.pk IN (SELECT docid FROM record_index WHERE record_index MATCH ?)", []any{strings.Join(parts, " ")}
}

// pgIndex is PostgreSQL's index predicate: array overlap on the keys
// column per token group, LIKE on the tenant-salted phones column
// (pg_trgm). Both are GIN indexes.
func pgIndex(q *query) (string, []any) {
	var conds []string
	var args []any
	for _, g := range q.keys {
		conds = append(conds, "r.keys && ?::text[]")
		args = append(args, g)
	}
	if q.substr != "" {
		a := phoneAlphabet(q.tenant)
		conds = append(conds, "r.phones LIKE ?")
		args = append(args, "%"+saltPhone(&a, q.substr)+"%")
	}
	return strings.Join(conds, " AND "), args
}
