package gooddata

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// makeBatch builds one record batch; cols[i] holds column i's values (nil
// is null): strings, int64, float64, bool, "YYYY-MM-DD" for date32,
// time.Time for timestamps, decimal128.Num for decimals.
func makeBatch(t *testing.T, mem memory.Allocator, schema *arrow.Schema, cols ...[]any) arrow.RecordBatch {
	t.Helper()
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for i, col := range cols {
		fb := b.Field(i)
		for _, v := range col {
			if v == nil {
				fb.AppendNull()
				continue
			}
			switch fb := fb.(type) {
			case *array.StringBuilder:
				fb.Append(v.(string))
			case *array.Int64Builder:
				fb.Append(v.(int64))
			case *array.Float64Builder:
				fb.Append(v.(float64))
			case *array.BooleanBuilder:
				fb.Append(v.(bool))
			case *array.Date32Builder:
				c, err := parseCivil(v.(string))
				if err != nil {
					t.Fatal(err)
				}
				fb.Append(arrow.Date32((Date{c.year, c.month, c.day}).DaysSinceEpoch()))
			case *array.TimestampBuilder:
				fb.AppendTime(v.(time.Time))
			case *array.Decimal128Builder:
				fb.Append(v.(decimal128.Num))
			default:
				t.Fatalf("no test builder for %T", fb)
			}
		}
	}
	return b.NewRecordBatch()
}

// elementStrings returns the answer's values as text, "<null>" for null.
func elementStrings(e *Elements) string {
	var out []string
	for _, b := range e.Batches {
		for i := 0; i < int(b.NumRows()); i++ {
			v := valueAt(b.Column(0), i)
			if v == nil {
				out = append(out, "<null>")
				continue
			}
			out = append(out, ValueString(v))
		}
	}
	return strings.Join(out, "|")
}

var salesSchema = arrow.NewSchema([]arrow.Field{
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true, Metadata: arrow.NewMetadata([]string{"k"}, []string{"v"})},
	{Name: "region", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "order_date", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	{Name: "amount", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
}, nil)

// sales returns two batches of salesSchema.
func sales(t *testing.T, mem memory.Allocator) []arrow.RecordBatch {
	return []arrow.RecordBatch{
		makeBatch(t, mem, salesSchema,
			[]any{"b", "a", nil, "b"},
			[]any{"EU", "US", "EU", "US"},
			[]any{"2024-01-10", "2024-02-20", "2024-03-01", "2024-03-12"},
			[]any{int64(10), int64(100), int64(2), int64(10)}),
		makeBatch(t, mem, salesSchema,
			[]any{"c", nil, "a", "d"},
			[]any{"EU", nil, "EU", "APAC"},
			[]any{"2023-12-31", "2024-03-13", "2024-03-05", nil},
			[]any{int64(7), nil, int64(2), int64(55)}),
	}
}

// leContext returns a LABEL_ELEMENTS context asking for label "sales.name".
func leContext(t *testing.T, request string, attributes string) *ExecutionContext {
	t.Helper()
	if attributes == "" {
		attributes = "[]"
	}
	p := `{"executionContext":{"executionType":"LABEL_ELEMENTS","timestamp":"2024-03-13T10:15:30Z","timezone":"UTC",` +
		`"attributes":` + attributes + `,"labelElementsExecutionRequest":{"label":"sales.name"` + request + `}}}`
	return mustParse(t, []byte(p))
}

type elementsCase struct {
	name, request, attributes string
	column                    string
	want                      string
	total                     int
	ignored                   string
}

func runElements(t *testing.T, cases []elementsCase, data func(*testing.T, memory.Allocator) []arrow.RecordBatch, schema *arrow.Schema) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
			defer mem.AssertSize(t, 0)
			batches := data(t, mem)
			defer func() {
				for _, b := range batches {
					b.Release()
				}
			}()
			ec := leContext(t, tc.request, tc.attributes)
			col := tc.column
			if col == "" {
				col = "name"
			}
			e, err := ec.AnswerLabelElements(mem, col, schema, batches, ElementsOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer e.Release()
			if got := elementStrings(e); got != tc.want {
				t.Errorf("elements %q, want %q", got, tc.want)
			}
			if e.Total != tc.total {
				t.Errorf("total %d, want %d", e.Total, tc.total)
			}
			if got := strings.Join(e.Ignored, ","); got != tc.ignored {
				t.Errorf("ignored %q, want %q", got, tc.ignored)
			}
			f := e.Schema.Field(0)
			if e.Schema.NumFields() != 1 || f.Name != col || !arrow.TypeEqual(f.Type, schema.Field(schema.FieldIndices(col)[0]).Type) || !f.Nullable {
				t.Errorf("schema %s", e.Schema)
			}
		})
	}
}

