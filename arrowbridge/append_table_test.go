package arrowbridge

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// tableOf builds a table of rows (one value per column, through the
// Appenders) under specs.
func tableOf(t *testing.T, mem memory.Allocator, specs []ColumnSpec, rows ...[]any) *Table {
	t.Helper()
	b := NewBuilder(mustSchema(t, specs...), mem)
	defer b.Release()
	for _, row := range rows {
		for i, v := range row {
			a := b.Column(i)
			var err error
			switch v := v.(type) {
			case nil:
				err = a.AppendNull()
			case int:
				err = a.AppendInt(int64(v))
			case float64:
				err = a.AppendFloat(v)
			case string:
				err = a.AppendString(v)
			case bool:
				err = a.AppendBool(v)
			case time.Time:
				err = a.AppendTime(v)
			}
			must(t, err)
		}
		b.EndRow()
	}
	return b.Finish()
}

// cells returns every value of a table as text, row by row.
func cells(tab *Table) string {
	var rows []string
	for _, rec := range tab.Batches {
		for i := range int(rec.NumRows()) {
			var row []string
			for _, col := range rec.Columns() {
				row = append(row, col.ValueStr(i))
			}
			rows = append(rows, strings.Join(row, ","))
		}
	}
	return strings.Join(rows, ";")
}

func TestAppendTableSharesMatchingColumnsAndKeepsOrder(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	specs := []ColumnSpec{{Name: "id", Type: "int64"}, {Name: "name", Type: "string"}}
	src := tableOf(t, mem, []ColumnSpec{specs[1], specs[0]}, []any{"b", 2}, []any{nil, 3})
	defer src.Release()

	b := NewBuilder(mustSchema(t, specs...), mem)
	defer b.Release()
	must(t, b.Column(0).AppendInt(1))
	must(t, b.Column(1).AppendString("a"))
	b.EndRow()
	must(t, b.AppendTable(src))
	must(t, b.Column(0).AppendInt(4))
	must(t, b.Column(1).AppendString("d"))
	b.EndRow()
	out := b.Finish()
	defer out.Release()
	if got := cells(out); got != "1,a;2,b;3,(null);4,d" {
		t.Errorf("rows %s", got)
	}
	if out.Rows != 4 || len(out.Batches) != 3 {
		t.Errorf("%d rows in %d batches, want 4 in 3 (rows, table, rows)", out.Rows, len(out.Batches))
	}
	// The table's id column is shared, not copied.
	if out.Batches[1].Column(0).Data().Buffers()[1] != src.Batches[0].Column(1).Data().Buffers()[1] {
		t.Error("a column of the declared type was copied")
	}
}

func TestAppendTableConverts(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	day := time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)
	ts := time.Date(2024, 1, 2, 3, 4, 5, 600_000_000, time.UTC)
	src := tableOf(t, mem, []ColumnSpec{
		{Name: "i", Type: "int32"}, {Name: "f", Type: "float64"}, {Name: "s", Type: "string"},
		{Name: "d", Type: "date32"}, {Name: "ts", Type: "timestamp[us, tz=UTC]"}, {Name: "dec", Type: "decimal128(10, 2)"},
		{Name: "tsz", Type: "timestamp[ms]"},
	}, []any{7, 3.0, "2024-03-01", day, ts, "12.50", ts})
	defer src.Release()
	dst := []ColumnSpec{
		{Name: "i", Type: "int8"}, {Name: "f", Type: "int64"}, {Name: "s", Type: "date32"},
		{Name: "d", Type: "string"}, {Name: "ts", Type: "timestamp[ms]"}, {Name: "dec", Type: "string"},
		{Name: "tsz", Type: "timestamp[ms, tz=Europe/Prague]"},
	}
	b := NewBuilder(mustSchema(t, dst...), mem)
	defer b.Release()
	must(t, b.AppendTable(src))
	out := b.Finish()
	defer out.Release()
	want := "7,3,2024-03-01,2024-02-29,2024-01-02T03:04:05.6,12.50,2024-01-02T04:04:05.6+01:00"
	if got := cells(out); got != want {
		t.Errorf("converted %s\nwant      %s", got, want)
	}
	for i, f := range out.Schema.Fields() {
		if !arrow.TypeEqual(out.Batches[0].Column(i).DataType(), f.Type) {
			t.Errorf("column %s is %s, want %s", f.Name, out.Batches[0].Column(i).DataType(), f.Type)
		}
	}
}

