package export

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"
)

// The Parquet export (docs/export.md): one typed row per record, its
// fields named as in the record's JSON. Times are TIMESTAMP(MILLIS, UTC),
// durations integers, enums dictionary-encoded strings, lists of structs
// where an item has several fields; optional values are optional columns.
// Pages are zstd-compressed, and a row group is flushed at 64 MiB of
// buffered pages or 100,000 rows, whichever comes first, so that memory
// stays flat whatever the number of records.

// parquetRow is a record as a Parquet row.
type parquetRow struct {
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

	Caller      *parquetParty `parquet:"caller,optional"`
	Callee      *parquetParty `parquet:"callee,optional"`
	CountryCode string        `parquet:"country_code,optional,dict"`
	CountryName string        `parquet:"country_name,optional,dict"`

	Agents []parquetAgent `parquet:"agents,list"`
	Queues []parquetQueue `parquet:"queues,list"`

	TalkS  *int64 `parquet:"talk_s,optional"`
	TotalS *int64 `parquet:"total_s,optional"`
	RingS  *int64 `parquet:"ring_s,optional"`
	QueueS *int64 `parquet:"queue_s,optional"`
	IVRS   *int64 `parquet:"ivr_s,optional"`
	HoldS  *int64 `parquet:"hold_s,optional"`
	DialS  *int64 `parquet:"dial_s,optional"`

	ParticipantCount *int64 `parquet:"participant_count,optional"`
	RoomID           string `parquet:"room_id,optional"`

	Satisfaction *parquetSatisfaction `parquet:"satisfaction,optional"`
	Recordings   []parquetRecording   `parquet:"recordings,list"`
	IVRKeys      []parquetIVRKey      `parquet:"ivr_keys,list"`
	Tags         []string             `parquet:"tags,list"`
	Note         string               `parquet:"note,optional"`
	Participants []parquetParticipant `parquet:"participants,list"`
	// Attributes and Raw are JSON text: their shapes are the sender's.
	Attributes *string `parquet:"attributes,optional"`
	Raw        *string `parquet:"raw,optional"`
}

type parquetParty struct {
	Address     string `parquet:"address,optional"`
	Digits      string `parquet:"digits,optional"`
	ProtectedID string `parquet:"protected_id,optional"`
	Location    string `parquet:"location,optional"`
	Name        string `parquet:"name,optional"`
}