func TestLabelElements(t *testing.T) {
	runElements(t, []elementsCase{
		{name: "distinct, null once, last", want: "a|b|c|d|<null>", total: 5},
		{name: "exact", request: `,"exactFilter":["a","c","zzz"]`, want: "a|c", total: 2},
		{name: "exact with null", request: `,"exactFilter":["b",null]`, want: "b|<null>", total: 2},
		{name: "exact complement", request: `,"exactFilter":["a","c"],"complementFilter":true`, want: "b|d|<null>", total: 3},
		{name: "empty exact is no filter", request: `,"exactFilter":[]`, want: "a|b|c|d|<null>", total: 5},
		{name: "complement alone has no effect", request: `,"complementFilter":true`, want: "a|b|c|d|<null>", total: 5},
		{name: "pattern any case", request: `,"patternFilter":"B"`, want: "b", total: 1},
		{name: "pattern complement keeps null", request: `,"patternFilter":"b","complementFilter":true`, want: "a|c|d|<null>", total: 4},
		{name: "exact and pattern", request: `,"exactFilter":["a","b"],"patternFilter":"a"`, want: "a", total: 1},
		{name: "exact and pattern complement", request: `,"exactFilter":["a","b"],"patternFilter":"a","complementFilter":true`, want: "b|c|d|<null>", total: 4},
		{name: "sort order desc, null last", request: `,"sortOrder":"DESC"`, want: "d|c|b|a|<null>", total: 5},
		{name: "attribute sorting desc", attributes: `[{"labelIdentifier":"sales.name","sorting":{"sortColumn":"x","sortDirection":"DESC"}}]`, want: "d|c|b|a|<null>", total: 5},
		{name: "sort order beats attribute", request: `,"sortOrder":"ASC"`, attributes: `[{"labelIdentifier":"sales.name","sorting":{"sortColumn":"x","sortDirection":"DESC"}}]`, want: "a|b|c|d|<null>", total: 5},
		{name: "other attribute's sorting ignored", attributes: `[{"labelIdentifier":"sales.region","sorting":{"sortColumn":"x","sortDirection":"DESC"}}]`, want: "a|b|c|d|<null>", total: 5},
		{name: "offset and limit", request: `,"offset":1,"limit":2`, want: "b|c", total: 5},
		{name: "limit only", request: `,"limit":1`, want: "a", total: 5},
		{name: "offset past the end", request: `,"offset":9`, want: "", total: 5},
		{name: "offset to the null", request: `,"offset":4,"limit":10`, want: "<null>", total: 5},
		{name: "depends on region", request: `,"dependsOn":[{"label":"sales.region","values":["EU"]}]`, want: "a|b|c|<null>", total: 4},
		{name: "depends on region null", request: `,"dependsOn":[{"label":"sales.region","values":[null,"APAC"]}]`, want: "d|<null>", total: 2},
		{name: "depends on region complement", request: `,"dependsOn":[{"label":"sales.region","values":["EU"],"complementFilter":true}]`, want: "a|b|d|<null>", total: 4},
		{name: "depends on amount as text", request: `,"dependsOn":[{"label":"amount","values":["10","2"]}]`, want: "a|b|<null>", total: 3},
		{name: "two dependsOn", request: `,"dependsOn":[{"label":"sales.region","values":["EU"]},{"label":"amount","values":["2"]}]`, want: "a|<null>", total: 2},
		{name: "depends on a missing column", request: `,"dependsOn":[{"label":"customer.segment","values":["x"]},{"label":"sales.region","values":["US"]}]`, want: "a|b", total: 2, ignored: "customer.segment"},
		{name: "depends on date nested relative", request: `,"dependsOn":[{"dateFilter":{"relativeDateFilter":{"from":0,"to":0,"granularity":"MONTH","dataset":{"id":"order_date","type":"dataset"}}}}]`, want: "a|b|<null>", total: 3},
		{name: "depends on date nested absolute", request: `,"dependsOn":[{"dateFilter":{"absoluteDateFilter":{"from":"2024-1-1","to":"2024-2-29","dataset":{"id":"order_date","type":"dataset"}}}}]`, want: "a|b", total: 2},
		{name: "depends on date flat", request: `,"dependsOn":[{"dateFilter":{"from":-1,"to":-1,"granularity":"YEAR","dataset":"order_date"}}]`, want: "c", total: 1},
		{name: "depends on a missing dataset", request: `,"dependsOn":[{"dateFilter":{"from":"2024-1-1","to":"2024-1-2","dataset":"ship_date"}}]`, want: "a|b|c|d|<null>", total: 5, ignored: "ship_date"},
		{name: "region column", column: "region", want: "APAC|EU|US|<null>", total: 4},
		{name: "amount sorts as numbers", column: "amount", want: "2|7|10|55|100|<null>", total: 6},
		{name: "amount exact as text", column: "amount", request: `,"exactFilter":["10","55.0"]`, want: "10|55", total: 2},
		{name: "amount pattern", column: "amount", request: `,"patternFilter":"0"`, want: "10|100", total: 2},
		{name: "dates sort by time", column: "order_date", request: `,"sortOrder":"DESC","limit":3`, want: "2024-03-13|2024-03-12|2024-03-05", total: 8},
		{name: "dates exact", column: "order_date", request: `,"exactFilter":["2023-12-31"]`, want: "2023-12-31", total: 1},
	}, sales, salesSchema)
}

