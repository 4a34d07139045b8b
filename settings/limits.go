package settings

import (
	"fmt"
	"math"
)

// DefaultMaxRequestBytes is the default of [server] max_request_bytes,
// gRPC's own default: a GoodData invocation, execution context included,
// is a few tens of kilobytes at most.
const DefaultMaxRequestBytes = 4 << 20

// Bounds of max_request_bytes: below 1 KiB not even a small invocation
// fits; gRPC takes at most 2 GiB - 1.
const (
	minRequestBytes = 1 << 10
	maxRequestBytes = math.MaxInt32
)

// sizeBetween reads a byte size (see size) that must lie in [lo, hi].
func (s *section) sizeBetween(key string, def, lo, hi int64) int64 {
	n := s.size(key, def)
	if n < lo || n > hi {
		s.failf(key, "%s: expected a size from %s to %s", describe(s.values[key]), formatSize(lo), formatSize(hi))
		return def
	}
	return n
}

// formatSize spells n in the largest binary unit that divides it, or in
// bytes.
func formatSize(n int64) string {
	for _, u := range []struct {
		name string
		size int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n%u.size == 0 {
			return fmt.Sprintf("%d%s", n/u.size, u.name)
		}
	}
	return fmt.Sprintf("%d bytes", n)
}
