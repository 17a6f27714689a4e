package demo

import (
	"fmt"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

var rtcDisps = []weightedDisp{
	{cdr.DispositionAnswered, 70}, {cdr.DispositionCancelled, 10}, {cdr.DispositionNoAnswer, 9},
	{cdr.DispositionRejected, 6}, {cdr.DispositionBusy, 3}, {cdr.DispositionFailed, 2},
}

var chatDisps = []weightedDisp{
	{cdr.DispositionAnswered, 72}, {cdr.DispositionSelfService, 12}, {cdr.DispositionAbandoned, 8},
	{cdr.DispositionNoAgent, 5}, {cdr.DispositionTransferred, 3},
}

// rtc returns an app audio or video call between app users: 1:1 (direct) or
// a group call (conference) with two to five callees.
func (g *gen) rtc(start int64) *cdr.Record {
	r := &cdr.Record{
		Channel: cdr.ChannelRTC, StartAt: start, Direction: cdr.DirectionInternal,
		CallType: cdr.CallTypeDirect, Media: cdr.MediaAudio, HangupBy: cdr.HangupByUnknown,
	}
	if g.chance(40) {
		r.Media = cdr.MediaVideo
	}
	callees := 1
	if g.chance(25) {
		callees = int(g.between(2, 5))
		r.CallType = cdr.CallTypeConference
		r.RoomID = fmt.Sprintf("room-%05d", g.between(10000, 99999))
	}
	users := g.r.Perm(len(rtcUsers))
	r.Caller = cdr.Party{Address: rtcUsers[users[0]]}
	r.Callee = cdr.Party{Address: rtcUsers[users[1]]}
	r.ParticipantCount = new(int64(callees + 1))
	for i := range callees {
		r.Participants = append(r.Participants, cdr.Participant{Seq: i, Role: cdr.RoleCallee, ID: rtcUsers[users[i+1]]})
	}
	r.Disposition = g.disposition(rtcDisps)
	if r.Disposition == cdr.DispositionFailed {
		g.end(r, start+g.between(300, 3000), cdr.HangupBySystem)
		return r
	}
	ring := start + g.between(300, 1500)
	r.RingAt = new(ring)
	switch r.Disposition {
	case cdr.DispositionAnswered:
		answer := ring + g.between(2, 15)*1000
		end := answer + g.lognormal(240, 1.0, 5, 3600)*1000
		r.AnswerAt = new(answer)
		for i := range r.Participants {
			if i > 0 && !g.chance(80) {
				continue // never joined
			}
			p := &r.Participants[i]
			join, leave := answer, end
			if i > 0 {
				join = min(answer+g.between(0, 20)*1000, end)
				if g.chance(30) {
					leave = join + (end-join)/2
				}
			}
			p.AnswerAt, p.EndAt = new(join), new(leave)
		}
		g.end(r, end, cdr.HangupByUnknown)
	case cdr.DispositionCancelled:
		g.end(r, ring+g.between(3, 25)*1000, cdr.HangupByUnknown)
	case cdr.DispositionRejected:
		g.end(r, ring+g.between(2, 10)*1000, cdr.HangupByUnknown)
	case cdr.DispositionNoAnswer: // the call kit gives up after 30 s
		g.end(r, ring+30_000, cdr.HangupBySystem)
	default: // busy
		g.end(r, ring+g.between(200, 1500), cdr.HangupByUnknown)
	}
	return r
}

// chat returns an online chat session: a chatbot greets the customer, then
// the session queues for a human agent.
func (g *gen) chat(start int64) *cdr.Record {
	c := g.chatters[g.skewed(len(g.chatters))]
	q := g.weighted(queueWeights)
	r := &cdr.Record{
		Channel: cdr.ChannelChat, StartAt: start, Direction: cdr.DirectionInbound,
		CallType: cdr.CallTypeDirect, Media: cdr.MediaText,
		Caller: cdr.Party{Address: c.id, Name: c.name}, Queues: []cdr.Queue{queues[q]},
	}
	r.Disposition = g.disposition(chatDisps)
	t := start + g.between(5, 60)*1000 // chatbot
	if r.Disposition == cdr.DispositionSelfService {
		by := cdr.HangupByCustomer
		if g.chance(30) {
			by = cdr.HangupBySystem // customer went quiet
		}
		g.end(r, t+g.between(30, 300)*1000, by)
		return r
	}
	r.QueuedAt = new(t)
	switch r.Disposition {
	case cdr.DispositionNoAgent:
		g.end(r, t+g.between(0, 60)*1000, cdr.HangupBySystem)
		return r
	case cdr.DispositionAbandoned:
		g.end(r, t+g.lognormal(60, 0.8, 5, 900)*1000, cdr.HangupByCustomer)
		return r
	}
	a := g.agent(q, "")
	r.Agents = []cdr.Agent{a}
	answer := t + g.lognormal(20, 1.0, 1, 600)*1000
	r.AnswerAt = new(answer)
	if r.Disposition == cdr.DispositionTransferred {
		r.Note = "Transferred to " + queues[qTier2].Name
		g.end(r, answer+g.between(30, 300)*1000, cdr.HangupByAgent)
		return r
	}
	end := answer + g.lognormal(360, 0.7, 30, 3600)*1000
	by := cdr.HangupByAgent
	switch x := g.r.IntN(100); {
	case x < 30:
		by = cdr.HangupByCustomer
	case x < 45:
		by = cdr.HangupBySystem // customer timed out
	}
	g.end(r, end, by)
	if g.chance(30) {
		r.Satisfaction = g.satisfaction("")
	}
	if q == qBilling {
		g.maybeTag(r, 35, "billing")
	}
	g.maybeComplaint(r)
	return r
}
