package flightserver

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestParseTicket(t *testing.T) {
	const id = "0123456789abcdef0123456789abcdef"
	for _, tc := range []struct{ ticket, id string }{
		{`{"task_id":"` + id + `"}`, id},     // the fast path
		{`{ "task_id" : "` + id + `" }`, id}, // any JSON spelling
		{`{"task_id":"0123456789ABCDEF0123456789ABCDEF"}`, "0123456789ABCDEF0123456789ABCDEF"},
		{`{"task_id":"x","other":1}`, "x"},
		{`{"task_id":"\u0030123456789abcdef0123456789abcde"}`, "0123456789abcdef0123456789abcde"},
	} {
		got, err := parseTicket([]byte(tc.ticket))
		if err != nil || got != tc.id {
			t.Errorf("parseTicket(%s) = %q, %v; want %q", tc.ticket, got, err, tc.id)
		}
	}
}

func TestParseInvocation(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	for _, tc := range []struct {
		name, cmd string
		function  string
		params    string   // verbatim
		columns   []string // nil: no hint
		msg       string   // the error's message, or "" for none
	}{
		{"minimal", `{"functionName":"f"}`, "f", `{}`, nil, ""},
		{"parameters kept verbatim", ` {"parameters": { "a" : [1, 2.50] ,"columns":["x","y"]} , "functionName":"f"} `,
			"f", `{ "a" : [1, 2.50] ,"columns":["x","y"]}`, []string{"x", "y"}, ""},
		{"null parameters", `{"functionName":"f","parameters":null}`, "f", `{}`, nil, ""},
		{"null columns", `{"functionName":"f","parameters":{"columns":null}}`, "f", `{"columns":null}`, nil, ""},
		{"empty columns are a hint", `{"functionName":"f","parameters":{"columns":[]}}`, "f", `{"columns":[]}`, []string{}, ""},
		{"null column name", `{"functionName":"f","parameters":{"columns":["a",null]}}`, "f", `{"columns":["a",null]}`, []string{"a", ""}, ""},
		{"escaped key", `{"function\u004eame":"f"}`, "f", `{}`, nil, ""},
		{"last key counts", `{"functionName":7,"functionName":"g","parameters":[],"parameters":{"columns":1,"columns":["c"]}}`,
			"g", `{"columns":1,"columns":["c"]}`, []string{"c"}, ""},
		{"later parameters drop earlier columns", `{"functionName":"f","parameters":{"columns":["a"]},"parameters":{}}`, "f", `{}`, nil, ""},
		{"huge number", `{"functionName":"f","x":1e999,"parameters":{"n":-1e999}}`, "f", `{"n":-1e999}`, nil, ""},
		{"deepest nesting", `{"functionName":"f","x":` + deep(9999) + `}`, "f", `{}`, nil, ""},

		{"empty", ``, "", "", nil, msgNotJSON},
		{"whitespace", " \n", "", "", nil, msgNotJSON},
		{"array", `[{"functionName":"f"}]`, "", "", nil, msgNotJSON},
		{"string", `"f"`, "", "", nil, msgNotJSON},
		{"trailing value", `{"functionName":"f"}{}`, "", "", nil, msgNotJSON},
		{"trailing garbage", `{"functionName":"f"} x`, "", "", nil, msgNotJSON},
		{"unterminated", `{"functionName":"f"`, "", "", nil, msgNotJSON},
		{"syntax error after a bad name", `{"functionName":7,"x":}`, "", "", nil, msgNotJSON},
		{"too deep", `{"functionName":"f","x":` + deep(10000) + `}`, "", "", nil, msgNotJSON},
		{"case matters", `{"functionname":"f"}`, "", "", nil, msgNoFunctionName},
		{"null name", `{"functionName":null}`, "", "", nil, msgNoFunctionName},
		{"object name", `{"functionName":{"a":"f"}}`, "", "", nil, msgNoFunctionName},
		{"name before parameters", `{"functionName":"","parameters":1}`, "", "", nil, msgNoFunctionName},
		{"string parameters", `{"functionName":"f","parameters":"{}"}`, "", "", nil, msgParamsNotObject},
		{"parameters before columns", `{"functionName":"f","parameters":[{"columns":1}]}`, "", "", nil, msgParamsNotObject},
		{"columns object", `{"functionName":"f","parameters":{"columns":{"a":"b"}}}`, "", "", nil, msgColumnsNotList},
		{"nested column list", `{"functionName":"f","parameters":{"columns":[["a"]]}}`, "", "", nil, msgColumnsNotList},
		{"boolean column", `{"functionName":"f","parameters":{"columns":["a",true]}}`, "", "", nil, msgColumnsNotList},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inv, err := parseInvocation([]byte(tc.cmd))
			if tc.msg != "" {
				if err == nil || err.Info.Code != CodeBadArgument || err.Info.Msg != tc.msg {
					t.Fatalf("got %+v, %v; want error %q", inv, err, tc.msg)
				}
				return
			}
			if err != nil {
				t.Fatalf("error %v", err)
			}
			if inv.function != tc.function || string(inv.parameters) != tc.params || !reflect.DeepEqual(inv.columns, tc.columns) {
				t.Errorf("got %q %s %#v; want %q %s %#v", inv.function, inv.parameters, inv.columns, tc.function, tc.params, tc.columns)
			}
		})
	}
}

