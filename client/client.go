// Package client is a Go client for cdrhub's native API, /api/v1: record
// upserts, filtered lists and single-record reads.
//
//	c, err := client.New("https://cdrhub.example.com", token)
//	resp, err := c.UpsertRecords(ctx, f, "application/x-ndjson", false)
//
// The client does not retry. Upserts are idempotent, so a caller may send
// a batch again when Retryable reports that its error allows it.
//
// Every type the client takes or returns is declared here or in the
// standard library, never in one of cdrhub's internal packages, which a
// program outside the module could not name. Records in particular are
// returned as the JSON the server sent (json.RawMessage), in the record
// format /api/v1 documents: a caller decodes them into a type of its own,
// or passes them on unchanged, as cdrhub export does, fields a newer
// server adds included.
package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// maxErrorBody bounds what is read of an error response.
const maxErrorBody = 64 << 10

// Client calls one cdrhub server with one bearer token. It is safe for
// concurrent use.
type Client struct {
	base   *url.URL // scheme and host, path ending before /api/v1
	token  string
	tenant string
	hc     *http.Client
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sends requests through hc instead of http.DefaultClient,
// e.g. one that trusts a private CA or has a timeout.
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.hc = hc } }

// WithTenant adds ?tenant=id to every request: an admin token needs it, a
// tenant token accepts only its own tenant.
func WithTenant(id string) Option { return func(c *Client) { c.tenant = id } }

// New returns a client of the server at baseURL (such as
// "https://cdrhub.example.com"; a trailing /api/v1 is accepted) that
// authenticates with token.
func New(baseURL, token string, opts ...Option) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("client: base URL %q: want http(s)://host[:port]", baseURL)
	}
	if token == "" {
		return nil, errors.New("client: empty token")
	}
	u.Path = strings.TrimSuffix(u.Path, "/api/v1")
	u.RawQuery, u.Fragment = "", ""
	c := &Client{base: u, token: token, hc: http.DefaultClient}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// UpsertResponse is the result of an upsert: the counts of
// docs/record-model.md §2 (stale records are also counted as unchanged) and
// the rejected lines.
type UpsertResponse struct {
	Inserted  int         `json:"inserted"`
	Updated   int         `json:"updated"`
	Unchanged int         `json:"unchanged"`
	Stale     int         `json:"stale"`
	Rejected  int         `json:"rejected"`
	Errors    []LineError `json:"errors"`
}

// LineError is one rejected record of an upsert; Line is its 1-based
// position in the body (array element or NDJSON line).
type LineError struct {
	Line     int    `json:"line"`
	Source   string `json:"source,omitempty"`
	SourceID string `json:"source_id,omitempty"`
	Code     string `json:"code"`
	Field    string `json:"field,omitempty"`
	Message  string `json:"message"`
}

// UpsertRecords sends body (a JSON array with contentType application/json,
// or NDJSON with application/x-ndjson) to POST /api/v1/records. With dryRun
// the server classifies the records without writing them.
func (c *Client) UpsertRecords(ctx context.Context, body io.Reader, contentType string, dryRun bool) (UpsertResponse, error) {
	q := url.Values{}
	if dryRun {
		q.Set("dry_run", "true")
	}
	var resp UpsertResponse
	err := c.do(ctx, http.MethodPost, "/api/v1/records", q, body, contentType, &resp)
	return resp, err
}

// UpsertVendorRecords sends records in a vendor's own format (a source
// such as tencent_ccc): NDJSON, a JSON array or the vendor's list envelope.
func (c *Client) UpsertVendorRecords(ctx context.Context, format string, body io.Reader, dryRun bool) (UpsertResponse, error) {
	q := url.Values{"format": {format}}
	if dryRun {
		q.Set("dry_run", "true")
	}
	var resp UpsertResponse
	err := c.do(ctx, http.MethodPost, "/api/v1/records", q, body, "application/x-ndjson", &resp)
	return resp, err
}

// ListResponse is one page of records, each the JSON the server sent.
type ListResponse struct {
	Records    []json.RawMessage `json:"records"`
	NextCursor string            `json:"next_cursor,omitempty"`
	Total      *int              `json:"total,omitempty"` // with count=true
}

// ListRecords calls GET /api/v1/records with the query q: filters, order,
// limit, count and cursor (the NextCursor of the previous page, with the
// same filters).
func (c *Client) ListRecords(ctx context.Context, q url.Values) (ListResponse, error) {
	var resp ListResponse
	err := c.do(ctx, http.MethodGet, "/api/v1/records", q, nil, "", &resp)
	return resp, err
}

// GetRecord calls GET /api/v1/records/{id} and returns the record as the
// JSON the server sent.
func (c *Client) GetRecord(ctx context.Context, id string) (json.RawMessage, error) {
	var rec json.RawMessage
	if err := c.do(ctx, http.MethodGet, "/api/v1/records/"+url.PathEscape(id), nil, nil, "", &rec); err != nil {
		return nil, err
	}
	return rec, nil
}