func TestLabelElementsSample(t *testing.T) {
	// label-elements-flat.json: label region.name; exactFilter Europe, Asia,
	// Africa and null, complemented; DESC; offset 1, limit 2; order_date in
	// [2024-01-01, 2024-06-01) (clock 2024-05-20, last 6 months and Jan 1 - Jun 30).
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "order_date", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	}, nil)
	batch := makeBatch(t, mem, schema,
		[]any{"Europe", "Oceania", "Antarctica", "Americas", "Asia", nil, "Arctic", "Zealandia"},
		[]any{"2024-02-01", "2024-01-01", "2024-05-31", "2024-03-03", "2024-04-04", "2024-02-02", "2023-12-31", "2024-06-01"})
	defer batch.Release()
	ec, err := ParseWithClock(readSample(t, "label-elements-flat.json"), func() time.Time { return time.Date(2024, 5, 20, 10, 0, 0, 0, time.UTC) })
	if err != nil {
		t.Fatal(err)
	}
	e, err := ec.AnswerLabelElements(mem, "name", schema, []arrow.RecordBatch{batch}, ElementsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Release()
	// In range, not excluded: Oceania, Antarctica, Americas; DESC: Oceania,
	// Antarctica, Americas; offset 1, limit 2.
	if got := elementStrings(e); got != "Antarctica|Americas" || e.Total != 3 {
		t.Errorf("got %q (total %d)", got, e.Total)
	}
}

