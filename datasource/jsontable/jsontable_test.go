package jsontable

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/flexfun-script/flexfun-script/arrowbridge"
)

// decode runs Decode over text with a checked allocator and returns the
// schema as "name:type" strings and the rows as strings; it checks that
// the table releases all its memory.
func decode(t *testing.T, text string, opts Options) ([]string, [][]string) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	opts.Mem = mem
	if opts.Source == "" {
		opts.Source = "test.json"
	}
	tab, err := Decode(context.Background(), strings.NewReader(text), opts)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	defer tab.Release()
	return schemaOf(tab.Schema), rowsOf(tab)
}

// decodeErr runs Decode and returns its error, checking that nothing
// leaks on the error path.
func decodeErr(t *testing.T, text string, opts Options) error {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	opts.Mem = mem
	if opts.Source == "" {
		opts.Source = "test.json"
	}
	tab, err := Decode(context.Background(), strings.NewReader(text), opts)
	if err == nil {
		tab.Release()
		t.Fatalf("Decode succeeded, want an error")
	}
	return err
}

func schemaOf(s *arrow.Schema) []string {
	var out []string
	for _, f := range s.Fields() {
		n := f.Name + ":" + arrowbridge.TypeName(f.Type)
		if !f.Nullable {
			n += " not null"
		}
		out = append(out, n)
	}
	return out
}

func rowsOf(t *arrowbridge.Table) [][]string {
	var rows [][]string
	for _, rec := range t.Batches {
		for r := range int(rec.NumRows()) {
			row := make([]string, rec.NumCols())
			for c := range int(rec.NumCols()) {
				col := rec.Column(c)
				if col.IsNull(r) {
					row[c] = "null"
				} else {
					row[c] = col.ValueStr(r)
				}
			}
			rows = append(rows, row)
		}
	}
	return rows
}

func TestInfer(t *testing.T) {
	text := `[
 {"id": 1, "name": "a", "price": 1.5, "ok": true, "tags": ["x", 1], "meta": {"k": {"z": null}}, "mixed": 1, "n": null, "big": 1},
 {"id": -2, "price": 2, "ok": false, "tags": [], "meta": null, "mixed": "s", "n": null, "big": 99999999999999999999, "esc\"aped": "q\u00e9\n", "late": 2.0e3}
]`
	schema, rows := decode(t, text, Options{})
	wantSchema := []string{"id:int64", "name:string", "price:float64", "ok:bool", "tags:string", "meta:string",
		"mixed:string", "n:string", "big:string", `esc"aped:string`, "late:float64"}
	if !reflect.DeepEqual(schema, wantSchema) {
		t.Errorf("schema = %q\nwant %q", schema, wantSchema)
	}
	want := [][]string{
		{"1", "a", "1.5", "true", `["x",1]`, `{"k":{"z":null}}`, "1", "null", "1", "null", "null"},
		{"-2", "null", "2", "false", "[]", "null", "s", "null", "99999999999999999999", "qé\n", "2000"},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows =\n%q\nwant\n%q", rows, want)
	}
}

func TestInferMixedKinds(t *testing.T) {
	_, rows := decode(t, `[{"v": true}, {"v": 2.5}, {"v": "x"}, {"v": {"a": [1, 2]}}, {"v": null}]`, Options{})
	want := [][]string{{"true"}, {"2.5"}, {"x"}, {`{"a":[1,2]}`}, {"null"}}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows = %q, want %q", rows, want)
	}
}

func TestEmptyArray(t *testing.T) {
	schema, rows := decode(t, " [ ] ", Options{})
	if len(schema) != 0 || len(rows) != 0 {
		t.Errorf("schema %q rows %q, want none", schema, rows)
	}
}

func TestPath(t *testing.T) {
	text := `{"meta": {"items": "not these", "n": [1, {"x": 2}]},
	          "da\u0074a": {"count": 2, "items": [{"id": 1}, {"id": 2}], "after": true},
	          "tail": 1}`
	schema, rows := decode(t, text, Options{Path: "data.items"})
	if !reflect.DeepEqual(schema, []string{"id:int64"}) || !reflect.DeepEqual(rows, [][]string{{"1"}, {"2"}}) {
		t.Errorf("schema %q rows %q", schema, rows)
	}
}

