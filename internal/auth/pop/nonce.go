package pop

import (
	"container/heap"
	"crypto/sha256"
	"math"
	"sync"
	"time"
)

// MinNonceCap is the fewest nonces a NonceStore keeps for one AccessKeyId.
const MinNonceCap = 1 << 16

// nonceSecondsPerRPS is how many requests a second of rate limit count in a
// key's nonce capacity: the seconds of the ±15-minute window, the span of
// timestamps a nonce may be accepted with.
const nonceSecondsPerRPS = 1800

// maxNonceCap bounds NonceCap for absurd rates.
const maxNonceCap = 1 << 30

// NonceCap is the nonce capacity of an AccessKeyId whose tenant may send rps
// requests a second: max(MinNonceCap, 1,800 × rps), rounded up.
func NonceCap(rps float64) int {
	n := math.Ceil(nonceSecondsPerRPS * rps)
	switch {
	case math.IsNaN(n) || n < MinNonceCap:
		return MinNonceCap
	case n > maxNonceCap:
		return maxNonceCap
	}
	return int(n)
}

// nonceSweepEvery is how often a store drops the expired nonces of every
// AccessKeyId, beside those of the key in use, which are dropped at each
// request.
const nonceSweepEvery = time.Minute

// NonceStore remembers the nonces of verified requests in memory, each
// until the window around its request's timestamp has passed, so that a
// replay inside the window is refused. Nonces are kept per AccessKeyId, as
// 128-bit hashes (about 64 bytes each with their expiry), at most a
// capacity of that key's: a key whose store is full is refused with
// Throttling.User until some of its nonces expire, and never evicts a live
// nonce, its own or another key's. Expired nonces are dropped. It is safe
// for concurrent use; the zero value is not usable.
type NonceStore struct {
	window time.Duration
	capOf  func(accessKeyID string) int

	mu        sync.Mutex
	keys      map[string]*keyNonces
	n         int   // nonces kept, over every key
	nextSweep int64 // Unix nanoseconds
}

// keyNonces are one AccessKeyId's live nonces.
type keyNonces struct {
	cap   int
	seen  map[[16]byte]struct{}
	byExp nonceHeap
}

type nonceEntry struct {
	key [16]byte
	exp int64 // Unix nanoseconds
}

// nonceHeap is a min-heap of entries by expiry.
type nonceHeap []nonceEntry

func (h nonceHeap) Len() int           { return len(h) }
func (h nonceHeap) Less(i, j int) bool { return h[i].exp < h[j].exp }
func (h nonceHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *nonceHeap) Push(x any)        { *h = append(*h, x.(nonceEntry)) }
func (h *nonceHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// NewNonceStore returns a store that keeps each nonce for window after its
// request's timestamp (at least Options.Window), and at most capOf(id)
// nonces of AccessKeyId id (at least 1). With a nil capOf every key may
// keep MinNonceCap. A server passes NonceCap of the key's tenant's rate.
func NewNonceStore(window time.Duration, capOf func(accessKeyID string) int) *NonceStore {
	return &NonceStore{window: window, capOf: capOf, keys: map[string]*keyNonces{}}
}

// Len returns the number of nonces kept, over every AccessKeyId.
func (s *NonceStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// Cap returns the most nonces kept for AccessKeyId id.
func (s *NonceStore) Cap(id string) int {
	if s.capOf == nil {
		return MinNonceCap
	}
	return max(1, s.capOf(id))
}

// check reports, recording nothing, whether the nonce of a request from id
// would be accepted at now: SignatureNonceUsed when it is kept, and
// Throttling.User when id's nonces are at their capacity.
func (s *NonceStore) check(id, nonce string, now time.Time) error {
	n := now.UnixNano()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep(n)
	k := s.keys[id]
	if k == nil {
		return nil
	}
	s.expire(k, n)
	return k.refuse(nonceKey(nonce))
}

// use records the nonce of a request from id with timestamp ts, unless it
// is already kept (SignatureNonceUsed) or id's nonces are at their capacity
// (Throttling.User).
func (s *NonceStore) use(id, nonce string, ts, now time.Time, window time.Duration) error {
	key := nonceKey(nonce)
	exp := ts.Add(max(window, s.window)).UnixNano()
	n := now.UnixNano()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep(n)
	k := s.keys[id]
	if k == nil {
		k = &keyNonces{cap: s.Cap(id), seen: map[[16]byte]struct{}{}}
		s.keys[id] = k
	}
	s.expire(k, n)
	if err := k.refuse(key); err != nil {
		return err
	}
	k.seen[key] = struct{}{}
	heap.Push(&k.byExp, nonceEntry{key, exp})
	s.n++
	return nil
}

func (k *keyNonces) refuse(key [16]byte) error {
	if _, ok := k.seen[key]; ok {
		return errNonceUsed()
	}
	if len(k.seen) >= k.cap {
		return errThrottled()
	}
	return nil
}

// expire drops k's nonces that expired before n (Unix nanoseconds): a
// nonce is kept as long as its timestamp is inside the window, inclusive.
func (s *NonceStore) expire(k *keyNonces, n int64) {
	for len(k.byExp) > 0 && k.byExp[0].exp < n {
		e := heap.Pop(&k.byExp).(nonceEntry)
		delete(k.seen, e.key)
		s.n--
	}
}

// sweep drops the expired nonces of every key, and the keys left without
// any, at most once every nonceSweepEvery.
func (s *NonceStore) sweep(n int64) {
	if n < s.nextSweep {
		return
	}
	s.nextSweep = n + int64(nonceSweepEvery)
	for id, k := range s.keys {
		s.expire(k, n)
		if len(k.seen) == 0 {
			delete(s.keys, id)
		}
	}
}

func nonceKey(nonce string) [16]byte {
	h := sha256.Sum256([]byte(nonce))
	var k [16]byte
	copy(k[:], h[:])
	return k
}

// admit finishes a verification whose signature matched: the nonce must be
// fresh, then opt.Admit must let the request in, then the nonce is
// recorded. A replay is refused before Admit runs, and a request Admit
// refuses leaves its nonce unused.
func admit(opt Options, res Result, nonce string, ts, now time.Time) (Result, error) {
	if opt.Nonces != nil {
		if err := opt.Nonces.check(res.AccessKeyID, nonce, now); err != nil {
			return Result{}, err
		}
	}
	if opt.Admit != nil {
		if err := opt.Admit(res); err != nil {
			return Result{}, err
		}
	}
	if opt.Nonces != nil {
		if err := opt.Nonces.use(res.AccessKeyID, nonce, ts, now, opt.window()); err != nil {
			return Result{}, err
		}
	}
	return res, nil
}
