// Package httpx holds the small HTTP helpers every API package shares:
// request ids, a per-request logger, the metric labels of a request, JSON
// responses and the adapter that lets handlers return errors.
package httpx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
)

type ctxKey int

const (
	requestIDKey ctxKey = iota
	loggerKey
	routeKey
)

// RequestIDHeader carries the request id in requests (when a trusted proxy
// sets it) and responses.
const RequestIDHeader = "X-Request-Id"

// NewRequestID returns a random 128-bit id in hex.
func NewRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// NewUUID returns a random (version 4) UUID in lower-case hex, the form
// the vendor APIs' RequestIds take.
func NewUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// WithRequest returns ctx carrying the request id and a logger that adds it
// to every line.
func WithRequest(ctx context.Context, id string, log *slog.Logger) context.Context {
	ctx = context.WithValue(ctx, requestIDKey, id)
	return context.WithValue(ctx, loggerKey, log.With("request_id", id))
}

// RequestID returns the request id of ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// Logger returns the request's logger, or slog.Default().
func Logger(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}

// WriteJSON writes v as a JSON response with the given status.
func WriteJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		Logger(r.Context()).Debug("write response", "err", err)
	}
}

// HandlerFunc is a handler that returns an error for its API's error
// adapter to render.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// ErrorWriter renders an error in an API's own envelope.
type ErrorWriter func(w http.ResponseWriter, r *http.Request, err error)

// Adapt turns h into an http.Handler that renders errors with ew.
func Adapt(h HandlerFunc, ew ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			ew(w, r, err)
		}
	})
}
