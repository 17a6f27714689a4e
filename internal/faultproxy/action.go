package faultproxy

import (
	"fmt"
	"net/http"
	"time"
)

// Action is what a Fault does with a request it fired on. The zero Action
// forwards the request normally.
//
// Drop, DropAfterForward and Truncate close the client's connection. A Go
// http.Client transparently retries a replayable request (a GET, or any
// request with an Idempotency-Key header, whose body can be re-read) that
// failed on a reused connection before any answer arrived: that retry
// reaches the proxy as the next request number.
type Action struct {
	run func(x *exchange)
}

// do runs the action on x; the zero Action forwards.
func (a Action) do(x *exchange) {
	if a.run == nil {
		forwardAndWrite(x)
		return
	}
	a.run(x)
}

// forwardAndWrite forwards x and passes the upstream's answer back.
func forwardAndWrite(x *exchange) {
	if a, ok := x.forward(); ok {
		x.write(a)
	}
}

// Respond answers with status, header and body without forwarding (a
// vendor's throttling error in an HTTP 200 JSON body, a 502). Status 0
// means 200; Content-Length is set to len(body).
func Respond(status int, header http.Header, body []byte) Action {
	if status == 0 {
		status = http.StatusOK
	}
	return Action{run: func(x *exchange) {
		x.write(answer{status: status, header: header.Clone(), body: body})
	}}
}

// Delay waits d, then forwards normally: a slow answer. When the request's
// context ends first (the client gave up, or the proxy closed) the
// request is not forwarded and the connection is closed unanswered.
func Delay(d time.Duration) Action {
	return Action{run: func(x *exchange) {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-x.r.Context().Done():
			x.abort()
		case <-t.C:
		}
		forwardAndWrite(x)
	}}
}

// Drop closes the client's connection without forwarding or answering:
// the client sees EOF or a connection reset.
func Drop() Action {
	return Action{run: func(x *exchange) { x.drop() }}
}

// DropAfterForward forwards the request, then closes the client's
// connection without answering: the upstream did the work, the client
// never hears of it.
func DropAfterForward() Action {
	return Action{run: func(x *exchange) {
		if _, ok := x.forward(); ok {
			x.drop()
		}
	}}
}

// Truncate forwards the request, then writes the upstream's status, its
// headers with the Content-Length of the full body and only the first n
// bytes of the body, and closes the connection: the client reading the
// body gets io.ErrUnexpectedEOF. When n is at least the body's length the
// client gets the whole answer and then the closed connection.
func Truncate(n int) Action {
	return Action{run: func(x *exchange) {
		a, ok := x.forward()
		if !ok {
			return
		}
		writeTruncated(x, a, n)
	}}
}

// writeTruncated writes a on the hijacked connection with only n bytes
// of its body, and closes it.
func writeTruncated(x *exchange, a answer, n int) {
	conn, buf, err := hijack(x.w)
	if err != nil {
		x.abort()
	}
	defer conn.Close()
	n = min(max(n, 0), len(a.body))
	a.header.Set("Content-Length", fmt.Sprint(len(a.body)))
	fmt.Fprintf(buf, "HTTP/1.1 %03d %s\r\n", a.status, http.StatusText(a.status))
	a.header.Write(buf)
	buf.WriteString("\r\n")
	buf.Write(a.body[:n])
	buf.Flush()
}

// Before calls fn synchronously (to insert records into the upstream, say),
// then forwards normally.
func Before(fn func()) Action {
	return Action{run: func(x *exchange) {
		fn()
		forwardAndWrite(x)
	}}
}

// Rewrite forwards the request, then replaces the upstream's answer by
// fn's status and body (not JSON, a list removed), headers kept and
// Content-Length recomputed.
func Rewrite(fn func(status int, body []byte) (int, []byte)) Action {
	return Action{run: func(x *exchange) {
		a, ok := x.forward()
		if !ok {
			return
		}
		a.status, a.body = fn(a.status, a.body)
		x.write(a)
	}}
}
