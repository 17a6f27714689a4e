package storetest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/cdrhub/cdrhub/internal/cdr"
	gocmp "github.com/google/go-cmp/cmp"
)

// fixtures returns records that vary every filtered field, for tenant tn.
// Two tenants get the same source ids, numbers and agents.
func fixtures() []*cdr.Record {
	numbers := []string{"+86 139 1234 5678", "13912345678", "+86 150 0000 1111", "138****5678", "020-6666-8888", "008613800001111"}
	agents := []cdr.Agent{{ID: "zhang.min@acme.example", Name: "Zhang Min"}, {ID: "a2", Email: "li.wei@acme.example", Name: "Li Wei"}, {Kind: cdr.AgentAI, ID: "bot", Name: "Bot"}}
	queues := []cdr.Queue{{ID: "101", Name: "Billing"}, {ID: "102", Name: "Tier2"}}
	var recs []*cdr.Record
	for i := range 48 {
		r := &cdr.Record{Source: cdr.SourceNative, SourceID: fmt.Sprintf("fx-%02d", i), Version: 1,
			StartAt: base + int64(i%12)*3_600_000 + int64(i/12)*60_000}
		switch i % 3 {
		case 0:
			r.Channel = cdr.ChannelVoice
		case 1:
			r.Channel = cdr.ChannelRTC
		default:
			r.Channel = cdr.ChannelChat
		}
		if i == 47 {
			r.Source, r.Channel = cdr.SourceAliyunCCC, cdr.ChannelVoice
			r.SourceID = "ali-1"
		}
		r.Direction = cdr.Directions[i%len(cdr.Directions)]
		r.CallType = cdr.CallTypes[i%len(cdr.CallTypes)]
		r.Disposition = cdr.Dispositions[i%len(cdr.Dispositions)]
		r.HangupBy = cdr.HangupBys[(i/2)%len(cdr.HangupBys)]
		if r.Channel == cdr.ChannelRTC {
			r.Media = []cdr.Media{cdr.MediaAudio, cdr.MediaVideo}[i%2]
		}
		r.Caller.Address = numbers[i%len(numbers)]
		r.Callee.Address = numbers[(i+2)%len(numbers)]
		if i%5 == 0 {
			r.Agents = []cdr.Agent{agents[i%len(agents)]}
		}
		if i%7 == 0 {
			r.Participants = []cdr.Participant{{Role: cdr.RoleAgent, Email: "part.agent@acme.example", QueueID: "103", QueueName: "Overflow"}}
		}
		if i%4 == 0 {
			r.Queues = []cdr.Queue{queues[(i/4)%len(queues)]}
		}
		if i%6 == 0 {
			r.Tags = []string{"vip", "billing"}
		} else if i%6 == 3 {
			r.Tags = []string{"complaint"}
		}
		if i%3 == 0 {
			r.CountryCode = "86"
		}
		if i%4 == 1 {
			r.Satisfaction = &cdr.Satisfaction{Score: new(1 + i%5), Label: []string{"good", "bad"}[i%2]}
		}
		if i%3 == 1 {
			r.Recordings = []cdr.Recording{{URL: "https://r.example/" + r.SourceID}}
		}
		if i%11 == 10 {
			r.SameAs = cdr.RecordID("acme", cdr.SourceNative, "fx-00")
		}
		r.VendorTerms = []cdr.Term{{Kind: cdr.VendorTermKind(cdr.SourceAliyunCCC, "ContactType"), Value: []string{"Inbound", "Outbound"}[i%2]}}
		recs = append(recs, r)
	}
	return recs
}

type filterCase struct {
	name string
	f    cdr.Filter
	want func(r *cdr.Record) bool
}

func anyOf[T comparable](vals []T, v T) bool { return slices.Contains(vals, v) }

func agentValues(r *cdr.Record) (ids, names []string) {
	for _, a := range r.Agents {
		ids = append(ids, a.ID, a.Email)
		names = append(names, a.Name)
	}
	for _, p := range r.Participants {
		if p.Role == cdr.RoleAgent {
			ids = append(ids, p.ID, p.Email)
		}
	}
	return ids, names
}

func queueValues(r *cdr.Record) (ids, names []string) {
	for _, q := range r.Queues {
		ids, names = append(ids, q.ID), append(names, q.Name)
	}
	for _, p := range r.Participants {
		ids, names = append(ids, p.QueueID), append(names, p.QueueName)
	}
	return ids, names
}

func digitsOf(a string) string { return cdr.Digits(a) }

