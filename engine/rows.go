package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
)

// chunkRows is how many rows the bulk paths (columns, iterables) append
// before they end them and look whether the call was abandoned: an
// interrupt reaches script code, not Go loops.
const chunkRows = 4096

// errInterrupted ends a bulk append of an abandoned call.
var errInterrupted = errors.New("interrupted while appending rows")

// Rows appends a call's rows into its builder: emitted rows and tables,
// and what call returns (a list of rows, a mapping of columns, an iterable
// of rows, a table). It is the one implementation of the contract's
// output rules for every language. A Rows is used by one goroutine.
type Rows[V any] struct {
	vals    Values[V]
	vocab   *Vocabulary
	b       *arrowbridge.Builder
	thread  *Thread
	cols    []arrowbridge.Appender
	names   []string
	index   map[string]int
	known   func(string) bool // isColumn, made once
	emitted int64             // rows and tables emitted
	// collecting is set once call has returned rows that are being
	// appended: a generator that emits is an error.
	collecting bool
}

func newRows[V any](vals Values[V], vocab *Vocabulary, b *arrowbridge.Builder, t *Thread) *Rows[V] {
	n := b.NumColumns()
	r := &Rows[V]{vals: vals, vocab: vocab, b: b, thread: t, cols: make([]arrowbridge.Appender, n), names: make([]string, n), index: make(map[string]int, n)}
	for i, f := range b.Schema().Fields() {
		r.cols[i] = b.Column(i)
		r.names[i] = f.Name
		r.index[f.Name] = i
	}
	r.known = r.isColumn
	return r
}

func (r *Rows[V]) isColumn(name string) bool {
	_, ok := r.index[name]
	return ok
}

// RowsOf returns the Rows of the call running on t, for a runtime's emit.
func RowsOf[V any](t *Thread) (*Rows[V], error) {
	if r, ok := t.rows.(*Rows[V]); ok {
		return r, nil
	}
	return nil, errors.New("emit: can only be used while call runs")
}

// ErrEmitMixed is emit's error for values given both by position and by
// name.
var ErrEmitMixed = errors.New("emit: pass values either by position or by column name, not both")

// Emit appends one row given in schema order, or, given a single table,
// the table. A row that fails leaves no trace, so a script that catches
// the error may go on.
func (r *Rows[V]) Emit(values []V) error {
	if err := r.checkEmit(); err != nil {
		return err
	}
	if len(values) == 1 && r.vals.Shape(values[0]) == ShapeTable {
		if err := r.b.AppendTable(r.vals.AsTable(values[0])); err != nil {
			return fmt.Errorf("emit: %w", err)
		}
		r.emitted++
		return r.checkLimits("emit: ")
	}
	if err := r.appendValues(values); err != nil {
		r.b.Rollback()
		return fmt.Errorf("emit: %w", err)
	}
	r.b.EndRow()
	r.emitted++
	return r.checkLimits("emit: ")
}

// checkLimits reports a result past its limits (max_result_rows,
// max_result_bytes).
func (r *Rows[V]) checkLimits(prefix string) error {
	if err := r.b.Check(); err != nil {
		return fmt.Errorf("%s%w", prefix, err)
	}
	return nil
}

// EmitNamed appends one row given by column name: a mapping value (a
// JavaScript object, Starlark keyword arguments). Missing columns are null.
func (r *Rows[V]) EmitNamed(row V) (err error) {
	if err := r.checkEmit(); err != nil {
		return err
	}
	defer r.rollbackOnFailure(&err)
	if err := r.appendNamed(row); err != nil {
		return fmt.Errorf("emit: %w", err)
	}
	r.b.EndRow()
	r.emitted++
	return r.checkLimits("emit: ")
}

