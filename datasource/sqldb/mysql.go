package sqldb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/go-sql-driver/mysql"

	"github.com/flexfun-script/flexfun-script/settings"
)

// MySQL and MariaDB. Cancelling a query's context makes the driver close
// the connection, which does not stop the query on the server: the
// backend also sends KILL QUERY for it on a connection of its own.

type myBackend struct {
	db   *DB
	pool *sql.DB
	kill *sql.DB // one connection for KILL QUERY, so a full pool cannot block it
}

func openMySQL(ctx context.Context, db *DB, c settings.SQLConnection, dsn string) (*myBackend, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, &Error{Conn: db.name, Op: "connect", Msg: "invalid dsn: " + db.red.clean(err.Error())}
	}
	db.red.add(cfg.Passwd)
	if cfg.InterpolateParams {
		return nil, &Error{Conn: db.name, Op: "connect", Msg: "interpolateParams=true formats parameters into the SQL text; remove it from the dsn"}
	}
	cfg.MultiStatements = false
	cfg.AllowAllFiles = false
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	if _, ok := cfg.Params["time_zone"]; !ok {
		// TIMESTAMP values then arrive in UTC, as timestamp[us, tz=UTC].
		cfg.Params["time_zone"] = "'+00:00'"
	}
	cfg.Logger = driverLogger{db}
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, &Error{Conn: db.name, Op: "connect", Msg: "invalid dsn: " + db.red.clean(err.Error())}
	}
	b := &myBackend{db: db}
	b.pool = sql.OpenDB(&myConnector{Connector: conn, readOnly: c.ReadOnly})
	b.pool.SetMaxOpenConns(c.MaxOpen)
	b.pool.SetMaxIdleConns(c.MaxIdle)
	b.pool.SetConnMaxLifetime(c.ConnMaxLifetime)
	b.kill = sql.OpenDB(conn)
	b.kill.SetMaxOpenConns(1)
	b.kill.SetMaxIdleConns(1)
	b.kill.SetConnMaxIdleTime(time.Minute)
	if err := b.pool.PingContext(ctx); err != nil {
		b.close()
		return nil, connectError(ctx, db, err)
	}
	return b, nil
}

func (b *myBackend) close() {
	b.pool.Close()
	b.kill.Close()
}

