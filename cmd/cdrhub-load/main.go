// Command cdrhub-load measures a running cdrhub end to end: ingest through
// POST /api/v1/records (NDJSON), page latency through GET /api/v1/records,
// and the export command's speed and peak memory. It builds and starts the
// cdrhub binary itself, on loopback, and stops it when done.
//
//	go run ./cmd/cdrhub-load -records 1000000 -dir /tmp/cdrload
//
// With -postgres DSN the server stores into that PostgreSQL database
// instead of SQLite; its records table is dropped first unless
// -skip-ingest.
//
// With -hostile N it sends, after the ingest, N rounds of the hostile
// requests of internal/hostile (filters of millions of digits, lists of
// thousands, through every API) from 20 clients, while another tenant
// queries, and reports the server's resident memory before and at its peak
// across them:
//
//	go run ./cmd/cdrhub-load -records 3000 -hostile 5
//
// The figures go to docs/benchmarks.md.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	lfauth "github.com/cdrhub/cdrhub/internal/auth/laaffic"
	"github.com/cdrhub/cdrhub/internal/auth/pop"
	"github.com/cdrhub/cdrhub/internal/auth/tc3"
	"github.com/cdrhub/cdrhub/internal/auth/usersig"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/demo"
	"github.com/cdrhub/cdrhub/internal/hostile"
	"github.com/jackc/pgx/v5"
	"github.com/parquet-go/parquet-go"
)

const (
	tenant    = "bench"
	token     = "load-test-token"
	batch     = 5000
	sdkAppID  = 1400000000
	secretID  = "AKIDloadTEST"
	secretKey = "load-test-secret-key"
	imAppID   = 1400000001
	imKey     = "load-test-im-key"
	lfKey     = "loadKey1"
	lfSecret  = "load-test-laaffic-secret"
	aliKey    = "LTAIloadTEST"
	aliSecret = "load-test-aliyun-secret"
	aliInst   = "ccc-load"
	// otherToken is the native token of a second tenant, which queries
	// while the hostile requests run.
	otherToken = "load-test-other-token"
)

func main() {
	records := flag.Int("records", 100_000, "records to ingest")
	dir := flag.String("dir", "", "working directory (default: a new temporary one)")
	bin := flag.String("bin", "", "cdrhub binary (default: built from this module)")
	skipIngest := flag.Bool("skip-ingest", false, "reuse the database in -dir")
	queries := flag.Int("queries", 200, "requests per query kind")
	clients := flag.Int("clients", 1, "concurrent ingest clients")
	pg := flag.String("postgres", "", "PostgreSQL `DSN` to store into instead of SQLite (its records table is dropped first)")
	exportsOnly := flag.Bool("exports-only", false, "measure only the exports (with -skip-ingest)")
	consoleOnly := flag.Bool("console-only", false, "measure only the console's pages (with -skip-ingest)")
	hostileRounds := flag.Int("hostile", 0, "after the ingest, send `N` rounds of hostile requests and report the server's memory (instead of the query and export measures)")
	flag.Parse()
	if err := run(*records, *dir, *bin, *skipIngest, *queries, *clients, *pg, *hostileRounds, *exportsOnly, *consoleOnly); err != nil {
		log.Fatal(err)
	}
}

