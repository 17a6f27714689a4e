// Package aliyunccc is the sync engine's client of Alibaba Cloud Contact
// Center's record query, ListCallDetailRecords (POP RPC style, version
// 2020-07-01, product ccc), for one tenant's AccessKey: Count and Page of
// a half-open window, signed with ACS3-HMAC-SHA256 (internal/auth/pop) as
// darabonba-openapi v2 signs, every failure an *Error of a Kind the engine
// acts on. See README.md.
package aliyunccc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cdrhub/cdrhub/internal/auth/pop"
	"github.com/cdrhub/cdrhub/internal/ingest/vendorhttp"
)

// The protocol's constants.
const (
	Action  = "ListCallDetailRecords"
	Version = "2020-07-01"
	// PageSize is the size of every page Page asks for, the API's largest.
	PageSize = 100
	// MaxPages is how many pages of a window the API serves: PageNumber
	// runs from 1 to 100.
	MaxPages = 100
	// MaxWindowRecords is the most records a window can hold and still be
	// read whole (MaxPages pages of PageSize): the engine's
	// max_window_records must not exceed it.
	MaxWindowRecords = MaxPages * PageSize
	// MaxWindow bounds a window: neither the API nor cdrhub's server
	// states a longest range, so the client keeps Tencent's 90 days; a
	// window [from, to) is refused from 90 days on.
	MaxWindow = 90 * 24 * time.Hour
	// MaxBody is the most of a response body read; a page of 100 records
	// takes a few hundred kB.
	MaxBody = 8 << 20
	// DefaultTimeout bounds one request, connection to last byte.
	DefaultTimeout = 30 * time.Second
)

// Config is one tenant's access to ListCallDetailRecords.
type Config struct {
	// Endpoint is the base URL with its scheme (https:// or http://) and
	// no path; https://ccc.<Region>.aliyuncs.com when empty.
	Endpoint string
	// Region names the default endpoint; required when Endpoint is empty,
	// not sent.
	Region string
	// AccessKeyID and AccessKeySecret are the tenant's AccessKey.
	AccessKeyID, AccessKeySecret string
	// InstanceID is the CCC instance whose records are listed.
	InstanceID string
	// CAFile is a PEM file of certificates trusted besides the system's.
	CAFile string
	// Timeout bounds each request; DefaultTimeout when zero.
	Timeout time.Duration
	// HTTPClient replaces the client New builds (a transport with the
	// proxy of the environment, HTTPS_PROXY and NO_PROXY, and CAFile);
	// Timeout still bounds each request. For tests.
	HTTPClient *http.Client
	// Now is the clock of the signatures and of Page.FetchedAt; time.Now
	// when nil.
	Now func() time.Time
}

// Client queries one tenant's records. It is safe for concurrent use.
type Client struct {
	url      string
	id       string
	secret   string
	instance string
	timeout  time.Duration
	http     *http.Client
	now      func() time.Time
}

// DefaultEndpoint is the endpoint of a region.
func DefaultEndpoint(region string) string { return "https://ccc." + region + ".aliyuncs.com" }

