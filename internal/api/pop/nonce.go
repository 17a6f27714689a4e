package pop

import (
	"crypto/sha256"
	"sync"
	"time"
)

// DefaultNonceCap is the number of nonces a NonceStore keeps at most.
const DefaultNonceCap = 1 << 20

// NonceStore remembers the nonces of verified requests in memory, each
// until the window around its request's timestamp has passed, so that a
// replay inside the window is refused. It holds at most a fixed number of
// entries (about 40 bytes each), evicting the oldest beyond that. Nonces
// are kept per AccessKeyId, as 128-bit hashes. It is safe for concurrent
// use; the zero value is not usable.
type NonceStore struct {
	window time.Duration
	max    int

	mu    sync.Mutex
	seen  map[[16]byte]int64 // expiry, Unix nanoseconds
	queue []nonceEntry       // in insertion order, from head
	head  int
}

type nonceEntry struct {
	key [16]byte
	exp int64
}

// NewNonceStore returns a store that keeps DefaultNonceCap nonces at most,
// each for window after its timestamp (at least Options.Window).
func NewNonceStore(window time.Duration) *NonceStore {
	return NewNonceStoreCap(window, DefaultNonceCap)
}

// NewNonceStoreCap is NewNonceStore with a cap other than DefaultNonceCap.
func NewNonceStoreCap(window time.Duration, max int) *NonceStore {
	if max < 1 {
		max = 1
	}
	return &NonceStore{window: window, max: max, seen: map[[16]byte]int64{}}
}

// Len returns the number of nonces kept.
func (s *NonceStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.seen)
}

// use records the nonce of a request from id with timestamp ts and reports
// whether it was fresh, that is not already recorded and unexpired.
func (s *NonceStore) use(id, nonce string, ts, now time.Time, window time.Duration) bool {
	key := nonceKey(id, nonce)
	exp := ts.Add(max(window, s.window)).UnixNano()
	n := now.UnixNano()
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.head < len(s.queue) && s.queue[s.head].exp <= n {
		s.pop()
	}
	if e, ok := s.seen[key]; ok && e > n {
		return false
	}
	for len(s.seen) >= s.max && s.head < len(s.queue) {
		s.pop()
	}
	s.seen[key] = exp
	s.queue = append(s.queue, nonceEntry{key, exp})
	return true
}

// pop drops the oldest queue entry, and its nonce unless that was recorded
// again since.
func (s *NonceStore) pop() {
	e := s.queue[s.head]
	if s.seen[e.key] == e.exp {
		delete(s.seen, e.key)
	}
	s.head++
	if s.head >= 1024 && s.head*2 >= len(s.queue) {
		s.queue = append([]nonceEntry(nil), s.queue[s.head:]...)
		s.head = 0
	}
}

func nonceKey(id, nonce string) [16]byte {
	h := sha256.New()
	h.Write([]byte(id))
	h.Write([]byte{0})
	h.Write([]byte(nonce))
	var k [16]byte
	copy(k[:], h.Sum(nil))
	return k
}

func useNonce(opt Options, id, nonce string, ts, now time.Time) error {
	if opt.Nonces != nil && !opt.Nonces.use(id, nonce, ts, now, opt.window()) {
		return errNonceUsed()
	}
	return nil
}
