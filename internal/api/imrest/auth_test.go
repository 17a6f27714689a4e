package imrest_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/api/imrest"
	"github.com/cdrhub/cdrhub/internal/auth/usersig"
	"github.com/cdrhub/cdrhub/internal/httpx"
	"github.com/cdrhub/cdrhub/internal/httpx/httpxtest"
)

// signed is the URL of a request by admin with a valid UserSig of app.
func signed(t *testing.T, app uint64, key string) url.Values {
	return url.Values{"sdkappid": {fmt.Sprint(app)}, "identifier": {admin}, "usersig": {mustSig(t, app, key, admin)},
		"random": {"12345"}, "contenttype": {"json"}}
}

// TestAuthBeforeBody sends requests whose bodies never complete: a request
// refused from its URL (UserSig, sdkappid, identifier, block) is answered at
// once, without its body being read, and the connection is closed rather
// than drained. So is a body over 1 MiB, after 1 MiB of it.
func TestAuthBeforeBody(t *testing.T) {
	e := newEnv(t, 1000, 1000)
	good := signed(t, acmeApp, acmeKey)
	with := func(q url.Values, k, v string) url.Values {
		out := url.Values{}
		for k, vs := range q {
			out[k] = vs
		}
		if v == "" {
			delete(out, k)
		} else {
			out[k] = []string{v}
		}
		return out
	}
	expired, _ := usersig.Gen(acmeApp, acmeKey, admin, time.Second, time.Now().Add(-time.Hour))
	refused := []struct {
		name, path string
		q          url.Values
		want       int
	}{
		{"no usersig", filterPath, with(good, "usersig", ""), imrest.CodeHTTPParse},
		{"garbage usersig", filterPath, with(good, "usersig", "not-a-sig"), usersig.CodeInvalid},
		{"wrong key", filterPath, with(good, "usersig", mustSig(t, acmeApp, "wrong", admin)), usersig.CodeSigMismatch},
		{"expired", deskPath, with(good, "usersig", expired), usersig.CodeExpired},
		{"no sdkappid", deskPath, with(good, "sdkappid", ""), imrest.CodeSdkAppIDMissing},
		{"unknown sdkappid", byIDPath, with(good, "sdkappid", "1400009999"), usersig.CodeSDKAppIDNotFound},
		{"not an admin", filterPath, with(with(good, "identifier", "user_1"), "usersig", mustSig(t, acmeApp, acmeKey, "user_1")), imrest.CodeNotAdmin},
		{"B-only app on E", deskPath, signed(t, globexApp, globexKey), imrest.CodeNotDesk},
	}
	type framing struct{ name, header, body string }
	partial := `{"startTimestamp":`
	framings := []framing{
		{"Content-Length", "Content-Length: 1000\r\n", partial},
		{"chunked", "Transfer-Encoding: chunked\r\n", fmt.Sprintf("%x\r\n%s\r\n", len(partial), partial)},
	}
	type request struct {
		name, path string
		q          url.Values
		framing    framing
		more       int // bytes sent after the body, in the background
		want       int
	}
	var reqs []request
	for _, r := range refused {
		for _, f := range framings {
			reqs = append(reqs, request{r.name + ", " + f.name, r.path, r.q, f, 0, r.want})
		}
	}
	reqs = append(reqs,
		request{"body over 1 MiB", filterPath, good, framing{"Content-Length", "Content-Length: 2000000\r\n", partial}, 1<<20 + 1, imrest.CodeHTTPParse},
		request{"E body over 1 MiB", deskPath, good, framing{"chunked", "Transfer-Encoding: chunked\r\n", ""}, 1<<20 + 1, imrest.CodeHTTPParse})
	for _, r := range reqs {
		t.Run(r.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", e.srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			head := "POST " + r.path + "?" + r.q.Encode() + " HTTP/1.1\r\nHost: cdrhub\r\nContent-Type: application/json\r\n" + r.framing.header + "\r\n"
			if _, err := io.WriteString(conn, head+r.framing.body); err != nil {
				t.Fatal(err)
			}
			if r.more > 0 {
				more := strings.Repeat(" ", r.more)
				if r.framing.name == "chunked" {
					more = fmt.Sprintf("%x\r\n%s\r\n", len(more), more)
				}
				go io.WriteString(conn, more) // ends with conn
			}
			// The body never ends: a server that read it first would not
			// answer before the deadline (a guard against a hang, not a
			// timing).
			conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatalf("no answer while the body is incomplete: %v", err)
			}
			defer resp.Body.Close()
			var m map[string]any
			if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
				t.Fatal(err)
			}
			if code(m) != r.want || resp.StatusCode != 200 || !resp.Close {
				t.Errorf("status %d, code %d (%s), connection close %v; want 200, %d and close", resp.StatusCode, code(m), message(m), resp.Close, r.want)
			}
		})
	}
	if n := e.reads.Load(); n != 0 {
		t.Errorf("%d store reads", n)
	}
	// A complete request keeps the connection open.
	req, _ := http.NewRequest("POST", e.srv.URL+filterPath+"?"+good.Encode(), strings.NewReader(window("")))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Close {
		t.Errorf("a complete request: status %d, connection close %v", resp.StatusCode, resp.Close)
	}
}

