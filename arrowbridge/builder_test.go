package arrowbridge

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func mustSchema(t testing.TB, specs ...ColumnSpec) *arrow.Schema {
	t.Helper()
	s, err := NewSchema(specs)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// checkTable checks that tab's batches have the builder's schema, hold
// rows in all with ids 0, 1, 2, ... in column 0, and at most MaxBatchRows
// each. It returns the batch sizes.
func checkTable(t *testing.T, tab *Table, schema *arrow.Schema, rows int64) []int64 {
	t.Helper()
	if tab.Rows != rows {
		t.Errorf("table has Rows %d, want %d", tab.Rows, rows)
	}
	var sizes []int64
	var next int64
	for i, rec := range tab.Batches {
		if !rec.Schema().Equal(schema) {
			t.Errorf("batch %d schema %s, want %s", i, rec.Schema(), schema)
		}
		if rec.NumRows() > MaxBatchRows || rec.NumRows() == 0 {
			t.Errorf("batch %d has %d rows", i, rec.NumRows())
		}
		ids := rec.Column(0).(*array.Int64)
		for j := 0; j < ids.Len(); j++ {
			if ids.Value(j) != next {
				t.Fatalf("batch %d row %d: id %d, want %d", i, j, ids.Value(j), next)
			}
			next++
		}
		sizes = append(sizes, rec.NumRows())
	}
	if next != rows {
		t.Errorf("batches hold %d rows, want %d", next, rows)
	}
	return sizes
}

func TestBatchRows(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := mustSchema(t, ColumnSpec{Name: "id", Type: "int64 not null"}, ColumnSpec{Name: "name", Type: "string"})
	b := NewBuilder(schema, mem)
	defer b.Release()
	const rows = 200_000
	for i := range rows {
		must(t, b.Column(0).AppendInt(int64(i)))
		must(t, b.Column(1).AppendString("n"))
		b.EndRow()
	}
	if b.Rows() != rows {
		t.Errorf("Rows() = %d", b.Rows())
	}
	tab := b.Finish()
	defer tab.Release()
	sizes := checkTable(t, tab, schema, rows)
	if want := []int64{65536, 65536, 65536, 3392}; fmt.Sprint(sizes) != fmt.Sprint(want) {
		t.Errorf("batch sizes %v, want %v", sizes, want)
	}
	name := tab.Batches[3].Column(1).(*array.String)
	if name.Value(name.Len()-1) != "n" {
		t.Errorf("last name %q", name.Value(name.Len()-1))
	}
}

// bufferBytes returns the bytes of the buffers of rec's columns.
func bufferBytes(rec arrow.RecordBatch) int {
	n := 0
	for _, col := range rec.Columns() {
		for _, buf := range col.Data().Buffers() {
			if buf != nil {
				n += buf.Len()
			}
		}
	}
	return n
}

// ipcSizes writes tab as an IPC stream and returns the size of each
// batch's message. It reads the stream back and checks that it holds the
// same batches.
func ipcSizes(t *testing.T, mem memory.Allocator, tab *Table) []int {
	t.Helper()
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(tab.Schema), ipc.WithAllocator(mem))
	var sizes []int
	for _, rec := range tab.Batches {
		before := buf.Len()
		must(t, w.Write(rec))
		sizes = append(sizes, buf.Len()-before)
	}
	must(t, w.Close())

	r, err := ipc.NewReader(&buf, ipc.WithAllocator(mem))
	must(t, err)
	defer r.Release()
	var rows int64
	for k := 0; r.Next(); k++ {
		if k >= len(tab.Batches) || !array.RecordEqual(r.RecordBatch(), tab.Batches[k]) {
			t.Fatalf("IPC stream: batch %d differs from the table's", k)
		}
		rows += r.RecordBatch().NumRows()
	}
	if err := r.Err(); err != nil && !errors.Is(err, io.EOF) {
		t.Fatal(err)
	}
	if rows != tab.Rows {
		t.Errorf("IPC stream holds %d rows, want %d", rows, tab.Rows)
	}
	return sizes
}

