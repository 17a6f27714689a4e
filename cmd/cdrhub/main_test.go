package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// buildBinary builds cdrhub once per test run.
var buildBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "cdrhub-bin")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "cdrhub")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// process is a running cdrhub serve.
type process struct {
	cmd    *exec.Cmd
	addr   string
	stderr *syncBuffer
	done   chan error
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

const testToken = "integration-test-token"

func writeConfig(t *testing.T, dir string) string {
	t.Helper()
	cfg := fmt.Sprintf(`server: {listen: "127.0.0.1:0"}
storage: {driver: sqlite, path: %q}
tenants:
  - id: acme
    native: {tokens: [{name: test, token: %s}]}
`, filepath.Join(dir, "data", "cdrhub.db"), testToken)
	path := filepath.Join(dir, "cdrhub.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// listenRE finds the address in the "listening" line, text or JSON.
var listenRE = regexp.MustCompile(`msg=listening addr=(\S+)|"msg":"listening","addr":"([^"]+)"`)

// start runs cdrhub serve with args and waits until it listens.
func start(t *testing.T, args ...string) *process {
	t.Helper()
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, append([]string{"serve"}, args...)...)
	cmd.Dir = t.TempDir()
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stdout syncBuffer
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, stderr: &syncBuffer{}, done: make(chan error, 1)}
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			fmt.Fprintln(p.stderr, sc.Text())
			if m := listenRE.FindStringSubmatch(sc.Text()); m != nil {
				addrc <- m[1] + m[2]
			}
		}
		p.done <- cmd.Wait()
	}()
	t.Cleanup(func() { cmd.Process.Kill() })
	select {
	case p.addr = <-addrc:
	case <-time.After(60 * time.Second):
		t.Fatalf("server did not start:\n%s", p.stderr)
	}
	return p
}

func (p *process) request(t *testing.T, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, "http://"+p.addr+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", "application/x-ndjson")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func ndjson(n int, prefix string) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{"channel":"voice","source":"native","source_id":"%s-%d","start_at":%d,"caller":{"address":"+8613900%06d"}}`+"\n",
			prefix, i, 1700000000000+int64(i)*1000, i)
	}
	return b.String()
}

// An acknowledged upsert survives kill -9 of the server right after the
// response.
func TestAcknowledgedSurvivesKill9(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir)
	p := start(t, "--config", cfg)
	for round := range 3 {
		code, resp := p.request(t, "POST", "/api/v1/records", ndjson(500, fmt.Sprint("r", round)))
		if code != 200 || resp["inserted"] != float64(500) {
			t.Fatalf("round %d: %d %v", round, code, resp)
		}
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.done
	p2 := start(t, "--config", cfg)
	code, resp := p2.request(t, "GET", "/api/v1/records?limit=1&count=true", "")
	if code != 200 || resp["total"] != float64(1500) {
		t.Fatalf("after kill -9: %d total %v, want 1500", code, resp["total"])
	}
	code, resp = p2.request(t, "POST", "/api/v1/records", ndjson(500, "r2"))
	if code != 200 || resp["unchanged"] != float64(500) {
		t.Errorf("re-sending after the restart: %d %v, want all unchanged", code, resp)
	}
}

// SIGTERM lets an in-flight request finish, then the process exits.
func TestSIGTERMDrains(t *testing.T) {
	dir := t.TempDir()
	p := start(t, "--config", writeConfig(t, dir))
	pr, pw := io.Pipe()
	req, _ := http.NewRequestWithContext(context.Background(), "POST", "http://"+p.addr+"/api/v1/records", pr)
	req.Header.Set("Authorization", "Bearer "+testToken)
	type result struct {
		code int
		body string
		err  error
	}
	resc := make(chan result, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			resc <- result{err: err}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		resc <- result{code: resp.StatusCode, body: string(b)}
	}()
	body := ndjson(200, "drain")
	io.WriteString(pw, body[:len(body)/2])
	// Give the server time to take the request in hand: its handler is
	// now blocked reading the rest of the body.
	time.Sleep(300 * time.Millisecond)
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	io.WriteString(pw, body[len(body)/2:])
	pw.Close()
	res := <-resc
	if res.err != nil || res.code != 200 || !strings.Contains(res.body, `"inserted":200`) {
		t.Errorf("in-flight request: %d %q %v", res.code, res.body, res.err)
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Errorf("exit: %v\n%s", err, p.stderr)
		}
	case <-time.After(8 * time.Second):
		t.Fatalf("still running 8 s after SIGTERM:\n%s", p.stderr)
	}
	if !strings.Contains(p.stderr.String(), "shutting down") {
		t.Errorf("no shutdown log:\n%s", p.stderr)
	}
}

// demoLine starts serve --demo in dir, stopped when the test ends, and
// returns the submatches of the first line it prints that re matches.
func demoLine(t *testing.T, dir string, re *regexp.Regexp) []string {
	t.Helper()
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", "--demo", "--listen", "127.0.0.1:0")
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			go io.Copy(io.Discard, stdout)
			return m
		}
	}
	t.Fatalf("the demo printed no line matching %s", re)
	return nil
}

// The demo prints a curl command that works as pasted.
func TestDemoCurlWorks(t *testing.T) {
	dir := t.TempDir()
	curl := demoLine(t, dir, regexp.MustCompile(`^\s*(curl .*)$`))[1]
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("no curl to run the printed command")
	}
	out, err := exec.Command("sh", "-c", curl).Output()
	if err != nil {
		t.Fatalf("%s: %v", curl, err)
	}
	var resp struct {
		Records []map[string]any `json:"records"`
		Total   int              `json:"total"`
	}
	// 3,000 calls, each listed once: a vendor's record of a call has the
	// native record as its shadow.
	if err := json.Unmarshal(out, &resp); err != nil || len(resp.Records) == 0 || resp.Total != 3000 {
		t.Fatalf("curl output %s: %v", out, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "cdrhub-data", "cdrhub.db")); err != nil {
		t.Errorf("the default database is not under ./cdrhub-data: %v", err)
	}
}
