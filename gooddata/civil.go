package gooddata

import (
	"fmt"
	"time"
)

// Date is a calendar date without a zone, as in a date32 column.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns t's calendar date in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// String returns the date as "YYYY-MM-DD".
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

// In returns the start of the date (midnight) in loc.
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// AddDays returns the date n days later (earlier when n < 0).
func (d Date) AddDays(n int) Date {
	return DateOf(time.Date(d.Year, d.Month, d.Day+n, 0, 0, 0, 0, time.UTC))
}

// DaysSinceEpoch returns the number of days from 1970-01-01 to d, the
// value of a date32 column.
func (d Date) DaysSinceEpoch() int32 {
	return int32(d.In(time.UTC).Unix() / 86400)
}

// DateFromDays returns the date a date32 value holds.
func DateFromDays(days int32) Date {
	return DateOf(time.Unix(int64(days)*86400, 0).UTC())
}

// precision of a civil date-time.
const (
	precDay    = iota // "2024-1-5"
	precMinute        // "2024-1-5 10:30"
	precSecond        // "2024-1-5 10:30:15"
)

// civil is a wall-clock date-time without a zone, as GoodData writes the
// bounds of an absolute date filter.
type civil struct {
	year                      int
	month                     time.Month
	day, hour, minute, second int
	prec                      int
}

// in returns the civil time in loc.
func (c civil) in(loc *time.Location) time.Time {
	return time.Date(c.year, c.month, c.day, c.hour, c.minute, c.second, 0, loc)
}

// next returns the start of the period after c at c's precision: the next
// day, minute or second. GoodData's bounds are inclusive; next makes the
// upper one exclusive.
func (c civil) next(loc *time.Location) time.Time {
	switch c.prec {
	case precMinute:
		return time.Date(c.year, c.month, c.day, c.hour, c.minute+1, 0, 0, loc)
	case precSecond:
		return time.Date(c.year, c.month, c.day, c.hour, c.minute, c.second+1, 0, loc)
	}
	return time.Date(c.year, c.month, c.day+1, 0, 0, 0, 0, loc)
}

// parseCivil reads "YYYY-M-D" with an optional " H:M" or " H:M:S" (a "T"
// may stand for the space). Months, days, hours, minutes and seconds have
// one or two digits; the date must exist.
func parseCivil(s string) (civil, error) {
	var c civil
	bad := func() (civil, error) {
		return civil{}, fmt.Errorf("want a date \"YYYY-M-D\" with an optional time \" H:M\", got %q", s)
	}
	p := numParser{s: s}
	y, ok1 := p.num(4, 4)
	ok2 := p.sep('-')
	mo, ok3 := p.num(1, 2)
	ok4 := p.sep('-')
	d, ok5 := p.num(1, 2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5) {
		return bad()
	}
	c.year, c.month, c.day = y, time.Month(mo), d
	if !p.done() {
		if !p.sep(' ') && !p.sep('T') {
			return bad()
		}
		h, ok1 := p.num(1, 2)
		ok2 := p.sep(':')
		mi, ok3 := p.num(1, 2)
		if !(ok1 && ok2 && ok3) {
			return bad()
		}
		c.hour, c.minute, c.prec = h, mi, precMinute
		if p.sep(':') {
			sec, ok := p.num(1, 2)
			if !ok {
				return bad()
			}
			c.second, c.prec = sec, precSecond
		}
		if !p.done() {
			return bad()
		}
	}
	if !c.valid() {
		return civil{}, fmt.Errorf("%q is not a valid date and time", s)
	}
	return c, nil
}

// valid reports whether every field is in range and the day exists.
func (c civil) valid() bool {
	if c.month < 1 || c.month > 12 || c.day < 1 || c.hour > 23 || c.minute > 59 || c.second > 59 {
		return false
	}
	t := time.Date(c.year, c.month, c.day, 0, 0, 0, 0, time.UTC)
	return t.Day() == c.day
}

// numParser scans the small numeric formats of dates.
type numParser struct {
	s string
	i int
}

// num reads min to max decimal digits.
func (p *numParser) num(min, max int) (int, bool) {
	n, start := 0, p.i
	for p.i < len(p.s) && p.i-start < max && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		n = n*10 + int(p.s[p.i]-'0')
		p.i++
	}
	return n, p.i-start >= min
}

// sep consumes byte b if it comes next.
func (p *numParser) sep(b byte) bool {
	if p.i < len(p.s) && p.s[p.i] == b {
		p.i++
		return true
	}
	return false
}

func (p *numParser) done() bool { return p.i == len(p.s) }
