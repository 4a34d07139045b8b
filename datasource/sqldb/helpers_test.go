package sqldb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
	"github.com/flexfun-script/flexfun-script/settings"
)

// The test servers' credentials, as scripts/ci/databases.sh creates them;
// FLEXFUN_TEST_PG_DSN and FLEXFUN_TEST_MYSQL_DSN override them. The
// password is given to the connections as the secret TEST_DB_PASSWORD, so
// that every test also goes through ${NAME} expansion.
const (
	testPassword   = "flexfun-test-7Qw"
	defaultPGDSN   = "postgres://flexfun:" + testPassword + "@127.0.0.1:5432/test"
	defaultMyDSN   = "flexfun:" + testPassword + "@tcp(127.0.0.1:3306)/test"
	passwordSecret = "${TEST_DB_PASSWORD}"
)

// testDSN returns the server's DSN with its password replaced by a secret
// reference, and the lookup that resolves it.
func testDSN(driver string) (string, SecretLookup) {
	env, def := "FLEXFUN_TEST_PG_DSN", defaultPGDSN
	if driver == settings.SQLMySQL {
		env, def = "FLEXFUN_TEST_MYSQL_DSN", defaultMyDSN
	}
	dsn := os.Getenv(env)
	if dsn == "" {
		dsn = def
	}
	password := testPassword
	if strings.Contains(dsn, ":"+testPassword+"@") {
		dsn = strings.Replace(dsn, ":"+testPassword+"@", ":"+passwordSecret+"@", 1)
	} else {
		password = "" // a custom DSN: used as given
	}
	return dsn, func(name string) (string, bool) {
		return password, name == "TEST_DB_PASSWORD" && password != ""
	}
}

// testConn is the configuration of a test connection; edit modifies it.
func testConn(driver, dsn string, edit ...func(*settings.SQLConnection)) settings.SQLConnection {
	c := settings.SQLConnection{Name: "test_" + driver, Driver: driver, DSN: dsn, MaxOpen: 4, MaxIdle: 2,
		ConnMaxLifetime: time.Minute, QueryTimeout: 30 * time.Second, ReadOnly: true}
	for _, e := range edit {
		e(&c)
	}
	return c
}

// logSink collects log lines, for the secrecy checks.
type logSink struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *logSink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// openServer opens a connection to a test server, or skips the test (fails
// it under CI=true) when the server cannot be reached.
func openServer(t testing.TB, driver string, edit ...func(*settings.SQLConnection)) *DB {
	t.Helper()
	dsn, lookup := testDSN(driver)
	sink := &logSink{}
	logger := slog.New(slog.NewTextHandler(sink, &slog.HandlerOptions{Level: slog.LevelDebug}))
	db, err := OpenDB(context.Background(), testConn(driver, dsn, edit...), lookup, logger)
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Op == "connect" {
			name := map[string]string{settings.SQLPostgres: "PostgreSQL", settings.SQLMySQL: "MariaDB"}[driver]
			msg := fmt.Sprintf("%s not reachable (%v); run scripts/ci/databases.sh", name, err)
			if os.Getenv("CI") == "true" {
				t.Fatal(msg)
			}
			t.Skip("SKIPPING: " + msg)
		}
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Close()
		if strings.Contains(sink.String(), testPassword) {
			t.Errorf("a log line shows the password:\n%s", sink.String())
		}
	})
	return db
}

// writer opens a read_only = false connection for setting up tables.
func writer(t testing.TB, driver string) *DB {
	return openServer(t, driver, func(c *settings.SQLConnection) { c.ReadOnly = false; c.Name = "setup" })
}

// exec runs statements that return no rows.
func exec(t testing.TB, db *DB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		tab, err := db.QueryTable(context.Background(), s, nil, QueryOptions{})
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		tab.Release()
	}
}

// checkedMem is an allocator that fails the test if anything is left
// allocated at its end.
func checkedMem(t testing.TB) memory.Allocator {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}

// query runs q and returns the whole result.
func query(t testing.TB, db *DB, mem memory.Allocator, q string, args ...any) *arrowbridge.Table {
	t.Helper()
	tab, err := db.QueryTable(context.Background(), q, args, QueryOptions{Allocator: mem})
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	t.Cleanup(tab.Release)
	return tab
}

// queryErr runs q, expecting an error; nothing may stay allocated.
func queryErr(t testing.TB, db *DB, q string, args ...any) error {
	t.Helper()
	tab, err := db.QueryTable(context.Background(), q, args, QueryOptions{Allocator: checkedMem(t)})
	if err == nil {
		tab.Release()
		t.Fatalf("%s: no error", q)
	}
	return err
}

// rowsOf renders a table as one string per row, values separated by " | ",
// NULL as "null", for comparisons.
func rowsOf(tab *arrowbridge.Table) []string {
	var out []string
	for _, rec := range tab.Batches {
		for i := 0; i < int(rec.NumRows()); i++ {
			vals := make([]string, rec.NumCols())
			for j, col := range rec.Columns() {
				vals[j] = valueString(col, i)
			}
			out = append(out, strings.Join(vals, " | "))
		}
	}
	return out
}

func valueString(a arrow.Array, i int) string {
	if a.IsNull(i) {
		return "null"
	}
	switch a := a.(type) {
	case *array.Binary:
		return fmt.Sprintf("%x", a.Value(i))
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return a.Value(i).ToTime(unit).Format("2006-01-02T15:04:05.999999Z07:00")
	case *array.Date32:
		return a.Value(i).FormattedString()
	}
	return a.ValueStr(i)
}

// typesOf lists the schema's column types.
func typesOf(s *arrow.Schema) []string {
	out := make([]string, s.NumFields())
	for i, f := range s.Fields() {
		out[i] = f.Name + " " + f.Type.String()
	}
	return out
}

// wantContains fails unless msg holds every part.
func wantContains(t testing.TB, msg string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("%q\ndoes not contain %q", msg, p)
		}
	}
}

// eventually retries check every 100 ms until it returns "" or the timeout
// passes, and fails with its last message.
func eventually(t testing.TB, timeout time.Duration, check func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		msg := check()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(msg)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
