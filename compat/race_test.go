//go:build compat && race

package compat

// With the race detector on, the differential tests run a race-enabled
// flexfun-script too, and the benchmarks skip (their figures would
// measure the detector).
func init() {
	buildFlags = append(buildFlags, "-race")
	raceEnabled = true
}
