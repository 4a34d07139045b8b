package arrowbridge

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

func TestParseType(t *testing.T) {
	tests := []struct {
		in       string
		want     string // TypeName of the result
		id       arrow.Type
		nullable bool
	}{
		{"bool", "bool", arrow.BOOL, true},
		{"boolean", "bool", arrow.BOOL, true},
		{"int8", "int8", arrow.INT8, true},
		{"int16", "int16", arrow.INT16, true},
		{"int32", "int32", arrow.INT32, true},
		{"int64", "int64", arrow.INT64, true},
		{"uint8", "uint8", arrow.UINT8, true},
		{"uint16", "uint16", arrow.UINT16, true},
		{"uint32", "uint32", arrow.UINT32, true},
		{"uint64", "uint64", arrow.UINT64, true},
		{"float32", "float32", arrow.FLOAT32, true},
		{"float", "float32", arrow.FLOAT32, true},
		{"float64", "float64", arrow.FLOAT64, true},
		{"double", "float64", arrow.FLOAT64, true},
		{"string", "string", arrow.STRING, true},
		{"utf8", "string", arrow.STRING, true},
		{"large_string", "large_string", arrow.LARGE_STRING, true},
		{"large_utf8", "large_string", arrow.LARGE_STRING, true},
		{"binary", "binary", arrow.BINARY, true},
		{"date32", "date32", arrow.DATE32, true},
		{"date32[day]", "date32", arrow.DATE32, true},
		{"date", "date32", arrow.DATE32, true},
		{"timestamp[s]", "timestamp[s]", arrow.TIMESTAMP, true},
		{"timestamp[ms]", "timestamp[ms]", arrow.TIMESTAMP, true},
		{"timestamp[us]", "timestamp[us]", arrow.TIMESTAMP, true},
		{"timestamp[ns]", "timestamp[ns]", arrow.TIMESTAMP, true},
		{"timestamp[us, tz=UTC]", "timestamp[us, tz=UTC]", arrow.TIMESTAMP, true},
		{"timestamp[ms, tz=Europe/Prague]", "timestamp[ms, tz=Europe/Prague]", arrow.TIMESTAMP, true},
		{"timestamp[ns,tz=America/New_York]", "timestamp[ns, tz=America/New_York]", arrow.TIMESTAMP, true},
		{"decimal128(18, 2)", "decimal128(18, 2)", arrow.DECIMAL128, true},
		{"decimal128(1, 0)", "decimal128(1, 0)", arrow.DECIMAL128, true},
		{"decimal128(38, 38)", "decimal128(38, 38)", arrow.DECIMAL128, true},

		// not null
		{"int64 not null", "int64", arrow.INT64, false},
		{"int64 NOT NULL", "int64", arrow.INT64, false},
		{"string  not\tnull ", "string", arrow.STRING, false},
		{"timestamp[us, tz=UTC] not null", "timestamp[us, tz=UTC]", arrow.TIMESTAMP, false},
		{"decimal128(18,2) not null", "decimal128(18, 2)", arrow.DECIMAL128, false},

		// whitespace and case of keywords
		{"  int64  ", "int64", arrow.INT64, true},
		{"INT64", "int64", arrow.INT64, true},
		{"Large_Utf8", "large_string", arrow.LARGE_STRING, true},
		{"decimal128(18,2)", "decimal128(18, 2)", arrow.DECIMAL128, true},
		{"Decimal128 ( 18 , 2 )", "decimal128(18, 2)", arrow.DECIMAL128, true},
		{"timestamp[us,tz=UTC]", "timestamp[us, tz=UTC]", arrow.TIMESTAMP, true},
		{"TIMESTAMP[ US , TZ = UTC ]", "timestamp[us, tz=UTC]", arrow.TIMESTAMP, true},
		{"date32[ DAY ]", "date32", arrow.DATE32, true},
	}
	for _, tt := range tests {
		typ, nullable, err := ParseType(tt.in)
		if err != nil {
			t.Errorf("ParseType(%q): %v", tt.in, err)
			continue
		}
		if typ.ID() != tt.id || TypeName(typ) != tt.want || nullable != tt.nullable {
			t.Errorf("ParseType(%q) = %s (%s), %v; want %s, %v", tt.in, TypeName(typ), typ.ID(), nullable, tt.want, tt.nullable)
		}
	}
}

