package gooddata

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Range is the half-open interval of time [From, To) that date filters
// select, with both ends in the context's zone. An empty range (filters
// whose intersection is empty) has From == To.
type Range struct {
	From, To time.Time
}

// Empty reports whether the range holds no instant.
func (r Range) Empty() bool { return !r.From.Before(r.To) }

// Contains reports whether t is in [From, To).
func (r Range) Contains(t time.Time) bool { return !t.Before(r.From) && t.Before(r.To) }

// Dates returns the calendar dates the range touches, for date32 columns:
// from is the date of From, inclusive; to is exclusive: the date of To, or
// the day after when To is not at midnight (an HOUR range ending at 15:00
// still touches that day). An empty range gives from == to.
func (r Range) Dates() (from, to Date) {
	from, to = DateOf(r.From), DateOf(r.To)
	if r.Empty() {
		return from, from
	}
	if !r.To.Equal(to.In(r.To.Location())) {
		to = to.AddDays(1)
	}
	return from, to
}

// ISO returns From and To as RFC 3339 strings with the zone's offset, e.g.
// "2024-03-01T00:00:00+01:00"; From is inclusive, To exclusive.
func (r Range) ISO() (from, to string) {
	return r.From.Format(time.RFC3339), r.To.Format(time.RFC3339)
}

// intersect returns the range both r and o cover; empty when none.
func (r Range) intersect(o Range) Range {
	if o.From.After(r.From) {
		r.From = o.From
	}
	if o.To.Before(r.To) {
		r.To = o.To
	}
	if r.To.Before(r.From) {
		r.To = r.From
	}
	return r
}

// DateRange returns the range the date filters on dataset select: their
// intersection. With dataset "", it uses the only dataset that date filters
// name, and is an error when they name several. ok is false when no date
// filter applies. Date filters are the context's relative and absolute date
// filters, plus the dependsOn date filters of a label-elements request.
//
// fiscalYearStartMonth (1-12; 0 means 1) is the month fiscal years start
// in, for the FISCAL_* granularities.
func (c *ExecutionContext) DateRange(dataset string, fiscalYearStartMonth int) (r Range, ok bool, err error) {
	filters := c.dateFilters()
	if dataset == "" {
		var found bool
		if dataset, found, err = onlyDataset(filters); err != nil || !found {
			return Range{}, false, err
		}
	}
	for _, f := range filters {
		if f.Dataset != dataset {
			continue
		}
		fr, err := c.filterRange(f, fiscalYearStartMonth)
		if err != nil {
			return Range{}, false, err
		}
		if !ok {
			r, ok = fr, true
			continue
		}
		r = r.intersect(fr)
	}
	return r, ok, nil
}

// DateDatasets returns the datasets that date filters name, in order of
// first appearance.
func (c *ExecutionContext) DateDatasets() []string {
	var out []string
	for _, f := range c.dateFilters() {
		if !contains(out, f.Dataset) {
			out = append(out, f.Dataset)
		}
	}
	return out
}

// dateFilters returns the context's date filters and the request's
// dependsOn date filters.
func (c *ExecutionContext) dateFilters() []*Filter {
	var out []*Filter
	for i := range c.Filters {
		if c.Filters[i].IsDate() {
			out = append(out, &c.Filters[i])
		}
	}
	if c.LabelElements != nil {
		for _, d := range c.LabelElements.DependsOn {
			if d.DateFilter != nil {
				out = append(out, d.DateFilter)
			}
		}
	}
	return out
}

