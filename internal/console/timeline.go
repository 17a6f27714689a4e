package console

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// timeline is an interaction's course (docs/console.md §5): lanes of
// spans drawn to scale over [Start, End], and the events in time order.
type timeline struct {
	Start, End int64 // ms
	Lanes      []lane
	Events     []event
	// Hold is the hold time when known only as a total, else zero.
	Hold text
}

// lane is one row of the drawing: the contact itself, then each
// participant's leg.
type lane struct {
	Label text
	Spans []span
}

// span is a phase [From, To) of a lane.
type span struct {
	From, To int64
	Kind     string // ivr, queue, ring, talk, leg
	Label    text
}

// event is a moment of the interaction. At is 0 for an event whose time
// is not known (a key pressed in the IVR without a time), listed after
// the phase it belongs to.
type event struct {
	At    int64
	Kind  string
	Label text
}

// timelineOf lays out r's timeline from the times it holds.
func timelineOf(r *cdr.Record) timeline {
	tl := timeline{Start: r.StartAt, End: r.StartAt}
	extend := func(ms int64) {
		if ms > tl.End {
			tl.End = ms
		}
	}
	times := []*int64{r.QueuedAt, r.RingAt, r.AnswerAt, r.EndAt}
	for _, p := range times {
		if p != nil {
			extend(*p)
		}
	}
	for _, p := range r.Participants {
		for _, t := range []*int64{p.StartAt, p.RingAt, p.AnswerAt, p.EndAt} {
			if t != nil {
				extend(*t)
			}
		}
	}
	for _, k := range r.IVRKeys {
		if k.At != nil {
			extend(*k.At)
		}
	}
	if r.EndAt == nil && r.TotalS != nil {
		extend(r.StartAt + *r.TotalS*1000)
	}
	end := tl.End
	// first returns the earliest known time of ts after from, else end.
	next := func(from int64, ts ...*int64) int64 {
		for _, t := range ts {
			if t != nil && *t >= from {
				return *t
			}
		}
		return end
	}

	main := lane{Label: contactLabel(r.Channel)}
	add := func(from, to int64, kind string, label text) {
		if to > from {
			main.Spans = append(main.Spans, span{From: from, To: to, Kind: kind, Label: label})
		}
	}
	tl.Events = append(tl.Events, event{At: r.StartAt, Kind: "start", Label: startLabel(r)})
	if r.IVRS != nil && *r.IVRS > 0 {
		ivrEnd := min(r.StartAt+*r.IVRS*1000, end)
		add(r.StartAt, ivrEnd, "ivr", msg("IVR"))
		extend(ivrEnd)
	}
	if r.QueuedAt != nil {
		tl.Events = append(tl.Events, event{At: *r.QueuedAt, Kind: "queue", Label: queuedLabel(r)})
		add(*r.QueuedAt, next(*r.QueuedAt, r.RingAt, r.AnswerAt, r.EndAt), "queue", msg("Queue"))
	}
	if r.RingAt != nil {
		tl.Events = append(tl.Events, event{At: *r.RingAt, Kind: "ring", Label: msg("Ringing")})
		add(*r.RingAt, next(*r.RingAt, r.AnswerAt, r.EndAt), "ring", msg("Ringing"))
	}
	if r.AnswerAt != nil {
		tl.Events = append(tl.Events, event{At: *r.AnswerAt, Kind: "answer", Label: answerLabel(r)})
		add(*r.AnswerAt, next(*r.AnswerAt, r.EndAt), "talk", msg("Talk"))
	}
	for _, k := range r.IVRKeys {
		label, kind := msg("Pressed %s", k.Key), "key"
		if k.Phase == cdr.PhaseSurvey {
			label, kind = msg("Survey: pressed %s", k.Key), "survey"
		}
		if k.Label != "" {
			label = msg("%s (%s)", label, k.Label)
		}
		at := int64(0)
		if k.At != nil {
			at = *k.At
		}
		tl.Events = append(tl.Events, event{At: at, Kind: kind, Label: label})
	}
	if r.EndAt != nil {
		tl.Events = append(tl.Events, event{At: *r.EndAt, Kind: "end", Label: endLabel(r)})
	}
	tl.Lanes = append(tl.Lanes, main)
	for _, p := range r.Participants {
		l := lane{Label: participantLabel(p)}
		// A transfer is told once: by the leg it reached, when it began;
		// else by the leg it left, when that ended.
		switch {
		case p.TransferFrom != "" && p.StartAt != nil:
			tl.Events = append(tl.Events, event{At: *p.StartAt, Kind: "transfer", Label: transferLabel(p)})
		case p.TransferTo != "" && p.EndAt != nil && !received(r.Participants, p.TransferTo):
			tl.Events = append(tl.Events, event{At: *p.EndAt, Kind: "transfer", Label: transferLabel(p)})
		}
		if p.RingAt != nil {
			to := next(*p.RingAt, p.AnswerAt, p.EndAt)
			if to > *p.RingAt {
				l.Spans = append(l.Spans, span{From: *p.RingAt, To: to, Kind: "ring", Label: msg("Ringing")})
			}
		}
		if p.AnswerAt != nil {
			tl.Events = append(tl.Events, event{At: *p.AnswerAt, Kind: "answer", Label: msg("%s answered", participantLabel(p))})
			to := next(*p.AnswerAt, p.EndAt)
			if to > *p.AnswerAt {
				l.Spans = append(l.Spans, span{From: *p.AnswerAt, To: to, Kind: "talk", Label: msg("Talk")})
			}
		} else if p.StartAt != nil && p.RingAt == nil {
			to := next(*p.StartAt, p.EndAt)
			if to > *p.StartAt {
				l.Spans = append(l.Spans, span{From: *p.StartAt, To: to, Kind: "leg", Label: msg("Leg")})
			}
		}
		if len(l.Spans) > 0 {
			tl.Lanes = append(tl.Lanes, l)
		}
	}
	if r.HoldS != nil && *r.HoldS > 0 {
		tl.Hold = msg("On hold %s in all (when is not known)", seconds(*r.HoldS))
	}
	// Events in time order; those without a time after the start, in
	// the record's order.
	slices.SortStableFunc(tl.Events, func(a, b event) int {
		return cmp.Compare(orStart(a.At, r.StartAt), orStart(b.At, r.StartAt))
	})
	return tl
}