func TestParseTypeDetails(t *testing.T) {
	typ, _, err := ParseType("timestamp[ms, tz=Europe/Prague]")
	if err != nil {
		t.Fatal(err)
	}
	ts := typ.(*arrow.TimestampType)
	if ts.Unit != arrow.Millisecond || ts.TimeZone != "Europe/Prague" {
		t.Errorf("got unit %s, zone %q", ts.Unit, ts.TimeZone)
	}
	typ, _, _ = ParseType("timestamp[us]")
	if ts := typ.(*arrow.TimestampType); ts.TimeZone != "" || ts.Unit != arrow.Microsecond {
		t.Errorf("timestamp[us]: got unit %s, zone %q", ts.Unit, ts.TimeZone)
	}
	typ, _, _ = ParseType("decimal128(20, 3)")
	if d := typ.(*arrow.Decimal128Type); d.Precision != 20 || d.Scale != 3 {
		t.Errorf("decimal128(20, 3): got %d, %d", d.Precision, d.Scale)
	}
}

func TestParseTypeErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"int65", `unknown type "int65"; valid types: bool, boolean, int8,`},
		{"", `unknown type ""`},
		{"not null", `unknown type "not null"`},
		{"int64not null", `unknown type "int64not null"`},
		{"int64 null", `unknown type "int64 null"`},
		{"int64 not", `unknown type "int64 not"`},
		{"decimal", `unknown type "decimal"`},
		{"timestamp", `unknown type "timestamp"`},
		{"list[int64]", `unknown type "list[int64]"`},
		{"date64", `unknown type "date64"`},
		{"decimal128[18, 2]", `unknown type "decimal128[18, 2]"`},
		{"int64(3)", `unknown type "int64(3)"`},
		{"decimal128(39, 2)", `invalid type "decimal128(39, 2)": precision 39 is not between 1 and 38`},
		{"decimal128(0, 0)", `invalid type "decimal128(0, 0)": precision 0 is not between 1 and 38`},
		{"decimal128(5, 6)", `invalid type "decimal128(5, 6)": scale 6 is not between 0 and the precision 5`},
		{"decimal128(5, -1)", `invalid type "decimal128(5, -1)": scale -1 is not between 0 and the precision 5`},
		{"decimal128(5)", `invalid type "decimal128(5)": want decimal128(precision, scale)`},
		{"decimal128(a, 2)", `invalid type "decimal128(a, 2)": precision and scale must be integers`},
		{"decimal128(18, 2", `invalid type "decimal128(18, 2": want decimal128(...)`},
		{"decimal128(18, 2) x", `invalid type "decimal128(18, 2) x": want decimal128(...)`},
		{"timestamp[xs]", `invalid type "timestamp[xs]": unit "xs": want s, ms, us or ns`},
		{"timestamp[]", `invalid type "timestamp[]": unit "": want s, ms, us or ns`},
		{"timestamp[us, tz=Mars/Olympus]", `invalid type "timestamp[us, tz=Mars/Olympus]": unknown time zone "Mars/Olympus"`},
		{"timestamp[us, tz=Local]", `invalid type "timestamp[us, tz=Local]": unknown time zone "Local"`},
		{"timestamp[us, tz=]", `invalid type "timestamp[us, tz=]": empty time zone`},
		{"timestamp[us, zone=UTC]", `invalid type "timestamp[us, zone=UTC]": "zone=UTC": want tz=Zone`},
		{"timestamp[us, tz=UTC, x]", `invalid type "timestamp[us, tz=UTC, x]": want timestamp[unit] or timestamp[unit, tz=Zone]`},
		{"date32[ms]", `invalid type "date32[ms]": the only date32 unit is day`},
	}
	for _, tt := range tests {
		typ, _, err := ParseType(tt.in)
		if err == nil {
			t.Errorf("ParseType(%q) = %s, want error", tt.in, typ)
			continue
		}
		if !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("ParseType(%q) error:\n got %s\nwant %s...", tt.in, err, tt.want)
		}
	}
}

func TestUnknownTypeListsSpellings(t *testing.T) {
	_, _, err := ParseType("int65")
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, s := range []string{"bool", "boolean", "int8", "uint64", "float", "double", "utf8", "large_utf8",
		"binary", "date32[day]", "timestamp[ns]", "tz=", "decimal128(p, s)", "not null"} {
		if !strings.Contains(msg, s) {
			t.Errorf("error does not mention %q: %s", s, msg)
		}
	}
	// Every listed simple spelling parses.
	list := strings.TrimPrefix(msg, `unknown type "int65"; valid types: `)
	list, _, _ = strings.Cut(list, ";")
	for _, s := range strings.Split(list, ", ") {
		if strings.ContainsAny(s, "<()") {
			continue
		}
		if _, _, err := ParseType(s); err != nil {
			t.Errorf("listed spelling %q does not parse: %v", s, err)
		}
	}
}

