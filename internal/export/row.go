package export

import (
	"encoding/json"
	"fmt"
)

// row is a record as the CSV and Parquet writers read it: the fields of
// cdr.Record under their JSON names, enums as their strings, times as
// Unix milliseconds, optional values as pointers (a time of 0 is nil), and
// attributes and raw as their JSON text. Its parquet tags are the Parquet
// schema (docs/export.md); rowFields decode it.
type row struct {
	ID        string `parquet:"id"`
	Tenant    string `parquet:"tenant,dict"`
	Channel   string `parquet:"channel,dict"`
	Source    string `parquet:"source,dict"`
	SourceID  string `parquet:"source_id"`
	Version   int64  `parquet:"version"`
	SameAs    string `parquet:"same_as,optional"`
	CreatedAt *int64 `parquet:"created_at,optional,timestamp(millisecond:utc)"`
	UpdatedAt *int64 `parquet:"updated_at,optional,timestamp(millisecond:utc)"`

	StartAt  int64  `parquet:"start_at,timestamp(millisecond:utc)"`
	QueuedAt *int64 `parquet:"queued_at,optional,timestamp(millisecond:utc)"`
	RingAt   *int64 `parquet:"ring_at,optional,timestamp(millisecond:utc)"`
	AnswerAt *int64 `parquet:"answer_at,optional,timestamp(millisecond:utc)"`
	EndAt    *int64 `parquet:"end_at,optional,timestamp(millisecond:utc)"`

	Direction      string `parquet:"direction,dict"`
	CallType       string `parquet:"call_type,dict"`
	Media          string `parquet:"media,optional,dict"`
	Disposition    string `parquet:"disposition,dict"`
	DispositionRaw string `parquet:"disposition_raw,optional,dict"`
	HangupBy       string `parquet:"hangup_by,dict"`

	Caller      *party `parquet:"caller,optional"`
	Callee      *party `parquet:"callee,optional"`
	CountryCode string `parquet:"country_code,optional,dict"`
	CountryName string `parquet:"country_name,optional,dict"`

	Agents []agent `parquet:"agents,list"`
	Queues []queue `parquet:"queues,list"`

	TalkS  *int64 `parquet:"talk_s,optional"`
	TotalS *int64 `parquet:"total_s,optional"`
	RingS  *int64 `parquet:"ring_s,optional"`
	QueueS *int64 `parquet:"queue_s,optional"`
	IVRS   *int64 `parquet:"ivr_s,optional"`
	HoldS  *int64 `parquet:"hold_s,optional"`
	DialS  *int64 `parquet:"dial_s,optional"`

	ParticipantCount *int64 `parquet:"participant_count,optional"`
	RoomID           string `parquet:"room_id,optional"`

	Satisfaction *satisfaction `parquet:"satisfaction,optional"`
	Recordings   []recording   `parquet:"recordings,list"`
	IVRKeys      []ivrKey      `parquet:"ivr_keys,list"`
	Tags         []string      `parquet:"tags,list"`
	Note         string        `parquet:"note,optional"`
	Participants []participant `parquet:"participants,list"`
	// Attributes and Raw are JSON text: their shapes are the sender's.
	Attributes *string `parquet:"attributes,optional,json"`
	Raw        *string `parquet:"raw,optional,json"`
}

type party struct {
	Address     string `parquet:"address,optional"`
	Digits      string `parquet:"digits,optional"`
	ProtectedID string `parquet:"protected_id,optional"`
	Location    string `parquet:"location,optional"`
	Name        string `parquet:"name,optional"`
}

type agent struct {
	Kind        string   `parquet:"kind,dict"`
	ID          string   `parquet:"id,optional"`
	Name        string   `parquet:"name,optional"`
	Email       string   `parquet:"email,optional"`
	Nick        string   `parquet:"nick,optional"`
	StaffNumber string   `parquet:"staff_number,optional"`
	Phone       string   `parquet:"phone,optional"`
	Extension   string   `parquet:"extension,optional"`
	Role        string   `parquet:"role,optional,dict"`
	Groups      []string `parquet:"groups,list"`
}

type queue struct {
	ID   string `parquet:"id,optional"`
	Name string `parquet:"name,optional"`
}

type satisfaction struct {
	Score   *int64 `parquet:"score,optional"`
	Raw     string `parquet:"raw,optional"`
	Label   string `parquet:"label,optional"`
	Channel string `parquet:"channel,optional,dict"`
	Offered bool   `parquet:"offered"`
}

