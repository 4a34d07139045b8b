package main

import (
	"log/slog"
	"math"

	"github.com/KimMachineGun/automemlimit/memlimit"

	"github.com/flexfun-script/flexfun-script/settings"
)

// Defaults of the memory bounds (docs/limits.md).
const (
	// defaultMemoryLimit bounds the process where no container limit is
	// found.
	defaultMemoryLimit = 4 << 30
	// memoryLimitShare is the share of a container's memory limit the
	// server uses by default; the rest is headroom for what the Go runtime
	// does not count (stacks of goroutines, the binary, gRPC buffers) and
	// for the step in which the memory guard notices.
	memoryLimitShare = 0.85
)

// effectiveLimits returns cfg's memory bounds with their defaults filled
// in: the memory limit from the container when not configured, the result
// and store bounds as shares of it.
func effectiveLimits(cfg *settings.Config, containerLimit memlimit.Provider) settings.LimitsConfig {
	l := cfg.FlexFun.Limits
	if l.MemoryLimit == 0 {
		l.MemoryLimit = defaultMemoryLimit
		if n, err := containerLimit(); err == nil && n > 0 && n < 1<<62 {
			l.MemoryLimit = int64(float64(n) * memoryLimitShare)
		}
	}
	if l.MaxResultBytes == 0 {
		l.MaxResultBytes = l.MemoryLimit / 4
	}
	if l.MaxStoredBytes == 0 {
		l.MaxStoredBytes = l.MemoryLimit / 2
	}
	return l
}

// memoryLimitRatio is the share of the container's memory limit that the Go
// runtime aims to stay under: past it, the garbage collector works harder
// instead of letting the heap grow to GOGC's target and the kernel kill the
// process. It is above memoryLimitShare on purpose: near its soft limit the
// runtime collects without pause, which starves the memory guard (its
// stop lands between two steps of a script, and the collector's pauses
// wait for a long step to end), so the guard must act below it.
const memoryLimitRatio = 0.9

// setMemoryLimit sets the Go runtime's soft memory limit to
// memoryLimitRatio of the limit that limit reports (the container's cgroup
// limit in production), unless GOMEMLIMIT is set or AUTOMEMLIMIT=off. With
// no limit to follow, the runtime's default (none) stays.
func setMemoryLimit(logger *slog.Logger, limit memlimit.Provider) {
	set, err := memlimit.Set(memlimit.WithRatio(memoryLimitRatio), memlimit.WithProvider(limit))
	switch {
	case err != nil:
		logger.Debug("memory_limit_unset", "reason", err.Error())
	case set < math.MaxInt64:
		logger.Info("memory_limit", "gomemlimit_bytes", set)
	}
}

// containerMemoryLimit is the container's memory limit (cgroup), for
// effectiveLimits.
var containerMemoryLimit memlimit.Provider = memlimit.FromCgroup
