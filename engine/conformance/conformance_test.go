package conformance_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
	"github.com/flexfun-script/flexfun-script/engine"
	"github.com/flexfun-script/flexfun-script/engine/enginetest"
	"github.com/flexfun-script/flexfun-script/flexfun"
)

// TestContract runs every case in every language.
func TestContract(t *testing.T) {
	var cases []contractCase
	for _, group := range [][]contractCase{outputCases, argumentCases, errorCases, lifecycleCases, moduleCases, loadCases, tableCases, hostCases, boundCases, goodDataCases, badRequestCases} {
		cases = append(cases, group...)
	}
	for i := range cases {
		tc := &cases[i]
		t.Run(tc.dir, func(t *testing.T) {
			for _, lang := range languages {
				t.Run(lang.ext, func(t *testing.T) { tc.run(t, lang) })
			}
		})
	}
}

// rows2 are the rows many cases produce.
const rows2 = `[{"id":1,"name":"a"},{"id":2,"name":null}]`

// The cases: each names its directory under testdata, which holds the
// case's scripts in every language (main.star, main.js, helpers), and says
// what they must all do. Where the languages word an error differently,
// each script states its own with a want-error comment.

// outputCases: the three ways to deliver rows.
var outputCases = []contractCase{
	{
		dir:  "emit_positional",
		want: `[{"id":1,"name":"a"},{"id":2,"name":null}]`,
	},
	{
		dir:  "emit_by_column_name_missing_columns_null",
		want: `[{"id":1,"name":"a"},{"id":2,"name":null}]`,
	},
	{
		dir:  "rows_in_schema_order",
		want: `[{"id":1,"name":"a"},{"id":2,"name":null}]`,
	},
	{
		dir:  "rows_by_column_name_missing_keys_null",
		want: `[{"id":1,"name":"a"},{"id":2,"name":null}]`,
	},
	{
		dir:  "columns",
		want: `[{"id":1,"name":"a"},{"id":2,"name":null}]`,
	},
	{
		dir:  "columns_a_missing_column_is_all_null",
		want: `[{"id":1,"name":null},{"id":2,"name":null},{"id":3,"name":null}]`,
	},
	{
		dir:  "no_rows",
		want: "[]",
	},
	{
		dir:  "values_follow_the_declared_type",
		want: `[{"b":true,"d":"2024-02-29","ts":"2024-01-02T03:04:05","d2":"2024-02-29","ts2":"2024-01-02T03:04:05Z","dec":"12.5","bin":"cmF3","f":3},{"b":false,"d":null,"ts":"2024-01-02T03:04:05.5","d2":"1970-01-01","ts2":"2024-01-02T02:04:05Z","dec":"7","bin":null,"f":0.5}]`,
	},
	{
		dir:     "the_columns_hint_trims_the_result_in_schema_order",
		columns: []string{"c", "a"},
		want:    `[{"a":1,"c":true}]`,
	},
	{
		dir:     "a_columns_hint_naming_an_unknown_column_is_a_bad_request",
		columns: []string{"nope"},
		err:     `column "nope" requested in 'columns' is not in the schema of function "main"`,
		kind:    badRequest,
	},
}

// argumentCases: what call receives.
var argumentCases = []contractCase{
	{
		dir:  "call_declaring_no_parameters",
		want: `[{"id":1,"name":"x"}]`,
	},
	{
		dir:    "call_declaring_fewer_parameters",
		params: `{"n": 7}`,
		want:   `[{"id":7,"name":"x"}]`,
	},
	{
		dir:     "parameters_columns_headers_and_ctx",
		params:  `{"n": 3, "nested": {"b": [1, 2.5, "x"], "a": null}}`,
		columns: []string{"k", "v"},
		want:    `[{"k":"n","v":"4"},{"k":"nested","v":"x"},{"k":"columns","v":"k,v"},{"k":"header","v":"b"},{"k":"function","v":"main"},{"k":"settings","v":"k1233"},{"k":"state","v":"None"},{"k":"cancelled","v":"false"}]`,
	},
	{
		dir:    "no_parameters_and_no_columns_hint",
		params: "null",
		want:   `[{"id":0,"name":"None"}]`,
	},
}

