package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// dbRows is a running MySQL or SQLite query, read through database/sql.
type dbRows struct {
	db       *DB
	ctx      context.Context
	conn     *sql.Conn
	rows     *sql.Rows
	cols     columns
	scanners []*scanner
	dests    []any
	stopKill func() // MySQL: disarms KILL QUERY before the connection goes back

	// peek is the first row, read early to type SQLite's undeclared columns.
	peek     []any
	havePeek bool
}

// A typeMapper maps a database column to Arrow, or returns the hint of a
// type with no mapping, with %[1]s for the column's name.
type typeMapper func(*sql.ColumnType) (arrow.DataType, string)

func (r *dbRows) columns(mem memory.Allocator, d Dialect, typeOf typeMapper) (columns, error) {
	cts, err := r.rows.ColumnTypes()
	if err != nil {
		return nil, r.db.fail(r.ctx, "query", err)
	}
	r.cols = make(columns, 0, len(cts))
	for _, ct := range cts {
		t, hint := typeOf(ct)
		if t == nil {
			r.cols.release()
			return nil, &TypeError{Conn: r.db.name, Column: ct.Name(), DBType: ct.DatabaseTypeName(),
				Hint: fmt.Sprintf(hint, quoteForHint(d, ct.Name()))}
		}
		c := newColumn(mem, ct.Name(), ct.DatabaseTypeName(), t)
		s := newScanner(c)
		r.cols = append(r.cols, c)
		r.scanners = append(r.scanners, s)
		r.dests = append(r.dests, s)
	}
	return r.cols, nil
}

// readPeek reads the first row into r.peek; next then returns it first.
// It returns false for an empty result or an error (see err).
func (r *dbRows) readPeek() bool {
	if !r.rows.Next() {
		return false
	}
	r.peek = make([]any, len(r.dests))
	ptrs := make([]any, len(r.peek))
	for i := range r.peek {
		ptrs[i] = &r.peek[i]
	}
	if err := r.rows.Scan(ptrs...); err != nil {
		r.peek = nil
		return false
	}
	r.havePeek = true
	return true
}

func (r *dbRows) next() bool {
	if r.peek != nil {
		return true
	}
	return r.rows.Next()
}

func (r *dbRows) appendRow(row int64) error {
	if r.peek != nil {
		values := r.peek
		r.peek = nil
		for i, s := range r.scanners {
			if err := s.Scan(values[i]); err != nil {
				return r.cols[i].valueError(r.db.name, row, "%v", s.err)
			}
		}
		return nil
	}
	if err := r.rows.Scan(r.dests...); err != nil {
		for i, s := range r.scanners {
			if s.err != nil {
				return r.cols[i].valueError(r.db.name, row, "%v", s.err)
			}
		}
		return r.db.fail(r.ctx, "read rows", err)
	}
	return nil
}

func (r *dbRows) err() error {
	if err := r.rows.Err(); err != nil {
		return r.db.fail(r.ctx, "query", err)
	}
	return nil
}

func (r *dbRows) close() {
	if r.rows != nil {
		if err := r.rows.Close(); err != nil && !errors.Is(err, context.Canceled) {
			r.db.log.Debug("sql: closing rows", "connection", r.db.name, "error", r.db.red.clean(err.Error()))
		}
	}
	if r.stopKill != nil {
		r.stopKill()
	}
	r.conn.Close()
}
