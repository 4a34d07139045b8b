package engine

import (
	"context"
	"errors"
	"log/slog"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"testing"
	"time"
)

// TestGuardRelievesBeforeStopping sets a limit the process is always past:
// the guard first asks for relief (a server drops the results already
// read) and stops the run only once relief frees nothing more, with a
// MemoryError as the cause.
func TestGuardRelievesBeforeStopping(t *testing.T) {
	var reliefs atomic.Int32
	n := reliefsBeforeStop(t, func() int64 {
		if reliefs.Add(1) <= 2 {
			return 1 << 50 // covers the excess: wait and see
		}
		return 0 // nothing left to drop
	})
	if n != 3 {
		t.Errorf("the run was stopped after %d reliefs, want 3 (two that covered the excess, one that freed nothing)", n)
	}
}

// TestGuardStopsWhenReliefFallsShort: relief that frees less than the
// excess (a few results read while a script grows without end) does not
// spare the run.
func TestGuardStopsWhenReliefFallsShort(t *testing.T) {
	if n := reliefsBeforeStop(t, func() int64 { return 1 }); n != 1 {
		t.Errorf("the run was stopped after %d reliefs, want 1", n)
	}
}

// reliefsBeforeStop runs one run under a guard whose limit the process is
// always past, with relieve as its relief, and returns how many times
// relieve was called before the run was stopped, with a MemoryError.
func reliefsBeforeStop(t *testing.T, relieve func() int64) int32 {
	t.Helper()
	g := newMemoryGuard(1, slog.New(slog.DiscardHandler))
	var reliefs, atStop atomic.Int32
	counted := func() int64 { reliefs.Add(1); return relieve() }
	g.relief.Store(&counted)
	ctx, stop := context.WithCancelCause(context.Background())
	run := g.enter("run", func(cause error) {
		atStop.Store(reliefs.Load())
		stop(cause)
	})
	defer g.leave(run)
	select {
	case <-ctx.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("the run was not stopped")
	}
	if me := (*MemoryError)(nil); !errors.As(context.Cause(ctx), &me) {
		t.Errorf("cause %v, want a *MemoryError", context.Cause(ctx))
	}
	return atStop.Load()
}

// TestGuardSparesRunsAfterAStop: a stopped run's memory is garbage the
// moment it ends, but until a collection frees it the process still looks
// past the limit (with GOGC at 400 the next collection may be far off).
// The guard must not take that garbage for the next runs' growth: runs
// started after the stop are not stopped.
func TestGuardSparesRunsAfterAStop(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	runtime.GC()
	limit := ProcessMemory() + 64<<20
	g := newMemoryGuard(limit, slog.New(slog.DiscardHandler))

	// A hog holds twice the limit, past the guard's overshoot, until stopped.
	ctx, stop := context.WithCancelCause(context.Background())
	hog := g.enter("hog", stop)
	held := make([][]byte, 0, 2*limit>>20)
	for range cap(held) {
		held = append(held, make([]byte, 1<<20))
	}
	select {
	case <-ctx.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("the hog was not stopped")
	}
	held = nil
	g.leave(hog)

	// Runs that start now hold nothing: none may be stopped.
	var stopped atomic.Int32
	for range 50 {
		run := g.enter("bystander", func(error) { stopped.Add(1) })
		time.Sleep(2 * guardTick)
		g.leave(run)
	}
	if n := stopped.Load(); n > 0 {
		t.Errorf("%d of 50 runs started after the hog's stop were stopped: the guard took its garbage for their growth", n)
	}
}
