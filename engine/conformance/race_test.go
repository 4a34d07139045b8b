//go:build race

package conformance_test

// raceEnabled: the race detector slows allocation-heavy scripts tenfold.
const raceEnabled = true
