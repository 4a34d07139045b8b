package arrowbridge

import (
	"io"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// messageStream replays messages as a DoGet stream does.
type messageStream struct{ msgs []Message }

func (s *messageStream) Recv() (*flight.FlightData, error) {
	if len(s.msgs) == 0 {
		return nil, io.EOF
	}
	m := s.msgs[0]
	s.msgs = s.msgs[1:]
	return &flight.FlightData{DataHeader: m.Header, DataBody: m.Body}, nil
}

func TestEncodeRoundTrip(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	tab := threeColumns(t, mem, 70_000)
	want := tab.Batches[1].Column(0).(*array.Int64).Value(3) // row 65,539
	if err := tab.Encode(mem); err != nil {
		t.Fatal(err)
	}
	mem.AssertSize(t, 0) // the batches are released as they are encoded
	if tab.Batches != nil || len(tab.Messages) != 3 || tab.BatchCount() != 2 || tab.Rows != 70_000 {
		t.Fatalf("encoded: %d batches, %d messages, BatchCount %d, %d rows",
			len(tab.Batches), len(tab.Messages), tab.BatchCount(), tab.Rows)
	}
	if err := tab.Encode(mem); err != nil || len(tab.Messages) != 3 {
		t.Fatalf("a second Encode: %v, %d messages", err, len(tab.Messages))
	}

	// Read it as a Flight client reads a DoGet, twice: messages are reusable.
	for range 2 {
		rdr, err := flight.NewRecordReader(&messageStream{msgs: tab.Messages})
		if err != nil {
			t.Fatal(err)
		}
		if !rdr.Schema().Equal(tab.Schema) {
			t.Errorf("schema %s, want %s", rdr.Schema(), tab.Schema)
		}
		if v, _ := rdr.Schema().Field(1).Metadata.GetValue("k"); v != "v" {
			t.Errorf("field metadata lost: %v", rdr.Schema().Field(1).Metadata)
		}
		var rows int64
		var batches int
		for rdr.Next() {
			rec := rdr.RecordBatch()
			if batches == 1 && rec.Column(0).(*array.Int64).Value(3) != want {
				t.Errorf("batch 1, row 3: a = %d, want %d", rec.Column(0).(*array.Int64).Value(3), want)
			}
			rows += rec.NumRows()
			batches++
		}
		if err := rdr.Err(); err != nil {
			t.Fatal(err)
		}
		rdr.Release()
		if rows != 70_000 || batches != 2 {
			t.Errorf("read %d rows in %d batches, want 70000 in 2", rows, batches)
		}
	}
	tab.Release()
	if tab.Messages != nil || tab.BatchCount() != 0 {
		t.Error("Release kept the messages")
	}
}

// An empty table encodes to its schema alone, which a reader accepts.
func TestEncodeEmpty(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	tab := threeColumns(t, mem, 0)
	if err := tab.Encode(mem); err != nil {
		t.Fatal(err)
	}
	if len(tab.Messages) != 1 || tab.BatchCount() != 0 {
		t.Fatalf("%d messages, BatchCount %d, want the schema alone", len(tab.Messages), tab.BatchCount())
	}
	rdr, err := flight.NewRecordReader(&messageStream{msgs: tab.Messages})
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	if rdr.Next() || rdr.Err() != nil || !rdr.Schema().Equal(tab.Schema) {
		t.Errorf("reader: next, err %v, schema %s", rdr.Err(), rdr.Schema())
	}
}

// Encoded bodies hold no spare capacity: a stored result keeps only its data.
func TestEncodeExactSize(t *testing.T) {
	tab := threeColumns(t, memory.DefaultAllocator, 100_000)
	if err := tab.Encode(memory.DefaultAllocator); err != nil {
		t.Fatal(err)
	}
	defer tab.Release()
	for i, m := range tab.Messages {
		if cap(m.Body) != len(m.Body) || cap(m.Header) != len(m.Header) {
			t.Errorf("message %d: header %d/%d, body %d/%d (len/cap)", i, len(m.Header), cap(m.Header), len(m.Body), cap(m.Body))
		}
	}
}

// Tables of one schema share their schema message.
func TestEncodeSharesSchemaMessage(t *testing.T) {
	a, b := threeColumns(t, memory.DefaultAllocator, 5), threeColumns(t, memory.DefaultAllocator, 7)
	for _, tab := range []*Table{a, b} {
		if err := tab.Encode(memory.DefaultAllocator); err != nil {
			t.Fatal(err)
		}
		defer tab.Release()
	}
	if &a.Messages[0].Header[0] != &b.Messages[0].Header[0] {
		t.Error("two tables of one schema hold two copies of its message")
	}
	if &a.Messages[1].Body[0] == &b.Messages[1].Body[0] {
		t.Error("two tables share a batch")
	}
	if len(a.Messages) != 2 || &a.Messages[0] != &a.small[0] {
		t.Error("the messages of a one-batch table are not kept in the table itself")
	}
}

func TestInternTable(t *testing.T) {
	it := internTable{max: 2}
	x := it.intern([]byte("x"))
	if y := it.intern([]byte("x")); &y[0] != &x[0] {
		t.Error("the same bytes interned twice")
	}
	it.intern([]byte("y"))
	it.intern([]byte("z")) // full: starts again
	if len(it.m) != 1 {
		t.Errorf("%d entries, want 1 after reaching the limit", len(it.m))
	}
	if y := it.intern([]byte("x")); string(y) != "x" || &y[0] == &x[0] {
		t.Error("an entry survived the reset")
	}
}
