// Package mapping puts the vendor mappings (internal/mapping/<vendor>)
// together with one tenant's settings: a Decoder per vendor source turns the
// vendor's objects into canonical records (POST /api/v1/records?format=,
// cdrhub import --format), and a Renderer turns a record into the vendor's
// object (GET /api/v1/records/{id}?as=), so that every path reads and
// writes a vendor's records the same way. The settings are plain values
// (Tenant); the command translates its configuration into them. Terms gives
// the vendor enum terms a store indexes on every write.
package mapping

import (
	"encoding/json"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	alimap "github.com/cdrhub/cdrhub/internal/mapping/aliyunccc"
	lafmap "github.com/cdrhub/cdrhub/internal/mapping/laaffic"
	tcmap "github.com/cdrhub/cdrhub/internal/mapping/tencentccc"
	deskmap "github.com/cdrhub/cdrhub/internal/mapping/tencentdesk"
	trtcmap "github.com/cdrhub/cdrhub/internal/mapping/trtccallkit"
)

// Decoder reads one vendor's record format.
type Decoder interface {
	// Source is the vendor's source.
	Source() cdr.Source
	// ParseList returns the vendor objects of a body: a JSON array,
	// NDJSON, or the vendor's list-response envelope.
	ParseList(body []byte) ([]json.RawMessage, error)
	// Decode turns one vendor object into a canonical record keeping the
	// object as raw. The record is not prepared (cdr.Record.Prepare).
	Decode(obj json.RawMessage) (*cdr.Record, error)
}

// Renderer writes records in one vendor's record format.
type Renderer interface {
	// Source is the vendor's source.
	Source() cdr.Source
	// Channel is the channel of the records the vendor's API serves; Render
	// refuses others.
	Channel() cdr.Channel
	// Render returns the record as the vendor's API would list it.
	Render(r *cdr.Record) (json.RawMessage, error)
}

// Tenant is what a tenant's settings contribute to its vendor formats. The
// zero value is every mapping's defaults.
type Tenant struct {
	// Satisfaction maps a source's raw satisfaction values to scores 1..5
	// (docs/record-model.md §3.3). A source it does not hold keeps its
	// mapping's default table; a source with an empty table maps no value.
	Satisfaction map[cdr.Source]map[string]int
	// Location is the time zone of laaffic times (docs/record-model.md §4.D);
	// nil is UTC.
	Location *time.Location
	// The scope ids of the tenant's vendor API blocks, zero where it has
	// no such block: a record of another source rendered as aliyun_ccc
	// carries the InstanceId, as trtc_callkit the SdkAppId (TelCdrInfo has
	// no scope field).
	TencentCCCSdkAppID  int64
	AliyunCCCInstanceID string
	TRTCCallKitSdkAppID uint64
}

// Formats are one tenant's vendor formats by source. Neither map holds
// native, whose records need no mapping.
type Formats struct {
	Decoders  map[cdr.Source]Decoder
	Renderers map[cdr.Source]Renderer
}

// NewFormats returns the vendor formats of a tenant with the settings t.
func NewFormats(t Tenant) Formats {
	loc := t.Location
	if loc == nil {
		loc = time.UTC
	}
	tcSat, aliSat, deskSat := t.satisfaction(cdr.SourceTencentCCC), t.satisfaction(cdr.SourceAliyunCCC), t.satisfaction(cdr.SourceTencentDesk)
	all := []*format{
		{cdr.SourceTencentCCC, cdr.ChannelVoice, tcmap.ParseList,
			func(obj json.RawMessage) (*cdr.Record, error) { return tcmap.Ingest(obj, tcSat) },
			func(r *cdr.Record) (json.RawMessage, error) { return tcmap.Render(r, t.TencentCCCSdkAppID) }},
		{cdr.SourceAliyunCCC, cdr.ChannelVoice, alimap.ParseList,
			func(obj json.RawMessage) (*cdr.Record, error) { return alimap.Ingest(obj, aliSat) },
			func(r *cdr.Record) (json.RawMessage, error) { return alimap.Render(r, t.AliyunCCCInstanceID) }},
		{cdr.SourceTRTCCallKit, cdr.ChannelRTC, trtcmap.ParseList, trtcmap.Ingest,
			func(r *cdr.Record) (json.RawMessage, error) { return trtcmap.Render(r, t.TRTCCallKitSdkAppID) }},
		{cdr.SourceTencentDesk, cdr.ChannelChat, deskmap.ParseList,
			func(obj json.RawMessage) (*cdr.Record, error) { return deskmap.Ingest(obj, deskSat) },
			deskmap.Render},
		{cdr.SourceLaaffic, cdr.ChannelVoice, lafmap.ParseList,
			func(obj json.RawMessage) (*cdr.Record, error) { return lafmap.Ingest(obj, loc) },
			func(r *cdr.Record) (json.RawMessage, error) { return lafmap.Render(r, loc) }},
	}
	fs := Formats{Decoders: make(map[cdr.Source]Decoder, len(all)), Renderers: make(map[cdr.Source]Renderer, len(all))}
	for _, f := range all {
		fs.Decoders[f.source], fs.Renderers[f.source] = f, f
	}
	return fs
}

// satisfaction returns the score function of source's table, or nil (the
// mapping's default) when t holds none.
func (t Tenant) satisfaction(source cdr.Source) func(raw string) (int, bool) {
	m, ok := t.Satisfaction[source]
	if !ok {
		return nil
	}
	return func(raw string) (int, bool) {
		score, ok := m[raw]
		return score, ok
	}
}

// format is one vendor's Decoder and Renderer.
type format struct {
	source  cdr.Source
	channel cdr.Channel
	parse   func(body []byte) ([]json.RawMessage, error)
	decode  func(obj json.RawMessage) (*cdr.Record, error)
	render  func(r *cdr.Record) (json.RawMessage, error)
}

func (f *format) Source() cdr.Source                               { return f.source }
func (f *format) Channel() cdr.Channel                             { return f.channel }
func (f *format) ParseList(body []byte) ([]json.RawMessage, error) { return f.parse(body) }
func (f *format) Decode(obj json.RawMessage) (*cdr.Record, error)  { return f.decode(obj) }
func (f *format) Render(r *cdr.Record) (json.RawMessage, error)    { return f.render(r) }

// Terms returns the vendor enum terms of a record as each vendor API that
// serves its channel would render them (docs/record-model.md §4.0), for the
// store to index on every write (sqlstore.Options.Terms).
func Terms(r *cdr.Record) []cdr.Term {
	switch r.Channel {
	case cdr.ChannelVoice:
		return append(append(tcmap.Terms(r), alimap.Terms(r)...), lafmap.Terms(r)...)
	case cdr.ChannelRTC:
		return trtcmap.Terms(r)
	case cdr.ChannelChat:
		return deskmap.Terms(r)
	}
	return nil
}
