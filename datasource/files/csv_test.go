package files

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
)

func parse(t *testing.T, text string, opts CSVOptions) ([]string, [][]string) {
	t.Helper()
	tab, err := ParseCSV(context.Background(), []byte(text), opts, checked(t))
	if err != nil {
		t.Fatalf("ParseCSV: %v", err)
	}
	defer tab.Release()
	return schemaOf(tab.Schema), rowsOf(tab)
}

func parseErr(t *testing.T, text string, opts CSVOptions) error {
	t.Helper()
	tab, err := ParseCSV(context.Background(), []byte(text), opts, checked(t))
	if err == nil {
		tab.Release()
		t.Fatal("ParseCSV succeeded, want an error")
	}
	return err
}

func ptr[T any](v T) *T { return &v }

func TestCSVInference(t *testing.T) {
	text := "id,price,ok,day,at,at_utc,name,empty,mixed\n" +
		"1,2.5,true,2024-01-31,2024-01-31T10:00:00,2024-01-31T10:00:00Z,\"Smith, J.\",,1\n" +
		"-2,3,FALSE,2024-02-01,2024-02-01,2024-02-01T00:00:00+02:00,\"line\nbreak\",,x\n" +
		"NULL,,null,,,,,,\n"
	schema, rows := parse(t, text, CSVOptions{})
	wantSchema := []string{"id:int64", "price:float64", "ok:bool", "day:date32", "at:timestamp[us]",
		"at_utc:timestamp[us, tz=UTC]", "name:string", "empty:string", "mixed:string"}
	if !reflect.DeepEqual(schema, wantSchema) {
		t.Errorf("schema %q\nwant   %q", schema, wantSchema)
	}
	want := [][]string{
		{"1", "2.5", "true", "2024-01-31", "2024-01-31T10:00:00", "2024-01-31T10:00:00Z", "Smith, J.", "null", "1"},
		{"-2", "3", "false", "2024-02-01", "2024-02-01T00:00:00", "2024-01-31T22:00:00Z", "line\nbreak", "null", "x"},
		{"null", "null", "null", "null", "null", "null", "null", "null", "null"},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows\n%q\nwant\n%q", rows, want)
	}
}

func TestCSVKinds(t *testing.T) {
	for v, want := range map[string]kindSet{
		"42": kInt, "-7": kInt, "+3": kInt, "9223372036854775808": kFloat, "1e3": kFloat, ".5": kFloat,
		"NaN": kString, "Inf": kString, "tRuE": kString, "true": kBool, "FALSE": kBool, "t": kString,
		"2024-02-30": kString, "2024-02-29": kDate, "2024-02-29T12:00:00.123456": kTime,
		"2024-02-29 12:00:00Z": kTimeTZ, "2024-02-29T12:00:00-05:00": kTimeTZ, "abc": kString, "12:00": kString,
	} {
		if got := kindOf(v); got != want {
			t.Errorf("kindOf(%q) = %b, want %b", v, got, want)
		}
	}
	for k, want := range map[kindSet]string{
		0: "string", kInt: "int64", kInt | kFloat: "float64", kBool: "bool", kBool | kInt: "string",
		kDate: "date32", kDate | kTime: "timestamp[us]", kTime | kTimeTZ: "string", kTimeTZ: "timestamp[us, tz=UTC]",
	} {
		if got := k.typeName(); got != want {
			t.Errorf("typeName(%b) = %s, want %s", k, got, want)
		}
	}
}

func TestCSVOptions(t *testing.T) {
	for _, tc := range []struct {
		name       string
		text       string
		opts       CSVOptions
		wantSchema []string
		wantRows   [][]string
	}{
		{"no header", "1,a\n2,b\n", CSVOptions{Header: ptr(false)},
			[]string{"f0:int64", "f1:string"}, [][]string{{"1", "a"}, {"2", "b"}}},
		{"semicolon", "a;b\n1,5;x\n", CSVOptions{Delimiter: ";"},
			[]string{"a:string", "b:string"}, [][]string{{"1,5", "x"}}},
		{"tab", "a\tb\n1\t2\n", CSVOptions{Delimiter: "\t"},
			[]string{"a:int64", "b:int64"}, [][]string{{"1", "2"}}},
		{"columns override", "id,amount,code,at\n1,12.30,007,2024-01-01T00:00:00Z\n",
			CSVOptions{Columns: map[string]string{"amount": "decimal128(10, 2)", "code": "string", "id": "int32 not null", "at": "timestamp[ms, tz=Europe/Prague]"}},
			[]string{"id:int32", "amount:decimal128(10, 2)", "code:string", "at:timestamp[ms, tz=Europe/Prague]"},
			[][]string{{"1", "12.3", "007", "2024-01-01T01:00:00+01:00"}}},
		{"null values", "a,b\nNA,x\n-,\n", CSVOptions{NullValues: []string{"NA", "-"}},
			[]string{"a:string", "b:string"}, [][]string{{"null", "x"}, {"null", ""}}},
		{"no null values", "a,b\n,x\nNULL,y\n", CSVOptions{NullValues: []string{}},
			[]string{"a:string", "b:string"}, [][]string{{"", "x"}, {"NULL", "y"}}},
		{"skip rows", "exported 2024-01-01\nby tool\nn\n1\n", CSVOptions{SkipRows: 2},
			[]string{"n:int64"}, [][]string{{"1"}}},
		{"header only", "a,b\n", CSVOptions{}, []string{"a:string", "b:string"}, nil},
		{"binary is base64", "b\naGk=\n", CSVOptions{Columns: map[string]string{"b": "binary"}},
			[]string{"b:binary"}, [][]string{{"aGk="}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			schema, rows := parse(t, tc.text, tc.opts)
			if !reflect.DeepEqual(schema, tc.wantSchema) || !reflect.DeepEqual(rows, tc.wantRows) {
				t.Errorf("schema %q rows %q\nwant %q %q", schema, rows, tc.wantSchema, tc.wantRows)
			}
		})
	}
}