func TestTypeName(t *testing.T) {
	tests := []struct {
		t    arrow.DataType
		want string
	}{
		{arrow.FixedWidthTypes.Boolean, "bool"},
		{arrow.PrimitiveTypes.Int64, "int64"},
		{arrow.PrimitiveTypes.Uint16, "uint16"},
		{arrow.PrimitiveTypes.Float32, "float32"},
		{arrow.PrimitiveTypes.Float64, "float64"},
		{arrow.BinaryTypes.String, "string"},
		{arrow.BinaryTypes.LargeString, "large_string"},
		{arrow.BinaryTypes.Binary, "binary"},
		{arrow.FixedWidthTypes.Date32, "date32"},
		{&arrow.TimestampType{Unit: arrow.Microsecond}, "timestamp[us]"},
		{&arrow.TimestampType{Unit: arrow.Second, TimeZone: "UTC"}, "timestamp[s, tz=UTC]"},
		{&arrow.Decimal128Type{Precision: 18, Scale: 2}, "decimal128(18, 2)"},
		{arrow.ListOf(arrow.PrimitiveTypes.Int64), "list<item: int64, nullable>"},
	}
	for _, tt := range tests {
		if got := TypeName(tt.t); got != tt.want {
			t.Errorf("TypeName(%s) = %q, want %q", tt.t, got, tt.want)
		}
	}
}

func TestNewSchema(t *testing.T) {
	no, yes := false, true
	schema, err := NewSchema([]ColumnSpec{
		{Name: "id", Type: "int64 not null"},
		{Name: "name", Type: "string", Metadata: map[string]string{"b": "2", "a": "1"}},
		{Name: "day", Type: "date32", Nullable: &no},
		{Name: "amount", Type: "decimal128(18, 2) not null", Nullable: &yes},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name     string
		typ      string
		nullable bool
	}{
		{"id", "int64", false},
		{"name", "string", true},
		{"day", "date32", false},
		{"amount", "decimal128(18, 2)", true},
	}
	if schema.NumFields() != len(want) {
		t.Fatalf("got %d fields, want %d", schema.NumFields(), len(want))
	}
	for i, w := range want {
		f := schema.Field(i)
		if f.Name != w.name || TypeName(f.Type) != w.typ || f.Nullable != w.nullable {
			t.Errorf("field %d = %s %s nullable=%v, want %s %s nullable=%v",
				i, f.Name, TypeName(f.Type), f.Nullable, w.name, w.typ, w.nullable)
		}
	}
	md := schema.Field(1).Metadata
	if md.Len() != 2 || md.Keys()[0] != "a" || md.Values()[0] != "1" || md.Keys()[1] != "b" || md.Values()[1] != "2" {
		t.Errorf("metadata = %v", md)
	}
	if schema.Field(0).HasMetadata() {
		t.Errorf("field id has metadata %v", schema.Field(0).Metadata)
	}
}

func TestNewSchemaErrors(t *testing.T) {
	tests := []struct {
		specs []ColumnSpec
		want  string
	}{
		{[]ColumnSpec{{Name: "units", Type: "int65"}}, `column "units": unknown type "int65"; valid types: `},
		{[]ColumnSpec{{Name: "a", Type: "int64"}, {Name: "a", Type: "string"}}, `column "a": duplicate name`},
		{[]ColumnSpec{{Name: "a", Type: "int64"}, {Name: "", Type: "string"}}, `column 2: empty name`},
		{[]ColumnSpec{{Name: "p", Type: "decimal128(39, 2)"}}, `column "p": invalid type "decimal128(39, 2)": precision 39`},
	}
	for _, tt := range tests {
		_, err := NewSchema(tt.specs)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("NewSchema(%v) error = %v, want %s...", tt.specs, err, tt.want)
		}
	}
}

func TestNewSchemaEmpty(t *testing.T) {
	schema, err := NewSchema(nil)
	if err != nil || schema.NumFields() != 0 {
		t.Errorf("NewSchema(nil) = %v, %v", schema, err)
	}
}
