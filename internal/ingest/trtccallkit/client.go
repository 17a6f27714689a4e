// Package trtccallkit is the sync engine's client of TRTC TUICallKit's
// call-record query, get_records_by_filter (IM REST convention,
// docs/wire-contracts.md §3), for one application's admin identifier: Count
// and Page of a closed window, authenticated with a UserSig
// (internal/auth/usersig) in the URL, every failure an *Error of a Kind the
// engine acts on. See README.md.
package trtccallkit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/cdrhub/cdrhub/internal/ingest/imauth"
	"github.com/cdrhub/cdrhub/internal/ingest/vendorhttp"
)

// The protocol's constants.
const (
	DefaultEndpoint = "https://callkit.trtc.tencent-cloud.com"
	// Path is the query's path under the endpoint.
	Path = "/v1/records/get_records_by_filter"
	// PageSize is the size of every page Page asks for, numberPerPage's
	// default and cdrhub's largest.
	PageSize = 100
	// MaxWindow bounds a window: the API serves only the last 7 days; a
	// window [from, to) of 7 days or more is refused.
	MaxWindow = 7 * 24 * time.Hour
	// MaxBody is the most of a response body read; a page of 100 records
	// takes some tens of kB.
	MaxBody = 8 << 20
	// DefaultTimeout bounds one request, connection to last byte.
	DefaultTimeout = 30 * time.Second
	// SigLifetime is the lifetime of the UserSig the client signs; it
	// signs a new one once less than half of it is left.
	SigLifetime = imauth.SigLifetime
	// maxPage is the highest page number (from 0) Page asks for: cdrhub
	// reads a page above 2^30 (from 1) as 2^30.
	maxPage = 1<<30 - 1
)

// Config is one application's access to get_records_by_filter.
type Config struct {
	// Endpoint is the base URL with its scheme (https:// or http://) and
	// no path; DefaultEndpoint when empty.
	Endpoint string
	// SdkAppID is the IM application (sdkappid).
	SdkAppID uint64
	// Identifier is an App administrator of the application, whose
	// UserSig the client signs.
	Identifier string
	// Key is the application's IM secret key. It signs UserSigs and is
	// never sent, logged or put in an error.
	Key string
	// CAFile is a PEM file of certificates trusted besides the system's.
	CAFile string
	// Timeout bounds each request; DefaultTimeout when zero.
	Timeout time.Duration
	// HTTPClient replaces the client New builds (a transport with the
	// proxy of the environment, HTTPS_PROXY and NO_PROXY, and CAFile);
	// Timeout still bounds each request. For tests.
	HTTPClient *http.Client
	// Now is the clock of the UserSigs and of Page.FetchedAt; time.Now
	// when nil.
	Now func() time.Time
}

// Client queries one application's call records. It is safe for
// concurrent use.
type Client struct {
	url     string // the endpoint and Path, no query
	signer  *imauth.Signer
	timeout time.Duration
	http    *http.Client
	now     func() time.Time
}

// New checks cfg and returns its client. Nothing is sent.
func New(cfg Config) (*Client, error) {
	if cfg.Endpoint == "" {
		cfg.Endpoint = DefaultEndpoint
	}
	base, err := imauth.BaseURL("trtccallkit", cfg.Endpoint)
	switch {
	case err != nil:
		return nil, err
	case cfg.SdkAppID == 0:
		return nil, errors.New("trtccallkit: SdkAppID is required")
	case cfg.Identifier == "" || cfg.Key == "":
		return nil, errors.New("trtccallkit: the admin identifier and the key are required")
	case cfg.Timeout < 0:
		return nil, errors.New("trtccallkit: the timeout must not be negative")
	}
	// The identifier must be one Gen signs (length, UTF-8); its errors
	// name neither the key nor a token.
	signer, err := imauth.NewSigner(cfg.SdkAppID, cfg.Identifier, cfg.Key)
	if err != nil {
		return nil, fmt.Errorf("trtccallkit: %v", err)
	}
	c := &Client{
		url:     base + Path,
		signer:  signer,
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
		if c.http, err = vendorhttp.NewClient("trtccallkit", cfg.CAFile, c.timeout); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Page is one page of a window's records.
type Page struct {
	// TotalCount is the number of records in the window (data.totalNum),
	// on every page.
	TotalCount int
	// Records are the page's CallRecord objects, byte for byte as served.
	Records []json.RawMessage
	// RequestID is the vendor's requestId of the answer.
	RequestID string
	// FetchedAt is when the answer arrived (Config.Now).
	FetchedAt time.Time
}

// Count returns the number of records in the window [from, to): one
// request for the first page of one record.
func (c *Client) Count(ctx context.Context, from, to time.Time) (int, error) {
	p, err := c.fetch(ctx, from, to, 1, 0)
	if err != nil {
		return 0, err
	}
	return p.TotalCount, nil
}

// Page returns page pageNumber (from 0) of PageSize records of the window
// [from, to): the API's page pageNumber+1, which it numbers from 1. The
// pages of a window are PageCount(TotalCount).
func (c *Client) Page(ctx context.Context, from, to time.Time, pageNumber int) (Page, error) {
	if pageNumber < 0 || pageNumber > maxPage {
		return Page{}, invalidRequest(fmt.Sprintf("the page number must be from 0 to %d", maxPage))
	}
	return c.fetch(ctx, from, to, PageSize, pageNumber)
}

// PageCount is the number of pages of a window of total records.
func PageCount(total int) int { return (total + PageSize - 1) / PageSize }

// Window returns the startTimestamp and endTimestamp of the window
// [from, to): Unix seconds, both inclusive, so the end is to − 1 s. The
// bounds must be whole seconds, from 2000-01-01 to 10000-01-01, with from
// before to and to − from under MaxWindow; otherwise the error is an
// *Error of Kind Invalid wrapping ErrWindow.
func Window(from, to time.Time) (start, end int64, err error) {
	if fault := vendorhttp.WindowFault(from, to, time.Second, true); fault != "" {
		return 0, 0, windowError(fault)
	}
	if to.Sub(from) >= MaxWindow {
		return 0, 0, windowError("it must be shorter than 7 days")
	}
	return from.Unix(), to.Unix() - 1, nil
}

// filterBody is the request body: only the parameters the client sets,
// in a fixed order.
type filterBody struct {
	StartTimestamp int64 `json:"startTimestamp"`
	EndTimestamp   int64 `json:"endTimestamp"`
	NumberPerPage  int   `json:"numberPerPage"`
	Page           int   `json:"page"`
}

func (c *Client) fetch(ctx context.Context, from, to time.Time, size, number int) (Page, error) {
	start, end, err := Window(from, to)
	if err != nil {
		return Page{}, err
	}
	body, err := json.Marshal(filterBody{start, end, size, number + 1})
	if err != nil {
		return Page{}, err
	}
	query, err := c.signer.Query(c.now())
	if err != nil {
		// Gen's errors name neither the key nor a token.
		return Page{}, &Error{Kind: Invalid, Message: "no UserSig", Err: err}
	}
	rctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, c.url+query, bytes.NewReader(body))
	if err != nil {
		return Page{}, &Error{Kind: Invalid, Message: "the request cannot be built", Err: imauth.Redact(err)}
	}
	req.Header.Set("Content-Type", "application/json")
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
