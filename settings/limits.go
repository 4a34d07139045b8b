package settings

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
