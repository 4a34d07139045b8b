package arrowbridge

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// threeColumns builds a table of columns a (int64), b (string, with field
// metadata) and c (float64) with rows rows, cut into batches of MaxBatchRows.
func threeColumns(t *testing.T, mem memory.Allocator, rows int) *Table {
	t.Helper()
	schema := mustSchema(t,
		ColumnSpec{Name: "a", Type: "int64"},
		ColumnSpec{Name: "b", Type: "string", Metadata: map[string]string{"k": "v"}},
		ColumnSpec{Name: "c", Type: "float64 not null"},
	)
	md := arrow.NewMetadata([]string{"s"}, []string{"1"})
	schema = arrow.NewSchema(schema.Fields(), &md)
	b := NewBuilder(schema, mem)
	defer b.Release()
	for i := range rows {
		must(t, b.Column(0).AppendInt(int64(i)))
		must(t, b.Column(1).AppendString("x"))
		must(t, b.Column(2).AppendFloat(float64(i)/2))
		b.EndRow()
	}
	return b.Finish()
}

func TestProject(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	tab := threeColumns(t, mem, 70_000)
	defer tab.Release()

	p, err := tab.Project([]string{"c", "a", "c"})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Release()
	if p.Rows != tab.Rows || len(p.Batches) != len(tab.Batches) || len(p.Batches) != 2 {
		t.Fatalf("projection: %d rows in %d batches; table: %d rows in %d batches",
			p.Rows, len(p.Batches), tab.Rows, len(tab.Batches))
	}
	fields := p.Schema.Fields()
	if len(fields) != 2 || fields[0].Name != "a" || fields[1].Name != "c" || fields[1].Nullable {
		t.Errorf("projected schema %s", p.Schema)
	}
	if v, ok := p.Schema.Metadata().GetValue("s"); !ok || v != "1" {
		t.Errorf("schema metadata lost: %v", p.Schema.Metadata())
	}
	for i, rec := range p.Batches {
		if !rec.Schema().Equal(p.Schema) {
			t.Errorf("batch %d schema %s", i, rec.Schema())
		}
		if rec.NumRows() != tab.Batches[i].NumRows() || rec.NumCols() != 2 {
			t.Errorf("batch %d: %d rows, %d columns", i, rec.NumRows(), rec.NumCols())
		}
		if rec.Column(0) != tab.Batches[i].Column(0) || rec.Column(1) != tab.Batches[i].Column(2) {
			t.Errorf("batch %d does not share the table's arrays", i)
		}
	}
	c := p.Batches[1].Column(1).(*array.Float64)
	if got := c.Value(c.Len() - 1); got != float64(69_999)/2 {
		t.Errorf("last c = %v", got)
	}

	// Field metadata is kept.
	p2, err := tab.Project([]string{"b"})
	if err != nil {
		t.Fatal(err)
	}
	defer p2.Release()
	if v, ok := p2.Schema.Field(0).Metadata.GetValue("k"); !ok || v != "v" {
		t.Errorf("field metadata lost: %v", p2.Schema.Field(0).Metadata)
	}
	if !p2.Batches[0].Schema().Field(0).Equal(tab.Schema.Field(1)) {
		t.Errorf("projected field %v, want %v", p2.Batches[0].Schema().Field(0), tab.Schema.Field(1))
	}
}

func TestProjectReleaseOrder(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	tab := threeColumns(t, mem, 10)
	p, err := tab.Project([]string{"b"})
	if err != nil {
		t.Fatal(err)
	}
	tab.Release() // the projection keeps its arrays alive
	if got := p.Batches[0].Column(0).(*array.String).Value(9); got != "x" {
		t.Errorf("b[9] = %q after releasing the table", got)
	}
	p.Release()
}

func TestProjectUnknown(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	tab := threeColumns(t, mem, 3)
	defer tab.Release()
	p, err := tab.Project([]string{"a", "x"})
	if err == nil || err.Error() != `unknown column "x"` {
		t.Errorf("Project: %v, %v; want error unknown column \"x\"", p, err)
	}
}

func TestProjectEmptyTable(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	tab := threeColumns(t, mem, 0)
	defer tab.Release()
	p, err := tab.Project([]string{"c"})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Release()
	if len(p.Batches) != 0 || p.Schema.NumFields() != 1 || p.Schema.Field(0).Name != "c" {
		t.Errorf("projection of empty table: %d batches, schema %s", len(p.Batches), p.Schema)
	}
}
