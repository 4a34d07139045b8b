// Package tasks runs function calls in the background and keeps their
// results for a while, so that a Flight client can start a call with one
// RPC (GetFlightInfo) and read its data with others (DoGet).
//
// An Executor owns a fixed pool of worker goroutines fed by an unbounded
// FIFO queue, and a store of finished results that are evicted a fixed time
// (the TTL) after completion:
//
//	exec := tasks.New(tasks.Options{Threads: 32, ResultTTL: time.Minute})
//	defer exec.Close()
//
//	id := exec.Submit(func(ctx context.Context) (*arrowbridge.Table, error) {
//		return fn.Call(ctx, req) // stops when ctx is cancelled
//	})
//	res, err := exec.Wait(ctx, id, 3*time.Minute)
//	if err != nil { ... } // ErrWaitTimeout, ErrNotFound, or ctx.Err()
//	defer res.Release()   // the table stays valid until then
//
// Cancelling a task cancels the context its run function receives, so a
// runtime that honours the context really stops. Cancelling a finished task
// discards its result. The semantics follow GoodData's ThreadTaskExecutor
// (gooddata-flight-server), see Executor.Cancel.
//
// Results are reference counted: every Result returned by Wait holds a
// reference, and a table is released only once it has been evicted and
// every reader has called Release, so eviction never frees data that a
// reader is still streaming.
package tasks

import (
	"container/list"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
)

// Defaults for the zero values of Options.
const (
	DefaultThreads       = 32
	DefaultResultTTL     = 60 * time.Second
	DefaultSweepInterval = time.Second
)

// Errors returned by Executor.Wait.
var (
	// ErrNotFound reports a task id that is neither running, queued nor
	// stored: it never existed, its result expired or was cancelled away.
	ErrNotFound = errors.New("tasks: no such task or result")
	// ErrWaitTimeout reports a task that did not finish within the timeout
	// given to Wait. The task keeps running.
	ErrWaitTimeout = errors.New("tasks: timed out waiting for task")
)

// RunFunc is the work of one task. It should return promptly once ctx is
// cancelled. A table it returns becomes owned by the Executor, which
// releases it at once if run also returned an error or the task was
// cancelled.
type RunFunc func(ctx context.Context) (*arrowbridge.Table, error)

// Options configures an Executor. The zero value is usable.
type Options struct {
	// Threads is the number of worker goroutines, that is the number of
	// tasks that run at the same time. Default DefaultThreads.
	Threads int
	// ResultTTL is how long a result is kept after its task completes.
	// Default DefaultResultTTL.
	ResultTTL time.Duration
	// SweepInterval is how often expired results are evicted.
	// Default DefaultSweepInterval.
	SweepInterval time.Duration
	// Logger receives the executor's log records. Default slog.Default().
	Logger *slog.Logger
	// Now returns the current time. Default time.Now. Tests may replace it
	// to control expiry.
	Now func() time.Time
}

// Result is the outcome of a finished task: exactly one of Table (success),
// Err (failure) and Cancelled is set.
//
// A Result returned by Wait holds a reference to the stored result: the
// Table stays valid until Release is called, even if the result is evicted
// meanwhile. A Result is safe for concurrent use; Table is read-only.
type Result struct {
	ID        string
	Table     *arrowbridge.Table
	Err       error
	Cancelled bool
	Created   time.Time // when the task was submitted
	Completed time.Time // when it finished (or was cancelled)

	entry    *entry
	released atomic.Bool
}

// Release gives up this reader's reference. It is safe to call more than
// once; only the first call counts.
func (r *Result) Release() {
	if r == nil || r.entry == nil || !r.released.CompareAndSwap(false, true) {
		return
	}
	r.entry.unref()
}

// entry is a stored result and its reference count. The store holds one
// reference while the entry is in Executor.results; each reader holds one.
type entry struct {
	id        string
	table     *arrowbridge.Table
	err       error
	cancelled bool
	created   time.Time
	completed time.Time
	expires   time.Time
	refs      atomic.Int64
}

// unref drops one reference and releases the table with the last one.
func (e *entry) unref() {
	if e.refs.Add(-1) == 0 && e.table != nil {
		e.table.Release()
	}
}

// task is a submitted task that has not finished yet.
type task struct {
	id        string
	run       RunFunc
	created   time.Time
	ctx       context.Context
	cancel    context.CancelFunc
	elem      *list.Element // position in the queue while queued, else nil
	cancelled bool          // Cancel was called (or the executor closed)
	done      chan struct{} // closed once the result is stored
}

// Executor runs tasks on a bounded pool of goroutines and stores their
// results. All its methods are safe for concurrent use.
type Executor struct {
	threads  int
	ttl      time.Duration
	sweepInt time.Duration
	log      *slog.Logger
	now      func() time.Time

	base       context.Context // parent of every task context
	cancelBase context.CancelFunc

	mu      sync.Mutex
	cond    *sync.Cond // signalled when the queue grows or the executor closes
	queue   *list.List // of *task, FIFO
	pending map[string]*task
	results map[string]*entry
	closed  bool

	workers   sync.WaitGroup
	stopSweep chan struct{}
	sweepDone chan struct{}
	closeOnce sync.Once
}

