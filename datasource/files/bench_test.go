package files

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	arrowcsv "github.com/apache/arrow-go/v18/arrow/csv"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/flexfun-script/flexfun-script/arrowbridge"
)

// The benchmarks read 1M rows of four columns: id int64, name string,
// value float64, day date32.
const benchRows = 1_000_000

var benchSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "value", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "day", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
}, nil)

var (
	benchOnce sync.Once
	benchDir  string
	benchErr  error
)

// benchFiles writes bench.csv and bench.parquet once per test binary.
func benchFiles(b *testing.B) string {
	benchOnce.Do(func() {
		benchDir, benchErr = os.MkdirTemp("", "files-bench")
		if benchErr == nil {
			benchErr = writeBenchFiles(benchDir)
		}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchDir
}

func writeBenchFiles(dir string) error {
	f, err := os.Create(filepath.Join(dir, "bench.csv"))
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "id,name,value,day")
	bld := array.NewRecordBuilder(memory.DefaultAllocator, benchSchema)
	defer bld.Release()
	for i := range benchRows {
		day := 19000 + i%365
		fmt.Fprintf(w, "%d,name_%d,%g,%s\n", i, i, float64(i)*0.5, arrow.Date32(day).FormattedString())
		bld.Field(0).(*array.Int64Builder).Append(int64(i))
		bld.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("name_%d", i))
		bld.Field(2).(*array.Float64Builder).Append(float64(i) * 0.5)
		bld.Field(3).(*array.Date32Builder).Append(arrow.Date32(day))
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
	pw, err := pqarrow.NewFileWriter(benchSchema, pf, parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(256<<10)), pqarrow.DefaultWriterProps())
	if err != nil {
		return err
	}
	if err := pw.Write(rec); err != nil {
		return err
	}
	return pw.Close()
}

func reportRows(b *testing.B) {
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkReadCSV reads the 1M-row CSV file through ReadCSV (type
// inference included).
func BenchmarkReadCSV(b *testing.B) {
	d, err := New([]string{benchFiles(b)})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		t, err := d.ReadCSV(context.Background(), "bench.csv", CSVOptions{}, memory.DefaultAllocator)
		if err != nil || t.Rows != benchRows {
			b.Fatalf("%v", err)
		}
		t.Release()
	}
	reportRows(b)
}

// BenchmarkArrowCSVReader is the floor: arrow-go's CSV reader on the same
// file, with the schema given.
func BenchmarkArrowCSVReader(b *testing.B) {
	path := filepath.Join(benchFiles(b), "bench.csv")
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		r := arrowcsv.NewReader(f, benchSchema, arrowcsv.WithHeader(true), arrowcsv.WithChunk(arrowbridge.MaxBatchRows),
			arrowcsv.WithNullReader(true, DefaultNullValues...))
		n := 0
		var recs []arrow.RecordBatch
		for r.Next() {
			rec := r.RecordBatch()
			rec.Retain()
			recs = append(recs, rec)
			n += int(rec.NumRows())
		}
		if r.Err() != nil || n != benchRows {
			b.Fatalf("%d rows: %v", n, r.Err())
		}
		for _, rec := range recs {
			rec.Release()
		}
		r.Release()
		f.Close()
	}
	reportRows(b)
}

// BenchmarkReadParquet reads the 1M-row Parquet file through ReadParquet.
func BenchmarkReadParquet(b *testing.B) {
	d, err := New([]string{benchFiles(b)})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		t, err := d.ReadParquet(context.Background(), "bench.parquet", nil, memory.DefaultAllocator)
		if err != nil || t.Rows != benchRows {
			b.Fatalf("%v", err)
		}
		t.Release()
	}
	reportRows(b)
}

// BenchmarkPqarrowReader is the floor: pqarrow's record reader on the same
// file.
func BenchmarkPqarrowReader(b *testing.B) {
	path := filepath.Join(benchFiles(b), "bench.parquet")
	for b.Loop() {
		pf, err := file.OpenParquetFile(path, false)
		if err != nil {
			b.Fatal(err)
		}
		fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: arrowbridge.MaxBatchRows}, memory.DefaultAllocator)
		if err != nil {
			b.Fatal(err)
		}
		rr, err := fr.GetRecordReader(context.Background(), nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		var recs []arrow.RecordBatch
		for rr.Next() {
			rec := rr.RecordBatch()
			rec.Retain()
			recs = append(recs, rec)
			n += int(rec.NumRows())
		}
		if rr.Err() != nil || n != benchRows {
			b.Fatalf("%d rows: %v", n, rr.Err())
		}
		for _, rec := range recs {
			rec.Release()
		}
		rr.Release()
		pf.Close()
	}
	reportRows(b)
}
