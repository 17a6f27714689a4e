package sqlstore

import (
	"slices"
	"strings"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// query is a WHERE clause over records r under construction. The tenant
// predicate is always its first term.
type query struct {
	tenant string
	where  []string
	args   []any
	// keys holds groups of index tokens (index.go): the record must carry
	// one token of every group.
	keys [][]string
	// substr is a digit substring (with the mask *) of the caller or
	// callee, or "".
	substr string
	// selective is set when a filter selects few rows through an index of
	// its own (ids, or a record_index match known to be small): the rows
	// are then read from it and sorted rather than found by walking the
	// time index. See selectSQL.
	selective bool
	// driven is set when the selected rows come from record_index or from
	// OR branches that carry their own tenant predicate; see whereSQL.
	driven bool
}

func (q *query) add(cond string, args ...any) {
	q.where = append(q.where, cond)
	q.args = append(q.args, args...)
}

// in adds "col IN (…)" for a non-empty list.
func in[T any](q *query, col string, vals []T) {
	if len(vals) == 0 {
		return
	}
	args := make([]any, len(vals))
	for i, v := range vals {
		args[i] = v
	}
	q.add(col+" IN ("+placeholders(len(vals))+")", args...)
}

// terms requires a term of any of kinds with any of vals.
func (q *query) terms(kinds []string, vals []string) {
	if len(vals) == 0 {
		return
	}
	var toks []string
	for _, k := range kinds {
		for _, v := range vals {
			toks = append(toks, token(tokTerm, q.tenant, k, v))
		}
	}
	q.keys = append(q.keys, toks)
}

// buildQuery translates f into a WHERE clause for tenant t, after
// f.Check has bounded its values (no API can pass an unbounded filter down).
func buildQuery(t cdr.TenantID, f *cdr.Filter) (*query, error) {
	if err := f.Check(); err != nil {
		return nil, err
	}
	q := &query{tenant: t.String()}
	q.add("r.tenant_id = ?", q.tenant)
	if f.From != 0 {
		q.add("r.start_at >= ?", f.From)
	}
	if f.To != 0 {
		q.add("r.start_at < ?", f.To)
	}
	if !f.IncludeShadows {
		q.add("r.same_as IS NULL")
	}
	in(q, "r.channel", f.Channels)
	in(q, "r.id", f.IDs)
	q.vendorIDs(f.VendorIDs)
	in(q, "r.source", f.Sources)
	in(q, "r.direction", f.Directions)
	in(q, "r.call_type", f.CallTypes)
	in(q, "r.media", f.Media)
	in(q, "r.disposition", f.Dispositions)
	in(q, "r.hangup_by", f.HangupBy)
	for _, e := range f.VendorEnums {
		q.terms([]string{cdr.VendorTermKind(e.Source, e.Field)}, e.Values)
	}
	if err := q.phones(f); err != nil {
		return nil, err
	}
	q.addresses("caller", tokCallerKey, f.CallerAddrs)
	q.addresses("callee", tokCalleeKey, f.CalleeAddrs)
	q.terms([]string{cdr.TermAgentID, cdr.TermAgentName}, f.Agents)
	q.terms([]string{cdr.TermAgentID}, f.AgentIDs)
	q.terms([]string{cdr.TermAgentName}, f.AgentNames)
	q.terms([]string{cdr.TermQueueID, cdr.TermQueueName}, f.Queues)
	q.terms([]string{cdr.TermQueueID}, f.QueueIDs)
	q.terms([]string{cdr.TermQueueName}, f.QueueNames)
	q.terms([]string{cdr.TermTag}, f.Tags)
	in(q, "r.country_code", f.CountryCodes)
	in(q, "r.sat_label", f.SatLabels)
	in(q, "r.sat_score", f.SatScores)
	switch {
	case f.HasRecording > 0:
		q.add("r.has_recording = 1")
	case f.HasRecording < 0:
		q.add("r.has_recording = 0")
	}
	if len(f.IDs) > 0 {
		q.selective = true
	}
	return q, nil
}

// vendorIDs selects records of v.Source by source_id, through the id
// derived from it, and records of other sources by id
// (docs/record-model.md §5 R2).
func (q *query) vendorIDs(v cdr.VendorIDs) {
	if len(v.Values) == 0 {
		return
	}
	var derived, given []any
	for _, val := range v.Values {
		derived = append(derived, cdr.RecordID(q.tenant, v.Source, val))
		given = append(given, val)
	}
	ph := placeholders(len(v.Values))
	args := append(append(append([]any{q.tenant}, derived...), q.tenant), given...)
	q.add("((r.tenant_id = ? AND r.id IN ("+ph+")) OR (r.tenant_id = ? AND r.id IN ("+ph+") AND r.source <> ?))", append(args, v.Source)...)
	q.selective, q.driven = true, true
}

// phones adds the exact and substring phone predicates
// (docs/record-model.md §1.4).
func (q *query) phones(f *cdr.Filter) error {
	sides := []struct {
		nums  []string
		sides []string
	}{
		{f.Phones, []string{"caller", "callee"}},
		{f.CallerNumbers, []string{"caller"}},
		{f.CalleeNumbers, []string{"callee"}},
	}
	for _, s := range sides {
		if len(s.nums) == 0 {
			continue
		}
		var ors, toks []string
		var args []any
		for _, n := range s.nums {
			d := cdr.Digits(n)
			if d == "" {
				return cdr.Errorf(cdr.EINVALID, "phone number %q has no digits", n)
			}
			for _, side := range s.sides {
				prefix := tokCallerKey
				if side == "callee" {
					prefix = tokCalleeKey
				}
				toks = append(toks, token(prefix, q.tenant, "", cdr.Tail7(d)))
				cond, a := exactPhone(side, d)
				ors = append(ors, cond)
				args = append(args, a...)
			}
		}
		q.keys = append(q.keys, toks)
		q.add("("+strings.Join(ors, " OR ")+")", args...)
		q.selective, q.driven = true, true
	}
	if f.PhoneContains != "" {
		// Only the characters are kept: a leading "00" of a substring is
		// part of what is sought, not an international prefix.
		d := strings.Map(func(c rune) rune {
			if c >= '0' && c <= '9' || c == '*' {
				return c
			}
			return -1
		}, f.PhoneContains)
		if len(strings.ReplaceAll(d, "*", "")) < 3 {
			return cdr.Errorf(cdr.EINVALID, "phone substring %q needs at least 3 digits", f.PhoneContains)
		}
		q.substr = d
		// Five or more digits match few numbers: read them from the index.
		// Shorter ones may match many: walk the time index instead.
		if len(d) >= 5 {
			q.selective, q.driven = true, true
		}
	}
	return nil
}

// exactPhone is the residual predicate on one side's digits for the
// normalized query d, after the index selected the rows whose key (the
// last seven digits) matches: equal, or unmasked with one a suffix of the
// other and the shorter at least seven digits long.
func exactPhone(side, d string) (string, []any) {
	digits := "r." + side + "_digits"
	if len(d) < 7 || strings.Contains(d, "*") {
		return digits + " = ?", []any{d}
	}
	var args []any
	for i := 0; i+7 <= len(d); i++ {
		args = append(args, d[i:])
	}
	// d holds digits only, so it is a literal LIKE pattern.
	args = append(args, "%"+d)
	return "(" + digits + " IN (" + placeholders(len(args)-1) + ") OR (" + digits + " LIKE ? AND " + digits + " NOT LIKE '%*%'))", args
}

// addresses matches the exact address of one side: record_index selects
// the rows by the party key (the address, or the tail of its digits), the
// address column confirms.
func (q *query) addresses(side, prefix string, addrs []string) {
	if len(addrs) == 0 {
		return
	}
	var toks []string
	args := make([]any, len(addrs))
	for i, a := range addrs {
		args[i] = a
		toks = append(toks, token(prefix, q.tenant, "", a))
		if d := cdr.Digits(a); d != "" {
			toks = append(toks, token(prefix, q.tenant, "", cdr.Tail7(d)))
		}
	}
	q.keys = append(q.keys, toks)
	q.add("r."+side+"_addr IN ("+placeholders(len(addrs))+")", args...)
	q.selective, q.driven = true, true
}

// whereSQL returns the WHERE clause in dialect d. When the index or
// tenant-carrying OR branches select the rows, SQLite gets the leading
// tenant predicate as +r.tenant_id = ?: still applied, but not usable for
// a walk of the tenant's indexes, so SQLite reads the rows the filter
// selects.
func (q *query) whereSQL(d *dialect) (string, []any) {
	where, args := q.where, q.args
	if q.driven && d.steer {
		where = append([]string{"+" + where[0]}, where[1:]...)
	}
	if cond, a := d.index(q); cond != "" {
		where = append(where[:len(where):len(where)], cond)
		args = append(args[:len(args):len(args)], a...)
	}
	return strings.Join(where, " AND "), args
}

func (q *query) countSQL(d *dialect) (string, []any) {
	where, args := q.whereSQL(d)
	return d.rebind("SELECT count(*) FROM records r WHERE " + where), args
}

// selectSQL returns the page query: keyset position, order, offset, limit.
func (q *query) selectSQL(d *dialect, cols string, f *cdr.Filter) (string, []any) {
	where, args := q.whereSQL(d)
	dir, cmp := "DESC", "<"
	if !f.Desc() {
		dir, cmp = "ASC", ">"
	}
	if f.After != nil {
		where += " AND (r.start_at, r.id) " + cmp + " (?, ?)"
		args = append(args, f.After.StartAt, f.After.ID)
	}
	order := "r.start_at"
	switch {
	case f.OrderBy != "" && slices.Contains(cdr.OrderBys, f.OrderBy):
		order = "coalesce(r." + f.OrderBy + ", 0)" // a column name from the fixed list
	case q.selective:
		// The few selected rows are sorted (dialect.sortKey).
		order = d.sortKey
	}
	sql := "SELECT " + cols + " FROM records r WHERE " + where + " ORDER BY " + order + " " + dir + ", r.id " + dir
	if f.Limit > 0 || f.Offset > 0 {
		var limit any = f.Limit
		if f.Limit <= 0 {
			limit = d.noLimit
		}
		sql += " LIMIT ? OFFSET ?"
		args = append(args, limit, f.Offset)
	}
	return d.rebind(sql), args
}
