package cdr

import "encoding/json"

// Record is one interaction as one source reports it: a call detail record,
// an app call or a chat session. Legs live inside it as Participants.
//
// Times are Unix milliseconds (UTC) and durations whole seconds. Pointer
// fields are nullable: nil means unknown or did not happen.
type Record struct {
	ID        string  `json:"id,omitzero"`     // output only; see RecordID
	Tenant    string  `json:"tenant,omitzero"` // set from authentication
	Channel   Channel `json:"channel,omitzero"`
	Source    Source  `json:"source,omitzero"`
	SourceID  string  `json:"source_id,omitzero"`
	Version   int64   `json:"version"` // ≥ 0, always encoded (0 is a version); see VersionSet
	SameAs    string  `json:"same_as,omitzero"`
	CreatedAt int64   `json:"created_at,omitzero"` // output only
	UpdatedAt int64   `json:"updated_at,omitzero"` // output only

	StartAt  int64  `json:"start_at,omitzero"`
	QueuedAt *int64 `json:"queued_at,omitzero"`
	RingAt   *int64 `json:"ring_at,omitzero"`
	AnswerAt *int64 `json:"answer_at,omitzero"`
	EndAt    *int64 `json:"end_at,omitzero"`

	Direction      Direction   `json:"direction"`
	CallType       CallType    `json:"call_type"`
	Media          Media       `json:"media,omitzero"`
	Disposition    Disposition `json:"disposition"`
	DispositionRaw string      `json:"disposition_raw,omitzero"`
	HangupBy       HangupBy    `json:"hangup_by"`

	Caller      Party  `json:"caller,omitzero"`
	Callee      Party  `json:"callee,omitzero"`
	CountryCode string `json:"country_code,omitzero"`
	CountryName string `json:"country_name,omitzero"`

	Agents []Agent `json:"agents,omitzero"`
	Queues []Queue `json:"queues,omitzero"`

	TalkS  *int64 `json:"talk_s,omitzero"`
	TotalS *int64 `json:"total_s,omitzero"`
	RingS  *int64 `json:"ring_s,omitzero"`
	QueueS *int64 `json:"queue_s,omitzero"`
	IVRS   *int64 `json:"ivr_s,omitzero"`
	HoldS  *int64 `json:"hold_s,omitzero"`
	DialS  *int64 `json:"dial_s,omitzero"`

	ParticipantCount *int64 `json:"participant_count,omitzero"`
	RoomID           string `json:"room_id,omitzero"`

	Satisfaction *Satisfaction `json:"satisfaction,omitzero"`
	Recordings   []Recording   `json:"recordings,omitzero"`
	IVRKeys      []IVRKey      `json:"ivr_keys,omitzero"`
	Tags         []string      `json:"tags,omitzero"`
	Note         string        `json:"note,omitzero"`
	Participants []Participant `json:"participants,omitzero"`

	Raw        json.RawMessage            `json:"raw,omitzero"`        // vendor object verbatim; output only
	Attributes map[string]json.RawMessage `json:"attributes,omitzero"` // native records only

	// Hash is the content hash of docs/record-model.md §2, set by ComputeHash.
	Hash []byte `json:"-"`
	// VendorTerms are the rendered vendor enum terms (S.F=v) of the record,
	// computed by the mapping layer on write.
	VendorTerms []Term `json:"-"`
	// VersionSet says that Version was given, 0 included: the strict
	// decoder of native records (recordio.Decode) sets it when the version
	// key is present. Records built in Go (vendor mappings, the demo) leave
	// it false, so that their Version 0 means "the receive time".
	VersionSet bool `json:"-"`
}

// Party is one end of an interaction. For chat the caller is the customer.
type Party struct {
	Address     string `json:"address,omitzero"` // phone number (may be masked with *) or user id, as given
	Digits      string `json:"digits,omitzero"`  // output only, voice only; see Digits
	ProtectedID string `json:"protected_id,omitzero"`
	Location    string `json:"location,omitzero"`
	Name        string `json:"name,omitzero"`
}

// Agent kinds.
const (
	AgentHuman = "human"
	AgentAI    = "ai"
)

