//go:build compat

package compat

import (
	"testing"
)

// Timing of the main pair of servers, as in gooddata-flexconnect's own
// polling tests: a call may take 1.2 s, one polling GetFlightInfo waits
// 0.5 s.
const (
	mainDeadlineMS = "1200"
	mainIntervalMS = "500"
)

// mainConfig is the configuration of the main pair.
var mainConfig = peerConfig{env: []string{
	"GOODDATA_FLIGHT_FLEXCONNECT__CALL_DEADLINE_MS=" + mainDeadlineMS,
	"GOODDATA_FLIGHT_FLEXCONNECT__POLLING_INTERVAL_MS=" + mainIntervalMS,
}}

// jsNames are the JavaScript twins of the functions the scenarios call.
var jsNames = map[string]string{
	"SampleFlexFunction": "SampleFlexFunctionJs",
	"AllTypes":           "AllTypesJs",
	"Generator":          "GeneratorJs",
	"Raises":             "RaisesJs",
	"Sleep":              "SleepJs",
}

// TestDifferential runs every scenario against the reference and against
// ours, once with the Starlark functions and once with their JavaScript
// twins, and compares what the client saw.
func TestDifferential(t *testing.T) {
	ref := startPeer(t, reference, mainConfig)
	star := startPeer(t, ours, mainConfig)
	js := *star
	js.names = jsNames
	js.replace = []string{" (JavaScript)", ""}
	for _, lang := range []struct {
		name string
		ours *peer
	}{{"starlark", star}, {"javascript", &js}} {
		t.Run(lang.name, func(t *testing.T) {
			for _, sc := range allScenarios(lang.name) {
				runBoth(t, ref, lang.ours, sc)
			}
		})
	}
}

// allScenarios returns the scenarios run against the main pair, for the
// functions of language lang ("starlark" or "javascript").
func allScenarios(lang string) []scenario {
	var all []scenario
	all = append(all, listScenarios(lang)...)
	all = append(all, dataScenarios(lang)...)
	all = append(all, errorScenarios(lang)...)
	all = append(all, rpcScenarios(lang)...)
	all = append(all, pollingScenarios(lang)...)
	return all
}
