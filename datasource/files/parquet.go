package files

import (
	"context"
	"fmt"
	"os"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/flexfun-script/flexfun-script/arrowbridge"
)

// ReadParquet reads the Parquet file at path (see Dirs.Open) into a
// table, keeping the file's column types. With columns, only those
// columns are read, in that order; nil reads all.
//
// A column is read only if its type is one of the contract's types
// (arrowbridge.ParseType); asking for, or not leaving out, a column of
// another type (a list, a struct, time32, ...) is an error naming it.
// Errors about the data name the row group and its rows.
func (d *Dirs) ReadParquet(ctx context.Context, path string, columns []string, mem memory.Allocator) (*arrowbridge.Table, error) {
	f, err := d.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readParquet(ctx, f, path, columns, mem)
}

func readParquet(ctx context.Context, f *os.File, name string, columns []string, mem memory.Allocator) (*arrowbridge.Table, error) {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	pf, err := file.NewParquetReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable Parquet file: %w", name, err)
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: arrowbridge.MaxBatchRows}, mem)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	leaves, err := parquetLeaves(fr, name, columns)
	if err != nil {
		return nil, err
	}
	t := &arrowbridge.Table{}
	for rg := range pf.NumRowGroups() {
		if err := readRowGroup(ctx, fr, name, leaves, rg, t); err != nil {
			t.Release()
			return nil, err
		}
	}
	if t.Schema == nil { // no row groups: an empty table of the columns
		t.Schema, err = selectedSchema(fr, leaves)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return t, nil
}

// parquetLeaves returns the leaf column indices of the asked columns,
// checking that each exists and has a contract type.
func parquetLeaves(fr *pqarrow.FileReader, name string, columns []string) ([]int, error) {
	fields := fr.Manifest.Fields
	var names []string
	for _, f := range fields {
		names = append(names, f.Field.Name)
	}
	want := columns
	if want == nil {
		want = names
	} else if len(want) == 0 {
		return nil, fmt.Errorf("%s: columns is empty: name at least one column, or pass none to read all", name)
	}
	var leaves []int
	var seen []string
	for _, col := range want {
		if slices.Contains(seen, col) {
			continue
		}
		seen = append(seen, col)
		i := slices.Index(names, col)
		if i < 0 {
			return nil, fmt.Errorf("%s: no column %q; the columns are %s", name, col, quoteAll(names))
		}
		f := fields[i]
		if !contractType(f.Field.Type) || !f.IsLeaf() {
			return nil, fmt.Errorf("%s: column %q has type %s, which no column type of a script matches; leave it out with columns=[...]",
				name, col, f.Field.Type)
		}
		leaves = append(leaves, f.ColIndex)
	}
	return leaves, nil
}

// contractType reports whether t is one of the script contract's types:
// spelled by TypeName, it parses back to t.
func contractType(t arrow.DataType) bool {
	back, _, err := arrowbridge.ParseType(arrowbridge.TypeName(t))
	return err == nil && arrow.TypeEqual(back, t)
}

// readRowGroup appends the batches of one row group to t.
func readRowGroup(ctx context.Context, fr *pqarrow.FileReader, name string, leaves []int, rg int, t *arrowbridge.Table) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	n := fr.ParquetReader().MetaData().RowGroup(rg).NumRows()
	where := fmt.Sprintf("%s: row group %d (rows %d to %d)", name, rg, t.Rows+1, t.Rows+n)
	rr, err := fr.GetRecordReader(ctx, leaves, []int{rg})
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	defer rr.Release()
	for rr.Next() {
		rec := rr.RecordBatch()
		if t.Schema == nil {
			t.Schema = rec.Schema()
		}
		rec.Retain()
		t.Batches = append(t.Batches, rec)
		t.Rows += rec.NumRows()
	}
	if err := rr.Err(); err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	return nil
}

// selectedSchema is the schema of the chosen leaves, for a file without
// row groups.
func selectedSchema(fr *pqarrow.FileReader, leaves []int) (*arrow.Schema, error) {
	full, err := fr.Schema()
	if err != nil {
		return nil, err
	}
	var fields []arrow.Field
	for _, leaf := range leaves {
		for _, f := range fr.Manifest.Fields {
			if f.ColIndex == leaf {
				fields = append(fields, *f.Field)
			}
		}
	}
	md := full.Metadata()
	return arrow.NewSchema(fields, &md), nil
}
