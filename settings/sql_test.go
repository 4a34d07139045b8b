package settings

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestSQLConnections(t *testing.T) {
	dir := t.TempDir()
	c := load(t, []string{write(t, dir, "c.toml", `
[flexfun.sql.sales]
driver = "postgres"
dsn = "postgres://app:${PG_PASSWORD}@db/app"
max_open = 20
max_idle = 5
conn_max_lifetime = "1h"
query_timeout = 15
read_only = false

[flexfun.sql.local]
driver = "sqlite"
dsn = "data/sales.sqlite"
`)})
	want := map[string]SQLConnection{
		"sales": {Name: "sales", Driver: SQLPostgres, DSN: "postgres://app:${PG_PASSWORD}@db/app", MaxOpen: 20, MaxIdle: 5,
			ConnMaxLifetime: time.Hour, QueryTimeout: 15 * time.Second, ReadOnly: false},
		"local": {Name: "local", Driver: SQLSQLite, DSN: "data/sales.sqlite", MaxOpen: 10, MaxIdle: 2,
			ConnMaxLifetime: 30 * time.Minute, QueryTimeout: 60 * time.Second, ReadOnly: true},
	}
	if !reflect.DeepEqual(c.FlexFun.SQL, want) {
		t.Errorf("SQL = %v\nwant %v", c.FlexFun.SQL, want)
	}
}

func TestSQLDurationsAndSmallPools(t *testing.T) {
	dir := t.TempDir()
	c := load(t, []string{write(t, dir, "c.toml", `
[flexfun.sql.a]
driver = "mysql"
dsn = "u:p@tcp(127.0.0.1:3306)/test"
max_open = 1
conn_max_lifetime = 0
query_timeout = 2.5
`)})
	got := c.FlexFun.SQL["a"]
	// max_idle defaults to 2 but never above max_open.
	if got.MaxIdle != 1 || got.ConnMaxLifetime != 0 || got.QueryTimeout != 2500*time.Millisecond {
		t.Errorf("got %v, want max_idle 1, conn_max_lifetime 0, query_timeout 2.5s", got)
	}
}

func TestSQLFromEnvironmentAndAlias(t *testing.T) {
	dir := t.TempDir()
	file := write(t, dir, "c.toml", `
[flexconnect.sql.sales]
driver = "postgres"
dsn = "postgres://file/app"
`)
	c := load(t, []string{file}, "GOODDATA_FLIGHT_FLEXCONNECT__SQL__SALES__DSN=postgres://env/app")
	if got := c.FlexFun.SQL["sales"].DSN; got != "postgres://env/app" {
		t.Errorf("DSN = %q, want the environment's", got)
	}
	c = load(t, nil, `GOODDATA_FLIGHT_FLEXFUN__SQL={local={driver="sqlite", dsn="x.db"}}`)
	if got := c.FlexFun.SQL["local"]; got.Driver != SQLSQLite || got.DSN != "x.db" {
		t.Errorf("from environment: %v", got)
	}
}

func TestSQLValidationErrors(t *testing.T) {
	const secret = "s3cr3t-pw"
	cases := []struct {
		name, toml string
		want       []string
	}{
		{"unknown key", `[flexfun.sql.a]
driver = "postgres"
dsn = "postgres://u:` + secret + `@h/db"
max_conns = 3`, []string{"c.toml: [flexfun] sql.a.max_conns: unknown key; valid keys are conn_max_lifetime, driver, dsn, max_idle, max_open, query_timeout, read_only"}},
		{"bad driver", `[flexfun.sql.a]
driver = "oracle"
dsn = "u/` + secret + `@h"`, []string{`[flexfun] sql.a.driver: expected one of postgres, mysql, sqlite, got string "oracle"`}},
		{"missing driver", `[flexfun.sql.a]
dsn = "postgres://u:` + secret + `@h/db"`, []string{"[flexfun] sql.a: missing key driver (one of postgres, mysql, sqlite)"}},
		{"missing dsn", `[flexfun.sql.a]
driver = "mysql"`, []string{"[flexfun] sql.a: missing key dsn"}},
		{"empty dsn", `[flexfun.sql.a]
driver = "mysql"
dsn = " "`, []string{"[flexfun] sql.a.dsn: expected a non-empty string"}},
		{"max_idle above max_open", `[flexfun.sql.a]
driver = "sqlite"
dsn = "x.db"
max_open = 2
max_idle = 3`, []string{"[flexfun] sql.a.max_idle: max_idle (3) is larger than max_open (2)"}},
		{"zero max_open", `[flexfun.sql.a]
driver = "sqlite"
dsn = "x.db"
max_open = 0`, []string{"[flexfun] sql.a.max_open: expected an integer from 1 to 2147483647, got integer 0"}},
		{"bad duration", `[flexfun.sql.a]
driver = "sqlite"
dsn = "x.db"
query_timeout = "soon"`, []string{`[flexfun] sql.a.query_timeout: expected a non-negative number of seconds or a duration such as "30s" or "5m", got string "soon"`}},
		{"negative duration", `[flexfun.sql.a]
driver = "sqlite"
dsn = "x.db"
conn_max_lifetime = -1`, []string{"[flexfun] sql.a.conn_max_lifetime: expected a non-negative number"}},
		{"read_only string", `[flexfun.sql.a]
driver = "sqlite"
dsn = "x.db"
read_only = "false"`, []string{`[flexfun] sql.a.read_only: expected true or false, got string "false"`}},
		{"bad name", `[flexfun.sql."my db"]
driver = "sqlite"
dsn = "x.db"`, []string{"[flexfun] sql.my db: connection names are letters, digits"}},
		{"not a table of tables", `[flexfun.sql]
driver = "sqlite"
sales = "postgres://u:` + secret + `@h/db"`, []string{`[flexfun] sql.driver: expected a table ([flexfun.sql.driver]), got a string`}},
		{"sql not a table", `[flexfun]
sql = "postgres://u:` + secret + `@h/db"`, []string{"[flexfun] sql: expected a table of connections ([flexfun.sql.NAME]), got a string"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			msg := loadErr(t, []string{write(t, dir, "c.toml", tc.toml)})
			wantContains(t, msg, tc.want...)
			if strings.Contains(msg, secret) {
				t.Errorf("error shows the DSN's password: %s", msg)
			}
		})
	}
}

// The DSN, which may hold a password, never shows when a configuration is
// printed, however it is printed.
func TestSQLConnectionPrintingHidesDSN(t *testing.T) {
	dir := t.TempDir()
	c := load(t, []string{write(t, dir, "c.toml", `
[flexfun.sql.sales]
driver = "postgres"
dsn = "postgres://app:hunter2-pw@db/app"
`)})
	conn := c.FlexFun.SQL["sales"]
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		for _, v := range []any{conn, &conn, c.FlexFun, c.FlexFun.SQL} {
			if s := fmt.Sprintf(format, v); strings.Contains(s, "hunter2") {
				t.Errorf("%s of %T shows the DSN: %s", format, v, s)
			}
		}
	}
	if s := conn.String(); !strings.Contains(s, `sql connection "sales" (driver postgres`) {
		t.Errorf("String() = %q", s)
	}
}
