package settings

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
)

// SQL drivers accepted by [flexfun.sql.NAME] driver.
const (
	SQLPostgres = "postgres"
	SQLMySQL    = "mysql"
	SQLSQLite   = "sqlite"
)

var (
	sqlKeys    = []string{"conn_max_lifetime", "driver", "dsn", "max_idle", "max_open", "query_timeout", "read_only"}
	sqlDrivers = []string{SQLPostgres, SQLMySQL, SQLSQLite}
	sqlName    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)
)

// SQLConnection is one [flexfun.sql.NAME] section: a database connection
// pool that scripts reach by NAME. Its String method never shows the DSN.
type SQLConnection struct {
	Name   string // NAME
	Driver string // driver: SQLPostgres, SQLMySQL or SQLSQLite
	// DSN (dsn) is the driver's connection string as written, with any
	// ${SECRET} references not yet expanded. It may hold a password: never
	// log or print it.
	DSN             string
	MaxOpen         int           // max_open: connections open at once (default 10)
	MaxIdle         int           // max_idle: idle connections kept (default 2, at most max_open)
	ConnMaxLifetime time.Duration // conn_max_lifetime: a connection is closed after it (default 30m; 0: never)
	QueryTimeout    time.Duration // query_timeout: bounds every query (default 60s; 0: only the call's deadline)
	ReadOnly        bool          // read_only: refuse statements that are not queries (default true)
}

// String describes the connection without its DSN, so that printing a
// configuration never shows a password.
func (c SQLConnection) String() string {
	return fmt.Sprintf("sql connection %q (driver %s, max_open %d, max_idle %d, conn_max_lifetime %s, query_timeout %s, read_only %t)",
		c.Name, c.Driver, c.MaxOpen, c.MaxIdle, c.ConnMaxLifetime, c.QueryTimeout, c.ReadOnly)
}

// GoString is String, so that %#v does not show the DSN either.
func (c SQLConnection) GoString() string { return c.String() }

// sql decodes the sql key of [flexfun] (or [flexconnect]): a table of
// connection tables, [flexfun.sql.NAME].
func (d *decoder) sql(s *section) map[string]SQLConnection {
	v, ok := s.value("sql")
	if !ok {
		return nil
	}
	parent := s.from["sql"]
	conns, ok := v.(map[string]any)
	if !ok {
		s.failf("sql", "expected a table of connections ([%s.sql.NAME]), got %s", parent, describeHidden(v))
		return map[string]SQLConnection{}
	}
	out := make(map[string]SQLConnection, len(conns))
	for _, name := range sortedKeys(conns) {
		r := &sqlReader{d: d, path: []string{parent, "sql", name}}
		if !sqlName.MatchString(name) {
			r.failf("", "connection names are letters, digits, '_' and '-', starting with a letter or '_'")
			continue
		}
		m, ok := conns[name].(map[string]any)
		if !ok {
			r.failf("", "expected a table ([%s.sql.%s]), got %s", parent, name, describeHidden(conns[name]))
			continue
		}
		r.values = m
		if c, ok := r.connection(name); ok {
			out[name] = c
		}
	}
	return out
}

// A sqlReader reads the keys of one [flexfun.sql.NAME] table. Its errors
// name the key by its full path, e.g. "[flexfun] sql.sales.max_open".
type sqlReader struct {
	d      *decoder
	path   []string // section, "sql", NAME
	values map[string]any
	failed bool
}

func (r *sqlReader) failf(key, format string, args ...any) {
	path := r.path
	if key != "" {
		path = append(path[:len(path):len(path)], key)
	}
	r.failed = true
	r.d.failf(path, format, args...)
}

// connection decodes the table; ok is false if any key was wrong.
func (r *sqlReader) connection(name string) (SQLConnection, bool) {
	for _, k := range sortedKeys(r.values) {
		if !slices.Contains(sqlKeys, k) {
			r.failf(k, "unknown key; valid keys are %s", strings.Join(sqlKeys, ", "))
		}
	}
	c := SQLConnection{
		Name:            name,
		Driver:          r.driver(),
		DSN:             r.dsn(),
		MaxOpen:         r.integer("max_open", 10, 1),
		MaxIdle:         r.integer("max_idle", 2, 0),
		ConnMaxLifetime: r.duration("conn_max_lifetime", 30*time.Minute),
		QueryTimeout:    r.duration("query_timeout", 60*time.Second),
		ReadOnly:        r.boolean("read_only", true),
	}
	if c.MaxIdle > c.MaxOpen {
		if _, set := r.values["max_idle"]; set {
			r.failf("max_idle", "max_idle (%d) is larger than max_open (%d)", c.MaxIdle, c.MaxOpen)
		} else {
			c.MaxIdle = c.MaxOpen
		}
	}
	return c, !r.failed
}

func (r *sqlReader) driver() string {
	v, ok := r.values["driver"]
	if !ok {
		r.failf("", "missing key driver (one of %s)", strings.Join(sqlDrivers, ", "))
		return ""
	}
	if x, ok := v.(string); ok && slices.Contains(sqlDrivers, x) {
		return x
	}
	r.failf("driver", "expected one of %s, got %s", strings.Join(sqlDrivers, ", "), describe(v))
	return ""
}

// dsn reads the connection string. Its value is never put into an error.
func (r *sqlReader) dsn() string {
	v, ok := r.values["dsn"]
	if !ok {
		r.failf("", "missing key dsn (the driver's connection string)")
		return ""
	}
	x, ok := v.(string)
	if !ok || strings.TrimSpace(x) == "" {
		r.failf("dsn", "expected a non-empty string")
		return ""
	}
	return x
}

func (r *sqlReader) integer(key string, def, lo int) int {
	v, ok := r.values[key]
	if !ok {
		return def
	}
	if x, ok := v.(int64); ok && x >= int64(lo) && x <= math.MaxInt32 {
		return int(x)
	}
	r.failf(key, "expected an integer from %d to %d, got %s", lo, math.MaxInt32, describe(v))
	return def
}

func (r *sqlReader) boolean(key string, def bool) bool {
	v, ok := r.values[key]
	if !ok {
		return def
	}
	if x, ok := v.(bool); ok {
		return x
	}
	r.failf(key, "expected true or false, got %s", describe(v))
	return def
}

// duration reads a non-negative number of seconds (integer or float) or a
// Go duration string such as "30s", "5m" or "1h30m".
func (r *sqlReader) duration(key string, def time.Duration) time.Duration {
	v, ok := r.values[key]
	if !ok {
		return def
	}
	const max = float64(math.MaxInt64 / int64(time.Second))
	switch x := v.(type) {
	case int64:
		if x >= 0 && float64(x) <= max {
			return time.Duration(x) * time.Second
		}
	case float64:
		if x >= 0 && x <= max {
			return time.Duration(x * float64(time.Second))
		}
	case string:
		if d, err := time.ParseDuration(x); err == nil && d >= 0 {
			return d
		}
	}
	r.failf(key, `expected a non-negative number of seconds or a duration such as "30s" or "5m", got %s`, describe(v))
	return def
}

// describeHidden is describe without a string's value, which may be a DSN
// written in the wrong place.
func describeHidden(v any) string {
	if _, ok := v.(string); ok {
		return "a string"
	}
	return describe(v)
}
