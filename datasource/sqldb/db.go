package sqldb

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/go-sql-driver/mysql"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
	"github.com/flexfun-script/flexfun-script/settings"
)

// connectTimeout bounds opening a connection's pool and its first
// connection, whatever the caller's context allows.
const connectTimeout = 30 * time.Second

// cleanupTimeout bounds what runs after a query on a fresh context: a
// rollback, a MySQL KILL QUERY.
const cleanupTimeout = 5 * time.Second

// A backend is one driver's pool.
type backend interface {
	// query starts q on a connection of the pool and returns the result's
	// columns and rows. ctx bounds the whole query, reading included;
	// errors are already converted (db.fail).
	query(ctx context.Context, q string, args []any, mem memory.Allocator) (columns, rowSource, error)
	close()
}

// DB is one configured connection: a pool of database connections that
// every call shares. It is safe for concurrent use.
type DB struct {
	name         string
	driver       string
	dialect      Dialect
	readOnly     bool
	queryTimeout time.Duration
	red          *redactor
	log          *slog.Logger
	be           backend
}

// OpenDB opens the pool of one [flexfun.sql.NAME] connection and makes one
// connection to check that the database can be reached. ${NAME}
// references in the DSN are replaced by lookup's secrets. Errors name the
// connection, never the DSN or a password. A nil logger discards.
func OpenDB(ctx context.Context, c settings.SQLConnection, lookup SecretLookup, logger *slog.Logger) (*DB, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	dsn, secrets, err := expandDSN(c.DSN, lookup)
	if err != nil {
		return nil, fmt.Errorf("sql connection %q: %w", c.Name, err)
	}
	db := &DB{
		name: c.Name, driver: c.Driver, readOnly: c.ReadOnly, queryTimeout: c.QueryTimeout,
		red: newRedactor(append(secrets, c.DSN, dsn)...), log: logger,
	}
	ctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	switch c.Driver {
	case settings.SQLPostgres:
		db.dialect = Postgres
		db.be, err = openPostgres(ctx, db, c, dsn)
	case settings.SQLMySQL:
		db.dialect = MySQL
		db.be, err = openMySQL(ctx, db, c, dsn)
	case settings.SQLSQLite:
		db.dialect = SQLite
		db.be, err = openSQLite(ctx, db, c, dsn)
	default:
		return nil, fmt.Errorf("sql connection %q: unknown driver %q (want postgres, mysql or sqlite)", c.Name, c.Driver)
	}
	if err != nil {
		return nil, err
	}
	logger.Info("sql connection opened", "connection", c.Name, "driver", c.Driver,
		"max_open", c.MaxOpen, "max_idle", c.MaxIdle, "read_only", c.ReadOnly)
	return db, nil
}

// Name returns the connection's name.
func (db *DB) Name() string { return db.name }

// Dialect returns the SQL dialect of the connection's database.
func (db *DB) Dialect() Dialect { return db.dialect }

// String describes the connection without its DSN.
func (db *DB) String() string {
	return fmt.Sprintf("sql connection %q (%s)", db.name, db.driver)
}

// GoString is String, so that %#v shows no secret either.
func (db *DB) GoString() string { return db.String() }

// closeTimeout bounds how long Close waits for connections in use (a
// Reader not yet released) to come back.
const closeTimeout = 10 * time.Second

// Close closes the pool. It waits up to 10 seconds for connections still
// in use to come back, then returns and lets them close when they do.
func (db *DB) Close() {
	done := make(chan struct{})
	go func() {
		defer close(done)
		db.be.close()
	}()
	select {
	case <-done:
		db.log.Info("sql connection closed", "connection", db.name)
	case <-time.After(closeTimeout):
		db.log.Warn("sql connection closed with queries still running", "connection", db.name)
	}
}

// Query runs one statement with its parameters bound by the driver
// ($1, $2, ... for PostgreSQL; ? for MySQL and SQLite) and returns its
// rows as Arrow. The first batch is read before Query returns, so that
// most errors come from Query itself. The connection is held until the
// Reader is done or released.
//
// ctx's deadline and cancellation, and the connection's query_timeout,
// cancel the query on the server.
func (db *DB) Query(ctx context.Context, query string, args []any, opts QueryOptions) (*Reader, error) {
	if err := checkStatement(db.dialect, query, db.readOnly); err != nil {
		return nil, &RefusedError{Conn: db.name, Reason: err.Error()}
	}
	if err := checkArgs(args); err != nil {
		return nil, fmt.Errorf("sql connection %q: %w", db.name, err)
	}
	return db.run(ctx, query, args, opts)
}

// run is Query without the statement check.
func (db *DB) run(ctx context.Context, query string, args []any, opts QueryOptions) (*Reader, error) {
	opts = opts.withDefaults()
	qctx, cancel := db.withTimeout(ctx)
	cols, src, err := db.be.query(qctx, query, args, opts.Allocator)
	if err != nil {
		cancel()
		return nil, err
	}
	r := newReader(db.name, cols, src, opts, cancel)
	if err := r.prime(); err != nil {
		r.Release()
		return nil, err
	}
	return r, nil
}

