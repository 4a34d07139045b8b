package gooddata

import (
	"slices"
	"sync"
	"testing"
	"time"
)

// mapRow adapts a map to MatchesRow.
func mapRow(m map[string]any) func(string) (any, bool) {
	return func(c string) (any, bool) {
		v, ok := m[c]
		return v, ok
	}
}

func TestResolveColumn(t *testing.T) {
	cols := map[string]bool{"region.name": true, "name": true, "city": true, "order_date": true}
	has := func(c string) bool { return cols[c] }
	cases := []struct {
		id     string
		labels map[string]string
		want   string
		ok     bool
	}{
		{"region.name", nil, "region.name", true},
		{"store.city", nil, "city", true},
		{"order_date", nil, "order_date", true},
		{"customer.name", nil, "name", true},
		{"customer.id", nil, "", false},
		{"customer.id", map[string]string{"customer.id": "city"}, "city", true},
		{"region.name", map[string]string{"region.name": "missing"}, "missing", false},
	}
	for _, tc := range cases {
		got, ok := ResolveColumn(tc.id, tc.labels, has)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ResolveColumn(%q, %v) = %q, %v; want %q, %v", tc.id, tc.labels, got, ok, tc.want, tc.ok)
		}
	}
}

func TestMatchesRow(t *testing.T) {
	// report.json: region.name in (Europe, Asia, null); product.category not
	// Discontinued; customer.name contains "gmbh"; order_date in
	// [2024-01-15 00:00, 2024-03-10 18:31) Prague time.
	ec := mustParse(t, readSample(t, "report.json"))
	var ignored []string
	m, err := ec.RowMatcher(RowOptions{Labels: map[string]string{"customer.name": "client"}, OnIgnored: func(id string) { ignored = append(ignored, id) }})
	if err != nil {
		t.Fatal(err)
	}
	prague, _ := time.LoadLocation("Europe/Prague")
	base := map[string]any{"name": "Europe", "category": "Tools", "client": "Müller GmbH", "order_date": "2024-02-01"}
	cases := []struct {
		column string
		value  any
		want   bool
	}{
		{"", nil, true},
		{"name", "Asia", true},
		{"name", nil, true},
		{"name", "Africa", false},
		{"category", "Discontinued", false},
		{"category", nil, true},
		{"client", "Acme", false},
		{"client", nil, false},
		{"order_date", "2024-01-15", true},
		{"order_date", "2024-01-14", false},
		{"order_date", "2024-03-10 18:30", true},
		{"order_date", "2024-03-10 18:31", false},
		{"order_date", "2024-03-10T18:30:59", true},
		{"order_date", "2024-03-10T17:30:59Z", true},
		{"order_date", "2024-03-10T17:31:00Z", false},
		{"order_date", time.Date(2024, 1, 14, 23, 30, 0, 0, time.UTC), true},
		{"order_date", time.Date(2024, 1, 14, 23, 30, 0, 0, prague), false},
		{"order_date", Date{2024, 3, 10}, true},
		{"order_date", Date{2024, 3, 11}, false},
		{"order_date", nil, false},
		{"order_date", 19800, false},
		{"order_date", "soon", false},
	}
	for _, tc := range cases {
		row := map[string]any{}
		for k, v := range base {
			row[k] = v
		}
		if tc.column != "" {
			row[tc.column] = tc.value
		}
		if got := m.MatchesRow(mapRow(row)); got != tc.want {
			t.Errorf("%s = %#v: %v, want %v", tc.column, tc.value, got, tc.want)
		}
	}
	if len(ignored) != 0 || len(m.Ignored()) != 0 {
		t.Errorf("ignored %v %v", ignored, m.Ignored())
	}

	// A row without a category column: that filter is ignored, reported once.
	for range 3 {
		if !m.MatchesRow(mapRow(map[string]any{"name": "Europe", "client": "X GmbH", "order_date": "2024-02-01"})) {
			t.Error("row without category")
		}
	}
	if !slices.Equal(ignored, []string{"product.category"}) || !slices.Equal(m.Ignored(), []string{"product.category"}) {
		t.Errorf("ignored %v, Ignored() %v", ignored, m.Ignored())
	}
}