func TestAppendTableErrors(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	src := tableOf(t, mem, []ColumnSpec{{Name: "v", Type: "float64"}, {Name: "s", Type: "string"}},
		[]any{1.0, "a"}, []any{2.5, nil})
	defer src.Release()
	cases := []struct {
		name string
		dst  []ColumnSpec
		want string
	}{
		{"not a whole number", []ColumnSpec{{Name: "x", Type: "int64"}, {Name: "v", Type: "int64"}, {Name: "s", Type: "string"}},
			`row 3, column "v" (int64): got float64 2.5: not a whole number`},
		{"null in a not-null column", []ColumnSpec{{Name: "v", Type: "float64"}, {Name: "s", Type: "string not null"}},
			`row 2, column "s" (string): got null: column is not nullable`},
		{"extra column", []ColumnSpec{{Name: "v", Type: "float64"}},
			`table column "s" is not in the schema (columns: v)`},
		{"missing not-null column", []ColumnSpec{{Name: "v", Type: "float64"}, {Name: "s", Type: "string"}, {Name: "n", Type: "int64 not null"}},
			`row 1, column "n" (int64): got null: the table has no such column, and it is not nullable`},
		{"no conversion", []ColumnSpec{{Name: "v", Type: "float64"}, {Name: "s", Type: "bool"}},
			`row 2, column "s" (bool): got string "a"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBuilder(mustSchema(t, tc.dst...), mem)
			defer b.Release()
			// With nullable columns, one row is appended before: the error
			// numbers rows of the result.
			before := int64(0)
			if !strings.Contains(tc.name, "not-null") {
				for i := range tc.dst {
					must(t, b.Column(i).AppendNull())
				}
				b.EndRow()
				before = 1
			}
			err := b.AppendTable(src)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("got %v, want %s", err, tc.want)
			}
			var ce *ConversionError
			if strings.HasPrefix(tc.want, "row") && !errors.As(err, &ce) {
				t.Errorf("%T is not a *ConversionError", err)
			}
			if b.Rows() != before {
				t.Errorf("%d rows after a failed append, want the %d before it", b.Rows(), before)
			}
		})
	}
}

func TestAppendTableSplitsLargeBatches(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := mustSchema(t, ColumnSpec{Name: "s", Type: "string"})
	// One batch of 100,000 rows of 100 bytes: over both limits.
	rb := array.NewRecordBuilder(mem, schema)
	long := strings.Repeat("x", 100)
	for range 100_000 {
		rb.Field(0).(*array.StringBuilder).Append(long)
	}
	src := NewTable(schema, []arrow.RecordBatch{rb.NewRecordBatch()})
	rb.Release()
	defer src.Release()
	b := NewBuilder(schema, mem)
	defer b.Release()
	must(t, b.AppendTable(src))
	out := b.Finish()
	defer out.Release()
	if out.Rows != 100_000 || len(out.Batches) < 5 {
		t.Errorf("%d rows in %d batches, want 100,000 in at least 5 (10 MB of strings)", out.Rows, len(out.Batches))
	}
	for i, rec := range out.Batches {
		if rec.NumRows() > MaxBatchRows || recordBytes(rec) > TargetBatchBytes+TargetBatchBytes/4 {
			t.Errorf("batch %d: %d rows, %d bytes", i, rec.NumRows(), recordBytes(rec))
		}
	}
}

func TestTableSelectRenameAndReferences(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	tab := tableOf(t, mem, []ColumnSpec{{Name: "a", Type: "int64"}, {Name: "b", Type: "string"}}, []any{1, "x"})
	sel, err := tab.Select([]string{"b", "a"})
	must(t, err)
	ren, err := tab.Rename(map[string]string{"a": "id"})
	must(t, err)
	tab.Retain()
	tab.Release()
	tab.Release() // the last reference: the shared arrays live on in sel and ren
	if got := strings.Join(sel.ColumnNames(), ",") + " " + cells(sel); got != "b,a x,1" {
		t.Errorf("select: %s", got)
	}
	if got := strings.Join(ren.ColumnNames(), ","); got != "id,b" {
		t.Errorf("rename: %s", got)
	}
	vals, err := ren.ColumnValues("id")
	if err != nil || len(vals) != 1 || vals[0] != int64(1) {
		t.Errorf("column values %v, %v", vals, err)
	}
	for _, bad := range []func() error{
		func() error { _, err := sel.Select([]string{"nope"}); return err },
		func() error { _, err := sel.Select([]string{"a", "a"}); return err },
		func() error { _, err := sel.Rename(map[string]string{"a": "b"}); return err },
		func() error { _, err := sel.Rename(map[string]string{"zz": "b"}); return err },
		func() error { _, err := sel.ColumnValues("zz"); return err },
	} {
		if err := bad(); err == nil {
			t.Error("no error")
		}
	}
	if _, err := sel.Select([]string{"nope"}); err == nil || err.Error() != `no column "nope" (columns: b, a)` {
		t.Errorf("got %v", err)
	}
	sel.Release()
	ren.Release()
	ren.Release() // more releases than references do nothing
}

func TestValueAt(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ts := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	tab := tableOf(t, mem, []ColumnSpec{
		{Name: "i", Type: "int16"}, {Name: "u", Type: "uint64"}, {Name: "f", Type: "float32"}, {Name: "b", Type: "bool"},
		{Name: "s", Type: "string"}, {Name: "d", Type: "date32"}, {Name: "ts", Type: "timestamp[s, tz=Asia/Kolkata]"},
		{Name: "dec", Type: "decimal128(5, 3)"}, {Name: "n", Type: "int64"},
	}, []any{-3, 7, 1.5, true, "é", "2024-02-29", ts, "1.250", nil})
	defer tab.Release()
	rec := tab.Batches[0]
	want := []any{int64(-3), int64(7), 1.5, true, "é", time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), nil, "1.250", nil}
	for i, w := range want {
		got := ValueAt(rec.Column(i), 0)
		if i == 6 {
			tm := got.(time.Time)
			if !tm.Equal(ts) || tm.Location().String() != "Asia/Kolkata" {
				t.Errorf("timestamp %v", tm)
			}
			continue
		}
		if got != w {
			t.Errorf("column %d: %#v, want %#v", i, got, w)
		}
	}
}
