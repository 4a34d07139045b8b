//go:build compat

package compat

import (
	"slices"
	"strings"
	"testing"
)

// commonFunctions are the functions both servers offer in the main
// configuration (ours under the JavaScript twins' names too).
var commonFunctions = []string{"SampleFlexFunction", "AllTypes", "Generator", "Raises", "Sleep"}

// listScenarios compare ListFlights: descriptors, schemas, totals.
func listScenarios(lang string) []scenario {
	return []scenario{{
		name: "ListFlights",
		run: func(t *testing.T, p *peer, r record) {
			p.listFlights(t, r, "list", commonFunctions)
		},
	}}
}

// dataScenarios compare GetFlightInfo and DoGet of functions that succeed.
func dataScenarios(lang string) []scenario {
	invoke := func(name, parameters string) func(t *testing.T, p *peer, r record) {
		return func(t *testing.T, p *peer, r record) {
			p.invoke(t, r, "call", p.invocation(name, parameters))
		}
	}
	return []scenario{
		{name: "sample", run: invoke("SampleFlexFunction", `{}`)},
		{name: "sample without parameters", run: invoke("SampleFlexFunction", "")},
		{name: "sample with null parameters", run: invoke("SampleFlexFunction", `null`)},
		{name: "every column type", run: invoke("AllTypes", "")},
		{name: "generator with parameters", run: invoke("Generator", `{"rows":5,"start":100}`)},
		{name: "generator with no rows", run: invoke("Generator", `{"rows":0}`)},
		{
			name: "generator with 70000 rows",
			run:  invoke("Generator", `{"rows":70000}`),
			// D2: the reference streams the function's table as it is,
			// here one batch; ours cuts results into batches of at most
			// 65,536 rows and about 2 MiB. 70,000 rows make two batches
			// and stay well within the 1.2 s deadline of the main pair
			// with the race detector (0.5 s here; 200,000 rows took more
			// than 1.2 s on a slow machine).
			known: []known{differ("D2", lit("call.doget.batches"), "70000", `\d{1,5}(,\d{1,5})+`)},
		},
		{
			name:  "columns hint",
			run:   invoke("SampleFlexFunction", `{"columns":["fact3","attribute1"]}`),
			known: trimmed("call", "attribute1,attribute2,attribute3,fact1,fact2,fact3", "attribute1,fact3"),
		},
		{name: "empty columns hint", run: invoke("SampleFlexFunction", `{"columns":[]}`)},
		{name: "null columns hint", run: invoke("SampleFlexFunction", `{"columns":null}`)},
		{
			name:  "columns hint with an unknown column",
			run:   invoke("SampleFlexFunction", `{"columns":["attribute1","nope"]}`),
			known: oursRejects("D4", "call", lit(`column "nope" requested in 'columns' is not in the schema of function "SampleFlexFunction" (columns: attribute1, attribute2, attribute3, fact1, fact2, fact3)`)),
		},
		{
			name:  "columns hint not a list",
			run:   invoke("SampleFlexFunction", `{"columns":"attribute1"}`),
			known: oursRejects("D5", "call", lit(`Incorrect FlexConnect function invocation. The invocation payload's 'parameters.columns' is not a list of strings.`)),
		},
		{
			name: "execution context and other keys",
			run: func(t *testing.T, p *peer, r record) {
				p.invoke(t, r, "call", `{"functionName":"`+p.fn("SampleFlexFunction")+`","metadata":{"x":1},"parameters":{"executionContext":{"executionType":"REPORT","organizationId":"default","workspaceId":"demo","userId":"admin","attributes":[],"filters":[]}}}`)
			},
		},
		{
			name: "DoGet twice",
			run: func(t *testing.T, p *peer, r record) {
				info, err := p.getInfo(t, r, "call", cmdDesc(p.invocation("SampleFlexFunction", "")))
				if err != nil {
					t.Fatalf("%s: %v", p.side, err)
				}
				p.doGet(t, r, "first", info.Endpoint[0].Ticket.Ticket)
				p.doGet(t, r, "second", info.Endpoint[0].Ticket.Ticket)
			},
		},
		{
			name:  "function fails",
			run:   invoke("Generator", `{"rows":-1}`),
			known: scriptFailure("call.getflightinfo", "parameters.rows must be an integer from 0 to 10000000, got -1"),
		},
		{
			name:  "function raises",
			run:   invoke("Raises", `{"message":"no such region"}`),
			known: scriptFailure("call.getflightinfo", "no such region"),
		},
	}
}

// trimmed is the known difference D3 of a call under prefix with a columns
// hint: ours sends only the hinted columns (in schema order), the
// reference whatever the function returned (the sample returns all).
func trimmed(prefix, refColumns, oursColumns string) []known {
	var dropped []string
	for _, c := range strings.Split(refColumns, ",") {
		if !slices.Contains(strings.Split(oursColumns, ","), c) {
			dropped = append(dropped, c)
		}
	}
	drop := "(" + strings.Join(dropped, "|") + ")"
	p := lit(prefix)
	return []known{
		differ("D3", p+`\.(doget|getflightinfo\.info)\.schema\.fields`, lit(refColumns), lit(oursColumns)),
		differ("D3", p+`\.(doget|getflightinfo\.info)\.schema\.field\.`+drop, `.+`, absent),
		differ("D3", p+`\.doget\.row\d+\.`+drop, `.+`, absent),
		differ("D3", p+`\.doget\.digest`, `[0-9a-f]+`, `[0-9a-f]+`),
	}
}

// oursRejects is a known difference where ours answers the invocation
// under prefix with BAD_ARGUMENT and msg (a pattern), and the reference
// runs the call.
func oursRejects(id, prefix, msg string) []known {
	p := lit(prefix)
	return []known{
		differ(id, p+`\.getflightinfo\.code`, "OK", "Unknown"),
		differ(id, p+`\.getflightinfo\.errorinfo\.code`, absent, "1"),
		differ(id, p+`\.getflightinfo\.errorinfo\.msg`, absent, msg),
		// What follows from it: the reference's FlightInfo and data,
		// ours' error encoding (compared where both fail).
		differ(id, p+`\.(doget\..*|getflightinfo\.info\..*)`, `.*`, absent),
		differ(id, p+`\.getflightinfo\.(message|trailer\..*|errorinfo\..*)`, absent, `.*`),
	}
}

// scriptFailure is the known difference D6 of a function that failed with
// text, answered under prefix: both send COMMAND_FAILED with "There was an
// error while running task: "; ours' message names the script's file, line
// and column before the text, and its detail is the script's backtrace
// (Starlark or JavaScript), where the reference's is a Python traceback of
// its own frames, cut at 512 characters.
func scriptFailure(prefix, text string) []known {
	p := lit(prefix)
	return []known{
		differ("D6", p+`\.errorinfo\.msg`,
			lit("There was an error while running task: "+text),
			lit("There was an error while running task: ")+`\S+\.(star|js):\d+:\d+: (fail|Error): `+lit(text)),
		differ("D6", p+`\.errorinfo\.detail`,
			`Traceback \(most recent call last\):\n  File ".*`,
			`(Traceback \(most recent call last\):\n  \S+\.star:\d+:\d+: in call\n.*|Error: .*\n    at call \(\S+\.js:\d+:\d+\).*)`),
	}
}
