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
