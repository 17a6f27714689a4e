// Package trtccallkit maps TRTC TUICallKit get_records_by_filter call records
// (data.callRecordList[i], API B of docs/record-model.md §0) to cdrhub's
// canonical record and back. It is the mapping only: no HTTP, no UserSig, no
// store.
//
//   - Ingest turns one CallRecord object into a cdr.Record of source
//     trtc_callkit, channel rtc, whose Raw is the object byte for byte.
//   - Render returns an rtc record as get_records_by_filter lists it: the
//     stored Raw for a trtc_callkit record that has one
//     (docs/record-model.md §5 R1), else an object built from the canonical
//     fields (docs/mapping-trtc-callkit.md; docs/record-model.md §5 R2–R8).
//   - Terms returns the rendered enum terms trtc_callkit.callResult and
//     trtc_callkit.callType that a vendor filter selects on
//     (docs/record-model.md §4.0).
//   - ParseList splits an import body (JSON array, NDJSON, a
//     get_records_by_filter or get_record_by_callId response) into objects.
//
// Times: the vendor's times are Unix seconds; 0 is none. The field table,
// the enum tables and every lossy case are in docs/mapping-trtc-callkit.md,
// whose tables the tests check against this package's.
package trtccallkit
