package demo

import "github.com/cdrhub/cdrhub/internal/cdr"

var inboundDisps = []weightedDisp{
	{cdr.DispositionAnswered, 62}, {cdr.DispositionAbandoned, 10}, {cdr.DispositionSelfService, 7},
	{cdr.DispositionNoAgent, 5}, {cdr.DispositionTransferred, 4}, {cdr.DispositionNoAnswer, 3},
	{cdr.DispositionVoicemail, 3}, {cdr.DispositionFailed, 3}, {cdr.DispositionBlocked, 3},
}

var outboundDisps = []weightedDisp{
	{cdr.DispositionAnswered, 55}, {cdr.DispositionNoAnswer, 17}, {cdr.DispositionBusy, 8},
	{cdr.DispositionCancelled, 7}, {cdr.DispositionFailed, 6}, {cdr.DispositionVoicemail, 4},
	{cdr.DispositionBlocked, 3},
}

// External number transferred calls are forwarded to.
const partnerNumber = "+8675588889999"

// voice returns a phone call: 80% inbound, 20% outbound.
func (g *gen) voice(start int64) *cdr.Record {
	c := g.customers[g.skewed(len(g.customers))]
	cust := cdr.Party{Address: c.phone}
	if g.chance(4) {
		cust.Address = c.masked
	}
	if g.chance(55) {
		cust.Location = c.location
	}
	r := &cdr.Record{
		Channel: cdr.ChannelVoice, StartAt: start, CallType: cdr.CallTypeDirect, Media: cdr.MediaAudio,
		CountryCode: "86", CountryName: "China",
	}
	if g.chance(80) {
		r.Direction, r.Caller, r.Callee = cdr.DirectionInbound, cust, g.center(0)
		g.inbound(r, c)
	} else {
		r.Direction, r.Caller, r.Callee = cdr.DirectionOutbound, g.center(1), cust
		g.outbound(r, c)
	}
	if c.vip && g.chance(85) {
		r.Tags = append([]string{"vip"}, r.Tags...)
	}
	return r
}

// center returns a center number, usually the preferred one.
func (g *gen) center(preferred int) cdr.Party {
	p := centers[preferred]
	if g.chance(30) {
		p = centers[g.r.IntN(len(centers))]
	}
	if !g.chance(30) {
		p.Location = ""
	}
	return p
}

func (g *gen) end(r *cdr.Record, at int64, by cdr.HangupBy) {
	r.EndAt, r.HangupBy = new(at), by
}

// inbound fills an inbound call: IVR, queue, agent ringing, conversation.
func (g *gen) inbound(r *cdr.Record, c customer) {
	r.Disposition = g.disposition(inboundDisps)
	t := r.StartAt
	switch r.Disposition {
	case cdr.DispositionBlocked:
		g.end(r, t+g.between(500, 3000), cdr.HangupBySystem)
		return
	case cdr.DispositionFailed:
		g.end(r, t+g.between(200, 6000), cdr.HangupBySystem)
		return
	}
	ivr := g.between(8, 60)
	if g.chance(75) {
		r.IVRS = new(ivr)
	}
	q := c.queue
	if q != qVIP && g.chance(60) {
		r.IVRKeys = append(r.IVRKeys, cdr.IVRKey{Phase: cdr.PhaseIVR, Key: queueKeys[q], Label: queues[q].Name,
			At: new(t + g.between(3000, ivr*1000-1000)), Node: "Main menu"})
	}
	t += ivr * 1000
	if r.Disposition == cdr.DispositionSelfService {
		if g.chance(50) {
			r.IVRKeys = append(r.IVRKeys, cdr.IVRKey{Phase: cdr.PhaseIVR, Key: "4", Label: "Balance enquiry",
				At: new(t + g.between(1000, 5000)), Node: "Self service"})
			t += 5000
		}
		by := cdr.HangupByCustomer
		if g.chance(15) {
			by = cdr.HangupBySystem
		}
		g.end(r, t+g.between(20, 180)*1000, by)
		return
	}
	r.QueuedAt, r.Queues = new(t), []cdr.Queue{queues[q]}
	wait := g.lognormal(25, 0.9, 1, 400)
	if r.Disposition == cdr.DispositionNoAgent {
		wait = g.between(60, 180) // overflow timeout
	}
	if g.chance(50) {
		r.QueueS = new(wait)
	}
	t += wait * 1000
	switch r.Disposition {
	case cdr.DispositionNoAgent:
		g.end(r, t, cdr.HangupBySystem)
		g.maybeTag(r, 30, "callback")
	case cdr.DispositionVoicemail:
		vm := g.between(8, 60)
		r.Recordings = []cdr.Recording{{Kind: cdr.RecordingVoicemail, DurationS: new(vm)}}
		g.end(r, t+2000+vm*1000, cdr.HangupByCustomer)
		g.maybeTag(r, 50, "callback")
	case cdr.DispositionAbandoned:
		if g.chance(35) { // left while an agent was ringing
			r.Agents, r.RingAt = []cdr.Agent{g.agent(q, "")}, new(t)
			t += g.ring(r, 2, 15) * 1000
		}
		g.end(r, t, cdr.HangupByCustomer)
		g.maybeTag(r, 40, "callback")
	case cdr.DispositionNoAnswer:
		r.Agents, r.RingAt = []cdr.Agent{g.agent(q, "")}, new(t)
		g.end(r, t+g.ring(r, 15, 30)*1000, cdr.HangupBySystem)
	default:
		g.answered(r, q, t)
	}
}