func TestBatchBytes(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := mustSchema(t, ColumnSpec{Name: "id", Type: "int64"}, ColumnSpec{Name: "text", Type: "string"})
	b := NewBuilder(schema, mem)
	defer b.Release()
	text := strings.Repeat("x", 1024)
	const rows = 10_000 // about 10 MiB
	for i := range rows {
		must(t, b.Column(0).AppendInt(int64(i)))
		must(t, b.Column(1).AppendString(text))
		b.EndRow()
	}
	tab := b.Finish()
	defer tab.Release()
	checkTable(t, tab, schema, rows)
	if len(tab.Batches) < 4 {
		t.Fatalf("got %d batches for 10 MiB", len(tab.Batches))
	}
	for i, rec := range tab.Batches {
		n := bufferBytes(rec)
		if n > 22<<20/10 || (n < 1<<20 && i < len(tab.Batches)-1) {
			t.Errorf("batch %d of %d: %d rows, %d buffer bytes", i, len(tab.Batches), rec.NumRows(), n)
		}
	}
	sizes := ipcSizes(t, mem, tab)
	t.Logf("IPC message sizes: %v", sizes)
	for i, n := range sizes {
		if n > 22<<20/10 {
			t.Errorf("batch %d: IPC message of %d bytes", i, n)
		}
	}
}

// appendColumns appends ids from..to-1 to column 0 and "v" to column 1,
// column by column, then ends the rows.
func appendColumns(t *testing.T, b *Builder, from, to int) {
	for i := from; i < to; i++ {
		must(t, b.Column(0).AppendInt(int64(i)))
	}
	for i := from; i < to; i++ {
		must(t, b.Column(1).AppendString("v"))
	}
	b.EndRows(to - from)
}

func TestEndRowsChunks(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := mustSchema(t, ColumnSpec{Name: "id", Type: "int64"}, ColumnSpec{Name: "v", Type: "string"})
	b := NewBuilder(schema, mem)
	defer b.Release()
	const rows = 200_000
	for i := 0; i < rows; i += 4096 {
		appendColumns(t, b, i, min(i+4096, rows))
	}
	tab := b.Finish()
	defer tab.Release()
	sizes := checkTable(t, tab, schema, rows)
	if want := []int64{65536, 65536, 65536, 3392}; fmt.Sprint(sizes) != fmt.Sprint(want) {
		t.Errorf("batch sizes %v, want %v", sizes, want)
	}
}

func TestEndRowsSplitsBigChunk(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := mustSchema(t, ColumnSpec{Name: "id", Type: "int64"}, ColumnSpec{Name: "v", Type: "string"})
	b := NewBuilder(schema, mem)
	defer b.Release()
	appendColumns(t, b, 0, 150_000)
	appendColumns(t, b, 150_000, 150_010)
	tab := b.Finish()
	defer tab.Release()
	sizes := checkTable(t, tab, schema, 150_010)
	if want := []int64{50000, 50000, 50000, 10}; fmt.Sprint(sizes) != fmt.Sprint(want) {
		t.Errorf("batch sizes %v, want %v", sizes, want)
	}
	ipcSizes(t, mem, tab) // slices serialize and read back
}

func TestEndRowsSplitsByBytes(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := mustSchema(t, ColumnSpec{Name: "id", Type: "int64"}, ColumnSpec{Name: "v", Type: "binary"})
	b := NewBuilder(schema, mem)
	defer b.Release()
	blob := make([]byte, 1024)
	const rows = 20_000 // about 20 MiB in one chunk
	for i := range rows {
		must(t, b.Column(0).AppendInt(int64(i)))
	}
	for range rows {
		must(t, b.Column(1).AppendBytes(blob))
	}
	b.EndRows(rows)
	tab := b.Finish()
	defer tab.Release()
	checkTable(t, tab, schema, rows)
	sizes := ipcSizes(t, mem, tab)
	t.Logf("IPC message sizes: %v", sizes)
	if len(sizes) < 8 {
		t.Errorf("20 MiB chunk cut into %d batches", len(sizes))
	}
	for i, n := range sizes {
		if n > 22<<20/10 {
			t.Errorf("batch %d: IPC message of %d bytes", i, n)
		}
	}
}

func TestEmptyResult(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := mustSchema(t, ColumnSpec{Name: "id", Type: "int64"})
	b := NewBuilder(schema, mem)
	defer b.Release()
	tab := b.Finish()
	defer tab.Release()
	if len(tab.Batches) != 0 || tab.Rows != 0 || tab.Schema != schema {
		t.Errorf("empty result: %d batches, %d rows, schema %v", len(tab.Batches), tab.Rows, tab.Schema)
	}
}

func TestReleaseWithoutFinish(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := mustSchema(t, ColumnSpec{Name: "id", Type: "int64"}, ColumnSpec{Name: "v", Type: "string"})
	b := NewBuilder(schema, mem)
	appendColumns(t, b, 0, 100_000)   // one cut batch and builders reserved
	must(t, b.Column(0).AppendInt(1)) // a half-built row
	if mem.CurrentAlloc() == 0 {
		t.Fatal("nothing allocated")
	}
	b.Release()
	b.Release()
}

