package aliyunccc

import (
	"context"
	"encoding/json"
	"time"

	"github.com/cdrhub/cdrhub/internal/ingest"
)

// Engine returns c as the sync engine drives a vendor client.
func (c *Client) Engine() ingest.Client { return engineClient{c} }

type engineClient struct{ c *Client }

func (e engineClient) Count(ctx context.Context, from, to time.Time) (int, error) {
	return e.c.Count(ctx, from, to)
}

// Page returns page n; its total is the window's count on page 0 only.
func (e engineClient) Page(ctx context.Context, from, to time.Time, n int) ([]json.RawMessage, int, time.Time, error) {
	p, err := e.c.Page(ctx, from, to, n)
	return p.Records, p.TotalCount, p.FetchedAt, err
}

func (engineClient) PageSize() int { return PageSize }

// MaxWindow is a second under the client's bound: the client refuses a
// window of 90 days or more.
func (engineClient) MaxWindow() time.Duration { return MaxWindow - time.Second }

func (engineClient) Kind(err error) ingest.Kind { return KindOf(err) }

// Key is the record's ContactId.
func (engineClient) Key(raw json.RawMessage) string {
	var v struct{ ContactId string }
	if json.Unmarshal(raw, &v) != nil {
		return ""
	}
	return v.ContactId
}
