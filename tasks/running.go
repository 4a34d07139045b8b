package tasks

import (
	"container/list"
	"context"
	"fmt"
	"runtime/debug"
	"sync"

	"github.com/flexfun-script/flexfun-script/internal/clip"
)

// running holds the tasks that were submitted and have not finished: the
// FIFO queue of those waiting for a worker, and all of them by id. Its lock
// also guards the task fields marked so. In the lock order it comes before
// the store's lock.
type running[T Releaser] struct {
	mu      sync.Mutex
	cond    *sync.Cond // signalled when the queue grows or closes
	queue   list.List  // of *task[T], FIFO
	pending map[string]*task[T]
	closed  bool
}

// task is a submitted task that has not finished yet.
type task[T Releaser] struct {
	Info
	run    RunFunc[T]
	onDone func(id string, outcome Outcome, err error) // Spec.Done
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{} // closed once the result is stored

	// Guarded by running.mu.
	elem      *list.Element // position in the queue while queued, else nil
	cancelled bool          // Cancel was called (or the executor closed)
}

func (r *running[T]) init() {
	r.cond = sync.NewCond(&r.mu)
	r.pending = make(map[string]*task[T])
}

// enqueue queues t. It reports false, and does nothing, once closed.
func (r *running[T]) enqueue(t *task[T]) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	r.pending[t.ID] = t
	t.elem = r.queue.PushBack(t)
	r.cond.Signal()
	return true
}

// lookup returns the queued or running task id.
func (r *running[T]) lookup(id string) (*task[T], bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.pending[id]
	return t, ok
}

// countsLocked returns the numbers of queued and of running tasks. r.mu
// must be held.
func (r *running[T]) countsLocked() (queued, running int) {
	queued = r.queue.Len()
	return queued, len(r.pending) - queued
}

// next blocks until a task is queued and dequeues it, or returns nil once
// closed.
func (r *running[T]) next() *task[T] {
	r.mu.Lock()
	defer r.mu.Unlock()
	for r.queue.Len() == 0 && !r.closed {
		r.cond.Wait()
	}
	if r.closed {
		return nil
	}
	t := r.queue.Remove(r.queue.Front()).(*task[T])
	t.elem = nil
	return t
}

// closeLocked closes the queue, wakes the idle workers and returns the
// tasks that were still queued, now out of the queue but still pending.
// r.mu must be held.
func (r *running[T]) closeLocked() []*task[T] {
	r.closed = true
	var queued []*task[T]
	for el := r.queue.Front(); el != nil; el = r.queue.Front() {
		t := r.queue.Remove(el).(*task[T])
		t.elem = nil
		queued = append(queued, t)
	}
	r.cond.Broadcast()
	return queued
}

// work is the loop of one worker goroutine.
func (e *Executor[T]) work() {
	defer e.workers.Done()
	for {
		t := e.run.next()
		if t == nil {
			return
		}
		start := e.now()
		e.obs.TaskStarted(start.Sub(t.Created))
		value, err := e.execute(t)
		outcome := e.finish(t, value, err)
		end := e.now()
		e.obs.TaskFinished(outcome, end.Sub(start), end.Sub(t.Created))
	}
}

// execute calls the task's run function, turning a panic into an error so
// that a bug in one function does not take the server down.
func (e *Executor[T]) execute(t *task[T]) (value T, err error) {
	defer func() {
		if p := recover(); p != nil {
			// The panic's text may quote a request; the stack of a deep
			// recursion is long: both are clipped.
			e.log.Error("task_panicked", "task_id", t.ID, "panic", clip.Cut(fmt.Sprint(p), clip.MaxError),
				"stack", clip.Cut(string(debug.Stack()), clip.MaxRecord))
			var none T
			value, err = none, fmt.Errorf("task %s panicked: %v", t.ID, p)
		}
	}()
	return t.run(t.ctx)
}

// finish records the outcome of a task that ran and returns it.
func (e *Executor[T]) finish(t *task[T], value T, err error) Outcome {
	t.cancel() // free the context's resources
	e.run.mu.Lock()
	outcome := e.settleLocked(t, value, err)
	e.run.mu.Unlock()
	close(t.done)
	if outcome != Failed {
		err = nil
	}
	t.notifyDone(outcome, err)
	return outcome
}

// notifyDone calls the task's Spec.Done, if any.
func (t *task[T]) notifyDone(outcome Outcome, err error) {
	if t.onDone != nil {
		t.onDone(t.ID, outcome, err)
	}
}

// dropLocked records t, which will never run, as cancelled. e.run.mu must be
// held; the caller then closes t.done.
func (e *Executor[T]) dropLocked(t *task[T]) {
	t.cancelled = true
	t.cancel()
	var none T
	e.settleLocked(t, none, nil)
}

// settleLocked hands task t over from the running tasks to the store and
// returns how it ended: cancelled if Cancel or Close came first (a value
// is then released), else failed or succeeded as value and err say.
//
// It stores the result first and only then removes t from pending, so
// that t is in one or the other at every moment: Wait, which looks at
// pending first and then at the store, cannot miss it. Both happen under
// e.run.mu, so Cancel, which decides by pending whether to cancel the task
// or evict its result, sees the task either before (its cancelled flag is
// then read here) or after (its result is then stored). e.run.mu must be
// held; the caller then closes t.done to wake the waiters.
func (e *Executor[T]) settleLocked(t *task[T], value T, err error) Outcome {
	f := Finished[T]{Info: t.Info, Value: value, Err: err}
	outcome := Succeeded
	switch {
	case t.cancelled || e.run.closed:
		f.Err, f.Cancelled, outcome = nil, true, Cancelled
	case err != nil:
		outcome = Failed
	}
	if outcome != Succeeded && !isZero(value) {
		// Released under the lock (it only frees buffers), so nobody sees
		// the result while the dropped value still holds memory.
		value.Release()
		var none T
		f.Value = none
	}
	e.store.put(f)
	delete(e.run.pending, t.ID)
	return outcome
}
