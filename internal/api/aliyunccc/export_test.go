package aliyunccc

import (
	"time"

	"github.com/cdrhub/cdrhub/internal/auth/pop"
)

// SetClock makes a read the time from now; set it before serving.
func SetClock(a *API, now func() time.Time) { a.now = now }

// Nonces returns a's nonce store.
func Nonces(a *API) *pop.NonceStore { return a.nonces }
