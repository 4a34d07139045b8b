package gooddata

import (
	"strings"
	"sync/atomic"
	"time"
)

// ResolveColumn maps a label or date dataset identifier to a column name:
// labels[id] when the function declares one (labels = {"label.id":
// "column"}), else id itself when has(id), else the part of id after its
// last "." when has(part). ok is false when none exists.
func ResolveColumn(id string, labels map[string]string, has func(column string) bool) (column string, ok bool) {
	if c, declared := labels[id]; declared {
		return c, has(c)
	}
	if has(id) {
		return id, true
	}
	if i := strings.LastIndexByte(id, '.'); i >= 0 && has(id[i+1:]) {
		return id[i+1:], true
	}
	return "", false
}

// RowOptions configure a RowMatcher.
type RowOptions struct {
	// Labels maps label and date dataset identifiers to column names (the
	// function's labels declaration); others map by name (ResolveColumn).
	Labels map[string]string
	// FiscalYearStartMonth is the month (1-12; 0 means 1) fiscal years
	// start in.
	FiscalYearStartMonth int
	// OnIgnored, if set, is called once per filter (with its label or
	// dataset identifier) the first time a row has no column for it.
	OnIgnored func(id string)
}

// RowMatcher applies every attribute and date filter of a context to rows.
// It is safe for concurrent use.
type RowMatcher struct {
	checks    []*rowCheck
	onIgnored func(string)
}

// rowCheck is one label's predicate or one dataset's range.
type rowCheck struct {
	id      string
	columns []string // candidate columns, in order
	pred    *Predicate
	rng     Range
	loc     *time.Location
	ignored atomic.Bool
}

// RowMatcher compiles the context's filters (see AttributeFilter and
// DateRange for which filters count) into a RowMatcher. The error reports
// a filter that cannot be applied, such as a DAY_OF_WEEK relative filter.
func (c *ExecutionContext) RowMatcher(opts RowOptions) (*RowMatcher, error) {
	m := &RowMatcher{onIgnored: opts.OnIgnored}
	for _, label := range c.AttributeLabels() {
		p, err := c.AttributeFilter(label)
		if err != nil {
			return nil, err
		}
		m.checks = append(m.checks, &rowCheck{id: label, columns: candidates(label, opts.Labels), pred: p})
	}
	for _, ds := range c.DateDatasets() {
		r, _, err := c.DateRange(ds, opts.FiscalYearStartMonth)
		if err != nil {
			return nil, err
		}
		m.checks = append(m.checks, &rowCheck{id: ds, columns: candidates(ds, opts.Labels), rng: r, loc: c.Location})
	}
	return m, nil
}

// candidates returns the columns an identifier may map to, in the order
// ResolveColumn tries them.
func candidates(id string, labels map[string]string) []string {
	if c, ok := labels[id]; ok {
		return []string{c}
	}
	if i := strings.LastIndexByte(id, '.'); i >= 0 {
		return []string{id, id[i+1:]}
	}
	return []string{id}
}

// MatchesRow reports whether a row passes every filter. row returns a
// column's value and whether the row has that column. A filter whose
// label or dataset maps to no column of the row is ignored (see Ignored).
// A date filter's column passes when its value is in the range: a
// time.Time (an instant), a Date or a "YYYY-MM-DD" string (the day's
// midnight in the context's zone), a "YYYY-MM-DD HH:MM[:SS]" string
// (wall-clock time in the context's zone) or an RFC 3339 string; null and
// any other value do not pass.
func (m *RowMatcher) MatchesRow(row func(column string) (any, bool)) bool {
	for _, c := range m.checks {
		v, ok := c.value(row)
		if !ok {
			if c.ignored.CompareAndSwap(false, true) && m.onIgnored != nil {
				m.onIgnored(c.id)
			}
			continue
		}
		if !c.passes(v) {
			return false
		}
	}
	return true
}

// Ignored returns the labels and datasets whose filters were ignored so
// far because a row had no column for them.
func (m *RowMatcher) Ignored() []string {
	var out []string
	for _, c := range m.checks {
		if c.ignored.Load() {
			out = append(out, c.id)
		}
	}
	return out
}

func (c *rowCheck) value(row func(string) (any, bool)) (any, bool) {
	for _, col := range c.columns {
		if v, ok := row(col); ok {
			return v, true
		}
	}
	return nil, false
}

func (c *rowCheck) passes(v any) bool {
	if c.pred != nil {
		return c.pred.Matches(v)
	}
	t, ok := timeOf(v, c.loc)
	return ok && c.rng.Contains(t)
}

// timeOf places a row's date value on the time line (see MatchesRow).
func timeOf(v any, loc *time.Location) (time.Time, bool) {
	switch v := v.(type) {
	case time.Time:
		return v, true
	case Date:
		return v.In(loc), true
	case string:
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return t, true
		}
		if c, err := parseCivil(v); err == nil {
			return c.in(loc), true
		}
	}
	return time.Time{}, false
}
