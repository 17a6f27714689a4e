package cdr

import "bytes"

// Outcome is how an upsert classified one incoming record
// (docs/record-model.md §2).
type Outcome int

const (
	OutcomeInserted  Outcome = iota + 1 // no stored record: insert
	OutcomeUpdated                      // replace the stored record
	OutcomeUnchanged                    // same content; the version may move forward
	OutcomeStale                        // older version: ignored
)

func (o Outcome) String() string {
	switch o {
	case OutcomeInserted:
		return "inserted"
	case OutcomeUpdated:
		return "updated"
	case OutcomeUnchanged:
		return "unchanged"
	case OutcomeStale:
		return "stale"
	}
	return "unknown"
}

// Stored is what an upsert needs to know of a stored record.
type Stored struct {
	PK      int64
	Version int64
	Hash    []byte
}

// Classify applies the version rule of docs/record-model.md §2 to an incoming
// record with version v and content hash h against the stored state (nil if
// none). It returns the outcome and whether the stored version must be moved
// to v without replacing the content. The rule makes the final state
// independent of arrival order: the highest version wins, and among equal
// versions the bytewise greatest hash.
func Classify(stored *Stored, v int64, h []byte) (o Outcome, bumpVersion bool) {
	switch {
	case stored == nil:
		return OutcomeInserted, false
	case v < stored.Version:
		return OutcomeStale, false
	case bytes.Equal(h, stored.Hash):
		return OutcomeUnchanged, v > stored.Version
	case v > stored.Version, bytes.Compare(h, stored.Hash) > 0:
		return OutcomeUpdated, false
	}
	return OutcomeUnchanged, false
}
