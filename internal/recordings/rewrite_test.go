package recordings_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/recordings"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
	"github.com/cdrhub/cdrhub/internal/storetest"
)

func TestRewrite(t *testing.T) {
	ctx := context.Background()
	s := storetest.SQLite.OpenSubject(t, sqlstore.Options{})
	acme := cdr.MustTenantID("acme")
	a, b := "https://vendor.example/rec/a.mp3?x=1&y=2", "https://vendor.example/rec/b.mp3"
	raw := `{"SessionId":"s1","RecordURL":"https:\/\/vendor.example\/rec\/a.mp3?x=1\u0026y=2","IVRKeyPressed":[],"ServeParticipants":[{"RecordURL":"` + b + `"}],"Other":"` + b + `x"}`
	rec := &cdr.Record{Channel: cdr.ChannelVoice, Source: cdr.SourceNative, SourceID: "r1", StartAt: 1_796_000_000_000,
		Direction: cdr.DirectionInbound, Disposition: cdr.DispositionAnswered,
		Recordings:   []cdr.Recording{{URL: a}},
		Participants: []cdr.Participant{{Seq: 0, RecordingURL: b}, {Seq: 1, RecordingURL: "https://vendor.example/rec/c.mp3"}}}
	if _, err := s.Store.UpsertRecords(ctx, acme, []*cdr.Record{rec}, cdr.UpsertOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Store.FindRecordByID(ctx, acme, cdr.RecordID("acme", cdr.SourceNative, "r1"))
	if err != nil {
		t.Fatal(err)
	}
	got.Raw = json.RawMessage(raw)
	if err := s.Archive.PlanRecord(ctx, acme, got, 0); err != nil {
		t.Fatal(err)
	}
	// Files 0 (a) and 1 (b) are archived; file 2 (c) is not.
	for n := range 2 {
		if _, err := s.Archive.SetArchived(ctx, acme, got.ID, n, cdr.StoredFile{Key: "k", Bytes: 1, SHA256: strings.Repeat("0", 64), ContentType: "audio/mpeg", At: 1}); err != nil {
			t.Fatal(err)
		}
	}
	l := recordings.Links{Key: []byte("0123456789abcdef0123456789abcdef")}
	if err := l.Rewrite(ctx, s.Archive, acme, "https://cdrhub.example", 1_900_000_000, got); err != nil {
		t.Fatal(err)
	}
	linkA := "https://cdrhub.example" + l.Sign(acme, got.ID, 0, 1_900_000_000)
	linkB := "https://cdrhub.example" + l.Sign(acme, got.ID, 1, 1_900_000_000)
	if got.Recordings[0].URL != linkA || got.Participants[0].RecordingURL != linkB || got.Participants[1].RecordingURL != "https://vendor.example/rec/c.mp3" {
		t.Errorf("fields: %q %q %q", got.Recordings[0].URL, got.Participants[0].RecordingURL, got.Participants[1].RecordingURL)
	}
	var out struct {
		RecordURL         string
		ServeParticipants []struct{ RecordURL string }
		Other             string
	}
	if err := json.Unmarshal(got.Raw, &out); err != nil {
		t.Fatalf("raw is no longer JSON: %v\n%s", err, got.Raw)
	}
	if out.RecordURL != linkA || out.ServeParticipants[0].RecordURL != linkB || out.Other != b+"x" {
		t.Errorf("raw: %+v", out)
	}
	// Another tenant's archive holds nothing of this record: unchanged.
	other := *got
	other.Raw = json.RawMessage(raw)
	other.Recordings = []cdr.Recording{{URL: a}}
	if err := l.Rewrite(ctx, s.Archive, cdr.MustTenantID("beta"), "https://cdrhub.example", 1_900_000_000, &other); err != nil {
		t.Fatal(err)
	}
	if other.Recordings[0].URL != a || string(other.Raw) != raw {
		t.Errorf("rewritten for a tenant without the files")
	}
}
