// Package tencentccc is the sync engine's client of Tencent Cloud Contact
// Center's record query, DescribeTelCdr (API 3.0, version 2020-02-10,
// service ccc), for one tenant's credentials: Count and Page of a closed
// window, signed with TC3-HMAC-SHA256 (internal/auth/tc3), every failure
// an *Error of a Kind the engine acts on. See README.md.
package tencentccc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/cdrhub/cdrhub/internal/auth/tc3"
	"github.com/cdrhub/cdrhub/internal/ingest/vendorhttp"
)

// The protocol's constants.
const (
	DefaultEndpoint = "https://ccc.tencentcloudapi.com"
	Action          = "DescribeTelCdr"
	Version         = "2020-02-10"
	Service         = "ccc"
	// PageSize is the size of every page Page asks for, the API's largest.
	PageSize = 100
	// MaxWindow bounds a window: the API takes EndTimeStamp − StartTimeStamp
	// under 90 days; a window [from, to) is refused from 90 days on.
	MaxWindow = 90 * 24 * time.Hour
	// MaxBody is the most of a response body read; a page of 100 records
	// takes a few hundred kB.
	MaxBody = 8 << 20
	// DefaultTimeout bounds one request, connection to last byte.
	DefaultTimeout = 30 * time.Second
)

// Config is one tenant's access to DescribeTelCdr.
type Config struct {
	// Endpoint is the base URL with its scheme (https:// or http://) and
	// no path; DefaultEndpoint when empty.
	Endpoint string
	// Region is sent as X-TC-Region when set; DescribeTelCdr needs none.
	Region              string
	SecretID, SecretKey string
	SdkAppID            int64
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
	url     string
	region  string
	cred    tc3.Credential
	app     int64
	timeout time.Duration
	http    *http.Client
	now     func() time.Time
}

// New checks cfg and returns its client. Nothing is sent.
func New(cfg Config) (*Client, error) {
	if cfg.Endpoint == "" {
		cfg.Endpoint = DefaultEndpoint
	}
	base, err := vendorhttp.BaseURL("tencentccc", cfg.Endpoint)
	switch {
	case err != nil:
		return nil, err
	case cfg.SecretID == "" || cfg.SecretKey == "":
		return nil, errors.New("tencentccc: SecretId and SecretKey are required")
	case cfg.SdkAppID <= 0:
		return nil, errors.New("tencentccc: SdkAppId is required")
	case cfg.Timeout < 0:
		return nil, errors.New("tencentccc: the timeout must not be negative")
	}
	c := &Client{
		url:     base + "/",
		region:  cfg.Region,
		cred:    tc3.Credential{SecretID: cfg.SecretID, SecretKey: cfg.SecretKey},
		app:     cfg.SdkAppID,
		timeout: cfg.Timeout,
		http:    cfg.HTTPClient,
		now:     cfg.Now,
	}
	if c.timeout == 0 {
		c.timeout = DefaultTimeout
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.http == nil {
		if c.http, err = vendorhttp.NewClient("tencentccc", cfg.CAFile, c.timeout); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Page is one page of a window's records.
type Page struct {
	// TotalCount is the number of records in the window, on every page.
	TotalCount int
	// Records are the page's TelCdrInfo objects, byte for byte as served.
	Records []json.RawMessage
	// RequestID is the vendor's RequestId of the answer.
	RequestID string
	// FetchedAt is when the answer arrived (Config.Now).
	FetchedAt time.Time
}

// Count returns the number of records in the window [from, to): one
// request for a page of one record.
func (c *Client) Count(ctx context.Context, from, to time.Time) (int, error) {
	p, err := c.fetch(ctx, from, to, 1, 0)
	if err != nil {
		return 0, err
	}
	return p.TotalCount, nil
}

// Page returns page pageNumber (from 0) of PageSize records of the window
// [from, to). The API lists the newest first; the pages of a window are
// PageCount(TotalCount).
func (c *Client) Page(ctx context.Context, from, to time.Time, pageNumber int) (Page, error) {
	if pageNumber < 0 {
		return Page{}, invalidRequest("the page number must be 0 or more")
	}
	return c.fetch(ctx, from, to, PageSize, pageNumber)
}

// PageCount is the number of pages of a window of total records.
func PageCount(total int) int { return (total + PageSize - 1) / PageSize }

// Window returns the StartTimeStamp and EndTimeStamp of the window
// [from, to): Unix seconds, both inclusive, so the end is to − 1 s. The
// bounds must be whole seconds, from 2000-01-01, with from before to and
// to − from under MaxWindow; otherwise the error is an *Error of Kind
// Invalid wrapping ErrWindow.
func Window(from, to time.Time) (start, end int64, err error) {
	if fault := vendorhttp.WindowFault(from, to, time.Second, false); fault != "" {
		return 0, 0, windowError(fault)
	}
	if to.Sub(from) >= MaxWindow {
		return 0, 0, windowError("it must be shorter than 90 days")
	}
	return from.Unix(), to.Unix() - 1, nil
}

// describeTelCdr is the request body: only the parameters the client
// sets, in a fixed order.
type describeTelCdr struct {
	SdkAppID       int64 `json:"SdkAppId"`
	StartTimeStamp int64 `json:"StartTimeStamp"`
	EndTimeStamp   int64 `json:"EndTimeStamp"`
	PageSize       int   `json:"PageSize"`
	PageNumber     int   `json:"PageNumber"`
}

func (c *Client) fetch(ctx context.Context, from, to time.Time, size, number int) (Page, error) {
	start, end, err := Window(from, to)
	if err != nil {
		return Page{}, err
	}
	body, err := json.Marshal(describeTelCdr{c.app, start, end, size, number})
	if err != nil {
		return Page{}, err
	}
	rctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return Page{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-TC-Action", Action)
	req.Header.Set("X-TC-Version", Version)
	if c.region != "" {
		req.Header.Set("X-TC-Region", c.region)
	}
	if err := tc3.SignTC3(req, body, c.cred, Service, c.now()); err != nil {
		return Page{}, err
	}
	a, err := vendorhttp.Do(ctx, c.http, req, MaxBody, c.now)
	if err != nil {
		return Page{}, fromFailure(err)
	}
	p, err := decode(a.Status, a.Body, size)
	if err != nil {
		return Page{}, err
	}
	p.FetchedAt = a.At
	return p, nil
}
