// Package laaffic maps the laaffic / itniotech / onbuka call-center record
// query records (voice/ccRecordQuery data.records[i], API D of
// docs/record-model.md §0) to cdrhub's canonical record and back. It is the
// mapping only: no HTTP, no signing, no store.
//
//   - Ingest turns one vendor object into a cdr.Record of source laaffic
//     whose Raw is the object byte for byte (docs/mapping-laaffic.md,
//     Fields).
//   - Render returns a record as ccRecordQuery lists it: the stored Raw for a
//     laaffic record that has one (docs/record-model.md §5 R1), else an
//     object built from the canonical fields (docs/mapping-laaffic.md;
//     docs/record-model.md §5 R2–R8). RenderV3 is the /v3/cc/record/query
//     form: the same object with keyId and encryptCalled.
//   - Terms returns the rendered enum terms laaffic.callType,
//     .hangupReason and .hangingDirection that a vendor filter selects on.
//   - ParseList splits an import body (JSON array, NDJSON, the response
//     envelope) into vendor objects.
//   - ParseTime reads a request time (ISO 8601 or yyyy-MM-dd HH:mm:ss).
//
// Times: record times are "yyyy-MM-dd HH:mm:ss" strings in the tenant's
// time zone, the loc argument (nil is UTC); "" is none. Durations are
// seconds; callDuration, callType, hangupReason and hangingDirection are
// JSON numbers.
//
// The field table, the enum tables and every lossy or degraded case are in
// docs/mapping-laaffic.md; its tables are checked by this package's tests.
package laaffic
