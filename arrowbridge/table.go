package arrowbridge

import (
	"fmt"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Table is a schema and its record batches, or once encoded (Encode), the
// same data as Arrow IPC messages. It serves as a function's finished
// result and as the table value scripts make, read and return.
//
// A Table is immutable and safe for concurrent reads. It is reference
// counted: it starts with one reference, Retain adds one, and the last
// Release releases its batches. Do not copy a Table: use it through its
// pointer.
type Table struct {
	Schema   *arrow.Schema
	Batches  []arrow.RecordBatch
	Messages []Message // set by Encode, which empties Batches
	Rows     int64

	// small holds the Messages of a table of one batch, so that a small
	// stored result is one object fewer for the garbage collector.
	small [2]Message

	extra    atomic.Int64 // references beyond the first
	released atomic.Bool
}

// NewTable returns a table of batches, which must all have schema's
// fields; the table takes over the caller's references to them.
func NewTable(schema *arrow.Schema, batches []arrow.RecordBatch) *Table {
	t := &Table{Schema: schema, Batches: batches}
	for _, b := range batches {
		t.Rows += b.NumRows()
	}
	return t
}

// Retain adds a reference.
func (t *Table) Retain() { t.extra.Add(1) }

// ColumnNames returns the names of the columns, in order.
func (t *Table) ColumnNames() []string {
	names := make([]string, t.Schema.NumFields())
	for i, f := range t.Schema.Fields() {
		names[i] = f.Name
	}
	return names
}

// columnIndex returns the index of the named column, or an error listing
// the columns.
func (t *Table) columnIndex(name string) (int, error) {
	if i := t.Schema.FieldIndices(name); len(i) > 0 {
		return i[0], nil
	}
	return -1, fmt.Errorf("no column %q (columns: %s)", name, strings.Join(t.ColumnNames(), ", "))
}

// ColumnValues returns the values of the named column (see ValueAt).
func (t *Table) ColumnValues(name string) ([]any, error) {
	c, err := t.columnIndex(name)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, t.Rows)
	for _, rec := range t.Batches {
		col := rec.Column(c)
		for i := range col.Len() {
			out = append(out, ValueAt(col, i))
		}
	}
	return out, nil
}

// Select returns a table of the named columns, in the order given. The new
// table shares (retains) the arrays; release both.
func (t *Table) Select(names []string) (*Table, error) {
	idx := make([]int, len(names))
	for i, name := range names {
		c, err := t.columnIndex(name)
		if err != nil {
			return nil, err
		}
		if slices.Contains(names[:i], name) {
			return nil, fmt.Errorf("column %q selected twice", name)
		}
		idx[i] = c
	}
	fields := make([]arrow.Field, len(idx))
	for i, c := range idx {
		fields[i] = t.Schema.Field(c)
	}
	return t.reshape(fields, idx), nil
}

// Rename returns a table whose columns named by the keys of names are
// renamed to their values. The new table shares (retains) the arrays.
func (t *Table) Rename(names map[string]string) (*Table, error) {
	for old := range names {
		if _, err := t.columnIndex(old); err != nil {
			return nil, err
		}
	}
	fields := slices.Clone(t.Schema.Fields())
	idx := make([]int, len(fields))
	seen := make(map[string]bool, len(fields))
	for i := range fields {
		idx[i] = i
		if n, ok := names[fields[i].Name]; ok {
			fields[i].Name = n
		}
		if seen[fields[i].Name] {
			return nil, fmt.Errorf("two columns would be named %q", fields[i].Name)
		}
		seen[fields[i].Name] = true
	}
	return t.reshape(fields, idx), nil
}

// WithMetadata returns a table of t's columns under a schema with
// metadata md, sharing the arrays; release both.
func (t *Table) WithMetadata(md arrow.Metadata) *Table {
	idx := make([]int, t.Schema.NumFields())
	for i := range idx {
		idx[i] = i
	}
	p := t.reshape(t.Schema.Fields(), idx)
	p.Schema = arrow.NewSchema(t.Schema.Fields(), &md)
	for i, rec := range p.Batches {
		p.Batches[i] = array.NewRecordBatch(p.Schema, rec.Columns(), rec.NumRows())
		rec.Release()
	}
	return p
}

// reshape returns a table of columns idx of t under fields, sharing the
// arrays. Schema metadata is kept.
func (t *Table) reshape(fields []arrow.Field, idx []int) *Table {
	md := t.Schema.Metadata()
	schema := arrow.NewSchema(fields, &md)
	p := &Table{Schema: schema, Batches: make([]arrow.RecordBatch, len(t.Batches)), Rows: t.Rows}
	cols := make([]arrow.Array, len(idx))
	for i, rec := range t.Batches {
		for j, k := range idx {
			cols[j] = rec.Column(k)
		}
		p.Batches[i] = array.NewRecordBatch(schema, cols, rec.NumRows())
	}
	return p
}

// Project returns a table holding only the named columns, in schema order.
// Duplicate names count once; an unknown name is an error. Field and schema
// metadata are kept. The new table shares (retains) the arrays, so both
// tables must be released. It works on Batches: project before Encode.
func (t *Table) Project(columns []string) (*Table, error) {
	want := make(map[string]bool, len(columns))
	for _, name := range columns {
		if !t.Schema.HasField(name) {
			return nil, fmt.Errorf("unknown column %q", name)
		}
		want[name] = true
	}
	var idx []int
	var fields []arrow.Field
	for i, f := range t.Schema.Fields() {
		if want[f.Name] {
			idx = append(idx, i)
			fields = append(fields, f)
		}
	}
	return t.reshape(fields, idx), nil
}

// Bytes returns the memory the table's data takes: its IPC messages once
// encoded, else its batches' buffers. Servers use it to bound the results
// they keep.
func (t *Table) Bytes() int64 {
	var n int64
	for _, m := range t.Messages {
		n += int64(len(m.Header) + len(m.Body))
	}
	for _, rec := range t.Batches {
		for _, col := range rec.Columns() {
			n += dataBytes(col.Data())
		}
	}
	return n
}

// dataBytes is the size of an array's buffers, its children's included.
func dataBytes(d arrow.ArrayData) int64 {
	var n int64
	for _, buf := range d.Buffers() {
		if buf != nil {
			n += int64(buf.Len())
		}
	}
	for _, c := range d.Children() {
		n += dataBytes(c)
	}
	return n
}

// Release drops a reference; the last one releases every batch and drops
// the messages. Calling it more often than there are references does
// nothing.
func (t *Table) Release() {
	if t.extra.Add(-1) >= 0 || !t.released.CompareAndSwap(false, true) {
		return
	}
	for _, rec := range t.Batches {
		if rec != nil {
			rec.Release()
		}
	}
	t.Batches = nil
	t.Messages = nil
}
