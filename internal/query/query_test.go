package query_test

import (
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/query"
)

func values(t *testing.T, s string) url.Values {
	t.Helper()
	q, err := url.ParseQuery(s)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func TestParseFilter(t *testing.T) {
	q := values(t, "from=2023-11-14T22:13:20Z&channel=voice,rtc&channel=voice&source=native&source_id=a,b"+
		"&phone=139&has_recording=false&csat_min=4&order=asc&limit=7&count=true")
	got, err := query.ParseFilter(q)
	if err != nil {
		t.Fatal(err)
	}
	want := cdr.Filter{
		From: 1700000000000, Channels: []cdr.Channel{cdr.ChannelVoice, cdr.ChannelRTC}, Sources: []cdr.Source{cdr.SourceNative},
		VendorIDs: cdr.VendorIDs{Source: cdr.SourceNative, Values: []string{"a", "b"}}, Phones: []string{"139"},
		HasRecording: -1, SatScores: []int{4, 5}, Order: cdr.OrderAsc, Limit: 7, Count: true,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("filter (-want +got):\n%s", diff)
	}
	if f, _ := query.ParseFilter(url.Values{}); f.Limit != 100 || f.Order != cdr.OrderDesc {
		t.Errorf("defaults: limit %d, order %q", f.Limit, f.Order)
	}
}

func TestParseErrors(t *testing.T) {
	for q, want := range map[string]string{
		"bogus=1":                             `unknown parameter "bogus"`,
		"limit=1001":                          `limit: want an integer from 1 to 1000, got "1001"`,
		"order=up":                            `order: want asc or desc, got "up"`,
		"channel=fax":                         `channel: unknown value "fax"`,
		"source_id=x":                         "source_id needs exactly one source",
		"from=2&to=1":                         `from: 2 is not a Unix time in milliseconds after 2000`,
		"count=yes":                           `count: want true or false, got "yes"`,
		"limit=1&limit=2":                     `parameter "limit" given more than once`,
		"order=asc&order=desc":                `parameter "order" given more than once`,
		"cursor=garbage":                      "cursor: not a cursor from next_cursor",
		"csat_min=4&csat_max=2":               "csat_min must not exceed csat_max",
		"from=1700000001000&to=1700000000000": "from must be before to",
	} {
		_, err := query.ParseList(values(t, q))
		if cdr.ErrorCode(err) != cdr.EINVALID || cdr.ErrorMessage(err) != want {
			t.Errorf("%s: %v, want invalid %q", q, err, want)
		}
	}
}

// A cursor continues the query that made it, with another limit too, and
// no query with other filters or another order.
func TestNextCursor(t *testing.T) {
	l, err := query.ParseList(values(t, "channel=voice&limit=2"))
	if err != nil {
		t.Fatal(err)
	}
	c := l.NextCursor(cdr.Cursor{StartAt: 1700000000000, ID: "rec_x"})
	next, err := query.ParseList(values(t, "channel=voice&limit=5&cursor="+c))
	if err != nil {
		t.Fatal(err)
	}
	if a := next.Filter.After; a == nil || *a != (cdr.Cursor{StartAt: 1700000000000, ID: "rec_x"}) || next.Filter.Limit != 5 {
		t.Errorf("after %+v, limit %d", a, next.Filter.Limit)
	}
	for _, other := range []string{"channel=rtc", "channel=voice&order=asc", "", "channel=voice&tag=t"} {
		_, err := query.ParseList(values(t, other+"&cursor="+c))
		if cdr.ErrorMessage(err) != "cursor: it belongs to a query with other filters or order" {
			t.Errorf("%s: %v", other, err)
		}
	}
}
