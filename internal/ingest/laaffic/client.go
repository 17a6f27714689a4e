// Package laaffic is the sync engine's client of the laaffic-family
// (laaffic, itniotech, onbuka) Call Center Record Query, ccRecordQuery,
// for one tenant's Api-Key: Count and Page of a closed window, signed with
// the family's Api-Key, Timestamp and Sign headers (internal/auth/laaffic),
// every failure an *Error of a Kind the engine acts on. See README.md.
package laaffic

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	lfauth "github.com/cdrhub/cdrhub/internal/auth/laaffic"
	"github.com/cdrhub/cdrhub/internal/ingest/vendorhttp"
)

// The protocol's constants.
const (
	// DefaultEndpoint is laaffic's; itniotech's is https://api.itniotech.com
	// with the Path /voice/ccRecordQuery.
	DefaultEndpoint = "https://api.laaffic.com"
	// DefaultPath is laaffic's path of the query.
	DefaultPath = "/v3/voice/ccRecordQuery"
	// ContentType is the type of every request body, as the Java SDK
	// sends it.
	ContentType = "application/json;charset=utf-8"
	// PageSize is the size of every page Page asks for, the API's largest.
	PageSize = 100
	// MaxWindow is the longest window [from, to) the client sends: the API
	// takes endTime − strTime of at most 31 days, and endTime is to − 1 s,
	// so a second is left to spare.
	MaxWindow = 31*24*time.Hour - time.Second
	// MaxBody is the most of a response body read; a page of 100 records
	// takes some 100 kB.
	MaxBody = 8 << 20
	// DefaultTimeout bounds one request, connection to last byte.
	DefaultTimeout = 30 * time.Second
	// TimeLayout is the form of strTime and endTime: ISO 8601 with the
	// offset of Config.Location.
	TimeLayout = "2006-01-02T15:04:05-07:00"
	// RequestIDHeader is the answer's header read as Page.RequestID (cdrhub
	// sets it; the vendor's body has no request id).
	RequestIDHeader = "X-Request-Id"
)

// Config is one tenant's access to ccRecordQuery.
type Config struct {
	// Endpoint is the base URL with its scheme (https:// or http://) and
	// no path; DefaultEndpoint when empty.
	Endpoint string
	// Path is the query's path, from "/"; DefaultPath when empty
	// (itniotech: /voice/ccRecordQuery).
	Path              string
	APIKey, APISecret string
	// Location is the upstream account's time zone: strTime and endTime
	// carry its offset. Required. The records' times are local times of
	// the same zone, which their decoder must be given.
	Location *time.Location
	// CAFile is a PEM file of certificates trusted besides the system's.
	CAFile string
	// Timeout bounds each request; DefaultTimeout when zero.
	Timeout time.Duration
	// HTTPClient replaces the client New builds (a transport with the
	// proxy of the environment, HTTPS_PROXY and NO_PROXY, and CAFile);
	// Timeout still bounds each request. For tests.
	HTTPClient *http.Client
	// Now is the clock of the Timestamp header and of Page.FetchedAt;
	// time.Now when nil.
	Now func() time.Time
}

// Client queries one tenant's records. It is safe for concurrent use.
type Client struct {
	url      string
	key, sec string
	loc      *time.Location
	timeout  time.Duration
	http     *http.Client
	now      func() time.Time
}

