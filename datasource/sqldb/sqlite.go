package sqldb

import (
	"context"
	"database/sql"
	"net/url"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	_ "modernc.org/sqlite" // registers the "sqlite" driver: pure Go, no cgo

	"github.com/flexfun-script/flexfun-script/settings"
)

// SQLite through modernc.org/sqlite. SQLite types values, not columns: a
// column's Arrow type comes from its declared type's affinity, and a
// column with no declared type (an expression, an aggregate) takes the
// widest type of its values in the first sqlitePeekRows rows. See
// docs/sql.md.

// sqlitePeekRows is how many rows type the columns without a declared type.
const sqlitePeekRows = 1000

type liteBackend struct {
	db   *DB
	pool *sql.DB
}

func openSQLite(ctx context.Context, db *DB, c settings.SQLConnection, dsn string) (*liteBackend, error) {
	dsn, err := sqliteDSN(dsn, c.ReadOnly)
	if err != nil {
		return nil, &Error{Conn: db.name, Op: "connect", Msg: "invalid dsn: " + db.red.clean(err.Error())}
	}
	pool, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, &Error{Conn: db.name, Op: "connect", Msg: db.red.clean(err.Error())}
	}
	pool.SetMaxOpenConns(c.MaxOpen)
	pool.SetMaxIdleConns(c.MaxIdle)
	pool.SetConnMaxLifetime(c.ConnMaxLifetime)
	b := &liteBackend{db: db, pool: pool}
	// A ping opens the file; a query proves it is a database.
	if err := pool.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(new(int64)); err != nil {
		pool.Close()
		return nil, connectError(ctx, db, err)
	}
	return b, nil
}

// sqliteDSN turns a path or file: URI into a file: URI and, for a
// read_only connection, opens it read-only (mode=ro) with query_only set.
func sqliteDSN(dsn string, readOnly bool) (string, error) {
	if !strings.HasPrefix(dsn, "file:") {
		path, query, _ := strings.Cut(dsn, "?")
		dsn = "file:" + strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
		if query != "" {
			dsn += "?" + query
		}
	}
	if !readOnly {
		return dsn, nil
	}
	base, query, _ := strings.Cut(dsn, "?")
	q, err := url.ParseQuery(query)
	if err != nil {
		return "", err
	}
	q.Set("mode", "ro")
	q.Add("_pragma", "query_only(1)")
	return base + "?" + q.Encode(), nil
}

func (b *liteBackend) close() { b.pool.Close() }

func (b *liteBackend) query(ctx context.Context, q string, args []any, mem memory.Allocator) (columns, rowSource, error) {
	conn, err := b.pool.Conn(ctx)
	if err != nil {
		return nil, nil, b.db.fail(ctx, "query", err)
	}
	r := &dbRows{db: b.db, ctx: ctx, conn: conn}
	cts, err := r.open(q, args)
	if err != nil {
		return nil, nil, err
	}
	for _, ct := range cts {
		if sqliteDeclared(ct.DatabaseTypeName()) == nil {
			if err := r.readPeek(len(cts), sqlitePeekRows); err != nil {
				r.close()
				return nil, nil, b.db.fail(ctx, "query", err)
			}
			break
		}
	}
	i := 0
	typeOf := func(ct *sql.ColumnType) (arrow.DataType, string) {
		t := sqliteDeclared(ct.DatabaseTypeName())
		if t == nil {
			t = sqliteValueType(r.peek, i)
		}
		i++
		return t, ""
	}
	cols, err := r.columns(mem, SQLite, cts, typeOf)
	if err != nil {
		r.close()
		return nil, nil, err
	}
	return cols, r, nil
}

// sqliteDeclared maps a declared column type by SQLite's affinity rules
// (sqlite.org/datatype3.html §3.1), with the usual names of booleans,
// dates, times and decimals read as such. It returns nil for a column
// with no declared type or with NUMERIC affinity under another name
// (JSON, MONEY, ...): those take the type of their first value.
func sqliteDeclared(decl string) arrow.DataType {
	base, params, _ := strings.Cut(decl, "(")
	base = strings.TrimSpace(base)
	switch {
	case decl == "":
		return nil
	case strings.Contains(base, "INT"):
		return arrow.PrimitiveTypes.Int64
	case strings.Contains(base, "CHAR"), strings.Contains(base, "CLOB"), strings.Contains(base, "TEXT"):
		return arrow.BinaryTypes.String
	case strings.Contains(base, "BLOB"):
		return arrow.BinaryTypes.Binary
	case strings.Contains(base, "REAL"), strings.Contains(base, "FLOA"), strings.Contains(base, "DOUB"):
		return arrow.PrimitiveTypes.Float64
	case base == "BOOLEAN" || base == "BOOL":
		return arrow.FixedWidthTypes.Boolean
	case base == "DATE":
		return arrow.FixedWidthTypes.Date32
	case base == "DATETIME" || base == "TIMESTAMP":
		return timestampUS
	case base == "DECIMAL" || base == "NUMERIC":
		return sqliteDecimal(params)
	}
	return nil
}

// sqliteDecimal reads DECIMAL(p, s)'s parameters ("10,2)"); without them
// the column is decimal128(38, 10), like PostgreSQL's plain numeric.
func sqliteDecimal(params string) arrow.DataType {
	p, s, _ := strings.Cut(strings.TrimSuffix(strings.TrimSpace(params), ")"), ",")
	precision, err1 := strconv.Atoi(strings.TrimSpace(p))
	scale, err2 := strconv.Atoi(strings.TrimSpace(s))
	if s == "" {
		scale, err2 = 0, nil
	}
	if params == "" || err1 != nil || err2 != nil || precision < 1 || scale < 0 || scale > maxDecimalDigits {
		return unconstrained
	}
	return &arrow.Decimal128Type{Precision: int32(min(precision, maxDecimalDigits)), Scale: int32(scale)}
}

// sqliteValueType is the type of column i, which has no declared type,
// from its values in rows: the widest of integer < real < text, binary if
// any is a blob, and text if all are NULL or there are no rows.
func sqliteValueType(rows [][]any, i int) arrow.DataType {
	rank := 0 // 0 none, 1 integer, 2 real, 3 text, 4 blob
	for _, row := range rows {
		r := 3
		switch row[i].(type) {
		case nil:
			r = 0
		case int64:
			r = 1
		case float64:
			r = 2
		case []byte:
			r = 4
		}
		rank = max(rank, r)
	}
	switch rank {
	case 1:
		return arrow.PrimitiveTypes.Int64
	case 2:
		return arrow.PrimitiveTypes.Float64
	case 4:
		return arrow.BinaryTypes.Binary
	}
	return arrow.BinaryTypes.String
}