// New starts an Executor: its worker goroutines and its result sweeper.
// Call Close to stop them.
func New(opts Options) *Executor {
	e := &Executor{
		threads:   opts.Threads,
		ttl:       opts.ResultTTL,
		sweepInt:  opts.SweepInterval,
		log:       opts.Logger,
		now:       opts.Now,
		queue:     list.New(),
		pending:   make(map[string]*task),
		results:   make(map[string]*entry),
		stopSweep: make(chan struct{}),
		sweepDone: make(chan struct{}),
	}
	if e.threads <= 0 {
		e.threads = DefaultThreads
	}
	if e.ttl <= 0 {
		e.ttl = DefaultResultTTL
	}
	if e.sweepInt <= 0 {
		e.sweepInt = DefaultSweepInterval
	}
	if e.log == nil {
		e.log = slog.Default()
	}
	if e.now == nil {
		e.now = time.Now
	}
	e.cond = sync.NewCond(&e.mu)
	e.base, e.cancelBase = context.WithCancel(context.Background())
	e.workers.Add(e.threads)
	for range e.threads {
		go e.work()
	}
	go e.sweep()
	return e
}

type idKey struct{}

// IDFromContext returns the id of the task whose run function received ctx
// (or a context derived from it).
func IDFromContext(ctx context.Context) (string, bool) {
	id, ok := ctx.Value(idKey{}).(string)
	return id, ok
}

// Submit queues run and returns the new task's id: 32 lower-case hex
// characters. run receives a context that carries the id (IDFromContext) and
// is cancelled when the task is cancelled or the executor closes.
//
// After Close, the task does not run and is recorded as cancelled.
func (e *Executor) Submit(run RunFunc) string {
	id := newID()
	t := &task{id: id, run: run, created: e.now(), done: make(chan struct{})}
	t.ctx, t.cancel = context.WithCancel(context.WithValue(e.base, idKey{}, id))

	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		t.cancel()
		e.storeLocked(t, nil, nil, true)
		close(t.done)
		return id
	}
	e.pending[id] = t
	t.elem = e.queue.PushBack(t)
	e.cond.Signal()
	return id
}

// newID returns 16 random bytes as 32 lower-case hex characters, the format
// of Python's uuid4().hex.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