func TestReleaseAfterFinish(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := mustSchema(t, ColumnSpec{Name: "id", Type: "int64"}, ColumnSpec{Name: "v", Type: "string"})
	b := NewBuilder(schema, mem)
	appendColumns(t, b, 0, 10)
	tab := b.Finish()
	b.Release() // must not release the table's batches
	checkTable(t, tab, schema, 10)
	tab.Release()
	tab.Release()
}

func TestFinishUnevenColumns(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	schema := mustSchema(t, ColumnSpec{Name: "id", Type: "int64"}, ColumnSpec{Name: "v", Type: "string"})
	b := NewBuilder(schema, mem)
	defer b.Release()
	must(t, b.Column(0).AppendInt(1))
	b.EndRow()
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(fmt.Sprint(r), `column "v" has 0 values, want 1`) {
			t.Errorf("recovered %v", r)
		}
	}()
	b.Finish()
}

func TestLocate(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := mustSchema(t, ColumnSpec{Name: "id", Type: "int64"}, ColumnSpec{Name: "units", Type: "int64"})
	b := NewBuilder(schema, mem)
	defer b.Release()

	// Row by row: the failing row is Rows()+1.
	for i := range 2 {
		must(t, b.Column(0).AppendInt(int64(i)))
		must(t, b.Column(1).AppendInt(int64(i)))
		b.EndRow()
	}
	must(t, b.Column(0).AppendInt(2))
	err := b.Locate(1, b.Column(1).AppendFloat(2.5))
	if want := `row 3, column "units" (int64): got float 2.5`; err == nil || err.Error() != want {
		t.Errorf("Locate: %v, want %s", err, want)
	}
	var ce *ConversionError
	if !errors.As(err, &ce) || ce.Row != 3 || ce.Column != "units" || ce.Type != "int64" || ce.Got != "float 2.5" {
		t.Errorf("ConversionError = %+v", ce)
	}
	must(t, b.Column(1).AppendInt(2))
	b.EndRow()

	// Column by column: the failing row is Rows()+k+1 for the k-th value.
	for i := range 5 {
		must(t, b.Column(0).AppendInt(int64(i)))
	}
	must(t, b.Column(1).AppendInt(0))
	must(t, b.Column(1).AppendInt(1))
	err = b.Locate(1, b.Column(1).AppendNumber(1e300))
	if want := `row 6, column "units" (int64): got number 1e+300: not exact beyond ±2^53`; err == nil || err.Error() != want {
		t.Errorf("Locate: %v, want %s", err, want)
	}

	// Wrapped value errors are found; located and other errors pass through.
	err = b.Locate(0, fmt.Errorf("emit: %w", &ValueError{Type: "int64", Got: "list"}))
	if want := `row 9, column "id" (int64): got list`; err == nil || err.Error() != want {
		t.Errorf("Locate(wrapped): %v, want %s", err, want)
	}
	located := &ConversionError{Row: 99, Column: "x", ValueError: ValueError{Type: "int64", Got: "int 1"}}
	if got := b.Locate(0, located); got != located {
		t.Errorf("Locate(located) = %v", got)
	}
	other := errors.New("boom")
	if got := b.Locate(0, other); got != other {
		t.Errorf("Locate(other) = %v", got)
	}
	if got := b.Locate(0, nil); got != nil {
		t.Errorf("Locate(nil) = %v", got)
	}
}

func TestMismatch(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := mustSchema(t, ColumnSpec{Name: "id", Type: "int64"}, ColumnSpec{Name: "day", Type: "date32 not null"})
	b := NewBuilder(schema, mem)
	defer b.Release()
	must(t, b.Column(0).AppendInt(1))
	must(t, b.Column(1).AppendInt(1))
	b.EndRow()
	err := b.Mismatch(1, "list")
	if want := `row 2, column "day" (date32): got list`; err == nil || err.Error() != want {
		t.Errorf("Mismatch: %v, want %s", err, want)
	}
}

func TestBuilderColumns(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := mustSchema(t, ColumnSpec{Name: "a", Type: "int64"}, ColumnSpec{Name: "b", Type: "string"})
	b := NewBuilder(schema, mem)
	defer b.Release()
	if b.Schema() != schema || b.NumColumns() != 2 {
		t.Errorf("Schema %v, NumColumns %d", b.Schema(), b.NumColumns())
	}
	if b.ColumnIndex("a") != 0 || b.ColumnIndex("b") != 1 || b.ColumnIndex("c") != -1 {
		t.Errorf("ColumnIndex: a=%d b=%d c=%d", b.ColumnIndex("a"), b.ColumnIndex("b"), b.ColumnIndex("c"))
	}
	if b.Column(0) != b.Column(0) {
		t.Error("Column(0) differs between calls")
	}
	if n := testing.AllocsPerRun(100, func() { _ = b.Column(1) }); n != 0 {
		t.Errorf("Column allocates %v times", n)
	}
}

