package metrics

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/google/go-cmp/cmp"
)

// fakeStore answers every call with res and err.
type fakeStore struct {
	res    cdr.UpsertResult
	err    error
	closed bool
}

func (f *fakeStore) UpsertRecords(context.Context, cdr.TenantID, []*cdr.Record, cdr.UpsertOptions) (cdr.UpsertResult, error) {
	return f.res, f.err
}
func (f *fakeStore) FindRecordByID(context.Context, cdr.TenantID, string) (*cdr.Record, error) {
	if f.err != nil {
		return nil, f.err
	}
	return &cdr.Record{ID: "rec_1"}, nil
}
func (f *fakeStore) FindRecords(context.Context, cdr.TenantID, cdr.Filter) ([]*cdr.Record, int, error) {
	return nil, 7, f.err
}
func (f *fakeStore) StreamRecords(context.Context, cdr.TenantID, cdr.Filter, func([]byte, cdr.Cursor) error) error {
	return f.err
}
func (f *fakeStore) Ping(context.Context) error { return f.err }
func (f *fakeStore) Close() error               { f.closed = true; return nil }

// The capabilities beside cdr.Store.
func (f *fakeStore) Prune(context.Context, cdr.TenantID, int64) (int64, error) { return 11, f.err }
func (f *fakeStore) Tenants(context.Context) ([]cdr.TenantID, error) {
	return []cdr.TenantID{cdr.MustTenantID("acme")}, f.err
}
func (f *fakeStore) ProbeWrite(context.Context) error { return f.err }

