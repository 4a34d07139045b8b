package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	_ "github.com/go-sql-driver/mysql" // the MariaDB probe
	_ "github.com/jackc/pgx/v5/stdlib" // the PostgreSQL probe
	_ "modernc.org/sqlite"             // the SQLite probe

	"github.com/flexfun-script/flexfun-script/datasource/files/filestest"
	"github.com/flexfun-script/flexfun-script/settings"
)

// apiRows is the number of JSON objects of the HTTP benchmark.
const apiRows = 100_000

// BenchmarkDoGetData runs, end to end (GetFlightInfo + DoGet), functions
// that return a data source's rows as a table next to the fastest emit of
// the same rows (BenchEmit, positional): a 1M-row, 4-column CSV file
// (csv.read, types inferred), the same rows as Parquet (parquet.read), and
// a loopback HTTP API answering a JSON array of 100k objects
// (http.get(...).table(schema)), and sql.query of the 1M-row table bench_1m
// in PostgreSQL, MariaDB and SQLite. The SQL tables (and the driver floor)
// come from datasource/sqldb's benchmarks: run them first, as
// scripts/bench/data.sh does; a database without its table is skipped.
func BenchmarkDoGetData(b *testing.B) {
	dir := b.TempDir()
	data := filepath.Join(dir, "data")
	must(b, os.MkdirAll(data, 0o755))
	must(b, filestest.WriteBenchFiles(data, benchRows))
	api := serveBenchAPI(b, apiRows)
	fns := filepath.Join(dir, "functions")
	for name, src := range map[string]string{
		"csv.star":     "name = \"BenchCsv\"\n" + benchDataSchema + "def call(p):\n    return csv.read(\"bench.csv\")\n",
		"parquet.star": "name = \"BenchParquet\"\n" + benchDataSchema + "def call(p):\n    return parquet.read(\"bench.parquet\")\n",
		"api.star":     "name = \"BenchApi\"\n" + benchDataSchema + "def call(p):\n    return http.get(\"" + api + "\").table(schema=schema)\n",
	} {
		write(b, fns, name, src)
	}
	conns := benchSQLConnections()
	for name := range conns {
		write(b, fns, "sql_"+name+".star", "name = \"BenchSql_"+name+"\"\n"+benchDataSchema+
			"def call(p):\n    return sql.query(\""+name+"\", \"SELECT id, name, value, day FROM bench_1m\")\n")
	}
	cfg := defaultConfig(b)
	cfg.FlexFun.SQL = conns
	cfg.FlexFun.LoadTimeout = time.Minute
	cfg.FlexFun.DataDirs = []string{data}
	cfg.FlexFun.HTTP.Allow = []string{"127.0.0.1"}
	cfg.FlexFun.HTTP.AllowPrivate = true
	reg := newRegistry(cfg, testServices(b, cfg, benchLogger))
	must(b, reg.LoadPaths([]string{"../../scripts/bench/emit.star", fns}))
	client := serveBench(b, reg)

	type benchCase struct {
		mode     string
		function string
		rows     int
	}
	cases := []benchCase{
		{"Emit1M", "BenchEmit", benchRows},
		{"CSV1M", "BenchCsv", benchRows},
		{"Parquet1M", "BenchParquet", benchRows},
		{"Emit100k", "BenchEmit", apiRows},
		{"HTTPJSON100k", "BenchApi", apiRows},
	}
	for _, name := range []string{"postgres", "mariadb", "sqlite"} {
		cases = append(cases, benchCase{"SQL1M_" + name, "BenchSql_" + name, benchRows})
	}
	for _, tc := range cases {
		b.Run(tc.mode+"/GOGC=400", func(b *testing.B) {
			if _, ok := reg.Lookup(tc.function); !ok {
				b.Skip("no " + tc.function + ": run go test -bench . ./datasource/sqldb first, with the databases of scripts/ci/databases.sh")
			}
			defer debug.SetGCPercent(debug.SetGCPercent(400))
			cmd := fmt.Sprintf(`{"functionName":%q,"parameters":{"rows":%d}}`, tc.function, tc.rows)
			for b.Loop() {
				n, err := getAndRead(client, cmd)
				if err != nil || n != int64(tc.rows) {
					b.Fatalf("%d rows, %v", n, err)
				}
			}
			total := float64(tc.rows) * float64(b.N)
			b.ReportMetric(total/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/total, "ns/row")
		})
	}
}

// benchSQLConnections returns a connection per test database whose
// bench_1m table exists (made by datasource/sqldb's benchmarks).
func benchSQLConnections() map[string]settings.SQLConnection {
	conns := map[string]settings.SQLConnection{}
	add := func(name, driver, dsn, probeDriver, probeDSN string) {
		db, err := sql.Open(probeDriver, probeDSN)
		if err != nil {
			return
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if db.QueryRowContext(ctx, "SELECT count(*) FROM bench_1m").Scan(new(int64)) == nil {
			conns[name] = settings.SQLConnection{Name: name, Driver: driver, DSN: dsn, MaxOpen: 4, MaxIdle: 2, ReadOnly: true}
		}
	}
	pg := envOr("FLEXFUN_TEST_PG_DSN", testPostgresDSN)
	add("postgres", settings.SQLPostgres, pg, "pgx", pg)
	my := envOr("FLEXFUN_TEST_MYSQL_DSN", testMySQLDSN)
	add("mariadb", settings.SQLMySQL, my, "mysql", my)
	lite := filepath.Join(os.TempDir(), "flexfun-sqldb-bench-1m-v1.sqlite")
	if _, err := os.Stat(lite); err == nil {
		add("sqlite", settings.SQLSQLite, "file:"+lite, "sqlite", "file:"+lite+"?mode=ro")
	}
	return conns
}

// envOr returns the environment variable name, or def when it is unset.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// benchDataSchema declares filestest.Schema in Starlark.
const benchDataSchema = "schema = {\"id\": \"int64\", \"name\": \"string\", \"value\": \"float64\", \"day\": \"date32\"}\n"

// serveBenchAPI serves a JSON array of rows objects of filestest.Schema's
// columns on a loopback port until the benchmark ends, and returns its URL.
func serveBenchAPI(b *testing.B, rows int) string {
	type row struct {
		ID    int64   `json:"id"`
		Name  string  `json:"name"`
		Value float64 `json:"value"`
		Day   string  `json:"day"`
	}
	objects := make([]row, rows)
	for i := range objects {
		objects[i] = row{int64(i), fmt.Sprintf("name_%d", i), float64(i) * 0.5, arrow.Date32(19000 + i%365).FormattedString()}
	}
	body, err := json.Marshal(objects)
	must(b, err)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	must(b, err)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})}
	go srv.Serve(lis)
	b.Cleanup(func() { srv.Close() })
	return "http://" + lis.Addr().String() + "/rows"
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}