// QueryTable is Query reading the whole result into a table. Release the
// table when done.
func (db *DB) QueryTable(ctx context.Context, query string, args []any, opts QueryOptions) (*arrowbridge.Table, error) {
	r, err := db.Query(ctx, query, args, opts)
	if err != nil {
		return nil, err
	}
	return ReadAll(r)
}

// Select builds the query of spec in the connection's dialect (see
// BuildSelect) and runs it.
func (db *DB) Select(ctx context.Context, spec SelectSpec, opts QueryOptions) (*Reader, error) {
	q, args, err := BuildSelect(db.dialect, spec)
	if err != nil {
		return nil, fmt.Errorf("sql connection %q: %w", db.name, err)
	}
	return db.Query(ctx, q, args, opts)
}

// withTimeout bounds ctx by query_timeout.
func (db *DB) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if db.queryTimeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeoutCause(ctx, db.queryTimeout, errQueryTimeout)
}

// fail converts a driver's error: a context that ended explains itself, and
// the driver's text is redacted.
func (db *DB) fail(ctx context.Context, op string, err error) error {
	e := &Error{Conn: db.name, Op: op}
	if cerr := ctx.Err(); cerr != nil {
		e.cause = cerr
		switch {
		case errors.Is(context.Cause(ctx), errQueryTimeout):
			e.Msg = fmt.Sprintf("query_timeout (%s) ran out; the query was cancelled", db.queryTimeout)
		case errors.Is(cerr, context.DeadlineExceeded):
			e.Msg = "the call's deadline passed; the query was cancelled"
		default:
			e.Msg = "the call was cancelled; so was the query"
		}
		return e
	}
	e.SQLState = sqlState(err)
	e.Msg = db.red.clean(err.Error())
	if lostConnection(err, e.SQLState) {
		e.Msg = "lost the connection to the database: " + e.Msg
	}
	return e
}

// lostConnection reports whether err means the connection went away: the
// server ended the session (PostgreSQL's classes 08 and 57P), or the
// driver found it closed.
func lostConnection(err error, state string) bool {
	return strings.HasPrefix(state, "08") || strings.HasPrefix(state, "57P") ||
		errors.Is(err, mysql.ErrInvalidConn) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed)
}

// checkArgs accepts the parameter types every driver binds the same way.
func checkArgs(args []any) error {
	for i, a := range args {
		switch a.(type) {
		case nil, bool, string, []byte, time.Time,
			int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		case *big.Int:
			return fmt.Errorf("args[%d]: a big integer; pass it as a string", i)
		default:
			return fmt.Errorf("args[%d]: unsupported parameter type %T (want null, bool, integer, float, string, bytes or time)", i, a)
		}
	}
	return nil
}

// Pools holds the open connections by name. Open them once at start-up and
// close them at shutdown; a configuration reload keeps them. It is safe for
// concurrent use.
type Pools struct {
	dbs map[string]*DB
}

// Open opens every configured connection. If any cannot be opened, it
// closes the others and returns every failure, each naming its connection.
func Open(ctx context.Context, conns map[string]settings.SQLConnection, lookup SecretLookup, logger *slog.Logger) (*Pools, error) {
	p := &Pools{dbs: make(map[string]*DB, len(conns))}
	var errs []error
	for _, name := range sortedNames(conns) {
		db, err := OpenDB(ctx, conns[name], lookup, logger)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		p.dbs[name] = db
	}
	if len(errs) > 0 {
		p.Close()
		return nil, errors.Join(errs...)
	}
	return p, nil
}

// DB returns the connection called name; an unknown name is an error that
// lists the configured ones.
func (p *Pools) DB(name string) (*DB, error) {
	if db, ok := p.dbs[name]; ok {
		return db, nil
	}
	names := p.Names()
	if len(names) == 0 {
		return nil, fmt.Errorf("unknown sql connection %q: none is configured (add a [flexfun.sql.%s] section)", name, name)
	}
	return nil, fmt.Errorf("unknown sql connection %q; configured: %s", name, strings.Join(names, ", "))
}

// Names returns the connections' names, sorted.
func (p *Pools) Names() []string { return sortedNames(p.dbs) }

// Query runs a query on the connection called conn; see DB.Query.
func (p *Pools) Query(ctx context.Context, conn, query string, args []any, opts QueryOptions) (*Reader, error) {
	db, err := p.DB(conn)
	if err != nil {
		return nil, err
	}
	return db.Query(ctx, query, args, opts)
}

// Close closes every connection.
func (p *Pools) Close() {
	for _, db := range p.dbs {
		db.Close()
	}
	p.dbs = nil
}

// String lists the connections without their DSNs.
func (p *Pools) String() string {
	return fmt.Sprintf("sql connections [%s]", strings.Join(p.Names(), ", "))
}

// GoString is String.
func (p *Pools) GoString() string { return p.String() }

func sortedNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}