// Stats calls GET /api/v1/stats with the query q (from, to, interval, tz,
// group_by, thresholds, filters, business hours; see docs/analytics.md)
// and returns the answer as the JSON the server sent.
func (c *Client) Stats(ctx context.Context, q url.Values) (json.RawMessage, error) {
	var res json.RawMessage
	if err := c.do(ctx, http.MethodGet, "/api/v1/stats", q, nil, "", &res); err != nil {
		return nil, err
	}
	return res, nil
}

// Export is an export being received (Client.Export): its body as the
// server sends it, gzipped when Gzipped, and what its headers say.
type Export struct {
	Body io.ReadCloser
	// Total is the number of matching records when the export started
	// (X-Total-Count), -1 when the server did not say.
	Total int64
	// Filename is the server's name for the file (Content-Disposition).
	Filename string
	// Gzipped says that Body is gzip-compressed (Content-Encoding:
	// gzip); Body is then the compressed bytes, for a .gz file.
	Gzipped bool
}

// Export starts GET /api/v1/export with the query q (filters, format,
// columns, tz, include, csv_formulas) and returns the streaming answer;
// the caller reads and closes its Body. With gzip the server is asked to
// compress NDJSON and CSV. A body that ends without its end (the server
// failed mid-stream) reads as io.ErrUnexpectedEOF, never as a short but
// whole file.
func (c *Client) Export(ctx context.Context, q url.Values, gzip bool) (*Export, error) {
	u := *c.base
	u.Path += "/api/v1/export"
	if q == nil {
		q = url.Values{}
	}
	if c.tenant != "" {
		q.Set("tenant", c.tenant)
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	// Set by hand, the transport leaves the body compressed.
	if gzip {
		req.Header.Set("Accept-Encoding", "gzip")
	} else {
		req.Header.Set("Accept-Encoding", "identity")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, &netError{fmt.Errorf("client: GET /api/v1/export: %w", err)}
	}
	if resp.StatusCode/100 != 2 {
		defer resp.Body.Close()
		return nil, readError(resp)
	}
	e := &Export{Body: resp.Body, Total: -1, Gzipped: resp.Header.Get("Content-Encoding") == "gzip"}
	if n, err := strconv.ParseInt(resp.Header.Get("X-Total-Count"), 10, 64); err == nil {
		e.Total = n
	}
	if _, params, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition")); err == nil {
		e.Filename = params["filename"]
	}
	return e, nil
}

// Error is an error response of the API.
type Error struct {
	StatusCode int    // HTTP status
	Code       string // invalid, unauthorized, forbidden, not_found, too_large, internal or unavailable
	Message    string
}

func (e *Error) Error() string {
	return fmt.Sprintf("cdrhub: %s (HTTP %d): %s", e.Code, e.StatusCode, e.Message)
}

// netError is a failure to reach the server or to read its answer.
type netError struct{ err error }

func (e *netError) Error() string { return e.err.Error() }
func (e *netError) Unwrap() error { return e.err }

// Retryable reports whether err is worth one more attempt of an idempotent
// call: the server could not be reached or its answer was cut, or it
// answered unavailable (503). A cancelled context is never retryable.
func Retryable(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var ne *netError
	var e *Error
	return errors.As(err, &ne) || errors.As(err, &e) && e.StatusCode == http.StatusServiceUnavailable
}

// do sends one request and decodes a 2xx JSON answer into out.
func (c *Client) do(ctx context.Context, method, path string, q url.Values, body io.Reader, contentType string, out any) error {
	u := *c.base
	u.Path += path
	if c.tenant != "" {
		if q == nil {
			q = url.Values{}
		}
		q.Set("tenant", c.tenant)
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return &netError{fmt.Errorf("client: %s %s: %w", method, path, err)}
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return readError(resp)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		if ctx.Err() == nil && !isSyntaxError(err) {
			return &netError{fmt.Errorf("client: %s %s: reading the response: %w", method, path, err)}
		}
		return fmt.Errorf("client: %s %s: decoding the response: %w", method, path, err)
	}
	return nil
}

func isSyntaxError(err error) bool {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	return errors.As(err, &se) || errors.As(err, &te)
}

// statusCodes names the code of a status when the body has no envelope
// (a proxy's answer, say).
var statusCodes = map[int]string{
	http.StatusBadRequest:            cdr.EINVALID,
	http.StatusUnauthorized:          cdr.EUNAUTHORIZED,
	http.StatusForbidden:             cdr.EFORBIDDEN,
	http.StatusNotFound:              cdr.ENOTFOUND,
	http.StatusRequestEntityTooLarge: cdr.ETOOLARGE,
	http.StatusServiceUnavailable:    cdr.EUNAVAILABLE,
}

// readError decodes the {"error":{"code","message"}} envelope of resp.
func readError(resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var env struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	e := &Error{StatusCode: resp.StatusCode}
	if json.Unmarshal(b, &env) == nil && env.Error.Code != "" {
		e.Code, e.Message = env.Error.Code, env.Error.Message
		return e
	}
	e.Code = statusCodes[resp.StatusCode]
	if e.Code == "" {
		e.Code = cdr.EINTERNAL
	}
	e.Message = "HTTP " + strconv.Itoa(resp.StatusCode) + " " + http.StatusText(resp.StatusCode) + " without an error envelope"
	return e
}
