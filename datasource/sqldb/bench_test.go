package sqldb

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", for the comparison

	"github.com/flexfun-script/flexfun-script/settings"
)

// The benchmarks read the same 1,000,000 rows of four columns (int64,
// string, float64, date) through this package's Arrow path and through the
// plain driver into Go variables (the floor), for each database:
//
//	go test -run '^$' -bench . -benchtime 3x ./datasource/sqldb
//
// The tables are made once and kept (bench_1m).

const benchRows = 1_000_000

const benchQuery = "SELECT id, name, value, day FROM bench_1m"

func benchPostgres(b *testing.B) *DB {
	db := openServer(b, pg)
	w := writer(b, pg)
	tab, err := w.QueryTable(context.Background(), "SELECT count(*) FROM pg_tables WHERE tablename = 'bench_1m'", nil, QueryOptions{})
	if err != nil {
		b.Fatal(err)
	}
	if rowsOf(tab)[0] == "0" {
		exec(b, w, `CREATE TABLE bench_1m AS SELECT i::int8 AS id, 'name_' || i AS name, i * 0.5::float8 AS value,
			DATE '2020-01-01' + (i % 1000) AS day FROM generate_series(1, 1000000) i`)
	}
	tab.Release()
	return db
}

func benchMySQL(b *testing.B) *DB {
	db := openServer(b, my)
	w := writer(b, my)
	exec(b, w, `CREATE TABLE IF NOT EXISTS bench_1m AS SELECT CAST(seq AS SIGNED) AS id, CONCAT('name_', seq) AS name,
		seq * 0.5e0 AS value, DATE '2020-01-01' + INTERVAL (seq % 1000) DAY AS day FROM seq_1_to_1000000`)
	return db
}

func benchSQLite(b *testing.B) *DB {
	path := filepath.Join(os.TempDir(), "flexfun-sqldb-bench-1m-v1.sqlite")
	if _, err := os.Stat(path); err != nil {
		tmp := path + ".tmp"
		os.Remove(tmp)
		w := openLite(b, tmp, func(c *settings.SQLConnection) { c.ReadOnly = false })
		exec(b, w, `CREATE TABLE bench_1m (id INTEGER, name TEXT, value REAL, day DATE)`,
			`INSERT INTO bench_1m WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 1000000)
			 SELECT i, 'name_' || i, i * 0.5, date('2020-01-01', '+' || (i % 1000) || ' days') FROM s`)
		w.Close()
		if err := os.Rename(tmp, path); err != nil {
			b.Fatal(err)
		}
	}
	return openLite(b, path)
}

// benchArrow reads the table through db.Query into Arrow batches.
func benchArrow(b *testing.B, db *DB) {
	mem := checkedMem(b)
	b.ResetTimer()
	for b.Loop() {
		tab, err := db.QueryTable(context.Background(), benchQuery, nil, QueryOptions{Allocator: mem})
		if err != nil {
			b.Fatal(err)
		}
		if tab.Rows != benchRows {
			b.Fatalf("%d rows", tab.Rows)
		}
		tab.Release()
	}
	b.ReportMetric(float64(benchRows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// benchFloor reads the table with database/sql into Go variables.
func benchFloor(b *testing.B, sqldb *sql.DB) {
	for b.Loop() {
		rows, err := sqldb.QueryContext(context.Background(), benchQuery)
		if err != nil {
			b.Fatal(err)
		}
		scanBenchRows(b, rows)
		rows.Close()
	}
	b.ReportMetric(float64(benchRows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// benchRowScanner is what the floors read rows through: *sql.Rows and
// pgx.Rows both are.
type benchRowScanner interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// scanBenchRows scans every row of the benchmark table into Go variables
// and checks that there were benchRows of them.
func scanBenchRows(b *testing.B, rows benchRowScanner) {
	var (
		id    int64
		name  string
		value float64
		day   time.Time
		n     int
	)
	for rows.Next() {
		if err := rows.Scan(&id, &name, &value, &day); err != nil {
			b.Fatal(err)
		}
		n++
	}
	if err := rows.Err(); err != nil || n != benchRows {
		b.Fatalf("%d rows, %v", n, err)
	}
}

func BenchmarkPostgresArrow(b *testing.B) { benchArrow(b, benchPostgres(b)) }

// BenchmarkPostgresFloorPgx is pgx's own API scanning into Go variables:
// the floor of the Arrow path, which also uses it.
func BenchmarkPostgresFloorPgx(b *testing.B) {
	db := benchPostgres(b)
	pool := db.be.(*pgBackend).pool
	b.ResetTimer()
	for b.Loop() {
		rows, err := pool.Query(context.Background(), benchQuery)
		if err != nil {
			b.Fatal(err)
		}
		scanBenchRows(b, rows)
	}
	b.ReportMetric(float64(benchRows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkPostgresFloorDatabaseSQL is the same through database/sql (pgx's
// stdlib driver): what the Arrow path would build on without pgx's API.
func BenchmarkPostgresFloorDatabaseSQL(b *testing.B) {
	benchPostgres(b)
	dsn, lookup := testDSN(pg)
	dsn, _, err := expandDSN(dsn, lookup)
	if err != nil {
		b.Fatal(err)
	}
	sqldb, err := sql.Open("pgx", dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer sqldb.Close()
	b.ResetTimer()
	benchFloor(b, sqldb)
}

func BenchmarkMySQLArrow(b *testing.B) { benchArrow(b, benchMySQL(b)) }

func BenchmarkMySQLFloor(b *testing.B) {
	benchMySQL(b)
	dsn, lookup := testDSN(my)
	dsn, _, err := expandDSN(dsn, lookup)
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		b.Fatal(err)
	}
	cfg.ParseTime = true
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		b.Fatal(err)
	}
	sqldb := sql.OpenDB(conn)
	defer sqldb.Close()
	b.ResetTimer()
	benchFloor(b, sqldb)
}

func BenchmarkSQLiteArrow(b *testing.B) { benchArrow(b, benchSQLite(b)) }

func BenchmarkSQLiteFloor(b *testing.B) {
	db := benchSQLite(b)
	b.ResetTimer()
	benchFloor(b, db.be.(*liteBackend).pool)
}
