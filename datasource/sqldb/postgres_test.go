package sqldb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/flexfun-script/flexfun-script/settings"
)

const pg = settings.SQLPostgres

func TestPostgresTypes(t *testing.T) {
	w := writer(t, pg)
	exec(t, w, `DROP TABLE IF EXISTS pg_types`, `CREATE TABLE pg_types (
		id int, b bool, i2 int2, i4 int4, i8 int8, f4 float4, f8 float8,
		n numeric(38, 10), n2 numeric(12, 2), nu numeric, nbig numeric(50, 2),
		t text, vc varchar(10), c char(3), j json, jb jsonb, u uuid, ba bytea,
		d date, ts timestamp, tstz timestamptz)`,
		`INSERT INTO pg_types VALUES
		(1, false, -32768, -2147483648, -9223372036854775808, -3.4e38, -1.7976931348623157e308,
		 -9999999999999999999999999999.9999999999, -9999999999.99, -123.456, -999999999999999999999999999999999999.99,
		 '', '', 'a', '[]', '{}', '00000000-0000-0000-0000-000000000000', '\x',
		 '0001-01-01', '0001-01-01 00:00:00', '0001-01-01 00:00:00+00'),
		(2, true, 32767, 2147483647, 9223372036854775807, 3.4e38, 1.7976931348623157e308,
		 9999999999999999999999999999.9999999999, 9999999999.99, 0.123456789012345678, 999999999999999999999999999999999999.99,
		 'héllo wörld', 'abcdefghij', 'abc', '{"a": [1, 2]}', '{"b": {"c": null}}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\x00ff10',
		 '9999-12-31', '9999-12-31 23:59:59.999999', '2024-06-30 12:34:56.789+02'),
		(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`)
	db := openServer(t, pg)
	mem := checkedMem(t)
	tab := query(t, db, mem, "SELECT * FROM pg_types ORDER BY id")
	wantTypes := []string{"id int32", "b bool", "i2 int16", "i4 int32", "i8 int64", "f4 float32", "f8 float64",
		"n decimal(38, 10)", "n2 decimal(12, 2)", "nu decimal(38, 10)", "nbig decimal(38, 2)",
		"t utf8", "vc utf8", "c utf8", "j utf8", "jb utf8", "u utf8", "ba binary",
		"d date32", "ts timestamp[us]", "tstz timestamp[us, tz=UTC]"}
	if got := typesOf(tab.Schema); !reflect.DeepEqual(got, wantTypes) {
		t.Errorf("types:\n got %v\nwant %v", got, wantTypes)
	}
	want := []string{
		"1 | false | -32768 | -2147483648 | -9223372036854775808 | -3.4e+38 | -1.7976931348623157e+308 | " +
			"-9999999999999999999999999999.9999999999 | -9999999999.99 | -123.456 | -999999999999999999999999999999999999.99 | " +
			" |  | a   | [] | {} | 00000000-0000-0000-0000-000000000000 |  | " +
			"0001-01-01 | 0001-01-01T00:00:00Z | 0001-01-01T00:00:00Z",
		"2 | true | 32767 | 2147483647 | 9223372036854775807 | 3.4e+38 | 1.7976931348623157e+308 | " +
			"9999999999999999999999999999.9999999999 | 9999999999.99 | 0.123456789 | 999999999999999999999999999999999999.99 | " +
			`héllo wörld | abcdefghij | abc | {"a": [1, 2]} | {"b": {"c": null}} | a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11 | 00ff10 | ` +
			"9999-12-31 | 9999-12-31T23:59:59.999999Z | 2024-06-30T10:34:56.789Z",
		"3 | null | null | null | null | null | null | null | null | null | null | null | null | null | null | null | null | null | null | null | null",
	}
	if got := rowsOf(tab); !reflect.DeepEqual(got, want) {
		t.Errorf("rows:\n got %q\nwant %q", got, want)
	}

	// The same rows through pgx's text format (exec mode sends no
	// statement description, so results come as text).
	text := openServer(t, pg, func(c *settings.SQLConnection) { c.DSN += "?default_query_exec_mode=exec" })
	conn, err := text.be.(*pgBackend).pool.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rows, err := conn.Query(context.Background(), "SELECT i8 FROM pg_types")
	if err != nil || rows.FieldDescriptions()[0].Format != pgtype.TextFormatCode {
		t.Fatalf("exec mode does not give text results: %v", err)
	}
	rows.Close()
	conn.Release()
	textTab := query(t, text, mem, "SELECT * FROM pg_types ORDER BY id")
	if got := rowsOf(textTab); !reflect.DeepEqual(got, want) {
		t.Errorf("text format rows:\n got %q\nwant %q", got, want)
	}
	if got := typesOf(textTab.Schema); !reflect.DeepEqual(got, wantTypes) {
		t.Errorf("text format types:\n got %v\nwant %v", got, wantTypes)
	}
}