type parquetAgent struct {
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

type parquetQueue struct {
	ID   string `parquet:"id,optional"`
	Name string `parquet:"name,optional"`
}

type parquetSatisfaction struct {
	Score   *int64 `parquet:"score,optional"`
	Raw     string `parquet:"raw,optional"`
	Label   string `parquet:"label,optional"`
	Channel string `parquet:"channel,optional,dict"`
	Offered bool   `parquet:"offered"`
}

type parquetRecording struct {
	Kind             string `parquet:"kind,dict"`
	ID               string `parquet:"id,optional"`
	URL              string `parquet:"url,optional"`
	CopyURL          string `parquet:"copy_url,optional"`
	DurationS        *int64 `parquet:"duration_s,optional"`
	TranscriptURL    string `parquet:"transcript_url,optional"`
	TranscriptStatus string `parquet:"transcript_status,optional,dict"`
}

type parquetIVRKey struct {
	Phase   string `parquet:"phase,dict"`
	Key     string `parquet:"key,optional"`
	Label   string `parquet:"label,optional"`
	At      *int64 `parquet:"at,optional,timestamp(millisecond:utc)"`
	Node    string `parquet:"node,optional"`
	Content string `parquet:"content,optional"`
	Prompt  string `parquet:"prompt,optional"`
}

type parquetParticipant struct {
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

// parquetSchema is the schema of every field.
var parquetSchema = parquet.SchemaOf(parquetRow{})

// Row groups end at whichever limit comes first.
const (
	parquetGroupRows  = 100_000
	parquetGroupBytes = 64 << 20
	parquetBatch      = 256 // rows handed to the writer at once
)

// ParquetColumns returns the top-level fields of the Parquet export, in
// order: the names Options.Columns may select.
func ParquetColumns() []string {
	var names []string
	for _, f := range parquetSchema.Fields() {
		names = append(names, f.Name())
	}
	return names
}

// NewParquet returns a Writer of a Parquet file of the fields Columns
// selects (all by default), raw only with Raw. The file is complete only
// after Close.
func NewParquet(w io.Writer, opt Options) (Writer, error) {
	cols := opt.Columns
	if len(cols) == 0 {
		for _, name := range ParquetColumns() {
			if name != "raw" || opt.Raw {
				cols = append(cols, name)
			}
		}
	}
	all := ParquetColumns()
	group := parquet.Group{}
	for _, c := range cols {
		if !slices.Contains(all, c) {
			return nil, fmt.Errorf("no Parquet column %q (columns: %v)", c, all)
		}
		if c == "raw" && !opt.Raw {
			return nil, fmt.Errorf("the Parquet column raw needs include=raw")
		}
		for _, f := range parquetSchema.Fields() {
			if f.Name() == c {
				group[c] = f
			}
		}
	}
	p := &parquetWriter{}
	schema := parquetSchema
	if len(cols) != len(all) {
		// A subset: rows of the whole schema are converted to it.
		schema = parquet.NewSchema("cdrhub_record", group)
		conv, err := parquet.Convert(schema, parquetSchema)
		if err != nil {
			return nil, fmt.Errorf("the Parquet columns: %w", err)
		}
		p.conv = conv
	}
	p.w = parquet.NewWriter(w, schema, parquet.Compression(&zstd.Codec{}), parquet.CreatedBy("cdrhub", "", ""))
	return p, nil
}

type parquetWriter struct {
	w     *parquet.Writer
	conv  parquet.Conversion // nil: the whole schema
	rows  []parquet.Row      // a batch, reused
	n     int
	inRG  int   // rows in the row group being written
	rgAt  int64 // the writer's size when the row group began
	err   error
	value parquetRow
}

func (p *parquetWriter) Write(rec []byte) error {
	if p.err != nil {
		return p.err
	}
	r := &cdr.Record{}
	if err := json.Unmarshal(rec, r); err != nil {
		return fmt.Errorf("decoding a record: %w", err)
	}
	p.value = toParquet(r)
	if p.n == len(p.rows) {
		p.rows = append(p.rows, nil)
	}
	p.rows[p.n] = parquetSchema.Deconstruct(p.rows[p.n][:0], &p.value)
	p.n++
	if p.n == parquetBatch {
		return p.flushBatch()
	}
	return nil
}

// flushBatch hands the batch to the writer, and ends the row group when it
// reached a limit.
func (p *parquetWriter) flushBatch() error {
	if p.n == 0 {
		return nil
	}
	rows := p.rows[:p.n]
	p.n = 0
	if p.conv != nil {
		if _, err := p.conv.Convert(rows); err != nil {
			p.err = err
			return err
		}
	}
	for len(rows) > 0 {
		n := min(len(rows), parquetGroupRows-p.inRG)
		if _, err := p.w.WriteRows(rows[:n]); err != nil {
			p.err = err
			return err
		}
		rows, p.inRG = rows[n:], p.inRG+n
		if p.inRG >= parquetGroupRows || p.w.Size()-p.rgAt >= parquetGroupBytes {
			if err := p.w.Flush(); err != nil {
				p.err = err
				return err
			}
			p.inRG, p.rgAt = 0, p.w.Size()
		}
	}
	return nil
}

func (p *parquetWriter) Close() error {
	if err := p.flushBatch(); err != nil {
		return err
	}
	return p.w.Close()
}

// toParquet maps a record to its row.
func toParquet(r *cdr.Record) parquetRow {
	optTime := func(v int64) *int64 {
		if v == 0 {
			return nil
		}
		return &v
	}
	party := func(p cdr.Party) *parquetParty {
		if p == (cdr.Party{}) {
			return nil
		}
		return &parquetParty{p.Address, p.Digits, p.ProtectedID, p.Location, p.Name}
	}
	row := parquetRow{
		ID: r.ID, Tenant: r.Tenant, Channel: string(r.Channel), Source: string(r.Source), SourceID: r.SourceID,
		Version: r.Version, SameAs: r.SameAs, CreatedAt: optTime(r.CreatedAt), UpdatedAt: optTime(r.UpdatedAt),
		StartAt: r.StartAt, QueuedAt: r.QueuedAt, RingAt: r.RingAt, AnswerAt: r.AnswerAt, EndAt: r.EndAt,
		Direction: string(r.Direction), CallType: string(r.CallType), Media: string(r.Media),
		Disposition: string(r.Disposition), DispositionRaw: r.DispositionRaw, HangupBy: string(r.HangupBy),
		Caller: party(r.Caller), Callee: party(r.Callee), CountryCode: r.CountryCode, CountryName: r.CountryName,
		TalkS: r.TalkS, TotalS: r.TotalS, RingS: r.RingS, QueueS: r.QueueS, IVRS: r.IVRS, HoldS: r.HoldS, DialS: r.DialS,
		ParticipantCount: r.ParticipantCount, RoomID: r.RoomID, Tags: r.Tags, Note: r.Note,
	}
	for _, a := range r.Agents {
		row.Agents = append(row.Agents, parquetAgent{a.Kind, a.ID, a.Name, a.Email, a.Nick, a.StaffNumber, a.Phone, a.Extension, a.Role, a.Groups})
	}
	for _, q := range r.Queues {
		row.Queues = append(row.Queues, parquetQueue{q.ID, q.Name})
	}
	if s := r.Satisfaction; s != nil {
		ps := &parquetSatisfaction{Raw: s.Raw, Label: s.Label, Channel: s.Channel, Offered: s.Offered}
		if s.Score != nil {
			v := int64(*s.Score)
			ps.Score = &v
		}
		row.Satisfaction = ps
	}
	for _, rc := range r.Recordings {
		row.Recordings = append(row.Recordings, parquetRecording{rc.Kind, rc.ID, rc.URL, rc.CopyURL, rc.DurationS, rc.TranscriptURL, rc.TranscriptStatus})
	}
	for _, k := range r.IVRKeys {
		row.IVRKeys = append(row.IVRKeys, parquetIVRKey{k.Phase, k.Key, k.Label, k.At, k.Node, k.Content, k.Prompt})
	}
	for _, p := range r.Participants {
		row.Participants = append(row.Participants, parquetParticipant{int64(p.Seq), p.Role, p.Type, p.ID, p.Email, p.Address,
			p.StartAt, p.RingAt, p.AnswerAt, p.EndAt, p.QueueID, p.QueueName, p.StatusRaw, p.RecordingID, p.RecordingURL,
			p.RecordingCopyURL, p.TransferFrom, p.TransferTo, p.TransferFromType, p.TransferToType})
	}
	if len(r.Attributes) > 0 {
		if b, err := json.Marshal(r.Attributes); err == nil {
			s := string(b)
			row.Attributes = &s
		}
	}
	if len(r.Raw) > 0 {
		s := string(r.Raw)
		row.Raw = &s
	}
	return row
}
