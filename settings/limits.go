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

// LimitsConfig holds the [flexfun] keys that bound memory: the process's
// and one call's. A zero value means "the default" (see cmd's
// effectiveLimits), not "no limit".
type LimitsConfig struct {
	// MemoryLimit (memory_limit, a size) bounds the process: the call that
	// grows it past the limit is stopped. 0: the container's memory limit
	// less headroom, or 4 GiB when there is none.
	MemoryLimit int64
	// MaxResultRows (max_result_rows) bounds one call's result; 0: none.
	MaxResultRows int64
	// MaxResultBytes (max_result_bytes, a size) bounds one call's result;
	// 0: a quarter of the memory limit.
	MaxResultBytes int64
	// MaxStoredBytes (max_stored_bytes, a size) bounds the results kept for
	// DoGet; 0: half of the memory limit.
	MaxStoredBytes int64
}

// limits decodes the memory keys of [flexfun].
func (s *section) limits() LimitsConfig {
	return LimitsConfig{
		MemoryLimit:    s.size("memory_limit", 0),
		MaxResultRows:  s.integer("max_result_rows", 0, 0, 1<<62, "a non-negative integer"),
		MaxResultBytes: s.size("max_result_bytes", 0),
		MaxStoredBytes: s.size("max_stored_bytes", 0),
	}
}
