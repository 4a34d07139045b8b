//go:build race

package main

// With the race detector on, the end-to-end tests run a race-enabled
// server binary too.
func init() {
	buildFlags = append(buildFlags, "-race")
	raceBinary = true
}
