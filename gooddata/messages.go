package gooddata

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
)

// MessagesKey is the schema metadata key GoodData reads data-source
// messages from.
const MessagesKey = "x-gdc-data-source-messages"

// DefaultMaxMessageBytes bounds the messages' JSON when NewMessages is
// given 0. GoodData documents only a "quite strict" limit; 16 KiB keeps
// well clear of gRPC's header limits and of any sane backend bound.
const DefaultMaxMessageBytes = 16 << 10

// Messages accumulates data-source messages for one call's result. It is
// safe for concurrent use.
type Messages struct {
	mu      sync.Mutex
	max     int
	entries [][]byte // each a compact JSON object
	size    int      // len(JSON())
}

// NewMessages returns an empty accumulator whose JSON array may hold at
// most maxBytes bytes (DefaultMaxMessageBytes when 0).
func NewMessages(maxBytes int) *Messages {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxMessageBytes
	}
	return &Messages{max: maxBytes, size: len("[]")}
}

// Add appends a message. typ is free-form ("info", "warning", ...) and
// must not be empty. data is anything encoding/json serialises (a
// json.RawMessage is taken verbatim, compacted) or nil for null. The error
// reports data that is not JSON-serialisable, or a message that would take
// the array past the bound; the messages added so far are kept.
func (m *Messages) Add(typ string, data any, source, correlationID string) error {
	if typ == "" {
		return errors.New("data-source message: the type must not be empty")
	}
	entry, err := encodeMessage(typ, data, source, correlationID)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	size := m.size + len(entry)
	if len(m.entries) > 0 {
		size++ // the comma
	}
	if size > m.max {
		return fmt.Errorf("data-source messages: adding a %d-byte %q message would make %s %d bytes, over its limit of %d",
			len(entry), typ, MessagesKey, size, m.max)
	}
	m.entries = append(m.entries, entry)
	m.size = size
	return nil
}

// encodeMessage writes {"source":…,"correlation_id":…,"type":…,"data":…}
// compactly, keys in that order, HTML characters not escaped.
func encodeMessage(typ string, data any, source, correlationID string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	buf.WriteString(`{"source":`)
	_ = enc.Encode(source) // strings always encode
	buf.WriteString(`,"correlation_id":`)
	_ = enc.Encode(correlationID)
	buf.WriteString(`,"type":`)
	_ = enc.Encode(typ)
	buf.WriteString(`,"data":`)
	if raw, ok := data.(json.RawMessage); ok {
		if err := json.Compact(&buf, raw); err != nil {
			return nil, fmt.Errorf("data-source message %q: data is not valid JSON: %w", typ, err)
		}
	} else if err := enc.Encode(data); err != nil {
		return nil, fmt.Errorf("data-source message %q: data cannot be written as JSON: %w", typ, err)
	}
	buf.WriteByte('}')
	// Encode ends each value with a newline; the JSON has none of its own.
	return bytes.ReplaceAll(buf.Bytes(), []byte("\n"), nil), nil
}

// Len returns the number of messages.
func (m *Messages) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}

// JSON returns the messages as GoodData reads them: a compact JSON array.
func (m *Messages) JSON() []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]byte, 0, m.size)
	out = append(out, '[')
	for i, e := range m.entries {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, e...)
	}
	return append(out, ']')
}

// Metadata returns md with MessagesKey set to the messages (other keys
// kept, an existing MessagesKey overwritten). With no messages, md is
// returned unchanged.
func (m *Messages) Metadata(md arrow.Metadata) arrow.Metadata {
	if m.Len() == 0 {
		return md
	}
	keys, values := []string{}, []string{}
	for i, k := range md.Keys() {
		if k != MessagesKey {
			keys, values = append(keys, k), append(values, md.Values()[i])
		}
	}
	keys, values = append(keys, MessagesKey), append(values, string(m.JSON()))
	return arrow.NewMetadata(keys, values)
}

// Schema returns a copy of s whose metadata carries the messages (see
// Metadata); s itself is not changed. With no messages, s is returned.
func (m *Messages) Schema(s *arrow.Schema) *arrow.Schema {
	if m.Len() == 0 {
		return s
	}
	md := m.Metadata(s.Metadata())
	return arrow.NewSchemaWithEndian(s.Fields(), &md, s.Endianness())
}
