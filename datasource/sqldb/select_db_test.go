package sqldb

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/flexfun-script/flexfun-script/settings"
)

// TestSelectRows runs every kind of condition against the three databases
// and checks the rows each returns.
func TestSelectRows(t *testing.T) {
	ddl := map[string]string{
		pg:   `CREATE TABLE sel_items (id int, region text, product text, units int, day date, note text)`,
		my:   `CREATE TABLE sel_items (id INT, region VARCHAR(10), product VARCHAR(40) COLLATE utf8mb4_bin, units INT, day DATE, note TEXT)`,
		lite: `CREATE TABLE sel_items (id INTEGER, region TEXT, product TEXT, units INTEGER, day DATE, note TEXT)`,
	}
	rows := `INSERT INTO sel_items VALUES
		(1, 'EU', 'Widget', 5, '2024-01-01', NULL),
		(2, 'US', 'gadget', 10, '2024-01-15', 'x'),
		(3, NULL, 'Widget 50%_off', 15, '2024-02-01', NULL),
		(4, 'APAC', 'WIDGETS', 20, '2024-02-29', 'y'),
		(5, 'EU', 'Gizmo', NULL, '2024-03-01', 'z')`
	op := func(col, op string, v any) Condition {
		c, err := Op(col, op, v)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	cases := []struct {
		name  string
		where []Condition
		want  string // ids
	}{
		{"equal", []Condition{Equal("region", "EU")}, "1 5"},
		{"in with null", []Condition{Equal("region", []any{"EU", nil})}, "1 3 5"},
		{"not in keeps nulls", []Condition{In{Column: "region", Values: []any{"EU"}, Not: true}}, "2 3 4"},
		{"not in with null", []Condition{In{Column: "region", Values: []any{"EU", nil}, Not: true}}, "2 4"},
		{"empty in", []Condition{In{Column: "region"}}, ""},
		{"empty not in", []Condition{In{Column: "region", Not: true}}, "1 2 3 4 5"},
		{">=", []Condition{op("units", ">=", int64(10))}, "2 3 4"},
		{"!= keeps nulls", []Condition{op("units", "!=", int64(10))}, "1 3 4 5"},
		{"between", []Condition{op("units", "between", []any{int64(5), int64(15)})}, "1 2 3"},
		{"is null", []Condition{Equal("note", nil)}, "1 3"},
		{"is not null", []Condition{op("note", "is not null", nil)}, "2 4 5"},
		{"contains, any case", []Condition{Like{Column: "product", Value: "widget", Match: MatchContains, IgnoreCase: true}}, "1 3 4"},
		{"contains, exact case", []Condition{Like{Column: "product", Value: "Widget", Match: MatchContains}}, "1 3"},
		{"contains wildcards literally", []Condition{Like{Column: "product", Value: "50%_", Match: MatchContains}}, "3"},
		{"starts with", []Condition{Like{Column: "product", Value: "Wid", Match: MatchStartsWith}}, "1 3"},
		{"ends with, any case", []Condition{Like{Column: "product", Value: "S", Match: MatchEndsWith, IgnoreCase: true}}, "4"},
		{"equals, any case", []Condition{Like{Column: "product", Value: "GADGET", Match: MatchEquals, IgnoreCase: true}}, "2"},
		{"does not contain", []Condition{Like{Column: "product", Value: "widget", Match: MatchContains, IgnoreCase: true, Not: true}}, "2 5"},
		{"like pattern", []Condition{op("product", "like", "W%")}, "1 3 4"},
		{"ilike pattern", []Condition{op("product", "not ilike", "w%")}, "2 5"},
		{"date range", []Condition{Range{Column: "day", From: "2024-01-15", To: "2024-03-01"}}, "2 3 4"},
		{"date from", []Condition{Range{Column: "day", From: "2024-02-29"}}, "4 5"},
		{"date to", []Condition{Range{Column: "day", To: "2024-01-15"}}, "1"},
		{"combined", []Condition{Equal("region", []any{"EU", "US", "APAC"}), op("units", "<", int64(20))}, "1 2"},
	}
	for _, driver := range []string{pg, my, lite} {
		t.Run(driver, func(t *testing.T) {
			var w, db *DB
			if driver == lite {
				path := filepath.Join(t.TempDir(), "sel.db")
				w = openLite(t, path, func(c *settings.SQLConnection) { c.ReadOnly = false })
				exec(t, w, ddl[driver], rows)
				db = openLite(t, path)
			} else {
				w = writer(t, driver)
				exec(t, w, "DROP TABLE IF EXISTS sel_items", ddl[driver], rows)
				db = openServer(t, driver)
			}
			mem := checkedMem(t)
			for _, tc := range cases {
				r, err := db.Select(context.Background(), SelectSpec{Table: "sel_items", Columns: []string{"id"}, Where: tc.where, OrderBy: []Order{{Column: "id"}}}, QueryOptions{Allocator: mem})
				if err != nil {
					t.Errorf("%s: %v", tc.name, err)
					continue
				}
				tab, err := ReadAll(r)
				if err != nil {
					t.Errorf("%s: %v", tc.name, err)
					continue
				}
				if got := strings.Join(rowsOf(tab), " "); got != tc.want {
					t.Errorf("%s: ids %q, want %q", tc.name, got, tc.want)
				}
				tab.Release()
			}
			// The columns hint, order and limit.
			r, err := db.Select(context.Background(), SelectSpec{Table: "sel_items", Columns: []string{"product", "id"},
				OrderBy: []Order{{Column: "id", Desc: true}}, Limit: 2}, QueryOptions{Allocator: mem})
			if err != nil {
				t.Fatal(err)
			}
			tab, err := ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			defer tab.Release()
			if got, want := rowsOf(tab), []string{"Gizmo | 5", "WIDGETS | 4"}; !reflect.DeepEqual(got, want) {
				t.Errorf("columns, order and limit: %q, want %q", got, want)
			}
		})
	}
}
