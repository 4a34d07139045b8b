package sqldb

import (
	"context"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/flexfun-script/flexfun-script/settings"
)

// PostgreSQL goes through pgx's own API (pgxpool), not database/sql: rows
// arrive in the binary protocol and are decoded from pgx's raw values
// straight into the Arrow builders (BenchmarkPostgres* compares both).

// cancelDeadline is how long a cancelled query's connection waits for the
// server to confirm the cancel request before it is closed instead.
const cancelDeadline = 2 * time.Second

// forever stands for "no limit" where pgxpool reads zero as "at once".
const forever = 100 * 365 * 24 * time.Hour

type pgBackend struct {
	db       *DB
	pool     *pgxpool.Pool
	readOnly bool
	maxOpen  int
}

func openPostgres(ctx context.Context, db *DB, c settings.SQLConnection, dsn string) (*pgBackend, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, &Error{Conn: db.name, Op: "connect", Msg: "invalid dsn: " + db.red.clean(err.Error())}
	}
	db.red.add(cfg.ConnConfig.Password)
	if cfg.ConnConfig.DefaultQueryExecMode == pgx.QueryExecModeSimpleProtocol {
		return nil, &Error{Conn: db.name, Op: "connect",
			Msg: "default_query_exec_mode=simple_protocol formats parameters into the SQL text; use exec or the default"}
	}
	b := &pgBackend{db: db, readOnly: c.ReadOnly, maxOpen: c.MaxOpen}
	cfg.MaxConns = int32(c.MaxOpen)
	cfg.MinConns = 0
	cfg.MaxConnLifetime = c.ConnMaxLifetime
	if cfg.MaxConnLifetime == 0 {
		cfg.MaxConnLifetime = forever
	}
	maxIdle := int32(c.MaxIdle)
	cfg.AfterRelease = func(*pgx.Conn) bool { return b.pool.Stat().IdleConns() < maxIdle }
	params := cfg.ConnConfig.RuntimeParams
	if _, ok := params["application_name"]; !ok {
		params["application_name"] = "flexfun-script"
	}
	if c.ReadOnly {
		params["default_transaction_read_only"] = "on"
	}
	// On cancellation, ask the server to cancel the query (pgx's default
	// only closes the connection, leaving the query running).
	cfg.ConnConfig.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: pc, DeadlineDelay: cancelDeadline}
	}
	b.pool, err = pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, connectError(ctx, db, err)
	}
	if err := b.pool.Ping(ctx); err != nil {
		b.pool.Close()
		return nil, connectError(ctx, db, err)
	}
	return b, nil
}

// connectError describes a failure to open a connection.
func connectError(ctx context.Context, db *DB, err error) error {
	if ctx.Err() != nil {
		return &Error{Conn: db.name, Op: "connect", Msg: fmt.Sprintf("no connection within %s", connectTimeout), cause: ctx.Err()}
	}
	return &Error{Conn: db.name, Op: "connect", SQLState: sqlState(err), Msg: db.red.clean(err.Error())}
}

func (b *pgBackend) close() { b.pool.Close() }

// pgQueryer is what runs the query: the connection, or its read-only
// transaction.
type pgQueryer interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func (b *pgBackend) query(ctx context.Context, q string, args []any, mem memory.Allocator) (columns, rowSource, error) {
	// Each retry takes a connection found dead out of the pool: at most
	// max_open of them.
	r, err := b.start(ctx, q, args)
	for i := 0; err != nil && i < b.maxOpen && b.retry(err, r); i++ {
		r, err = b.start(ctx, q, args)
	}
	if err != nil {
		return nil, nil, b.db.fail(ctx, "query", err)
	}
	r.ctx = ctx
	cols, err := r.columns(mem)
	if err != nil {
		r.close()
		return nil, nil, err
	}
	return cols, r, nil
}

