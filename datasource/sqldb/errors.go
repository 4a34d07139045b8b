package sqldb

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
)

// Error is a failure reported by a database or its driver (a refused
// connection, a syntax error, a lost connection, ...). Its message never
// holds the connection's DSN or password: the driver's text is redacted
// before it is stored.
type Error struct {
	Conn     string // the connection's name
	Op       string // what failed: "connect", "query", "read rows"
	SQLState string // the SQLSTATE code or MySQL error number, when the server sent one
	Msg      string // the driver's message, redacted

	// cause is a context error (for errors.Is), never the driver's error,
	// whose text may not be redacted.
	cause error
}

func (e *Error) Error() string {
	return fmt.Sprintf("sql connection %q: %s: %s", e.Conn, e.Op, e.Msg)
}

// Unwrap returns context.Canceled or context.DeadlineExceeded when the
// failure was the context's, and nil otherwise.
func (e *Error) Unwrap() error { return e.cause }

// TypeError reports a result column whose database type has no Arrow
// mapping, with a hint to cast it in the query.
type TypeError struct {
	Conn   string
	Column string
	DBType string // the database's name of the type, e.g. "interval", "TIME"
	Hint   string // e.g. "cast it in the query: SELECT col::text"
}

func (e *TypeError) Error() string {
	return fmt.Sprintf("sql connection %q: column %q has type %s, which has no Arrow mapping; %s", e.Conn, e.Column, e.DBType, e.Hint)
}

// ValueError reports a value that does not fit its column's Arrow type
// (a numeric out of decimal128's range, a date at infinity, SQLite text in
// an INTEGER column, ...).
type ValueError struct {
	Conn   string
	Row    int64 // 1-based row of the result
	Column string
	Type   string // the column's Arrow type
	Reason string
}

func (e *ValueError) Error() string {
	return fmt.Sprintf("sql connection %q: row %d, column %q (%s): %s", e.Conn, e.Row, e.Column, e.Type, e.Reason)
}

// LimitError reports a result that exceeded QueryOptions.MaxRows or
// MaxBytes while it was read; the query was stopped there.
type LimitError struct {
	Conn  string
	Limit string // "max_rows" or "max_bytes"
	Max   int64
}

func (e *LimitError) Error() string {
	unit := "rows"
	if e.Limit == "max_bytes" {
		unit = "bytes"
	}
	return fmt.Sprintf("sql connection %q: the result exceeds %s (%d %s); narrow the query (WHERE, LIMIT) or raise the limit", e.Conn, e.Limit, e.Max, unit)
}

// RefusedError reports a statement refused before it was sent: a
// read-only connection's statement that is not a query, or several
// statements in one string.
type RefusedError struct {
	Conn   string
	Reason string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("sql connection %q: %s", e.Conn, e.Reason)
}

// contextCause returns ctx's error if ctx is done, so that a driver error
// caused by a cancelled or expired context reports as such.
func contextCause(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		if errors.Is(context.Cause(ctx), errQueryTimeout) {
			return context.DeadlineExceeded
		}
		return err
	}
	return nil
}

// errQueryTimeout is the cause of a query's context when query_timeout
// ran out, so that the message can name the setting.
var errQueryTimeout = errors.New("query_timeout")

// sqlState returns the server's code for err: PostgreSQL's SQLSTATE,
// MySQL's error number, SQLite's result code; "" if there is none.
func sqlState(err error) string {
	var pgErr *pgconn.PgError
	var myErr *mysql.MySQLError
	var liteErr *sqlite.Error
	switch {
	case errors.As(err, &pgErr):
		return pgErr.Code
	case errors.As(err, &myErr):
		return strconv.Itoa(int(myErr.Number))
	case errors.As(err, &liteErr):
		return strconv.Itoa(liteErr.Code())
	}
	return ""
}
