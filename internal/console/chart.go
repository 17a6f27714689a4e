package console

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/cdrhub/cdrhub/internal/analytics"
)

// Charts drawn on the server as SVG (docs/console.md §10): the view box
// is chartW × chartH units; the plot leaves room for the axes' labels.
// Every point carries its value in a data attribute and a <title>, which
// browsers show on hover without a script; the console's script shows a
// label that follows the pointer.

const (
	chartW, chartH           = 960, 260
	plotLeft, plotRight      = 56, 12
	plotTop, plotBottom      = 14, 40
	plotWidth, plotHeight    = chartW - plotLeft - plotRight, chartH - plotTop - plotBottom
	maxXLabels               = 8
	chartTimeDay, chartTimeH = "01-02", "01-02 15:04"
)

// chart is one chart's drawing.
type chart struct {
	ID     string
	Title  text
	Legend []legend
	W, H   int
	Left   int
	Bottom int // the plot's bottom edge
	Right  int
	YTicks []axisTick
	XTicks []axisTick
	Bars   []bar
	Lines  []line
}

type legend struct {
	Class string
	Label text
}

type axisTick struct {
	X, Y  float64
	Label string
}

// bar is one bucket's bar of one series.
type bar struct {
	X, Y, W, H float64
	Class      string
	Title      text
	Value      string // exact, in data-value
	From       string // the bucket's start, RFC 3339
}

// line is one series of points.
type line struct {
	Class  string
	Points string // the polyline's points
	Dots   []dot
}

type dot struct {
	X, Y  float64
	Title text
	Value string
	From  string
}

// charts draws the contacts (offered and answered, bars) and the rates
// (service level and abandonment, lines) of each bucket.
func charts(buckets []analytics.Bucket) []chart {
	if len(buckets) == 0 {
		return nil
	}
	layout := chartTimeH
	if buckets[0].To.Sub(buckets[0].From) >= 24*time.Hour-time.Hour {
		layout = chartTimeDay
	}
	label := func(b analytics.Bucket) string { return b.From.Format(layout) }
	n := len(buckets)
	slot := float64(plotWidth) / float64(n)
	x := func(i int) float64 { return plotLeft + slot*float64(i) }

	// Contacts.
	var peak int64
	for _, b := range buckets {
		peak = max(peak, b.Offered, b.Answered)
	}
	// Four steps of a round size: 0, 10, 20, 30, 40 for a peak of 37.
	top := 4 * niceCeil(float64(peak)/4)
	y := func(v float64) float64 { return plotTop + plotHeight - v/top*plotHeight }
	contacts := chart{ID: "chart-contacts", Title: msg("Contacts"), W: chartW, H: chartH, Left: plotLeft, Bottom: plotTop + plotHeight, Right: chartW - plotRight,
		Legend: []legend{{"offered", msg("Offered")}, {"answered", msg("Answered")}}}
	for i, b := range buckets {
		w := math.Max(slot*0.8, 1)
		x0 := x(i) + (slot-w)/2
		from := b.From.Format(time.RFC3339)
		for _, s := range []struct {
			class string
			v     int64
			title text
		}{{"offered", b.Offered, msg("%s: %s offered", label(b), groupDigits(b.Offered))},
			{"answered", b.Answered, msg("%s: %s answered", label(b), groupDigits(b.Answered))}} {
			contacts.Bars = append(contacts.Bars, bar{X: x0, Y: y(float64(s.v)), W: w, H: y(0) - y(float64(s.v)), Class: s.class,
				Title: s.title, Value: strconv.FormatInt(s.v, 10), From: from})
		}
	}
	contacts.YTicks = yTicks(top, y, func(v float64) string { return groupDigits(int64(v)) })
	contacts.XTicks = xTicks(buckets, x, slot, label)

	// Rates, from 0 to 100 %.
	py := func(v float64) float64 { return plotTop + plotHeight - v*plotHeight }
	rates := chart{ID: "chart-rates", Title: msg("Service level and abandonment"), W: chartW, H: chartH, Left: plotLeft, Bottom: plotTop + plotHeight, Right: chartW - plotRight,
		Legend: []legend{{"service-level", msg("Service level")}, {"abandonment", msg("Abandonment rate")}}}
	for _, s := range []struct {
		class string
		v     func(*analytics.KPIs) *float64
	}{
		{"service-level", func(k *analytics.KPIs) *float64 { return k.ServiceLevel }},
		{"abandonment", func(k *analytics.KPIs) *float64 { return k.AbandonmentRate }},
	} {
		l := line{Class: s.class}
		var pts []string
		for i, b := range buckets {
			v := s.v(&b.KPIs)
			if v == nil {
				continue // no offered contact: no point, and the line skips it
			}
			cx, cy := x(i)+slot/2, py(*v)
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", cx, cy))
			l.Dots = append(l.Dots, dot{X: cx, Y: cy, Title: plain(label(b) + ": " + pctText(v)), Value: rawFloat(v),
				From: b.From.Format(time.RFC3339)})
		}
		for i, p := range pts {
			if i > 0 {
				l.Points += " "
			}
			l.Points += p
		}
		rates.Lines = append(rates.Lines, l)
	}
	rates.YTicks = yTicks(1, py, func(v float64) string { return fmt.Sprintf("%.0f %%", v*100) })
	rates.XTicks = xTicks(buckets, x, slot, label)
	return []chart{contacts, rates}
}

// niceCeil is the smallest 1, 2 or 5 × 10^k at least v (1 for 0).
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// yTicks are 0, a quarter, …, top.
func yTicks(top float64, y func(float64) float64, show func(float64) string) []axisTick {
	var ts []axisTick
	for i := range 5 {
		v := top * float64(i) / 4
		ts = append(ts, axisTick{X: plotLeft - 6, Y: y(v), Label: show(v)})
	}
	return ts
}

// xTicks label at most maxXLabels buckets, evenly.
func xTicks(buckets []analytics.Bucket, x func(int) float64, slot float64, label func(analytics.Bucket) string) []axisTick {
	step := max(1, (len(buckets)+maxXLabels-1)/maxXLabels)
	var ts []axisTick
	for i := 0; i < len(buckets); i += step {
		ts = append(ts, axisTick{X: x(i) + slot/2, Y: plotTop + plotHeight + 18, Label: label(buckets[i])})
	}
	return ts
}
