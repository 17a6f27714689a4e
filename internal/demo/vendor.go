package demo

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/mapping"
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
// same_as names it (docs/record-model.md §2), so that every list shows the
// call once and the native record stays readable by id. The records of recs
// that get a vendor copy are prepared (the vendors list derived durations)
// and given their same_as; the others are left as they are.
func VendorRecords(tenant string, recs []*cdr.Record, s Scopes) ([]*cdr.Record, error) {
	tn, err := cdr.NewTenantID(tenant)
	if err != nil {
		return nil, err
	}
	formats := mapping.NewFormats(mapping.Tenant{Location: s.Zone, TencentCCCSdkAppID: s.TencentSdkAppID,
		AliyunCCCInstanceID: s.AliyunInstanceID, TRTCCallKitSdkAppID: s.IMAppID})
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
		v, err := vendorCopy(r, src, formats)
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

// vendorIDs are, by source, the field of a vendor object's id and the
// prefix of the ids the demo gives.
var vendorIDs = map[cdr.Source]struct{ field, prefix string }{
	cdr.SourceTencentCCC:  {"SessionId", "tc-"},
	cdr.SourceAliyunCCC:   {"ContactId", "job-"},
	cdr.SourceLaaffic:     {"callSessionId", "lf-"},
	cdr.SourceTRTCCallKit: {"callId", "call-"},
	cdr.SourceTencentDesk: {"SessionId", "session-"},
}

// vendorCopy returns r as a record of src, with a source_id of src's kind
// ending in r's sequence number: r rendered with the tenant's formats,
// given that id and decoded back.
func vendorCopy(r *cdr.Record, src cdr.Source, formats mapping.Formats) (*cdr.Record, error) {
	id, ok := vendorIDs[src]
	rend, dec := formats.Renderers[src], formats.Decoders[src]
	if !ok || rend == nil || dec == nil {
		return nil, fmt.Errorf("no vendor copy as %s", src)
	}
	obj, err := rend.Render(r)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(obj, &m); err != nil {
		return nil, err
	}
	seq := r.SourceID[strings.LastIndex(r.SourceID, "-")+1:]
	m[id.field], _ = json.Marshal(id.prefix + seq)
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return dec.Decode(raw)
}