// rollbackOnFailure drops a partly appended row when the row failed or a
// script exception (a JavaScript getter that throws) unwinds through it,
// so that a script that catches the error, or a generator's finally
// block, finds the builder as it was before the row.
func (r *Rows[V]) rollbackOnFailure(err *error) {
	if p := recover(); p != nil {
		r.b.Rollback()
		panic(p)
	}
	if *err != nil {
		r.b.Rollback()
	}
}

func (r *Rows[V]) checkEmit() error {
	if r.collecting {
		// A generator returned by call is being read.
		return errors.New("emit: call has returned rows; emit rows or return them, not both")
	}
	return nil
}

// row returns the number of the row being appended.
func (r *Rows[V]) row() int64 { return r.b.Rows() + 1 }

// appendValues appends a row given in schema order.
func (r *Rows[V]) appendValues(values []V) error {
	if len(values) != len(r.cols) {
		return fmt.Errorf("row %d: got %d values, schema has %d columns", r.row(), len(values), len(r.cols))
	}
	for i, v := range values {
		if err := r.vals.Append(r.cols[i], v); err != nil {
			return r.locate(i, err)
		}
	}
	return nil
}

// appendNamed appends a row given as a mapping of column → value.
func (r *Rows[V]) appendNamed(row V) error {
	name, unknown, err := r.vals.UnknownKey(row, r.known)
	switch {
	case err != nil:
		return fmt.Errorf("row %d: %w", r.row(), err)
	case unknown:
		return fmt.Errorf("row %d: unknown column %q", r.row(), name)
	}
	for i, name := range r.names {
		v, ok := r.vals.Get(row, name)
		if !ok {
			err = r.cols[i].AppendNull()
		} else {
			err = r.vals.Append(r.cols[i], v)
		}
		if err != nil {
			return r.locate(i, err)
		}
	}
	return nil
}

// locate names the row and column of a conversion error, or of a value
// the column cannot take at all.
func (r *Rows[V]) locate(col int, err error) error {
	var mismatch *mismatchError
	if errors.As(err, &mismatch) {
		return r.b.Mismatch(col, mismatch.got)
	}
	return r.b.Locate(col, err)
}

// mismatchError is how a runtime reports a value of a kind no column
// accepts (a list, a function): Mismatch(got) from Values.Append.
type mismatchError struct{ got string }

func (e *mismatchError) Error() string { return "got " + e.got }

// Mismatch returns the error Values.Append reports for a value of a kind
// no column accepts, got being its type name.
func Mismatch(got string) error { return &mismatchError{got} }

// Collect appends what call returned: null (rows were emitted, or there
// are none), a table, a list of rows, a mapping of columns, or an
// iterable of rows. Its errors carry no position; the caller names the file.
func (r *Rows[V]) Collect(res V) error {
	shape := r.vals.Shape(res)
	if shape == ShapeNull {
		return nil
	}
	kind := Article(r.vals.TypeName(res))
	if r.emitted > 0 {
		return fmt.Errorf("call emitted %d rows and also returned %s: use one or the other", r.b.Rows(), kind)
	}
	r.collecting = true
	switch shape {
	case ShapeTable:
		if err := r.b.AppendTable(r.vals.AsTable(res)); err != nil {
			return err
		}
		return r.checkLimits("")
	case ShapeList:
		return r.appendList(res)
	case ShapeMap:
		return r.appendColumns(res)
	case ShapeIter:
		return r.appendIterated(res)
	}
	return fmt.Errorf("call returned %s: want %s (after emit), %s of rows or %s of columns",
		kind, r.vocab.Null, Article(r.vocab.List), Article(r.vocab.Map))
}

// checkCancelled stops a bulk append once the call is abandoned.
func (r *Rows[V]) checkCancelled(i int) error {
	if i%chunkRows == 0 && r.thread.Cancelled() {
		return errInterrupted
	}
	return nil
}

// appendList appends a list of rows.
func (r *Rows[V]) appendList(rows V) error {
	for i := range r.vals.Len(rows) {
		if err := r.checkCancelled(i); err != nil {
			return err
		}
		if err := r.appendRow(r.vals.Index(rows, i)); err != nil {
			return err
		}
	}
	return nil
}