func filterCases() []filterCase {
	visible := func(r *cdr.Record) bool { return r.SameAs == "" }
	id0 := cdr.RecordID("acme", cdr.SourceNative, "fx-00")
	return []filterCase{
		{"all", cdr.Filter{}, visible},
		{"include shadows", cdr.Filter{IncludeShadows: true}, func(r *cdr.Record) bool { return true }},
		{"window", cdr.Filter{From: base + 3_600_000, To: base + 5*3_600_000}, func(r *cdr.Record) bool {
			return visible(r) && r.StartAt >= base+3_600_000 && r.StartAt < base+5*3_600_000
		}},
		{"from only", cdr.Filter{From: base + 10*3_600_000}, func(r *cdr.Record) bool { return visible(r) && r.StartAt >= base+10*3_600_000 }},
		{"channels", cdr.Filter{Channels: []cdr.Channel{cdr.ChannelRTC, cdr.ChannelChat}}, func(r *cdr.Record) bool {
			return visible(r) && r.Channel != cdr.ChannelVoice
		}},
		{"ids", cdr.Filter{IDs: []string{id0, cdr.RecordID("acme", cdr.SourceNative, "fx-05")}}, func(r *cdr.Record) bool {
			return visible(r) && (r.SourceID == "fx-00" || r.SourceID == "fx-05")
		}},
		{"vendor ids", cdr.Filter{VendorIDs: cdr.VendorIDs{Source: cdr.SourceAliyunCCC, Values: []string{"ali-1", id0, "fx-01"}}},
			func(r *cdr.Record) bool { return r.SourceID == "ali-1" || r.SourceID == "fx-00" }},
		{"sources", cdr.Filter{Sources: []cdr.Source{cdr.SourceAliyunCCC}}, func(r *cdr.Record) bool { return r.Source == cdr.SourceAliyunCCC }},
		{"directions", cdr.Filter{Directions: []cdr.Direction{cdr.DirectionInbound, cdr.DirectionInternal}}, func(r *cdr.Record) bool {
			return visible(r) && (r.Direction == cdr.DirectionInbound || r.Direction == cdr.DirectionInternal)
		}},
		{"call types", cdr.Filter{CallTypes: []cdr.CallType{cdr.CallTypeDual}}, func(r *cdr.Record) bool { return visible(r) && r.CallType == cdr.CallTypeDual }},
		{"media", cdr.Filter{Media: []cdr.Media{cdr.MediaVideo}}, func(r *cdr.Record) bool { return visible(r) && r.Media == cdr.MediaVideo }},
		{"media text", cdr.Filter{Media: []cdr.Media{cdr.MediaText}}, func(r *cdr.Record) bool { return visible(r) && r.Channel == cdr.ChannelChat }},
		{"dispositions", cdr.Filter{Dispositions: []cdr.Disposition{cdr.DispositionAnswered, cdr.DispositionBusy}}, func(r *cdr.Record) bool {
			return visible(r) && (r.Disposition == cdr.DispositionAnswered || r.Disposition == cdr.DispositionBusy)
		}},
		{"hangup by", cdr.Filter{HangupBy: []cdr.HangupBy{cdr.HangupByAgent}}, func(r *cdr.Record) bool { return visible(r) && r.HangupBy == cdr.HangupByAgent }},
		{"vendor enum", cdr.Filter{VendorEnums: []cdr.VendorEnum{{Source: cdr.SourceAliyunCCC, Field: "ContactType", Values: []string{"Outbound"}}}},
			func(r *cdr.Record) bool { return visible(r) && r.VendorTerms[0].Value == "Outbound" }},
		{"phone exact either side", cdr.Filter{Phones: []string{"+8613912345678"}}, func(r *cdr.Record) bool {
			return visible(r) && r.Channel == cdr.ChannelVoice && (cdr.PhoneMatches(digitsOf(r.Caller.Address), "8613912345678") || cdr.PhoneMatches(digitsOf(r.Callee.Address), "8613912345678"))
		}},
		{"phone exact national form", cdr.Filter{Phones: []string{"138 0000 1111"}}, func(r *cdr.Record) bool {
			return visible(r) && r.Channel == cdr.ChannelVoice && (cdr.PhoneMatches(digitsOf(r.Caller.Address), "13800001111") || cdr.PhoneMatches(digitsOf(r.Callee.Address), "13800001111"))
		}},
		{"phone exact masked", cdr.Filter{Phones: []string{"138****5678"}}, func(r *cdr.Record) bool {
			return visible(r) && r.Channel == cdr.ChannelVoice && (r.Caller.Address == "138****5678" || r.Callee.Address == "138****5678")
		}},
		{"caller number", cdr.Filter{CallerNumbers: []string{"13912345678", "02066668888"}}, func(r *cdr.Record) bool {
			d := digitsOf(r.Caller.Address)
			return visible(r) && r.Channel == cdr.ChannelVoice && (cdr.PhoneMatches(d, "13912345678") || cdr.PhoneMatches(d, "02066668888"))
		}},
		{"callee number", cdr.Filter{CalleeNumbers: []string{"15000001111"}}, func(r *cdr.Record) bool {
			return visible(r) && r.Channel == cdr.ChannelVoice && cdr.PhoneMatches(digitsOf(r.Callee.Address), "15000001111")
		}},
		{"phone contains", cdr.Filter{PhoneContains: "0001"}, func(r *cdr.Record) bool {
			return visible(r) && r.Channel == cdr.ChannelVoice && (strings.Contains(digitsOf(r.Caller.Address), "0001") || strings.Contains(digitsOf(r.Callee.Address), "0001"))
		}},
		{"phone contains 3 digits", cdr.Filter{PhoneContains: "666"}, func(r *cdr.Record) bool {
			return visible(r) && r.Channel == cdr.ChannelVoice && (strings.Contains(digitsOf(r.Caller.Address), "666") || strings.Contains(digitsOf(r.Callee.Address), "666"))
		}},
		{"phone contains across mask", cdr.Filter{PhoneContains: "385678"}, func(r *cdr.Record) bool { return false }},
		{"phone contains with mask", cdr.Filter{PhoneContains: "8****56"}, func(r *cdr.Record) bool {
			return visible(r) && r.Channel == cdr.ChannelVoice && (strings.Contains(digitsOf(r.Caller.Address), "8****56") || strings.Contains(digitsOf(r.Callee.Address), "8****56"))
		}},
		{"caller addrs", cdr.Filter{CallerAddrs: []string{"13912345678"}}, func(r *cdr.Record) bool { return visible(r) && r.Caller.Address == "13912345678" }},
		{"callee addrs", cdr.Filter{CalleeAddrs: []string{"020-6666-8888", "x"}}, func(r *cdr.Record) bool { return visible(r) && r.Callee.Address == "020-6666-8888" }},
		{"agents by id, email or name", cdr.Filter{Agents: []string{"zhang.min@acme.example", "li.wei@acme.example", "Bot"}}, func(r *cdr.Record) bool {
			ids, names := agentValues(r)
			return visible(r) && (anyOf(ids, "zhang.min@acme.example") || anyOf(ids, "li.wei@acme.example") || anyOf(names, "Bot"))
		}},
		{"agent ids incl. participants", cdr.Filter{AgentIDs: []string{"part.agent@acme.example"}}, func(r *cdr.Record) bool {
			ids, _ := agentValues(r)
			return visible(r) && anyOf(ids, "part.agent@acme.example")
		}},
		{"agent names", cdr.Filter{AgentNames: []string{"Li Wei"}}, func(r *cdr.Record) bool {
			_, names := agentValues(r)
			return visible(r) && anyOf(names, "Li Wei")
		}},
		{"queues by id or name", cdr.Filter{Queues: []string{"101", "Tier2"}}, func(r *cdr.Record) bool {
			ids, names := queueValues(r)
			return visible(r) && (anyOf(ids, "101") || anyOf(names, "Tier2"))
		}},
		{"queue ids", cdr.Filter{QueueIDs: []string{"103"}}, func(r *cdr.Record) bool { ids, _ := queueValues(r); return visible(r) && anyOf(ids, "103") }},
		{"queue names", cdr.Filter{QueueNames: []string{"Billing"}}, func(r *cdr.Record) bool {
			_, names := queueValues(r)
			return visible(r) && anyOf(names, "Billing")
		}},
		{"tags any-of", cdr.Filter{Tags: []string{"billing", "complaint"}}, func(r *cdr.Record) bool {
			return visible(r) && (anyOf(r.Tags, "billing") || anyOf(r.Tags, "complaint"))
		}},
		{"country codes", cdr.Filter{CountryCodes: []string{"86"}}, func(r *cdr.Record) bool { return visible(r) && r.CountryCode == "86" }},
		{"sat labels", cdr.Filter{SatLabels: []string{"bad"}}, func(r *cdr.Record) bool {
			return visible(r) && r.Satisfaction != nil && r.Satisfaction.Label == "bad"
		}},
		{"sat scores", cdr.Filter{SatScores: []int{4, 5}}, func(r *cdr.Record) bool {
			return visible(r) && r.Satisfaction != nil && *r.Satisfaction.Score >= 4
		}},
		{"has recording", cdr.Filter{HasRecording: 1}, func(r *cdr.Record) bool { return visible(r) && len(r.Recordings) > 0 }},
		{"has no recording", cdr.Filter{HasRecording: -1}, func(r *cdr.Record) bool { return visible(r) && len(r.Recordings) == 0 }},
		{"combined", cdr.Filter{Channels: []cdr.Channel{cdr.ChannelVoice}, Tags: []string{"vip"}, From: base + 3_600_000}, func(r *cdr.Record) bool {
			return visible(r) && r.Channel == cdr.ChannelVoice && anyOf(r.Tags, "vip") && r.StartAt >= base+3_600_000
		}},
		{"no match", cdr.Filter{Tags: []string{"nope"}}, func(r *cdr.Record) bool { return false }},
	}
}