func TestPostgresExpressionTypes(t *testing.T) {
	db := openServer(t, pg)
	mem := checkedMem(t)
	tab := query(t, db, mem, `SELECT count(*) AS n, sum(x) AS s, avg(x) AS a, sum(x::numeric(10, 2)) AS sd,
		'lit' AS l, NULL AS z, 1.5 AS f, now() > '2020-01-01' AS b
		FROM (VALUES (1), (2), (4)) v(x)`)
	wantTypes := []string{"n int64", "s int64", "a decimal(38, 10)", "sd decimal(38, 10)", "l utf8", "z utf8", "f decimal(38, 10)", "b bool"}
	if got := typesOf(tab.Schema); !reflect.DeepEqual(got, wantTypes) {
		t.Errorf("types %v, want %v", got, wantTypes)
	}
	if got, want := rowsOf(tab), []string{"3 | 7 | 2.3333333333 | 7 | lit | null | 1.5 | true"}; !reflect.DeepEqual(got, want) {
		t.Errorf("rows %q, want %q", got, want)
	}
}

func TestPostgresUnmappedTypes(t *testing.T) {
	db := openServer(t, pg)
	cases := []struct{ q, want string }{
		{"SELECT 1 AS ok, interval '1 day' AS gap", `sql connection "test_postgres": column "gap" has type interval, which has no Arrow mapping; cast it in the query: SELECT gap::text`},
		{`SELECT ARRAY[1, 2] AS "Some List"`, `column "Some List" has type integer[], which has no Arrow mapping; cast it in the query: SELECT "Some List"::text`},
		{"SELECT 1.5::numeric(5, -1) AS r", `column "r" has type numeric(5,-1), which has no Arrow mapping; cast it in the query: SELECT r::float8`},
		{"SELECT time '10:00' AS t", `column "t" has type time without time zone`},
	}
	for _, tc := range cases {
		err := queryErr(t, db, tc.q)
		var te *TypeError
		if !errors.As(err, &te) {
			t.Errorf("%s: %T %v, want a *TypeError", tc.q, err, err)
			continue
		}
		wantContains(t, err.Error(), tc.want)
	}
	// The connection went back to the pool in a usable state.
	query(t, db, checkedMem(t), "SELECT 1")
}

func TestPostgresValueErrors(t *testing.T) {
	db := openServer(t, pg)
	cases := []struct{ q, want string }{
		{"SELECT d FROM (VALUES ('2024-01-01'::date), ('infinity')) v(d)", `row 2, column "d" (date32): infinity has no Arrow value`},
		{"SELECT 'NaN'::numeric AS n", `row 1, column "n" (decimal(38, 10)): NaN has no decimal128 value`},
		{"SELECT 1e30::numeric AS big", `row 1, column "big" (decimal(38, 10)): out of decimal128's range`},
		{"SELECT '-infinity'::timestamptz AS ts", `row 1, column "ts" (timestamp[us, tz=UTC]): infinity`},
	}
	for _, tc := range cases {
		err := queryErr(t, db, tc.q)
		var ve *ValueError
		if !errors.As(err, &ve) {
			t.Errorf("%s: %T %v, want a *ValueError", tc.q, err, err)
			continue
		}
		wantContains(t, err.Error(), tc.want)
	}
}

