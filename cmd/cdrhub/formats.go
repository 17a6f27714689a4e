package main

import (
	"encoding/json"
	"time"

	"github.com/cdrhub/cdrhub/internal/api/native"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/config"
	alimap "github.com/cdrhub/cdrhub/internal/mapping/aliyunccc"
	lafmap "github.com/cdrhub/cdrhub/internal/mapping/laaffic"
	tcmap "github.com/cdrhub/cdrhub/internal/mapping/tencentccc"
	deskmap "github.com/cdrhub/cdrhub/internal/mapping/tencentdesk"
	trtcmap "github.com/cdrhub/cdrhub/internal/mapping/trtccallkit"
)

// vendorFormats are the vendor record formats, with the tenants' settings,
// for POST ?format=, GET ?as= and import --format.
func vendorFormats(cfg config.Config) map[cdr.Source]native.Format {
	return map[cdr.Source]native.Format{
		cdr.SourceTencentCCC:  tencentFormat{cfg: cfg},
		cdr.SourceAliyunCCC:   aliyunFormat{cfg: cfg},
		cdr.SourceTRTCCallKit: trtcFormat{cfg: cfg},
		cdr.SourceTencentDesk: deskFormat{cfg: cfg},
		cdr.SourceLaaffic:     laafficFormat{cfg: cfg},
	}
}

// vendorTerms returns the rendered vendor enum terms of a record (record
// model §4.0), computed on every write.
func vendorTerms(r *cdr.Record) []cdr.Term {
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

// tencentFormat is the Tencent CCC TelCdrInfo format.
type tencentFormat struct{ cfg config.Config }

func (tencentFormat) Channel() cdr.Channel { return cdr.ChannelVoice }

func (tencentFormat) ParseList(body []byte) ([]json.RawMessage, error) { return tcmap.ParseList(body) }

func (f tencentFormat) Ingest(t cdr.TenantID, raw json.RawMessage) (*cdr.Record, error) {
	var sat func(string) (int, bool)
	if tn := f.cfg.TenantByID(t.String()); tn != nil {
		sat = func(raw string) (int, bool) { return tn.SatisfactionScore(string(cdr.SourceTencentCCC), raw) }
	}
	return tcmap.Ingest(raw, sat)
}

func (f tencentFormat) Render(t cdr.TenantID, r *cdr.Record) (json.RawMessage, error) {
	var app int64
	if tn := f.cfg.TenantByID(t.String()); tn != nil && tn.TencentCCC != nil {
		app = tn.TencentCCC.SDKAppID
	}
	return tcmap.Render(r, app)
}

// aliyunFormat is the Alibaba CCC ListCallDetailRecords record format.
type aliyunFormat struct{ cfg config.Config }

func (aliyunFormat) Channel() cdr.Channel { return cdr.ChannelVoice }

func (aliyunFormat) ParseList(body []byte) ([]json.RawMessage, error) { return alimap.ParseList(body) }

func (f aliyunFormat) Ingest(t cdr.TenantID, raw json.RawMessage) (*cdr.Record, error) {
	var sat func(string) (int, bool)
	if tn := f.cfg.TenantByID(t.String()); tn != nil {
		sat = func(raw string) (int, bool) { return tn.SatisfactionScore(string(cdr.SourceAliyunCCC), raw) }
	}
	return alimap.Ingest(raw, sat)
}

func (f aliyunFormat) Render(t cdr.TenantID, r *cdr.Record) (json.RawMessage, error) {
	var inst string
	if tn := f.cfg.TenantByID(t.String()); tn != nil && tn.AliyunCCC != nil {
		inst = tn.AliyunCCC.InstanceID
	}
	return alimap.Render(r, inst)
}

// trtcFormat is the TRTC TUICallKit CallRecord format.
type trtcFormat struct{ cfg config.Config }

func (trtcFormat) Channel() cdr.Channel { return cdr.ChannelRTC }

func (trtcFormat) ParseList(body []byte) ([]json.RawMessage, error) { return trtcmap.ParseList(body) }

func (trtcFormat) Ingest(_ cdr.TenantID, raw json.RawMessage) (*cdr.Record, error) {
	return trtcmap.Ingest(raw)
}

func (f trtcFormat) Render(t cdr.TenantID, r *cdr.Record) (json.RawMessage, error) {
	var app uint64
	if tn := f.cfg.TenantByID(t.String()); tn != nil && tn.TRTCCallKit != nil {
		app = tn.TRTCCallKit.SDKAppID
	}
	return trtcmap.Render(r, app)
}

// deskFormat is the Tencent Cloud Desk IMCdrInfo format.
type deskFormat struct{ cfg config.Config }

func (deskFormat) Channel() cdr.Channel { return cdr.ChannelChat }

func (deskFormat) ParseList(body []byte) ([]json.RawMessage, error) { return deskmap.ParseList(body) }

func (f deskFormat) Ingest(t cdr.TenantID, raw json.RawMessage) (*cdr.Record, error) {
	var sat func(string) (int, bool)
	if tn := f.cfg.TenantByID(t.String()); tn != nil {
		sat = func(raw string) (int, bool) { return tn.SatisfactionScore(string(cdr.SourceTencentDesk), raw) }
	}
	return deskmap.Ingest(raw, sat)
}

func (deskFormat) Render(_ cdr.TenantID, r *cdr.Record) (json.RawMessage, error) {
	return deskmap.Render(r)
}

// laafficFormat is the laaffic-family record format; its times are in the
// tenant's time zone (record model §4.D).
type laafficFormat struct{ cfg config.Config }

func (laafficFormat) Channel() cdr.Channel { return cdr.ChannelVoice }

func (laafficFormat) ParseList(body []byte) ([]json.RawMessage, error) { return lafmap.ParseList(body) }

func (f laafficFormat) location(t cdr.TenantID) *time.Location {
	if tn := f.cfg.TenantByID(t.String()); tn != nil {
		return tn.Location()
	}
	return time.UTC
}

func (f laafficFormat) Ingest(t cdr.TenantID, raw json.RawMessage) (*cdr.Record, error) {
	return lafmap.Ingest(raw, f.location(t))
}

func (f laafficFormat) Render(t cdr.TenantID, r *cdr.Record) (json.RawMessage, error) {
	return lafmap.Render(r, f.location(t))
}