// New checks cfg and returns its client. Nothing is sent.
func New(cfg Config) (*Client, error) {
	if cfg.Endpoint == "" {
		cfg.Endpoint = DefaultEndpoint
	}
	if cfg.Path == "" {
		cfg.Path = DefaultPath
	}
	base, err := vendorhttp.BaseURL("laaffic", cfg.Endpoint)
	switch {
	case err != nil:
		return nil, err
	case !validPath(cfg.Path):
		return nil, fmt.Errorf("laaffic: path %q: want an absolute path, nothing else", cfg.Path)
	case cfg.APIKey == "" || cfg.APISecret == "":
		return nil, errors.New("laaffic: the Api-Key and the API secret are required")
	case cfg.Location == nil:
		return nil, errors.New("laaffic: the account's time zone (Location) is required")
	case cfg.Timeout < 0:
		return nil, errors.New("laaffic: the timeout must not be negative")
	}
	c := &Client{
		url:     base + cfg.Path,
		key:     cfg.APIKey,
		sec:     cfg.APISecret,
		loc:     cfg.Location,
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
		if c.http, err = vendorhttp.NewClient("laaffic", cfg.CAFile, c.timeout); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// validPath reports whether p is a path from "/" and nothing else.
func validPath(p string) bool {
	u, err := url.Parse(p)
	return err == nil && strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "//") &&
		u.Scheme == "" && u.Host == "" && u.RawQuery == "" && u.Fragment == "" && !strings.ContainsAny(p, "?# ")
}

// Page is one page of a window's records.
type Page struct {
	// TotalCount is the number of records in the window (data.total), on
	// every page.
	TotalCount int
	// Records are the page's record objects (data.records), byte for byte
	// as served.
	Records []json.RawMessage
	// RequestID is the answer's X-Request-Id header, when it has one: the
	// API's body carries no request id.
	RequestID string
	// FetchedAt is when the answer arrived (Config.Now).
	FetchedAt time.Time
}

// Count returns the number of records in the window [from, to): one
// request for page 1 of one record.
func (c *Client) Count(ctx context.Context, from, to time.Time) (int, error) {
	p, err := c.fetch(ctx, from, to, 1, 0)
	if err != nil {
		return 0, err
	}
	return p.TotalCount, nil
}

// Page returns page pageNumber (from 0; current is pageNumber + 1) of
// PageSize records of the window [from, to). The pages of a window are
// PageCount(TotalCount).
func (c *Client) Page(ctx context.Context, from, to time.Time, pageNumber int) (Page, error) {
	if pageNumber < 0 || pageNumber >= 1<<30 {
		return Page{}, invalidRequest("the page number must be from 0 to 2^30 − 1")
	}
	return c.fetch(ctx, from, to, PageSize, pageNumber)
}

// PageCount is the number of pages of a window of total records.
func PageCount(total int) int { return (total + PageSize - 1) / PageSize }

// Window returns the strTime and endTime of the window [from, to) in loc:
// ISO 8601 with loc's offset at each, both inclusive to the second, so the
// end is to − 1 s. The bounds must be whole seconds, from 2000-01-01 to
// 9999-12-31T23:59:59Z, with from before to and to − from at most
// MaxWindow; otherwise the error is an *Error of Kind Invalid wrapping
// ErrWindow.
func Window(from, to time.Time, loc *time.Location) (strTime, endTime string, err error) {
	if fault := vendorhttp.WindowFault(from, to, time.Second, true); fault != "" {
		return "", "", windowError(fault)
	}
	if to.Sub(from) > MaxWindow {
		return "", "", windowError("it must be at most 31 days less a second")
	}
	return from.In(loc).Format(TimeLayout), to.Add(-time.Second).In(loc).Format(TimeLayout), nil
}

// query is the request body, in the API's order.
type query struct {
	Current int    `json:"current"`
	Size    int    `json:"size"`
	Params  params `json:"params"`
}

type params struct {
	StrTime string `json:"strTime"`
	EndTime string `json:"endTime"`
}

func (c *Client) fetch(ctx context.Context, from, to time.Time, size, number int) (Page, error) {
	start, end, err := Window(from, to, c.loc)
	if err != nil {
		return Page{}, err
	}
	body, err := json.Marshal(query{number + 1, size, params{start, end}})
	if err != nil {
		return Page{}, err
	}
	rctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return Page{}, err
	}
	req.Header.Set("Content-Type", ContentType)
	lfauth.SignRequest(req, c.key, c.sec, c.now())
	a, err := vendorhttp.Do(ctx, c.http, req, MaxBody, c.now)
	if err != nil {
		return Page{}, fromFailure(err)
	}
	p, err := decode(a.Status, a.Body, size)
	if err != nil {
		return Page{}, err
	}
	p.RequestID = a.Header.Get(RequestIDHeader)
	p.FetchedAt = a.At
	return p, nil
}
