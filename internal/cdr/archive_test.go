package cdr

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRecordingFiles(t *testing.T) {
	tests := []struct {
		name string
		rec  Record
		want []FileRef
	}{
		{"none", Record{}, nil},
		{"Tencent: RecordURL and CustomRecordURL are one file, then the ASR text, then a voicemail",
			Record{Recordings: []Recording{
				{URL: "https://a/rec.mp3", CopyURL: "https://b/rec.mp3", TranscriptURL: "https://a/asr.txt"},
				{Kind: RecordingVoicemail, URL: "https://a/vm.mp3"},
			}},
			[]FileRef{
				{N: 0, Of: "recordings[0].url", URL: "https://a/rec.mp3", CopyURL: "https://b/rec.mp3"},
				{N: 1, Of: "recordings[0].transcript_url", URL: "https://a/asr.txt", Transcript: true},
				{N: 2, Of: "recordings[1].url", URL: "https://a/vm.mp3"},
			}},
		{"only a copy", Record{Recordings: []Recording{{CopyURL: "https://b/rec.mp3"}}},
			[]FileRef{{N: 0, Of: "recordings[0].copy_url", URL: "https://b/rec.mp3"}}},
		{"a recording without a URL keeps its number, for an upload",
			Record{Recordings: []Recording{{}, {URL: "https://a/2.wav"}}},
			[]FileRef{{N: 0, Of: "recordings[0].url"}, {N: 1, Of: "recordings[1].url", URL: "https://a/2.wav"}}},
		{"participants after the recordings, those without a recording skipped",
			Record{Recordings: []Recording{{URL: "https://a/main.wav"}}, Participants: []Participant{
				{Seq: 1, RecordingURL: "https://a/leg1.wav", RecordingCopyURL: "https://b/leg1.wav"},
				{Seq: 2},
				{Seq: 3, RecordingCopyURL: "https://b/leg3.wav"},
			}},
			[]FileRef{
				{N: 0, Of: "recordings[0].url", URL: "https://a/main.wav"},
				{N: 1, Of: "participants[0].recording_url", URL: "https://a/leg1.wav", CopyURL: "https://b/leg1.wav"},
				{N: 2, Of: "participants[2].recording_copy_url", URL: "https://b/leg3.wav"},
			}},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, RecordingFiles(&tc.rec)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
	var many Record
	for i := range 100 {
		many.Recordings = append(many.Recordings, Recording{URL: fmt.Sprintf("https://a/%d", i)})
	}
	if fs := RecordingFiles(&many); len(fs) != MaxFilesPerRecord || fs[MaxFilesPerRecord-1].N != MaxFilesPerRecord-1 {
		t.Errorf("100 recordings: %d files", len(fs))
	}
}