// errorCases: what a call that goes wrong reports.
var errorCases = []contractCase{
	{
		dir: "an_error_raised_by_the_script_names_the_file_and_line",
	},
	{
		dir: "a_runtime_error_names_the_file_and_line",
	},
	{
		dir: "a_value_that_does_not_fit_emitted",
		err: `emit: row 1, column "id" (int64): got `,
	},
	{
		dir: "a_value_that_does_not_fit_returned",
	},
	{
		dir: "a_value_that_does_not_fit_in_columns",
		err: `main.{ext}: row 2, column "id" (int64): got string "x"`,
	},
	{
		dir: "a_null_in_a_not_null_column",
		err: `emit: row 1, column "id" (int64): got null: column is not nullable`,
	},
	{
		dir: "emit_with_the_wrong_number_of_values",
		err: "main.{ext}:4:",
	},
	{
		dir: "a_row_of_the_wrong_length",
		err: "main.{ext}: row 1: got 1 values, schema has 2 columns",
	},
	{
		dir: "a_row_that_is_neither_a_sequence_nor_a_mapping",
	},
	{
		dir: "emit_naming_an_unknown_column",
		err: `emit: row 1: unknown column "idd"`,
	},
	{
		dir: "a_row_naming_an_unknown_column",
		err: `main.{ext}: row 2: unknown column "idd"`,
	},
	{
		dir: "columns_naming_an_unknown_column",
		err: `main.{ext}: unknown column "idd"`,
	},
	{
		dir: "columns_of_unequal_lengths",
		err: `main.{ext}: column "name" has 1 values, other columns have 2`,
	},
	{
		dir: "emitting_and_also_returning_rows",
		err: "main.{ext}: call emitted 1 rows and also returned a",
	},
	{
		dir: "returning_something_else",
		err: "main.{ext}: call returned a",
	},
	{
		dir: "an_error_in_a_helper_names_the_helper_s_file_and_line",
	},
}

// badRequestCases: bad_request() answers BAD_ARGUMENT with its message.
var badRequestCases = []contractCase{
	{
		dir:  "bad_request",
		kind: badRequest,
		err:  "parameters.region is required",
	},
}

// lifecycleCases: on_load, ctx.state, cancel, deadlines and logging.
var lifecycleCases = []contractCase{
	{
		dir:  "on_load_s_result_is_ctx_state",
		want: `[{"v":"hi main k123"}]`,
	},
	{
		dir: "ctx_state_is_frozen",
		err: "frozen",
	},
	{
		dir: "ctx_settings_is_frozen",
		err: "frozen",
	},
	{
		dir:  "on_load_failing_fails_the_load_naming_the_file_and_line",
		kind: loadErr,
	},
	{
		dir:      "the_deadline_interrupts_a_runaway_call_and_runs_cancel",
		deadline: 100 * time.Millisecond,
		logs:     []string{"message=\"cancel hook ran\""},
	},
	{
		dir:      "ctx_cancelled_turns_true_at_the_deadline",
		deadline: 50 * time.Millisecond,
		logs:     []string{"message=\"before false\""},
	},
	{
		dir:  "print_and_log_go_to_the_server_log_tagged",
		want: "[]",
		logs: []string{"msg=print", "message=\"hello 42\"", "function=main task_id=t1", "level=WARN msg=\"slow source\"", "source=api ms=1200"},
	},
}

// moduleCases: helpers, load() and require().
var moduleCases = []contractCase{
	{
		dir:  "a_helper_outside_the_function_directories",
		kind: loadErr,
		err:  "/etc/passwd is outside the directories scripts are loaded from",
	},
	{
		dir:       "helpers_by_relative_path_nested",
		want:      `[{"v":"answer=42"}]`,
		wantFiles: []string{"fns/main.{ext}", "lib/util.{ext}", "lib/deep/base.{ext}"},
	},
	{
		dir:  "a_missing_helper_fails_the_load_at_the_line_that_loads_it",
		err:  "main.{ext}:1:",
		kind: loadErr,
	},
}

// loadCases: declarations, and mistakes in them, reported when loading.
var loadCases = []contractCase{
	{
		dir:  "declarations",
		want: `[]`,
		check: func(t *testing.T, fn *engine.Function) {
			if got := string(fn.Metadata()); got != `{"z":1,"a":{"nested":[true,null,"s",2.5]}}` {
				t.Errorf("metadata %s (key order must be kept)", got)
			}
			s := fn.Schema()
			if s.NumFields() != 3 || s.Field(0).Name != "id" || s.Field(0).Nullable || s.Field(1).Nullable || !s.Field(2).Nullable {
				t.Errorf("schema %v", s)
			}
			if s.Field(2).Type.ID() != arrow.DATE32 {
				t.Errorf("d is %v", s.Field(2).Type)
			}
			if v, _ := s.Field(1).Metadata.GetValue("k"); v != "v" {
				t.Errorf("field metadata lost: %v", s.Field(1).Metadata)
			}
		},
	},
	{
		dir:  "metadata_absent_is_null",
		want: `[]`,
		check: func(t *testing.T, fn *engine.Function) {
			if got := string(fn.Metadata()); got != "null" {
				t.Errorf("metadata %s, want null (GoodData gets null)", got)
			}
		},
	},
	{
		dir:  "syntax_error",
		err:  "main.{ext}:2:",
		kind: loadErr,
	},
	{
		dir:  "no_schema",
		err:  "main.{ext}: no schema declared",
		kind: loadErr,
	},
	{
		dir:  "a_schema_without_call",
		err:  "main.{ext}: declares a schema but no call function",
		kind: loadErr,
	},
	{
		dir:  "an_unknown_column_type",
		err:  `main.{ext}: schema: column "a": unknown type "int65"; valid types: bool, boolean, int8`,
		kind: loadErr,
	},
	{
		dir:  "an_invalid_name",
		err:  `main.{ext}: invalid function name "has space"`,
		kind: loadErr,
	},
	{
		dir:  "a_name_that_is_not_a_string",
		err:  "main.{ext}: name must be a string, got ",
		kind: loadErr,
	},
	{
		dir:  "call_that_is_not_a_function",
		err:  "main.{ext}: call must be a function, got ",
		kind: loadErr,
	},
	{
		dir:  "metadata_that_is_not_a_mapping",
		kind: loadErr,
	},
	{
		dir:  "an_error_at_top_level",
		kind: loadErr,
	},
}

