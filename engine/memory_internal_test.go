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
	g := newMemoryGuard(1, slog.New(slog.DiscardHandler))
	var reliefs, reliefsBeforeStop atomic.Int32
	relieve := func() int64 {
		if reliefs.Add(1) <= 2 {
			return 1 << 20 // freed something: wait and see
		}
		return 0 // nothing left to drop
	}
	g.relief.Store(&relieve)
	ctx, stop := context.WithCancelCause(context.Background())
	run := g.enter("run", func(cause error) {
		reliefsBeforeStop.Store(reliefs.Load())
		stop(cause)
	})
	defer g.leave(run)
	select {
	case <-ctx.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("the run was not stopped")
	}
	if n := reliefsBeforeStop.Load(); n < 3 {
		t.Errorf("the run was stopped after %d reliefs, want 3 (two that freed memory, one that did not)", n)
	}
	if me := (*MemoryError)(nil); !errors.As(context.Cause(ctx), &me) {
		t.Errorf("cause %v, want a *MemoryError", context.Cause(ctx))
	}
}
