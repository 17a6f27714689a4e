package recordings

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// Reasons a file failed to archive: the reason label of
// cdrhub_recordings_failures_total and the Reason of a cdr.Failure. They
// are stable: stored rows and dashboards name them.
const (
	ReasonEmpty          = "empty"           // the body had no byte
	ReasonTruncated      = "truncated"       // fewer bytes than declared
	ReasonLengthMismatch = "length_mismatch" // more bytes than declared
	ReasonTooLarge       = "too_large"       // more than the bound on a file
	ReasonNotMedia       = "not_media"       // not audio (a transcript: not text), e.g. an HTML error page
	ReasonHTTP404        = "http_404"
	ReasonHTTP403        = "http_403"
	ReasonHTTP410        = "http_410"
	ReasonHTTP5xx        = "http_5xx"
	ReasonHTTPOther      = "http_other"      // any other status outside 2xx
	ReasonTimeout        = "timeout"         // the file took longer than its timeout
	ReasonNetwork        = "network"         // a connection or read error
	ReasonRedirect       = "redirect"        // too many redirects, or one to a scheme other than http(s)
	ReasonBadURL         = "bad_url"         // the URL does not parse or is not http(s)
	ReasonAddress        = "address_refused" // the host is loopback, link-local or reserved (dial.go)
	ReasonResolve        = "resolve"         // the vendor did not say where the file is (Archiver.Resolve), yet
)

// Reasons lists every reason, for metric series created up front.
var Reasons = []string{
	ReasonEmpty, ReasonTruncated, ReasonLengthMismatch, ReasonTooLarge, ReasonNotMedia,
	ReasonHTTP404, ReasonHTTP403, ReasonHTTP410, ReasonHTTP5xx, ReasonHTTPOther,
	ReasonTimeout, ReasonNetwork, ReasonRedirect, ReasonBadURL, ReasonAddress,
}

// Error is a failure to fetch or store a file: a stable Reason and a
// message in words, which never holds a URL's query string (signed URLs
// carry credentials in it).
type Error struct {
	Reason  string
	Message string
	Err     error // the cause, if any; not shown
}

func (e *Error) Error() string {
	if e.Message == "" {
		return "recordings: " + e.Reason
	}
	return "recordings: " + e.Reason + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Permanent reports whether the failure will most likely happen again
// however often the file is tried: the file is gone or refused (HTTP 404,
// 403, 410), is not media, or is too large. Others are transient.
func (e *Error) Permanent() bool {
	switch e.Reason {
	case ReasonHTTP404, ReasonHTTP403, ReasonHTTP410, ReasonNotMedia, ReasonTooLarge, ReasonBadURL, ReasonAddress:
		return true
	}
	return false
}

// Permanent reports whether err is an *Error that is Permanent.
func Permanent(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Permanent()
}

// ReasonOf returns the Reason of an *Error in err's chain, else "".
func ReasonOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

func newError(reason, msg string, cause error) *Error {
	return &Error{Reason: reason, Message: truncate(msg, cdr.MaxSyncMessageLen), Err: cause}
}

// readError classifies an error reading a body: the connection ended
// early (truncated), a deadline passed (timeout), or anything else
// (network). A context's cancellation stays in the chain.
func readError(err error) *Error {
	switch {
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return newError(ReasonTimeout, "reading: "+errorText(err), err)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return newError(ReasonTruncated, "the body ended before its declared length", err)
	}
	return newError(ReasonNetwork, "reading: "+errorText(err), err)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// errorText is err's text without any URL in it: an *url.Error's own
// error (the URL is logged redacted apart).
func errorText(err error) string {
	var ue *url.Error
	for errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}

// Redact returns u as scheme://host/path: no user, no query, no
// fragment, which may carry credentials.
func Redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		if i := strings.IndexAny(u, "?#"); i >= 0 {
			u = u[:i]
		}
		if i := strings.Index(u, "@"); i >= 0 {
			u = u[i+1:]
		}
		return truncate(u, 256)
	}
	r := url.URL{Scheme: p.Scheme, Host: p.Host, Path: p.Path}
	return r.String()
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
