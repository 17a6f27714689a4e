package httpserver

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/api/tencentccc"
	"github.com/cdrhub/cdrhub/internal/auth/tc3"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/metrics"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
	"github.com/cdrhub/cdrhub/internal/storetest"
)

// slowForm opens a connection to srv and sends the headers of a form POST
// to "/" declaring n bytes, and a few of them: a client that holds back the
// rest of its body.
func slowForm(t *testing.T, srv *httptest.Server, n int) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: cdrhub\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\nAction=DescribeTelCdr&", n)
	return c
}

// status reads the status code of the response on c.
func status(t *testing.T, c net.Conn) int {
	t.Helper()
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no response: %v", err)
	}
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// waitAvail waits until b holds n bytes.
func waitAvail(t *testing.T, b *budget, n int64) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		b.mu.Lock()
		avail := b.avail
		b.mu.Unlock()
		if avail == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("budget holds %d bytes, want %d", avail, n)
		}
	}
}

// More slow form posts than the pre-authentication budget allows: the
// excess gets 503 after waiting, signed TC3 requests (claimed by their
// headers) keep being served meanwhile, and the budget comes back whole.
func TestPreAuthBudget(t *testing.T) {
	store := storetest.Open(t, sqlstore.Options{CacheMiB: 4})
	const secretID, secretKey, app = "AKIDbudget", "budget-key", int64(1400000009)
	api, err := tencentccc.New(store, []tencentccc.Tenant{{ID: cdr.MustTenantID("acme"), SdkAppID: app, RPS: 1000, Burst: 1000,
		Credentials: []tc3.Credential{{SecretID: secretID, SecretKey: secretKey}}}})
	if err != nil {
		t.Fatal(err)
	}
	b := newBudget(preAuthBudget, preAuthWait, preAuthTimeout)
	srv := httptest.NewServer(middleware(rootDispatch([]RootAPI{api}, nil, b), slog.New(slog.DiscardHandler), newHTTPMetrics(metrics.NewRegistry())))
	t.Cleanup(srv.Close)

	for range preAuthBudget / MaxClaimedBody {
		slowForm(t, srv, MaxClaimedBody)
	}
	waitAvail(t, b, 0)

	start := time.Now()
	excess := slowForm(t, srv, 1000)
	signed := make(chan string, 1)
	go func() {
		body := fmt.Sprintf(`{"SdkAppId":%d,"StartTimeStamp":%d,"EndTimeStamp":%d,"PageSize":1,"PageNumber":0}`,
			app, time.Now().Unix()-3600, time.Now().Unix())
		req, _ := http.NewRequest("POST", srv.URL+"/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-TC-Action", "DescribeTelCdr")
		req.Header.Set("X-TC-Version", tencentccc.Version)
		if err := tc3.SignTC3(req, []byte(body), tc3.Credential{SecretID: secretID, SecretKey: secretKey}, "ccc", time.Now()); err != nil {
			signed <- err.Error()
			return
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			signed <- err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		signed <- string(b)
	}()
	select {
	case got := <-signed:
		if !strings.Contains(got, `"TotalCount":0`) || strings.Contains(got, `"Error"`) {
			t.Errorf("signed TC3 request while the budget is spent: %s", got)
		}
	case <-time.After(preAuthWait):
		t.Error("a signed TC3 request waited on the pre-authentication budget")
	}
	if code := status(t, excess); code != http.StatusServiceUnavailable {
		t.Errorf("form post over the budget: %d, want 503", code)
	}
	if waited := time.Since(start); waited < preAuthWait {
		t.Errorf("503 after %v, before the %v wait", waited, preAuthWait)
	}
	// The slow clients go away: their budget is released.
	srv.CloseClientConnections()
	waitAvail(t, b, preAuthBudget)
}

// A client that holds back its body past the read deadline is cut off and
// its share of the budget released; a form over 1 MiB is refused unread.
func TestPreAuthDeadline(t *testing.T) {
	b := newBudget(4<<20, 100*time.Millisecond, 200*time.Millisecond)
	srv := httptest.NewServer(rootDispatch(nil, nil, b))
	t.Cleanup(srv.Close)
	slow := slowForm(t, srv, 1000)
	if code := status(t, slow); code != http.StatusBadRequest {
		t.Errorf("slow body past the deadline: %d, want 400", code)
	}
	waitAvail(t, b, 4<<20)
	big := slowForm(t, srv, MaxClaimedBody+1)
	if code := status(t, big); code != http.StatusRequestEntityTooLarge {
		t.Errorf("form of 1 MiB + 1: %d, want 413", code)
	}
	waitAvail(t, b, 4<<20)
}

// A TC3 request is claimed by its headers and refused from them: a client
// with an unknown SecretId that holds back its body gets its answer without
// a byte of the body read, and the connection closed.
func TestHeaderClaimRefusedUnread(t *testing.T) {
	store := storetest.Open(t, sqlstore.Options{CacheMiB: 4})
	api, err := tencentccc.New(store, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(middleware(rootDispatch([]RootAPI{api}, nil, newBudget(preAuthBudget, preAuthWait, preAuthTimeout)),
		slog.New(slog.DiscardHandler), newHTTPMetrics(metrics.NewRegistry())))
	t.Cleanup(srv.Close)
	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	now := time.Now().UTC()
	fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: cdrhub\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n"+
		"X-TC-Action: DescribeTelCdr\r\nX-TC-Version: %s\r\nX-TC-Timestamp: %d\r\n"+
		"Authorization: TC3-HMAC-SHA256 Credential=AKIDnobody/%s/ccc/tc3_request, SignedHeaders=content-type;host, Signature=%s\r\n\r\n{",
		tencentccc.Version, now.Unix(), now.Format("2006-01-02"), strings.Repeat("0", 64))
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer while the body is held back: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(body), "AuthFailure.SecretIdNotFound") || !resp.Close {
		t.Errorf("answer %s (close %v), want AuthFailure.SecretIdNotFound and the connection closed", body, resp.Close)
	}
}