// storeValues returns the non-zero counter values of the store metrics, as
// "metric{values}" → value with the values in the order of the label
// names, and the count of each op's duration histogram.
func storeValues(reg *Registry) map[string]float64 {
	mfs, err := reg.prom.Gather()
	if err != nil {
		panic(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		name := mf.GetName()
		labels := reg.byName[name].d.labels
		for _, m := range mf.GetMetric() {
			byName := map[string]string{}
			for _, l := range m.GetLabel() {
				byName[l.GetName()] = l.GetValue()
			}
			var values []string
			for _, l := range labels {
				values = append(values, byName[l])
			}
			switch name {
			case "cdrhub_records_upserted_total", "cdrhub_store_operations_total", "cdrhub_database_errors_total":
				if v := m.GetCounter().GetValue(); v != 0 {
					got[fmt.Sprintf("%s%q", name, values)] = v
				}
			case "cdrhub_store_operation_duration_seconds":
				if n := m.GetHistogram().GetSampleCount(); n != 0 {
					got[fmt.Sprintf("duration%q", values)] = float64(n)
				}
			}
		}
	}
	return got
}

func TestInstrumentStore(t *testing.T) {
	tenant := cdr.MustTenantID("acme")
	res := cdr.UpsertResult{Inserted: 3, Updated: 2, Unchanged: 4, Stale: 1}
	unavailable := fmt.Errorf("begin: %w", &cdr.Error{Code: cdr.EUNAVAILABLE, Message: "database unavailable"})
	tests := []struct {
		name string
		res  cdr.UpsertResult
		err  error
		call func(s cdr.Store) error
		want map[string]float64
	}{
		{"upsert", res, nil, func(s cdr.Store) error {
			_, err := s.UpsertRecords(context.Background(), tenant, nil, cdr.UpsertOptions{})
			return err
		}, map[string]float64{
			`cdrhub_records_upserted_total["inserted"]`:    3,
			`cdrhub_records_upserted_total["updated"]`:     2,
			`cdrhub_records_upserted_total["unchanged"]`:   3,
			`cdrhub_records_upserted_total["stale"]`:       1,
			`cdrhub_store_operations_total["upsert" "ok"]`: 1,
			`duration["upsert"]`:                           1,
		}},
		{"dry run", res, nil, func(s cdr.Store) error {
			_, err := s.UpsertRecords(context.Background(), tenant, nil, cdr.UpsertOptions{DryRun: true})
			return err
		}, map[string]float64{
			`cdrhub_store_operations_total["upsert" "ok"]`: 1,
			`duration["upsert"]`:                           1,
		}},
		{"find", cdr.UpsertResult{}, nil, func(s cdr.Store) error {
			_, _, err := s.FindRecords(context.Background(), tenant, cdr.Filter{})
			return err
		}, map[string]float64{
			`cdrhub_store_operations_total["find" "ok"]`: 1,
			`duration["find"]`:                           1,
		}},
		{"get not found", cdr.UpsertResult{}, cdr.Errorf(cdr.ENOTFOUND, "no record"), func(s cdr.Store) error {
			_, err := s.FindRecordByID(context.Background(), tenant, "rec_x")
			return err
		}, map[string]float64{
			`cdrhub_store_operations_total["get" "not_found"]`: 1,
			`duration["get"]`: 1,
		}},
		{"find invalid", cdr.UpsertResult{}, &cdr.FieldError{Field: "limit", Message: "bad"}, func(s cdr.Store) error {
			_, _, err := s.FindRecords(context.Background(), tenant, cdr.Filter{})
			return err
		}, map[string]float64{
			`cdrhub_store_operations_total["find" "invalid"]`: 1,
			`duration["find"]`: 1,
		}},
		{"ping unavailable", cdr.UpsertResult{}, unavailable, func(s cdr.Store) error {
			return s.Ping(context.Background())
		}, map[string]float64{
			`cdrhub_store_operations_total["ping" "unavailable"]`: 1,
			`cdrhub_database_errors_total["unavailable"]`:         1,
			`duration["ping"]`: 1,
		}},
		{"upsert internal, partly done", cdr.UpsertResult{Inserted: 500}, errors.New("disk I/O"), func(s cdr.Store) error {
			_, err := s.UpsertRecords(context.Background(), tenant, nil, cdr.UpsertOptions{})
			return err
		}, map[string]float64{
			`cdrhub_records_upserted_total["inserted"]`:          500,
			`cdrhub_store_operations_total["upsert" "internal"]`: 1,
			`cdrhub_database_errors_total["internal"]`:           1,
			`duration["upsert"]`:                                 1,
		}},
		{"find canceled", cdr.UpsertResult{}, fmt.Errorf("query: %w", context.Canceled), func(s cdr.Store) error {
			_, _, err := s.FindRecords(context.Background(), tenant, cdr.Filter{})
			return err
		}, map[string]float64{
			`cdrhub_store_operations_total["find" "canceled"]`: 1,
			`duration["find"]`: 1,
		}},
		{"unknown code is internal", cdr.UpsertResult{}, &cdr.Error{Code: "weird"}, func(s cdr.Store) error {
			return s.Ping(context.Background())
		}, map[string]float64{
			`cdrhub_store_operations_total["ping" "internal"]`: 1,
			`cdrhub_database_errors_total["internal"]`:         1,
			`duration["ping"]`: 1,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := NewRegistry()
			fake := &fakeStore{res: tt.res, err: tt.err}
			s := InstrumentStore(fake, reg)
			if err := tt.call(s); !errors.Is(err, tt.err) {
				t.Errorf("error %v, want %v passed through", err, tt.err)
			}
			if diff := cmp.Diff(tt.want, storeValues(reg)); diff != "" {
				t.Errorf("metrics (-want +got):\n%s", diff)
			}
		})
	}
}

func TestInstrumentStorePassesThrough(t *testing.T) {
	fake := &fakeStore{}
	s := InstrumentStore(fake, NewRegistry())
	rec, err := s.FindRecordByID(context.Background(), cdr.MustTenantID("acme"), "rec_1")
	if err != nil || rec.ID != "rec_1" {
		t.Errorf("FindRecordByID = %v, %v", rec, err)
	}
	if _, n, _ := s.FindRecords(context.Background(), cdr.MustTenantID("acme"), cdr.Filter{}); n != 7 {
		t.Errorf("FindRecords total %d, want 7", n)
	}
	s.Close()
	if !fake.closed {
		t.Error("Close did not reach the store")
	}
}

func TestInstrumentStoreTwiceOnOneRegistry(t *testing.T) {
	reg := NewRegistry()
	a := InstrumentStore(&fakeStore{}, reg)
	b := InstrumentStore(&fakeStore{}, reg)
	a.Ping(context.Background())
	b.Ping(context.Background())
	if got := storeValues(reg)[`cdrhub_store_operations_total["ping" "ok"]`]; got != 2 {
		t.Errorf("ping ok %v, want 2", got)
	}
}

// Each capability is instrumented on its own, with its own op, into the
// same metrics as the store.
func TestInstrumentCapabilities(t *testing.T) {
	tenant := cdr.MustTenantID("acme")
	full := fmt.Errorf("probe: %w", &cdr.Error{Code: cdr.EUNAVAILABLE, Message: "database or disk is full"})
	tests := []struct {
		name string
		err  error
		call func(reg *Registry, f *fakeStore) error
		want map[string]float64
	}{
		{"prune", nil, func(reg *Registry, f *fakeStore) error {
			n, err := InstrumentPruner(f, reg).Prune(context.Background(), tenant, 1700000000000)
			if n != 11 {
				t.Errorf("pruned %d, want the store's 11", n)
			}
			return err
		}, map[string]float64{
			`cdrhub_store_operations_total["prune" "ok"]`: 1,
			`duration["prune"]`:                           1,
		}},
		{"prune canceled", context.Canceled, func(reg *Registry, f *fakeStore) error {
			_, err := InstrumentPruner(f, reg).Prune(context.Background(), tenant, 1700000000000)
			return err
		}, map[string]float64{
			`cdrhub_store_operations_total["prune" "canceled"]`: 1,
			`duration["prune"]`: 1,
		}},
		{"tenants internal", errors.New("disk I/O"), func(reg *Registry, f *fakeStore) error {
			_, err := InstrumentPruner(f, reg).Tenants(context.Background())
			return err
		}, map[string]float64{
			`cdrhub_store_operations_total["tenants" "internal"]`: 1,
			`cdrhub_database_errors_total["internal"]`:            1,
			`duration["tenants"]`:                                 1,
		}},
		{"probe write", nil, func(reg *Registry, f *fakeStore) error {
			return InstrumentWriteProber(f, reg).ProbeWrite(context.Background())
		}, map[string]float64{
			`cdrhub_store_operations_total["probe_write" "ok"]`: 1,
			`duration["probe_write"]`:                           1,
		}},
		{"probe write unavailable", full, func(reg *Registry, f *fakeStore) error {
			return InstrumentWriteProber(f, reg).ProbeWrite(context.Background())
		}, map[string]float64{
			`cdrhub_store_operations_total["probe_write" "unavailable"]`: 1,
			`cdrhub_database_errors_total["unavailable"]`:                1,
			`duration["probe_write"]`:                                    1,
		}},
		{"store and capabilities share the metrics", nil, func(reg *Registry, f *fakeStore) error {
			InstrumentStore(f, reg).Ping(context.Background())
			InstrumentWriteProber(f, reg).ProbeWrite(context.Background())
			_, err := InstrumentPruner(f, reg).Tenants(context.Background())
			return err
		}, map[string]float64{
			`cdrhub_store_operations_total["ping" "ok"]`:        1,
			`cdrhub_store_operations_total["probe_write" "ok"]`: 1,
			`cdrhub_store_operations_total["tenants" "ok"]`:     1,
			`duration["ping"]`:        1,
			`duration["probe_write"]`: 1,
			`duration["tenants"]`:     1,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := NewRegistry()
			InstrumentStore(&fakeStore{}, reg) // registers the families storeValues reads
			if err := tt.call(reg, &fakeStore{err: tt.err}); !errors.Is(err, tt.err) {
				t.Errorf("error %v, want %v passed through", err, tt.err)
			}
			if diff := cmp.Diff(tt.want, storeValues(reg)); diff != "" {
				t.Errorf("metrics (-want +got):\n%s", diff)
			}
		})
	}
}

// An instrumented capability's series exist before its first call.
func TestInstrumentCapabilitiesSeries(t *testing.T) {
	reg := NewRegistry()
	InstrumentPruner(&fakeStore{}, reg)
	InstrumentWriteProber(&fakeStore{}, reg)
	var page strings.Builder
	if _, err := reg.WriteTo(&page); err != nil {
		t.Fatal(err)
	}
	for _, op := range []string{OpPrune, OpTenants, OpProbeWrite} {
		for _, want := range []string{
			`cdrhub_store_operations_total{op="` + op + `",outcome="ok"} 0`,
			`cdrhub_store_operation_duration_seconds_count{op="` + op + `"} 0`,
		} {
			if !strings.Contains(page.String(), want+"\n") {
				t.Errorf("no %s in\n%s", want, page.String())
			}
		}
	}
}
