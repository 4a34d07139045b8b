package gooddata

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// rel and abs write one date filter on dataset "d" as GoodData sends it.
func rel(g string, from, to int) string {
	return fmt.Sprintf(`{"filterType":"relativeDateFilter","datasetIdentifier":"d","granularity":%q,"from":%d,"to":%d}`, g, from, to)
}

func abs(from, to string) string {
	return fmt.Sprintf(`{"filterType":"absoluteDateFilter","datasetIdentifier":"d","from":%q,"to":%q}`, from, to)
}

// contextWith returns parameters holding a REPORT context.
func contextWith(zone, now, weekStart string, filters ...string) []byte {
	return fmt.Appendf(nil, `{"executionContext":{"executionType":"REPORT","organizationId":"o","workspaceId":"w",`+
		`"userId":"u","timestamp":%q,"timezone":%q,"weekStart":%q,"attributes":[],"filters":[%s]}}`,
		now, zone, weekStart, strings.Join(filters, ","))
}

const (
	utc     = "UTC"
	prague  = "Europe/Prague"
	newYork = "America/New_York"
	kolkata = "Asia/Kolkata"
	chatham = "Pacific/Chatham"
)

// Every expected interval below was worked out by hand (calendar, weekday,
// and the zone's offsets and DST dates for 2024), never by the code.
// Prague: CET +01, CEST +02 from 2024-03-31 02:00 to 2024-10-27 03:00.
// New York: EST -05, EDT -04 from 2024-03-10 02:00 to 2024-11-03 02:00.
// Kolkata: +05:30. Chatham: +12:45, +13:45 from 2024-09-29 02:45 (and
// until 2024-04-07 03:45).
var rangeCases = []struct {
	name          string
	zone, now, ws string
	fiscal        int
	filters       []string
	from, to      string
}{
	// UTC, every granularity.
	{"utc day today", utc, "2024-03-13T10:15:30Z", "MONDAY", 0, []string{rel("DAY", 0, 0)}, "2024-03-13T00:00:00Z", "2024-03-14T00:00:00Z"},
	{"utc day yesterday", utc, "2024-03-13T10:15:30Z", "MONDAY", 0, []string{rel("DAY", -1, -1)}, "2024-03-12T00:00:00Z", "2024-03-13T00:00:00Z"},
	{"utc day last 7 days", utc, "2024-03-13T10:15:30Z", "MONDAY", 0, []string{rel("DAY", -6, 0)}, "2024-03-07T00:00:00Z", "2024-03-14T00:00:00Z"},
	{"utc day tomorrow", utc, "2024-03-13T10:15:30Z", "MONDAY", 0, []string{rel("DAY", 1, 1)}, "2024-03-14T00:00:00Z", "2024-03-15T00:00:00Z"},
	{"utc minute this", utc, "2024-03-13T10:15:30Z", "MONDAY", 0, []string{rel("MINUTE", 0, 0)}, "2024-03-13T10:15:00Z", "2024-03-13T10:16:00Z"},
	{"utc minute last 30", utc, "2024-03-13T10:15:30Z", "MONDAY", 0, []string{rel("MINUTE", -30, -1)}, "2024-03-13T09:45:00Z", "2024-03-13T10:15:00Z"},
	{"utc second last 10 and this", utc, "2024-03-13T10:15:30.25Z", "MONDAY", 0, []string{rel("SECOND", -10, 0)}, "2024-03-13T10:15:20Z", "2024-03-13T10:15:31Z"},
	{"utc hour previous", utc, "2024-03-13T10:15:30Z", "MONDAY", 0, []string{rel("HOUR", -1, -1)}, "2024-03-13T09:00:00Z", "2024-03-13T10:00:00Z"},
	{"utc hour this and next 2", utc, "2024-03-13T10:15:30Z", "MONDAY", 0, []string{rel("HOUR", 0, 2)}, "2024-03-13T10:00:00Z", "2024-03-13T13:00:00Z"},
	{"utc week monday", utc, "2024-03-13T10:15:30Z", "MONDAY", 0, []string{rel("WEEK", 0, 0)}, "2024-03-11T00:00:00Z", "2024-03-18T00:00:00Z"},
	{"utc week sunday", utc, "2024-03-13T10:15:30Z", "SUNDAY", 0, []string{rel("WEEK", 0, 0)}, "2024-03-10T00:00:00Z", "2024-03-17T00:00:00Z"},
	{"utc week monday previous", utc, "2024-03-13T10:15:30Z", "MONDAY", 0, []string{rel("WEEK", -1, -1)}, "2024-03-04T00:00:00Z", "2024-03-11T00:00:00Z"},
	{"utc week monday on a sunday", utc, "2024-03-10T12:00:00Z", "MONDAY", 0, []string{rel("WEEK", 0, 0)}, "2024-03-04T00:00:00Z", "2024-03-11T00:00:00Z"},
	{"utc week sunday on a sunday", utc, "2024-03-10T12:00:00Z", "sunday", 0, []string{rel("WEEK", 0, 0)}, "2024-03-10T00:00:00Z", "2024-03-17T00:00:00Z"},
	{"utc week absent weekStart is sunday", utc, "2024-03-13T10:15:30Z", "", 0, []string{rel("WEEK", 0, 0)}, "2024-03-10T00:00:00Z", "2024-03-17T00:00:00Z"},
	{"utc month this", utc, "2024-03-13T10:15:30Z", "MONDAY", 0, []string{rel("MONTH", 0, 0)}, "2024-03-01T00:00:00Z", "2024-04-01T00:00:00Z"},
	{"utc month last 3 with this", utc, "2024-03-13T10:15:30Z", "MONDAY", 0, []string{rel("MONTH", -2, 0)}, "2024-01-01T00:00:00Z", "2024-04-01T00:00:00Z"},
	{"utc month across year start", utc, "2024-01-15T08:00:00Z", "MONDAY", 0, []string{rel("MONTH", -3, -1)}, "2023-10-01T00:00:00Z", "2024-01-01T00:00:00Z"},
	{"utc month next across year end", utc, "2024-12-20T08:00:00Z", "MONDAY", 0, []string{rel("MONTH", 1, 1)}, "2025-01-01T00:00:00Z", "2025-02-01T00:00:00Z"},
	{"utc quarter this", utc, "2024-03-13T10:15:30Z", "MONDAY", 0, []string{rel("QUARTER", 0, 0)}, "2024-01-01T00:00:00Z", "2024-04-01T00:00:00Z"},
	{"utc quarter previous across year", utc, "2024-02-10T00:00:00Z", "MONDAY", 0, []string{rel("QUARTER", -1, -1)}, "2023-10-01T00:00:00Z", "2024-01-01T00:00:00Z"},
	{"utc quarter last instant", utc, "2024-12-31T23:59:59Z", "MONDAY", 0, []string{rel("QUARTER", 0, 0)}, "2024-10-01T00:00:00Z", "2025-01-01T00:00:00Z"},
	{"utc quarter first instant", utc, "2024-04-01T00:00:00Z", "MONDAY", 0, []string{rel("QUARTER", 0, 0)}, "2024-04-01T00:00:00Z", "2024-07-01T00:00:00Z"},
	{"utc year this", utc, "2024-03-13T10:15:30Z", "MONDAY", 0, []string{rel("YEAR", 0, 0)}, "2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z"},
	{"utc year last", utc, "2024-03-13T10:15:30Z", "MONDAY", 0, []string{rel("YEAR", -1, -1)}, "2023-01-01T00:00:00Z", "2024-01-01T00:00:00Z"},
	{"utc year -2 to +2", utc, "2024-03-13T10:15:30Z", "MONDAY", 0, []string{rel("YEAR", -2, 2)}, "2022-01-01T00:00:00Z", "2027-01-01T00:00:00Z"},
	{"utc leap day today", utc, "2024-02-29T12:00:00Z", "MONDAY", 0, []string{rel("DAY", 0, 0)}, "2024-02-29T00:00:00Z", "2024-03-01T00:00:00Z"},
	{"utc leap day tomorrow", utc, "2024-02-28T12:00:00Z", "MONDAY", 0, []string{rel("DAY", 1, 1)}, "2024-02-29T00:00:00Z", "2024-03-01T00:00:00Z"},
	{"utc leap february", utc, "2024-02-29T12:00:00Z", "MONDAY", 0, []string{rel("MONTH", 0, 0)}, "2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z"},
	{"utc february a year ago", utc, "2025-02-28T12:00:00Z", "MONDAY", 0, []string{rel("MONTH", -12, -12)}, "2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z"},
	{"utc from after to is empty", utc, "2024-03-13T10:15:30Z", "MONDAY", 0, []string{rel("DAY", 0, -1)}, "2024-03-13T00:00:00Z", "2024-03-13T00:00:00Z"},
	{"utc lower-case granularity", utc, "2024-03-13T10:15:30Z", "MONDAY", 0, []string{rel("day", 0, 0)}, "2024-03-13T00:00:00Z", "2024-03-14T00:00:00Z"},

	// Fiscal granularities.
	{"fiscal month is a month", utc, "2024-03-13T10:15:30Z", "MONDAY", 4, []string{rel("FISCAL_MONTH", 0, 0)}, "2024-03-01T00:00:00Z", "2024-04-01T00:00:00Z"},
	{"fiscal quarter april start", utc, "2024-03-13T10:15:30Z", "MONDAY", 4, []string{rel("FISCAL_QUARTER", 0, 0)}, "2024-01-01T00:00:00Z", "2024-04-01T00:00:00Z"},
	{"fiscal quarter february start", utc, "2024-03-13T10:15:30Z", "MONDAY", 2, []string{rel("FISCAL_QUARTER", 0, 0)}, "2024-02-01T00:00:00Z", "2024-05-01T00:00:00Z"},
	{"fiscal quarter previous across year", utc, "2024-01-15T00:00:00Z", "MONDAY", 2, []string{rel("FISCAL_QUARTER", -1, -1)}, "2023-08-01T00:00:00Z", "2023-11-01T00:00:00Z"},
	{"fiscal year april start before april", utc, "2024-03-13T10:15:30Z", "MONDAY", 4, []string{rel("FISCAL_YEAR", 0, 0)}, "2023-04-01T00:00:00Z", "2024-04-01T00:00:00Z"},
	{"fiscal year april start on april 1", utc, "2024-04-01T00:00:00Z", "MONDAY", 4, []string{rel("FISCAL_YEAR", 0, 0)}, "2024-04-01T00:00:00Z", "2025-04-01T00:00:00Z"},
	{"fiscal year october start previous", utc, "2024-03-13T10:15:30Z", "MONDAY", 10, []string{rel("FISCAL_YEAR", -1, -1)}, "2022-10-01T00:00:00Z", "2023-10-01T00:00:00Z"},
	{"fiscal year january start", utc, "2024-03-13T10:15:30Z", "MONDAY", 1, []string{rel("FISCAL_YEAR", 0, 0)}, "2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z"},
	{"fiscal quarter default start", utc, "2024-03-13T10:15:30Z", "MONDAY", 0, []string{rel("FISCAL_QUARTER", 0, 0)}, "2024-01-01T00:00:00Z", "2024-04-01T00:00:00Z"},
	{"fiscal year december start next", utc, "2024-12-01T00:00:00Z", "MONDAY", 12, []string{rel("FISCAL_YEAR", 1, 1)}, "2025-12-01T00:00:00Z", "2026-12-01T00:00:00Z"},

	// Europe/Prague: spring and autumn DST changes.
	{"prague spring day is 23h", prague, "2024-03-31T12:00:00+02:00", "MONDAY", 0, []string{rel("DAY", 0, 0)}, "2024-03-31T00:00:00+01:00", "2024-04-01T00:00:00+02:00"},
	{"prague autumn day is 25h", prague, "2024-10-27T12:00:00+01:00", "MONDAY", 0, []string{rel("DAY", 0, 0)}, "2024-10-27T00:00:00+02:00", "2024-10-28T00:00:00+01:00"},
	{"prague yesterday was spring", prague, "2024-04-01T08:00:00+02:00", "MONDAY", 0, []string{rel("DAY", -1, -1)}, "2024-03-31T00:00:00+01:00", "2024-04-01T00:00:00+02:00"},
	{"prague hour before the jump", prague, "2024-03-31T03:30:00+02:00", "MONDAY", 0, []string{rel("HOUR", -1, -1)}, "2024-03-31T01:00:00+01:00", "2024-03-31T03:00:00+02:00"},
	{"prague second 2:30 hour", prague, "2024-10-27T02:30:00+01:00", "MONDAY", 0, []string{rel("HOUR", 0, 0)}, "2024-10-27T02:00:00+01:00", "2024-10-27T03:00:00+01:00"},
	{"prague first 2:00 hour", prague, "2024-10-27T02:30:00+01:00", "MONDAY", 0, []string{rel("HOUR", -1, -1)}, "2024-10-27T02:00:00+02:00", "2024-10-27T02:00:00+01:00"},
	{"prague week monday over spring", prague, "2024-03-31T12:00:00+02:00", "MONDAY", 0, []string{rel("WEEK", 0, 0)}, "2024-03-25T00:00:00+01:00", "2024-04-01T00:00:00+02:00"},
	{"prague week sunday over spring", prague, "2024-03-31T12:00:00+02:00", "SUNDAY", 0, []string{rel("WEEK", 0, 0)}, "2024-03-31T00:00:00+01:00", "2024-04-07T00:00:00+02:00"},
	{"prague month with spring", prague, "2024-03-13T10:15:30+01:00", "MONDAY", 0, []string{rel("MONTH", 0, 0)}, "2024-03-01T00:00:00+01:00", "2024-04-01T00:00:00+02:00"},
	{"prague last 3 months", prague, "2024-03-13T10:15:30+01:00", "MONDAY", 0, []string{rel("MONTH", -2, 0)}, "2024-01-01T00:00:00+01:00", "2024-04-01T00:00:00+02:00"},
	{"prague new year's eve", prague, "2024-12-31T23:30:00+01:00", "MONDAY", 0, []string{rel("YEAR", 0, 0)}, "2024-01-01T00:00:00+01:00", "2025-01-01T00:00:00+01:00"},
	{"prague new year while UTC is in the old", prague, "2025-01-01T00:30:00+01:00", "MONDAY", 0, []string{rel("YEAR", 0, 0)}, "2025-01-01T00:00:00+01:00", "2026-01-01T00:00:00+01:00"},
	{"prague timestamp sent in UTC", prague, "2024-03-31T23:30:00Z", "MONDAY", 0, []string{rel("DAY", 0, 0)}, "2024-04-01T00:00:00+02:00", "2024-04-02T00:00:00+02:00"},

	// America/New_York.
	{"new york spring day", newYork, "2024-03-10T12:00:00-04:00", "SUNDAY", 0, []string{rel("DAY", 0, 0)}, "2024-03-10T00:00:00-05:00", "2024-03-11T00:00:00-04:00"},
	{"new york autumn day", newYork, "2024-11-03T12:00:00-05:00", "SUNDAY", 0, []string{rel("DAY", 0, 0)}, "2024-11-03T00:00:00-04:00", "2024-11-04T00:00:00-05:00"},
	{"new york first 1:00 hour", newYork, "2024-11-03T01:30:00-04:00", "SUNDAY", 0, []string{rel("HOUR", 0, 0)}, "2024-11-03T01:00:00-04:00", "2024-11-03T01:00:00-05:00"},
	{"new york second 1:00 hour", newYork, "2024-11-03T01:30:00-04:00", "SUNDAY", 0, []string{rel("HOUR", 1, 1)}, "2024-11-03T01:00:00-05:00", "2024-11-03T02:00:00-05:00"},
	{"new york last minute before fall back", newYork, "2024-11-03T01:59:30-04:00", "SUNDAY", 0, []string{rel("MINUTE", 0, 0)}, "2024-11-03T01:59:00-04:00", "2024-11-03T01:00:00-05:00"},
	{"new york previous sunday week", newYork, "2024-11-03T01:30:00-04:00", "SUNDAY", 0, []string{rel("WEEK", -1, -1)}, "2024-10-27T00:00:00-04:00", "2024-11-03T00:00:00-04:00"},
	{"new york sunday week over autumn", newYork, "2024-11-03T01:30:00-04:00", "SUNDAY", 0, []string{rel("WEEK", 0, 0)}, "2024-11-03T00:00:00-04:00", "2024-11-10T00:00:00-05:00"},
	{"new york monday week over autumn", newYork, "2024-11-03T01:30:00-04:00", "MONDAY", 0, []string{rel("WEEK", 0, 0)}, "2024-10-28T00:00:00-04:00", "2024-11-04T00:00:00-05:00"},
	{"new york month with spring", newYork, "2024-03-13T10:00:00-04:00", "SUNDAY", 0, []string{rel("MONTH", 0, 0)}, "2024-03-01T00:00:00-05:00", "2024-04-01T00:00:00-04:00"},
	{"new york quarter with autumn", newYork, "2024-11-03T01:30:00-04:00", "SUNDAY", 0, []string{rel("QUARTER", 0, 0)}, "2024-10-01T00:00:00-04:00", "2025-01-01T00:00:00-05:00"},
	{"new york still last year", newYork, "2024-01-01T03:00:00Z", "SUNDAY", 0, []string{rel("YEAR", 0, 0)}, "2023-01-01T00:00:00-05:00", "2024-01-01T00:00:00-05:00"},
	{"new york fiscal year october", newYork, "2024-11-03T01:30:00-04:00", "SUNDAY", 10, []string{rel("FISCAL_YEAR", 0, 0)}, "2024-10-01T00:00:00-04:00", "2025-10-01T00:00:00-04:00"},

	// Asia/Kolkata: half-hour offset.
	{"kolkata hour", kolkata, "2024-02-29T23:45:00+05:30", "MONDAY", 0, []string{rel("HOUR", 0, 0)}, "2024-02-29T23:00:00+05:30", "2024-03-01T00:00:00+05:30"},
	{"kolkata last 3 hours", kolkata, "2024-02-29T23:45:00+05:30", "MONDAY", 0, []string{rel("HOUR", -3, -1)}, "2024-02-29T20:00:00+05:30", "2024-02-29T23:00:00+05:30"},
	{"kolkata leap day", kolkata, "2024-02-29T23:45:00+05:30", "MONDAY", 0, []string{rel("DAY", 0, 0)}, "2024-02-29T00:00:00+05:30", "2024-03-01T00:00:00+05:30"},
	{"kolkata already march", kolkata, "2024-02-29T20:00:00Z", "MONDAY", 0, []string{rel("DAY", 0, 0)}, "2024-03-01T00:00:00+05:30", "2024-03-02T00:00:00+05:30"},
	{"kolkata leap february", kolkata, "2024-02-29T23:45:00+05:30", "MONDAY", 0, []string{rel("MONTH", 0, 0)}, "2024-02-01T00:00:00+05:30", "2024-03-01T00:00:00+05:30"},
	{"kolkata last 5 minutes", kolkata, "2024-02-29T23:45:10+05:30", "MONDAY", 0, []string{rel("MINUTE", -5, -1)}, "2024-02-29T23:40:00+05:30", "2024-02-29T23:45:00+05:30"},

	// Pacific/Chatham: a 45-minute offset and a DST change at 02:45.
	{"chatham spring day", chatham, "2024-09-29T12:00:00+13:45", "MONDAY", 0, []string{rel("DAY", 0, 0)}, "2024-09-29T00:00:00+12:45", "2024-09-30T00:00:00+13:45"},
	{"chatham autumn day", chatham, "2024-04-07T12:00:00+12:45", "MONDAY", 0, []string{rel("DAY", 0, 0)}, "2024-04-07T00:00:00+13:45", "2024-04-08T00:00:00+12:45"},
	{"chatham hour", chatham, "2024-03-13T10:20:00+13:45", "MONDAY", 0, []string{rel("HOUR", 0, 0)}, "2024-03-13T10:00:00+13:45", "2024-03-13T11:00:00+13:45"},
	{"chatham hour across the jump", chatham, "2024-09-29T04:10:00+13:45", "MONDAY", 0, []string{rel("HOUR", -1, -1)}, "2024-09-29T02:00:00+12:45", "2024-09-29T04:00:00+13:45"},
	{"chatham monday week over spring", chatham, "2024-09-29T12:00:00+13:45", "MONDAY", 0, []string{rel("WEEK", 0, 0)}, "2024-09-23T00:00:00+12:45", "2024-09-30T00:00:00+13:45"},
	{"chatham year", chatham, "2024-12-31T23:00:00+13:45", "MONDAY", 0, []string{rel("YEAR", 0, 0)}, "2024-01-01T00:00:00+13:45", "2025-01-01T00:00:00+13:45"},
	{"chatham month with autumn", chatham, "2024-04-07T12:00:00+12:45", "MONDAY", 0, []string{rel("MONTH", 0, 0)}, "2024-04-01T00:00:00+13:45", "2024-05-01T00:00:00+12:45"},

	// Absolute filters: inclusive bounds, the end moved to the next day or minute.
	{"absolute days", utc, "2024-03-13T10:15:30Z", "MONDAY", 0, []string{abs("2024-1-5", "2024-1-31")}, "2024-01-05T00:00:00Z", "2024-02-01T00:00:00Z"},
	{"absolute over prague spring", prague, "2024-03-13T10:15:30+01:00", "MONDAY", 0, []string{abs("2024-3-30", "2024-3-31")}, "2024-03-30T00:00:00+01:00", "2024-04-01T00:00:00+02:00"},
	{"absolute minutes over prague spring", prague, "2024-03-13T10:15:30+01:00", "MONDAY", 0, []string{abs("2024-3-31 1:30", "2024-3-31 3:15")}, "2024-03-31T01:30:00+01:00", "2024-03-31T03:16:00+02:00"},
	{"absolute leap day", newYork, "2024-03-13T10:00:00-04:00", "SUNDAY", 0, []string{abs("2024-2-29", "2024-2-29")}, "2024-02-29T00:00:00-05:00", "2024-03-01T00:00:00-05:00"},
	{"absolute last minute of the year", kolkata, "2024-02-29T23:45:00+05:30", "MONDAY", 0, []string{abs("2023-12-31 23:59", "2023-12-31 23:59")}, "2023-12-31T23:59:00+05:30", "2024-01-01T00:00:00+05:30"},
	{"absolute over chatham spring", chatham, "2024-03-13T10:20:00+13:45", "MONDAY", 0, []string{abs("2024-09-28", "2024-09-29")}, "2024-09-28T00:00:00+12:45", "2024-09-30T00:00:00+13:45"},
	{"absolute from after to is empty", utc, "2024-03-13T10:15:30Z", "MONDAY", 0, []string{abs("2024-2-10", "2024-2-1")}, "2024-02-10T00:00:00Z", "2024-02-10T00:00:00Z"},

	// Several filters on one dataset intersect.
	{"relative and absolute intersect", utc, "2024-03-13T10:15:30Z", "MONDAY", 0, []string{rel("MONTH", -2, 0), abs("2024-1-15", "2024-3-10 18:30")}, "2024-01-15T00:00:00Z", "2024-03-10T18:31:00Z"},
	{"disjoint filters are empty", utc, "2024-03-13T10:15:30Z", "MONDAY", 0, []string{rel("MONTH", 0, 0), abs("2024-1-1", "2024-1-31")}, "2024-03-01T00:00:00Z", "2024-03-01T00:00:00Z"},
	{"two relative filters", prague, "2024-03-13T10:15:30+01:00", "MONDAY", 0, []string{rel("YEAR", 0, 0), rel("QUARTER", 0, 1)}, "2024-01-01T00:00:00+01:00", "2024-07-01T00:00:00+02:00"},
}

