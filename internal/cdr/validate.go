package cdr

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

const (
	// MinTime is 2000-01-01T00:00:00Z in ms. Earlier times are taken for
	// seconds sent where milliseconds are due.
	MinTime = 946684800000
	// MaxTime is 10000-01-01T00:00:00Z in ms. Later times are taken for
	// microseconds or nanoseconds.
	MaxTime = 253402300800000
	// MaxSourceIDLen is the longest source_id, in bytes.
	MaxSourceIDLen = 128
)

// Prepare readies r to be written for tenant t, received at receivedAt (Unix
// ms): it sets the tenant, fills the defaults of docs/record-model.md §6.1,
// derives the values of docs/record-model.md §1.4 and validates the result.
// It returns a *FieldError naming the first offending field. Prepare is
// idempotent.
func (r *Record) Prepare(t TenantID, receivedAt int64) error {
	if t.IsZero() {
		return ErrNoTenant
	}
	givenID := r.ID
	r.Tenant = t.String()
	r.CreatedAt, r.UpdatedAt = 0, 0
	r.setDefaults(receivedAt)
	if err := r.validate(); err != nil {
		return err
	}
	r.derive()
	if err := r.canonicalAttributes(); err != nil {
		return err
	}
	if givenID != "" && givenID != r.ID {
		return &FieldError{"id", fmt.Sprintf("does not match the id derived from tenant, source and source_id (%s)", r.ID)}
	}
	if r.SameAs == r.ID {
		return &FieldError{"same_as", "must not name the record itself"}
	}
	return nil
}

func (r *Record) setDefaults(receivedAt int64) {
	if r.Direction == "" {
		r.Direction = DirectionUnknown
	}
	if r.Disposition == "" {
		r.Disposition = DispositionUnknown
	}
	if r.HangupBy == "" {
		r.HangupBy = HangupByUnknown
	}
	if r.CallType == "" {
		r.CallType = CallTypeDirect
	}
	if r.Media == "" {
		switch r.Channel {
		case ChannelVoice:
			r.Media = MediaAudio
		case ChannelChat:
			r.Media = MediaText
		}
	}
	if r.Version == 0 && !r.VersionSet {
		r.Version = receivedAt
	}
	for i := range r.Agents {
		if r.Agents[i].Kind == "" {
			r.Agents[i].Kind = AgentHuman
		}
	}
	for i := range r.Recordings {
		if r.Recordings[i].Kind == "" {
			r.Recordings[i].Kind = RecordingMain
		}
	}
	for i := range r.IVRKeys {
		if r.IVRKeys[i].Phase == "" {
			r.IVRKeys[i].Phase = PhaseIVR
		}
	}
	for i := range r.Participants {
		if r.Participants[i].Role == "" {
			r.Participants[i].Role = RoleOther
		}
	}
}

// validator collects the first error of a validation pass.
type validator struct{ err *FieldError }

func (v *validator) fail(field, format string, args ...any) {
	if v.err == nil {
		v.err = &FieldError{field, fmt.Sprintf(format, args...)}
	}
}

func (v *validator) time(field string, ms int64) {
	switch {
	case ms < 0:
		v.fail(field, "must not be negative")
	case ms < MinTime:
		v.fail(field, "%d is before the year 2000: times are Unix milliseconds, not seconds", ms)
	case ms >= MaxTime:
		v.fail(field, "%d is after the year 9999: times are Unix milliseconds, not micro- or nanoseconds", ms)
	}
}

func (v *validator) optTime(field string, ms *int64) {
	if ms != nil {
		v.time(field, *ms)
	}
}

func (v *validator) duration(field string, s *int64) {
	if s != nil && *s < 0 {
		v.fail(field, "must not be negative, got %d", *s)
	}
}

func enum[E ~string](v *validator, field string, val E, all []E) {
	if !Valid(val, all) {
		v.fail(field, "unknown value %q, want one of %s", val, strings.Join(Names(all), ", "))
	}
}

