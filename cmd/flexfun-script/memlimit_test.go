package main

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/KimMachineGun/automemlimit/memlimit"

	"github.com/flexfun-script/flexfun-script/settings"
)

// keepMemoryLimit restores the process's soft memory limit after the test,
// and unsets the variables that override it for the test's duration.
func keepMemoryLimit(t *testing.T) int64 {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	for _, name := range []string{"GOMEMLIMIT", "AUTOMEMLIMIT"} {
		t.Setenv(name, "") // restored after the test
		os.Unsetenv(name)
	}
	return before
}

func TestEffectiveLimitsFollowTheContainer(t *testing.T) {
	var cfg settings.Config
	got := effectiveLimits(&cfg, memlimit.Limit(1<<30))
	const limit = 912680550 // 85% of 1 GiB, rounded down
	want := settings.LimitsConfig{MemoryLimit: limit, MaxResultBytes: limit / 4, MaxStoredBytes: limit / 2}
	if got != want {
		t.Errorf("limits %+v, want %+v", got, want)
	}
}

func TestEffectiveLimitsWithoutAContainer(t *testing.T) {
	var cfg settings.Config
	got := effectiveLimits(&cfg, func() (uint64, error) { return 0, errors.New("no cgroup here") })
	if got.MemoryLimit != defaultMemoryLimit || got.MaxStoredBytes != defaultMemoryLimit/2 {
		t.Errorf("limits %+v, want memory_limit %d", got, defaultMemoryLimit)
	}
}

func TestEffectiveLimitsKeepConfiguredValues(t *testing.T) {
	var cfg settings.Config
	cfg.FlexFun.Limits = settings.LimitsConfig{MemoryLimit: 1 << 30, MaxResultRows: 10, MaxResultBytes: 1 << 20, MaxStoredBytes: 1 << 25}
	if got := effectiveLimits(&cfg, memlimit.Limit(1<<40)); got != cfg.FlexFun.Limits {
		t.Errorf("limits %+v, want the configured %+v", got, cfg.FlexFun.Limits)
	}
}

func TestSetMemoryLimitFollowsTheContainer(t *testing.T) {
	keepMemoryLimit(t)
	var log bytes.Buffer
	setMemoryLimit(slog.New(slog.NewJSONHandler(&log, nil)), memlimit.Limit(1<<30))
	const want = 966367641 // 90% of 1 GiB, rounded down
	if got := debug.SetMemoryLimit(-1); got != want {
		t.Errorf("memory limit %d, want %d", got, want)
	}
	if !strings.Contains(log.String(), `"msg":"memory_limit","gomemlimit_bytes":966367641`) {
		t.Errorf("log: %s", log.String())
	}
}

func TestSetMemoryLimitLeavesGOMEMLIMIT(t *testing.T) {
	for _, env := range [][2]string{{"GOMEMLIMIT", "500MiB"}, {"AUTOMEMLIMIT", "off"}} {
		t.Run(env[0], func(t *testing.T) {
			before := keepMemoryLimit(t)
			t.Setenv(env[0], env[1])
			var log bytes.Buffer
			setMemoryLimit(slog.New(slog.NewJSONHandler(&log, nil)), memlimit.Limit(1<<30))
			if got := debug.SetMemoryLimit(-1); got != before {
				t.Errorf("with %s=%s the limit changed from %d to %d", env[0], env[1], before, got)
			}
			if log.Len() != 0 {
				t.Errorf("logged %s", log.String())
			}
		})
	}
}

func TestSetMemoryLimitWithoutAContainerLimit(t *testing.T) {
	before := keepMemoryLimit(t)
	var log bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	setMemoryLimit(logger, func() (uint64, error) { return 0, errors.New("no cgroup here") })
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Errorf("the limit changed from %d to %d", before, got)
	}
	if !strings.Contains(log.String(), `"msg":"memory_limit_unset","reason":"`) || !strings.Contains(log.String(), "no cgroup here") {
		t.Errorf("log: %s", log.String())
	}
}