// appendIterated appends the rows an iterable yields.
func (r *Rows[V]) appendIterated(rows V) error {
	i := 0
	return r.vals.Iterate(rows, func(row V) error {
		if err := r.checkCancelled(i); err != nil {
			return err
		}
		i++
		return r.appendRow(row)
	})
}

// appendRow appends one row of a returned list: a sequence in schema order
// or a mapping by column name.
func (r *Rows[V]) appendRow(row V) (err error) {
	defer r.rollbackOnFailure(&err)
	switch r.vals.Shape(row) {
	case ShapeList:
		n := r.vals.Len(row)
		if n != len(r.cols) {
			return fmt.Errorf("row %d: got %d values, schema has %d columns", r.row(), n, len(r.cols))
		}
		for i := range n {
			if err := r.vals.Append(r.cols[i], r.vals.Index(row, i)); err != nil {
				return r.locate(i, err)
			}
		}
	case ShapeMap, ShapeRecord:
		if err := r.appendNamed(row); err != nil {
			return err
		}
	default:
		return fmt.Errorf("row %d: a row must be %s, got %s", r.row(), r.vocab.Row, r.vals.TypeName(row))
	}
	r.b.EndRow()
	return r.checkLimits("")
}

// appendColumns appends a mapping of column → sequence; all sequences have
// the same length and a missing column is all null.
func (r *Rows[V]) appendColumns(columns V) error {
	keys, err := r.vals.Keys(columns)
	if err != nil {
		return err
	}
	cols := make([]V, len(r.cols))
	present := make([]Shape, len(r.cols))
	n := -1
	for _, name := range keys {
		i, ok := r.index[name]
		if !ok {
			return fmt.Errorf("unknown column %q", name)
		}
		col, _ := r.vals.Get(columns, name)
		shape := r.vals.Shape(col)
		if shape != ShapeList && shape != ShapeTyped {
			return fmt.Errorf("column %q: want %s of values, got %s", name, Article(r.vocab.List), r.vals.TypeName(col))
		}
		size := r.vals.Len(col)
		if n >= 0 && size != n {
			return fmt.Errorf("column %q has %d values, other columns have %d", name, size, n)
		}
		n = size
		cols[i], present[i] = col, shape
	}
	for lo := 0; lo < n; lo += chunkRows {
		if err := r.checkCancelled(lo); err != nil {
			return err
		}
		hi := min(lo+chunkRows, n)
		for i := range cols {
			if err := r.appendChunk(i, cols[i], present[i], lo, hi); err != nil {
				return err
			}
		}
		r.b.EndRows(hi - lo)
		if err := r.checkLimits(""); err != nil {
			return err
		}
	}
	return nil
}

// appendChunk appends rows lo to hi of one column.
func (r *Rows[V]) appendChunk(i int, col V, shape Shape, lo, hi int) error {
	a := r.cols[i]
	switch shape {
	case ShapeTyped:
		if err := r.vals.AppendRange(a, col, lo, hi); err != nil {
			return r.locate(i, err)
		}
	case ShapeList:
		for k := lo; k < hi; k++ {
			if err := r.vals.Append(a, r.vals.Index(col, k)); err != nil {
				return r.locate(i, err)
			}
		}
	default:
		for k := lo; k < hi; k++ {
			if err := a.AppendNull(); err != nil {
				return r.locate(i, err)
			}
		}
	}
	return nil
}

// NewCallThread returns a thread whose emit appends to b, as during a call.
// It is for a runtime's own tests and benchmarks, which run script code
// outside a Function.
func NewCallThread[V any](ctx context.Context, vals Values[V], vocab *Vocabulary, b *arrowbridge.Builder, logger *slog.Logger) *Thread {
	t := newThread(ctx, "test", logger, new(Scope), vocab)
	t.rows = newRows(vals, vocab, b, t)
	return t
}
