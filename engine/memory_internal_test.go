package engine

import (
	"context"
	"errors"
	"log/slog"
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
