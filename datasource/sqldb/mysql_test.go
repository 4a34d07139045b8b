package sqldb

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flexfun-script/flexfun-script/settings"
)

const my = settings.SQLMySQL

func TestMySQLTypes(t *testing.T) {
	// TIMESTAMP values are written in +02:00 and read in UTC.
	w := openServer(t, my, func(c *settings.SQLConnection) { c.ReadOnly = false; c.DSN += "?time_zone=%27%2B02%3A00%27" })
	exec(t, w, "DROP TABLE IF EXISTS my_types", `CREATE TABLE my_types (
		id INT, ti TINYINT, si SMALLINT, mi MEDIUMINT, i INT, bi BIGINT, uti TINYINT UNSIGNED, ubi BIGINT UNSIGNED,
		f FLOAT, d DOUBLE, dc DECIMAL(38, 10), dc2 DECIMAL(12, 2), dbig DECIMAL(65, 2),
		c CHAR(3), vc VARCHAR(10), tx TEXT, e ENUM('a', 'b'), j JSON, vb VARBINARY(10), bl BLOB,
		dt DATE, dtm DATETIME(6), ts TIMESTAMP(6) NULL, y YEAR)`,
		`INSERT INTO my_types VALUES
		(1, -128, -32768, -8388608, -2147483648, -9223372036854775808, 0, 0,
		 -3.4e38, -1.7976931348623157e308, -9999999999999999999999999999.9999999999, -9999999999.99, -999999999999999999999999999999999999.99,
		 '', '', '', 'a', '[]', '', '', '1000-01-01', '1000-01-01 00:00:00', '1970-01-01 02:00:01', 1901),
		(2, 127, 32767, 8388607, 2147483647, 9223372036854775807, 255, 18446744073709551615,
		 3.4e38, 1.7976931348623157e308, 9999999999999999999999999999.9999999999, 9999999999.99, 999999999999999999999999999999999999.99,
		 'abc', 'héllo wörl', 'text', 'b', '{"a": [1, 2]}', X'00ff10', X'0102', '9999-12-31', '9999-12-31 23:59:59.999999', '2024-06-30 12:34:56.789', 2155),
		(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`)
	db := openServer(t, my)
	mem := checkedMem(t)
	wantTypes := []string{"id int32", "ti int8", "si int16", "mi int32", "i int32", "bi int64", "uti int16", "ubi uint64",
		"f float32", "d float64", "dc decimal(38, 10)", "dc2 decimal(12, 2)", "dbig decimal(38, 2)",
		"c utf8", "vc utf8", "tx utf8", "e utf8", "j utf8", "vb binary", "bl binary",
		"dt date32", "dtm timestamp[us]", "ts timestamp[us, tz=UTC]", "y int16"}
	want := []string{
		"1 | -128 | -32768 | -8388608 | -2147483648 | -9223372036854775808 | 0 | 0 | -3.4e+38 | -1.7976931348623157e+308 | " +
			"-9999999999999999999999999999.9999999999 | -9999999999.99 | -999999999999999999999999999999999999.99 | " +
			" |  |  | a | [] |  |  | 1000-01-01 | 1000-01-01T00:00:00Z | 1970-01-01T00:00:01Z | 1901",
		"2 | 127 | 32767 | 8388607 | 2147483647 | 9223372036854775807 | 255 | 18446744073709551615 | 3.4e+38 | 1.7976931348623157e+308 | " +
			"9999999999999999999999999999.9999999999 | 9999999999.99 | 999999999999999999999999999999999999.99 | " +
			`abc | héllo wörl | text | b | {"a": [1, 2]} | 00ff10 | 0102 | 9999-12-31 | 9999-12-31T23:59:59.999999Z | 2024-06-30T10:34:56.789Z | 2155`,
		"3 | null | null | null | null | null | null | null | null | null | null | null | null | null | null | null | null | null | null | null | null | null | null | null",
	}
	// Without parameters MySQL answers in its text protocol, with them in
	// its binary one: both give the same columns.
	for _, args := range [][]any{nil, {int64(0)}} {
		q := "SELECT * FROM my_types ORDER BY id"
		if args != nil {
			q = "SELECT * FROM my_types WHERE id > ? ORDER BY id"
		}
		tab := query(t, db, mem, q, args...)
		if got := typesOf(tab.Schema); !reflect.DeepEqual(got, wantTypes) {
			t.Errorf("%d args: types:\n got %v\nwant %v", len(args), got, wantTypes)
		}
		if got := rowsOf(tab); !reflect.DeepEqual(got, want) {
			t.Errorf("%d args: rows:\n got %q\nwant %q", len(args), got, want)
		}
	}
}