// ring draws a ringing time in [lo, hi] seconds and sometimes reports it.
func (g *gen) ring(r *cdr.Record, lo, hi int64) int64 {
	s := g.between(lo, hi)
	if g.chance(50) {
		r.RingS = new(s)
	}
	return s
}

// answered fills an inbound call an agent of queue q answered (disposition
// answered or transferred), ringing from t.
func (g *gen) answered(r *cdr.Record, q int, t int64) {
	a := g.agent(q, "")
	r.Agents, r.RingAt = []cdr.Agent{a}, new(t)
	answer := t + g.ring(r, 2, 12)*1000 + g.r.Int64N(1000)
	r.AnswerAt = new(answer)
	if r.Disposition == cdr.DispositionTransferred { // forwarded outside the record
		end := answer + g.between(20, 120)*1000
		r.Participants = []cdr.Participant{{Seq: 0, Role: cdr.RoleAgent, Type: "staffSeat", Email: a.ID,
			StartAt: new(t), RingAt: new(t), AnswerAt: new(answer), EndAt: new(end),
			QueueID: queues[q].ID, QueueName: queues[q].Name, StatusRaw: "ok",
			TransferTo: partnerNumber, TransferToType: "external"}}
		r.Note = "Forwarded to partner hotline"
		g.record(r, answer, end)
		g.end(r, end, cdr.HangupByAgent)
		return
	}
	end := answer + g.lognormal(180, 0.8, 15, 2400)*1000
	if g.chance(8) { // transfer to a second-line agent, as in example 1 of docs/record-model.md §6.5
		q2 := qTier2
		b := g.agent(q2, a.ID)
		left := answer + (end-answer)/3
		ring2 := left + 1000
		answer2 := ring2 + g.between(3, 8)*1000
		end = answer2 + (end - left)
		r.Agents = append(r.Agents, b)
		r.Queues = append(r.Queues, queues[q2])
		r.Participants = []cdr.Participant{
			{Seq: 0, Role: cdr.RoleAgent, Type: "staffSeat", Email: a.ID, StartAt: new(t), RingAt: new(t),
				AnswerAt: new(answer), EndAt: new(left), QueueID: queues[q].ID, QueueName: queues[q].Name,
				StatusRaw: "ok", TransferTo: b.ID, TransferToType: "staffSeat"},
			{Seq: 1, Role: cdr.RoleAgent, Type: "staffSeat", Email: b.ID, StartAt: new(left), RingAt: new(ring2),
				AnswerAt: new(answer2), EndAt: new(end), QueueID: queues[q2].ID, QueueName: queues[q2].Name,
				StatusRaw: "ok", TransferFrom: a.ID, TransferFromType: "staffSeat"},
		}
	}
	by := cdr.HangupByCustomer
	if g.chance(40) {
		by = cdr.HangupByAgent
	}
	if g.chance(40) {
		ch := "ivr"
		if g.chance(35) {
			ch = "sms"
		}
		r.Satisfaction = g.satisfaction(ch)
		if ch == "ivr" { // the survey runs after the agent leaves
			survey := g.between(6, 15)
			r.IVRKeys = append(r.IVRKeys, cdr.IVRKey{Phase: cdr.PhaseSurvey, Key: r.Satisfaction.Raw,
				Label: r.Satisfaction.Label, At: new(end + (survey-3)*1000), Node: "CSAT"})
			end += survey * 1000
			by = cdr.HangupByCustomer
		}
	}
	g.record(r, answer, end)
	g.end(r, end, by)
	if q == qBilling {
		g.maybeTag(r, 35, "billing")
	}
	g.maybeComplaint(r)
}