type recording struct {
	Kind             string `parquet:"kind,dict"`
	ID               string `parquet:"id,optional"`
	URL              string `parquet:"url,optional"`
	CopyURL          string `parquet:"copy_url,optional"`
	DurationS        *int64 `parquet:"duration_s,optional"`
	TranscriptURL    string `parquet:"transcript_url,optional"`
	TranscriptStatus string `parquet:"transcript_status,optional,dict"`
}

type ivrKey struct {
	Phase   string `parquet:"phase,dict"`
	Key     string `parquet:"key,optional"`
	Label   string `parquet:"label,optional"`
	At      *int64 `parquet:"at,optional,timestamp(millisecond:utc)"`
	Node    string `parquet:"node,optional"`
	Content string `parquet:"content,optional"`
	Prompt  string `parquet:"prompt,optional"`
}

type participant struct {
	Seq              int64  `parquet:"seq"`
	Role             string `parquet:"role,optional,dict"`
	Type             string `parquet:"type,optional,dict"`
	ID               string `parquet:"id,optional"`
	Email            string `parquet:"email,optional"`
	Address          string `parquet:"address,optional"`
	StartAt          *int64 `parquet:"start_at,optional,timestamp(millisecond:utc)"`
	RingAt           *int64 `parquet:"ring_at,optional,timestamp(millisecond:utc)"`
	AnswerAt         *int64 `parquet:"answer_at,optional,timestamp(millisecond:utc)"`
	EndAt            *int64 `parquet:"end_at,optional,timestamp(millisecond:utc)"`
	QueueID          string `parquet:"queue_id,optional"`
	QueueName        string `parquet:"queue_name,optional"`
	StatusRaw        string `parquet:"status_raw,optional,dict"`
	RecordingID      string `parquet:"recording_id,optional"`
	RecordingURL     string `parquet:"recording_url,optional"`
	RecordingCopyURL string `parquet:"recording_copy_url,optional"`
	TransferFrom     string `parquet:"transfer_from,optional"`
	TransferTo       string `parquet:"transfer_to,optional"`
	TransferFromType string `parquet:"transfer_from_type,optional,dict"`
	TransferToType   string `parquet:"transfer_to_type,optional,dict"`
}

// A selection is what a writer reads of a record: the top-level fields
// whose bit is set in fields (bit i for rowFields.list[i]) and, of each,
// the fields of its objects in nested[i] (bit j for their j-th field).
type selection struct {
	fields uint64
	nested [64]uint64
}

// selectAll returns the selection of every field.
func selectAll() *selection {
	s := &selection{fields: all}
	for i := range s.nested {
		s.nested[i] = all
	}
	return s
}

// decodeRow decodes the JSON of a record into r: the fields sel selects.
func decodeRow(d *decoder, rec []byte, r *row, sel *selection) error {
	d.reset(rec)
	if err := decodeObject(d, rowFields, r, sel.fields, &sel.nested, 1); err != nil {
		return err
	}
	return d.end()
}

