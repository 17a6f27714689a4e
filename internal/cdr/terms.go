package cdr

// Term kinds of the multi-valued filters (docs/record-model.md §7).
const (
	TermAgentID   = "agent_id"   // agent ids and emails, participants included
	TermAgentName = "agent_name" // agent names
	TermQueueID   = "queue_id"   // queue ids, participants included
	TermQueueName = "queue_name" // queue names, participants included
	TermTag       = "tag"
)

// Term is one indexed value of a multi-valued filter.
type Term struct {
	Kind, Value string
}

// VendorTermKind is the term kind of a rendered vendor enum field, "S.F".
func VendorTermKind(s Source, field string) string { return string(s) + "." + field }

// Terms returns the distinct terms of r in a stable order: agents, queues
// and tags, then the rendered vendor enum terms in r.VendorTerms.
func (r *Record) Terms() []Term {
	var ts []Term
	seen := make(map[Term]bool)
	add := func(kind, value string) {
		t := Term{kind, value}
		if value != "" && !seen[t] {
			seen[t] = true
			ts = append(ts, t)
		}
	}
	for _, a := range r.Agents {
		add(TermAgentID, a.ID)
		add(TermAgentID, a.Email)
		add(TermAgentName, a.Name)
	}
	for _, q := range r.Queues {
		add(TermQueueID, q.ID)
		add(TermQueueName, q.Name)
	}
	for _, p := range r.Participants {
		if p.Role == RoleAgent {
			add(TermAgentID, p.ID)
			add(TermAgentID, p.Email)
		}
		add(TermQueueID, p.QueueID)
		add(TermQueueName, p.QueueName)
	}
	for _, t := range r.Tags {
		add(TermTag, t)
	}
	for _, t := range r.VendorTerms {
		add(t.Kind, t.Value)
	}
	return ts
}
