package gooddata

import (
	"errors"
	"testing"
	"time"
)

// FuzzParse feeds Parse arbitrary parameters: it must return a context or
// a *ContextError, never panic, and what it returns must be usable by every
// helper without a panic. Seeds: testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	clock := func() time.Time { return time.Date(2024, 5, 20, 10, 0, 0, 0, time.UTC) }
	f.Fuzz(func(t *testing.T, params []byte) {
		ec, err := ParseWithClock(params, clock)
		if err != nil {
			if _, ok := errors.AsType[*ContextError](err); !ok || ec != nil {
				t.Fatalf("error %T %v with context %v", err, err, ec)
			}
			return
		}
		if ec == nil {
			return
		}
		if ec.Location == nil || ec.Now.IsZero() {
			t.Fatalf("context without zone or now: %+v", ec)
		}
		for _, ds := range ec.DateDatasets() {
			if r, ok, err := ec.DateRange(ds, 4); err == nil && (!ok || r.To.Before(r.From)) {
				t.Fatalf("dataset %q: range %v, ok %v", ds, r, ok)
			}
		}
		for _, l := range ec.AttributeLabels() {
			if p, err := ec.AttributeFilter(l); err == nil {
				p.Matches("x")
				p.Matches(nil)
			}
		}
		if m, err := ec.RowMatcher(RowOptions{}); err == nil {
			m.MatchesRow(func(string) (any, bool) { return "2024-01-01", true })
		}
	})
}
