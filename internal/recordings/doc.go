// Package recordings is the recording archive's job (docs/design.md,
// Recording archive): it copies the audio files and transcripts that
// records point at into a blob.Store before the vendor deletes them,
// verifying each (Store), and keeps each file's state in cdr.Archive:
// archived, or failed and due again on a schedule, or given up.
package recordings
