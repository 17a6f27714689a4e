package httpx

import (
	"io"
	"net/http"
)

// CloseIfUnread returns w and r with r.Body tracked: if the handler answers
// before reading the body to its end (an authentication failure, a bad
// parameter, a body over a limit), the HTTP/1 answer closes the connection.
// Otherwise net/http would read what is left of an unread body (up to
// 256 KiB) before sending the answer, for as long as the client takes to
// send it: an unauthenticated client could hold the answer, and the
// connection, by sending slowly. The listener applies it to every request.
func CloseIfUnread(w http.ResponseWriter, r *http.Request) (http.ResponseWriter, *http.Request) {
	if r.ContentLength == 0 || r.ProtoMajor != 1 {
		return w, r
	}
	t := &trackedBody{ReadCloser: r.Body}
	r2 := *r
	r2.Body = t
	return &unreadCloser{ResponseWriter: w, body: t}, &r2
}

// trackedBody records whether a request body was read to its end.
type trackedBody struct {
	io.ReadCloser
	eof bool
}

func (b *trackedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.eof = true
	}
	return n, err
}

// unreadCloser adds Connection: close to an answer started before its
// request's body was read to its end.
type unreadCloser struct {
	http.ResponseWriter
	body  *trackedBody
	wrote bool
}

func (w *unreadCloser) WriteHeader(code int) {
	if !w.wrote {
		w.wrote = true
		if !w.body.eof {
			w.Header().Set("Connection", "close")
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *unreadCloser) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (w *unreadCloser) Unwrap() http.ResponseWriter { return w.ResponseWriter }