func (r *Record) validate() *FieldError {
	v := &validator{}
	switch {
	case r.Channel == "":
		v.fail("channel", "required")
	case r.Source == "":
		v.fail("source", "required")
	case r.SourceID == "":
		v.fail("source_id", "required")
	case r.StartAt == 0:
		v.fail("start_at", "required")
	}
	enum(v, "channel", r.Channel, Channels)
	enum(v, "source", r.Source, Sources)
	if ch := r.Source.Channel(); ch != "" && Valid(r.Channel, Channels) && ch != r.Channel {
		v.fail("channel", "source %s carries %s records, not %s", r.Source, ch, r.Channel)
	}
	if len(r.SourceID) > MaxSourceIDLen {
		v.fail("source_id", "longer than %d bytes", MaxSourceIDLen)
	}
	if r.Version < 0 {
		v.fail("version", "must not be negative")
	}
	if r.SameAs != "" && !strings.HasPrefix(r.SameAs, "rec_") {
		v.fail("same_as", "must be a record id (rec_...)")
	}
	if len(r.Raw) > 0 && !json.Valid(r.Raw) {
		v.fail("raw", "not valid JSON")
	}
	if len(r.Attributes) > 0 && r.Source != SourceNative {
		v.fail("attributes", "allowed only on native records")
	}
	enum(v, "direction", r.Direction, Directions)
	enum(v, "call_type", r.CallType, CallTypes)
	if r.Media != "" {
		enum(v, "media", r.Media, MediaTypes)
	}
	enum(v, "disposition", r.Disposition, Dispositions)
	enum(v, "hangup_by", r.HangupBy, HangupBys)
	r.validateTimes(v)
	v.duration("talk_s", r.TalkS)
	v.duration("total_s", r.TotalS)
	v.duration("ring_s", r.RingS)
	v.duration("queue_s", r.QueueS)
	v.duration("ivr_s", r.IVRS)
	v.duration("hold_s", r.HoldS)
	v.duration("dial_s", r.DialS)
	v.duration("participant_count", r.ParticipantCount)
	r.validateNested(v)
	return v.err
}

func (r *Record) validateTimes(v *validator) {
	if r.StartAt != 0 {
		v.time("start_at", r.StartAt)
	}
	v.optTime("queued_at", r.QueuedAt)
	v.optTime("ring_at", r.RingAt)
	v.optTime("answer_at", r.AnswerAt)
	v.optTime("end_at", r.EndAt)
	if r.EndAt != nil && r.StartAt != 0 && *r.EndAt < r.StartAt {
		v.fail("end_at", "before start_at")
	}
	if r.EndAt != nil && r.AnswerAt != nil && *r.EndAt < *r.AnswerAt {
		v.fail("end_at", "before answer_at")
	}
}

func (r *Record) validateNested(v *validator) {
	if s := r.Satisfaction; s != nil && s.Score != nil && (*s.Score < 1 || *s.Score > 5) {
		v.fail("satisfaction.score", "must be 1 to 5, got %d", *s.Score)
	}
	for i, a := range r.Agents {
		if a.Kind != AgentHuman && a.Kind != AgentAI {
			v.fail(fmt.Sprintf("agents[%d].kind", i), "unknown value %q, want human or ai", a.Kind)
		}
	}
	for i, rec := range r.Recordings {
		if rec.Kind != RecordingMain && rec.Kind != RecordingVoicemail {
			v.fail(fmt.Sprintf("recordings[%d].kind", i), "unknown value %q, want main or voicemail", rec.Kind)
		}
		v.duration(fmt.Sprintf("recordings[%d].duration_s", i), rec.DurationS)
	}
	for i, k := range r.IVRKeys {
		if k.Phase != PhaseIVR && k.Phase != PhaseSurvey {
			v.fail(fmt.Sprintf("ivr_keys[%d].phase", i), "unknown value %q, want ivr or survey", k.Phase)
		}
		v.optTime(fmt.Sprintf("ivr_keys[%d].at", i), k.At)
	}
	for i, p := range r.Participants {
		f := fmt.Sprintf("participants[%d].", i)
		if p.Role != RoleAgent && p.Role != RoleCallee && p.Role != RoleOther {
			v.fail(f+"role", "unknown value %q, want agent, callee or other", p.Role)
		}
		v.optTime(f+"start_at", p.StartAt)
		v.optTime(f+"ring_at", p.RingAt)
		v.optTime(f+"answer_at", p.AnswerAt)
		v.optTime(f+"end_at", p.EndAt)
	}
}

// canonicalAttributes key-sorts the attribute values, so that the document
// (and its hash) does not depend on the key order a writer used.
func (r *Record) canonicalAttributes() error {
	for k, v := range r.Attributes {
		c, err := canonicalJSON(v)
		if err != nil {
			return &FieldError{"attributes." + k, "not valid JSON"}
		}
		r.Attributes[k] = bytes.TrimSuffix(c, []byte("\n"))
	}
	return nil
}
