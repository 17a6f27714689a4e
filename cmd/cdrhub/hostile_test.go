package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/hostile"
)

const adminToken = "ops-admin-token"

// hostileTarget writes a configuration of two tenants, acme with every API
// block and globex with a native token, and returns acme's credentials.
func hostileTarget(t *testing.T, dir string) (cfg string, acme hostile.Target, globexToken string) {
	t.Helper()
	acme = hostile.Target{NativeToken: "acme-native-token",
		TencentSecretID: "AKIDacmeHOSTILE", TencentSecretKey: "acme-tc-key", TencentSdkAppID: 1400000100,
		AliyunAccessKeyID: "LTAIacmeHOSTILE", AliyunSecret: "acme-ali-secret", AliyunInstance: "ccc-acme",
		IMSdkAppID: 1400000101, IMKey: "acme-im-key", IMIdentifier: "administrator",
		LaafficKey: "acmeLaaf", LaafficSecret: "acme-laaffic-secret"}
	globexToken = "globex-native-token"
	const fast = "rate_limit: {rps: 100000, burst: 100000}"
	conf := fmt.Sprintf(`storage: {driver: sqlite, path: %q}
tenants:
  - id: acme
    native: {tokens: [{name: acme-importer, token: %s}]}
    tencent_ccc: {sdk_app_id: %d, %s, credentials: [{secret_id: %s, secret_key: %s}]}
    aliyun_ccc: {instance_id: %s, %s, credentials: [{access_key_id: %s, access_key_secret: %s}]}
    trtc_callkit: {sdk_app_id: %d, admin_identifiers: [%s], secret_key: %s, %s}
    tencent_desk: {sdk_app_id: %d, admin_identifiers: [%s], secret_key: %s, %s}
    laaffic: {api_key: %s, api_secret: %s, %s}
  - id: globex
    native: {tokens: [{name: globex-importer, token: %s}]}
admin: {tokens: [{name: ops, token: %s}]}
`, filepath.Join(dir, "cdrhub.db"), acme.NativeToken,
		acme.TencentSdkAppID, fast, acme.TencentSecretID, acme.TencentSecretKey,
		acme.AliyunInstance, fast, acme.AliyunAccessKeyID, acme.AliyunSecret,
		acme.IMSdkAppID, acme.IMIdentifier, acme.IMKey, fast,
		acme.IMSdkAppID, acme.IMIdentifier, acme.IMKey, fast,
		acme.LaafficKey, acme.LaafficSecret, fast, globexToken, adminToken)
	cfg = filepath.Join(dir, "cdrhub.yaml")
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg, acme, globexToken
}

// One tenant's valid credentials and the long inputs of internal/hostile,
// twenty at a time, through every API: each is refused with its API's
// parameter error, nothing is logged as an internal error, and another
// tenant is served all along.
func TestHostileInputs(t *testing.T) {
	dir := t.TempDir()
	cfg, acme, globexToken := hostileTarget(t, dir)
	p := start(t, "--config", cfg, "--listen", "127.0.0.1:0")
	acme.Base = "http://" + p.addr
	globex := func() error {
		req, _ := http.NewRequest("GET", acme.Base+"/api/v1/records?limit=1", nil)
		req.Header.Set("Authorization", "Bearer "+globexToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("globex: HTTP %d", resp.StatusCode)
		}
		return nil
	}
	seed, _ := http.NewRequest("POST", acme.Base+"/api/v1/records", strings.NewReader(ndjson(50, "acme")))
	seed.Header.Set("Authorization", "Bearer "+acme.NativeToken)
	if resp, err := http.DefaultClient.Do(seed); err != nil || resp.StatusCode != 200 {
		t.Fatalf("seed: %v %v", resp, err)
	}

	cases := hostile.Cases()
	const concurrency, rounds = 20, 2
	work := make(chan hostile.Case)
	var wg sync.WaitGroup
	var mu sync.Mutex
	failures := map[string]string{}
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range work {
				req, err := c.Build(acme, time.Now())
				if err != nil {
					t.Error(err)
					continue
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					mu.Lock()
					failures[c.Name] = err.Error()
					mu.Unlock()
					continue
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err := c.Check(resp.StatusCode, body); err != nil {
					mu.Lock()
					failures[c.Name] = err.Error()
					mu.Unlock()
				}
			}
		}()
	}
	served := make(chan error, 1)
	stop := make(chan struct{})
	go func() {
		n := 0
		for {
			select {
			case <-stop:
				if n == 0 {
					served <- fmt.Errorf("globex was never asked")
					return
				}
				served <- nil
				return
			default:
			}
			if err := globex(); err != nil {
				served <- err
				return
			}
			n++
		}
	}()
	for range rounds {
		for _, c := range cases {
			work <- c
		}
	}
	close(work)
	wg.Wait()
	close(stop)
	if err := <-served; err != nil {
		t.Errorf("another tenant while the long inputs ran: %v", err)
	}
	for name, f := range failures {
		t.Errorf("%s: %s", name, f)
	}
	if err := globex(); err != nil {
		t.Errorf("after: %v", err)
	}
	if log := p.stderr.String(); strings.Contains(log, "level=ERROR") {
		t.Errorf("errors logged:\n%s", grepLines(log, "level=ERROR"))
	}
}