func TestMySQLUnmappedAndBadValues(t *testing.T) {
	w := writer(t, my)
	exec(t, w, "DROP TABLE IF EXISTS my_bits", "CREATE TABLE my_bits (`my bit` BIT(3))", "INSERT INTO my_bits VALUES (b'101')")
	db := openServer(t, my)
	for _, tc := range []struct{ q, want string }{
		{"SELECT CAST('10:00' AS TIME) AS t", `column "t" has type TIME, which has no Arrow mapping; cast it in the query: CAST(t AS CHAR), or TIME_TO_SEC(t) for seconds`},
		{"SELECT `my bit` + 0 AS ok, `my bit` FROM my_bits", "column \"my bit\" has type BIT, which has no Arrow mapping; cast it in the query: CAST(`my bit` AS UNSIGNED)"},
		{"SELECT ST_GeomFromText('POINT(1 1)') AS geo", "column \"geo\" has type GEOMETRY, which has no Arrow mapping; convert it in the query: ST_AsText(geo)"},
	} {
		err := queryErr(t, db, tc.q)
		var te *TypeError
		if !errors.As(err, &te) {
			t.Errorf("%s: %T %v, want a *TypeError", tc.q, err, err)
			continue
		}
		wantContains(t, err.Error(), tc.want)
	}
	err := queryErr(t, db, "SELECT CAST(1e40 AS DECIMAL(65, 0)) AS huge")
	wantContains(t, err.Error(), `row 1, column "huge" (decimal(38, 0)): got text "1000000000000000000000000000000000000000"...: out of decimal128's range`)
}

