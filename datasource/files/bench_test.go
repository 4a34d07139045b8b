package files

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	arrowcsv "github.com/apache/arrow-go/v18/arrow/csv"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/flexfun-script/flexfun-script/arrowbridge"
	"github.com/flexfun-script/flexfun-script/datasource/files/filestest"
)

// The benchmarks read 1M rows of four columns: id int64, name string,
// value float64, day date32.
const benchRows = 1_000_000

var benchSchema = filestest.Schema

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
			benchErr = filestest.WriteBenchFiles(benchDir, benchRows)
		}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchDir
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