// retry reports whether a failed start may be tried again on another
// connection: pgx says nothing was sent, or a read-only query's connection
// turned out dead (an idle connection whose server session had ended,
// found when BEGIN or the query was sent).
func (b *pgBackend) retry(err error, r *pgRows) bool {
	return pgconn.SafeToRetry(err) || b.readOnly && r != nil && r.closed
}

// start acquires a connection, begins the read-only transaction and sends
// the query. On error it has released the connection; the returned rows
// then only tell whether the connection died.
func (b *pgBackend) start(ctx context.Context, q string, args []any) (*pgRows, error) {
	conn, err := b.pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	r := &pgRows{db: b.db, conn: conn}
	var qr pgQueryer = conn
	if b.readOnly {
		r.tx, err = conn.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
		if err != nil {
			r.closed = conn.Conn().IsClosed()
			conn.Release()
			return r, err
		}
		qr = r.tx
	}
	r.qr = qr
	r.rows, err = qr.Query(ctx, q, args...)
	if err != nil {
		r.closed = conn.Conn().IsClosed()
		r.close()
		return r, err
	}
	return r, nil
}

// pgRows is a running PostgreSQL query.
type pgRows struct {
	db     *DB
	ctx    context.Context
	conn   *pgxpool.Conn
	tx     pgx.Tx
	qr     pgQueryer
	rows   pgx.Rows
	cols   columns
	dec    []pgDecoder
	closed bool // the connection was found closed when the query failed to start
}

// columns maps the result's fields to Arrow columns. A field with no
// mapping ends the query with a *TypeError naming the database's type.
func (r *pgRows) columns(mem memory.Allocator) (columns, error) {
	fds := r.rows.FieldDescriptions()
	r.cols = make(columns, 0, len(fds))
	r.dec = make([]pgDecoder, 0, len(fds))
	typeMap := r.conn.Conn().TypeMap()
	for _, fd := range fds {
		col, dec, hint := pgColumn(mem, fd, typeMap)
		if col == nil {
			r.rows.Close()
			name := r.typeName(fd)
			r.cols.release()
			return nil, &TypeError{Conn: r.db.name, Column: fd.Name, DBType: name, Hint: hint}
		}
		r.cols = append(r.cols, col)
		r.dec = append(r.dec, dec)
	}
	return r.cols, nil
}

// typeName asks the server for a field type's name, e.g. "numeric(50,2)"
// or "interval", for an error; it falls back to the OID.
func (r *pgRows) typeName(fd pgconn.FieldDescription) string {
	var name string
	ctx, cancel := context.WithTimeout(r.ctx, cleanupTimeout)
	defer cancel()
	if err := r.qr.QueryRow(ctx, "SELECT format_type($1, $2)", fd.DataTypeOID, fd.TypeModifier).Scan(&name); err != nil || name == "" {
		return fmt.Sprintf("oid %d", fd.DataTypeOID)
	}
	return name
}

func (r *pgRows) next() bool { return r.rows.Next() }

func (r *pgRows) appendRow(row int64) error {
	for i, raw := range r.rows.RawValues() {
		c := r.cols[i]
		if raw == nil {
			c.b.AppendNull()
			continue
		}
		if err := r.dec[i](raw); err != nil {
			return c.valueError(r.db.name, row, "%v", err)
		}
	}
	return nil
}

func (r *pgRows) err() error {
	if err := r.rows.Err(); err != nil {
		return r.db.fail(r.ctx, "query", err)
	}
	return nil
}

// close ends the rows, rolls the read-only transaction back on a fresh
// context (the query's may be cancelled) and returns the connection; the
// pool destroys it if it is broken or still in a transaction.
func (r *pgRows) close() {
	if r.rows != nil {
		r.rows.Close()
	}
	if r.tx != nil {
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		_ = r.tx.Rollback(ctx) // a failed rollback leaves the connection to be destroyed
		cancel()
	}
	r.conn.Release()
}