// tableCases: tables made by scripts, returned, emitted and kept in state.
var tableCases = []contractCase{
	{
		dir:  "table_from_rows_returned",
		want: rows2,
	},
	{
		dir:  "a_table_emitted_between_rows_keeps_its_place",
		want: `[{"id":1,"name":"a"},{"id":2,"name":"b"},{"id":3,"name":null},{"id":4,"name":"d"}]`,
	},
	{
		dir: "table_attributes",
		want: `[{"k":"columns","v":"id,name,score"},{"k":"schema","v":"id int64 not null,name string,score float64"},` +
			`{"k":"len","v":"2 2"},{"k":"column","v":"1,2"},{"k":"rows","v":"1:2.5,2:3.5"},` +
			`{"k":"select","v":"score,id"},{"k":"rename","v":"key,name,score"}]`,
	},
	{
		dir:  "a_table_is_converted_to_the_declared_types",
		want: `[{"id":7,"day":"2024-03-01","amount":"12.5","ts":"2024-01-02T03:04:05Z","label":"2024-02-29","n":3}]`,
	},
	{
		dir: "a_table_value_that_does_not_convert",
		err: `main.{ext}: row 2, column "id" (int64): got float64 2.5: not a whole number`,
	},
	{
		dir: "a_table_column_not_in_the_schema",
		err: `main.{ext}: table column "extra" is not in the schema (columns: id)`,
	},
	{
		dir:  "a_table_missing_a_column_fills_it_with_nulls",
		want: `[{"id":1,"name":null},{"id":2,"name":null}]`,
	},
	{
		dir:  "a_table_kept_in_state",
		want: rows2,
	},
	{
		dir: "a_bad_value_in_table_from_rows",
		err: `table.from_rows: row 2, column "id" (int64): got string "x"`,
	},
}

// hostCases: host modules, whose functions bind their arguments by name
// in every language.
var hostCases = []contractCase{
	{
		dir: "host_function_arguments_bind_by_name",
		want: `[{"v":"a=int:1 b=null:null x=null:null y=null:null"},` +
			`{"v":"a=string:\"a\" b=list:[1,2] x=map:{\"k\":true} y=null:null"},` +
			`{"v":"a=null:null b=float:2.5 x=null:null y=null:null"},{"v":"90.0 2.0"}]`,
	},
	{
		dir: "a_host_function_missing_an_argument",
		err: "probe.describe: missing argument for a",
	},
	{
		dir: "a_host_function_given_an_unknown_option",
		err: "probe.describe: unexpected ",
	},
	{
		dir: "a_host_function_given_a_wrong_type",
		err: "main.{ext}:3:",
	},
	{
		dir:      "a_host_function_stops_when_the_call_is_abandoned",
		deadline: 200 * time.Millisecond,
	},
	{
		dir:  "what_a_call_holds_is_released_when_it_ends",
		err:  "boom",
		logs: []string{`msg="probe released" function=main task_id=t1 name=connection`},
	},
}

