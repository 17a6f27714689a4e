package sqlstore

import (
	"strings"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// query is a WHERE clause over records r under construction. The tenant
// predicate is always its first term.
type query struct {
	where []string
	args  []any
	// selective is set when a filter that selects few rows through its own
	// index is present; see selectSQL.
	selective bool
	// driven is set when such a filter carries the tenant predicate in
	// itself (OR branches, trigram matches joined by pk). The leading
	// tenant predicate is then written as +r.tenant_id = ?: still applied,
	// but not usable for an index walk over the whole tenant, so SQLite
	// takes the rows from the filter's own index.
	driven bool
	// window bounds term subqueries to the filter's start_at range.
	window string
	wargs  []any
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

// terms adds a match on record_terms of any of kinds with any of vals.
func (q *query) terms(kinds []string, vals []string, tenant string) {
	if len(vals) == 0 {
		return
	}
	args := []any{tenant}
	for _, k := range kinds {
		args = append(args, k)
	}
	for _, v := range vals {
		args = append(args, v)
	}
	args = append(args, q.wargs...)
	q.add(`r.pk IN (SELECT record_pk FROM record_terms WHERE tenant_id = ? AND kind IN (`+placeholders(len(kinds))+
		`) AND value IN (`+placeholders(len(vals))+`)`+q.window+`)`, args...)
}

// buildQuery translates f into a WHERE clause for tenant t.
func buildQuery(t cdr.TenantID, f *cdr.Filter) (*query, error) {
	tenant := t.String()
	q := &query{}
	q.add("r.tenant_id = ?", tenant)
	if f.From != 0 {
		q.add("r.start_at >= ?", f.From)
		q.window += " AND start_at >= ?"
		q.wargs = append(q.wargs, f.From)
	}
	if f.To != 0 {
		q.add("r.start_at < ?", f.To)
		q.window += " AND start_at < ?"
		q.wargs = append(q.wargs, f.To)
	}
	if !f.IncludeShadows {
		q.add("r.same_as IS NULL")
	}
	in(q, "r.channel", f.Channels)
	in(q, "r.id", f.IDs)
	q.selective = len(f.IDs) > 0 || len(f.VendorIDs.Values) > 0 || len(f.Phones) > 0 || len(f.CallerNumbers) > 0 ||
		len(f.CalleeNumbers) > 0 || len(f.CallerAddrs) > 0
	if v := f.VendorIDs; len(v.Values) > 0 {
		// Records of v.Source by source_id, through the id derived from it;
		// records of other sources by id (§5 R2).
		derived, given := []any{tenant}, []any{tenant}
		for _, val := range v.Values {
			derived = append(derived, cdr.RecordID(tenant, v.Source, val))
			given = append(given, val)
		}
		ph := placeholders(len(v.Values))
		q.add("((r.tenant_id = ? AND r.id IN ("+ph+")) OR (r.tenant_id = ? AND r.id IN ("+ph+") AND r.source <> ?))",
			append(append(derived, given...), v.Source)...)
		q.driven = true
	}
	in(q, "r.source", f.Sources)
	in(q, "r.direction", f.Directions)
	in(q, "r.call_type", f.CallTypes)
	in(q, "r.media", f.Media)
	in(q, "r.disposition", f.Dispositions)
	in(q, "r.hangup_by", f.HangupBy)
	for _, e := range f.VendorEnums {
		q.terms([]string{cdr.VendorTermKind(e.Source, e.Field)}, e.Values, tenant)
	}
	if err := phoneFilters(q, f, tenant); err != nil {
		return nil, err
	}
	in(q, "r.caller_addr", f.CallerAddrs)
	in(q, "r.callee_addr", f.CalleeAddrs)
	q.terms([]string{cdr.TermAgentID, cdr.TermAgentName}, f.Agents, tenant)
	q.terms([]string{cdr.TermAgentID}, f.AgentIDs, tenant)
	q.terms([]string{cdr.TermAgentName}, f.AgentNames, tenant)
	q.terms([]string{cdr.TermQueueID, cdr.TermQueueName}, f.Queues, tenant)
	q.terms([]string{cdr.TermQueueID}, f.QueueIDs, tenant)
	q.terms([]string{cdr.TermQueueName}, f.QueueNames, tenant)
	q.terms([]string{cdr.TermTag}, f.Tags, tenant)
	in(q, "r.country_code", f.CountryCodes)
	in(q, "r.sat_label", f.SatLabels)
	in(q, "r.sat_score", f.SatScores)
	switch {
	case f.HasRecording > 0:
		q.add("r.has_recording = 1")
	case f.HasRecording < 0:
		q.add("r.has_recording = 0")
	}
	return q, nil
}

// phoneFilters adds the exact and substring phone predicates (§1.4).
func phoneFilters(q *query, f *cdr.Filter, tenant string) error {
	sides := []struct {
		nums []string
		cols []string
	}{
		{f.Phones, []string{"caller", "callee"}},
		{f.CallerNumbers, []string{"caller"}},
		{f.CalleeNumbers, []string{"callee"}},
	}
	for _, s := range sides {
		if len(s.nums) == 0 {
			continue
		}
		var ors []string
		var args []any
		for _, n := range s.nums {
			d := cdr.Digits(n)
			if d == "" {
				return cdr.Errorf(cdr.EINVALID, "phone number %q has no digits", n)
			}
			for _, side := range s.cols {
				cond, a := exactPhone(tenant, side, d)
				ors = append(ors, cond)
				args = append(args, a...)
			}
		}
		q.add("("+strings.Join(ors, " OR ")+")", args...)
		q.driven = true
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
		q.add("r.pk IN (SELECT docid FROM phone_grams WHERE phone_grams MATCH ?)", `"`+trigrams(d)+`"`)
		// Five or more digits match few numbers: read them from the
		// trigram index. Shorter ones match many: walk the time index.
		if len(d) >= 5 {
			q.selective, q.driven = true, true
		}
	}
	return nil
}

// exactPhone matches stored digits against the normalized query d: through
// the tail7 index, then equal, or unmasked with one a suffix of the other
// and the shorter at least seven digits long. Each branch repeats the
// tenant predicate so that SQLite can serve an OR of branches from the
// (tenant_id, *_tail7) indexes.
func exactPhone(tenant, side, d string) (string, []any) {
	digits, tail := "r."+side+"_digits", "r.tenant_id = ? AND r."+side+"_tail7"
	if len(d) < 7 || strings.Contains(d, "*") {
		return "(" + tail + " = ? AND " + digits + " = ?)", []any{tenant, cdr.Tail7(d), d}
	}
	var suffixes []any
	for i := 0; i+7 <= len(d); i++ {
		suffixes = append(suffixes, d[i:])
	}
	args := append([]any{tenant, cdr.Tail7(d)}, suffixes...)
	args = append(args, len(d), d)
	return "(" + tail + " = ? AND (" + digits + " IN (" + placeholders(len(suffixes)) + ") OR (substr(" + digits +
		", -?) = ? AND instr(" + digits + ", '*') = 0)))", args
}

func (q *query) whereSQL() string {
	where := q.where
	if q.driven {
		where = append([]string{"+" + where[0]}, where[1:]...)
	}
	return strings.Join(where, " AND ")
}

func (q *query) countSQL() string {
	return "SELECT count(*) FROM records r WHERE " + q.whereSQL()
}

// selectSQL returns the page query: keyset position, order, offset, limit.
func (q *query) selectSQL(cols string, f *cdr.Filter) (string, []any) {
	where, args := q.whereSQL(), q.args
	dir, cmp := "DESC", "<"
	if !f.Desc() {
		dir, cmp = "ASC", ">"
	}
	if f.After != nil {
		where += " AND (r.start_at, r.id) " + cmp + " (?, ?)"
		args = append(args[:len(args):len(args)], f.After.StartAt, f.After.ID)
	}
	order := "r.start_at"
	if q.selective {
		// The rows come from a selective index (ids, phone numbers, trigram
		// matches): sort them rather than walk the time index looking for
		// them. The unary + keeps SQLite from ordering by the time index.
		order = "+r.start_at"
	}
	sql := "SELECT " + cols + " FROM records r WHERE " + where + " ORDER BY " + order + " " + dir + ", r.id " + dir
	if f.Limit > 0 || f.Offset > 0 {
		limit := f.Limit
		if limit <= 0 {
			limit = -1
		}
		sql += " LIMIT ? OFFSET ?"
		args = append(args, limit, f.Offset)
	}
	return sql, args
}
