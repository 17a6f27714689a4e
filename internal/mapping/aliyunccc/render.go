package aliyunccc

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// Render returns r as ListCallDetailRecords lists it
// (docs/record-model.md §5).
//
// R1: an aliyun_ccc record with Raw is its Raw, byte for byte (the returned
// slice is r.Raw itself; do not modify it). Any other voice record is built
// from its canonical fields (docs/mapping-aliyun-ccc.md): ContactId is
// source_id for an aliyun_ccc record and the cdrhub id otherwise (R2);
// InstanceId is instanceID, the tenant's (R3); missing data renders as "", 0,
// false and CallDuration "0" (R4); nothing is synthesized (R5); comma-list
// elements are joined verbatim (R8). Records of other channels are refused.
func Render(r *cdr.Record, instanceID string) (json.RawMessage, error) {
	if err := renderable(r); err != nil {
		return nil, err
	}
	if r.Source == cdr.SourceAliyunCCC && len(r.Raw) > 0 {
		return r.Raw, nil
	}
	return cdr.EncodeJSON(build(r, instanceID, DefaultSatisfaction))
}

// RenderDetail returns r as GetCallDetailRecord returns it in Data: the
// List shape with ContactType in its upper-case spelling (INBOUND,
// PRIVACY_DIAL, BACK2BACK, …). A Raw object is rewritten in that one
// member (matched ignoring case, as JSON decoders match it) when it holds
// a known ListCallDetailRecords spelling; every other member keeps its
// bytes and its place, whitespace between members is dropped.
func RenderDetail(r *cdr.Record, instanceID string) (json.RawMessage, error) {
	if err := renderable(r); err != nil {
		return nil, err
	}
	if r.Source == cdr.SourceAliyunCCC && len(r.Raw) > 0 {
		return upperRaw(r.Raw)
	}
	in := build(r, instanceID, DefaultSatisfaction)
	in.ContactType = upperContactType(in.ContactType)
	return cdr.EncodeJSON(in)
}

// Term fields: the CallDetailRecord enums a ListCallDetailRecords filter may
// select on (docs/record-model.md §4.C).
const (
	FieldContactType               = "ContactType"
	FieldContactDisposition        = "ContactDisposition"
	FieldEarlyMediaState           = "EarlyMediaState"
	FieldSatisfactionIndex         = "SatisfactionIndex"
	FieldSatisfactionSurveyChannel = "SatisfactionSurveyChannel"
)

// Terms returns the rendered enum terms of r, aliyun_ccc.F=v for the Field
// constants, read from Render's output so that a filter on them always agrees
// with what the API returns (docs/record-model.md §4.0). A string field that
// the output omits, holds as "" or as another JSON type has no term;
// SatisfactionIndex has a term for every integer, 0 included. Records Render
// refuses have none.
func Terms(r *cdr.Record) []cdr.Term {
	if renderable(r) != nil {
		return nil
	}
	var ts []cdr.Term
	add := func(field, value string) {
		if value != "" {
			ts = append(ts, cdr.Term{Kind: cdr.VendorTermKind(cdr.SourceAliyunCCC, field), Value: value})
		}
	}
	if r.Source != cdr.SourceAliyunCCC || len(r.Raw) == 0 {
		// The values build gives Render, without encoding them.
		in := build(r, "", DefaultSatisfaction)
		add(FieldContactType, in.ContactType)
		add(FieldContactDisposition, in.ContactDisposition)
		add(FieldEarlyMediaState, in.EarlyMediaState)
		add(FieldSatisfactionIndex, strconv.FormatInt(int64(in.SatisfactionIndex), 10))
		add(FieldSatisfactionSurveyChannel, in.SatisfactionSurveyChannel)
		return ts
	}
	// Render returns the raw object: read the members from it.
	var v map[string]json.RawMessage
	if json.Unmarshal(r.Raw, &v) != nil {
		return nil
	}
	str := func(f string) {
		var s string
		if json.Unmarshal(v[f], &s) == nil {
			add(f, s)
		}
	}
	str(FieldContactType)
	str(FieldContactDisposition)
	str(FieldEarlyMediaState)
	var n int32
	if raw := v[FieldSatisfactionIndex]; raw != nil && string(raw) != "null" && json.Unmarshal(raw, &n) == nil {
		add(FieldSatisfactionIndex, strconv.FormatInt(int64(n), 10))
	}
	str(FieldSatisfactionSurveyChannel)
	return ts
}

func renderable(r *cdr.Record) error {
	switch {
	case r == nil:
		return cdr.Errorf(cdr.EINVALID, "aliyun_ccc: no record")
	case r.Channel != cdr.ChannelVoice:
		return cdr.Errorf(cdr.EINVALID, "aliyun_ccc: ListCallDetailRecords serves voice records, not %q", r.Channel)
	}
	return nil
}

