package jsrt_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
)

// TestNumberTyping checks that a number converts by the declared column
// type, whatever goja holds it as: goja keeps 3.0 and 1.5*2 as integers and
// 2**53+2 as a float.
func TestNumberTyping(t *testing.T) {
	fn, _ := mustFunction(t, `const schema = {i: "int64", f: "float64", f32: "float32", i8: "int8"};
function call() {
  emit(3, 3, 3, 3);
  emit(3.0, 1.5 * 2, 0.5, -128);
  emit(2 ** 53, 2 ** 53 + 2, 1e38, 127);
  emit(-(2 ** 53), -0.25, -1e38, 0);
}`)
	want := `[{"i":3,"f":3,"f32":3,"i8":3},` +
		`{"i":3,"f":3,"f32":0.5,"i8":-128},` +
		`{"i":9007199254740992,"f":9007199254740994,"f32":1e+38,"i8":127},` +
		`{"i":-9007199254740992,"f":-0.25,"f32":-1e+38,"i8":0}]`
	table, err := call(t, fn, `{}`)
	if err != nil {
		t.Fatal(err)
	}
	defer table.Release()
	if got := rowsOf(t, table); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if f := table.Batches[0].Column(1).(*array.Float64); f.Value(0) != 3.0 {
		t.Errorf("float64 column holds %v for 3", f.Value(0))
	}
}

func TestNumberConversionErrors(t *testing.T) {
	cases := []struct{ typ, value, want string }{
		{"int64", "2.5", `emit: row 1, column "c" (int64): got number 2.5: not a whole number`},
		{"int64", "2 ** 53 + 2", `emit: row 1, column "c" (int64): got number 9007199254740994: not exact beyond ±2^53`},
		{"int64", "Infinity", `emit: row 1, column "c" (int64): got number Infinity: not a whole number`},
		{"int64", "NaN", `(int64): got number NaN: not a whole number`},
		{"int8", "128", `emit: row 1, column "c" (int8): got number 128: out of range for int8`},
		{"uint8", "-1", `(uint8): got number -1: out of range for uint8`},
		{"int64", "2n ** 63n", `(int64): got int 9223372036854775808: out of range for int64`},
		{"float32", "1e39", `(float32): got number 1e+39: out of range for float32`},
		{"string", "5", `emit: row 1, column "c" (string): got number 5`},
		{"bool", "1", `(bool): got number 1`},
		{"int64", "true", `(int64): got bool true`},
		{"int64", "[1]", `emit: row 1, column "c" (int64): got array`},
		{"int64", "({a: 1}), 2", `emit: row 1: got 2 values, schema has 1 columns`},
		{"int64", "() => 1", `(int64): got function`},
		{"int64", "Symbol('s')", `(int64): got symbol`},
		{"int64", "new Map()", `(int64): got Map`},
		{"int64", "new Set()", `(int64): got Set`},
		{"int64", "new Float64Array(1)", `(int64): got Float64Array`},
		{"string not null", "null", `(string): got null: column is not nullable`},
		{"string not null", "undefined", `(string): got null: column is not nullable`},
		{"date32", "new Date(NaN)", `(date32): got Invalid Date`},
		{"date32", `"2024-02-30"`, `(date32): got string "2024-02-30": want "YYYY-MM-DD"`},
	}
	for _, tc := range cases {
		t.Run(tc.typ+" "+tc.value, func(t *testing.T) {
			fn, _ := mustFunction(t, fmt.Sprintf("const schema = {c: %q};\nfunction call() {\n  emit(%s);\n}\n", tc.typ, tc.value))
			msg := rel(fn, scriptError(t, fn, `{}`).Msg)
			if !strings.HasPrefix(msg, "main.js:3:7: ") || !strings.Contains(msg, tc.want) {
				t.Errorf("message %q\nwant main.js:3:7: ... %q", msg, tc.want)
			}
		})
	}
}