func TestLabelElementsTypes(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	tsType := &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "Europe/Prague"}
	decType := &arrow.Decimal128Type{Precision: 10, Scale: 2}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "ts", Type: tsType, Nullable: true},
		{Name: "dec", Type: decType, Nullable: true},
	}, nil)
	ts := func(s string) time.Time { t, _ := time.Parse(time.RFC3339, s); return t }
	batch := makeBatch(t, mem, schema,
		[]any{2.5, math.NaN(), math.Copysign(0, -1), 0.0, math.Inf(-1), math.NaN(), 10.0},
		[]any{true, false, nil, true, false, true, false},
		[]any{ts("2024-01-05T09:00:00Z"), ts("2024-01-04T23:00:00Z"), ts("2024-01-05T09:00:00Z"), nil, ts("2023-06-01T12:00:00Z"), ts("2024-01-04T23:00:00Z"), ts("2024-01-04T23:00:00Z")},
		[]any{decimal128.FromI64(1050), decimal128.FromI64(-25), decimal128.FromI64(1050), decimal128.FromI64(99), nil, decimal128.FromI64(99), decimal128.FromI64(-25)})
	defer batch.Release()
	cases := []struct {
		column, request, want string
	}{
		{"f", "", "-Inf|-0|2.5|10|NaN"},
		{"b", "", "false|true|<null>"},
		{"b", `,"exactFilter":["true"]`, "true"},
		{"ts", "", "2023-06-01T14:00:00+02:00|2024-01-05|2024-01-05T10:00:00+01:00|<null>"},
		{"ts", `,"exactFilter":["2024-01-05"]`, "2024-01-05"},
		{"dec", "", "-0.25|0.99|10.50|<null>"},
		{"dec", `,"patternFilter":".5"`, "10.50"},
	}
	for _, tc := range cases {
		ec := leContext(t, tc.request, "")
		e, err := ec.AnswerLabelElements(mem, tc.column, schema, []arrow.RecordBatch{batch}, ElementsOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := elementStrings(e); got != tc.want {
			t.Errorf("%s %s: %q, want %q", tc.column, tc.request, got, tc.want)
		}
		if !arrow.TypeEqual(e.Schema.Field(0).Type, schema.Field(schema.FieldIndices(tc.column)[0]).Type) {
			t.Errorf("%s: type %s", tc.column, e.Schema.Field(0).Type)
		}
		e.Release()
	}
}