func TestDateRangeTable(t *testing.T) {
	if len(rangeCases) < 60 {
		t.Fatalf("only %d cases", len(rangeCases))
	}
	for _, tc := range rangeCases {
		t.Run(tc.name, func(t *testing.T) {
			ec, err := Parse(contextWith(tc.zone, tc.now, tc.ws, tc.filters...))
			if err != nil {
				t.Fatal(err)
			}
			r, ok, err := ec.DateRange("d", tc.fiscal)
			if err != nil || !ok {
				t.Fatalf("DateRange: ok %v, err %v", ok, err)
			}
			from, to := r.ISO()
			if from != tc.from || to != tc.to {
				t.Errorf("got [%s, %s), want [%s, %s)", from, to, tc.from, tc.to)
			}
			if r.From.Location().String() != tc.zone {
				t.Errorf("range in %s, want %s", r.From.Location(), tc.zone)
			}
			if want := tc.from == tc.to; r.Empty() != want {
				t.Errorf("Empty() = %v", r.Empty())
			}
		})
	}
}

func mustParse(t testing.TB, params []byte) *ExecutionContext {
	t.Helper()
	ec, err := Parse(params)
	if err != nil {
		t.Fatal(err)
	}
	if ec == nil {
		t.Fatal("no context")
	}
	return ec
}

