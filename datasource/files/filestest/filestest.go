// Package filestest writes the data files the benchmarks read: the same
// rows as CSV and as Parquet.
package filestest

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// Schema is the benchmarks' four columns: id int64, name string ("name_" +
// id), value float64 (id × 0.5), day date32 (19000 + id % 365).
var Schema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "value", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "day", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
}, nil)

// WriteBenchFiles writes rows rows of Schema to dir/bench.csv (with a
// header; days as YYYY-MM-DD) and dir/bench.parquet (row groups of 256Ki
// rows).
func WriteBenchFiles(dir string, rows int) error {
	f, err := os.Create(filepath.Join(dir, "bench.csv"))
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "id,name,value,day")
	bld := array.NewRecordBuilder(memory.DefaultAllocator, Schema)
	defer bld.Release()
	for i := range rows {
		day := arrow.Date32(19000 + i%365)
		fmt.Fprintf(w, "%d,name_%d,%g,%s\n", i, i, float64(i)*0.5, day.FormattedString())
		bld.Field(0).(*array.Int64Builder).Append(int64(i))
		bld.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("name_%d", i))
		bld.Field(2).(*array.Float64Builder).Append(float64(i) * 0.5)
		bld.Field(3).(*array.Date32Builder).Append(day)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	rec := bld.NewRecordBatch()
	defer rec.Release()
	pf, err := os.Create(filepath.Join(dir, "bench.parquet"))
	if err != nil {
		return err
	}
	defer pf.Close()
	pw, err := pqarrow.NewFileWriter(Schema, pf, parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(256<<10)), pqarrow.DefaultWriterProps())
	if err != nil {
		return err
	}
	if err := pw.Write(rec); err != nil {
		return err
	}
	return pw.Close()
}
