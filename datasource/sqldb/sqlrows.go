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

	// peek holds the first rows, read early to type SQLite's undeclared
	// columns; next returns them first.
	peek [][]any
}

// A typeMapper maps a database column to Arrow, or returns the hint of a
// type with no mapping, with %[1]s for the column's name.
type typeMapper func(*sql.ColumnType) (arrow.DataType, string)

// open runs q on r's connection and returns the result's column types.
// On error it closes r and returns the error as the database's failure.
func (r *dbRows) open(q string, args []any) ([]*sql.ColumnType, error) {
	var err error
	if r.rows, err = r.conn.QueryContext(r.ctx, q, args...); err == nil {
		var cts []*sql.ColumnType
		if cts, err = r.rows.ColumnTypes(); err == nil {
			return cts, nil
		}
	}
	r.close()
	return nil, r.db.fail(r.ctx, "query", err)
}

func (r *dbRows) columns(mem memory.Allocator, d Dialect, cts []*sql.ColumnType, typeOf typeMapper) (columns, error) {
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

// readPeek reads up to max rows of n columns into r.peek.
func (r *dbRows) readPeek(n, max int) error {
	for len(r.peek) < max && r.rows.Next() {
		row := make([]any, n)
		ptrs := make([]any, n)
		for i := range row {
			ptrs[i] = &row[i]
		}
		if err := r.rows.Scan(ptrs...); err != nil {
			return err
		}
		r.peek = append(r.peek, row)
	}
	return r.rows.Err()
}

func (r *dbRows) next() bool {
	return len(r.peek) > 0 || r.rows.Next()
}

func (r *dbRows) appendRow(row int64) error {
	if len(r.peek) > 0 {
		values := r.peek[0]
		r.peek = r.peek[1:]
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
