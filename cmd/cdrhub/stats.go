package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/cdrhub/cdrhub/internal/analytics"
	"github.com/cdrhub/cdrhub/internal/cdr"
)

// statsParams are the flags of cdrhub stats, each the query parameter of
// GET /api/v1/stats of the same name (dashes for underscores).
var statsParams = []struct{ name, help string }{
	{"from", "start of the window: `TIME` (RFC 3339 or Unix ms) on a 15-minute boundary (required)"},
	{"to", "end of the window, excluded: `TIME` (required)"},
	{"interval", "`INTERVAL` of the buckets: 15m, 30m, 1h, 1d, 1w or 1mo (default: the total only)"},
	{"tz", "IANA time `ZONE` of the intervals and business hours (default: the tenant's)"},
	{"group-by", "`DIMS`: a comma list of channel, direction, source, queue, agent"},
	{"sl-threshold", "service-level threshold in `SECONDS`: 10, 20, 30, 60 or 120 (default 20)"},
	{"short-abandon", "abandons within `SECONDS` (10, 20, 30, 60 or 120) that count neither as offered nor abandoned"},
	{"channel", "only `CHANNELS` (comma list)"},
	{"source", "only `SOURCES` (comma list)"},
	{"direction", "only `DIRECTIONS` (comma list)"},
	{"queue", "only `QUEUES` (comma list of ids)"},
	{"agent", "only `AGENTS` (comma list of ids)"},
	{"disposition", "only `DISPOSITIONS` (comma list)"},
	{"day-start", "business hours start, `HH:MM` local on a 15-minute boundary"},
	{"day-end", "business hours end, `HH:MM` local (24:00 allowed)"},
	{"weekdays", "business `DAYS`: a comma list of ISO weekdays, 1 (Monday) to 7"},
}

func runStats(ctx context.Context, args []string, env *environ) error {
	fs := flag.NewFlagSet("stats", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	var tf targetFlags
	tf.register(fs, "of")
	format := fs.String("format", "table", "output `FORMAT`: table, csv or json (the API's answer)")
	q := url.Values{}
	for _, p := range statsParams {
		fs.Var(&paramFlag{q: q, key: strings.ReplaceAll(p.name, "-", "_")}, p.name, p.help)
	}
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: cdrhub stats --from TIME --to TIME [flags]\n\n"+
			"Prints the contact-center KPIs (offered, answered, abandonment, service level,\n"+
			"speed of answer, handle time, satisfaction; docs/analytics.md) of the local\n"+
			"database or, with --server, of GET /api/v1/stats.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("stats: unexpected argument %q", rest[0])
	}
	if *format != "table" && *format != "csv" && *format != "json" {
		return fmt.Errorf("stats: --format %s: want table, csv or json", *format)
	}
	tgt, err := tf.open(ctx, env, false)
	if err != nil {
		return err
	}
	defer tgt.close()
	var body []byte
	if tgt.client != nil {
		if body, err = tgt.client.Stats(ctx, q); err != nil {
			return fmt.Errorf("stats: %w", err)
		}
	} else {
		sq, err := analytics.ParseQuery(q, tgt.zone)
		if err != nil {
			return fmt.Errorf("stats: %s", errorText(err))
		}
		res, err := analytics.FromRollups(ctx, sq, func(ctx context.Context, sel *cdr.KPISelect) ([]cdr.KPISum, error) {
			return tgt.rollups.KPISums(ctx, tgt.tenant, sel)
		})
		if err != nil {
			return fmt.Errorf("stats: %w", err)
		}
		if body, err = json.Marshal(res); err != nil {
			return err
		}
	}
	if *format == "json" {
		_, err := fmt.Fprintf(env.stdout, "%s\n", body)
		return err
	}
	var res statsAnswer
	if err := json.Unmarshal(body, &res); err != nil {
		return fmt.Errorf("stats: the answer: %w", err)
	}
	if *format == "csv" {
		return res.writeCSV(env.stdout)
	}
	return res.writeTable(env.stdout)
}

// statsAnswer is the part of GET /api/v1/stats' answer the table and CSV
// print, read the same way from a server and from the local database.
type statsAnswer struct {
	TZ     string `json:"tz"`
	Series []struct {
		Group   map[string]string            `json:"group"`
		Buckets []map[string]json.RawMessage `json:"buckets"`
		Total   map[string]json.RawMessage   `json:"total"`
	} `json:"series"`
}

// statsColumns are the printed measures, in order; rates print as
// percentages in the table.
var statsColumns = []struct {
	name string
	rate bool
}{
	{"offered", false}, {"answered", false}, {"abandoned", false}, {"abandonment_rate", true},
	{"service_level", true}, {"asa_s", false}, {"aht_s", false}, {"csat_avg", false},
	{"attempts", false}, {"connected", false}, {"asr", true}, {"contacts", false},
}

// groupDims are the dimensions of the answer's groups, in the API's order.
func (a *statsAnswer) groupDims() []string {
	var dims []string
	for _, d := range []string{"channel", "direction", "source", "queue", "agent"} {
		for _, s := range a.Series {
			if _, ok := s.Group[d]; ok {
				dims = append(dims, d)
				break
			}
		}
	}
	return dims
}

// rows calls fn with each printed row: the group's values, the period
// ("total" for the whole window) and the measures.
func (a *statsAnswer) rows(fn func(group []string, from, to string, m map[string]json.RawMessage) error) error {
	dims := a.groupDims()
	for _, s := range a.Series {
		g := make([]string, len(dims))
		for i, d := range dims {
			g[i] = s.Group[d]
		}
		for _, b := range s.Buckets {
			if err := fn(g, unquote(b["from"]), unquote(b["to"]), b); err != nil {
				return err
			}
		}
		if err := fn(g, unquote(s.Total["from"]), "total", s.Total); err != nil {
			return err
		}
	}
	return nil
}

func (a *statsAnswer) writeCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	head := append(a.groupDims(), "from", "to")
	for _, c := range statsColumns {
		head = append(head, c.name)
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	err := a.rows(func(group []string, from, to string, m map[string]json.RawMessage) error {
		if to == "total" {
			to = ""
		}
		rec := append(append([]string{}, group...), from, to)
		for _, c := range statsColumns {
			v := string(m[c.name])
			if v == "null" {
				v = ""
			}
			rec = append(rec, v)
		}
		return cw.Write(rec)
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

func (a *statsAnswer) writeTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := append(a.groupDims(), "period")
	for _, c := range statsColumns {
		head = append(head, c.name)
	}
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
	err := a.rows(func(group []string, from, to string, m map[string]json.RawMessage) error {
		period := from
		if to == "total" {
			period = "total"
		}
		cells := append(append([]string{}, group...), period)
		for _, c := range statsColumns {
			cells = append(cells, tableCell(m[c.name], c.rate))
		}
		_, err := fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
		return err
	})
	if err != nil {
		return err
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(a.Series) == 0 {
		fmt.Fprintln(w, "no records in the window")
	}
	_, err = fmt.Fprintf(w, "times in %s\n", a.TZ)
	return err
}

// tableCell prints a measure: "-" for null, a rate as a percentage, a
// fraction of a second to one decimal.
func tableCell(raw json.RawMessage, rate bool) string {
	if len(raw) == 0 || string(raw) == "null" {
		return "-"
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		return string(raw)
	}
	switch {
	case rate:
		return strconv.FormatFloat(100*f, 'f', 1, 64) + "%"
	case f != float64(int64(f)):
		return strconv.FormatFloat(f, 'f', 1, 64)
	}
	return string(raw)
}

func unquote(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}
