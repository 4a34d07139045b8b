package tasks

import (
	"container/list"
	"context"
	"fmt"
	"runtime/debug"
	"time"
)

// task is a submitted task that has not finished yet.
type task[T Releaser] struct {
	id        string
	name      string
	cmd       []byte
	run       RunFunc[T]
	created   time.Time
	ctx       context.Context
	cancel    context.CancelFunc
	elem      *list.Element // position in the queue while queued, else nil
	cancelled bool          // Cancel was called (or the executor closed)
	done      chan struct{} // closed once the result is stored
}

// work is the loop of one worker goroutine.
func (e *Executor[T]) work() {
	defer e.workers.Done()
	for {
		t := e.next()
		if t == nil {
			return
		}
		start := e.now()
		e.obs.TaskStarted(start.Sub(t.created))
		value, err := e.execute(t)
		outcome := e.finish(t, value, err)
		end := e.now()
		e.obs.TaskFinished(outcome, end.Sub(start), end.Sub(t.created))
	}
}

// next blocks until a task is queued and dequeues it, or returns nil once
// the executor is closed.
func (e *Executor[T]) next() *task[T] {
	e.mu.Lock()
	defer e.mu.Unlock()
	for e.queue.Len() == 0 && !e.closed {
		e.cond.Wait()
	}
	if e.closed {
		return nil
	}
	t := e.queue.Remove(e.queue.Front()).(*task[T])
	t.elem = nil
	return t
}

// execute calls the task's run function, turning a panic into an error so
// that a bug in one function does not take the server down.
func (e *Executor[T]) execute(t *task[T]) (value T, err error) {
	defer func() {
		if p := recover(); p != nil {
			e.log.Error("task_panicked", "task_id", t.id, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			value, err = *new(T), fmt.Errorf("task %s panicked: %v", t.id, p)
		}
	}()
	return t.run(t.ctx)
}

// finish records the outcome of a task that ran and returns it.
func (e *Executor[T]) finish(t *task[T], value T, err error) Outcome {
	t.cancel() // free the context's resources
	e.mu.Lock()
	cancelled := t.cancelled || e.closed
	if (cancelled || err != nil) && !isZero(value) {
		// Released under the lock (it only frees buffers), so nobody sees
		// the result while the dropped value still holds memory.
		value.Release()
		value = *new(T)
	}
	e.storeLocked(t, value, err, cancelled)
	e.mu.Unlock()
	close(t.done)
	switch {
	case cancelled:
		return Cancelled
	case err != nil:
		return Failed
	}
	return Succeeded
}
