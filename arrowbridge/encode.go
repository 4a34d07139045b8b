package arrowbridge

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Message is one Arrow IPC stream message: its flatbuffer header and its
// body, as a Flight DoGet sends them (FlightData.DataHeader and DataBody).
type Message struct {
	Header []byte
	Body   []byte
}

// Encode turns t into Arrow IPC stream messages, the schema's first, and
// releases each batch once it is encoded. Afterwards Batches is nil,
// Messages holds the data and Schema and Rows are unchanged.
//
// A server that keeps results for a while keeps them encoded: a batch is
// dozens of small objects that the garbage collector scans on every cycle,
// its messages are two byte slices it does not look into, and the result
// is encoded once however many times it is read.
func (t *Table) Encode(mem memory.Allocator) error {
	if t.Messages != nil {
		return nil
	}
	var c messageCollector
	w := ipc.NewWriterWithPayloadWriter(&c, ipc.WithSchema(t.Schema), ipc.WithAllocator(mem))
	for i, rec := range t.Batches {
		err := w.Write(rec)
		rec.Release()
		t.Batches[i] = nil
		if err != nil {
			w.Close()
			t.Release()
			return fmt.Errorf("encode record batch %d: %w", i, err)
		}
	}
	t.Batches = nil
	if err := w.Close(); err != nil {
		return fmt.Errorf("encode table: %w", err)
	}
	t.Messages = c.messages
	return nil
}

// BatchCount returns the number of record batches of t, encoded or not.
func (t *Table) BatchCount() int {
	if t.Messages != nil {
		return len(t.Messages) - 1 // the schema's message
	}
	return len(t.Batches)
}

// messageCollector is an ipc.PayloadWriter that keeps every payload as a
// Message.
type messageCollector struct {
	messages []Message
}

func (c *messageCollector) Start() error { return nil }
func (c *messageCollector) Close() error { return nil }

func (c *messageCollector) WritePayload(p ipc.Payload) error {
	meta := p.Meta()
	header := make([]byte, meta.Len())
	copy(header, meta.Bytes())
	meta.Release()
	// Measure the body, then copy it into a slice of its exact size: a
	// stored result holds no spare capacity.
	var size byteCounter
	if err := p.SerializeBody(&size); err != nil {
		return err
	}
	body := appender(make([]byte, 0, size))
	if err := p.SerializeBody(&body); err != nil {
		return err
	}
	c.messages = append(c.messages, Message{Header: header, Body: body})
	return nil
}

// byteCounter is an io.Writer that counts what it is given.
type byteCounter int

func (n *byteCounter) Write(p []byte) (int, error) {
	*n += byteCounter(len(p))
	return len(p), nil
}

// appender is an io.Writer that appends to itself.
type appender []byte

func (a *appender) Write(p []byte) (int, error) {
	*a = append(*a, p...)
	return len(p), nil
}
