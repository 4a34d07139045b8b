package sqldb

import (
	"reflect"
	"strings"
	"testing"
)

// fullSpec uses every kind of condition.
func fullSpec() SelectSpec {
	must := func(c Condition, err error) Condition {
		if err != nil {
			panic(err)
		}
		return c
	}
	return SelectSpec{
		Table:   "shop.sales",
		Columns: []string{"region", "revenue"},
		Where: []Condition{
			Equal("region", "EU"),
			Equal("product", []any{"a", "b", nil}),
			Equal("note", nil),
			must(Op("units", ">=", int64(10))),
			must(Op("units", "!=", int64(13))),
			must(Op("units", "between", []any{int64(1), int64(99)})),
			In{Column: "product", Values: []any{"c"}, Not: true},
			Like{Column: "product", Value: "50%_off!", Match: MatchContains, IgnoreCase: true},
			Like{Column: "product", Value: "Wid", Match: MatchStartsWith, Not: true},
			Range{Column: "day", From: "2024-01-01", To: "2024-02-01"},
			must(Op("customer", "is not null", nil)),
		},
		OrderBy: []Order{{Column: "region"}, {Column: "revenue", Desc: true}},
		Limit:   100,
	}
}

func TestBuildSelect(t *testing.T) {
	args := []any{"EU", "a", "b", int64(10), int64(13), int64(1), int64(99), "c", "%50!%!_off!!%", "Wid%", "2024-01-01", "2024-02-01"}
	cases := []struct {
		d    Dialect
		want string
		args []any
	}{
		{Postgres, `SELECT "region", "revenue" FROM "shop"."sales" WHERE "region" = $1` +
			` AND ("product" IN ($2, $3) OR "product" IS NULL) AND "note" IS NULL AND "units" >= $4` +
			` AND ("units" <> $5 OR "units" IS NULL) AND "units" BETWEEN $6 AND $7` +
			` AND ("product" NOT IN ($8) OR "product" IS NULL) AND "product" ILIKE $9 ESCAPE '!'` +
			` AND (NOT ("product" LIKE $10 ESCAPE '!') OR "product" IS NULL)` +
			` AND ("day" >= $11 AND "day" < $12) AND "customer" IS NOT NULL` +
			` ORDER BY "region", "revenue" DESC LIMIT 100`, args},
		{MySQL, "SELECT `region`, `revenue` FROM `shop`.`sales` WHERE `region` = ?" +
			" AND (`product` IN (?, ?) OR `product` IS NULL) AND `note` IS NULL AND `units` >= ?" +
			" AND (`units` <> ? OR `units` IS NULL) AND `units` BETWEEN ? AND ?" +
			" AND (`product` NOT IN (?) OR `product` IS NULL) AND LOWER(`product`) LIKE LOWER(?) ESCAPE '!'" +
			" AND (NOT (`product` LIKE ? ESCAPE '!') OR `product` IS NULL)" +
			" AND (`day` >= ? AND `day` < ?) AND `customer` IS NOT NULL" +
			" ORDER BY `region`, `revenue` DESC LIMIT 100", args},
		{SQLite, `SELECT "region", "revenue" FROM "shop"."sales" WHERE "region" = ?` +
			` AND ("product" IN (?, ?) OR "product" IS NULL) AND "note" IS NULL AND "units" >= ?` +
			` AND ("units" <> ? OR "units" IS NULL) AND "units" BETWEEN ? AND ?` +
			` AND ("product" NOT IN (?) OR "product" IS NULL) AND LOWER("product") LIKE LOWER(?) ESCAPE '!'` +
			` AND (NOT ("product" GLOB ?) OR "product" IS NULL)` +
			` AND ("day" >= ? AND "day" < ?) AND "customer" IS NOT NULL` +
			` ORDER BY "region", "revenue" DESC LIMIT 100`,
			append(append(append([]any{}, args[:9]...), "Wid*"), args[10:]...)},
	}
	for _, tc := range cases {
		q, got, err := BuildSelect(tc.d, fullSpec())
		if err != nil {
			t.Fatalf("%s: %v", tc.d, err)
		}
		if q != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.d, q, tc.want)
		}
		if !reflect.DeepEqual(got, tc.args) {
			t.Errorf("%s: args %#v\nwant %#v", tc.d, got, tc.args)
		}
	}
}

