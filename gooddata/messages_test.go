package gooddata

import (
	"encoding/json"
	"math"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

func TestMessagesJSON(t *testing.T) {
	m := NewMessages(0)
	if got := string(m.JSON()); got != "[]" || m.Len() != 0 {
		t.Errorf("empty: %s", got)
	}
	if err := m.Add("info", map[string]any{"rows": 3, "a<b": "x&y", "who": "Müller"}, "sales", "c1"); err != nil {
		t.Fatal(err)
	}
	if err := m.Add("warning", nil, "", ""); err != nil {
		t.Fatal(err)
	}
	if err := m.Add("debug", json.RawMessage(" { \"z\" : 1, \"a\" : [1, 2] } "), "s", "c\"2"); err != nil {
		t.Fatal(err)
	}
	want := `[{"source":"sales","correlation_id":"c1","type":"info","data":{"a<b":"x&y","rows":3,"who":"Müller"}},` +
		`{"source":"","correlation_id":"","type":"warning","data":null},` +
		`{"source":"s","correlation_id":"c\"2","type":"debug","data":{"z":1,"a":[1,2]}}]`
	if got := string(m.JSON()); got != want || m.Len() != 3 {
		t.Errorf("JSON\n got %s\nwant %s", got, want)
	}
	var back []map[string]any
	if err := json.Unmarshal(m.JSON(), &back); err != nil || len(back) != 3 || back[2]["correlation_id"] != `c"2` {
		t.Errorf("round trip: %v %v", back, err)
	}
}

func TestMessagesRefused(t *testing.T) {
	m := NewMessages(0)
	cases := []struct {
		typ  string
		data any
		want string
	}{
		{"", nil, "data-source message: the type must not be empty"},
		{"info", math.NaN(), `data-source message "info": data cannot be written as JSON: json: unsupported value: NaN`},
		{"info", make(chan int), `data-source message "info": data cannot be written as JSON: json: unsupported type: chan int`},
		{"info", json.RawMessage(`{"a":`), `data-source message "info": data is not valid JSON: unexpected end of JSON input`},
	}
	for _, tc := range cases {
		if err := m.Add(tc.typ, tc.data, "s", "c"); err == nil || err.Error() != tc.want {
			t.Errorf("Add(%q, %v): %v, want %s", tc.typ, tc.data, err, tc.want)
		}
	}
	if m.Len() != 0 || string(m.JSON()) != "[]" {
		t.Errorf("refused messages were kept: %s", m.JSON())
	}
}

func TestMessagesBound(t *testing.T) {
	one := `{"source":"s","correlation_id":"c","type":"info","data":1}` // 58 bytes
	// Two fit exactly: "[" + one + "," + one + "]".
	limit := 2*len(one) + 3
	m := NewMessages(limit)
	for i := range 2 {
		if err := m.Add("info", 1, "s", "c"); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	if got := len(m.JSON()); got != limit {
		t.Errorf("size %d, want %d", got, limit)
	}
	err := m.Add("info", 1, "s", "c")
	want := `data-source messages: adding a 58-byte "info" message would make x-gdc-data-source-messages 178 bytes, over its limit of 119`
	if err == nil || err.Error() != want {
		t.Errorf("over the bound: %v", err)
	}
	if m.Len() != 2 || len(m.JSON()) != limit {
		t.Errorf("after refusal: %d messages, %d bytes", m.Len(), len(m.JSON()))
	}
	if err := NewMessages(10).Add("info", nil, "", ""); err == nil {
		t.Error("a message over a tiny bound was accepted")
	}
	if len(one) != 58 {
		t.Fatal("the sample message is not 58 bytes")
	}
}

func TestMessagesMetadataAndSchema(t *testing.T) {
	m := NewMessages(0)
	orig := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}},
		func() *arrow.Metadata {
			md := arrow.NewMetadata([]string{"foo", MessagesKey}, []string{"bar", "old"})
			return &md
		}())
	if got := m.Schema(orig); got != orig {
		t.Error("no messages should leave the schema as is")
	}
	if err := m.Add("info", "hi", "s", "c"); err != nil {
		t.Fatal(err)
	}
	s := m.Schema(orig)
	want := `[{"source":"s","correlation_id":"c","type":"info","data":"hi"}]`
	if v, _ := s.Metadata().GetValue(MessagesKey); v != want {
		t.Errorf("messages %q", v)
	}
	if v, _ := s.Metadata().GetValue("foo"); v != "bar" || s.Metadata().Len() != 2 {
		t.Errorf("other metadata: %v", s.Metadata())
	}
	if v, _ := orig.Metadata().GetValue(MessagesKey); v != "old" {
		t.Error("the original schema changed")
	}
	if !s.Field(0).Equal(orig.Field(0)) || s.NumFields() != 1 {
		t.Errorf("fields: %s", s)
	}
	md := m.Metadata(arrow.Metadata{})
	if md.Len() != 1 || md.Keys()[0] != MessagesKey {
		t.Errorf("metadata from empty: %v", md)
	}
}

func TestMessagesConcurrent(t *testing.T) {
	m := NewMessages(1 << 20)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 50 {
				if err := m.Add("info", 1, "s", "c"); err != nil {
					t.Error(err)
					return
				}
				_ = m.JSON()
			}
		})
	}
	wg.Wait()
	var back []map[string]any
	if err := json.Unmarshal(m.JSON(), &back); err != nil || len(back) != 200 || m.Len() != 200 {
		t.Errorf("%d messages, %v", len(back), err)
	}
}
