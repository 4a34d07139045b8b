package files

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// writeParquet writes rows rows of a table with one column of each kind
// to path, in row groups of at most groupRows rows.
func writeParquet(t *testing.T, path string, rows, groupRows int) {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "small", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "value", Type: arrow.PrimitiveTypes.Float64},
		{Name: "ok", Type: arrow.FixedWidthTypes.Boolean},
		{Name: "day", Type: arrow.FixedWidthTypes.Date32},
		{Name: "at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
		{Name: "amount", Type: &arrow.Decimal128Type{Precision: 12, Scale: 2}},
		{Name: "tags", Type: arrow.ListOf(arrow.BinaryTypes.String)},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for i := range rows {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		if i%3 == 2 {
			b.Field(1).AppendNull()
			b.Field(2).AppendNull()
		} else {
			b.Field(1).(*array.Int32Builder).Append(int32(i * 10))
			b.Field(2).(*array.StringBuilder).Append("n" + string(rune('a'+i%26)))
		}
		b.Field(3).(*array.Float64Builder).Append(float64(i) / 4)
		b.Field(4).(*array.BooleanBuilder).Append(i%2 == 0)
		b.Field(5).(*array.Date32Builder).Append(arrow.Date32(19723 + i%365))
		b.Field(6).(*array.TimestampBuilder).Append(arrow.Timestamp(1_704_067_200_000_000 + int64(i)*1_000_000))
		b.Field(7).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(i)*100 + 5))
		lb := b.Field(8).(*array.ListBuilder)
		lb.Append(true)
		lb.ValueBuilder().(*array.StringBuilder).Append("t")
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := pqarrow.NewFileWriter(schema, f, parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(int64(groupRows))), pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestParquet(t *testing.T) {
	dir := t.TempDir()
	writeParquet(t, filepath.Join(dir, "t.parquet"), 5, 2)
	d := newDirs(t, dir)
	ctx := context.Background()
	mem := checked(t)

	cols := []string{"at", "id", "small", "name", "value", "ok", "day", "amount", "id"}
	tab, err := d.ReadParquet(ctx, "t.parquet", cols, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer tab.Release()
	wantSchema := []string{"at:timestamp[us, tz=UTC]", "id:int64", "small:int32", "name:string", "value:float64",
		"ok:bool", "day:date32", "amount:decimal128(12, 2)"}
	if got := schemaOf(tab.Schema); !reflect.DeepEqual(got, wantSchema) {
		t.Errorf("schema %q\nwant   %q", got, wantSchema)
	}
	if tab.Rows != 5 || len(tab.Batches) != 3 {
		t.Errorf("%d rows in %d batches, want 5 in 3 (one per row group)", tab.Rows, len(tab.Batches))
	}
	want := [][]string{
		{"2024-01-01T00:00:00Z", "0", "0", "na", "0", "true", "2024-01-01", "0.05"},
		{"2024-01-01T00:00:01Z", "1", "10", "nb", "0.25", "false", "2024-01-02", "1.05"},
		{"2024-01-01T00:00:02Z", "2", "null", "null", "0.5", "true", "2024-01-03", "2.05"},
		{"2024-01-01T00:00:03Z", "3", "30", "nd", "0.75", "false", "2024-01-04", "3.05"},
		{"2024-01-01T00:00:04Z", "4", "40", "ne", "1", "true", "2024-01-05", "4.05"},
	}
	if got := rowsOf(tab); !reflect.DeepEqual(got, want) {
		t.Errorf("rows\n%q\nwant\n%q", got, want)
	}
	for _, b := range tab.Batches {
		if !b.Schema().Equal(tab.Schema) {
			t.Errorf("a batch's schema %v differs from the table's %v", b.Schema(), tab.Schema)
		}
	}
}

func TestParquetErrors(t *testing.T) {
	dir := t.TempDir()
	writeParquet(t, filepath.Join(dir, "t.parquet"), 3, 10)
	good, err := os.ReadFile(filepath.Join(dir, "t.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "text.parquet"), []byte("id,name\n1,a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Keep the footer, break the data pages.
	broken := append([]byte(nil), good...)
	for i := 4; i < 24; i++ {
		broken[i] = 0xff
	}
	if err := os.WriteFile(filepath.Join(dir, "broken.parquet"), broken, 0o644); err != nil {
		t.Fatal(err)
	}
	d := newDirs(t, dir)
	ctx := context.Background()
	for _, tc := range []struct {
		path string
		cols []string
		want string
	}{
		{"t.parquet", nil, `t.parquet: column "tags" has type list<element: utf8, nullable>, which no column type of a script matches; leave it out with columns=[...]`},
		{"t.parquet", []string{"id", "nope"}, `t.parquet: no column "nope"; the columns are "id", "small", "name", "value", "ok", "day", "at", "amount", "tags"`},
		{"t.parquet", []string{}, "t.parquet: columns is empty: name at least one column, or pass none to read all"},
		{"text.parquet", nil, "text.parquet: not a readable Parquet file: "},
		{"broken.parquet", []string{"id", "name"}, "broken.parquet: row group 0 (rows 1 to 3): "},
		{"../t.parquet", nil, "path outside the data directories"},
	} {
		tab, err := d.ReadParquet(ctx, tc.path, tc.cols, checked(t))
		if err == nil {
			tab.Release()
			t.Errorf("%s %q: no error", tc.path, tc.cols)
			continue
		}
		if !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s %q: %v\nwant %s", tc.path, tc.cols, err, tc.want)
		}
	}
}

func TestContractType(t *testing.T) {
	for typ, want := range map[arrow.DataType]bool{
		arrow.PrimitiveTypes.Uint16:                  true,
		arrow.BinaryTypes.LargeString:                true,
		&arrow.TimestampType{Unit: arrow.Nanosecond}: true,
		arrow.FixedWidthTypes.Date64:                 false,
		arrow.FixedWidthTypes.Time32ms:               false,
		arrow.FixedWidthTypes.Float16:                false,
		&arrow.Decimal256Type{Precision: 40}:         false,
		&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}: false,
	} {
		if got := contractType(typ); got != want {
			t.Errorf("contractType(%s) = %v, want %v", typ, got, want)
		}
	}
}
