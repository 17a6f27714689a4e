package cdr

// Filter selects records. Slices are any-of, fields are ANDed and the zero
// value selects everything. It has no tenant field: the tenant is an
// argument of every Store method.
type Filter struct {
	Channels []Channel
	From, To int64 // start_at ∈ [From, To) in ms; 0 leaves that end open

	IDs       []string
	VendorIDs VendorIDs

	Sources      []Source
	Directions   []Direction
	CallTypes    []CallType
	Media        []Media
	Dispositions []Disposition
	HangupBy     []HangupBy
	VendorEnums  []VendorEnum

	Phones        []string // exact match on caller or callee (docs/record-model.md §1.4)
	CallerNumbers []string // exact match on the caller
	CalleeNumbers []string // exact match on the callee
	PhoneContains string   // digits substring of caller or callee, ≥ 3 digits
	CallerAddrs   []string // exact Party.address of the caller
	CalleeAddrs   []string // exact Party.address of the callee

	Agents     []string // agent id, email or name (participants included)
	AgentIDs   []string // agent id or email (participants included)
	AgentNames []string
	Queues     []string // queue id or name
	QueueIDs   []string
	QueueNames []string

	Tags         []string
	CountryCodes []string
	SatLabels    []string
	SatScores    []int

	IncludeShadows bool
	HasRecording   int8 // 1 with a recording, -1 without, 0 either

	Order Order // on (start_at, id); "" is desc
	// OrderBy sorts by a duration instead of start_at (Alibaba's
	// OrderByField), unknown as 0, ties by id: one of the OrderBy* values.
	OrderBy string
	Offset  int     // rows to skip (vendor APIs)
	Limit   int     // 0 = no limit
	After   *Cursor // keyset position: records strictly after it in Order
	Count   bool    // also count every matching record
	// WithRaw loads each record's raw vendor object.
	WithRaw bool
}

// VendorIDs selects records by the identity a vendor API shows: records of
// Source by source_id, records of other sources by id
// (docs/record-model.md §5 R2).
type VendorIDs struct {
	Source Source
	Values []string
}

// VendorEnum selects records by a rendered vendor enum term S.F=v.
type VendorEnum struct {
	Source Source
	Field  string
	Values []string
}

// Cursor is a position in the (start_at, id) order.
type Cursor struct {
	StartAt int64
	ID      string
}

// Duration orders of Filter.OrderBy.
const (
	OrderByTalk  = "talk_s"
	OrderByTotal = "total_s"
	OrderByRing  = "ring_s"
	OrderByQueue = "queue_s"
	OrderByIVR   = "ivr_s"
	OrderByDial  = "dial_s"
)

// OrderBys lists the duration orders.
var OrderBys = []string{OrderByTalk, OrderByTotal, OrderByRing, OrderByQueue, OrderByIVR, OrderByDial}

// Desc reports whether the filter orders newest first.
func (f *Filter) Desc() bool { return f.Order != OrderAsc }
