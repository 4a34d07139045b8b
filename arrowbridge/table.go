package arrowbridge

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Table is a finished result: a schema and its record batches, or once
// encoded (Encode), the same data as Arrow IPC messages.
// A Table is safe for concurrent reads. Release it once when done. Do not
// copy a Table: use it through its pointer.
type Table struct {
	Schema   *arrow.Schema
	Batches  []arrow.RecordBatch
	Messages []Message // set by Encode, which empties Batches
	Rows     int64

	// small holds the Messages of a table of one batch, so that a small
	// stored result is one object fewer for the garbage collector.
	small [2]Message
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
	return p, nil
}

// Release releases every batch and drops the messages. Calling it again
// does nothing.
func (t *Table) Release() {
	for _, rec := range t.Batches {
		if rec != nil {
			rec.Release()
		}
	}
	t.Batches = nil
	t.Messages = nil
}