func (b *myBackend) query(ctx context.Context, q string, args []any, mem memory.Allocator) (columns, rowSource, error) {
	conn, err := b.pool.Conn(ctx)
	if err != nil {
		return nil, nil, b.db.fail(ctx, "query", err)
	}
	var id uint64
	_ = conn.Raw(func(dc any) error { id = dc.(*myConn).id; return nil })
	r := &dbRows{db: b.db, ctx: ctx, conn: conn}
	killed := make(chan struct{})
	stop := context.AfterFunc(ctx, func() { defer close(killed); b.killQuery(id) })
	r.stopKill = func() {
		if stop() {
			if ctx.Err() == nil {
				return
			}
			// The driver saw the context end before its AfterFunc
			// started: kill here.
			b.killQuery(id)
		} else {
			<-killed
		}
		// Never reuse a connection KILL QUERY was sent for: it may
		// have marked it.
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	cts, err := r.open(q, args)
	if err != nil {
		return nil, nil, err
	}
	cols, err := r.columns(mem, MySQL, cts, mysqlType)
	if err != nil {
		r.close()
		return nil, nil, err
	}
	return cols, r, nil
}

// killQuery stops the query of connection id on the server.
func (b *myBackend) killQuery(id uint64) {
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	// id is the server's own number for the connection, not user input.
	if _, err := b.kill.ExecContext(ctx, fmt.Sprintf("KILL QUERY %d", id)); err != nil {
		b.db.log.Warn("sql: KILL QUERY failed", "connection", b.db.name, "error", b.db.red.clean(err.Error()))
	}
}

// mysqlType maps a MySQL column type (as go-sql-driver names it) to Arrow,
// or returns the hint for a type with no mapping (%[1]s: the column).
func mysqlType(ct *sql.ColumnType) (arrow.DataType, string) {
	name := ct.DatabaseTypeName()
	switch name {
	case "TINYINT":
		return arrow.PrimitiveTypes.Int8, ""
	case "SMALLINT", "UNSIGNED TINYINT", "YEAR":
		return arrow.PrimitiveTypes.Int16, ""
	case "MEDIUMINT", "INT", "UNSIGNED SMALLINT", "UNSIGNED MEDIUMINT":
		return arrow.PrimitiveTypes.Int32, ""
	case "BIGINT", "UNSIGNED INT":
		return arrow.PrimitiveTypes.Int64, ""
	case "UNSIGNED BIGINT":
		return arrow.PrimitiveTypes.Uint64, ""
	case "FLOAT":
		return arrow.PrimitiveTypes.Float32, ""
	case "DOUBLE":
		return arrow.PrimitiveTypes.Float64, ""
	case "DECIMAL":
		p, s, ok := ct.DecimalSize()
		if !ok || s < 0 || s > maxDecimalDigits {
			return nil, "cast it in the query: CAST(%[1]s AS DOUBLE)"
		}
		return &arrow.Decimal128Type{Precision: int32(min(max(p, 1), maxDecimalDigits)), Scale: int32(s)}, ""
	case "CHAR", "VARCHAR", "TINYTEXT", "TEXT", "MEDIUMTEXT", "LONGTEXT", "ENUM", "SET", "JSON", "NULL":
		return arrow.BinaryTypes.String, ""
	case "BINARY", "VARBINARY", "TINYBLOB", "BLOB", "MEDIUMBLOB", "LONGBLOB":
		return arrow.BinaryTypes.Binary, ""
	case "DATE":
		return arrow.FixedWidthTypes.Date32, ""
	case "DATETIME":
		return timestampUS, ""
	case "TIMESTAMP":
		return timestampUTC, ""
	case "TIME":
		return nil, "cast it in the query: CAST(%[1]s AS CHAR), or TIME_TO_SEC(%[1]s) for seconds"
	case "BIT":
		return nil, "cast it in the query: CAST(%[1]s AS UNSIGNED)"
	case "GEOMETRY":
		return nil, "convert it in the query: ST_AsText(%[1]s)"
	}
	return nil, "cast it in the query: CAST(%[1]s AS CHAR)"
}

// myConnector makes connections that know their server-side id (for KILL
// QUERY) and, on a read_only connection, run in a read-only session: every
// statement is then a read-only transaction, so the server refuses writes.
type myConnector struct {
	driver.Connector
	readOnly bool
}

func (c *myConnector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	conn := &myConn{Conn: dc}
	if err := conn.init(ctx, c.readOnly); err != nil {
		dc.Close()
		return nil, err
	}
	return conn, nil
}

// myConn is go-sql-driver's connection with its id. It forwards every
// optional interface the driver's connection implements.
type myConn struct {
	driver.Conn
	id uint64
}

func (c *myConn) init(ctx context.Context, readOnly bool) error {
	rows, err := c.QueryContext(ctx, "SELECT CONNECTION_ID()", nil)
	if err != nil {
		return err
	}
	v := make([]driver.Value, 1)
	err = rows.Next(v)
	rows.Close()
	if err != nil {
		return fmt.Errorf("read the connection id: %w", err)
	}
	switch x := v[0].(type) {
	case int64:
		c.id = uint64(x)
	case uint64:
		c.id = x
	default:
		return fmt.Errorf("read the connection id: got %T", v[0])
	}
	if readOnly {
		if _, err := c.ExecContext(ctx, "SET SESSION TRANSACTION READ ONLY", nil); err != nil {
			return err
		}
	}
	return nil
}

func (c *myConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c *myConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, q, args)
}

func (c *myConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	return c.Conn.(driver.ExecerContext).ExecContext(ctx, q, args)
}

func (c *myConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	return c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, q)
}

func (c *myConn) Ping(ctx context.Context) error { return c.Conn.(driver.Pinger).Ping(ctx) }

func (c *myConn) ResetSession(ctx context.Context) error {
	return c.Conn.(driver.SessionResetter).ResetSession(ctx)
}

func (c *myConn) IsValid() bool { return c.Conn.(driver.Validator).IsValid() }

func (c *myConn) CheckNamedValue(nv *driver.NamedValue) error {
	return c.Conn.(driver.NamedValueChecker).CheckNamedValue(nv)
}

// driverLogger sends go-sql-driver's messages (otherwise printed to
// stderr) to the connection's logger, redacted.
type driverLogger struct{ db *DB }

func (l driverLogger) Print(v ...any) {
	msg := strings.TrimSpace(fmt.Sprint(v...))
	l.db.log.Log(context.Background(), slog.LevelWarn, "sql driver: "+l.db.red.clean(msg), "connection", l.db.name)
}