// TestAccessLogPrincipal checks that once the UserSig is verified the
// access log line names the app's tenant and <identifier>@<sdkappid>,
// whatever the answer, that it names nobody before, and that no log line
// holds a UserSig or a key.
func TestAccessLogPrincipal(t *testing.T) {
	e := newEnv(t, 1000, 1000)
	expired, _ := usersig.Gen(acmeApp, acmeKey, admin, time.Second, time.Now().Add(-time.Hour))
	userSig := mustSig(t, acmeApp, acmeKey, "user_1")
	q := func(app uint64, id, sig string) url.Values {
		return url.Values{"sdkappid": {fmt.Sprint(app)}, "identifier": {id}, "usersig": {sig}, "random": {"1"}, "contenttype": {"json"}}
	}
	tests := []struct {
		name, path        string
		q                 url.Values
		body              string
		tenant, principal string // "": no such attribute
	}{
		{"B list", filterPath, signed(t, acmeApp, acmeKey), window(""), "acme", "administrator@1400000001"},
		{"B by callId", byIDPath, signed(t, globexApp, globexKey), `{"callId":"call-1"}`, "globex", "administrator@1400000002"},
		{"E", deskPath, signed(t, acmeApp, acmeKey), deskWindow(""), "acme", "administrator@1400000001"},
		{"E desk-only app", deskPath, signed(t, deskOnlyApp, deskKey), deskWindow(""), "initech", "administrator@1400000003"},
		{"parameter error", filterPath, signed(t, acmeApp, acmeKey), `{"startTimestamp":0}`, "acme", "administrator@1400000001"},
		{"desk-only app on B", filterPath, signed(t, deskOnlyApp, deskKey), window(""), "initech", "administrator@1400000003"},
		{"not an admin", filterPath, q(acmeApp, "user_1", userSig), window(""), "acme", "user_1@1400000001"},
		{"wrong key", filterPath, q(acmeApp, admin, mustSig(t, acmeApp, "wrong", admin)), window(""), "", ""},
		{"expired", deskPath, q(acmeApp, admin, expired), deskWindow(""), "", ""},
		{"other app's UserSig", deskPath, q(acmeApp, admin, mustSig(t, globexApp, globexKey, admin)), deskWindow(""), "", ""},
		{"unknown sdkappid", filterPath, q(1400009999, admin, mustSig(t, 1400009999, acmeKey, admin)), window(""), "", ""},
		{"no usersig", filterPath, q(acmeApp, admin, ""), window(""), "", ""},
	}
	ids := make([]string, len(tests))
	secrets := []string{acmeKey, globexKey, deskKey, expired, userSig}
	for i, tt := range tests {
		_, h := e.send(t, "POST", tt.path, tt.q, tt.body)
		ids[i] = h.Get(httpx.RequestIDHeader)
		if s := tt.q.Get("usersig"); s != "" {
			secrets = append(secrets, s)
		}
	}
	e.srv.Close() // every access line is written
	lines := httpxtest.AccessLog(t, e.logs.String(), secrets...)
	for i, tt := range tests {
		got, ok := lines[ids[i]]
		if !ok {
			t.Errorf("%s: no access line for request %q", tt.name, ids[i])
			continue
		}
		want := httpxtest.Who{}
		if tt.principal != "" {
			want = httpxtest.Who{Tenant: tt.tenant, Principal: tt.principal}
		}
		if got != want {
			t.Errorf("%s: tenant, principal = %q, want %q", tt.name, got, want)
		}
	}
}
