package jsontable

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/flexfun-script/flexfun-script/arrowbridge"
)

const benchRows = 100_000

// benchJSON returns benchRows objects of the benchmarks' four columns, as
// an array (lines false) or as JSON lines.
func benchJSON(lines bool) []byte {
	var b bytes.Buffer
	if !lines {
		b.WriteByte('[')
	}
	for i := range benchRows {
		if i > 0 && !lines {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"name":"name_%d","value":%g,"day":"2024-%02d-%02d"}`, i, i, float64(i)*0.5+0.25, 1+i%12, 1+i%28)
		if lines {
			b.WriteByte('\n')
		}
	}
	if !lines {
		b.WriteByte(']')
	}
	return b.Bytes()
}

func benchSchema(b *testing.B) *arrow.Schema {
	s, err := arrowbridge.NewSchema([]arrowbridge.ColumnSpec{
		{Name: "id", Type: "int64"}, {Name: "name", Type: "string"},
		{Name: "value", Type: "float64"}, {Name: "day", Type: "date32"},
	})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func reportRows(b *testing.B, rows int) {
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkDecode measures 100k JSON objects into Arrow, with a declared
// schema and with an inferred one (two passes).
func BenchmarkDecode(b *testing.B) {
	data := benchJSON(false)
	for _, tc := range []struct {
		name   string
		schema *arrow.Schema
	}{{"schema", benchSchema(b)}, {"inferred", nil}} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				t, err := Decode(context.Background(), bytes.NewReader(data), Options{Schema: tc.schema, Source: "bench"})
				if err != nil {
					b.Fatal(err)
				}
				t.Release()
			}
			reportRows(b, benchRows)
		})
	}
}

// BenchmarkArrowJSONReader is arrow-go's own JSON reader on the same rows
// as JSON lines, for comparison (it reads only JSON lines, and only with a
// schema).
func BenchmarkArrowJSONReader(b *testing.B) {
	data := benchJSON(true)
	schema := benchSchema(b)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		r := array.NewJSONReader(bytes.NewReader(data), schema, array.WithChunk(arrowbridge.MaxBatchRows), array.WithAllocator(memory.DefaultAllocator))
		n := 0
		for r.Next() {
			n += int(r.RecordBatch().NumRows())
		}
		if r.Err() != nil || n != benchRows {
			b.Fatalf("read %d rows: %v", n, r.Err())
		}
		r.Release()
	}
	reportRows(b, benchRows)
}