// build maps the canonical fields of r to a CallDetailRecord
// (docs/mapping-aliyun-ccc.md; docs/record-model.md §5).
func build(r *cdr.Record, instanceID string, sat func(string) (int, bool)) *CallDetailRecord {
	o := disposition(r)
	in := &CallDetailRecord{
		ContactId: contactID(r), InstanceId: instanceID,
		ContactType:        renderContactType(orUnknown(r.Direction), r.CallType),
		ContactDisposition: o.ContactDisposition, EarlyMediaState: o.EarlyMediaState,
		CallingNumber: r.Caller.Address, CalledNumber: r.Callee.Address,
		CallerLocation: r.Caller.Location, CalleeLocation: r.Callee.Location,
		StartTime: r.StartAt, EstablishedTime: deref(r.AnswerAt), ReleaseTime: deref(r.EndAt),
		CallDuration: strconv.FormatInt(deref(r.TotalS), 10),
		TalkTime:     new(deref(r.TalkS)), RingTime: new(deref(r.RingS)), IvrTime: new(deref(r.IVRS)),
		QueueTime: new(deref(r.QueueS)), HeldTime: new(deref(r.HoldS)), DialingTime: new(deref(r.DialS)),
		ReleaseInitiator:  renderReleaseInitiator(r.HangupBy),
		RecordingDuration: new(int64(0)),
	}
	var ids, names []string
	for _, a := range r.Agents {
		if a.ID != "" || a.Name != "" {
			ids, names = append(ids, a.ID), append(names, a.Name)
		}
	}
	in.AgentIds, in.AgentNames = join(ids), join(names)
	ids, names = nil, nil
	for _, q := range r.Queues {
		if q.ID != "" || q.Name != "" {
			ids, names = append(ids, q.ID), append(names, q.Name)
		}
	}
	in.SkillGroupIds, in.SkillGroupNames = join(ids), join(names)
	for _, rec := range r.Recordings {
		if rec.Kind == cdr.RecordingMain || rec.Kind == "" {
			in.RecordingReady, in.RecordingDuration = true, new(deref(rec.DurationS))
			break
		}
	}
	if s := r.Satisfaction; s != nil {
		in.SatisfactionIndex = satisfactionIndex(r, sat)
		in.SatisfactionDescription = s.Label
		in.SatisfactionSurveyChannel = surveyChannels[s.Channel]
		in.SatisfactionSurveyOffered = s.Offered
	}
	return in
}

// contactID is R2: the vendor id for an aliyun_ccc record, else the cdrhub
// id (computed from the natural key when r has not been prepared).
func contactID(r *cdr.Record) string {
	switch {
	case r.Source == cdr.SourceAliyunCCC:
		return r.SourceID
	case r.ID != "":
		return r.ID
	}
	return cdr.RecordID(r.Tenant, r.Source, r.SourceID)
}

// disposition is the outcome of r: for an aliyun_ccc record with a
// disposition_raw, that ContactDisposition (R1) with the first
// EarlyMediaState that ingests back to r's disposition with it (the
// foreign column's first, then "", then the vendor's order; "" if none);
// otherwise the foreign-render column of (b2).
func disposition(r *cdr.Record) outcome {
	f := foreignOutcome(r)
	if r.Source != cdr.SourceAliyunCCC || r.DispositionRaw == "" {
		return f
	}
	d := r.Disposition
	if d == "" {
		d = cdr.DispositionUnknown
	}
	for _, ems := range append([]string{f.EarlyMediaState, ""}, earlyMediaStates...) {
		if IngestDisposition(r.DispositionRaw, ems) == d {
			return outcome{r.DispositionRaw, ems}
		}
	}
	return outcome{r.DispositionRaw, ""}
}

// satisfactionIndex: an aliyun_ccc record's own index from
// satisfaction.raw when it is an int32 in canonical decimal (R1); else the
// lowest index 1–10 whose mapped score equals the score, else 0.
func satisfactionIndex(r *cdr.Record, sat func(string) (int, bool)) int32 {
	s := r.Satisfaction
	if r.Source == cdr.SourceAliyunCCC {
		if v, err := strconv.ParseInt(s.Raw, 10, 32); err == nil && strconv.FormatInt(v, 10) == s.Raw {
			return int32(v)
		}
	}
	if s.Score == nil {
		return 0
	}
	for i := int32(1); i <= maxSatisfactionIndex; i++ {
		if score, ok := sat(strconv.Itoa(int(i))); ok && score == *s.Score {
			return i
		}
	}
	return 0
}

// join is R8: the elements joined with ",", verbatim; a list whose elements
// are all "" is "".
func join(elems []string) string {
	for _, e := range elems {
		if e != "" {
			return strings.Join(elems, ",")
		}
	}
	return ""
}

func orUnknown(d cdr.Direction) cdr.Direction {
	if d == "" {
		return cdr.DirectionUnknown
	}
	return d
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