// The fields of each object of a record, in the order of the row types.
var (
	partyFields = newFields(
		field[party]{"address", str(func(p *party) *string { return &p.Address })},
		field[party]{"digits", str(func(p *party) *string { return &p.Digits })},
		field[party]{"protected_id", str(func(p *party) *string { return &p.ProtectedID })},
		field[party]{"location", str(func(p *party) *string { return &p.Location })},
		field[party]{"name", str(func(p *party) *string { return &p.Name })},
	)
	agentFields = newFields(
		field[agent]{"kind", str(func(a *agent) *string { return &a.Kind })},
		field[agent]{"id", str(func(a *agent) *string { return &a.ID })},
		field[agent]{"name", str(func(a *agent) *string { return &a.Name })},
		field[agent]{"email", str(func(a *agent) *string { return &a.Email })},
		field[agent]{"nick", str(func(a *agent) *string { return &a.Nick })},
		field[agent]{"staff_number", str(func(a *agent) *string { return &a.StaffNumber })},
		field[agent]{"phone", str(func(a *agent) *string { return &a.Phone })},
		field[agent]{"extension", str(func(a *agent) *string { return &a.Extension })},
		field[agent]{"role", str(func(a *agent) *string { return &a.Role })},
		field[agent]{"groups", strList(func(a *agent) *[]string { return &a.Groups })},
	)
	queueFields = newFields(
		field[queue]{"id", str(func(q *queue) *string { return &q.ID })},
		field[queue]{"name", str(func(q *queue) *string { return &q.Name })},
	)
	satisfactionFields = newFields(
		field[satisfaction]{"score", optInteger(func(s *satisfaction) **int64 { return &s.Score })},
		field[satisfaction]{"raw", str(func(s *satisfaction) *string { return &s.Raw })},
		field[satisfaction]{"label", str(func(s *satisfaction) *string { return &s.Label })},
		field[satisfaction]{"channel", str(func(s *satisfaction) *string { return &s.Channel })},
		field[satisfaction]{"offered", func(d *decoder, s *satisfaction, _ uint64, _ int) error { return d.boolean(&s.Offered) }},
	)
	recordingFields = newFields(
		field[recording]{"kind", str(func(r *recording) *string { return &r.Kind })},
		field[recording]{"id", str(func(r *recording) *string { return &r.ID })},
		field[recording]{"url", str(func(r *recording) *string { return &r.URL })},
		field[recording]{"copy_url", str(func(r *recording) *string { return &r.CopyURL })},
		field[recording]{"duration_s", optInteger(func(r *recording) **int64 { return &r.DurationS })},
		field[recording]{"transcript_url", str(func(r *recording) *string { return &r.TranscriptURL })},
		field[recording]{"transcript_status", str(func(r *recording) *string { return &r.TranscriptStatus })},
	)
	ivrKeyFields = newFields(
		field[ivrKey]{"phase", str(func(k *ivrKey) *string { return &k.Phase })},
		field[ivrKey]{"key", str(func(k *ivrKey) *string { return &k.Key })},
		field[ivrKey]{"label", str(func(k *ivrKey) *string { return &k.Label })},
		field[ivrKey]{"at", optInteger(func(k *ivrKey) **int64 { return &k.At })},
		field[ivrKey]{"node", str(func(k *ivrKey) *string { return &k.Node })},
		field[ivrKey]{"content", str(func(k *ivrKey) *string { return &k.Content })},
		field[ivrKey]{"prompt", str(func(k *ivrKey) *string { return &k.Prompt })},
	)
	participantFields = newFields(
		field[participant]{"seq", integer(func(p *participant) *int64 { return &p.Seq })},
		field[participant]{"role", str(func(p *participant) *string { return &p.Role })},
		field[participant]{"type", str(func(p *participant) *string { return &p.Type })},
		field[participant]{"id", str(func(p *participant) *string { return &p.ID })},
		field[participant]{"email", str(func(p *participant) *string { return &p.Email })},
		field[participant]{"address", str(func(p *participant) *string { return &p.Address })},
		field[participant]{"start_at", optInteger(func(p *participant) **int64 { return &p.StartAt })},
		field[participant]{"ring_at", optInteger(func(p *participant) **int64 { return &p.RingAt })},
		field[participant]{"answer_at", optInteger(func(p *participant) **int64 { return &p.AnswerAt })},
		field[participant]{"end_at", optInteger(func(p *participant) **int64 { return &p.EndAt })},
		field[participant]{"queue_id", str(func(p *participant) *string { return &p.QueueID })},
		field[participant]{"queue_name", str(func(p *participant) *string { return &p.QueueName })},
		field[participant]{"status_raw", str(func(p *participant) *string { return &p.StatusRaw })},
		field[participant]{"recording_id", str(func(p *participant) *string { return &p.RecordingID })},
		field[participant]{"recording_url", str(func(p *participant) *string { return &p.RecordingURL })},
		field[participant]{"recording_copy_url", str(func(p *participant) *string { return &p.RecordingCopyURL })},
		field[participant]{"transfer_from", str(func(p *participant) *string { return &p.TransferFrom })},
		field[participant]{"transfer_to", str(func(p *participant) *string { return &p.TransferTo })},
		field[participant]{"transfer_from_type", str(func(p *participant) *string { return &p.TransferFromType })},
		field[participant]{"transfer_to_type", str(func(p *participant) *string { return &p.TransferToType })},
	)
	// rowFields are the top-level fields, in the order of row and of the
	// Parquet schema.
	rowFields = newFields(
		field[row]{"id", str(func(r *row) *string { return &r.ID })},
		field[row]{"tenant", str(func(r *row) *string { return &r.Tenant })},
		field[row]{"channel", str(func(r *row) *string { return &r.Channel })},
		field[row]{"source", str(func(r *row) *string { return &r.Source })},
		field[row]{"source_id", str(func(r *row) *string { return &r.SourceID })},
		field[row]{"version", integer(func(r *row) *int64 { return &r.Version })},
		field[row]{"same_as", str(func(r *row) *string { return &r.SameAs })},
		field[row]{"created_at", optTime(func(r *row) **int64 { return &r.CreatedAt })},
		field[row]{"updated_at", optTime(func(r *row) **int64 { return &r.UpdatedAt })},
		field[row]{"start_at", integer(func(r *row) *int64 { return &r.StartAt })},
		field[row]{"queued_at", optInteger(func(r *row) **int64 { return &r.QueuedAt })},
		field[row]{"ring_at", optInteger(func(r *row) **int64 { return &r.RingAt })},
		field[row]{"answer_at", optInteger(func(r *row) **int64 { return &r.AnswerAt })},
		field[row]{"end_at", optInteger(func(r *row) **int64 { return &r.EndAt })},
		field[row]{"direction", str(func(r *row) *string { return &r.Direction })},
		field[row]{"call_type", str(func(r *row) *string { return &r.CallType })},
		field[row]{"media", str(func(r *row) *string { return &r.Media })},
		field[row]{"disposition", str(func(r *row) *string { return &r.Disposition })},
		field[row]{"disposition_raw", str(func(r *row) *string { return &r.DispositionRaw })},
		field[row]{"hangup_by", str(func(r *row) *string { return &r.HangupBy })},
		field[row]{"caller", partyField(func(r *row) **party { return &r.Caller })},
		field[row]{"callee", partyField(func(r *row) **party { return &r.Callee })},
		field[row]{"country_code", str(func(r *row) *string { return &r.CountryCode })},
		field[row]{"country_name", str(func(r *row) *string { return &r.CountryName })},
		field[row]{"agents", list(agentFields, func(r *row) *[]agent { return &r.Agents })},
		field[row]{"queues", list(queueFields, func(r *row) *[]queue { return &r.Queues })},
		field[row]{"talk_s", optInteger(func(r *row) **int64 { return &r.TalkS })},
		field[row]{"total_s", optInteger(func(r *row) **int64 { return &r.TotalS })},
		field[row]{"ring_s", optInteger(func(r *row) **int64 { return &r.RingS })},
		field[row]{"queue_s", optInteger(func(r *row) **int64 { return &r.QueueS })},
		field[row]{"ivr_s", optInteger(func(r *row) **int64 { return &r.IVRS })},
		field[row]{"hold_s", optInteger(func(r *row) **int64 { return &r.HoldS })},
		field[row]{"dial_s", optInteger(func(r *row) **int64 { return &r.DialS })},
		field[row]{"participant_count", optInteger(func(r *row) **int64 { return &r.ParticipantCount })},
		field[row]{"room_id", str(func(r *row) *string { return &r.RoomID })},
		field[row]{"satisfaction", ptr(satisfactionFields, func(r *row) **satisfaction { return &r.Satisfaction })},
		field[row]{"recordings", list(recordingFields, func(r *row) *[]recording { return &r.Recordings })},
		field[row]{"ivr_keys", list(ivrKeyFields, func(r *row) *[]ivrKey { return &r.IVRKeys })},
		field[row]{"tags", strList(func(r *row) *[]string { return &r.Tags })},
		field[row]{"note", str(func(r *row) *string { return &r.Note })},
		field[row]{"participants", list(participantFields, func(r *row) *[]participant { return &r.Participants })},
		field[row]{"attributes", decodeAttributes},
		field[row]{"raw", decodeRaw},
	)
)

