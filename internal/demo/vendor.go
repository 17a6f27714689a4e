package demo

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	alimap "github.com/cdrhub/cdrhub/internal/mapping/aliyunccc"
	lafmap "github.com/cdrhub/cdrhub/internal/mapping/laaffic"
	tcmap "github.com/cdrhub/cdrhub/internal/mapping/tencentccc"
	deskmap "github.com/cdrhub/cdrhub/internal/mapping/tencentdesk"
	trtcmap "github.com/cdrhub/cdrhub/internal/mapping/trtccallkit"
)

// Scopes are the vendor applications of the demo tenant, which its vendor
// records are rendered for.
type Scopes struct {
	TencentSdkAppID  int64          // Tencent CCC
	AliyunInstanceID string         // Alibaba CCC
	IMAppID          uint64         // TRTC TUICallKit and Tencent Desk
	Zone             *time.Location // the tenant's time zone, of laaffic record times
}

// VendorEvery: of every VendorEvery voice records, one also comes as a
// Tencent CCC record, another as an Alibaba CCC record and a third as a
// laaffic record; one in VendorEvery rtc and chat records as a TUICallKit
// or Desk record.
const VendorEvery = 4

// VendorRecords returns vendor records of some of recs (the records of
// tenant that Records returned), as a sync from those clouds would store
// them: each is rendered as the vendor lists it, given an id of the
// vendor's own and ingested through the vendor's mapping. The vendor record
// is the call's primary: the native record it copies becomes a shadow whose
// same_as names it (record model §2), so that every list shows the call
// once and the native record stays readable by id. The records of recs
// that get a vendor copy are prepared (the vendors list derived durations)
// and given their same_as; the others are left as they are.
func VendorRecords(tenant string, recs []*cdr.Record, s Scopes) ([]*cdr.Record, error) {
	tn, err := cdr.NewTenantID(tenant)
	if err != nil {
		return nil, err
	}
	var out []*cdr.Record
	seen := map[cdr.Channel]int{}
	for _, r := range recs {
		seen[r.Channel]++
		src := vendorOf(r.Channel, seen[r.Channel])
		if src == "" {
			continue
		}
		if err := r.Prepare(tn, r.Version); err != nil {
			return nil, fmt.Errorf("%s: %w", r.SourceID, err)
		}
		v, err := vendorCopy(r, src, s)
		if err != nil {
			return nil, fmt.Errorf("%s as %s: %w", r.SourceID, src, err)
		}
		v.Version = r.Version
		r.SameAs = cdr.RecordID(tenant, v.Source, v.SourceID)
		out = append(out, v)
	}
	return out, nil
}

// vendorOf returns the source of the vendor copy of the n-th record (from
// 1) of a channel, or "" if it has none.
func vendorOf(ch cdr.Channel, n int) cdr.Source {
	switch ch {
	case cdr.ChannelVoice:
		return []cdr.Source{cdr.SourceTencentCCC, cdr.SourceAliyunCCC, cdr.SourceLaaffic, ""}[n%VendorEvery]
	case cdr.ChannelRTC:
		if n%VendorEvery == 0 {
			return cdr.SourceTRTCCallKit
		}
	case cdr.ChannelChat:
		if n%VendorEvery == 0 {
			return cdr.SourceTencentDesk
		}
	}
	return ""
}

// vendorCopy returns r as a record of src, with a source_id of src's kind
// ending in r's sequence number.
func vendorCopy(r *cdr.Record, src cdr.Source, s Scopes) (*cdr.Record, error) {
	seq := r.SourceID[strings.LastIndex(r.SourceID, "-")+1:]
	switch src {
	case cdr.SourceTencentCCC:
		return vendorRecord(r, "SessionId", "tc-"+seq,
			func(r *cdr.Record) (json.RawMessage, error) { return tcmap.Render(r, s.TencentSdkAppID) },
			func(raw json.RawMessage) (*cdr.Record, error) { return tcmap.Ingest(raw, nil) })
	case cdr.SourceAliyunCCC:
		return vendorRecord(r, "ContactId", "job-"+seq,
			func(r *cdr.Record) (json.RawMessage, error) { return alimap.Render(r, s.AliyunInstanceID) },
			func(raw json.RawMessage) (*cdr.Record, error) { return alimap.Ingest(raw, nil) })
	case cdr.SourceLaaffic:
		return vendorRecord(r, "callSessionId", "lf-"+seq,
			func(r *cdr.Record) (json.RawMessage, error) { return lafmap.Render(r, s.Zone) },
			func(raw json.RawMessage) (*cdr.Record, error) { return lafmap.Ingest(raw, s.Zone) })
	case cdr.SourceTRTCCallKit:
		return vendorRecord(r, "callId", "call-"+seq,
			func(r *cdr.Record) (json.RawMessage, error) { return trtcmap.Render(r, s.IMAppID) },
			trtcmap.Ingest)
	case cdr.SourceTencentDesk:
		return vendorRecord(r, "SessionId", "session-"+seq, deskmap.Render,
			func(raw json.RawMessage) (*cdr.Record, error) { return deskmap.Ingest(raw, nil) })
	}
	return nil, fmt.Errorf("no vendor copy as %s", src)
}

// vendorRecord renders r, sets the id field idField to id and ingests it
// back.
func vendorRecord(r *cdr.Record, idField, id string, render func(*cdr.Record) (json.RawMessage, error),
	ingest func(json.RawMessage) (*cdr.Record, error)) (*cdr.Record, error) {
	obj, err := render(r)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(obj, &m); err != nil {
		return nil, err
	}
	m[idField], _ = json.Marshal(id)
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return ingest(raw)
}