func TestBuildSelectEdgeCases(t *testing.T) {
	cases := []struct {
		spec SelectSpec
		want string
		args []any
	}{
		{SelectSpec{Table: "t"}, `SELECT * FROM "t"`, nil},
		{SelectSpec{Table: "Sales Data", Columns: []string{"Order Date", "région"}},
			`SELECT "Order Date", "région" FROM "Sales Data"`, nil},
		// Empty lists: IN matches nothing, NOT IN everything.
		{SelectSpec{Table: "t", Where: []Condition{In{Column: "a"}, In{Column: "b", Not: true}}},
			`SELECT * FROM "t" WHERE 1 = 0 AND 1 = 1`, nil},
		// Only null listed.
		{SelectSpec{Table: "t", Where: []Condition{In{Column: "a", Values: []any{nil}}, In{Column: "b", Values: []any{nil}, Not: true}}},
			`SELECT * FROM "t" WHERE "a" IS NULL AND "b" IS NOT NULL`, nil},
		// NOT IN with null listed excludes NULL rows: plain NOT IN does.
		{SelectSpec{Table: "t", Where: []Condition{In{Column: "a", Values: []any{int64(1), nil}, Not: true}}},
			`SELECT * FROM "t" WHERE "a" NOT IN ($1)`, []any{int64(1)}},
		// Open ranges.
		{SelectSpec{Table: "t", Where: []Condition{Range{Column: "d", From: "x"}, Range{Column: "d", To: "y"}, Range{Column: "d"}}},
			`SELECT * FROM "t" WHERE "d" >= $1 AND "d" < $2 AND 1 = 1`, []any{"x", "y"}},
		// = and != with null.
		{SelectSpec{Table: "t", Where: []Condition{Compare{Column: "a", Op: "=", Value: nil}, Compare{Column: "b", Op: "!=", Value: nil}}},
			`SELECT * FROM "t" WHERE "a" IS NULL AND "b" IS NOT NULL`, nil},
		// A raw LIKE pattern keeps its wildcards and has no ESCAPE clause.
		{SelectSpec{Table: "t", Where: []Condition{mustOp(t, "a", "LIKE", "EU%"), mustOp(t, "b", "not  ILIKE", "x_")}},
			`SELECT * FROM "t" WHERE "a" LIKE $1 AND (NOT ("b" ILIKE $2) OR "b" IS NULL)`, []any{"EU%", "x_"}},
		{SelectSpec{Table: "t", Where: []Condition{Like{Column: "a", Value: "x", Match: MatchEquals}, Like{Column: "a", Value: "y", Match: MatchEndsWith}}},
			`SELECT * FROM "t" WHERE "a" LIKE $1 ESCAPE '!' AND "a" LIKE $2 ESCAPE '!'`, []any{"x", "%y"}},
	}
	for _, tc := range cases {
		q, args, err := BuildSelect(Postgres, tc.spec)
		if err != nil {
			t.Errorf("%+v: %v", tc.spec, err)
			continue
		}
		if q != tc.want || !reflect.DeepEqual(args, tc.args) {
			t.Errorf("got  %s %#v\nwant %s %#v", q, args, tc.want, tc.args)
		}
	}
	// SQLite's GLOB escapes its own wildcards; a LIKE pattern's become GLOB's.
	q, args, err := BuildSelect(SQLite, SelectSpec{Table: "t", Where: []Condition{
		Like{Column: "a", Value: "a*b?[c", Match: MatchContains},
		mustOp(t, "b", "like", "E_%"),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if want := `SELECT * FROM "t" WHERE "a" GLOB ? AND "b" GLOB ?`; q != want {
		t.Errorf("got %s, want %s", q, want)
	}
	if want := []any{"*a[*]b[?][[]c*", "E?*"}; !reflect.DeepEqual(args, want) {
		t.Errorf("args %q, want %q", args, want)
	}
}

func mustOp(t *testing.T, col, op string, v any) Condition {
	t.Helper()
	c, err := Op(col, op, v)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestBuildSelectRefusals(t *testing.T) {
	many := make([]any, maxParams+1)
	for i := range many {
		many[i] = int64(i)
	}
	cases := []struct {
		spec SelectSpec
		want string
	}{
		{SelectSpec{Table: `t"; DROP TABLE x; --`}, `table "t\"; DROP TABLE x; --": identifier "t\"; DROP TABLE x; --": '"' is not allowed`},
		{SelectSpec{Table: "a.b.c"}, `table "a.b.c": at most one qualifier`},
		{SelectSpec{Table: "a."}, `table "a.": empty identifier`},
		{SelectSpec{Table: ""}, "empty identifier"},
		{SelectSpec{Table: "t", Columns: []string{"a.b"}}, `columns: identifier "a.b": '.' is not allowed`},
		{SelectSpec{Table: "t", Columns: []string{"a`b"}}, "'`' is not allowed"},
		{SelectSpec{Table: "t", Columns: []string{"a\nb"}}, `'\n' is not allowed`},
		{SelectSpec{Table: "t", Columns: []string{" a"}}, "starts or ends with a space"},
		{SelectSpec{Table: "t", Columns: []string{strings.Repeat("x", 64)}}, "longer than 63 bytes"},
		{SelectSpec{Table: "t", Where: []Condition{Compare{Column: "a", Op: "<", Value: nil}}}, `column "a": < null matches no row; use is null`},
		{SelectSpec{Table: "t", Where: []Condition{Compare{Column: "a", Op: "~", Value: 1}}}, `unknown comparison "~"`},
		{SelectSpec{Table: "t", Where: []Condition{Between{Column: "a", Low: 1}}}, "between needs two non-null bounds"},
		{SelectSpec{Table: "t", Where: []Condition{In{Column: "a'", Values: []any{1}}}}, `where: column: identifier "a'"`},
		{SelectSpec{Table: "t", Where: []Condition{nil}}, "where[0]: no condition"},
		{SelectSpec{Table: "t", Where: []Condition{Like{Column: "a", Match: Match(9)}}}, "unknown match type 9"},
		{SelectSpec{Table: "t", OrderBy: []Order{{Column: "a;b"}}}, "order by: identifier"},
		{SelectSpec{Table: "t", Limit: -1}, "limit -1: want a positive number"},
		{SelectSpec{Table: "t", Where: []Condition{In{Column: "a", Values: many}}}, "binds 32767 values, more than the 32766"},
	}
	for _, tc := range cases {
		_, _, err := BuildSelect(MySQL, tc.spec)
		if err == nil {
			t.Errorf("%+v: no error, want %q", tc.spec.Table, tc.want)
			continue
		}
		wantContains(t, err.Error(), tc.want)
	}
}

func TestOpRefusals(t *testing.T) {
	cases := []struct {
		op    string
		value any
		want  string
	}{
		{"~~", 1, `column "c": unknown operator "~~"; valid operators are =, !=, <, <=, >, >=, in, not in, like, not like, ilike, not ilike, is null, is not null, between`},
		{"in", "a", `column "c": in takes a list, got string`},
		{"between", []any{1}, "between takes a list of two values"},
		{"like", 5, "like takes a string pattern, got int"},
		{"is null", 1, "is null takes no value"},
	}
	for _, tc := range cases {
		_, err := Op("c", tc.op, tc.value)
		if err == nil {
			t.Errorf("Op(%q): no error", tc.op)
			continue
		}
		wantContains(t, err.Error(), tc.want)
	}
}

func TestParseOrder(t *testing.T) {
	cases := map[string]Order{
		"region":          {Column: "region"},
		"region ASC":      {Column: "region"},
		"revenue desc":    {Column: "revenue", Desc: true},
		"-revenue":        {Column: "revenue", Desc: true},
		"Order Date DESC": {Column: "Order Date", Desc: true},
	}
	for in, want := range cases {
		got, err := ParseOrder(in)
		if err != nil || got != want {
			t.Errorf("ParseOrder(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	if _, err := ParseOrder("a; DROP TABLE t"); err == nil {
		t.Error("ParseOrder accepted a ';'")
	}
}