// Wait returns the result of task id, holding a reference to it: call
// Release on the result when done with its Table.
//
// A stored result is returned at once. For a queued or running task, Wait
// blocks until it finishes, the timeout passes (ErrWaitTimeout; a negative
// timeout waits forever) or ctx is done (ctx.Err()). An unknown, expired or
// cancelled-away id gives ErrNotFound.
func (e *Executor) Wait(ctx context.Context, id string, timeout time.Duration) (*Result, error) {
	e.mu.Lock()
	if r := e.acquireLocked(id); r != nil {
		e.mu.Unlock()
		return r, nil
	}
	t, ok := e.pending[id]
	e.mu.Unlock()
	if !ok {
		return nil, ErrNotFound
	}

	var expired <-chan time.Time
	if timeout >= 0 {
		timer := time.NewTimer(timeout)
		defer timer.Stop()
		expired = timer.C
	}
	select {
	case <-t.done:
	case <-expired:
		return nil, ErrWaitTimeout
	case <-ctx.Done():
		return nil, ctx.Err()
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	if r := e.acquireLocked(id); r != nil {
		return r, nil
	}
	return nil, ErrNotFound // evicted between completion and now
}

// acquireLocked returns a new reader reference to the stored result id, or
// nil. e.mu must be held.
func (e *Executor) acquireLocked(id string) *Result {
	en, ok := e.results[id]
	if !ok {
		return nil
	}
	en.refs.Add(1)
	return &Result{
		ID:        en.id,
		Table:     en.table,
		Err:       en.err,
		Cancelled: en.cancelled,
		Created:   en.created,
		Completed: en.completed,
		entry:     en,
	}
}

// Created returns when task id was submitted, while it is queued or
// running. It reports false once the task has finished or if id is unknown.
func (e *Executor) Created(id string) (time.Time, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if t, ok := e.pending[id]; ok {
		return t.created, true
	}
	return time.Time{}, false
}

// Cancel cancels task id, following GoodData's task executor:
//
//   - a stored result is evicted (its table is released once the last reader
//     is done), so later Waits give ErrNotFound;
//   - an unknown or expired id needs nothing;
//   - a queued task is dropped from the queue and recorded as cancelled;
//   - a running task has its context cancelled; it is recorded as cancelled
//     whatever its run function returns, and a table it returns is released.
//
// It reports whether the task is (now) cancelled or gone, which is always
// true: unlike Python's tasks, ours can be interrupted at any point.
func (e *Executor) Cancel(id string) bool {
	e.mu.Lock()
	if en, ok := e.results[id]; ok {
		delete(e.results, id)
		e.mu.Unlock()
		e.log.Debug("result_evicted", "task_id", id, "reason", "cancel")
		en.unref()
		return true
	}
	t, ok := e.pending[id]
	if !ok {
		e.mu.Unlock()
		return true
	}
	t.cancelled = true
	t.cancel()
	if t.elem != nil { // still queued: it will never run
		e.queue.Remove(t.elem)
		t.elem = nil
		e.storeLocked(t, nil, nil, true)
		close(t.done)
	}
	e.mu.Unlock()
	e.log.Debug("task_cancelled", "task_id", id)
	return true
}

// Close stops the executor: queued tasks are dropped and running ones
// cancelled, Close waits until every running run function has returned,
// then releases every stored result (tables still held by readers are
// released by their last Release) and stops the sweeper. Waits in progress
// return. Close is idempotent.
func (e *Executor) Close() {
	e.closeOnce.Do(func() {
		e.mu.Lock()
		e.closed = true
		for el := e.queue.Front(); el != nil; el = e.queue.Front() {
			t := e.queue.Remove(el).(*task)
			t.elem = nil
			t.cancelled = true
			t.cancel()
			e.storeLocked(t, nil, nil, true)
			close(t.done)
		}
		e.cond.Broadcast()
		e.mu.Unlock()

		e.cancelBase() // cancels every running task
		e.workers.Wait()
		close(e.stopSweep)
		<-e.sweepDone

		e.mu.Lock()
		stored := e.results
		e.results = make(map[string]*entry)
		e.mu.Unlock()
		for _, en := range stored {
			en.unref()
		}
	})
}

// work is the loop of one worker goroutine.
func (e *Executor) work() {
	defer e.workers.Done()
	for {
		t := e.next()
		if t == nil {
			return
		}
		table, err := e.execute(t)
		e.finish(t, table, err)
	}
}

// next blocks until a task is queued and dequeues it, or returns nil once
// the executor is closed.
func (e *Executor) next() *task {
	e.mu.Lock()
	defer e.mu.Unlock()
	for e.queue.Len() == 0 && !e.closed {
		e.cond.Wait()
	}
	if e.closed {
		return nil
	}
	t := e.queue.Remove(e.queue.Front()).(*task)
	t.elem = nil
	return t
}

// execute calls the task's run function, turning a panic into an error so
// that a bug in one function does not take the server down.
func (e *Executor) execute(t *task) (table *arrowbridge.Table, err error) {
	defer func() {
		if p := recover(); p != nil {
			e.log.Error("task_panicked", "task_id", t.id, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			table, err = nil, fmt.Errorf("task %s panicked: %v", t.id, p)
		}
	}()
	return t.run(t.ctx)
}

// finish records the outcome of a task that ran.
func (e *Executor) finish(t *task, table *arrowbridge.Table, err error) {
	t.cancel() // free the context's resources
	e.mu.Lock()
	cancelled := t.cancelled || e.closed
	if (cancelled || err != nil) && table != nil {
		// Released under the lock (it only frees buffers), so nobody sees
		// the result while the dropped table still holds memory.
		table.Release()
		table = nil
	}
	e.storeLocked(t, table, err, cancelled)
	e.mu.Unlock()
	close(t.done)
}

// storeLocked stores the outcome of t and removes it from the pending
// tasks. The caller then closes t.done to wake its waiters. e.mu must be
// held.
func (e *Executor) storeLocked(t *task, table *arrowbridge.Table, err error, cancelled bool) {
	now := e.now()
	en := &entry{
		id:        t.id,
		table:     table,
		err:       err,
		cancelled: cancelled,
		created:   t.created,
		completed: now,
		expires:   now.Add(e.ttl),
	}
	if cancelled {
		en.err = nil
	}
	en.refs.Store(1)
	e.results[t.id] = en
	delete(e.pending, t.id)
}

// sweep evicts expired results every sweep interval until Close.
func (e *Executor) sweep() {
	defer close(e.sweepDone)
	ticker := time.NewTicker(e.sweepInt)
	defer ticker.Stop()
	for {
		select {
		case <-e.stopSweep:
			return
		case <-ticker.C:
			e.evictExpired()
		}
	}
}

// evictExpired removes every result whose TTL has passed and drops the
// store's reference to it.
func (e *Executor) evictExpired() {
	now := e.now()
	var expired []*entry
	e.mu.Lock()
	for id, en := range e.results {
		if !now.Before(en.expires) {
			delete(e.results, id)
			expired = append(expired, en)
		}
	}
	e.mu.Unlock()
	for _, en := range expired {
		e.log.Debug("result_evicted", "task_id", en.id, "reason", "expired")
		en.unref()
	}
}