// New checks cfg and returns its client. Nothing is sent.
func New(cfg Config) (*Client, error) {
	if cfg.Endpoint == "" {
		if !validRegion(cfg.Region) {
			return nil, fmt.Errorf("aliyunccc: region %q: a region such as cn-shanghai is required without an endpoint", cfg.Region)
		}
		cfg.Endpoint = DefaultEndpoint(cfg.Region)
	}
	base, err := vendorhttp.BaseURL("aliyunccc", cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	switch {
	case cfg.AccessKeyID == "" || cfg.AccessKeySecret == "":
		return nil, errors.New("aliyunccc: AccessKeyId and AccessKeySecret are required")
	case cfg.InstanceID == "":
		return nil, errors.New("aliyunccc: InstanceId is required")
	case cfg.Timeout < 0:
		return nil, errors.New("aliyunccc: the timeout must not be negative")
	}
	c := &Client{url: base + "/", id: cfg.AccessKeyID, secret: cfg.AccessKeySecret, instance: cfg.InstanceID,
		timeout: cfg.Timeout, http: cfg.HTTPClient, now: cfg.Now}
	if c.timeout == 0 {
		c.timeout = DefaultTimeout
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.http == nil {
		if c.http, err = vendorhttp.NewClient("aliyunccc", cfg.CAFile, c.timeout); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// validRegion reports whether region is a region id: lower-case letters,
// digits and dashes.
func validRegion(region string) bool {
	if region == "" {
		return false
	}
	for _, c := range region {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// Page is one page of a window's records.
type Page struct {
	// TotalCount is the number of records in the window, on page 0 only
	// (PageNumber 1); the API answers 0 on later pages.
	TotalCount int
	// Records are the page's CallDetailRecord objects (Data.List), byte
	// for byte as served.
	Records []json.RawMessage
	// RequestID is the vendor's RequestId of the answer.
	RequestID string
	// FetchedAt is when the answer arrived (Config.Now).
	FetchedAt time.Time
}

// Count returns the number of records in the window [from, to): one
// request for page 1 of one record, whose TotalCount it returns.
func (c *Client) Count(ctx context.Context, from, to time.Time) (int, error) {
	p, err := c.fetch(ctx, from, to, 1, 1)
	if err != nil {
		return 0, err
	}
	return p.TotalCount, nil
}

// Page returns page n (from 0, PageNumber n+1) of PageSize records of the
// window [from, to), oldest first. n must be under MaxPages: the API
// serves no page past 100, so a window of more than MaxWindowRecords
// records cannot be read whole.
func (c *Client) Page(ctx context.Context, from, to time.Time, n int) (Page, error) {
	if n < 0 || n >= MaxPages {
		return Page{}, invalidRequest(fmt.Sprintf("page %d: the page number must be 0 to %d", n, MaxPages-1))
	}
	return c.fetch(ctx, from, to, PageSize, n+1)
}

// PageCount is the number of pages of a window of total records.
func PageCount(total int) int { return (total + PageSize - 1) / PageSize }

// Window returns the StartTime and EndTime of the window [from, to): Unix
// milliseconds, both inclusive (as cdrhub serves them), so the end is
// to − 1 ms. The bounds must be whole milliseconds, from 2000-01-01, with
// from before to and to − from under MaxWindow; otherwise the error is an
// *Error of Kind Invalid wrapping ErrWindow.
func Window(from, to time.Time) (start, end int64, err error) {
	if fault := vendorhttp.WindowFault(from, to, time.Millisecond, false); fault != "" {
		return 0, 0, windowError(fault)
	}
	if to.Sub(from) >= MaxWindow {
		return 0, 0, windowError("it must be shorter than 90 days")
	}
	return from.UnixMilli(), to.UnixMilli() - 1, nil
}

// query returns the request's parameters: only those the client sets.
func (c *Client) query(start, end int64, size, number int) url.Values {
	return url.Values{
		"InstanceId": {c.instance},
		"StartTime":  {strconv.FormatInt(start, 10)},
		"EndTime":    {strconv.FormatInt(end, 10)},
		"SortOrder":  {"ASC"},
		"PageSize":   {strconv.Itoa(size)},
		"PageNumber": {strconv.Itoa(number)},
	}
}

// request builds the signed, bodiless POST of one page, as the SDK sends
// it: the parameters in the query, a fresh nonce.
func (c *Client) request(ctx context.Context, q url.Values) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url+"?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "cdrhub-sync")
	req.Header.Set("x-acs-action", Action)
	req.Header.Set("x-acs-version", Version)
	if err := pop.SignV3(req, nil, c.id, c.secret, c.now(), ""); err != nil {
		return nil, err
	}
	return req, nil
}

func (c *Client) fetch(ctx context.Context, from, to time.Time, size, number int) (Page, error) {
	start, end, err := Window(from, to)
	if err != nil {
		return Page{}, err
	}
	rctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := c.request(rctx, c.query(start, end, size, number))
	if err != nil {
		return Page{}, &Error{Kind: Invalid, Message: "the request cannot be built", Err: err}
	}
	a, err := vendorhttp.Do(ctx, c.http, req, MaxBody, c.now)
	if err != nil {
		return Page{}, fromFailure(err)
	}
	p, err := decode(a.Status, a.Body, size, number)
	if err != nil {
		if e, ok := errors.AsType[*Error](err); ok {
			e.TimeLeft = retryAfter(a.Header)
		}
		return Page{}, err
	}
	p.FetchedAt = a.At
	return p, nil
}

// maxRetryAfter bounds a TimeLeft believed: a day.
const maxRetryAfter = 24 * time.Hour

// retryAfter is the longest TimeLeft (milliseconds) of the answer's
// x-ratelimit-user-api and x-ratelimit-user headers
// ("Limit:1,Remain:0,TimeLeft:2000,Reset:1234"), as darabonba reads them;
// 0 when neither carries one.
func retryAfter(h http.Header) time.Duration {
	var best int64
	for _, name := range []string{"x-ratelimit-user-api", "x-ratelimit-user"} {
		for pair := range strings.SplitSeq(h.Get(name), ",") {
			k, v, ok := strings.Cut(strings.TrimSpace(pair), ":")
			if !ok || k != "TimeLeft" {
				continue
			}
			if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && n > best && n <= maxRetryAfter.Milliseconds() {
				best = n
			}
		}
	}
	return time.Duration(best) * time.Millisecond
}
