package arrowbridge

import (
	"bytes"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// SchemaIPC returns schema as a Flight FlightInfo carries it: an Arrow IPC
// stream of the schema message alone, byte for byte what
// flight.SerializeSchema returns. mem holds the writer's scratch buffers.
//
// The encoding is kept per schema, as Encode keeps each schema's message
// header: Arrow schemas are immutable and a function's results share its
// declared schema, so a server answering many calls encodes each schema
// once. The bytes are shared and must not be modified. SchemaIPC is safe
// for concurrent use.
func SchemaIPC(schema *arrow.Schema, mem memory.Allocator) ([]byte, error) {
	if b, ok := schemaStreams.m.Load(schema); ok {
		return b.([]byte), nil
	}
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(schema), ipc.WithAllocator(mem))
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("encode schema: %w", err)
	}
	schemaStreams.store(schema, buf.Bytes())
	return buf.Bytes(), nil
}

// schemaStreams holds the SchemaIPC encodings of recently seen schemas.
var schemaStreams = schemaCache{max: 1024}

// schemaCache maps *arrow.Schema to bytes. Once it holds max entries (many
// distinct column projections, say) it starts over.
type schemaCache struct {
	max int64
	m   sync.Map // *arrow.Schema → []byte
	n   atomic.Int64
}

func (c *schemaCache) store(schema *arrow.Schema, b []byte) {
	if c.n.Add(1) > c.max {
		c.m.Clear()
		c.n.Store(1)
	}
	c.m.Store(schema, b)
}
