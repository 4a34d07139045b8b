package sqldb

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
	"github.com/flexfun-script/flexfun-script/settings"
)

const lite = settings.SQLSQLite

// exampleDB is the bundled example database.
var exampleDB = filepath.Join("..", "..", "scripts", "examples", "data", "sales.sqlite")

func openLite(t testing.TB, dsn string, edit ...func(*settings.SQLConnection)) *DB {
	t.Helper()
	db, err := OpenDB(context.Background(), testConn(lite, dsn, edit...), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}

func TestSQLiteDSN(t *testing.T) {
	cases := []struct {
		dsn      string
		readOnly bool
		want     string
	}{
		{"data/sales.sqlite", true, "file:data/sales.sqlite?_pragma=query_only%281%29&mode=ro"},
		{"data/sales.sqlite", false, "file:data/sales.sqlite"},
		{"odd#%name.db?_pragma=busy_timeout(100)", false, "file:odd%23%25name.db?_pragma=busy_timeout(100)"},
		{"file:x.db?mode=rwc&cache=shared", true, "file:x.db?_pragma=query_only%281%29&cache=shared&mode=ro"},
	}
	for _, tc := range cases {
		got, err := sqliteDSN(tc.dsn, tc.readOnly)
		if err != nil || got != tc.want {
			t.Errorf("sqliteDSN(%q, %t) = %q, %v; want %q", tc.dsn, tc.readOnly, got, err, tc.want)
		}
	}
}

// sale is one row of the example database.
type sale struct {
	day, region, product, revenue string
	units                         int64
}

func readSales(t *testing.T, tab *arrowbridge.Table) []sale {
	var out []sale
	for _, rec := range tab.Batches {
		day := rec.Column(0).(*array.Date32)
		region, product := rec.Column(1).(*array.String), rec.Column(2).(*array.String)
		units, revenue := rec.Column(3).(*array.Int64), rec.Column(4).(*array.Decimal128)
		for i := 0; i < int(rec.NumRows()); i++ {
			out = append(out, sale{day.Value(i).FormattedString(), region.Value(i), product.Value(i), revenue.ValueStr(i), units.Value(i)})
		}
	}
	return out
}

func TestSQLiteExampleDatabase(t *testing.T) {
	db := openLite(t, exampleDB)
	mem := checkedMem(t)
	all := query(t, db, mem, "SELECT day, region, product, units, revenue FROM sales ORDER BY id")
	want := []string{"day date32", "region utf8", "product utf8", "units int64", "revenue decimal(12, 2)"}
	if got := typesOf(all.Schema); !reflect.DeepEqual(got, want) {
		t.Fatalf("types %v, want %v", got, want)
	}
	sales := readSales(t, all)
	if len(sales) < 2000 || len(sales) > 5000 {
		t.Fatalf("%d rows, want a few thousand", len(sales))
	}

	// Aggregates have no declared type: they take their first value's.
	byRegion := query(t, db, mem, "SELECT region, SUM(units) AS units, COUNT(*) AS n, MAX(revenue) AS top FROM sales GROUP BY region ORDER BY region")
	if got, want := typesOf(byRegion.Schema), []string{"region utf8", "units int64", "n int64", "top float64"}; !reflect.DeepEqual(got, want) {
		t.Errorf("aggregate types %v, want %v", got, want)
	}
	sums := map[string][2]int64{}
	for _, s := range sales {
		v := sums[s.region]
		sums[s.region] = [2]int64{v[0] + s.units, v[1] + 1}
	}
	var wantRows []string
	for _, region := range sortedNames(sums) {
		wantRows = append(wantRows, fmt.Sprintf("%s | %d | %d", region, sums[region][0], sums[region][1]))
	}
	var gotRows []string
	for _, r := range rowsOf(byRegion) {
		gotRows = append(gotRows, r[:strings.LastIndex(r, " | ")])
	}
	if !reflect.DeepEqual(gotRows, wantRows) {
		t.Errorf("per region %q, want %q", gotRows, wantRows)
	}

	// A pushed-down query returns what filtering every row in Go does.
	r, err := db.Select(context.Background(), SelectSpec{
		Table:   "sales",
		Columns: []string{"day", "region", "product", "units", "revenue"},
		Where: []Condition{
			In{Column: "region", Values: []any{"EU", "US"}},
			Range{Column: "day", From: "2024-03-01", To: "2024-04-01"},
			Like{Column: "product", Value: "DG", Match: MatchContains, IgnoreCase: true},
		},
		OrderBy: []Order{{Column: "id"}},
	}, QueryOptions{Allocator: mem})
	if err != nil {
		t.Fatal(err)
	}
	pushed, err := ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	defer pushed.Release()
	var filtered []sale
	for _, s := range sales {
		if (s.region == "EU" || s.region == "US") && s.day >= "2024-03-01" && s.day < "2024-04-01" && strings.Contains(strings.ToLower(s.product), "dg") {
			filtered = append(filtered, s)
		}
	}
	if got := readSales(t, pushed); len(filtered) == 0 || !reflect.DeepEqual(got, filtered) {
		t.Errorf("pushed down: %d rows, filtered in Go: %d", len(got), len(filtered))
	}
}

func TestSQLiteTypes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "types.db")
	w := openLite(t, path, func(c *settings.SQLConnection) { c.ReadOnly = false })
	exec(t, w, `CREATE TABLE t (id INTEGER, i BIGINT, s VARCHAR(5), bl BLOB, r DOUBLE PRECISION, b BOOLEAN,
		d DATE, dt DATETIME, dec DECIMAL(10, 2), num NUMERIC, js JSON, x)`,
		`INSERT INTO t VALUES
		(1, -9223372036854775808, 'héllo', X'00ff', -1.5e300, 0, '1900-01-01', '1900-01-01 00:00:00', -12345678.99, 7, '{"a": 1}', 10),
		(2, 9223372036854775807, 42, 'text', 3, 1, '2024-02-29', '2024-02-29T23:59:59.123456Z', '0.005', 2.5, '[1]', 20),
		(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`)
	db := openLite(t, path)
	mem := checkedMem(t)
	tab := query(t, db, mem, "SELECT * FROM t ORDER BY id")
	wantTypes := []string{"id int64", "i int64", "s utf8", "bl binary", "r float64", "b bool", "d date32", "dt timestamp[us]",
		"dec decimal(10, 2)", "num decimal(38, 10)", "js utf8", "x int64"}
	if got := typesOf(tab.Schema); !reflect.DeepEqual(got, wantTypes) {
		t.Errorf("types:\n got %v\nwant %v", got, wantTypes)
	}
	want := []string{
		`1 | -9223372036854775808 | héllo | 00ff | -1.5e+300 | false | 1900-01-01 | 1900-01-01T00:00:00Z | -12345678.99 | 7 | {"a": 1} | 10`,
		// SQLite keeps 42 as an integer in the VARCHAR column and 'text' in the BLOB one: both convert.
		`2 | 9223372036854775807 | 42 | 74657874 | 3 | true | 2024-02-29 | 2024-02-29T23:59:59.123456Z | 0.01 | 2.5 | [1] | 20`,
		"3 | null | null | null | null | null | null | null | null | null | null | null",
	}
	if got := rowsOf(tab); !reflect.DeepEqual(got, want) {
		t.Errorf("rows:\n got %q\nwant %q", got, want)
	}

	// A value that does not fit its column's type is an error naming both.
	exec(t, w, "CREATE TABLE mixed (n INTEGER, x, y)", "INSERT INTO mixed VALUES (1, 1, 1), (2, 2.5, 'two'), ('three', 3, X'00')")
	for _, tc := range []struct{ q, want string }{
		{"SELECT n FROM mixed", `row 3, column "n" (int64): got text "three"`},
		{"SELECT y FROM mixed", `row 1, column "y" (binary): got integer 1`},
	} {
		err := queryErr(t, db, tc.q)
		var ve *ValueError
		if !errors.As(err, &ve) {
			t.Errorf("%s: %T %v, want a *ValueError", tc.q, err, err)
			continue
		}
		wantContains(t, err.Error(), tc.want)
	}
	// An undeclared column takes the widest type of its first values.
	if got := rowsOf(query(t, db, mem, "SELECT x, x || '' AS s FROM mixed")); !reflect.DeepEqual(got, []string{"1 | 1", "2.5 | 2.5", "3 | 3"}) {
		t.Errorf("rows %q", got)
	}
	// An undeclared column whose first value is NULL, or an empty result, is text.
	if got := typesOf(query(t, db, mem, "SELECT NULL AS z, 1 AS one").Schema); !reflect.DeepEqual(got, []string{"z utf8", "one int64"}) {
		t.Errorf("types %v", got)
	}
	if got := typesOf(query(t, db, mem, "SELECT x FROM mixed WHERE 0").Schema); !reflect.DeepEqual(got, []string{"x utf8"}) {
		t.Errorf("types %v", got)
	}
}

func TestSQLiteReadOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ro.db")
	w := openLite(t, path, func(c *settings.SQLConnection) { c.ReadOnly = false })
	exec(t, w, "CREATE TABLE t (id INTEGER)", "INSERT INTO t VALUES (1), (2)")
	db := openLite(t, path, func(c *settings.SQLConnection) { c.MaxOpen = 1 })
	err := queryErr(t, db, "DELETE FROM t")
	var re *RefusedError
	if !errors.As(err, &re) {
		t.Fatalf("%T %v, want a *RefusedError", err, err)
	}
	wantContains(t, err.Error(), "got DELETE")
	// Sent anyway, writes fail: the file is open read-only, so turning
	// query_only off changes nothing.
	if _, err := db.QueryTable(context.Background(), "SELECT 1", nil, QueryOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"PRAGMA query_only = 0", "DELETE FROM t", "CREATE TABLE u (a)"} {
		r, err := db.run(context.Background(), q, nil, QueryOptions{})
		if err == nil {
			r.Release()
		}
		if q != "PRAGMA query_only = 0" && (err == nil || !strings.Contains(err.Error(), "readonly database")) {
			t.Errorf("%s sent anyway: %v, want a read-only error", q, err)
		}
	}
	if got := rowsOf(query(t, w, nil, "SELECT count(*) FROM t")); got[0] != "2" {
		t.Errorf("rows left: %s", got[0])
	}
	// A read-only connection does not create a missing file.
	_, err = OpenDB(context.Background(), testConn(lite, filepath.Join(t.TempDir(), "missing.db")), nil, nil)
	wantContains(t, fmt.Sprint(err), `sql connection "test_sqlite": connect:`, "unable to open database file")
}

