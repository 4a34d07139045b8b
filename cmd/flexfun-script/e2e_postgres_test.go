package main

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// The test databases of scripts/ci/databases.sh, unless FLEXFUN_TEST_PG_DSN
// and FLEXFUN_TEST_MYSQL_DSN say otherwise.
const (
	testPostgresDSN = "postgres://flexfun:flexfun-test-7Qw@127.0.0.1:5432/test"
	testMySQLDSN    = "flexfun:flexfun-test-7Qw@tcp(127.0.0.1:3306)/test"
)

// pgURL returns the test PostgreSQL server's URL (scripts/ci/databases.sh),
// or skips the test (fails it under CI=true) when it cannot be reached.
func pgURL(t *testing.T) *url.URL {
	t.Helper()
	dsn := envOr("FLEXFUN_TEST_PG_DSN", testPostgresDSN)
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		msg := "PostgreSQL not reachable (" + err.Error() + "); run scripts/ci/databases.sh"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip("SKIPPING: " + msg)
	}
	conn.Close(context.Background())
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestE2EPostgresExample serves the PostgreSQL example over a copy of the
// bundled sales data, its password given as a secret: GoodData's filters
// and the columns hint are pushed into the query, and the password never
// reaches the log.
func TestE2EPostgresExample(t *testing.T) {
	u := pgURL(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	lite, err := sql.Open("sqlite", "file:../../scripts/examples/data/sales.sqlite?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	rows, err := lite.Query(`SELECT day, region, product, units, revenue FROM sales`)
	if err != nil {
		t.Fatal(err)
	}
	var copied [][]any
	for rows.Next() {
		var day, region, product, revenue string
		var units int64
		if err := rows.Scan(&day, &region, &product, &units, &revenue); err != nil {
			t.Fatal(err)
		}
		copied = append(copied, []any{day[:10], region, product, units, revenue})
	}
	rows.Close()
	for _, stmt := range []string{
		`DROP TABLE IF EXISTS e2e_sales`,
		`CREATE TABLE e2e_sales (day date, region text, product text, units bigint, revenue numeric(12, 2))`,
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { conn.Exec(context.Background(), `DROP TABLE IF EXISTS e2e_sales`) })
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"e2e_sales"}, []string{"day", "region", "product", "units", "revenue"}, pgx.CopyFromRows(copied)); err != nil {
		t.Fatal(err)
	}
	var want int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM e2e_sales WHERE region IN ('EU', 'US') AND day >= '2024-03-04' AND day < '2024-03-11'`).Scan(&want); err != nil || want == 0 {
		t.Fatalf("reference count %d, %v", want, err)
	}

	// The example, pointed at the copy.
	password, _ := u.User.Password()
	dir := t.TempDir()
	for _, name := range []string{"sales_postgres.star", "sales_postgres.js"} {
		src, err := os.ReadFile(filepath.Join("..", "..", "scripts", "examples", name))
		if err != nil {
			t.Fatal(err)
		}
		write(t, dir, name, strings.ReplaceAll(string(src), `"sales_pg", "sales"`, `"sales_pg", "e2e_sales"`))
	}
	dsn := *u
	dsn.User = url.UserPassword(u.User.Username(), "PASSWORD")
	config := write(t, dir, "flexfun.toml", `[flexfun]
functions = ["`+dir+`"]
[flexfun.sql.sales_pg]
driver = "postgres"
dsn = "`+strings.Replace(dsn.String(), "PASSWORD", "${PG_PASSWORD}", 1)+`"
`)
	s := startServer(t, []string{"PG_PASSWORD=" + password}, "--config", config)
	c := newClient(t, s.addr)
	for _, name := range []string{"SalesPostgres", "SalesPostgresJs"} {
		t.Run(name, func(t *testing.T) {
			got := rowsText(t, c, withContext(t, name, "sales-eu-us.json"))
			if len(got) != want {
				t.Errorf("%d rows, want %d", len(got), want)
			}
			for _, row := range got {
				f := strings.Split(row, "|")
				if (f[1] != "EU" && f[1] != "US") || f[0] < "2024-03-04" || f[0] > "2024-03-10" {
					t.Errorf("row %q is outside the filters", row)
				}
			}
			info, recs, err := invoke(t, c, `{"functionName":"`+name+`","parameters":{"columns":["units"]}}`)
			if err != nil {
				t.Fatal(err)
			}
			if n := numRows(recs); n != int64(len(copied)) || recs[0].NumCols() != 1 || info == nil {
				t.Errorf("with the columns hint: %d rows, %d columns", n, recs[0].NumCols())
			}
		})
	}
	s.stop(t)
	if strings.Contains(s.stderr.String(), password) {
		t.Errorf("the database password reached the log:\n%s", s.stderr.String())
	}
}
