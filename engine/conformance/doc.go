// Package conformance holds the contract tests of the FlexFun script
// contract (docs/scripts.md, docs/javascript.md). Each test case is written
// once in Starlark and once in JavaScript and has one expected outcome: the
// rows the call produces, or an error. The suite runs every case against
// both runtimes through engine.Registry, so the two languages cannot drift
// apart.
//
// The package has no code of its own; see conformance_test.go.
package conformance
