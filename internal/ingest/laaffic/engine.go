package laaffic

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

func (e engineClient) Page(ctx context.Context, from, to time.Time, n int) ([]json.RawMessage, int, time.Time, error) {
	p, err := e.c.Page(ctx, from, to, n)
	return p.Records, p.TotalCount, p.FetchedAt, err
}

func (engineClient) PageSize() int { return PageSize }

// MaxWindow is the longest window the client sends, 31 days less a
// second.
func (engineClient) MaxWindow() time.Duration { return MaxWindow }

func (engineClient) Kind(err error) ingest.Kind { return KindOf(err) }

// Key is the record's callSessionId.
func (engineClient) Key(raw json.RawMessage) string {
	var v struct {
		CallSessionID string `json:"callSessionId"`
	}
	if json.Unmarshal(raw, &v) != nil {
		return ""
	}
	return v.CallSessionID
}