// sortRecords orders recs by (start_at, id), newest first unless asc.
func sortRecords(recs []*cdr.Record, asc bool) {
	slices.SortFunc(recs, func(a, b *cdr.Record) int {
		c := cmp.Or(cmp.Compare(a.StartAt, b.StartAt), strings.Compare(a.ID, b.ID))
		if asc {
			return c
		}
		return -c
	})
}

func ids(recs []*cdr.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.SourceID
	}
	return out
}

// load writes the fixtures for tn and returns them prepared (ids set).
func load(t *testing.T, s cdr.Store, tn cdr.TenantID) []*cdr.Record {
	t.Helper()
	recs := fixtures()
	upsert(t, s, tn, recs...)
	for _, r := range recs {
		r.ID = cdr.RecordID(tn.String(), r.Source, r.SourceID)
	}
	return recs
}

func testFilters(t *testing.T, s cdr.Store) {
	recs := load(t, s, tenant)
	load(t, s, other) // the same records for another tenant must never show
	for _, tc := range filterCases() {
		t.Run(tc.name, func(t *testing.T) {
			var want []*cdr.Record
			for _, r := range recs {
				if tc.want(r) {
					want = append(want, r)
				}
			}
			sortRecords(want, false)
			f := tc.f
			f.Count = true
			got, total, err := s.FindRecords(ctx, tenant, f)
			if err != nil {
				t.Fatal(err)
			}
			if diff := gocmp.Diff(ids(want), ids(got)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if total != len(want) {
				t.Errorf("count %d, want %d", total, len(want))
			}
			for _, r := range got {
				if r.Tenant != "acme" {
					t.Errorf("record of tenant %q", r.Tenant)
				}
			}
		})
	}
	for _, bad := range []cdr.Filter{{PhoneContains: "12"}, {PhoneContains: "a-b"}, {Phones: []string{"abc"}}} {
		if _, _, err := s.FindRecords(ctx, tenant, bad); cdr.ErrorCode(err) != cdr.EINVALID {
			t.Errorf("%+v: %v, want invalid", bad, err)
		}
	}
}

func testPagination(t *testing.T, s cdr.Store) {
	recs := load(t, s, tenant)
	load(t, s, other)
	filters := map[string]func(*cdr.Record) bool{
		"all":   func(r *cdr.Record) bool { return true },
		"voice": func(r *cdr.Record) bool { return r.Channel == cdr.ChannelVoice },
	}
	for name, keep := range filters {
		for _, asc := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s asc=%v", name, asc), func(t *testing.T) {
				var want []*cdr.Record
				for _, r := range recs {
					if keep(r) {
						want = append(want, r)
					}
				}
				sortRecords(want, asc)
				f := cdr.Filter{IncludeShadows: true, Limit: 7}
				if name == "voice" {
					f.Channels = []cdr.Channel{cdr.ChannelVoice}
				}
				if asc {
					f.Order = cdr.OrderAsc
				}
				// Keyset pages.
				var got []*cdr.Record
				for page := 0; ; page++ {
					if page > len(want) {
						t.Fatal("pagination does not end")
					}
					rs, _, err := s.FindRecords(ctx, tenant, f)
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, rs...)
					if len(rs) < f.Limit {
						break
					}
					last := rs[len(rs)-1]
					f.After = &cdr.Cursor{StartAt: last.StartAt, ID: last.ID}
				}
				if diff := gocmp.Diff(ids(want), ids(got)); diff != "" {
					t.Errorf("keyset pages (-want +got):\n%s", diff)
				}
				// Offset pages.
				f.After = nil
				got = nil
				for f.Offset = 0; f.Offset < len(want)+f.Limit; f.Offset += f.Limit {
					rs, _, err := s.FindRecords(ctx, tenant, f)
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, rs...)
				}
				if diff := gocmp.Diff(ids(want), ids(got)); diff != "" {
					t.Errorf("offset pages (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func testTenantIsolation(t *testing.T, s cdr.Store) {
	mine := load(t, s, tenant)
	theirs := fixtures()
	for _, r := range theirs {
		r.Note = "globex"
	}
	upsert(t, s, other, theirs...)
	for _, tc := range filterCases() {
		recs, _, err := s.FindRecords(ctx, tenant, tc.f)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if r.Tenant != "acme" || r.Note == "globex" {
				t.Errorf("%s: acme sees a globex record %s", tc.name, r.ID)
			}
		}
	}
	for _, r := range mine {
		if _, err := s.FindRecordByID(ctx, other, r.ID); cdr.ErrorCode(err) != cdr.ENOTFOUND {
			t.Errorf("globex reads acme's %s: %v", r.ID, err)
		}
	}
	// Colliding source ids are separate records with separate versions.
	r := clone(theirs[0])
	r.Version = 99
	upsert(t, s, other, r)
	if got := find(t, s, tenant, mine[0].ID); got.Version != 1 {
		t.Errorf("a globex upsert changed acme's record to version %d", got.Version)
	}
}

// testStream: StreamRecords yields, for every filter, the records
// FindRecords returns, each exactly as the APIs encode it, with its
// position.
func testStream(t *testing.T, s cdr.Store) {
	load(t, s, tenant)
	load(t, s, other)
	for _, tc := range filterCases() {
		f := tc.f
		want, _, err := s.FindRecords(ctx, tenant, f)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		var at []cdr.Cursor
		err = s.StreamRecords(ctx, tenant, f, func(rec []byte, c cdr.Cursor) error {
			got, at = append(got, string(rec)), append(at, c)
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(got) != len(want) {
			t.Errorf("%s: streamed %d, found %d", tc.name, len(got), len(want))
			continue
		}
		for i, r := range want {
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.Encode(r)
			if w := strings.TrimSuffix(buf.String(), "\n"); got[i] != w || at[i] != (cdr.Cursor{StartAt: r.StartAt, ID: r.ID}) {
				t.Errorf("%s: record %d:\n got %s %v\nwant %s", tc.name, i, got[i], at[i], w)
			}
		}
	}
	if err := s.StreamRecords(ctx, cdr.TenantID{}, cdr.Filter{}, func([]byte, cdr.Cursor) error { return nil }); err == nil {
		t.Error("streamed for the zero tenant")
	}
}

// testOrderBy: duration orders, unknown durations as 0, ties by id, in
// both directions, with offsets.
func testOrderBy(t *testing.T, s cdr.Store) {
	var recs []*cdr.Record
	for i, talk := range []int64{30, -1, 5, 30, 0, 120} {
		r := voice(fmt.Sprint("o", i), base+int64(i)*1000)
		if talk >= 0 {
			r.TalkS = new(talk)
		}
		recs = append(recs, r)
	}
	upsert(t, s, tenant, recs...)
	talk := func(r *cdr.Record) int64 {
		if r.TalkS == nil {
			return 0
		}
		return *r.TalkS
	}
	for _, order := range []cdr.Order{cdr.OrderAsc, cdr.OrderDesc} {
		got, _, err := s.FindRecords(ctx, tenant, cdr.Filter{OrderBy: cdr.OrderByTalk, Order: order})
		if err != nil || len(got) != len(recs) {
			t.Fatalf("%v %d", err, len(got))
		}
		for i := 1; i < len(got); i++ {
			a, b := got[i-1], got[i]
			c := cmp.Or(cmp.Compare(talk(a), talk(b)), strings.Compare(a.ID, b.ID))
			if order == cdr.OrderDesc {
				c = -c
			}
			if c > 0 {
				t.Errorf("%s: %s (%d) before %s (%d)", order, a.SourceID, talk(a), b.SourceID, talk(b))
			}
		}
		page, _, _ := s.FindRecords(ctx, tenant, cdr.Filter{OrderBy: cdr.OrderByTalk, Order: order, Offset: 2, Limit: 2})
		if len(page) != 2 || page[0].ID != got[2].ID || page[1].ID != got[3].ID {
			t.Errorf("%s: offset page %v", order, ids(page))
		}
	}
}
