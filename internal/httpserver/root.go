package httpserver

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/cdrhub/cdrhub/internal/httpx"
)

// RootAPI is an API whose requests all arrive at "/" and are told apart by
// their headers and parameters: Tencent Cloud API 3.0 (X-TC-Action, or
// Action with its Version) and Alibaba Cloud POP. The table (routes.go)
// lists the claimants in the order they are asked.
//
// Nothing of a request's body is read before it is claimed. A request
// claimed by its headers (ClaimsHeaders: TC3, ACS3) reaches ServeRoot with
// its body unread: the API authenticates what the headers prove first, then
// reads at most MaxClaimedBody of it. Only form-encoded POSTs (Tencent v1,
// Alibaba RPC), whose credentials travel in the body, are read before
// authentication, within the pre-authentication budget (preAuth); any
// other request reaches ServeRoot with an empty body.
type RootAPI interface {
	// ClaimsHeaders reports whether r is this API's from its headers alone.
	ClaimsHeaders(r *http.Request) bool
	// Claims reports whether the request is this API's. params holds the
	// query and, for a form POST, the form.
	Claims(r *http.Request, params url.Values) bool
	// ServeRoot serves a claimed request. A form POST's body has been read
	// already and r.Body replays it.
	ServeRoot(w http.ResponseWriter, r *http.Request)
}

// MaxClaimedBody is the most a request to "/" may carry; each API answers a
// larger one with its own error.
const MaxClaimedBody = 1 << 20

// Limits of the reads before authentication (form POSTs to "/").
const (
	preAuthBudget  = 32 << 20         // bytes held by every such read at once
	preAuthWait    = 5 * time.Second  // a read that finds no budget waits this long, then 503
	preAuthTimeout = 30 * time.Second // the read deadline of such a body
)

// rootDispatch hands each request to "/" to the first API that claims it,
// reading a form POST's body within b. A GET or HEAD that none claims and
// that carries none of their marks (X-TC-Action, an Action or Signature
// parameter, an ACS3- authorization) goes to unclaimed, when set: the
// console's redirect.
func rootDispatch(roots []RootAPI, unclaimed http.Handler, b *budget) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, a := range roots {
			if a.ClaimsHeaders(r) {
				a.ServeRoot(w, r)
				return
			}
		}
		params := r.URL.Query()
		if isFormPost(r) {
			body, release, err := readPreAuth(w, r, b)
			defer release()
			if err != nil {
				writeRootError(w, r, err)
				return
			}
			if form, err := url.ParseQuery(string(body)); err == nil {
				for k, v := range form {
					params[k] = append(params[k], v...)
				}
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		} else {
			r.Body = http.NoBody
		}
		for _, a := range roots {
			if a.Claims(r, params) {
				a.ServeRoot(w, r)
				return
			}
		}
		if unclaimed != nil && (r.Method == http.MethodGet || r.Method == http.MethodHead) && !apiMarked(r, params) {
			unclaimed.ServeHTTP(w, r)
			return
		}
		writeRootError(w, r, errUnclaimed)
	})
}

// apiMarked reports whether a request to "/" carries a mark of an API
// served there, though none claimed it: it gets the APIs' not_found, not
// the console.
func apiMarked(r *http.Request, params url.Values) bool {
	auth := r.Header.Get("Authorization")
	return r.Header.Get("X-TC-Action") != "" || r.Header.Get("x-acs-action") != "" || params.Has("Action") ||
		params.Has("Signature") || strings.HasPrefix(auth, "ACS3-") || strings.HasPrefix(auth, "TC3-")
}

func isFormPost(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return r.Method == http.MethodPost && mt == "application/x-www-form-urlencoded"
}

// rootError is an answer to a request to "/" that no API took.
type rootError struct {
	status      int
	code, msg   string
	retryAfterS string
}

func (e *rootError) Error() string { return e.msg }

var (
	errUnclaimed = &rootError{http.StatusNotFound, "not_found", "no API served here recognizes this request", ""}
	errTooLarge  = &rootError{http.StatusRequestEntityTooLarge, "too_large", "a form request to / carries at most 1 MiB", ""}
	errBusy      = &rootError{http.StatusServiceUnavailable, "unavailable", "too many requests are being read; retry shortly", "5"}
	errUnread    = &rootError{http.StatusBadRequest, "invalid", "cannot read the request body", ""}
)

func writeRootError(w http.ResponseWriter, r *http.Request, err error) {
	var e *rootError
	if !errors.As(err, &e) {
		e = errUnread
	}
	httpx.SetRoute(r.Context(), httpx.NoRoute, httpx.NoRoute)
	// The body may be unread: closing spares net/http reading it after the
	// answer (up to 256 KiB, for as long as the client dawdles).
	w.Header().Set("Connection", "close")
	if e.retryAfterS != "" {
		w.Header().Set("Retry-After", e.retryAfterS)
	}
	httpx.WriteJSON(w, r, e.status, map[string]any{"error": map[string]string{"code": e.code, "message": e.msg}})
}

// readPreAuth reads the body of an unauthenticated form POST: at most
// MaxClaimedBody, within b (reserving the declared length, or the maximum
// when none is declared, and keeping what was read until release), by a
// deadline of preAuthTimeout.
func readPreAuth(w http.ResponseWriter, r *http.Request, b *budget) (body []byte, release func(), err error) {
	release = func() {}
	if r.ContentLength > MaxClaimedBody {
		return nil, release, errTooLarge
	}
	reserve := int64(MaxClaimedBody)
	if r.ContentLength >= 0 {
		reserve = r.ContentLength
	}
	if !b.acquire(r.Context(), reserve, b.wait) {
		return nil, release, errBusy
	}
	held := reserve
	release = func() { b.release(held) }
	// The server's ReadTimeout is longer; a reader that holds budget gets
	// less. An error here only means the connection cannot take deadlines.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(b.timeout))
	body, err = io.ReadAll(io.LimitReader(r.Body, reserve+1))
	switch {
	case err != nil:
		return nil, release, errUnread
	case int64(len(body)) > reserve:
		return nil, release, errTooLarge
	}
	b.release(held - int64(len(body)))
	held = int64(len(body))
	return body, release, nil
}

// budget is a weighted semaphore of bytes.
type budget struct {
	wait, timeout time.Duration

	mu    sync.Mutex
	avail int64
	freed chan struct{} // closed, and replaced, whenever bytes are released
}

func newBudget(n int64, wait, timeout time.Duration) *budget {
	return &budget{avail: n, wait: wait, timeout: timeout, freed: make(chan struct{})}
}

// acquire takes n bytes, waiting up to wait for them; it reports whether it
// got them.
func (b *budget) acquire(ctx context.Context, n int64, wait time.Duration) bool {
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		b.mu.Lock()
		if b.avail >= n {
			b.avail -= n
			b.mu.Unlock()
			return true
		}
		freed := b.freed
		b.mu.Unlock()
		select {
		case <-freed:
		case <-timer.C:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

// release gives back n bytes.
func (b *budget) release(n int64) {
	if n <= 0 {
		return
	}
	b.mu.Lock()
	b.avail += n
	close(b.freed)
	b.freed = make(chan struct{})
	b.mu.Unlock()
}