func orStart(at, start int64) int64 {
	if at == 0 {
		return start
	}
	return at
}

// x is ms's position on a drawing of width w, from the timeline's start.
func (tl timeline) x(ms int64, w float64) float64 {
	d := tl.End - tl.Start
	if d <= 0 {
		return 0
	}
	return float64(ms-tl.Start) / float64(d) * w
}

func contactLabel(c cdr.Channel) text {
	switch c {
	case cdr.ChannelChat:
		return msg("Session")
	case cdr.ChannelRTC:
		return msg("Call (app)")
	}
	return msg("Call")
}

func startLabel(r *cdr.Record) text {
	switch {
	case r.Channel == cdr.ChannelChat:
		return msg("Session started by %s", orUnknown(partyText(r.Caller)))
	case r.Direction == cdr.DirectionOutbound:
		return msg("Call placed to %s", orUnknown(partyText(r.Callee)))
	}
	return msg("Call from %s", orUnknown(partyText(r.Caller)))
}

func answerLabel(r *cdr.Record) text {
	if len(r.Agents) > 0 {
		return msg("Answered by %s", agentName(r.Agents[0]))
	}
	return msg("Answered")
}

func endLabel(r *cdr.Record) text {
	d := msg(string(r.Disposition)) // an enum value, a key of the catalogue
	switch r.HangupBy {
	case cdr.HangupByCustomer:
		return msg("Ended: the customer hung up (%s)", d)
	case cdr.HangupByAgent:
		return msg("Ended: the agent hung up (%s)", d)
	case cdr.HangupBySystem:
		return msg("Ended: the system released it (%s)", d)
	}
	return msg("Ended (%s)", d)
}

func queuedLabel(r *cdr.Record) text {
	if len(r.Queues) == 0 {
		return msg("Queued")
	}
	return msg("Queued in %s", firstOf(r.Queues[0].Name, r.Queues[0].ID))
}

// participantLabel names a leg's party: its id, email or address (data),
// with its role.
func participantLabel(p cdr.Participant) text {
	who := plain(firstOf(p.ID, p.Email, p.Address, p.QueueName))
	if who.Key == "" {
		who = msg("participant %d", p.Seq)
	}
	switch p.Role {
	case cdr.RoleAgent:
		return msg("%s (agent)", who)
	case cdr.RoleCallee:
		return msg("%s (callee)", who)
	}
	return who
}

// received reports whether a participant of ps was transferred to from
// another: its leg tells the transfer to who.
func received(ps []cdr.Participant, who string) bool {
	for _, p := range ps {
		if p.TransferFrom != "" && (p.ID == who || p.Email == who || p.Address == who) {
			return true
		}
	}
	return false
}

func transferLabel(p cdr.Participant) text {
	switch {
	case p.TransferFrom != "" && p.TransferTo != "":
		return msg("Transferred from %s to %s", p.TransferFrom, p.TransferTo)
	case p.TransferFrom != "":
		return msg("Transferred from %s to %s", p.TransferFrom, participantLabel(p))
	}
	return msg("%s transferred to %s", participantLabel(p), p.TransferTo)
}

func partyText(p cdr.Party) string {
	if p.Name != "" && p.Address != "" {
		return p.Name + " " + p.Address
	}
	return firstOf(p.Address, p.Name, p.ProtectedID)
}

func agentName(a cdr.Agent) string { return firstOf(a.Name, a.Nick, a.Email, a.ID, a.StaffNumber) }

func firstOf(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// orUnknown shows s, data, or "unknown" for nothing.
func orUnknown(s string) text {
	if s == "" {
		return msg("unknown")
	}
	return plain(s)
}

// duration is a record's length in seconds: total, else end − start,
// else -1.
func duration(r *cdr.Record) int64 {
	switch {
	case r.TotalS != nil:
		return *r.TotalS
	case r.EndAt != nil:
		return (*r.EndAt - r.StartAt) / 1000
	}
	return -1
}

// seconds shows a duration as m:ss, or h:mm:ss.
func seconds(s int64) string {
	if s < 0 {
		return ""
	}
	d := time.Duration(s) * time.Second
	h, m, sec := int64(d.Hours()), int64(d.Minutes())%60, s%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, sec)
	}
	return fmt.Sprintf("%d:%02d", m, sec)
}
