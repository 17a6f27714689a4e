package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/analytics"
	"github.com/cdrhub/cdrhub/internal/cdr"
)

// testStats: the KPIs of analytics.FromRollups (the database's KPISums)
// equal analytics.Reference, the formulas applied to the stored records
// one by one, for random records, zones, intervals, groupings, filters,
// thresholds and business hours, and for KPIs per agent over whole days
// and weeks (which kpi_agent_daily serves).
func testStats(t *testing.T, s cdr.Store, ru cdr.Rollups) {
	seed := rollupSeed(t)
	rng := rand.New(rand.NewPCG(seed, 13))
	origin := time.Date(2026, 10, 28, 0, 0, 0, 0, time.UTC).UnixMilli() // New York falls back on 11-01
	span := int64(8 * 24 * time.Hour / time.Millisecond)
	// kpi_daily keeps Shanghai's and New York's days (both of its
	// offsets), so that some queries read it and others do not.
	const hour = int64(time.Hour / time.Millisecond)
	if err := ru.SetDayOffsets(ctx, tenant, []int64{8 * hour, -4 * hour, -5 * hour}); err != nil {
		t.Fatal(err)
	}
	spreadRecords(t, s, rng, "s", 600, origin, span)
	// The records as stored (derived fields filled), shadows left out as
	// every KPI leaves them.
	stored, _, err := s.FindRecords(ctx, tenant, cdr.Filter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	check := func(v url.Values) { t.Helper(); checkStats(t, ru, stored, seed, v) }
	zones := []string{"UTC", "Asia/Shanghai", "America/New_York", "Asia/Kathmandu", "Australia/Lord_Howe", "Asia/Kolkata"}
	intervals := []string{"", "15m", "30m", "1h", "1d", "1w", "1mo"}
	dims := []string{"channel", "direction", "source", "queue", "agent"}
	thresholds := []string{"10", "20", "30", "60", "120"}
	for range 40 {
		from := cdr.BucketOf(origin + rng.Int64N(span/2))
		to := from + (1+rng.Int64N(span/2/cdr.RollupBucket))*cdr.RollupBucket
		v := url.Values{"from": {fmt.Sprint(from)}, "to": {fmt.Sprint(to)}, "tz": {zones[rng.IntN(len(zones))]}}
		if iv := intervals[rng.IntN(len(intervals))]; iv != "" {
			v.Set("interval", iv)
		}
		var group []string
		for _, d := range dims {
			if rng.IntN(4) == 0 {
				group = append(group, d)
			}
		}
		if len(group) > 0 {
			v.Set("group_by", strings.Join(group, ","))
		}
		v.Set("sl_threshold", thresholds[rng.IntN(len(thresholds))])
		if rng.IntN(3) == 0 {
			v.Set("short_abandon", thresholds[rng.IntN(len(thresholds))])
		}
		if rng.IntN(4) == 0 {
			v.Set("direction", "inbound")
		}
		if rng.IntN(5) == 0 {
			v.Set("queue", "q0,q9")
		}
		if rng.IntN(4) == 0 {
			start := rng.IntN(40)
			v.Set("day_start", fmt.Sprintf("%02d:%02d", start/4, start%4*15))
			end := start + 1 + rng.IntN(96-start)
			v.Set("day_end", fmt.Sprintf("%02d:%02d", end/4, end%4*15))
		}
		if rng.IntN(4) == 0 {
			v.Set("weekdays", "1,2,3,4,5")
		}
		check(v)
	}
	// Per agent over whole local days and weeks of the offsets kept, as
	// the console's agents' table asks it (no interval) and by day.
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	ny, _ := time.LoadLocation("America/New_York")
	for _, c := range []struct {
		loc              *time.Location
		from             time.Time
		days             int
		interval, group  string
		direction, agent string
	}{
		{shanghai, time.Date(2026, 10, 29, 0, 0, 0, 0, shanghai), 6, "", "agent", "", ""},
		{shanghai, time.Date(2026, 10, 29, 0, 0, 0, 0, shanghai), 6, "1d", "agent", "", ""},
		{ny, time.Date(2026, 10, 29, 0, 0, 0, 0, ny), 7, "1d", "agent,channel", "inbound", ""}, // across New York's fall back
		{ny, time.Date(2026, 10, 28, 0, 0, 0, 0, ny), 8, "1w", "agent", "", ""},
		{shanghai, time.Date(2026, 10, 29, 0, 0, 0, 0, shanghai), 5, "1d", "", "", "a0,e1@x.test"},
	} {
		v := url.Values{"from": {c.from.Format(time.RFC3339)}, "to": {c.from.AddDate(0, 0, c.days).Format(time.RFC3339)},
			"tz": {c.loc.String()}}
		for k, x := range map[string]string{"interval": c.interval, "group_by": c.group, "direction": c.direction, "agent": c.agent} {
			if x != "" {
				v.Set(k, x)
			}
		}
		check(v)
	}
}

// checkStats compares FromRollups of the query v over ru's rows of
// tenant with analytics.Reference over the stored records.
func checkStats(t *testing.T, ru cdr.Rollups, stored []*cdr.Record, seed uint64, v url.Values) {
	t.Helper()
	q, err := analytics.ParseQuery(v, time.UTC)
	if err != nil {
		t.Fatalf("%s: %v", v.Encode(), err)
	}
	got, err := analytics.FromRollups(ctx, q, func(c context.Context, sel *cdr.KPISelect) ([]cdr.KPISum, error) {
		return ru.KPISums(c, tenant, sel)
	})
	if err != nil {
		t.Fatalf("%s: %v", v.Encode(), err)
	}
	want := analytics.Reference(q, stored)
	if got.ComputedFrom != "rollups" {
		t.Errorf("computed_from %q", got.ComputedFrom)
	}
	want.ComputedFrom = got.ComputedFrom
	if d := statsDiff(got, want); d != "" {
		t.Fatalf("seed %d, %s: %s", seed, v.Encode(), d)
	}
}

// statsDiff describes the first difference between two results: the
// envelope, a series' group, or the first bucket or total that differs.
func statsDiff(got, want *analytics.Result) string {
	js := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	if len(got.Series) != len(want.Series) {
		return fmt.Sprintf("%d series from the rollups, %d from the records", len(got.Series), len(want.Series))
	}
	for i := range got.Series {
		g, w := got.Series[i], want.Series[i]
		if js(g.Group) != js(w.Group) || len(g.Buckets) != len(w.Buckets) {
			return fmt.Sprintf("series %d: group %s with %d buckets from the rollups, %s with %d from the records",
				i, js(g.Group), len(g.Buckets), js(w.Group), len(w.Buckets))
		}
		for j := range g.Buckets {
			if a, b := js(g.Buckets[j]), js(w.Buckets[j]); a != b {
				return fmt.Sprintf("series %s bucket %d:\nrollups %s\nrecords %s", js(g.Group), j, a, b)
			}
		}
		if a, b := js(g.Total), js(w.Total); a != b {
			return fmt.Sprintf("series %s total:\nrollups %s\nrecords %s", js(g.Group), a, b)
		}
	}
	if a, b := js(got), js(want); a != b {
		return fmt.Sprintf("envelope:\nrollups %.300s\nrecords %.300s", a, b)
	}
	return ""
}
