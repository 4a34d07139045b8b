package arrowbridge

import (
	"fmt"
	"sync"

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
// dozens of small objects that the garbage collector marks on every cycle,
// its message is one byte slice that it does not look into, the schema's
// message is shared by all tables of the same schema, and the result is
// encoded once however many times it is read. Messages must not be
// modified.
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
	if len(t.Messages) <= len(t.small) {
		n := copy(t.small[:], t.Messages)
		t.Messages = t.small[:n:n]
	}
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
// Message: each in one allocation of its exact size, header then body, and
// the schema's message shared with every table of the same schema.
type messageCollector struct {
	messages []Message
}

func (c *messageCollector) Start() error { return nil }
func (c *messageCollector) Close() error { return nil }

func (c *messageCollector) WritePayload(p ipc.Payload) error {
	meta := p.Meta()
	defer meta.Release()
	if len(c.messages) == 0 { // the writer starts with the schema
		c.messages = append(c.messages, Message{Header: schemaHeaders.intern(meta.Bytes())})
		return nil
	}
	var size byteCounter
	if err := p.SerializeBody(&size); err != nil {
		return err
	}
	n := meta.Len()
	buf := appender(make([]byte, n, n+int(size)))
	copy(buf, meta.Bytes())
	if err := p.SerializeBody(&buf); err != nil {
		return err
	}
	c.messages = append(c.messages, Message{Header: buf[:n:n], Body: buf[n:]})
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

// schemaHeaders holds one copy of each schema message header recently
// encoded, so that the many stored results of one function share theirs.
var schemaHeaders = internTable{max: 1024}

// internTable is a set of byte strings, emptied when it reaches max.
type internTable struct {
	mu  sync.Mutex
	max int
	m   map[string][]byte
}

// intern returns the table's copy of b, adding one if needed. The result
// must not be modified.
func (t *internTable) intern(b []byte) []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	if v, ok := t.m[string(b)]; ok {
		return v
	}
	if t.m == nil || len(t.m) >= t.max {
		t.m = make(map[string][]byte)
	}
	v := make([]byte, len(b))
	copy(v, b)
	t.m[string(v)] = v
	return v
}