func TestBigInt(t *testing.T) {
	fn, _ := mustFunction(t, `const schema = {i: "int64", u: "uint64", f: "float64", d: "decimal128(38, 0)", ts: "timestamp[ns]", day: "date32"};
function call() {
  emit(9007199254740993n, 18446744073709551615n, 10n, 123456789012345678901234567890n, 1719748800000000001n, 19782n);
  emit(-9223372036854775808n, 0n, -1n, -5n, 0n, 0n);
}`)
	want := `[{"i":9007199254740993,"u":18446744073709551615,"f":10,"d":"123456789012345678901234567890","ts":"2024-06-30T12:00:00.000000001","day":"2024-02-29"},` +
		`{"i":-9223372036854775808,"u":0,"f":-1,"d":"-5","ts":"1970-01-01T00:00:00","day":"1970-01-01"}]`
	if got := mustCall(t, fn, `{}`); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestDatesAndStrings(t *testing.T) {
	fn, _ := mustFunction(t, `const schema = {d: "date32", ms: "timestamp[ms]", s: "timestamp[s, tz=Europe/Prague]", txt: "string", bin: "binary"};
function call() {
  const t = new Date(Date.UTC(2024, 0, 2, 23, 30, 15, 250));
  emit(t, t, t, "ünïcødé", new Uint8Array([104, 105]));
  emit(new Date(Date.UTC(1969, 11, 31, 23, 59, 59, 999)), -1, "2024-01-02T03:04:05+01:00", "", new Uint8Array([0, 104, 105, 0]).subarray(1, 3).buffer);
  emit("2024-02-29", "2024-01-02 03:04:05.5", 0, "x".repeat(3), "text");
}`)
	// The s column is shown in its zone, Europe/Prague (+01:00 in winter).
	want := `[{"d":"2024-01-02","ms":"2024-01-02T23:30:15.25","s":"2024-01-03T00:30:15+01:00","txt":"ünïcødé","bin":"aGk="},` +
		`{"d":"1969-12-31","ms":"1969-12-31T23:59:59.999","s":"2024-01-02T03:04:05+01:00","txt":"","bin":"AGhpAA=="},` +
		`{"d":"2024-02-29","ms":"2024-01-02T03:04:05.5","s":"1970-01-01T01:00:00+01:00","txt":"xxx","bin":"dGV4dA=="}]`
	if got := mustCall(t, fn, `{}`); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// TestTypedArrayColumns returns every kind of typed array as a column.
func TestTypedArrayColumns(t *testing.T) {
	fn, _ := mustFunction(t, `const schema = {
  i8: "int8", u8: "uint8", uc: "uint8", i16: "int16", u16: "uint16", i32: "int32", u32: "uint32",
  f32: "float32", f64: "float64", i64: "int64", u64: "uint64", day: "date32", wide: "int64", dec: "decimal128(10, 2)",
};
function call() {
  return {
    i8: new Int8Array([-128, 127]), u8: new Uint8Array([0, 255]), uc: new Uint8ClampedArray([300, -5]),
    i16: new Int16Array([-32768, 1]), u16: new Uint16Array([65535, 2]), i32: new Int32Array([-2147483648, 3]),
    u32: new Uint32Array([4294967295, 4]), f32: new Float32Array([1.5, -2]), f64: new Float64Array([0.25, 1e300]),
    i64: new BigInt64Array([-9223372036854775808n, 5n]), u64: new BigUint64Array([18446744073709551615n, 6n]),
    day: new Int32Array([19782, 0]), wide: new Float64Array([9007199254740992, -7]), dec: new Int16Array([12, -3]),
  };
}`)
	want := `[{"i8":-128,"u8":0,"uc":255,"i16":-32768,"u16":65535,"i32":-2147483648,"u32":4294967295,"f32":1.5,"f64":0.25,"i64":-9223372036854775808,"u64":18446744073709551615,"day":"2024-02-29","wide":9007199254740992,"dec":"12"},` +
		`{"i8":127,"u8":255,"uc":0,"i16":1,"u16":2,"i32":3,"u32":4,"f32":-2,"f64":1e+300,"i64":5,"u64":6,"day":"1970-01-01","wide":-7,"dec":"-3"}]`
	if got := mustCall(t, fn, `{}`); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// TestTypedArraysFollowDeclaredType: a bulk copy must reject what a value
// by value append would.
func TestTypedArraysFollowDeclaredType(t *testing.T) {
	cases := []struct{ typ, column, want string }{
		{"int64", "new Float64Array([1, 2, 2.5])", `main.js: row 3, column "c" (int64): got number 2.5: not a whole number`},
		{"int8", "new Int32Array([1, 300])", `main.js: row 2, column "c" (int8): got number 300: out of range for int8`},
		{"uint32", "new Int32Array([5, -1])", `main.js: row 2, column "c" (uint32): got number -1: out of range for uint32`},
		{"int32", "new BigInt64Array([1n, 2n ** 40n])", `main.js: row 2, column "c" (int32): got int 1099511627776: out of range for int32`},
		{"string", "new Float64Array([1])", `main.js: row 1, column "c" (string): got number 1`},
		{"int64 not null", "new BigUint64Array([2n ** 64n - 1n])", `main.js: row 1, column "c" (int64): got int 18446744073709551615: out of range for int64`},
	}
	for _, tc := range cases {
		t.Run(tc.typ, func(t *testing.T) {
			fn, _ := mustFunction(t, fmt.Sprintf("const schema = {c: %q};\nfunction call() { return {c: %s}; }\n", tc.typ, tc.column))
			if msg := rel(fn, scriptError(t, fn, `{}`).Msg); msg != tc.want {
				t.Errorf("message %q\nwant    %q", msg, tc.want)
			}
		})
	}
}

// TestTypedArrayChunks returns typed arrays longer than a batch, mixed
// with a plain array and a missing column, and an error far in.
func TestTypedArrayChunks(t *testing.T) {
	fn, _ := mustFunction(t, `const schema = {id: "int64", name: "string", value: "float64", gap: "int32"};
function call(p) {
  const n = p.n, id = new Float64Array(n), value = new Float64Array(n), name = new Array(n);
  for (let i = 0; i < n; i++) { id[i] = i; value[i] = i / 2; name[i] = "n" + i; }
  if (p.bad) id[p.bad - 1] = 0.5;
  return {value, name, id};
}`)
	table, err := call(t, fn, `{"n": 150000}`)
	if err != nil {
		t.Fatal(err)
	}
	defer table.Release()
	if table.Rows != 150000 || len(table.Batches) < 3 {
		t.Fatalf("%d rows in %d batches", table.Rows, len(table.Batches))
	}
	var next int64
	for _, rec := range table.Batches {
		ids, names, gaps := rec.Column(0).(*array.Int64), rec.Column(1).(*array.String), rec.Column(3)
		for i := range ids.Len() {
			if ids.Value(i) != next || names.Value(i) != fmt.Sprint("n", next) || !gaps.IsNull(i) {
				t.Fatalf("row %d: id %d, name %s, gap null %v", next, ids.Value(i), names.Value(i), gaps.IsNull(i))
			}
			next++
		}
	}
	msg := rel(fn, scriptError(t, fn, `{"n": 150000, "bad": 100001}`).Msg)
	if want := `main.js: row 100001, column "id" (int64): got number 0.5: not a whole number`; msg != want {
		t.Errorf("message %q\nwant    %q", msg, want)
	}
}

func TestPlainArrayColumnsAndRows(t *testing.T) {
	fn, _ := mustFunction(t, `const schema = {id: "int64", tags: "string", when: "date32"};
function call(p) {
  if (p.mode === "columns") return {id: [1, 2], tags: ["a", null], when: [new Date(0), "2024-01-01"]};
  if (p.mode === "holes") return {id: [1, , 3]};
  if (p.mode === "rows") return [[1, "a", new Date(0)], {id: 2, when: "2024-01-01"}];
  if (p.mode === "class") {
    class Row { constructor(id) { this.id = id; } get tags() { return "t" + this.id; } }
    return [new Row(1), new Row(2)];
  }
}`)
	cases := map[string]string{
		"columns": `[{"id":1,"tags":"a","when":"1970-01-01"},{"id":2,"tags":null,"when":"2024-01-01"}]`,
		"holes":   `[{"id":1,"tags":null,"when":null},{"id":null,"tags":null,"when":null},{"id":3,"tags":null,"when":null}]`,
		"rows":    `[{"id":1,"tags":"a","when":"1970-01-01"},{"id":2,"tags":null,"when":"2024-01-01"}]`,
		"class":   `[{"id":1,"tags":"t1","when":null},{"id":2,"tags":"t2","when":null}]`,
	}
	for mode, want := range cases {
		if got := mustCall(t, fn, `{"mode": "`+mode+`"}`); got != want {
			t.Errorf("%s: got %s\nwant %s", mode, got, want)
		}
	}
}

// TestOtherResults: a generator's rows, the rows and columns of ctx.state,
// and results that are neither rows nor columns.
func TestOtherResults(t *testing.T) {
	fn, _ := mustFunction(t, `const schema = {id: "int64", name: "string"};
function on_load() { return {rows: [[1, "s"], {id: 2}], cols: {id: [3], name: ["c"]}, one: {id: 4, name: "o"}}; }
function* gen(n) { for (let i = 0; i < n; i++) yield i % 2 ? {id: i} : [i, "g" + i]; }
function call(p, c, h, ctx) {
  switch (p.mode) {
  case "generator": return gen(3);
  case "set": return new Set([[5, "set"]]);
  case "state rows": return ctx.state.rows;
  case "state columns": return ctx.state.cols;
  case "state emit": emit(ctx.state.one); return;
  case "class": return new (class Columns { constructor() { this.id = [1]; } })();
  case "typed": return new Float64Array(2);
  case "bad yield": return gen(1).map ? 0 : (function* () { yield 7; })();
  case "emit while yielding": return (function* () { yield [1, "a"]; emit(2, "b"); })();
  }
}`)
	for mode, want := range map[string]string{
		"generator":     `[{"id":0,"name":"g0"},{"id":1,"name":null},{"id":2,"name":"g2"}]`,
		"set":           `[{"id":5,"name":"set"}]`,
		"state rows":    `[{"id":1,"name":"s"},{"id":2,"name":null}]`,
		"state columns": `[{"id":3,"name":"c"}]`,
		"state emit":    `[{"id":4,"name":"o"}]`,
	} {
		if got := mustCall(t, fn, `{"mode": "`+mode+`"}`); got != want {
			t.Errorf("%s: got %s\nwant %s", mode, got, want)
		}
	}
	for mode, want := range map[string]string{
		"class":               "main.js: call returned an object: want undefined (after emit), an array of rows or an object of columns",
		"typed":               "main.js: call returned a Float64Array: want undefined",
		"bad yield":           "main.js: row 1: a row must be an array or an object, got number",
		"emit while yielding": "main.js:14:74: emit: call has returned rows; emit rows or return them, not both",
	} {
		if msg := rel(fn, scriptError(t, fn, `{"mode": "`+mode+`"}`).Msg); msg[:min(len(msg), len(want))] != want {
			t.Errorf("%s: message %q\nwant %q", mode, msg, want)
		}
	}
}