func TestLines(t *testing.T) {
	text := "{\"a\": 1, \"b\": \"x\"}\n{\"a\": 2}\n\n{\"b\": \"z\", \"a\": 3}\n"
	schema, rows := decode(t, text, Options{Lines: true})
	if !reflect.DeepEqual(schema, []string{"a:int64", "b:string"}) {
		t.Errorf("schema %q", schema)
	}
	want := [][]string{{"1", "x"}, {"2", "null"}, {"3", "z"}}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows %q, want %q", rows, want)
	}
	// An array is accepted as well.
	_, rows = decode(t, `[{"a": 1}]`, Options{Lines: true})
	if !reflect.DeepEqual(rows, [][]string{{"1"}}) {
		t.Errorf("array with Lines: rows %q", rows)
	}
}

func mustSchema(t *testing.T, specs ...arrowbridge.ColumnSpec) *arrow.Schema {
	t.Helper()
	s, err := arrowbridge.NewSchema(specs)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSchemaGiven(t *testing.T) {
	schema := mustSchema(t,
		arrowbridge.ColumnSpec{Name: "id", Type: "int64 not null"},
		arrowbridge.ColumnSpec{Name: "amount", Type: "decimal128(20, 2)"},
		arrowbridge.ColumnSpec{Name: "ratio", Type: "float32"},
		arrowbridge.ColumnSpec{Name: "day", Type: "date32"},
		arrowbridge.ColumnSpec{Name: "at", Type: "timestamp[us, tz=UTC]"},
		arrowbridge.ColumnSpec{Name: "raw", Type: "string"},
		arrowbridge.ColumnSpec{Name: "flag", Type: "bool"},
		arrowbridge.ColumnSpec{Name: "small", Type: "int8"},
	)
	text := `[
	  {"id": 1, "amount": 123456789012345678.91, "ratio": 0.5, "day": "2024-01-31", "at": "2024-01-31T10:00:00Z",
	   "raw": {"a": [1, 2]}, "flag": true, "small": 2.0, "ignored": [1, 2, 3]},
	  {"id": 1e0, "amount": 7, "raw": "plain", "small": -128, "at": 1706695200000000}
	]`
	got, rows := decode(t, text, Options{Schema: schema})
	if !reflect.DeepEqual(got, schemaOf(schema)) {
		t.Errorf("schema = %q", got)
	}
	want := [][]string{
		{"1", "123456789012345678.91", "0.5", "2024-01-31", "2024-01-31T10:00:00Z", `{"a":[1,2]}`, "true", "2"},
		{"1", "7", "null", "null", "2024-01-31T10:00:00Z", "plain", "null", "-128"},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows =\n%q\nwant\n%q", rows, want)
	}
}

func TestBatches(t *testing.T) {
	var b strings.Builder
	b.WriteString("[")
	const n = arrowbridge.MaxBatchRows + 10
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"i":%d}`, i)
	}
	b.WriteString("]")
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	tab, err := Decode(context.Background(), strings.NewReader(b.String()), Options{Source: "big.json", Mem: mem})
	if err != nil {
		t.Fatal(err)
	}
	defer tab.Release()
	if tab.Rows != n || len(tab.Batches) != 2 || tab.Batches[0].NumRows() != arrowbridge.MaxBatchRows {
		t.Errorf("rows %d in %d batches, want %d in 2 of at most %d", tab.Rows, len(tab.Batches), n, arrowbridge.MaxBatchRows)
	}
	last := tab.Batches[1].Column(0)
	if got := last.ValueStr(last.Len() - 1); got != fmt.Sprint(n-1) {
		t.Errorf("last value %s, want %d", got, n-1)
	}
}

func TestErrors(t *testing.T) {
	strict := mustSchema(t,
		arrowbridge.ColumnSpec{Name: "id", Type: "int64 not null"},
		arrowbridge.ColumnSpec{Name: "name", Type: "string"},
		arrowbridge.ColumnSpec{Name: "amount", Type: "decimal128(5, 2)"},
	)
	for _, tc := range []struct {
		name, text string
		opts       Options
		want       string
	}{
		{"syntax", "[\n  {\"id\": 1},\n  {\"id\": 2,}\n]", Options{},
			`test.json: line 3, column 11: invalid JSON: invalid character`},
		{"truncated", `[{"id": 1}, {"id"`, Options{}, `test.json: line 1, column 18: invalid JSON: unexpected end of input`},
		{"empty", "  ", Options{}, "test.json: empty input: want a JSON array of objects"},
		{"object without path", `{"data": [], "meta": 1}`, Options{},
			`test.json: the JSON is an object, not an array of objects: name the array inside it with path (keys: "data", "meta")`},
		{"scalar", `42`, Options{}, "test.json: the JSON is a number, not an array of objects"},
		{"missing key", `{"data": {"rows": []}}`, Options{Path: "data.items"},
			`test.json: path "data.items": no key "items" in "data"`},
		{"missing top key", `{"x": 1}`, Options{Path: "data"}, `test.json: path "data": no key "data" in the top-level object`},
		{"path through array", `{"data": [1]}`, Options{Path: "data.items"}, `test.json: path "data.items": "data" is an array, not an object`},
		{"path not array", `{"data": {"items": {"a": 1}}}`, Options{Path: "data.items"},
			`test.json: path "data.items" is an object, not an array of objects`},
		{"path on array", `[1]`, Options{Path: "data"}, `test.json: path "data": the JSON is an array, not an object`},
		{"bad path", `{}`, Options{Path: "data..items"}, `test.json: path "data..items": empty key`},
		{"element not object", "[{\"id\": 1},\n 7]", Options{}, "test.json: element 1 (line 2): want an object, got a number"},
		{"element not object with path", "{\"d\": [\n[1]]}", Options{Path: "d"}, "test.json: d[0] (line 2): want an object, got an array"},
		{"line not object", "{\"id\": 1}\n\"x\"\n", Options{Lines: true}, "test.json: line 2: want an object, got a string"},
		{"conversion", "[{\"id\": 1},\n {\"id\": \"abc\"}]", Options{Schema: strict},
			`test.json: element 1 (line 2): row 2, column "id" (int64): got string "abc"`},
		{"conversion with path", "{\"data\": {\"items\": [{\"id\": 1}, {\"id\": 2.5}]}}", Options{Schema: strict, Path: "data.items"},
			`test.json: data.items[1] (line 1): row 2, column "id" (int64): got number 2.5: not a whole number`},
		{"missing not null", "{\"id\": 1}\n{\"name\": \"x\"}\n", Options{Schema: strict, Lines: true},
			`test.json: line 2: row 2, column "id" (int64): got null: column is not nullable`},
		{"number into string", `[{"id": 1, "name": 5}]`, Options{Schema: strict}, `row 1, column "name" (string): got int 5`},
		{"object into int", `[{"id": {"a": 1}}]`, Options{Schema: strict}, `row 1, column "id" (int64): got object`},
		{"decimal too precise", `[{"id": 1, "amount": 1.234}]`, Options{Schema: strict},
			`row 1, column "amount" (decimal128(5, 2)): got number 1.234: more than 2 decimal places`},
		{"duplicate key", `[{"id": 1, "id": 2}]`, Options{Schema: strict}, `test.json: element 0 (line 1): duplicate key "id"`},
		{"invalid utf8", "[{\"name\": \"\xff\"}]", Options{}, "test.json: line 1, column 12: invalid JSON: invalid UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := decodeErr(t, tc.text, tc.opts)
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q\nwant %q", err, tc.want)
			}
			var je *Error
			if !errors.As(err, &je) || je.Source != "test.json" {
				t.Errorf("error %T is not an *Error naming the source", err)
			}
		})
	}
}

// A rejected value's error is an *arrowbridge.ConversionError underneath.
func TestConversionErrorUnwraps(t *testing.T) {
	schema := mustSchema(t, arrowbridge.ColumnSpec{Name: "n", Type: "int64"})
	err := decodeErr(t, `[{"n": 1}, {"n": 2}, {"n": true}]`, Options{Schema: schema})
	var ce *arrowbridge.ConversionError
	if !errors.As(err, &ce) || ce.Row != 3 || ce.Column != "n" {
		t.Errorf("error %v does not unwrap to row 3, column n", err)
	}
}

func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, schema := range []*arrow.Schema{nil, mustSchema(t, arrowbridge.ColumnSpec{Name: "a", Type: "int64"})} {
		_, err := Decode(ctx, strings.NewReader(`[{"a": 1}]`), Options{Source: "x", Schema: schema})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Decode with a cancelled context = %v", err)
		}
	}
}

func ExampleDecode() {
	body := `{"data": {"items": [{"region": "EU", "units": 3}, {"region": "US", "units": 5, "note": "new"}]}}`
	t, err := Decode(context.Background(), strings.NewReader(body), Options{Path: "data.items", Source: "GET https://api.example.com/sales"})
	if err != nil {
		panic(err)
	}
	defer t.Release()
	fmt.Println(t.Schema.Fields()[0].Name, t.Schema.Field(1).Type, t.Schema.Field(2).Type, t.Rows)
	// Output: region int64 utf8 2
}