// parseInvocationReference is how this package parsed invocations before
// it did so in one pass: Unmarshal into a map, then each field again. The
// one-pass parser must agree with it on every input.
func parseInvocationReference(cmd []byte) (*invocation, *Error) {
	isNull := func(b []byte) bool { return string(bytes.TrimSpace(b)) == "null" }
	var payload map[string]json.RawMessage
	if !isObject(cmd) || json.Unmarshal(cmd, &payload) != nil {
		return nil, failed(CodeBadArgument, msgNotJSON)
	}
	inv := &invocation{parameters: json.RawMessage("{}")}
	if json.Unmarshal(payload["functionName"], &inv.function) != nil || inv.function == "" {
		return nil, failed(CodeBadArgument, msgNoFunctionName)
	}
	params, ok := payload["parameters"]
	if !ok || isNull(params) {
		return inv, nil
	}
	var fields map[string]json.RawMessage
	if !isObject(params) || json.Unmarshal(params, &fields) != nil {
		return nil, failed(CodeBadArgument, msgParamsNotObject)
	}
	inv.parameters = params
	if cols, ok := fields["columns"]; ok && !isNull(cols) {
		if json.Unmarshal(cols, &inv.columns) != nil || inv.columns == nil {
			return nil, failed(CodeBadArgument, msgColumnsNotList)
		}
	}
	return inv, nil
}

// invocationCorpus holds the commands both parsers are compared on, and
// the fuzzer's seeds.
func invocationCorpus() []string {
	deep := func(n int) string { return strings.Repeat(`{"a":`, n-1) + "{}" + strings.Repeat("}", n-1) }
	return []string{
		``, ` `, `null`, `[]`, `"x"`, `7`, `{}`, `{`, `}`, `{"functionName"}`, "\ufeff{}",
		`{"functionName":"f"}`, `{"functionName":"f"} `, `{"functionName":"f"}x`, `{"functionName":"f"}[]`,
		`{"functionName":"f",}`, `{"functionName":"f" "x":1}`, `{"functionName":'f'}`,
		`{"functionName":""}`, `{"functionName":null}`, `{"functionName":7}`, `{"functionName":["f"]}`,
		`{"FunctionName":"f"}`, `{"functionName":"f","FUNCTIONNAME":7}`, `{"function\u004eame":"f"}`,
		`{"functionName":"f\ud800"}`, "{\"functionName\":\"\xff\"}", `{"functionName":"f","x":1e999}`,
		`{"functionName":"f","parameters":null}`, `{"functionName":"f","parameters":[]}`, `{"functionName":"f","parameters":"x"}`,
		`{"functionName":"f","parameters":{}}`, `{"functionName":"f","parameters":{"a":{"b":[1,{}]}}}`,
		`{"functionName":"f","parameters":{"columns":null}}`, `{"functionName":"f","parameters":{"columns":[]}}`,
		`{"functionName":"f","parameters":{"columns":["a","b"]}}`, `{"functionName":"f","parameters":{"columns":[null]}}`,
		`{"functionName":"f","parameters":{"columns":"a"}}`, `{"functionName":"f","parameters":{"columns":[1]}}`,
		`{"functionName":"f","parameters":{"columns":[{}]}}`, `{"functionName":"f","parameters":{"Columns":[1]}}`,
		`{"functionName":"f","parameters":{"columns":[1],"columns":["a"]}}`,
		`{"functionName":"f","parameters":{"columns":["a"]},"parameters":null}`,
		`{"functionName":"f","parameters":{"columns":1},"parameters":{}}`,
		`{"parameters":{"columns":1}}`, `{"functionName":"f","parameters":[1],"x":}`,
		`{"functionName":"f","x":` + deep(9999) + `}`, `{"functionName":"f","x":` + deep(10000) + `}`,
		`{"functionName":"f","parameters":` + deep(9999) + `}`, `{"functionName":"f","parameters":` + deep(10000) + `}`,
	}
}

// sameResult reports whether two parsers' answers to one command agree.
func sameResult(a *invocation, aerr *Error, b *invocation, berr *Error) bool {
	if aerr != nil || berr != nil {
		return aerr != nil && berr != nil && aerr.Info.Msg == berr.Info.Msg
	}
	return a.function == b.function && bytes.Equal(a.parameters, b.parameters) &&
		(a.columns == nil) == (b.columns == nil) && reflect.DeepEqual(a.columns, b.columns)
}

func TestParseInvocationMatchesReference(t *testing.T) {
	for _, cmd := range invocationCorpus() {
		got, gerr := parseInvocation([]byte(cmd))
		want, werr := parseInvocationReference([]byte(cmd))
		if !sameResult(got, gerr, want, werr) {
			t.Errorf("%.80s:\n got %+v %v\nwant %+v %v", cmd, got, gerr, want, werr)
		}
	}
}

func FuzzParseInvocation(f *testing.F) {
	for _, cmd := range invocationCorpus() {
		if len(cmd) < 1000 { // deep seeds make minimising slow
			f.Add([]byte(cmd))
		}
	}
	f.Fuzz(func(t *testing.T, cmd []byte) {
		got, gerr := parseInvocation(cmd)
		want, werr := parseInvocationReference(cmd)
		if !sameResult(got, gerr, want, werr) {
			t.Errorf("%q:\n got %+v %v\nwant %+v %v", cmd, got, gerr, want, werr)
		}
	})
}

// BenchmarkParseInvocation parses a typical GoodData invocation, in one
// pass and with the reference parser.
func BenchmarkParseInvocation(b *testing.B) {
	cmd := []byte(`{"functionName":"sales_by_region","parameters":{"columns":["region","year","revenue","units"],` +
		`"filters":[{"filterType":"positiveAttributeFilter","labelId":"region","values":["EMEA","APAC"]}],` +
		`"executionType":"REPORT","reportExecutionRequest":{"attributes":[],"measures":[]}}}`)
	for _, p := range []struct {
		name  string
		parse func([]byte) (*invocation, *Error)
	}{{"one-pass", parseInvocation}, {"reference", parseInvocationReference}} {
		b.Run(p.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.parse(cmd); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