func TestLabelElementsBatchesAndMetadata(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	batches := sales(t, mem)
	defer batches[0].Release()
	defer batches[1].Release()
	e, err := leContext(t, "", "").AnswerLabelElements(mem, "name", salesSchema, batches, ElementsOptions{BatchRows: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Release()
	var sizes []string
	for _, b := range e.Batches {
		sizes = append(sizes, fmt.Sprint(b.NumRows()))
		if b.Schema() != e.Schema {
			t.Error("batch schema differs")
		}
	}
	if strings.Join(sizes, ",") != "2,2,1" || elementStrings(e) != "a|b|c|d|<null>" {
		t.Errorf("batches %v: %s", sizes, elementStrings(e))
	}
	if v, ok := e.Schema.Field(0).Metadata.GetValue("k"); !ok || v != "v" {
		t.Errorf("field metadata lost: %v", e.Schema.Field(0).Metadata)
	}
}

func TestLabelElementsErrors(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	batches := sales(t, mem)
	defer batches[0].Release()
	defer batches[1].Release()
	ec := leContext(t, "", "")

	if _, err := ec.AnswerLabelElements(mem, "nope", salesSchema, batches, ElementsOptions{}); err == nil ||
		err.Error() != `label elements: the result has no column "nope" (label "sales.name")` {
		t.Errorf("missing column: %v", err)
	}
	report := filterContext(t)
	if _, err := report.AnswerLabelElements(mem, "name", salesSchema, batches, ElementsOptions{}); err == nil ||
		err.Error() != "label elements: the execution is not a LABEL_ELEMENTS request" {
		t.Errorf("report: %v", err)
	}
	listSchema := arrow.NewSchema([]arrow.Field{{Name: "l", Type: arrow.ListOf(arrow.BinaryTypes.String)}}, nil)
	if _, err := ec.AnswerLabelElements(mem, "l", listSchema, nil, ElementsOptions{}); err == nil ||
		err.Error() != `label elements: column "l" has type list<item: utf8, nullable>, which cannot hold a label's values` {
		t.Errorf("list: %v", err)
	}
	other := arrow.NewSchema([]arrow.Field{{Name: "name", Type: arrow.PrimitiveTypes.Int64}}, nil)
	if _, err := ec.AnswerLabelElements(mem, "name", other, batches, ElementsOptions{}); err == nil ||
		err.Error() != `label elements: batch 0 does not match the schema at column "name"` {
		t.Errorf("mismatch: %v", err)
	}
	bad := leContext(t, `,"dependsOn":[{"dateFilter":{"from":0,"to":0,"granularity":"DAY_OF_WEEK","dataset":"order_date"}}]`, "")
	if _, err := bad.AnswerLabelElements(mem, "name", salesSchema, batches, ElementsOptions{}); err == nil ||
		!strings.Contains(err.Error(), "DAY_OF_WEEK is a cycle") {
		t.Errorf("cyclic dependsOn: %v", err)
	}
}

func TestLabelElementsEveryType(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	types := []struct {
		dt     arrow.DataType
		values []string // "" is null
		want   string
	}{
		{arrow.PrimitiveTypes.Int8, []string{"3", "-1", "", "3", "20"}, "-1|3|20|<null>"},
		{arrow.PrimitiveTypes.Int16, []string{"3", "-1", "", "3", "20"}, "-1|3|20|<null>"},
		{arrow.PrimitiveTypes.Int32, []string{"3", "-1", "", "3", "20"}, "-1|3|20|<null>"},
		{arrow.PrimitiveTypes.Uint8, []string{"3", "1", "", "3", "20"}, "1|3|20|<null>"},
		{arrow.PrimitiveTypes.Uint16, []string{"3", "1", "", "3", "20"}, "1|3|20|<null>"},
		{arrow.PrimitiveTypes.Uint32, []string{"3", "1", "", "3", "20"}, "1|3|20|<null>"},
		{arrow.PrimitiveTypes.Uint64, []string{"18446744073709551615", "1", "", "1", "20"}, "1|20|18446744073709551615|<null>"},
		{arrow.PrimitiveTypes.Float32, []string{"0.5", "-2", "", "0.1", "10", "0.5"}, "-2|0.1|0.5|10|<null>"},
		{arrow.BinaryTypes.LargeString, []string{"b", "a", "", "b", "ä"}, "a|b|ä|<null>"},
		{arrow.BinaryTypes.Binary, []string{"Yg==", "YQ==", "", "Yg==", "Yw=="}, "a|b|c|<null>"},
		{arrow.FixedWidthTypes.Date64, []string{"2024-03-01", "2023-12-31", "", "2024-03-01", "2024-01-01"}, "2023-12-31|2024-01-01|2024-03-01|<null>"},
	}
	for _, tc := range types {
		schema := arrow.NewSchema([]arrow.Field{{Name: "v", Type: tc.dt, Nullable: true}}, nil)
		b := array.NewBuilder(mem, tc.dt)
		for _, v := range tc.values {
			if v == "" {
				b.AppendNull()
			} else if err := b.AppendValueFromString(v); err != nil {
				t.Fatalf("%s %q: %v", tc.dt, v, err)
			}
		}
		arr := b.NewArray()
		b.Release()
		batch := array.NewRecordBatch(schema, []arrow.Array{arr}, int64(arr.Len()))
		arr.Release()
		e, err := leContext(t, "", "").AnswerLabelElements(mem, "v", schema, []arrow.RecordBatch{batch}, ElementsOptions{})
		if err != nil {
			t.Fatalf("%s: %v", tc.dt, err)
		}
		if got := elementStrings(e); got != tc.want || !arrow.TypeEqual(e.Schema.Field(0).Type, tc.dt) {
			t.Errorf("%s: %q, want %q", tc.dt, got, tc.want)
		}
		// Exact filters compare through the same text.
		first := strings.Split(tc.want, "|")[0]
		ex, err := leContext(t, `,"exactFilter":["`+first+`"]`, "").AnswerLabelElements(mem, "v", schema, []arrow.RecordBatch{batch}, ElementsOptions{})
		if err != nil || elementStrings(ex) != first {
			t.Errorf("%s exact %q: %q %v", tc.dt, first, elementStrings(ex), err)
		}
		ex.Release()
		e.Release()
		batch.Release()
	}
}
