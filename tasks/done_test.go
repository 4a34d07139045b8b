package tasks

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
)

// doneLog records the Spec.Done calls of tasks.
type doneLog struct {
	mu    sync.Mutex
	calls map[string][]string // id → "outcome:error" per call
	seen  chan string
}

func newDoneLog() *doneLog {
	return &doneLog{calls: map[string][]string{}, seen: make(chan string, 16)}
}

func (d *doneLog) done(id string, outcome Outcome, err error) {
	d.mu.Lock()
	d.calls[id] = append(d.calls[id], outcome.String()+":"+errText(err))
	d.mu.Unlock()
	d.seen <- id
}

func errText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// wait waits for the Done call of id and returns what every call of it said.
func (d *doneLog) wait(t *testing.T, id string) []string {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		d.mu.Lock()
		got := d.calls[id]
		d.mu.Unlock()
		if len(got) > 0 {
			return got
		}
		select {
		case <-d.seen:
		case <-timeout:
			t.Fatalf("Done never called for %s", id)
		}
	}
}

// TestSpecDone: Done is called exactly once per task, however it ends:
// success, failure, cancelled while running, dropped from the queue by
// Cancel or by Close, submitted after Close.
func TestSpecDone(t *testing.T) {
	h := start(t, Options{Threads: 1})
	log := newDoneLog()
	spec := func(run RunFunc[*arrowbridge.Table]) Spec[*arrowbridge.Table] {
		return Spec[*arrowbridge.Table]{Run: run, Done: log.done}
	}

	ok := h.SubmitSpec(spec(func(context.Context) (*arrowbridge.Table, error) { return newTable(h.mem, 1), nil }))
	failed := h.SubmitSpec(spec(func(context.Context) (*arrowbridge.Table, error) { return nil, errors.New("boom") }))
	for id, want := range map[string]string{ok: "succeeded:<nil>", failed: "failed:boom"} {
		if got := log.wait(t, id); len(got) != 1 || got[0] != want {
			t.Errorf("Done calls %q, want [%s]", got, want)
		}
	}

	started := make(chan struct{})
	running := h.SubmitSpec(spec(func(ctx context.Context) (*arrowbridge.Table, error) {
		close(started)
		<-ctx.Done()
		return nil, ctx.Err()
	}))
	<-started
	queued := h.SubmitSpec(spec(func(context.Context) (*arrowbridge.Table, error) { return nil, nil }))
	h.Cancel(queued)
	if got := log.wait(t, queued); len(got) != 1 || got[0] != "cancelled:<nil>" {
		t.Errorf("queued task: Done calls %q", got)
	}
	h.Cancel(running)
	if got := log.wait(t, running); len(got) != 1 || got[0] != "cancelled:<nil>" {
		t.Errorf("running task: Done calls %q", got)
	}

	blocking := make(chan struct{})
	h.SubmitSpec(spec(func(ctx context.Context) (*arrowbridge.Table, error) {
		close(blocking)
		<-ctx.Done()
		return nil, ctx.Err()
	}))
	<-blocking
	atClose := h.SubmitSpec(spec(func(context.Context) (*arrowbridge.Table, error) { return nil, nil }))
	h.Close()
	if got := log.wait(t, atClose); len(got) != 1 || got[0] != "cancelled:<nil>" {
		t.Errorf("task queued at Close: Done calls %q", got)
	}
	late := h.SubmitSpec(spec(func(context.Context) (*arrowbridge.Table, error) { return nil, nil }))
	if got := log.wait(t, late); len(got) != 1 || got[0] != "cancelled:<nil>" {
		t.Errorf("task after Close: Done calls %q", got)
	}
	log.mu.Lock()
	defer log.mu.Unlock()
	for id, calls := range log.calls {
		if len(calls) != 1 {
			t.Errorf("task %s: Done called %d times: %q", id, len(calls), calls)
		}
	}
}
