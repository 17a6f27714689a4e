// Package aliyunccc maps Alibaba Cloud CCC ListCallDetailRecords records
// (Data.List[i], version 2020-07-01, API C of docs/record-model.md §0) to
// cdrhub's canonical record and back. It is the mapping only: no HTTP, no
// signing, no store.
//
//   - Ingest turns one vendor object into a cdr.Record of source aliyun_ccc
//     whose Raw is the object byte for byte (docs/mapping-aliyun-ccc.md,
//     Fields).
//   - Render returns a record as ListCallDetailRecords lists it: the stored
//     Raw for an aliyun_ccc record that has one (docs/record-model.md §5 R1),
//     else an object built from the canonical fields
//     (docs/mapping-aliyun-ccc.md; docs/record-model.md §5 R2–R8).
//     RenderDetail is the GetCallDetailRecord form: ContactType spelled
//     upper-case.
//   - Terms returns the rendered enum terms aliyun_ccc.ContactType,
//     .ContactDisposition, .EarlyMediaState, .SatisfactionIndex and
//     .SatisfactionSurveyChannel that a vendor filter selects on
//     (docs/record-model.md §4.0).
//   - ParseList splits an import body (JSON array, NDJSON, the list
//     response or a GetCallDetailRecord response) into vendor objects.
//
// The field table, the enum tables and every lossy or degraded case are in
// docs/mapping-aliyun-ccc.md; its enum tables are checked against this
// package's tables by its tests.
//
// Times: the record's times are Unix milliseconds, as canonical times are;
// a time of 0 is none. Durations are seconds; a duration of 0 is a known
// zero. CallDuration alone is a JSON string of decimal seconds.
package aliyunccc
