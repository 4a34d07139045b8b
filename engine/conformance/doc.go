// Package conformance holds the contract tests of the FlexFun script
// contract (docs/scripts.md, docs/javascript.md), one suite for every
// language. A case is a directory under testdata holding the case's
// scripts in each language (main.star, main.js and any helpers) and one
// entry in the table of conformance_test.go saying what every language
// must do: the rows the call produces, or an error. Where languages word an
// error differently (a Starlark "fail:" against a JavaScript "Error:"),
// each script states its own expectation in a comment:
//
//	# want-error: main.star:3:9: fail: bad region
//
// The suite runs every case in every language of harness_test.go's
// languages through engine.Registry, so the languages cannot drift apart.
// A new language adds one line there and its scripts to each directory;
// the table does not change.
//
// The package has no code of its own; see conformance_test.go.
package conformance