func TestDateRangeDatasets(t *testing.T) {
	now := "2024-03-13T10:15:30Z"
	other := `{"filterType":"relativeDateFilter","datasetIdentifier":"ship_date","granularity":"YEAR","from":0,"to":0}`

	ec := mustParse(t, contextWith(utc, now, "MONDAY", `{"filterType":"positiveAttributeFilter","labelIdentifier":"a","values":["x"]}`))
	if _, ok, err := ec.DateRange("", 0); ok || err != nil {
		t.Errorf("no date filter: ok %v, err %v", ok, err)
	}

	ec = mustParse(t, contextWith(utc, now, "MONDAY", rel("DAY", 0, 0)))
	if r, ok, err := ec.DateRange("", 0); !ok || err != nil || r.From.Format(time.RFC3339) != "2024-03-13T00:00:00Z" {
		t.Errorf("the only dataset: %v %v %v", r, ok, err)
	}
	if _, ok, err := ec.DateRange("ship_date", 0); ok || err != nil {
		t.Errorf("a dataset without filters: ok %v, err %v", ok, err)
	}

	ec = mustParse(t, contextWith(utc, now, "MONDAY", rel("DAY", 0, 0), other))
	_, _, err := ec.DateRange("", 0)
	if err == nil || err.Error() != "date filters apply to several datasets (d, ship_date): name one" {
		t.Errorf("several datasets: %v", err)
	}
	if r, ok, err := ec.DateRange("ship_date", 0); !ok || err != nil || r.From.Format(time.RFC3339) != "2024-01-01T00:00:00Z" {
		t.Errorf("named dataset: %v %v %v", r, ok, err)
	}
	if got := ec.DateDatasets(); strings.Join(got, ",") != "d,ship_date" {
		t.Errorf("DateDatasets() = %v", got)
	}
}

