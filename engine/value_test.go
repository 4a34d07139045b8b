package engine

import (
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"
)

func TestParseJSONKeepsOrderAndIntegers(t *testing.T) {
	v, err := ParseJSON([]byte(`{"z": 1, "a": [2.5, -3, 1e2, 12345678901234567890, null, true, "s"], "m": {}}`))
	if err != nil {
		t.Fatal(err)
	}
	m := v.(*Map)
	if got := strings.Join(m.Keys(), ","); got != "z,a,m" {
		t.Errorf("keys %s", got)
	}
	list, _ := m.Get("a")
	want := []Value{2.5, int64(-3), 100.0, nil, nil, true, "s"}
	for i, w := range want {
		got := list.([]Value)[i]
		if i == 3 {
			if b, ok := got.(*big.Int); !ok || b.String() != "12345678901234567890" {
				t.Errorf("item 3 %#v, want an exact big integer", got)
			}
			continue
		}
		if got != w {
			t.Errorf("item %d %#v, want %#v", i, got, w)
		}
	}
	if out, err := AppendJSON(nil, v); err != nil || string(out) != `{"z":1,"a":[2.5,-3,100,12345678901234567890,null,true,"s"],"m":{}}` {
		t.Errorf("round trip %s, %v", out, err)
	}
}

func TestParseJSONErrors(t *testing.T) {
	for _, text := range []string{`{`, `{"a": 1} x`, `[1,]`, strings.Repeat("[", 2000) + strings.Repeat("]", 2000)} {
		if _, err := ParseJSON([]byte(text)); err == nil {
			t.Errorf("%.20q parsed", text)
		}
	}
	if v, err := ParseJSON(nil); v != nil || err != nil {
		t.Errorf("empty text: %v, %v", v, err)
	}
}

func TestAppendJSONRefuses(t *testing.T) {
	cyclic := []Value{nil}
	cyclic[0] = cyclic
	for _, v := range []Value{Foreign{Type: "function"}, []byte("x"), cyclic} {
		if _, err := AppendJSON(nil, v); err == nil {
			t.Errorf("%T encoded", v)
		}
	}
	tm := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	if out, _ := AppendJSON(nil, tm); string(out) != `"2024-01-02T03:04:05Z"` {
		t.Errorf("time %s", out)
	}
}

func TestFromSettingsSortsKeys(t *testing.T) {
	v, err := FromSettings(map[string]any{"b": int64(1), "a": []any{"x", map[string]any{"d": true, "c": 2.5}}})
	if err != nil {
		t.Fatal(err)
	}
	out, _ := AppendJSON(nil, v)
	if string(out) != `{"a":["x",{"c":2.5,"d":true}],"b":1}` {
		t.Errorf("settings %s", out)
	}
	if _, err := FromSettings(map[string]any{"x": struct{}{}}); err == nil {
		t.Error("an unsupported type converted")
	}
}

// neutral is a Converter for values that are already Values.
type neutral struct{}

func (neutral) ToValue(raw any) (Value, error) { return raw, nil }
func (neutral) TypeName(raw any) string        { return KindName(raw) }
func (neutral) Format(raw any) string          { return fmt.Sprint(raw) }

var testVocabulary = &Vocabulary{Null: "None", Bool: "bool", Int: "int", Float: "float", String: "string",
	List: "list", Map: "dict", Option: "keyword argument"}

func TestBindArgs(t *testing.T) {
	fn := &Func{Name: "m.f", Params: []string{"a", "b?"}, Options: []string{"x", "timeout"}}
	bind := func(pos []any, named ...NamedArg) (*Args, error) {
		return BindArgs(fn, neutral{}, testVocabulary, pos, named)
	}
	for _, tc := range []struct {
		pos   []any
		named []NamedArg
		want  string
	}{
		{nil, nil, "m.f: missing argument for a"},
		{[]any{1, 2, 3}, nil, "m.f: got 3 arguments, want 1 to 2"},
		{[]any{1}, []NamedArg{{"y", 1}}, `m.f: unexpected keyword argument "y" (want x, timeout)`},
		{[]any{1}, []NamedArg{{"a", 2}}, "m.f: got two values for a"},
	} {
		if _, err := bind(tc.pos, tc.named...); err == nil || err.Error() != tc.want {
			t.Errorf("%v %v: got %v, want %s", tc.pos, tc.named, err, tc.want)
		}
	}
	a, err := bind([]any{"s"}, NamedArg{"b", int64(2)}, NamedArg{"timeout", "1m30s"})
	if err != nil {
		t.Fatal(err)
	}
	if s, err := a.String("a", ""); s != "s" || err != nil {
		t.Errorf("a = %q, %v", s, err)
	}
	if n, err := a.Int("b", 0); n != 2 || err != nil {
		t.Errorf("b = %d, %v", n, err)
	}
	if d, err := a.Duration("timeout", 0); d != 90*time.Second || err != nil {
		t.Errorf("timeout = %v, %v", d, err)
	}
	if x, err := a.Int("x", 7); x != 7 || err != nil || a.Has("x") {
		t.Errorf("absent x = %d, %v", x, err)
	}
	if _, err := a.Int("a", 0); err == nil || err.Error() != "m.f: for parameter a: got string, want int" {
		t.Errorf("wrong type: %v", err)
	}
	for _, bad := range []Value{"soon", int64(-1), 0.0} {
		a, _ := bind([]any{"s"}, NamedArg{"timeout", bad})
		if _, err := a.Duration("timeout", 0); err == nil {
			t.Errorf("duration %v accepted", bad)
		}
	}
}

func TestScopeRunsLastFirstAndOnce(t *testing.T) {
	var got []int
	s := new(Scope)
	for i := range 3 {
		s.Defer(func() { got = append(got, i) })
	}
	s.Close()
	s.Close()
	s.Defer(func() { got = append(got, 9) }) // closed: runs at once
	if fmt.Sprint(got) != "[2 1 0 9]" {
		t.Errorf("ran %v", got)
	}
}