func TestPostgresParameters(t *testing.T) {
	const hostile = "x' OR '1'='1"
	w := writer(t, pg)
	exec(t, w, "DROP TABLE IF EXISTS pg_params", "CREATE TABLE pg_params (name text, n int8, f float8, ok bool, at timestamptz, raw bytea)")
	ins, args := "INSERT INTO pg_params VALUES ($1, $2, $3, $4, $5, $6)", []any{hostile, int64(7), 2.5, true, time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), []byte{1, 2}}
	if _, err := w.QueryTable(context.Background(), ins, args, QueryOptions{}); err != nil {
		t.Fatal(err)
	}
	exec(t, w, "INSERT INTO pg_params (name) VALUES ('a'), ('b')")
	db := openServer(t, pg)
	mem := checkedMem(t)
	// Bound, the hostile string matches only itself; concatenated, it would match every row.
	got := rowsOf(query(t, db, mem, "SELECT name, n, f, ok, at, raw FROM pg_params WHERE name = $1", hostile))
	if want := []string{hostile + " | 7 | 2.5 | true | 2024-01-02T03:04:05Z | 0102"}; !reflect.DeepEqual(got, want) {
		t.Errorf("rows %q, want %q", got, want)
	}
	got = rowsOf(query(t, db, mem, "SELECT count(*) FROM pg_params WHERE n IS NOT DISTINCT FROM $1 AND ok = $2", nil, true))
	if want := []string{"0"}; !reflect.DeepEqual(got, want) {
		t.Errorf("null parameter: %q", got)
	}
	err := queryErr(t, db, "SELECT $1::int", struct{}{})
	wantContains(t, err.Error(), "args[0]: unsupported parameter type struct {}")
}

func TestPostgresReadOnly(t *testing.T) {
	w := writer(t, pg)
	exec(t, w, "DROP TABLE IF EXISTS pg_ro", "CREATE TABLE pg_ro (id int)", "INSERT INTO pg_ro VALUES (1), (2)")
	db := openServer(t, pg, func(c *settings.SQLConnection) { c.MaxOpen, c.MaxIdle = 1, 1 })

	// Refused before it is sent.
	err := queryErr(t, db, "DELETE FROM pg_ro")
	var re *RefusedError
	if !errors.As(err, &re) {
		t.Fatalf("%T %v, want a *RefusedError", err, err)
	}
	wantContains(t, err.Error(), `sql connection "test_postgres": the connection is read_only`, "got DELETE")

	// A write the check cannot see fails at the server, even after an
	// attempt to turn the session's read-only default off.
	query(t, db, checkedMem(t), "SELECT set_config('default_transaction_read_only', 'off', false)")
	err = queryErr(t, db, "WITH gone AS (DELETE FROM pg_ro RETURNING id) SELECT * FROM gone")
	var e *Error
	if !errors.As(err, &e) || e.SQLState != "25006" {
		t.Fatalf("%T %v, want a read-only transaction error (25006)", err, err)
	}
	wantContains(t, err.Error(), "in a read-only transaction")
	if got := rowsOf(query(t, w, checkedMem(t), "SELECT count(*) FROM pg_ro")); got[0] != "2" {
		t.Errorf("rows left: %s, want 2", got[0])
	}
}

// activeQueries counts the server's running queries whose text starts with
// prefix.
func activeQueries(t testing.TB, db *DB, prefix string) int {
	t.Helper()
	tab := query(t, db, nil, "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND starts_with(query, $1)", prefix)
	var n int
	fmt.Sscan(rowsOf(tab)[0], &n)
	return n
}

func TestPostgresCancel(t *testing.T) {
	w := writer(t, pg)
	db := openServer(t, pg, func(c *settings.SQLConnection) { c.MaxOpen, c.QueryTimeout = 1, 700*time.Millisecond })
	cases := []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		want string
		is   error
	}{
		{"deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 300*time.Millisecond)
		},
			"the call's deadline passed; the query was cancelled", context.DeadlineExceeded},
		{"cancel", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(300*time.Millisecond, cancel)
			return ctx, cancel
		}, "the call was cancelled; so was the query", context.Canceled},
		{"query_timeout", func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) },
			"query_timeout (700ms) ran out; the query was cancelled", context.DeadlineExceeded},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			marker := fmt.Sprintf("SELECT pg_sleep(60) /* %s %d */", tc.name, time.Now().UnixNano())
			ctx, cancel := tc.ctx()
			defer cancel()
			start := time.Now()
			_, err := db.Query(ctx, marker, nil, QueryOptions{})
			if err == nil || !errors.Is(err, tc.is) {
				t.Fatalf("err = %v, want %v", err, tc.is)
			}
			wantContains(t, err.Error(), tc.want)
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("cancelling took %s", d)
			}
			eventually(t, 5*time.Second, func() string {
				if n := activeQueries(t, w, marker); n > 0 {
					return fmt.Sprintf("%d %q still running on the server", n, marker)
				}
				return ""
			})
			// The only connection is free again.
			query(t, db, checkedMem(t), "SELECT 1")
		})
	}
}