// partyField decodes a party: an object (null leaves it as it is, as
// encoding/json leaves a struct), kept only when some field is set, as the
// record's JSON omits an empty one.
func partyField(get func(*row) **party) func(*decoder, *row, uint64, int) error {
	return func(d *decoder, r *row, want uint64, depth int) error {
		p := get(r)
		v := party{}
		if *p != nil {
			v = **p
		}
		if err := decodeObject(d, partyFields, &v, want, nil, depth); err != nil {
			return err
		}
		if *p = nil; v != (party{}) {
			*p = &v
		}
		return nil
	}
}

// decodeAttributes keeps the attributes as encoding/json writes the
// map[string]json.RawMessage of cdr.Record: keys sorted, values compact;
// none is nil. Only native records have attributes, and few.
func decodeAttributes(d *decoder, r *row, _ uint64, _ int) error {
	b, err := d.rawValue()
	if err != nil {
		return err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("not an object of values: %w", err)
	}
	if r.Attributes = nil; len(m) == 0 {
		return nil
	}
	out, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("not an object of values: %w", err)
	}
	s := string(out)
	r.Attributes = &s
	return nil
}

// decodeRaw keeps the raw vendor object as its JSON text, as it is.
func decodeRaw(d *decoder, r *row, _ uint64, _ int) error {
	b, err := d.rawValue()
	if err != nil {
		return err
	}
	s := string(b)
	r.Raw = &s
	return nil
}
