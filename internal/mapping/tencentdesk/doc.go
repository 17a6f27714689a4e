// Package tencentdesk maps Tencent Cloud Desk describe_im_cdr_list session
// records (IMCdrList[i], API E of docs/record-model.md §0) to cdrhub's
// canonical record and back. It is the mapping only: no HTTP, no UserSig, no
// store.
//
//   - Ingest turns one IMCdrInfo object into a cdr.Record of source
//     tencent_desk, channel chat, whose Raw is the object byte for byte.
//   - Render returns a chat record as describe_im_cdr_list lists it: the
//     stored Raw for a tencent_desk record that has one
//     (docs/record-model.md §5 R1), else an object built from the canonical
//     fields (docs/mapping-tencent-desk.md; docs/record-model.md §5).
//   - Terms returns the rendered enum term tencent_desk.EndStatus
//     (docs/record-model.md §4.0).
//   - ParseList splits an import body (JSON array, NDJSON or a
//     describe_im_cdr_list response) into IMCdrInfo objects.
//
// Times: Timestamp is Unix seconds, Duration seconds. The tables and every
// lossy case are in docs/mapping-tencent-desk.md, whose tables the tests
// check against this package's.
package tencentdesk