func run(records int, dir, bin string, skipIngest bool, queries, clients int, pg string, hostileRounds int, exportsOnly, consoleOnly bool) error {
	if dir == "" {
		d, err := os.MkdirTemp("", "cdrhub-load")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	if bin == "" {
		bin = filepath.Join(dir, "cdrhub")
		if out, err := exec.Command("go", "build", "-o", bin, "./cmd/cdrhub").CombinedOutput(); err != nil {
			return fmt.Errorf("go build: %v\n%s", err, out)
		}
	}
	cfg := filepath.Join(dir, "cdrhub.yaml")
	db := filepath.Join(dir, "load.db")
	if !skipIngest {
		for _, f := range []string{db, db + "-wal", db + "-shm"} {
			os.Remove(f)
		}
	}
	storage := fmt.Sprintf("{driver: sqlite, path: %q}", db)
	if pg != "" {
		storage = fmt.Sprintf("{driver: postgres, dsn: %q}", pg)
		if !skipIngest {
			if err := dropRecords(pg); err != nil {
				return err
			}
		}
	}
	// The tenant's zone is the one statsQueries asks in, as a contact
	// center's supervisors would.
	conf := fmt.Sprintf("storage: %s\ntenants:\n  - id: %s\n    timezone: Asia/Shanghai\n    native: {tokens: [{name: load, token: %s}]}\n"+
		"    tencent_ccc: {sdk_app_id: %d, rate_limit: {rps: 1000000, burst: 1000000}, credentials: [{secret_id: %s, secret_key: %s}]}\n"+
		"    trtc_callkit: {sdk_app_id: %d, admin_identifiers: [administrator], secret_key: %s, rate_limit: {rps: 1000000, burst: 1000000}}\n"+
		"    tencent_desk: {sdk_app_id: %d, admin_identifiers: [administrator], secret_key: %s, rate_limit: {rps: 1000000, burst: 1000000}}\n"+
		"    laaffic: {api_key: %s, api_secret: %s, rate_limit: {rps: 1000000, burst: 1000000}}\n"+
		"    aliyun_ccc: {instance_id: %s, rate_limit: {rps: 1000000, burst: 1000000}, credentials: [{access_key_id: %s, access_key_secret: %s}]}\n"+
		"  - id: other\n    native: {tokens: [{name: other, token: %s}]}\n",
		storage, tenant, token, sdkAppID, secretID, secretKey, imAppID, imKey, imAppID, imKey, lfKey, lfSecret,
		aliInst, aliKey, aliSecret, otherToken)
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		return err
	}
	srv, err := startServer(bin, cfg)
	if err != nil {
		return err
	}
	defer srv.stop()
	fmt.Printf("| measure | figure |\n|---|---|\n")
	if !skipIngest {
		rate, err := ingest(srv.base, records, clients)
		if err != nil {
			return err
		}
		fmt.Printf("| ingest, POST /api/v1/records NDJSON, %d records in batches of %d, %d client(s) | %.0f records/s |\n", records, batch, clients, rate)
	}
	if hostileRounds > 0 {
		return hostileLoad(srv, hostileRounds)
	}
	if consoleOnly {
		return consolePages(srv.base, queries)
	}
	if !exportsOnly {
		if err := consolePages(srv.base, queries); err != nil {
			return err
		}
		if err := pages(srv.base, queries); err != nil {
			return err
		}
		if err := vendorLists(srv.base, queries*5); err != nil {
			return err
		}
		if err := statsQueries(srv.base, queries); err != nil {
			return err
		}
		if err := laafficQuery(srv.base, queries*5); err != nil {
			return err
		}
	}
	for _, format := range []string{"ndjson", "csv", "parquet"} {
		if err := httpExport(srv, format, false); err != nil {
			return err
		}
	}
	if err := httpExport(srv, "ndjson", true); err != nil {
		return err
	}
	srv.stop()
	for _, format := range []string{"ndjson", "csv", "parquet"} {
		n, d, rss, size, err := export(bin, cfg, dir, format)
		if err != nil {
			return err
		}
		fmt.Printf("| export %s, %d records | %.0f records/s, %.0f MB, peak RSS %.0f MB |\n", format, n, float64(n)/d.Seconds(),
			float64(size)/(1<<20), float64(rss)/(1<<20))
	}
	return nil
}

// dropRecords empties the PostgreSQL database of dsn for a fresh ingest.
func dropRecords(dsn string) error {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "DROP TABLE IF EXISTS records, schema_migrations")
	return err
}

type server struct {
	cmd  *exec.Cmd
	base string
}

var listenRE = regexp.MustCompile(`msg=listening addr=(\S+)`)