func TestSQLiteCancel(t *testing.T) {
	db := openLite(t, exampleDB, func(c *settings.SQLConnection) { c.MaxOpen = 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := db.QueryTable(ctx, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c", nil, QueryOptions{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the deadline", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("cancelling took %s", d)
	}
	query(t, db, checkedMem(t), "SELECT 1")
}

func TestPools(t *testing.T) {
	dir := t.TempDir()
	conns := map[string]settings.SQLConnection{
		"sales": testConn(lite, exampleDB, func(c *settings.SQLConnection) { c.Name = "sales" }),
		"other": testConn(lite, filepath.Join(dir, "other.db"), func(c *settings.SQLConnection) { c.Name = "other"; c.ReadOnly = false }),
	}
	p, err := Open(context.Background(), conns, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if got := p.Names(); !reflect.DeepEqual(got, []string{"other", "sales"}) {
		t.Errorf("Names() = %v", got)
	}
	r, err := p.Query(context.Background(), "sales", "SELECT count(*) FROM sales WHERE region = ?", []any{"EU"}, QueryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tab, err := ReadAll(r)
	if err != nil || tab.Rows != 1 {
		t.Fatalf("%v", err)
	}
	tab.Release()
	_, err = p.Query(context.Background(), "nope", "SELECT 1", nil, QueryOptions{})
	wantContains(t, fmt.Sprint(err), `unknown sql connection "nope"; configured: other, sales`)
	if s := fmt.Sprint(p); s != "sql connections [other, sales]" {
		t.Errorf("String() = %q", s)
	}

	// One connection that cannot be opened fails the whole start-up, naming it.
	conns["broken"] = testConn(lite, filepath.Join(dir, "missing", "x.db"), func(c *settings.SQLConnection) { c.Name = "broken" })
	conns["secretive"] = testConn(lite, "${NOT_SET}.db", func(c *settings.SQLConnection) { c.Name = "secretive" })
	_, err = Open(context.Background(), conns, func(string) (string, bool) { return "", false }, nil)
	wantContains(t, fmt.Sprint(err), `sql connection "broken": connect:`, `sql connection "secretive": dsn references secret NOT_SET, which is not set`)
	names := strings.Split(fmt.Sprint(err), "\n")
	sort.Strings(names)
	if len(names) != 2 {
		t.Errorf("errors: %q, want one per failed connection", names)
	}
}