// outbound fills a call an agent placed to the customer.
func (g *gen) outbound(r *cdr.Record, c customer) {
	q := qSales
	switch {
	case c.vip:
		q = qVIP
	case g.chance(40):
		q = c.queue // calling back
	}
	r.Agents, r.Queues = []cdr.Agent{g.agent(q, "")}, []cdr.Queue{queues[q]}
	r.Disposition = g.disposition(outboundDisps)
	if r.Disposition == cdr.DispositionBlocked { // refused before dialing
		g.end(r, r.StartAt+g.between(100, 1500), cdr.HangupBySystem)
		return
	}
	dial := g.between(1, 4)
	if g.chance(40) {
		r.DialS = new(dial)
	}
	t := r.StartAt + dial*1000
	if q != qSales {
		g.maybeTag(r, 50, "callback")
	}
	switch r.Disposition {
	case cdr.DispositionFailed:
		g.end(r, t+g.between(0, 3000), cdr.HangupBySystem)
		return
	case cdr.DispositionBusy:
		g.end(r, t+g.between(1000, 4000), cdr.HangupBySystem)
		return
	}
	r.RingAt = new(t)
	switch r.Disposition {
	case cdr.DispositionCancelled:
		g.end(r, t+g.ring(r, 3, 20)*1000, cdr.HangupByAgent)
	case cdr.DispositionNoAnswer:
		g.end(r, t+g.ring(r, 30, 60)*1000, cdr.HangupBySystem)
	case cdr.DispositionVoicemail: // the customer's voicemail took the call
		t += g.ring(r, 18, 30) * 1000
		g.end(r, t+g.between(10, 40)*1000, cdr.HangupByAgent)
	default: // answered
		answer := t + g.ring(r, 4, 25)*1000
		end := answer + g.lognormal(120, 0.9, 10, 1800)*1000
		r.AnswerAt = new(answer)
		g.record(r, answer, end)
		by := cdr.HangupByCustomer
		if g.chance(50) {
			by = cdr.HangupByAgent
		}
		g.end(r, end, by)
		if g.chance(15) {
			r.Satisfaction = g.satisfaction("sms")
		}
		if q == qSales {
			g.maybeTag(r, 30, "renewal")
		}
		g.maybeComplaint(r)
	}
}

// record adds the main recording of most conversations.
func (g *gen) record(r *cdr.Record, answer, end int64) {
	if g.chance(90) {
		r.Recordings = []cdr.Recording{{Kind: cdr.RecordingMain, DurationS: new((end - answer) / 1000)}}
	}
}

func (g *gen) maybeTag(r *cdr.Record, pct int, tag string) {
	if g.chance(pct) {
		r.Tags = append(r.Tags, tag)
	}
}

// maybeComplaint marks most badly rated and a few other conversations as
// complaints.
func (g *gen) maybeComplaint(r *cdr.Record) {
	if s := r.Satisfaction; s != nil && s.Score != nil && *s.Score <= 2 && g.chance(70) || g.chance(2) {
		g.complaint(r)
	}
}