func TestPostgresPoolExhaustion(t *testing.T) {
	db := openServer(t, pg, func(c *settings.SQLConnection) { c.MaxOpen, c.MaxIdle = 4, 4 })
	mem := checkedMem(t)
	var wg sync.WaitGroup
	errs := make([]error, 64)
	for i := range errs {
		wg.Go(func() {
			tab, err := db.QueryTable(context.Background(), "SELECT $1::int8 AS i, pg_sleep(0.05)::text AS s", []any{int64(i)}, QueryOptions{Allocator: mem})
			if err == nil {
				if got := rowsOf(tab)[0]; !strings.HasPrefix(got, fmt.Sprint(i, " |")) {
					err = fmt.Errorf("got %q", got)
				}
				tab.Release()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("call %d: %v", i, err)
		}
	}
	st := db.be.(*pgBackend).pool.Stat()
	if st.MaxConns() != 4 || st.TotalConns() > 4 || st.EmptyAcquireCount() == 0 {
		t.Errorf("pool: max %d, total %d, waited %d times; want 4, at most 4, some waits", st.MaxConns(), st.TotalConns(), st.EmptyAcquireCount())
	}
}

func TestPostgresConnectionLoss(t *testing.T) {
	w := writer(t, pg)
	app := fmt.Sprintf("loss_test_%d", time.Now().UnixNano())
	db := openServer(t, pg, func(c *settings.SQLConnection) { c.DSN += "?application_name=" + app; c.MaxOpen = 2 })
	terminate := func() {
		query(t, w, nil, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", app)
	}
	query(t, db, nil, "SELECT 1") // an idle connection in the pool
	done := make(chan error, 1)
	go func() {
		_, err := db.QueryTable(context.Background(), "SELECT pg_sleep(30)", nil, QueryOptions{})
		done <- err
	}()
	eventually(t, 5*time.Second, func() string {
		if activeQueries(t, w, "SELECT pg_sleep(30)") == 0 {
			return "the query did not start"
		}
		return ""
	})
	terminate()
	select {
	case err := <-done:
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("%T %v, want an *Error", err, err)
		}
		wantContains(t, err.Error(), `sql connection "test_postgres": query: lost the connection to the database: FATAL: terminating connection due to administrator command (SQLSTATE 57P01)`)
	case <-time.After(10 * time.Second):
		t.Fatal("the query did not fail when its connection was terminated")
	}
	// Every connection of the pool is gone, idle ones too; the next queries
	// get new ones.
	for i := range 3 {
		if got := rowsOf(query(t, db, checkedMem(t), "SELECT $1::int", int64(i))); got[0] != fmt.Sprint(i) {
			t.Errorf("after the loss: %q", got)
		}
	}
}

func TestPostgresSecrecy(t *testing.T) {
	dsn, lookup := testDSN(pg)
	wrong := func(string) (string, bool) { return "Wr0ng-hunter2", true }
	for _, tc := range []struct {
		name   string
		dsn    string
		lookup SecretLookup
		want   string
	}{
		{"wrong password", dsn, wrong, "password authentication failed"},
		{"bad dsn", "postgres://flexfun:${TEST_DB_PASSWORD}@127.0.0.1:notaport/test", wrong, "invalid dsn"},
		{"refused", "postgres://flexfun:${TEST_DB_PASSWORD}@127.0.0.1:1/test?connect_timeout=2", wrong, "connect:"},
		{"simple protocol", dsn + "?default_query_exec_mode=simple_protocol", lookup, "formats parameters into the SQL text"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sink := &logSink{}
			_, err := OpenDB(context.Background(), testConn(pg, tc.dsn), tc.lookup, slog.New(slog.NewTextHandler(sink, nil)))
			if err == nil {
				t.Fatal("no error")
			}
			wantContains(t, err.Error(), `sql connection "test_postgres"`, tc.want)
			for _, secret := range []string{"hunter2", testPassword} {
				if strings.Contains(err.Error(), secret) || strings.Contains(sink.String(), secret) {
					t.Errorf("the error shows the password: %v", err)
				}
			}
		})
	}
	db := openServer(t, pg)
	pools := &Pools{dbs: map[string]*DB{"a": db}}
	for _, s := range []string{fmt.Sprint(db), fmt.Sprintf("%+v", db), fmt.Sprintf("%#v", db), fmt.Sprintf("%#v", pools), fmt.Sprintf("%v", *db)} {
		if strings.Contains(s, testPassword) {
			t.Errorf("printing shows the password: %s", s)
		}
	}
}

func TestPostgresLimitsAndBatches(t *testing.T) {
	db := openServer(t, pg, func(c *settings.SQLConnection) { c.MaxOpen = 1 })
	mem := checkedMem(t)
	// 100 million rows would take the server many seconds: a limit stops
	// the query at once.
	huge := "SELECT a * 10000 + b AS n FROM generate_series(1, 10000) a, generate_series(1, 10000) b"
	for _, tc := range []struct {
		opts QueryOptions
		want string
	}{
		{QueryOptions{MaxRows: 1000}, "the result exceeds max_rows (1000 rows)"},
		{QueryOptions{MaxBytes: 1 << 20}, "the result exceeds max_bytes (1048576 bytes)"},
	} {
		tc.opts.Allocator = mem
		start := time.Now()
		_, err := db.QueryTable(context.Background(), huge, nil, tc.opts)
		var le *LimitError
		if !errors.As(err, &le) {
			t.Fatalf("%T %v, want a *LimitError", err, err)
		}
		wantContains(t, err.Error(), tc.want)
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("stopping at the limit took %s", d)
		}
	}
	// Exactly the limit is fine.
	tab, err := db.QueryTable(context.Background(), "SELECT generate_series(1, 1000)", nil, QueryOptions{Allocator: mem, MaxRows: 1000})
	if err != nil || tab.Rows != 1000 {
		t.Fatalf("1000 rows under max_rows 1000: %v", err)
	}
	tab.Release()

	// Batches: by rows, then by bytes.
	r, err := db.Query(context.Background(), "SELECT i, repeat('x', 100) AS s FROM generate_series(1, 2500) i", nil, QueryOptions{Allocator: mem, BatchRows: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int64
	for r.Next() {
		sizes = append(sizes, r.RecordBatch().NumRows())
	}
	if r.Err() != nil || !reflect.DeepEqual(sizes, []int64{1000, 1000, 500}) || r.Rows() != 2500 {
		t.Errorf("batches %v (%v), want 1000, 1000, 500", sizes, r.Err())
	}
	r.Release()
	tab, err = db.QueryTable(context.Background(), "SELECT i, repeat('x', 100) AS s FROM generate_series(1, 2500) i", nil, QueryOptions{Allocator: mem, BatchBytes: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	// A row is 4 + 100 + 4 bytes: 64 KiB holds 606 of them.
	if len(tab.Batches) != 5 || tab.Batches[0].NumRows() != 607 {
		t.Errorf("%d batches, the first of %d rows; want 5, 607", len(tab.Batches), tab.Batches[0].NumRows())
	}
	tab.Release()

	// Releasing a reader before its end cancels the query and frees the
	// only connection.
	r, err = db.Query(context.Background(), huge, nil, QueryOptions{Allocator: mem})
	if err != nil {
		t.Fatal(err)
	}
	r.Next()
	start := time.Now()
	r.Release()
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("releasing took %s", d)
	}
	query(t, db, mem, "SELECT 1")
}

// The floor benchmark's comparison, checked once: pgx hands over the
// binary values this package decodes.
func TestPostgresBinaryFormat(t *testing.T) {
	db := openServer(t, pg)
	conn, err := db.be.(*pgBackend).pool.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	rows, err := conn.Query(context.Background(), "SELECT 1::int8, 1.5::float8, current_date, now(), 1.5::numeric(3, 1), true, gen_random_uuid()")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for _, fd := range rows.FieldDescriptions() {
		if fd.Format != pgx.BinaryFormatCode {
			t.Errorf("%s: format %d, want binary", fd.Name, fd.Format)
		}
	}
}
