// Package tencentccc maps Tencent Cloud CCC DescribeTelCdr records
// (TelCdrInfo, API A of docs/record-model.md §0) to cdrhub's canonical record
// and back. It is the mapping only: no HTTP, no signing, no store.
//
//   - Ingest turns one vendor object into a cdr.Record of source tencent_ccc
//     whose Raw is the object byte for byte (docs/mapping-tencent-ccc.md,
//     Fields).
//   - Render returns a record as DescribeTelCdr lists it: the stored Raw for
//     a tencent_ccc record that has one (docs/record-model.md §5 R1), else an
//     object built from the canonical fields (docs/mapping-tencent-ccc.md;
//     docs/record-model.md §5 R2–R7). RenderProtected is the
//     DescribeProtectedTelCdr form (docs/mapping-tencent-ccc.md,
//     DescribeProtectedTelCdr (d)).
//   - Terms returns the rendered enum terms tencent_ccc.EndStatus, .CallType
//     and .Direction that a vendor filter selects on
//     (docs/record-model.md §4.0).
//   - ParseList splits an import body (JSON array, NDJSON or the list
//     response envelope) into vendor objects.
//
// The field table, the enum tables and every lossy or degraded case are in
// docs/mapping-tencent-ccc.md; its EndStatus, EndStatus render, CallType,
// Direction and HungUpSide tables are checked against this package's tables
// by its tests.
//
// Times: TelCdrInfo times are Unix seconds (IVR key Timestamps are
// milliseconds); canonical times are milliseconds. A vendor time of 0 is
// none; a duration of 0 is a known zero.
package tencentccc