func TestDateRangeErrors(t *testing.T) {
	now := "2024-03-13T10:15:30Z"
	cases := []struct {
		name, ws string
		fiscal   int
		filter   string
		want     string
	}{
		{"cyclic", "MONDAY", 0, rel("DAY_OF_WEEK", 0, 0), "executionContext.filters[0].granularity: DAY_OF_WEEK is a cycle (such as a day of the week), not a period of time, so the filter has no date range"},
		{"timestamp", "MONDAY", 0, rel("TIMESTAMP", 0, 0), "executionContext.filters[0].granularity: TIMESTAMP is a cycle"},
		{"unknown", "MONDAY", 0, rel("FORTNIGHT", 0, 0), `executionContext.filters[0].granularity: "FORTNIGHT" has no date range`},
		{"bad week start", "TUESDAYS", 0, rel("WEEK", 0, 0), `executionContext.weekStart: "TUESDAYS" is not a day of the week`},
		{"fiscal month 13", "MONDAY", 13, rel("FISCAL_YEAR", 0, 0), "fiscal year start month 13: want 1 to 12"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ec := mustParse(t, contextWith(utc, now, tc.ws, tc.filter))
			_, ok, err := ec.DateRange("d", tc.fiscal)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) || ok {
				t.Errorf("got ok %v, err %v; want error %q", ok, err, tc.want)
			}
		})
	}
	// A bad weekStart matters only to weeks; any weekday name is a start.
	ec := mustParse(t, contextWith(utc, now, "TUESDAYS", rel("DAY", 0, 0)))
	if _, _, err := ec.DateRange("d", 0); err != nil {
		t.Error(err)
	}
	ec = mustParse(t, contextWith(utc, now, "Friday", rel("WEEK", 0, 0)))
	if r, _, err := ec.DateRange("d", 0); err != nil || r.From.Format(time.RFC3339) != "2024-03-08T00:00:00Z" {
		t.Errorf("friday week: %v %v", r, err)
	}
}