func startServer(bin, cfg string) (*server, error) {
	cmd := exec.Command(bin, "serve", "--config", cfg, "--listen", "127.0.0.1:0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr) // drained to the end: the access log goes here
		for sc.Scan() {
			if m := listenRE.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	select {
	case a := <-addr:
		return &server{cmd: cmd, base: "http://" + a}, nil
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		return nil, errors.New("cdrhub did not start")
	}
}

func (s *server) stop() {
	if s.cmd.ProcessState != nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	s.cmd.Wait()
}

func request(method, u string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequestWithContext(context.Background(), method, u, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/x-ndjson")
	return http.DefaultClient.Do(req)
}

// ingest posts the records in NDJSON batches from clients goroutines. The
// bodies are encoded before the clock starts; the rate is records over the
// wall time of the posting.
func ingest(base string, records, clients int) (float64, error) {
	var bodies [][]byte
	for i := 0; i*batch < records; i++ {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		for _, r := range demo.Batch(tenant, i, min(batch, records-i*batch)) {
			enc.Encode(r)
		}
		bodies = append(bodies, buf.Bytes())
	}
	next := make(chan int, len(bodies))
	for i := range bodies {
		next <- i
	}
	close(next)
	errs := make(chan error, clients)
	start := time.Now()
	for range clients {
		go func() {
			for i := range next {
				resp, err := request("POST", base+"/api/v1/records", bytes.NewReader(bodies[i]))
				if err != nil {
					errs <- err
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || !bytes.Contains(b, []byte(`"rejected":0`)) {
					errs <- fmt.Errorf("batch %d: %d %s", i, resp.StatusCode, b)
					return
				}
			}
			errs <- nil
		}()
	}
	for range clients {
		if err := <-errs; err != nil {
			return 0, err
		}
	}
	return float64(records) / time.Since(start).Seconds(), nil
}

type listResponse struct {
	Records []struct {
		ID        string    `json:"id"`
		StartAt   int64     `json:"start_at"`
		Direction string    `json:"direction"`
		Caller    cdr.Party `json:"caller"`
		Callee    cdr.Party `json:"callee"`
	} `json:"records"`
	NextCursor string `json:"next_cursor"`
	Total      int    `json:"total"`
}

// get sends one list request. The time is until the last byte of the
// response has arrived, before it is decoded.
func get(base string, q url.Values) (listResponse, time.Duration, error) {
	var lr listResponse
	start := time.Now()
	resp, err := request("GET", base+"/api/v1/records?"+q.Encode(), nil)
	if err != nil {
		return lr, 0, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	if err == nil {
		err = json.Unmarshal(body, &lr)
	}
	if resp.StatusCode != 200 {
		return lr, d, fmt.Errorf("GET %s: %d", q.Encode(), resp.StatusCode)
	}
	return lr, d, err
}

// pages measures GET /api/v1/records latency for each query kind.
func pages(base string, n int) error {
	sample, _, err := get(base, url.Values{"limit": {"1000"}, "channel": {"voice"}})
	if err != nil || len(sample.Records) == 0 {
		return fmt.Errorf("sample: %v", err)
	}
	newest, oldest := sample.Records[0].StartAt, int64(0)
	asc, _, err := get(base, url.Values{"limit": {"1"}, "order": {"asc"}})
	if err != nil {
		return err
	}
	oldest = asc.Records[0].StartAt
	// A deep cursor: the page that starts half way through the time range.
	deep, _, err := get(base, url.Values{"limit": {"1"}, "to": {fmt.Sprint((oldest + newest) / 2)}})
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(3, 3))
	customer := func() string {
		for {
			r := sample.Records[rng.IntN(len(sample.Records))]
			d := r.Callee.Digits
			if r.Direction == "inbound" {
				d = r.Caller.Digits
			}
			if len(d) >= 11 && !strings.Contains(d, "*") {
				return d
			}
		}
	}
	const day = int64(24 * time.Hour / time.Millisecond)
	window := func() (string, string) {
		from := oldest + rng.Int64N(max(1, newest-oldest-30*day))
		return fmt.Sprint(from), fmt.Sprint(from + 30*day)
	}
	kinds := []struct {
		name string
		q    func() url.Values
	}{
		{"page of 100, newest first", func() url.Values { return url.Values{"limit": {"100"}} }},
		{"page of 100 at a deep cursor", func() url.Values {
			return url.Values{"limit": {"100"}, "to": {fmt.Sprint(deep.Records[0].StartAt + 1)}}
		}},
		{"page of 100, 30 days, voice inbound answered", func() url.Values {
			f, t := window()
			return url.Values{"limit": {"100"}, "from": {f}, "to": {t}, "channel": {"voice"}, "direction": {"inbound"}, "disposition": {"answered"}}
		}},
		{"phone number, exact", func() url.Values { return url.Values{"limit": {"100"}, "phone": {customer()}} }},
		{"phone substring (6 digits)", func() url.Values {
			d := customer()
			i := 2 + rng.IntN(len(d)-8)
			return url.Values{"limit": {"100"}, "phone_contains": {d[i : i+6]}}
		}},
		{"30-day count", func() url.Values {
			f, t := window()
			return url.Values{"limit": {"1"}, "from": {f}, "to": {t}, "count": {"true"}}
		}},
	}
	for _, k := range kinds {
		var times []time.Duration
		for range n {
			_, d, err := get(base, k.q())
			if err != nil {
				return fmt.Errorf("%s: %v", k.name, err)
			}
			times = append(times, d)
		}
		slices.Sort(times)
		fmt.Printf("| HTTP %s | p50 %.2f ms, p99 %.2f ms |\n", k.name, ms(times[len(times)/2]), ms(times[len(times)*99/100]))
	}
	return nil
}

// consolePages measures the console's pages (docs/console.md) signed in
// as the tenant's token: searches of 7 and 30 days (the ranges a
// supervisor picks), the missed-and-abandoned shortcut, a number search
// (whose aggregates are computed from the matching records), and
// interactions' pages; with each page's weight.
func consolePages(base string, n int) error {
	sample, _, err := get(base, url.Values{"limit": {"1000"}})
	if err != nil || len(sample.Records) == 0 {
		return fmt.Errorf("sample: %v", err)
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	resp, err := client.Get(base + "/console/sign-in")
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(body)
	if m == nil {
		return errors.New("console: no sign-in form")
	}
	resp, err = client.PostForm(base+"/console/sign-in", url.Values{"token": {token}, "csrf": {string(m[1])}})
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.Request.URL.Path != "/console/search" {
		return fmt.Errorf("console: sign-in ended at %s", resp.Request.URL)
	}
	// Windows end at the newest record's Shanghai midnight, as the quick
	// ranges do.
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	y, mo, d := time.UnixMilli(sample.Records[0].StartAt).In(shanghai).Date()
	end := time.Date(y, mo, d+1, 0, 0, 0, 0, shanghai)
	window := func(days int) url.Values {
		return url.Values{"from": {end.AddDate(0, 0, -days).Format(time.RFC3339)}, "to": {end.Format(time.RFC3339)}}
	}
	rng := rand.New(rand.NewPCG(5, 5))
	pick := func() int { return rng.IntN(len(sample.Records)) }
	kinds := []struct {
		name string
		path func() string
	}{
		{"search, 7 days", func() string { return "/console/search?" + window(7).Encode() }},
		{"search, 30 days", func() string { return "/console/search?" + window(30).Encode() }},
		{"search, 30 days, missed and abandoned", func() string {
			q := window(30)
			q.Set("direction", "inbound")
			q.Set("disposition", "abandoned,no_agent,no_answer,voicemail")
			return "/console/search?" + q.Encode()
		}},
		{"search, 30 days, part of a number (aggregates from records)", func() string {
			q := window(30)
			for {
				if dg := sample.Records[pick()].Caller.Digits; len(dg) >= 11 && !strings.Contains(dg, "*") {
					q.Set("phone_contains", dg[len(dg)-7:])
					break
				}
			}
			return "/console/search?" + q.Encode()
		}},
		{"interaction", func() string { return "/console/records/" + url.PathEscape(sample.Records[pick()].ID) }},
		{"dashboard, 7 days by hour", func() string {
			q := window(7)
			q.Set("interval", "1h")
			q.Set("sl_threshold", "20")
			return "/console/dashboard?" + q.Encode()
		}},
		{"dashboard, 90 days by day", func() string {
			q := window(90)
			q.Set("interval", "1d")
			q.Set("sl_threshold", "20")
			return "/console/dashboard?" + q.Encode()
		}},
	}
	for _, k := range kinds {
		var times []time.Duration
		var size int
		for range n {
			p := k.path()
			start := time.Now()
			resp, err := client.Get(base + p)
			if err != nil {
				return err
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			times = append(times, time.Since(start))
			if err != nil || resp.StatusCode != 200 || resp.Request.URL.Path != strings.SplitN(p, "?", 2)[0] {
				return fmt.Errorf("console %s: %d at %s: %v", k.name, resp.StatusCode, resp.Request.URL, err)
			}
			size = max(size, len(b))
		}
		slices.Sort(times)
		fmt.Printf("| console %s | p50 %.2f ms, p99 %.2f ms, largest page %.0f KB |\n", k.name, ms(times[len(times)/2]), ms(times[len(times)*99/100]), float64(size)/1024)
	}
	var static int
	for _, f := range []string{"console.css", "console.js", "icon.svg"} {
		resp, err := client.Get(base + "/console/static/" + f)
		if err != nil {
			return err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		static += len(b)
	}
	fmt.Printf("| console styles, script and icon | %.1f KB |\n", float64(static)/1024)
	return nil
}

// statsQueries measures GET /api/v1/stats in Asia/Shanghai over windows
// inside the ingested records (demo.Batch i covers the 89 days before
// 2026-01-01 + i days): 90 days by day and queue, a year by month, a day
// by 15 minutes, each from a Shanghai midnight as a supervisor would ask;
// and 90 days from a UTC midnight, whose partial first and last local days
// cost more (docs/analytics.md).
func statsQueries(base string, n int) error {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(11, 11))
	for _, k := range []struct {
		name          string
		days          int
		interval, grp string
		loc           *time.Location
	}{
		{"90 days by day and queue", 90, "1d", "queue", shanghai},
		{"a year by month", 365, "1mo", "", shanghai},
		{"24 hours by 15 minutes", 1, "15m", "", shanghai},
		{"90 days by day and queue, from a UTC midnight", 90, "1d", "queue", time.UTC},
	} {
		first := time.Date(2025, 10, 4, 0, 0, 0, 0, k.loc)
		var times []time.Duration
		for range n {
			from := first.AddDate(0, 0, rng.IntN(120))
			if k.days == 365 {
				from = first
			}
			q := url.Values{"from": {from.Format(time.RFC3339)}, "to": {from.AddDate(0, 0, k.days).Format(time.RFC3339)},
				"interval": {k.interval}, "tz": {"Asia/Shanghai"}}
			if k.grp != "" {
				q.Set("group_by", k.grp)
			}
			t0 := time.Now()
			resp, err := request("GET", base+"/api/v1/stats?"+q.Encode(), nil)
			if err != nil {
				return err
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			times = append(times, time.Since(t0))
			if resp.StatusCode != 200 || !bytes.Contains(b, []byte(`"offered":`)) {
				return fmt.Errorf("stats %s: %d %.300s", q.Encode(), resp.StatusCode, b)
			}
		}
		slices.Sort(times)
		fmt.Printf("| GET /api/v1/stats, %s, Asia/Shanghai, one client | p50 %.2f ms, p99 %.2f ms |\n",
			k.name, ms(times[len(times)/2]), ms(times[len(times)*99/100]))
	}
	return nil
}

// vendorList is one vendor API's list of records, as its SDK calls it.
type vendorList struct {
	name string
	// request returns the signed request of page (0–4) of 100 records over
	// [from, to) (Unix seconds).
	request func(from, to int64, page int) (*http.Request, error)
	// ok tells a success answer.
	ok func(body []byte) bool
}

// vendorLists measures a page of 100 over a random 30-day window through
// each vendor API, every request's signature verified by the server: the
// lists whose totals come from the rollups.
func vendorLists(base string, n int) error {
	u, err := url.Parse(base)
	if err != nil {
		return err
	}
	sig, err := usersig.Gen(imAppID, imKey, "administrator", time.Hour, time.Now())
	if err != nil {
		return err
	}
	imQuery := fmt.Sprintf("?sdkappid=%d&identifier=administrator&usersig=%s&random=1&contenttype=json", imAppID, url.QueryEscape(sig))
	post := func(path, body string) (*http.Request, error) {
		req, err := http.NewRequest("POST", base+path, strings.NewReader(body))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
		}
		return req, err
	}
	contains := func(s string) func([]byte) bool { return func(b []byte) bool { return bytes.Contains(b, []byte(s)) } }
	lists := []vendorList{
		{"Tencent CCC DescribeTelCdr, PageSize 100, TC3-signed", func(from, to int64, page int) (*http.Request, error) {
			body := fmt.Sprintf(`{"SdkAppId":%d,"StartTimeStamp":%d,"EndTimeStamp":%d,"PageSize":100,"PageNumber":%d}`, sdkAppID, from, to, page)
			req, err := post("/", body)
			if err != nil {
				return nil, err
			}
			req.Host = u.Host
			req.Header.Set("X-TC-Action", "DescribeTelCdr")
			req.Header.Set("X-TC-Version", "2020-02-10")
			return req, tc3.SignTC3(req, []byte(body), tc3.Credential{SecretID: secretID, SecretKey: secretKey}, "ccc", time.Now())
		}, contains(`"TelCdrList"`)},
		{"Alibaba CCC ListCallDetailRecords, PageSize 100, ACS3-signed", func(from, to int64, page int) (*http.Request, error) {
			q := url.Values{"InstanceId": {aliInst}, "StartTime": {fmt.Sprint(from * 1000)}, "EndTime": {fmt.Sprint(to*1000 - 1)},
				"PageSize": {"100"}, "PageNumber": {fmt.Sprint(page + 1)}}
			req, err := http.NewRequest("POST", base+"/?"+q.Encode(), nil)
			if err != nil {
				return nil, err
			}
			req.Header.Set("x-acs-action", "ListCallDetailRecords")
			req.Header.Set("x-acs-version", "2020-07-01")
			return req, pop.SignV3(req, nil, aliKey, aliSecret, time.Now(), "")
		}, contains(`"Code":"OK"`)},
		{"TUICallKit get_records_by_filter, numberPerPage 100, UserSig", func(from, to int64, page int) (*http.Request, error) {
			return post("/v1/records/get_records_by_filter"+imQuery, fmt.Sprintf(`{"startTimestamp":%d,"endTimestamp":%d,"numberPerPage":100}`, from, to))
		}, contains(`"errorCode":0`)},
		{"Desk describe_im_cdr_list, Limit 100, UserSig", func(from, to int64, page int) (*http.Request, error) {
			return post("/v4/desk_http_svc/describe_im_cdr_list"+imQuery, fmt.Sprintf(`{"StartTimestamp":%d,"EndTimestamp":%d,"Limit":100,"Offset":%d}`, from, to, page*100))
		}, contains(`"ErrorCode":0`)},
		{"laaffic ccRecordQuery, size 100, Sign verified", func(from, to int64, page int) (*http.Request, error) {
			body := fmt.Sprintf(`{"current":%d,"size":100,"params":{"strTime":%q,"endTime":%q}}`, page+1,
				time.Unix(from, 0).UTC().Format(time.RFC3339), time.Unix(to, 0).UTC().Format(time.RFC3339))
			req, err := post("/v3/voice/ccRecordQuery", body)
			if err != nil {
				return nil, err
			}
			req.Header.Set("Content-Type", "application/json;charset=utf-8")
			lfauth.SignRequest(req, lfKey, lfSecret, time.Now())
			return req, nil
		}, contains(`"status":"0"`)},
	}
	newest := time.Now().Unix()
	for i, l := range lists {
		rng := rand.New(rand.NewPCG(5, uint64(i)))
		var times []time.Duration
		start := time.Now()
		for range n {
			from := newest - 300*86400 + rng.Int64N(270*86400)
			t0 := time.Now()
			req, err := l.request(from, from+30*86400, rng.IntN(5))
			if err != nil {
				return err
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return err
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			times = append(times, time.Since(t0))
			if !l.ok(b) {
				return fmt.Errorf("%s: %s", l.name, b)
			}
		}
		rps := float64(n) / time.Since(start).Seconds()
		slices.Sort(times)
		fmt.Printf("| %s, 30-day window, one client | p50 %.2f ms, p99 %.2f ms, %.0f requests/s |\n",
			l.name, ms(times[len(times)/2]), ms(times[len(times)*99/100]), rps)
	}
	return nil
}

// laafficQuery measures a page of 100 through the laaffic query with a
// calledOrCaller substring (6 digits of a customer's number) over 30 days,
// each request's Sign verified by the server.
func laafficQuery(base string, n int) error {
	sample, _, err := get(base, url.Values{"limit": {"1000"}, "channel": {"voice"}, "direction": {"inbound"}})
	if err != nil {
		return err
	}
	var numbers []string
	for _, r := range sample.Records {
		if d := r.Caller.Digits; len(d) >= 11 && !strings.Contains(d, "*") {
			numbers = append(numbers, d)
		}
	}
	if len(numbers) == 0 {
		return errors.New("laaffic: no customer numbers sampled")
	}
	rng := rand.New(rand.NewPCG(9, 9))
	newest := time.Now().Unix()
	var times []time.Duration
	start := time.Now()
	for range n {
		d := numbers[rng.IntN(len(numbers))]
		i := 2 + rng.IntN(len(d)-8)
		from := time.Unix(newest-300*86400+rng.Int64N(270*86400), 0).UTC()
		body := fmt.Sprintf(`{"current":1,"size":100,"params":{"strTime":%q,"endTime":%q,"calledOrCaller":%q}}`,
			from.Format(time.RFC3339), from.Add(30*24*time.Hour).Format(time.RFC3339), d[i:i+6])
		req, _ := http.NewRequest("POST", base+"/v3/voice/ccRecordQuery", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json;charset=utf-8")
		lfauth.SignRequest(req, lfKey, lfSecret, time.Now())
		t0 := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		times = append(times, time.Since(t0))
		if !bytes.Contains(b, []byte(`"status":"0"`)) {
			return fmt.Errorf("laaffic: %s", b)
		}
	}
	rps := float64(n) / time.Since(start).Seconds()
	slices.Sort(times)
	fmt.Printf("| laaffic ccRecordQuery, size 100, 30 days, calledOrCaller (6 digits), Sign verified, one client | p50 %.2f ms, p99 %.2f ms, %.0f requests/s |\n",
		ms(times[len(times)/2]), ms(times[len(times)*99/100]), rps)
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// export runs cdrhub export and returns the records written, the time and
// the peak resident memory of the process, read from its VmHWM while it
// runs: the rusage of a child started by os/exec also counts this
// process's own memory (the child execs from a copy of it).
func export(bin, cfg, dir, format string) (n int, d time.Duration, rss int64, size int64, err error) {
	out := filepath.Join(dir, "export."+format)
	cmd := exec.Command(bin, "export", "--config", cfg, "--tenant", tenant, "--format", format, "--output", out)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, 0, 0, err
	}
	var peak atomic.Int64
	done := make(chan struct{})
	go func() {
		status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
		for {
			if kb := procKB(status, "VmHWM:"); kb > peak.Load() {
				peak.Store(kb)
			}
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	err = cmd.Wait()
	close(done)
	if err != nil {
		return 0, 0, 0, 0, fmt.Errorf("export: %v: %s", err, stderr.String())
	}
	d = time.Since(start)
	defer os.Remove(out)
	fi, err := os.Stat(out)
	if err != nil {
		return 0, 0, 0, 0, err
	}
	if format == "parquet" {
		f, err := os.Open(out)
		if err != nil {
			return 0, 0, 0, 0, err
		}
		defer f.Close()
		pf, err := parquet.OpenFile(f, fi.Size())
		if err != nil {
			return 0, 0, 0, 0, err
		}
		return int(pf.NumRows()), d, peak.Load() * 1024, fi.Size(), nil
	}
	f, err := os.Open(out)
	if err != nil {
		return 0, 0, 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	for sc.Scan() {
		n++
	}
	if format == "csv" {
		n-- // header
	}
	return n, d, peak.Load() * 1024, fi.Size(), sc.Err()
}

// httpExport measures GET /api/v1/export of every record in format: the
// records per second as the client receives them, and how much the
// server's peak resident memory (VmHWM, reset first through
// /proc/PID/clear_refs where the kernel allows) grew over its memory
// before.
func httpExport(srv *server, format string, gz bool) error {
	status := fmt.Sprintf("/proc/%d/status", srv.cmd.Process.Pid)
	os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", srv.cmd.Process.Pid), []byte("5"), 0)
	before := procKB(status, "VmRSS:")
	// The server maps the database (mmap_size): its resident pages of the
	// file count in VmRSS; RssAnon is its own memory, sampled.
	anonBefore := procKB(status, "RssAnon:")
	var anonPeak atomic.Int64
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			if kb := procKB(status, "RssAnon:"); kb > anonPeak.Load() {
				anonPeak.Store(kb)
			}
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	start := time.Now()
	req, err := http.NewRequest("GET", srv.base+"/api/v1/export?format="+format, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	enc := "identity"
	if gz {
		enc = "gzip" // set by hand: the transport leaves the body compressed
	}
	req.Header.Set("Accept-Encoding", enc)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("export %s: %d %.300s", format, resp.StatusCode, b)
	}
	n, _ := strconv.Atoi(resp.Header.Get("X-Total-Count"))
	size, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		return fmt.Errorf("export %s: %w", format, err)
	}
	d := time.Since(start)
	peak := procKB(status, "VmHWM:")
	fmt.Printf("| GET /api/v1/export format=%s, Accept-Encoding %s, %d records | %.0f records/s, %.0f MB, server peak RSS +%.0f MB (%.0f MB before), anonymous memory +%.0f MB |\n",
		format, enc, n, float64(n)/d.Seconds(), float64(size)/(1<<20), float64(peak-before)/1024, float64(before)/1024,
		float64(max(0, anonPeak.Load()-anonBefore))/1024)
	return nil
}

// hostileLoad sends rounds of every hostile request from 20 clients while
// the other tenant queries without pause, checks every answer, and prints
// the server's resident memory before and at its peak (VmHWM, reset first
// through /proc/PID/clear_refs where the kernel allows).
func hostileLoad(srv *server, rounds int) error {
	pid := srv.cmd.Process.Pid
	status := fmt.Sprintf("/proc/%d/status", pid)
	os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0) // peak := current
	before := procKB(status, "VmRSS:")
	target := hostile.Target{Base: srv.base, NativeToken: token,
		TencentSecretID: secretID, TencentSecretKey: secretKey, TencentSdkAppID: sdkAppID,
		AliyunAccessKeyID: aliKey, AliyunSecret: aliSecret, AliyunInstance: aliInst,
		IMSdkAppID: imAppID, IMKey: imKey, IMIdentifier: "administrator",
		LaafficKey: lfKey, LaafficSecret: lfSecret}
	cases := hostile.Cases()
	work := make(chan hostile.Case)
	var mu sync.Mutex
	var firstErr error
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
	}
	var sent, other atomic.Int64
	var peak atomic.Int64
	stop := make(chan struct{})
	otherDone := make(chan struct{})
	go func() { // the other tenant, and the sampler of VmRSS
		defer close(otherDone)
		for {
			select {
			case <-stop:
				return
			default:
			}
			req, _ := http.NewRequest("GET", srv.base+"/api/v1/records?limit=10", nil)
			req.Header.Set("Authorization", "Bearer "+otherToken)
			resp, err := http.DefaultClient.Do(req)
			if err != nil || resp.StatusCode != 200 {
				fail(fmt.Errorf("the other tenant: %v %v", resp, err))
				return
			}
			resp.Body.Close()
			other.Add(1)
			if kb := procKB(status, "VmRSS:"); kb > peak.Load() {
				peak.Store(kb)
			}
		}
	}()
	start := time.Now()
	done := make(chan struct{})
	for range 20 {
		go func() {
			defer func() { done <- struct{}{} }()
			for c := range work {
				req, err := c.Build(target, time.Now())
				if err != nil {
					fail(err)
					continue
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					fail(fmt.Errorf("%s: %v", c.Name, err))
					continue
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err := c.Check(resp.StatusCode, body); err != nil {
					fail(fmt.Errorf("%s: %v", c.Name, err))
				}
				sent.Add(1)
			}
		}()
	}
	for range rounds {
		for _, c := range cases {
			work <- c
		}
	}
	close(work)
	for range 20 {
		<-done
	}
	elapsed := time.Since(start)
	close(stop)
	<-otherDone
	if firstErr != nil {
		return firstErr
	}
	hwm := max(procKB(status, "VmHWM:"), peak.Load())
	fmt.Printf("| hostile requests, %d kinds × %d rounds, 20 clients | %d in %.1f s, every one refused with its API's parameter error |\n",
		len(cases), rounds, sent.Load(), elapsed.Seconds())
	fmt.Printf("| another tenant's GET /api/v1/records meanwhile | %d answered, all 200 |\n", other.Load())
	fmt.Printf("| server RSS before, peak across them | %.0f MB, %.0f MB (growth %.0f MB) |\n",
		float64(before)/1024, float64(hwm)/1024, float64(hwm-before)/1024)
	return nil
}

// procKB returns a kB field of a /proc/PID/status file, or 0.
func procKB(status, field string) int64 {
	b, err := os.ReadFile(status)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field); ok {
			var kb int64
			fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(v), " kB"), &kb)
			return kb
		}
	}
	return 0
}