// boundCases: what a file may not do when it loads or runs.
var boundCases = []contractCase{
	{
		dir: "runaway_recursion",
		err: "main.{ext}:3:",
		check: func(t *testing.T, fn *engine.Function) {
			table, err := enginetest.Call(t, fn, "{}")
			if err == nil {
				table.Release()
				t.Fatal("no error")
			}
			var se *flexfun.ScriptError
			if !errors.As(err, &se) || strings.Count(se.Backtrace, "\n") > engine.BacktraceHead+engine.BacktraceTail+5 ||
				!strings.Contains(se.Backtrace, "more frames") {
				t.Errorf("the backtrace is not shortened: %d lines", strings.Count(se.Backtrace, "\n"))
			}
		},
	},
	{
		dir:     "a_result_past_max_result_rows_stops_at_that_row",
		options: func(o *engine.Options) { o.MaxResultRows = 100 },
	},
	{
		dir:     "a_returned_table_past_max_result_rows",
		options: func(o *engine.Options) { o.MaxResultRows = 100 },
		err:     "the result exceeds its limit of 100 rows ([flexfun] max_result_rows raises it)",
	},
	{
		dir:     "a_result_past_max_result_bytes",
		options: func(o *engine.Options) { o.MaxResultBytes = 64 << 10 },
	},
	{
		// One step that makes a huge string cannot be interrupted: it is
		// refused before it starts (an eighth of the memory limit).
		dir:     "a_string_past_the_value_bound",
		options: func(o *engine.Options) { o.MemoryLimit = 1 << 30 },
	},
	{
		dir:  "a_runaway_top_level_fails_the_load",
		kind: loadErr,
		err:  "main.{ext}: the top level did not finish within the load timeout of 2s ([flexfun] load_timeout_ms)",
	},
	{
		dir:  "a_runaway_on_load_fails_the_load",
		kind: loadErr,
		err:  "main.{ext}: on_load did not finish within the load timeout of 2s ([flexfun] load_timeout_ms)",
	},
}

// goodDataCases: GoodData's execution context, data-source messages and
// label elements (docs/gooddata.md).
var goodDataCases = []contractCase{
	{
		dir:    "the_execution_context",
		params: sampleContext("report.json"),
		want: `[{"k":"type","v":"REPORT"},{"k":"who","v":"acme/646937086c794101984a7adf99a4854b/jane.doe"},` +
			`{"k":"zone","v":"Europe/Prague MONDAY"},{"k":"now","v":"1710321330"},` +
			`{"k":"attributes","v":"region.name:-,order_date.month:MONTH"},` +
			`{"k":"filters","v":"positive,negative,match,relative_date,absolute_date"},` +
			// The relative filter (the last three months: January to March
			// 2024) intersected with the absolute one (15 January to 10 March
			// 18:30 inclusive), in Prague (UTC+1 then).
			`{"k":"range","v":"2024-01-15T00:00:00+01:00,2024-03-10T18:31:00+01:00"},` +
			// As dates: 2024-01-15 to 2024-03-11 exclusive (the range ends
			// during 10 March), or 10 March inclusive.
			`{"k":"dates","v":"2024-01-15,2024-03-11 2024-03-10"},` +
			`{"k":"region","v":"positive in out in"},{"k":"customer","v":"CONTAINS gmbh in"},{"k":"none","v":"True"},` +
			`{"k":"row","v":"in out"},{"k":"initiator","v":"display 453844a7-4aa8-4456-be23-ac62b9b3b98a"},` +
			`{"k":"raw","v":"2"},{"k":"label_elements","v":"None"}]`,
	},
	{
		dir:  "no_execution_context",
		want: `[{"v":"None"}]`,
	},
	{
		dir: "a_malformed_execution_context",
		params: `{"executionContext": {"executionType": "REPORT", "organizationId": "a", "workspaceId": "w", "userId": "u", "attributes": [],` +
			` "filters": [{"filterType": "relativeDateFilter", "datasetIdentifier": "d", "granularity": "DAY", "from": "x", "to": 0}]}}`,
		kind: badRequest,
		err:  "executionContext.filters[0].from: want an integer, got string",
	},
	{
		dir:  "data_source_messages",
		want: `[{"v":"x"}]`,
		result: func(t *testing.T, table *arrowbridge.Table) {
			got, _ := table.Schema.Metadata().GetValue("x-gdc-data-source-messages")
			want := `[{"source":"api","correlation_id":"t1","type":"warning","data":{"rows":2,"a":[1,null]}},` +
				`{"source":"main","correlation_id":"t1","type":"info","data":null}]`
			if got != want {
				t.Errorf("messages %s\nwant     %s", got, want)
			}
		},
	},
	{
		dir: "too_many_data_source_messages",
		err: "ctx.add_message: ",
	},
	{
		dir:    "label_elements_answered_from_the_result",
		params: sampleContext("label-elements.json"),
		want:   `[{"customer":"Alpha GmbH"},{"customer":"Gamma gmbh"}]`,
		logs:   []string{`message="columns customer,region,category,order_date"`},
	},
	{
		dir:    "label_elements_answered_by_the_script",
		params: sampleContext("label-elements.json"),
		want:   `[{"customer":"customer.name","region":"gmbh"}]`,
	},
	{
		dir:    "a_label_that_maps_to_no_column",
		params: sampleContext("label-elements.json"),
		kind:   badRequest,
		err:    `label elements: label "customer.name" maps to no column of function "main" (columns: who); declare labels = {"customer.name": "<column>"} in the function`,
	},
	{
		dir:  "a_bad_labels_declaration",
		kind: loadErr,
		err:  `main.{ext}: labels: "customer.name": the column must be a string, got int`,
	},
}