// Agent is a human or AI agent who served the interaction.
type Agent struct {
	Kind        string   `json:"kind,omitzero"` // human (default) or ai
	ID          string   `json:"id,omitzero"`
	Name        string   `json:"name,omitzero"`
	Email       string   `json:"email,omitzero"`
	Nick        string   `json:"nick,omitzero"`
	StaffNumber string   `json:"staff_number,omitzero"`
	Phone       string   `json:"phone,omitzero"`
	Extension   string   `json:"extension,omitzero"`
	Role        string   `json:"role,omitzero"`
	Groups      []string `json:"groups,omitzero"`
}

// Queue is a skill group; numeric vendor ids are kept as decimal text.
type Queue struct {
	ID   string `json:"id,omitzero"`
	Name string `json:"name,omitzero"`
}

// Satisfaction is a customer satisfaction survey result.
type Satisfaction struct {
	Score   *int   `json:"score,omitzero"` // 1–5, 5 best
	Raw     string `json:"raw,omitzero"`
	Label   string `json:"label,omitzero"`
	Channel string `json:"channel,omitzero"` // lower case: ivr, sms
	Offered bool   `json:"offered,omitzero"`
}

// Recording kinds.
const (
	RecordingMain      = "main"
	RecordingVoicemail = "voicemail"
)

// Recording is an audio recording or transcript. An empty URL means the
// recording exists but is not addressable.
type Recording struct {
	Kind             string `json:"kind,omitzero"` // main (default) or voicemail
	ID               string `json:"id,omitzero"`
	URL              string `json:"url,omitzero"`
	CopyURL          string `json:"copy_url,omitzero"`
	DurationS        *int64 `json:"duration_s,omitzero"`
	TranscriptURL    string `json:"transcript_url,omitzero"`
	TranscriptStatus string `json:"transcript_status,omitzero"`
}

// IVR key phases.
const (
	PhaseIVR    = "ivr"
	PhaseSurvey = "survey"
)

// IVRKey is one key press, in the order pressed.
type IVRKey struct {
	Phase   string `json:"phase,omitzero"` // ivr (default) or survey
	Key     string `json:"key,omitzero"`
	Label   string `json:"label,omitzero"`
	At      *int64 `json:"at,omitzero"`
	Node    string `json:"node,omitzero"`
	Content string `json:"content,omitzero"`
	Prompt  string `json:"prompt,omitzero"`
}

// Participant roles.
const (
	RoleAgent  = "agent"
	RoleCallee = "callee"
	RoleOther  = "other"
)

// Participant is a leg, a transfer or an rtc callee.
type Participant struct {
	Seq              int    `json:"seq"`
	Role             string `json:"role,omitzero"` // agent, callee or other (default)
	Type             string `json:"type,omitzero"`
	ID               string `json:"id,omitzero"`
	Email            string `json:"email,omitzero"`
	Address          string `json:"address,omitzero"`
	StartAt          *int64 `json:"start_at,omitzero"`
	RingAt           *int64 `json:"ring_at,omitzero"`
	AnswerAt         *int64 `json:"answer_at,omitzero"`
	EndAt            *int64 `json:"end_at,omitzero"`
	QueueID          string `json:"queue_id,omitzero"`
	QueueName        string `json:"queue_name,omitzero"`
	StatusRaw        string `json:"status_raw,omitzero"`
	RecordingID      string `json:"recording_id,omitzero"`
	RecordingURL     string `json:"recording_url,omitzero"`
	RecordingCopyURL string `json:"recording_copy_url,omitzero"`
	TransferFrom     string `json:"transfer_from,omitzero"`
	TransferTo       string `json:"transfer_to,omitzero"`
	TransferFromType string `json:"transfer_from_type,omitzero"`
	TransferToType   string `json:"transfer_to_type,omitzero"`
}

// HasRecording reports whether the record has at least one recording.
func (r *Record) HasRecording() bool { return len(r.Recordings) > 0 }

// IsShadow reports whether the record duplicates another (same_as set).
func (r *Record) IsShadow() bool { return r.SameAs != "" }
