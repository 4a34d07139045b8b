package arrowbridge

import (
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

const benchRows = 1_000_000

// benchNames holds the strings "name_0" ... so that building them is not
// measured.
var benchNames = func() []string {
	s := make([]string, benchRows)
	for i := range s {
		s[i] = "name_" + strconv.Itoa(i)
	}
	return s
}()

func benchSchema(b *testing.B) *arrow.Schema {
	return mustSchema(b,
		ColumnSpec{Name: "id", Type: "int64"},
		ColumnSpec{Name: "name", Type: "string"},
		ColumnSpec{Name: "value", Type: "float64"},
		ColumnSpec{Name: "day", Type: "date32"},
	)
}

func reportRows(b *testing.B) {
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(benchRows)/float64(b.N), "ns/row")
}

// BenchmarkBuilder4Col appends 1M rows of (int64, string, float64, date32)
// through the Appender interface, row by row, into batches.
func BenchmarkBuilder4Col(b *testing.B) {
	schema := benchSchema(b)
	mem := memory.NewGoAllocator()
	for b.Loop() {
		bld := NewBuilder(schema, mem)
		id, name, value, day := bld.Column(0), bld.Column(1), bld.Column(2), bld.Column(3)
		for i := range benchRows {
			if err := id.AppendInt(int64(i)); err != nil {
				b.Fatal(err)
			}
			if err := name.AppendString(benchNames[i]); err != nil {
				b.Fatal(err)
			}
			if err := value.AppendFloat(float64(i) * 0.5); err != nil {
				b.Fatal(err)
			}
			if err := day.AppendInt(int64(19723 + i%365)); err != nil {
				b.Fatal(err)
			}
			bld.EndRow()
		}
		bld.Finish().Release()
	}
	reportRows(b)
}

// BenchmarkBuilder4ColStrings is BenchmarkBuilder4Col with the date given
// as a "YYYY-MM-DD" string, as most scripts give it.
func BenchmarkBuilder4ColDateStrings(b *testing.B) {
	schema := benchSchema(b)
	mem := memory.NewGoAllocator()
	for b.Loop() {
		bld := NewBuilder(schema, mem)
		id, name, value, day := bld.Column(0), bld.Column(1), bld.Column(2), bld.Column(3)
		for i := range benchRows {
			if err := id.AppendInt(int64(i)); err != nil {
				b.Fatal(err)
			}
			if err := name.AppendString(benchNames[i]); err != nil {
				b.Fatal(err)
			}
			if err := value.AppendFloat(float64(i) * 0.5); err != nil {
				b.Fatal(err)
			}
			if err := day.AppendString("2024-01-02"); err != nil {
				b.Fatal(err)
			}
			bld.EndRow()
		}
		bld.Finish().Release()
	}
	reportRows(b)
}

// BenchmarkNativeBuilders4Col does what BenchmarkBuilder4Col does with raw
// arrow builders and no conversion: the floor.
func BenchmarkNativeBuilders4Col(b *testing.B) {
	schema := benchSchema(b)
	mem := memory.NewGoAllocator()
	for b.Loop() {
		rb := array.NewRecordBuilder(mem, schema)
		id := rb.Field(0).(*array.Int64Builder)
		name := rb.Field(1).(*array.StringBuilder)
		value := rb.Field(2).(*array.Float64Builder)
		day := rb.Field(3).(*array.Date32Builder)
		var batches []arrow.RecordBatch
		for i := range benchRows {
			id.Append(int64(i))
			name.Append(benchNames[i])
			value.Append(float64(i) * 0.5)
			day.Append(arrow.Date32(19723 + i%365))
			if id.Len() == MaxBatchRows {
				batches = append(batches, rb.NewRecordBatch())
				rb.Reserve(MaxBatchRows)
			}
		}
		batches = append(batches, rb.NewRecordBatch())
		for _, r := range batches {
			r.Release()
		}
		rb.Release()
	}
	reportRows(b)
}

func benchConvert(b *testing.B, typ string, fn func(Appender) error) {
	schema := mustSchema(b, ColumnSpec{Name: "c", Type: typ})
	bld := NewBuilder(schema, memory.NewGoAllocator())
	defer bld.Release()
	a := bld.Column(0)
	for b.Loop() {
		if err := fn(a); err != nil {
			b.Fatal(err)
		}
		bld.EndRow()
	}
}

func BenchmarkAppendTimestampString(b *testing.B) {
	benchConvert(b, "timestamp[us, tz=UTC]", func(a Appender) error { return a.AppendString("2024-01-02T03:04:05.123456Z") })
}

func BenchmarkAppendDecimalString(b *testing.B) {
	benchConvert(b, "decimal128(18, 2)", func(a Appender) error { return a.AppendString("12345.67") })
}

func BenchmarkAppendDecimalFloat(b *testing.B) {
	benchConvert(b, "decimal128(18, 2)", func(a Appender) error { return a.AppendFloat(12345.67) })
}