// TestAppendAllocs checks that the success path allocates nothing once the
// builders have grown.
func TestAppendAllocs(t *testing.T) {
	mem := memory.NewGoAllocator()
	schema := mustSchema(t,
		ColumnSpec{Name: "i", Type: "int64"},
		ColumnSpec{Name: "s", Type: "string"},
		ColumnSpec{Name: "f", Type: "float64"},
		ColumnSpec{Name: "d", Type: "date32"},
		ColumnSpec{Name: "t", Type: "timestamp[us]"},
		ColumnSpec{Name: "m", Type: "decimal128(18, 2)"},
	)
	b := NewBuilder(schema, mem)
	defer b.Release()
	b.rb.Reserve(2000)
	for _, s := range b.strs {
		s.ReserveData(20000)
	}
	if n := testing.AllocsPerRun(1000, func() {
		must(t, b.Column(0).AppendInt(42))
		must(t, b.Column(1).AppendString("name"))
		must(t, b.Column(2).AppendNumber(2.5))
		must(t, b.Column(3).AppendString("2024-01-02"))
		must(t, b.Column(4).AppendString("2024-01-02T03:04:05.123Z"))
		must(t, b.Column(5).AppendString("123.45"))
		b.EndRow()
	}); n != 0 {
		t.Errorf("appending a row allocates %v times", n)
	}
	if b.Rows() != 1001 {
		t.Errorf("Rows() = %d", b.Rows())
	}
}

func TestRollback(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := mustSchema(t,
		ColumnSpec{Name: "id", Type: "int64"},
		ColumnSpec{Name: "s", Type: "string"},
		ColumnSpec{Name: "ok", Type: "bool"},
		ColumnSpec{Name: "m", Type: "decimal128(10, 2) not null"},
	)
	b := NewBuilder(schema, mem)
	defer b.Release()
	row := func(id int64, s string) error {
		if err := b.Column(0).AppendInt(id); err != nil {
			return err
		}
		if err := b.Column(1).AppendString(s); err != nil {
			return err
		}
		if err := b.Column(2).AppendNull(); err != nil {
			return err
		}
		return b.Column(3).AppendString(s)
	}
	b.Rollback() // nothing to drop
	must(t, row(0, "1.5"))
	b.EndRow()
	// Fails at the last column, after a string was appended.
	if err := row(1, "not a number"); err == nil {
		t.Fatal("no error")
	}
	b.Rollback()
	must(t, row(2, "2.5"))
	b.EndRow()
	// Column by column: a chunk abandoned halfway.
	must(t, b.Column(0).AppendInt(3))
	must(t, b.Column(0).AppendInt(4))
	must(t, b.Column(1).AppendString("xyz"))
	b.Rollback()
	for i := range 40 { // past the builders' minimum capacity
		must(t, row(int64(10+i), "0.25"))
		b.EndRow()
	}
	tab := b.Finish()
	defer tab.Release()
	rec := tab.Batches[0]
	if rec.NumRows() != 42 {
		t.Fatalf("%d rows, want 42", rec.NumRows())
	}
	ids := rec.Column(0).(*array.Int64)
	strs := rec.Column(1).(*array.String)
	oks := rec.Column(2)
	ms := rec.Column(3).(*array.Decimal128)
	want := []struct {
		id int64
		s  string
		m  string
	}{{0, "1.5", "150"}, {2, "2.5", "250"}, {10, "0.25", "25"}, {49, "0.25", "25"}}
	for k, w := range want {
		i := k
		if k == 3 {
			i = 41
		}
		if ids.Value(i) != w.id || strs.Value(i) != w.s || ms.Value(i).BigInt().String() != w.m || !oks.IsNull(i) {
			t.Errorf("row %d = %d %q %v null=%v, want %d %q %s", i, ids.Value(i), strs.Value(i), ms.Value(i).BigInt(), oks.IsNull(i), w.id, w.s, w.m)
		}
	}
	if ids.NullN() != 0 || oks.NullN() != 42 {
		t.Errorf("null counts %d, %d", ids.NullN(), oks.NullN())
	}
	if got := strs.ValueOffset(2); got != 6 {
		t.Errorf("third string starts at %d, want 6", got)
	}
}