func TestCSVOptionErrors(t *testing.T) {
	for _, tc := range []struct {
		text string
		opts CSVOptions
		want string
	}{
		{"a\n1\n", CSVOptions{Delimiter: ",,"}, `csv text: delimiter ",,": want one character other than a quote or a line break`},
		{"a\n1\n", CSVOptions{Delimiter: `"`}, `csv text: delimiter "\"": want one character`},
		{"a\n1\n", CSVOptions{SkipRows: -1}, "csv text: skip_rows -1 is negative"},
		{"a,b\n1,2\n", CSVOptions{Columns: map[string]string{"c": "int64"}}, `csv text: columns names "c", which is not a column; the columns are "a", "b"`},
		{"a,b\n1,2\n", CSVOptions{Columns: map[string]string{"a": "int65"}}, `csv text: column "a": unknown type "int65"; valid types: bool`},
		{"a,a\n1,2\n", CSVOptions{}, `csv text: column "a": duplicate name`},
		{"", CSVOptions{}, "csv text: no data: want a header line"},
		{"x\n", CSVOptions{SkipRows: 5}, "csv text: no data: want a header line"},
	} {
		err := parseErr(t, tc.text, tc.opts)
		if !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q %+v: %v\nwant %s", tc.text, tc.opts, err, tc.want)
		}
	}
}

func TestCSVDataErrors(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		opts       CSVOptions
		want       string
	}{
		{"wrong field count", "a,b\n1,2\n3\n", CSVOptions{}, "csv text:3: wrong number of fields"},
		{"wrong field count after skipped lines", "junk\njunk\na,b\n1,2\n3,4,5\n", CSVOptions{SkipRows: 2},
			"csv text:5: wrong number of fields"},
		{"bare quote", "a,b\n1,x\"y\n", CSVOptions{}, "csv text:2:4: bare \" in non-quoted-field"},
		{"declared int", "id,n\n1,2\n2,x\n", CSVOptions{Columns: map[string]string{"n": "int64"}},
			`csv text:3: row 2, column "n" (int64): got "x": strconv.ParseInt: parsing "x": invalid syntax`},
		{"declared date", "d\n2024-13-01\n", CSVOptions{Columns: map[string]string{"d": "date32"}},
			`csv text:2: row 1, column "d" (date32): got "2024-13-01": parsing time "2024-13-01": month out of range`},
		{"zone missing", "t\n2024-01-01T00:00:00\n", CSVOptions{Columns: map[string]string{"t": "timestamp[s, tz=UTC]"}},
			`csv text:2: row 1, column "t" (timestamp[s, tz=UTC]): got "2024-01-01T00:00:00": invalid: timestamp value "2024-01-01T00:00:00" for type timestamp[s, tz=UTC] must include a zone offset`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := parseErr(t, tc.text, tc.opts)
			if err.Error() != tc.want {
				t.Errorf("error %v\nwant  %s", err, tc.want)
			}
		})
	}
}

// A value that does not fit the type inferred from the first InferRows
// rows is reported with its line and row, in a later batch too, with a
// hint to declare the type.
func TestCSVLateValue(t *testing.T) {
	var b strings.Builder
	b.WriteString("# export\nid,units\n")
	const bad = arrowbridge.MaxBatchRows + 100
	for i := 1; i <= arrowbridge.MaxBatchRows+200; i++ {
		if i == bad {
			fmt.Fprintf(&b, "%d,n/a\n", i)
		} else {
			fmt.Fprintf(&b, "%d,%d\n", i, i%7)
		}
	}
	err := parseErr(t, b.String(), CSVOptions{SkipRows: 1})
	want := fmt.Sprintf(`csv text:%d: row %d, column "units" (int64): got "n/a": strconv.ParseInt: parsing "n/a": invalid syntax; `+
		`the type was inferred from the first 10000 rows: declare the column's type in columns, e.g. {"units": "string"}`, bad+2, bad)
	if err.Error() != want {
		t.Errorf("error %v\nwant  %s", err, want)
	}
}

func TestCSVBatchesAndFile(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,name\n")
	const n = arrowbridge.MaxBatchRows + 7
	for i := range n {
		fmt.Fprintf(&b, "%d,n%d\n", i, i)
	}
	d := newDirs(t, tree(t, map[string]string{"big.csv": b.String()}))
	tab, err := d.ReadCSV(context.Background(), "big.csv", CSVOptions{}, checked(t))
	if err != nil {
		t.Fatal(err)
	}
	defer tab.Release()
	if tab.Rows != n || len(tab.Batches) != 2 || tab.Batches[0].NumRows() != arrowbridge.MaxBatchRows || tab.Batches[1].NumRows() != 7 {
		t.Errorf("%d rows in %d batches", tab.Rows, len(tab.Batches))
	}
	if got := tab.Batches[1].Column(1).ValueStr(6); got != fmt.Sprintf("n%d", n-1) {
		t.Errorf("last name %s", got)
	}
	_, err = d.ReadCSV(context.Background(), "missing.csv", CSVOptions{}, nil)
	if err == nil || !strings.HasPrefix(err.Error(), `open "missing.csv": no such file in `) {
		t.Errorf("missing file: %v", err)
	}
}

func TestCSVCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tab, err := ParseCSV(ctx, []byte("a\n1\n"), CSVOptions{}, checked(t))
	if !errors.Is(err, context.Canceled) {
		if tab != nil {
			tab.Release()
		}
		t.Errorf("ParseCSV with a cancelled context: %v", err)
	}
}
