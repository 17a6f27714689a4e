package sqlstore

import (
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/google/go-cmp/cmp"
)

func TestDayPieces(t *testing.T) {
	const (
		day  = cdr.RollupDay
		hour = int64(time.Hour / time.Millisecond)
		q    = cdr.RollupBucket
	)
	d0 := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC).UnixMilli() // a UTC midnight
	sh := 8 * hour                                                 // Shanghai: its midnight is d0 - 8h
	u0 := d0 / (10 * day) * (10 * day)                             // a boundary of 10-day units at offset 0
	tests := []struct {
		name      string
		seg       cdr.KPISegment
		unit, off int64
		want      []piece
	}{
		{"less than a day", cdr.KPISegment{From: d0, To: d0 + day - q}, day, 0,
			[]piece{{d0, d0 + day - q, false}}},
		{"whole days only", cdr.KPISegment{From: d0, To: d0 + 3*day}, day, 0,
			[]piece{{d0, d0 + 3*day, true}}},
		{"edges by bucket", cdr.KPISegment{From: d0 - 2*q, To: d0 + 2*day + 3*q}, day, 0,
			[]piece{{d0 - 2*q, d0, false}, {d0, d0 + 2*day, true}, {d0 + 2*day, d0 + 2*day + 3*q, false}}},
		{"Shanghai days", cdr.KPISegment{From: d0, To: d0 + 3*day, Offset: sh}, day, sh,
			[]piece{{d0, d0 + day - sh, false}, {d0 + day - sh, d0 + 3*day - sh, true}, {d0 + 3*day - sh, d0 + 3*day, false}}},
		{"edges of a day and one bucket", cdr.KPISegment{From: d0 - q, To: d0 + day + q}, day, 0,
			[]piece{{d0 - q, d0, false}, {d0, d0 + day, true}, {d0 + day, d0 + day + q, false}}},
		// A total (offset 0, one unit as long as the window) read from
		// Shanghai's days: the day a unit boundary falls inside is read
		// by bucket.
		{"total across a unit boundary", cdr.KPISegment{From: u0 + 12*hour, To: u0 + 15*day + 12*hour}, 10 * day, sh,
			[]piece{
				{u0 + 12*hour, u0 + 16*hour, false},
				{u0 + 16*hour, u0 + 9*day + 16*hour, true},
				{u0 + 9*day + 16*hour, u0 + 10*day + 16*hour, false},
				{u0 + 10*day + 16*hour, u0 + 14*day + 16*hour, true},
				{u0 + 14*day + 16*hour, u0 + 15*day + 12*hour, false},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := dayPieces(tt.seg, tt.unit, tt.off)
			if d := cmp.Diff(tt.want, got, cmp.AllowUnexported(piece{})); d != "" {
				t.Errorf("(-want +got)\n%s", d)
			}
			// The pieces tile the segment, and no day read from kpi_daily
			// has buckets of two units.
			at := tt.seg.From
			for _, p := range got {
				if p.from != at || p.to <= p.from {
					t.Fatalf("pieces %v do not tile %+v", got, tt.seg)
				}
				at = p.to
				if !p.days {
					continue
				}
				for ds := p.from; ds < p.to; ds += day {
					first, last := floorDiv(ds+tt.seg.Offset, tt.unit), floorDiv(ds+day-q+tt.seg.Offset, tt.unit)
					if first != last || cdr.DayStart(ds, tt.off) != ds {
						t.Errorf("day %d: units %d and %d, start %d", ds, first, last, cdr.DayStart(ds, tt.off))
					}
				}
			}
			if at != tt.seg.To {
				t.Fatalf("pieces %v end at %d, want %d", got, at, tt.seg.To)
			}
		})
	}
}

// TestDayOffsetTable: kpi_daily serves a selection without the agent,
// kpi_agent_daily one with the agent but without the queue, and neither
// one with both, with the disposition kept or filtered, with business
// hours or with units under a day.
func TestDayOffsetTable(t *testing.T) {
	const hour = int64(time.Hour / time.Millisecond)
	offs := []int64{-5 * hour, 8 * hour}
	seg := cdr.KPISegment{Offset: 8 * hour}
	tests := []struct {
		name string
		sel  cdr.KPISelect
		want *dailyTable
	}{
		{"by queue", cdr.KPISelect{Unit: cdr.RollupDay, Keep: cdr.KeepQueue}, kpiDaily},
		{"no group", cdr.KPISelect{Unit: cdr.RollupDay}, kpiDaily},
		{"by agent", cdr.KPISelect{Unit: cdr.RollupDay, Keep: cdr.KeepAgent | cdr.KeepChannel}, kpiAgentDaily},
		{"agents filtered", cdr.KPISelect{Unit: cdr.RollupDay, Agents: []string{"a"}}, kpiAgentDaily},
		{"by agent, queues filtered", cdr.KPISelect{Unit: cdr.RollupDay, Keep: cdr.KeepAgent, Queues: []string{"q"}}, nil},
		{"queue and agent", cdr.KPISelect{Unit: cdr.RollupDay, Keep: cdr.KeepAgent | cdr.KeepQueue}, nil},
		{"queue, agents filtered", cdr.KPISelect{Unit: cdr.RollupDay, Keep: cdr.KeepQueue, Agents: []string{"a"}}, nil},
		{"by agent and disposition", cdr.KPISelect{Unit: cdr.RollupDay, Keep: cdr.KeepAgent | cdr.KeepDisposition}, nil},
		{"by agent, dispositions filtered", cdr.KPISelect{Unit: cdr.RollupDay, Keep: cdr.KeepAgent,
			Dispositions: []cdr.Disposition{cdr.DispositionAnswered}}, nil},
		{"by agent, business hours", cdr.KPISelect{Unit: cdr.RollupDay, Keep: cdr.KeepAgent, DayStart: 9 * hour, DayEnd: 17 * hour}, nil},
		{"by agent per hour", cdr.KPISelect{Unit: hour, Keep: cdr.KeepAgent}, nil},
	}
	for _, tt := range tests {
		table, off, ok := dayOffset(&tt.sel, seg, offs)
		if table != tt.want || ok != (tt.want != nil) || ok && off != seg.Offset {
			name := func(d *dailyTable) string {
				if d == nil {
					return "none"
				}
				return d.name
			}
			t.Errorf("%s: %s at %d (%v), want %s", tt.name, name(table), off, ok, name(tt.want))
		}
	}
	// A total per agent at an offset whose days are not kept reads the
	// first offset's days when its unit is a week or more.
	sel := cdr.KPISelect{Unit: 30 * cdr.RollupDay, Keep: cdr.KeepAgent}
	if table, off, ok := dayOffset(&sel, cdr.KPISegment{}, offs); table != kpiAgentDaily || off != offs[0] || !ok {
		t.Errorf("total by agent at offset 0: %v %d %v", table, off, ok)
	}
}