func TestRangeDatesAndDays(t *testing.T) {
	now := "2024-03-13T10:15:30+01:00"
	cases := []struct {
		filter         string
		from, to       string
		fromDays, toDa int32
	}{
		{rel("DAY", -1, 0), "2024-03-12", "2024-03-14", 19794, 19796},
		{rel("HOUR", 0, 2), "2024-03-13", "2024-03-14", 19795, 19796},
		{rel("MONTH", 0, 0), "2024-03-01", "2024-04-01", 19783, 19814},
		{abs("2024-3-31 1:30", "2024-3-31 3:15"), "2024-03-31", "2024-04-01", 19813, 19814},
		{rel("DAY", 0, -1), "2024-03-13", "2024-03-13", 19795, 19795},
	}
	for _, tc := range cases {
		ec := mustParse(t, contextWith(prague, now, "MONDAY", tc.filter))
		r, _, err := ec.DateRange("d", 0)
		if err != nil {
			t.Fatal(err)
		}
		from, to := r.Dates()
		if from.String() != tc.from || to.String() != tc.to {
			t.Errorf("%s: dates [%s, %s), want [%s, %s)", tc.filter, from, to, tc.from, tc.to)
		}
		if from.DaysSinceEpoch() != tc.fromDays || to.DaysSinceEpoch() != tc.toDa {
			t.Errorf("%s: days [%d, %d), want [%d, %d)", tc.filter, from.DaysSinceEpoch(), to.DaysSinceEpoch(), tc.fromDays, tc.toDa)
		}
	}
	if d := DateFromDays(-1); d.String() != "1969-12-31" {
		t.Errorf("DateFromDays(-1) = %s", d)
	}
	if d := (Date{2024, 2, 28}).AddDays(1); d.String() != "2024-02-29" {
		t.Errorf("AddDays = %s", d)
	}
}