func grepLines(s, sub string) string {
	var out []string
	for l := range strings.SplitSeq(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// Every request's access log line names the tenant acted for and the
// credential by its public name, for every API; a request whose credential
// was not verified names neither; no secret is ever logged.
func TestAccessLogNamesWho(t *testing.T) {
	dir := t.TempDir()
	cfg, acme, globexToken := hostileTarget(t, dir)
	p := start(t, "--config", cfg, "--listen", "127.0.0.1:0", "--log-format", "json")
	acme.Base = "http://" + p.addr
	send := func(req *http.Request) {
		t.Helper()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	// Verified: each API's hostile requests are refused after the
	// credential is checked.
	for _, c := range hostile.Cases() {
		req, err := c.Build(acme, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		send(req)
	}
	admin, _ := http.NewRequest("GET", acme.Base+"/api/v1/records?tenant=globex", nil)
	admin.Header.Set("Authorization", "Bearer "+adminToken)
	send(admin)
	// Not verified: the same requests with every secret wrong.
	wrong := acme
	wrong.NativeToken, wrong.TencentSecretKey, wrong.AliyunSecret = "wrong-native", "wrong-tc", "wrong-ali"
	wrong.IMKey, wrong.LaafficSecret = "wrong-im", "wrong-laaffic"
	for _, c := range hostile.Cases() {
		req, err := c.Build(wrong, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		send(req)
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	<-p.done

	principal := map[string]string{
		"tencent_ccc": acme.TencentSecretID, "aliyun_ccc": acme.AliyunAccessKeyID, "laaffic": acme.LaafficKey,
		"trtc_callkit": fmt.Sprintf("%s@%d", acme.IMIdentifier, acme.IMSdkAppID),
		"tencent_desk": fmt.Sprintf("%s@%d", acme.IMIdentifier, acme.IMSdkAppID),
		"native":       "acme-importer",
	}
	verified, unverified := map[string]int{}, map[string]int{}
	logs := p.stderr.String()
	for line := range strings.SplitSeq(logs, "\n") {
		var l struct {
			Msg, API, Tenant, Principal string
			Status                      int
		}
		if json.Unmarshal([]byte(line), &l) != nil || l.Msg != "request" || l.API == "none" {
			continue
		}
		want, ok := principal[l.API]
		if !ok {
			t.Errorf("a request of api %q: %s", l.API, line)
			continue
		}
		switch {
		case l.Principal == "":
			if l.Tenant != "" {
				t.Errorf("tenant without a principal: %s", line)
			}
			unverified[l.API]++
		case l.Principal == "admin:ops":
			if l.Tenant != "globex" {
				t.Errorf("admin token acting for globex: %s", line)
			}
		case l.Principal != want || l.Tenant != "acme":
			t.Errorf("%s: tenant %q principal %q, want acme %q", l.API, l.Tenant, l.Principal, want)
		default:
			verified[l.API]++
		}
	}
	for api := range principal {
		if verified[api] == 0 || unverified[api] == 0 {
			t.Errorf("%s: %d lines naming the principal, %d naming none; want both", api, verified[api], unverified[api])
		}
	}
	if !strings.Contains(logs, `"principal":"admin:ops"`) {
		t.Error("no line names the admin token")
	}
	for _, secret := range []string{acme.NativeToken, globexToken, adminToken, acme.TencentSecretKey, acme.AliyunSecret,
		acme.IMKey, acme.LaafficSecret, "wrong-native", "wrong-tc", "wrong-ali", "wrong-im", "wrong-laaffic"} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log holds the secret %q", secret)
		}
	}
}