func TestMatchesRowPrefersFullIdentifier(t *testing.T) {
	ec := filterContext(t, positive("region.name", `"Europe"`))
	m, err := ec.RowMatcher(RowOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !m.MatchesRow(mapRow(map[string]any{"region.name": "Europe", "name": "Asia"})) {
		t.Error("the full identifier should win")
	}
	if m.MatchesRow(mapRow(map[string]any{"name": "Asia"})) {
		t.Error("the last part should be used")
	}
	// A declared label maps only to its column.
	m, _ = ec.RowMatcher(RowOptions{Labels: map[string]string{"region.name": "area"}})
	if !m.MatchesRow(mapRow(map[string]any{"name": "Asia"})) || !slices.Equal(m.Ignored(), []string{"region.name"}) {
		t.Errorf("declared label: %v", m.Ignored())
	}
	if m.MatchesRow(mapRow(map[string]any{"area": "Asia"})) {
		t.Error("declared column not used")
	}
}

func TestRowMatcherFiscalAndErrors(t *testing.T) {
	ec := filterContext(t, rel("FISCAL_YEAR", 0, 0))
	m, err := ec.RowMatcher(RowOptions{FiscalYearStartMonth: 4})
	if err != nil {
		t.Fatal(err)
	}
	// now 2024-03-13: fiscal year [2023-04-01, 2024-04-01); column "d".
	for v, want := range map[string]bool{"2023-04-01": true, "2023-03-31": false, "2024-03-31": true, "2024-04-01": false} {
		if got := m.MatchesRow(mapRow(map[string]any{"d": v})); got != want {
			t.Errorf("d = %s: %v", v, got)
		}
	}
	if _, err := filterContext(t, rel("DAY_OF_WEEK", 0, 0)).RowMatcher(RowOptions{}); err == nil {
		t.Error("DAY_OF_WEEK accepted")
	}
	if _, err := filterContext(t, match("a", "REGEX", "x", false, false)).RowMatcher(RowOptions{}); err == nil {
		t.Error("REGEX accepted")
	}
}

func TestMatchesRowConcurrent(t *testing.T) {
	ec := mustParse(t, readSample(t, "report.json"))
	var mu sync.Mutex
	calls := 0
	m, err := ec.RowMatcher(RowOptions{Labels: map[string]string{"customer.name": "client"},
		OnIgnored: func(string) { mu.Lock(); calls++; mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 100 {
				m.MatchesRow(mapRow(map[string]any{"name": "Europe"}))
			}
		})
	}
	wg.Wait()
	// category, customer and order_date have no column: one call each.
	if calls != 3 {
		t.Errorf("OnIgnored called %d times", calls)
	}
}

// TestCookbookOrders is the CSV example of docs/gooddata.md with report.json.
func TestCookbookOrders(t *testing.T) {
	ec := mustParse(t, readSample(t, "report.json"))
	var ignored []string
	m, err := ec.RowMatcher(RowOptions{Labels: map[string]string{"region.name": "region", "customer.name": "customer"},
		OnIgnored: func(id string) { ignored = append(ignored, id) }})
	if err != nil {
		t.Fatal(err)
	}
	rows := []map[string]any{
		{"order_date": "2024-01-20", "region": "Europe", "customer": "Müller GmbH", "revenue": "1200.50"},
		{"order_date": "2024-02-03", "region": "Asia", "customer": "Tanaka KK", "revenue": "830.00"},
		{"order_date": "2024-02-14", "region": "Europe", "customer": "Acme Ltd", "revenue": "99.90"},
		{"order_date": "2024-03-02", "region": "Africa", "customer": "Nile GmbH", "revenue": "410.00"},
	}
	var passed []string
	for _, r := range rows {
		if m.MatchesRow(mapRow(r)) {
			passed = append(passed, r["customer"].(string))
		}
	}
	if !slices.Equal(passed, []string{"Müller GmbH"}) || !slices.Equal(ignored, []string{"product.category"}) {
		t.Errorf("passed %v, ignored %v", passed, ignored)
	}
}
