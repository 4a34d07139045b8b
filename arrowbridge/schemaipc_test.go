package arrowbridge

import (
	"bytes"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestSchemaIPC(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	md := arrow.NewMetadata([]string{"k"}, []string{"v"})
	schemas := []*arrow.Schema{
		arrow.NewSchema(nil, nil),
		arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil),
		arrow.NewSchema([]arrow.Field{
			{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Metadata: md},
			{Name: "d", Type: &arrow.Decimal128Type{Precision: 18, Scale: 2}},
			{Name: "l", Type: arrow.ListOf(arrow.BinaryTypes.String)},
		}, &md),
	}
	for i, schema := range schemas {
		want := flight.SerializeSchema(schema, mem)
		got, err := SchemaIPC(schema, mem)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("schema %d: SchemaIPC = %x, %v; want flight.SerializeSchema's %x", i, got, err, want)
		}
		again, _ := SchemaIPC(schema, mem)
		if &again[0] != &got[0] {
			t.Errorf("schema %d encoded twice", i)
		}
		back, err := flight.DeserializeSchema(got, mem)
		if err != nil || !back.Equal(schema) {
			t.Errorf("schema %d: decodes as %v, %v", i, back, err)
		}
	}
}

func TestSchemaCacheStartsOver(t *testing.T) {
	c := schemaCache{max: 2}
	s := func() *arrow.Schema { return arrow.NewSchema(nil, nil) }
	a, b, d := s(), s(), s()
	c.store(a, []byte("a"))
	c.store(b, []byte("b"))
	if _, ok := c.m.Load(a); !ok {
		t.Fatal("a forgotten before the cache was full")
	}
	c.store(d, []byte("d")) // full: starts over
	_, okA := c.m.Load(a)
	_, okD := c.m.Load(d)
	if okA || !okD || c.n.Load() != 1 {
		t.Errorf("after overflow: a kept %v, d kept %v, count %d", okA, okD, c.n.Load())
	}
}