func TestRangeContains(t *testing.T) {
	ec := mustParse(t, contextWith(newYork, "2024-03-13T10:00:00-04:00", "SUNDAY", rel("DAY", 0, 0)))
	r, _, _ := ec.DateRange("d", 0)
	in := []string{"2024-03-13T00:00:00-04:00", "2024-03-14T03:59:59Z"}
	out := []string{"2024-03-12T23:59:59-04:00", "2024-03-14T04:00:00Z"}
	for _, s := range in {
		if tm, _ := time.Parse(time.RFC3339, s); !r.Contains(tm) {
			t.Errorf("%s should be in %v", s, r)
		}
	}
	for _, s := range out {
		if tm, _ := time.Parse(time.RFC3339, s); r.Contains(tm) {
			t.Errorf("%s should not be in %v", s, r)
		}
	}
}

func TestDateRangeHugeShifts(t *testing.T) {
	ec := mustParse(t, contextWith(utc, "2024-03-13T10:15:30Z", "MONDAY", rel("HOUR", -2147483648, 0)))
	if _, _, err := ec.DateRange("d", 0); err == nil || err.Error() != "executionContext.filters[0]: a shift of -2147483648 hours is out of range" {
		t.Errorf("hours: %v", err)
	}
	// Seconds and calendar units of any 32-bit shift stay on the time line.
	ec = mustParse(t, contextWith(utc, "2024-03-13T10:15:30Z", "MONDAY", rel("SECOND", -2147483648, 0)))
	if r, _, err := ec.DateRange("d", 0); err != nil || r.From.Format(time.RFC3339) != "1956-02-24T07:01:22Z" {
		t.Errorf("seconds: %v %v", r, err)
	}
	ec = mustParse(t, contextWith(utc, "2024-03-13T10:15:30Z", "MONDAY", rel("YEAR", 0, 2147483647)))
	if r, _, err := ec.DateRange("d", 0); err != nil || r.Empty() || r.From.Year() != 2024 {
		t.Errorf("years: %v %v", r, err)
	}
}