// onlyDataset returns the one dataset the filters name; found is false
// when they name none.
func onlyDataset(filters []*Filter) (name string, found bool, err error) {
	var names []string
	for _, f := range filters {
		if !contains(names, f.Dataset) {
			names = append(names, f.Dataset)
		}
	}
	switch len(names) {
	case 0:
		return "", false, nil
	case 1:
		return names[0], true, nil
	}
	return "", false, fmt.Errorf("date filters apply to several datasets (%s): name one", strings.Join(names, ", "))
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// filterRange returns the range one date filter selects.
func (c *ExecutionContext) filterRange(f *Filter, fiscalYearStartMonth int) (Range, error) {
	var r Range
	if f.Kind == KindAbsoluteDate {
		r = Range{From: f.absFrom.in(c.Location), To: f.absTo.next(c.Location)}
	} else {
		p, err := c.period(f, fiscalYearStartMonth)
		if err != nil {
			return Range{}, err
		}
		if err := p.checkShifts(f); err != nil {
			return Range{}, err
		}
		start := p.start(c.Now)
		r = Range{From: p.add(start, f.FromShift), To: p.add(start, f.ToShift+1)}
	}
	if r.To.Before(r.From) {
		r.To = r.From // from after to selects nothing
	}
	return r, nil
}

// period is a granularity as a unit of time: its start at a given instant
// and how to step by n units.
type period struct {
	dur        time.Duration // SECOND, MINUTE, HOUR: fixed length
	days       int           // DAY, WEEK
	months     int           // MONTH, QUARTER, YEAR and the fiscal ones
	weekStart  time.Weekday
	firstMonth int // the month (1-12) months-based periods are aligned to
}

// period returns the unit of a relative filter's granularity.
func (c *ExecutionContext) period(f *Filter, fiscalYearStartMonth int) (period, error) {
	if fiscalYearStartMonth == 0 {
		fiscalYearStartMonth = 1
	}
	if fiscalYearStartMonth < 1 || fiscalYearStartMonth > 12 {
		return period{}, fmt.Errorf("fiscal year start month %d: want 1 to 12", fiscalYearStartMonth)
	}
	g := strings.ToUpper(f.Granularity)
	switch g {
	case "SECOND":
		return period{dur: time.Second}, nil
	case "MINUTE":
		return period{dur: time.Minute}, nil
	case "HOUR":
		return period{dur: time.Hour}, nil
	case "DAY":
		return period{days: 1}, nil
	case "WEEK":
		ws, ok := c.StartOfWeek()
		if !ok {
			return period{}, fmt.Errorf("executionContext.weekStart: %q is not a day of the week", c.WeekStart)
		}
		return period{days: 7, weekStart: ws}, nil
	case "MONTH", "FISCAL_MONTH":
		return period{months: 1, firstMonth: 1}, nil
	case "QUARTER":
		return period{months: 3, firstMonth: 1}, nil
	case "YEAR":
		return period{months: 12, firstMonth: 1}, nil
	case "FISCAL_QUARTER":
		return period{months: 3, firstMonth: fiscalYearStartMonth}, nil
	case "FISCAL_YEAR":
		return period{months: 12, firstMonth: fiscalYearStartMonth}, nil
	}
	if isCyclic(g) {
		return period{}, fmt.Errorf("%s.granularity: %s is a cycle (such as a day of the week), not a period of time, so the filter has no date range", f.path, f.Granularity)
	}
	return period{}, fmt.Errorf("%s.granularity: %q has no date range (known: SECOND, MINUTE, HOUR, DAY, WEEK, MONTH, QUARTER, YEAR, FISCAL_MONTH, FISCAL_QUARTER, FISCAL_YEAR)", f.path, f.Granularity)
}

// checkShifts refuses shifts whose offset overflows a time.Duration
// (beyond about 292 years of minutes or hours).
func (p period) checkShifts(f *Filter) error {
	if p.dur == 0 {
		return nil
	}
	limit := int64(math.MaxInt64/p.dur) - 1
	for _, n := range []int{f.FromShift, f.ToShift} {
		if int64(n) > limit || int64(n) < -limit {
			return fmt.Errorf("%s: a shift of %d %ss is out of range", f.path, n, strings.ToLower(f.Granularity))
		}
	}
	return nil
}

// isCyclic reports whether a granularity is one of GoodData's cyclic ones
// (DAY_OF_WEEK, MONTH_OF_YEAR, ...) or TIMESTAMP.
func isCyclic(g string) bool {
	return g == "TIMESTAMP" || strings.Contains(g, "_OF_")
}

// start returns the start of the period that holds t, in t's location.
func (p period) start(t time.Time) time.Time {
	switch {
	case p.dur != 0:
		// Fixed lengths step on the time line; the wall clock of t's zone
		// says where the current minute or hour began (Asia/Kolkata's
		// hours start at :00 local, which is :30 UTC).
		_, min, sec := t.Clock()
		back := time.Duration(t.Nanosecond())
		if p.dur >= time.Minute {
			back += time.Duration(sec) * time.Second
		}
		if p.dur >= time.Hour {
			back += time.Duration(min) * time.Minute
		}
		return t.Add(-back)
	case p.days != 0:
		y, m, d := t.Date()
		back := 0
		if p.days == 7 {
			back = (int(t.Weekday()) - int(p.weekStart) + 7) % 7
		}
		return time.Date(y, m, d-back, 0, 0, 0, 0, t.Location())
	}
	y, m, _ := t.Date()
	months := y*12 + int(m-1) - (p.firstMonth - 1)
	months -= mod(months, p.months)
	months += p.firstMonth - 1
	return time.Date(floorDiv(months, 12), time.Month(mod(months, 12)+1), 1, 0, 0, 0, 0, t.Location())
}

// add steps n periods from t, a period start: fixed lengths on the time
// line, days and months on the calendar (time.Date normalises, so a DAY
// across a DST change is 23 or 25 hours long).
func (p period) add(t time.Time, n int) time.Time {
	switch {
	case p.dur != 0:
		return t.Add(time.Duration(n) * p.dur)
	case p.days != 0:
		y, m, d := t.Date()
		return time.Date(y, m, d+n*p.days, 0, 0, 0, 0, t.Location())
	}
	y, m, _ := t.Date()
	return time.Date(y, m+time.Month(n*p.months), 1, 0, 0, 0, 0, t.Location())
}

func mod(a, b int) int { return ((a % b) + b) % b }

func floorDiv(a, b int) int { return (a - mod(a, b)) / b }