func TestMySQLParameters(t *testing.T) {
	hostile := []string{"x' OR '1'='1", `x\' OR 1=1 -- `}
	w := writer(t, my)
	exec(t, w, "DROP TABLE IF EXISTS my_params", "CREATE TABLE my_params (name VARCHAR(40), n BIGINT, at DATETIME)")
	for _, h := range hostile {
		if _, err := w.QueryTable(context.Background(), "INSERT INTO my_params VALUES (?, ?, ?)", []any{h, int64(7), time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}, QueryOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	exec(t, w, "INSERT INTO my_params (name) VALUES ('a'), ('b')")
	db := openServer(t, my)
	mem := checkedMem(t)
	for _, h := range hostile {
		got := rowsOf(query(t, db, mem, "SELECT name, n, at FROM my_params WHERE name = ?", h))
		if want := []string{h + " | 7 | 2024-01-02T03:04:05Z"}; !reflect.DeepEqual(got, want) {
			t.Errorf("rows %q, want %q", got, want)
		}
	}
}

func TestMySQLReadOnly(t *testing.T) {
	w := writer(t, my)
	exec(t, w, "DROP TABLE IF EXISTS my_ro", "CREATE TABLE my_ro (id INT)", "INSERT INTO my_ro VALUES (1), (2)")
	db := openServer(t, my)
	err := queryErr(t, db, "DELETE FROM my_ro")
	var re *RefusedError
	if !errors.As(err, &re) {
		t.Fatalf("%T %v, want a *RefusedError", err, err)
	}
	wantContains(t, err.Error(), "the connection is read_only", "got DELETE")
	// Sent anyway (past the check), the server refuses it: the session is read-only.
	_, err = db.run(context.Background(), "DELETE FROM my_ro", nil, QueryOptions{})
	var e *Error
	if !errors.As(err, &e) || e.SQLState != "1792" {
		t.Fatalf("%T %v, want MySQL error 1792 (read-only transaction)", err, err)
	}
	wantContains(t, err.Error(), "READ ONLY transaction")
	if got := rowsOf(query(t, w, nil, "SELECT count(*) FROM my_ro")); got[0] != "2" {
		t.Errorf("rows left: %s, want 2", got[0])
	}
}

// runningMySQL counts the server's queries whose text starts with prefix.
func runningMySQL(t testing.TB, db *DB, prefix string) int {
	t.Helper()
	tab := query(t, db, nil, "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE LEFT(INFO, ?) = ?", int64(len(prefix)), prefix)
	var n int
	fmt.Sscan(rowsOf(tab)[0], &n)
	return n
}

func TestMySQLCancel(t *testing.T) {
	w := writer(t, my)
	db := openServer(t, my, func(c *settings.SQLConnection) { c.MaxOpen, c.QueryTimeout = 1, 700*time.Millisecond })
	for _, tc := range []struct {
		name    string
		timeout time.Duration
		want    string
		is      error
	}{
		{"deadline", 300 * time.Millisecond, "the call's deadline passed; the query was cancelled", context.DeadlineExceeded},
		{"query_timeout", time.Minute, "query_timeout (700ms) ran out; the query was cancelled", context.DeadlineExceeded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			marker := fmt.Sprintf("SELECT SLEEP(60) /* %s %d */", tc.name, time.Now().UnixNano())
			ctx, cancel := context.WithTimeout(context.Background(), tc.timeout)
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
			// The driver only closes the connection; MariaDB notices that
			// seconds later. KILL QUERY ends the query at once.
			eventually(t, 2*time.Second, func() string {
				if n := runningMySQL(t, w, marker); n > 0 {
					return fmt.Sprintf("%q still running on the server", marker)
				}
				return ""
			})
			query(t, db, checkedMem(t), "SELECT 1")
		})
	}
}

func TestMySQLPoolExhaustion(t *testing.T) {
	db := openServer(t, my, func(c *settings.SQLConnection) { c.MaxOpen, c.MaxIdle = 4, 4 })
	mem := checkedMem(t)
	var wg sync.WaitGroup
	errs := make([]error, 64)
	for i := range errs {
		wg.Go(func() {
			tab, err := db.QueryTable(context.Background(), "SELECT ? AS i, SLEEP(0.05) AS s", []any{int64(i)}, QueryOptions{Allocator: mem})
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
	st := db.be.(*myBackend).pool.Stats()
	if st.MaxOpenConnections != 4 || st.OpenConnections > 4 || st.WaitCount == 0 {
		t.Errorf("pool: max %d, open %d, waited %d times; want 4, at most 4, some waits", st.MaxOpenConnections, st.OpenConnections, st.WaitCount)
	}
}

func TestMySQLConnectionLoss(t *testing.T) {
	w := openServer(t, my, func(c *settings.SQLConnection) { c.ReadOnly = false; c.MaxOpen = 1; c.Name = "setup" })
	db := openServer(t, my, func(c *settings.SQLConnection) { c.MaxOpen = 2 })
	query(t, db, nil, "SELECT 1")
	marker := fmt.Sprintf("SELECT SLEEP(30) /* loss %d */", time.Now().UnixNano())
	done := make(chan error, 1)
	go func() {
		_, err := db.QueryTable(context.Background(), marker, nil, QueryOptions{})
		done <- err
	}()
	eventually(t, 5*time.Second, func() string {
		if runningMySQL(t, w, marker) == 0 {
			return "the query did not start"
		}
		return ""
	})
	// Kill every connection of the test user but the one killing.
	ids := rowsOf(query(t, w, nil, "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = 'flexfun' AND ID <> CONNECTION_ID()"))
	for _, id := range ids {
		exec(t, w, "KILL CONNECTION "+id)
	}
	select {
	case err := <-done:
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("%T %v, want an *Error", err, err)
		}
		wantContains(t, err.Error(), `sql connection "test_mysql": query: lost the connection to the database: invalid connection`)
	case <-time.After(10 * time.Second):
		t.Fatal("the query did not fail when its connection was killed")
	}
	for i := range 3 {
		if got := rowsOf(query(t, db, checkedMem(t), "SELECT ?", int64(i))); got[0] != fmt.Sprint(i) {
			t.Errorf("after the loss: %q", got)
		}
	}
}

func TestMySQLSecrecy(t *testing.T) {
	dsn, lookup := testDSN(my)
	wrong := func(string) (string, bool) { return "Wr0ng-hunter2", true }
	for _, tc := range []struct {
		name   string
		dsn    string
		lookup SecretLookup
		want   string
	}{
		{"wrong password", dsn, wrong, "Access denied"},
		{"bad dsn", "flexfun:${TEST_DB_PASSWORD}@tcp(127.0.0.1:3306/test", wrong, "invalid dsn"},
		{"refused", "flexfun:${TEST_DB_PASSWORD}@tcp(127.0.0.1:1)/test?timeout=2s", wrong, "connect:"},
		{"interpolateParams", dsn + "?interpolateParams=true", lookup, "formats parameters into the SQL text"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := OpenDB(context.Background(), testConn(my, tc.dsn), tc.lookup, nil)
			if err == nil {
				t.Fatal("no error")
			}
			wantContains(t, err.Error(), `sql connection "test_mysql"`, tc.want)
			for _, secret := range []string{"hunter2", testPassword} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("the error shows the password: %v", err)
				}
			}
		})
	}
}
