package sqldb

import (
	"context"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
)

// QueryOptions are the per-call settings of a query.
type QueryOptions struct {
	// Allocator allocates the Arrow buffers; nil means
	// memory.DefaultAllocator.
	Allocator memory.Allocator
	// MaxRows stops the query with a *LimitError once the result would hold
	// more rows; 0 means no limit.
	MaxRows int64
	// MaxBytes stops the query with a *LimitError once the result's Arrow
	// buffers would hold more bytes; 0 means no limit.
	MaxBytes int64
	// BatchRows and BatchBytes cut record batches; 0 means
	// arrowbridge.MaxBatchRows and arrowbridge.TargetBatchBytes.
	BatchRows  int
	BatchBytes int
}

func (o QueryOptions) withDefaults() QueryOptions {
	if o.Allocator == nil {
		o.Allocator = memory.DefaultAllocator
	}
	if o.BatchRows <= 0 {
		o.BatchRows = arrowbridge.MaxBatchRows
	}
	if o.BatchBytes <= 0 {
		o.BatchBytes = arrowbridge.TargetBatchBytes
	}
	return o
}

// A rowSource is a driver's open result: it moves rows from the driver into
// the columns' builders, one row at a time.
type rowSource interface {
	// next advances to the next row; false at the end or on error.
	next() bool
	// appendRow appends the current row to the columns; row is 1-based.
	appendRow(row int64) error
	// err returns the error that ended next, converted for the user.
	err() error
	// close ends the query and returns the connection to its pool. It is
	// called once.
	close()
}

// Reader streams a query's result as Arrow record batches of at most
// QueryOptions.BatchRows rows and about BatchBytes bytes, built straight
// from the driver's rows. It implements array.RecordReader. The
// connection is held until the last batch has been read, an error
// occurred, or the Reader is released; release it when done.
//
// A Reader is not safe for concurrent use (Retain and Release are).
type Reader struct {
	refs   atomic.Int64
	conn   string
	schema *arrow.Schema
	cols   columns
	src    rowSource
	opts   QueryOptions
	cancel context.CancelFunc

	cur, primed arrow.RecordBatch
	err         error
	done        bool
	rows        int64 // rows read so far
	bytes       int64 // bytes of the batches already made
}

func newReader(conn string, cols columns, src rowSource, opts QueryOptions, cancel context.CancelFunc) *Reader {
	r := &Reader{conn: conn, schema: cols.schema(), cols: cols, src: src, opts: opts, cancel: cancel}
	r.refs.Store(1)
	return r
}

// prime reads the first batch, so that a query that fails at once
// (syntax, types, a limit) fails in Query rather than in the first Next.
func (r *Reader) prime() error {
	rec, err := r.readBatch()
	if err != nil {
		return err
	}
	r.primed = rec
	return nil
}

// Schema returns the result's schema.
func (r *Reader) Schema() *arrow.Schema { return r.schema }

// Next makes the next batch current and reports whether there is one. The
// previous batch is released: Retain it to keep it.
func (r *Reader) Next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.primed != nil {
		r.cur, r.primed = r.primed, nil
		return true
	}
	if r.done {
		return false
	}
	rec, err := r.readBatch()
	if err != nil {
		r.err = err
		return false
	}
	r.cur = rec
	return rec != nil
}

// RecordBatch returns the current batch, valid until the next call to Next.
func (r *Reader) RecordBatch() arrow.RecordBatch { return r.cur }

// Record returns the current batch.
//
// Deprecated: use RecordBatch; Record is there for array.RecordReader.
func (r *Reader) Record() arrow.RecordBatch { return r.cur }

// Err returns the error that ended the result, or nil at its normal end.
func (r *Reader) Err() error { return r.err }

// Rows returns the number of rows read so far.
func (r *Reader) Rows() int64 { return r.rows }

// Retain adds a reference.
func (r *Reader) Retain() { r.refs.Add(1) }

// Release removes a reference; the last one ends the query if it is still
// running, returns the connection and frees every buffer.
func (r *Reader) Release() {
	if r.refs.Add(-1) != 0 {
		return
	}
	r.finish(true)
	for _, rec := range []arrow.RecordBatch{r.cur, r.primed} {
		if rec != nil {
			rec.Release()
		}
	}
	r.cur, r.primed = nil, nil
	r.cols.release()
}

// finish ends the query once. Stopping before the driver's last row cancels
// the query first, so that closing does not read the rest.
func (r *Reader) finish(early bool) {
	if r.done {
		return
	}
	r.done = true
	if early {
		r.cancel()
	}
	r.src.close()
	r.cancel()
}

// readBatch reads rows into the builders until the batch is full or the
// result ends. It returns nil at the end.
func (r *Reader) readBatch() (arrow.RecordBatch, error) {
	if r.done {
		return nil, nil
	}
	pending := 0
	for pending < r.opts.BatchRows {
		if !r.src.next() {
			err := r.src.err()
			r.finish(false)
			if err != nil {
				r.discard()
				return nil, err
			}
			break
		}
		r.rows++
		if err := r.src.appendRow(r.rows); err != nil {
			r.finish(true)
			r.discard()
			return nil, err
		}
		pending++
		if err := r.checkLimits(pending); err != nil {
			r.finish(true)
			r.discard()
			return nil, err
		}
		if r.cols.size(pending) >= int64(r.opts.BatchBytes) {
			break
		}
	}
	if pending == 0 {
		return nil, nil
	}
	r.bytes += r.cols.size(pending)
	return r.cols.batch(r.schema, pending), nil
}

func (r *Reader) checkLimits(pending int) error {
	if r.opts.MaxRows > 0 && r.rows > r.opts.MaxRows {
		return &LimitError{Conn: r.conn, Limit: "max_rows", Max: r.opts.MaxRows}
	}
	if r.opts.MaxBytes > 0 && r.bytes+r.cols.size(pending) > r.opts.MaxBytes {
		return &LimitError{Conn: r.conn, Limit: "max_bytes", Max: r.opts.MaxBytes}
	}
	return nil
}

// discard drops the rows pending in the builders after an error.
func (r *Reader) discard() {
	for _, c := range r.cols {
		if a := c.b.NewArray(); a != nil {
			a.Release()
		}
	}
}

// ReadAll reads the rest of r into a table and releases r. The table holds
// every batch; release it when done.
func ReadAll(r *Reader) (*arrowbridge.Table, error) {
	defer r.Release()
	t := &arrowbridge.Table{Schema: r.Schema()}
	for r.Next() {
		rec := r.RecordBatch()
		rec.Retain()
		t.Batches = append(t.Batches, rec)
		t.Rows += rec.NumRows()
	}
	if err := r.Err(); err != nil {
		t.Release()
		return nil, err
	}
	return t, nil
}
