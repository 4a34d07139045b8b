// Package tasks runs function calls in the background and keeps their
// results for a while, so that a Flight client can start a call with one
// RPC (GetFlightInfo) and read its data with others (DoGet).
//
// An Executor owns a fixed pool of worker goroutines fed by an unbounded
// FIFO queue, and a store of finished results that are evicted a fixed time
// (the TTL) after completion:
//
//	exec := tasks.New[*arrowbridge.Table](tasks.Options{Threads: 32, ResultTTL: time.Minute})
//	defer exec.Close()
//
//	id := exec.Submit(func(ctx context.Context) (*arrowbridge.Table, error) {
//		return fn.Call(ctx, req) // stops when ctx is cancelled
//	})
//	res, err := exec.Wait(ctx, id, 3*time.Minute)
//	if err != nil { ... } // ErrWaitTimeout, ErrNotFound, or ctx.Err()
//	defer res.Release()   // res.Value stays valid until then
//
// The executor is generic over what a task produces (T, a Releaser such as
// *arrowbridge.Table): it only keeps values and releases them.
//
// Cancelling a task cancels the context its run function receives, so a
// runtime that honours the context really stops. Cancelling a finished task
// discards its result. The semantics follow GoodData's ThreadTaskExecutor
// (gooddata-flight-server), see Executor.Cancel.
//
// Results are reference counted: every Result returned by Wait holds a
// reference, and a value is released only once it has been evicted and
// every reader has called Release, so eviction never frees data that a
// reader is still streaming. Evicted results are handed to a small pool of
// closer goroutines (Options.CloseThreads), so a slow release never holds up
// the sweeper.
//
// An Observer, when set, is told of every task's progress (queued, started,
// finished, dropped) and of every result's close, which is what the server's
// gdfs_* metrics count.
package tasks

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Defaults for the zero values of Options.
const (
	DefaultThreads       = 32
	DefaultCloseThreads  = 2
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

// Releaser is what a task produces: a value that holds resources until
// Release is called, such as *arrowbridge.Table. Its zero value (a nil
// pointer) stands for no value and is never released.
type Releaser interface {
	comparable
	Release()
}

// Sizer is implemented by values that know the memory they hold, such as
// *arrowbridge.Table. With Options.MaxStoredBytes, the store counts the
// Bytes of each stored value.
type Sizer interface {
	Bytes() int64
}

// StoreFullError reports that the stored results reach
// Options.MaxStoredBytes even after evicting those already read: new
// tasks should wait until readers fetch or the TTL evicts some.
type StoreFullError struct {
	Stored, Limit int64 // bytes
}

func (e *StoreFullError) Error() string {
	return fmt.Sprintf("tasks: stored results hold %d bytes, the limit is %d", e.Stored, e.Limit)
}

// isZero reports whether v is T's zero value: no value.
func isZero[T comparable](v T) bool {
	var zero T
	return v == zero
}

// Info identifies a task: what it runs and when it was submitted.
type Info struct {
	ID      string    // 32 lower-case hex characters
	Name    string    // Spec.Name
	Cmd     []byte    // Spec.Cmd; read-only
	Created time.Time // when the task was submitted
}

// Finished is what a finished task leaves: at most one of Value (success),
// Err (failure) and Cancelled is set; none is when the task returned
// neither a value nor an error.
type Finished[T Releaser] struct {
	Info
	Value     T
	Err       error
	Cancelled bool
	Completed time.Time // when it finished (or was cancelled)
}

// Spec describes a task to SubmitSpec.
type Spec[T Releaser] struct {
	// Name says what the task runs, for example the function's name. It is
	// kept on the Result.
	Name string
	// Cmd is the command that started the task, kept on the Result so that
	// a later poll can answer with it. The executor does not copy it: do not
	// modify it after submitting.
	Cmd []byte
	// Run does the work. Required.
	Run RunFunc[T]
	// Done, when set, is called once the task has finished, whether it ran
	// or never did (cancelled while queued, or submitted after Close): with
	// its id, how it ended and the error Run returned (nil unless Failed).
	// It is called on an executor goroutine, or on the one that cancelled
	// or closed, once the result is stored, with no lock held; it must be
	// fast. The server ends the task's trace span with it.
	Done func(id string, outcome Outcome, err error)
}

// Outcome is how a task that ran ended.
type Outcome int

// Outcomes of a task that ran.
const (
	Succeeded Outcome = iota // it returned a value
	Failed                   // it returned an error (or panicked)
	Cancelled                // it was cancelled while running, or the executor closed
)

// String returns "succeeded", "failed" or "cancelled".
func (o Outcome) String() string {
	switch o {
	case Succeeded:
		return "succeeded"
	case Failed:
		return "failed"
	case Cancelled:
		return "cancelled"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// Observer is told what the executor does, typically to update metrics.
// Its methods are called from the executor's goroutines without any lock
// held; they must be fast and safe for concurrent use.
//
// Every submitted task produces TaskQueued and then either TaskStarted
// followed by TaskFinished, or TaskDropped (cancelled while queued, or
// submitted after Close). Every stored result produces ResultEvicted and
// then ResultClosed once it leaves the store (expiry, Cancel or Close).
type Observer interface {
	// TaskQueued reports a task put in the queue.
	TaskQueued()
	// TaskStarted reports a worker taking a task off the queue after it
	// waited for wait.
	TaskStarted(wait time.Duration)
	// TaskFinished reports a task that ran: its run time, and the time
	// from submission to the end (e2e).
	TaskFinished(outcome Outcome, run, e2e time.Duration)
	// TaskDropped reports a task that never ran: it was cancelled while
	// queued or the executor was closed.
	TaskDropped()
	// ResultEvicted reports a result that left the store and waits for a
	// closer.
	ResultEvicted()
	// ResultClosed reports that a closer dropped the store's reference to
	// an evicted result.
	ResultClosed()
}

// nopObserver is the Observer used when Options.Observer is nil.
type nopObserver struct{}

func (nopObserver) TaskQueued()                                        {}
func (nopObserver) TaskStarted(time.Duration)                          {}
func (nopObserver) TaskFinished(Outcome, time.Duration, time.Duration) {}
func (nopObserver) TaskDropped()                                       {}
func (nopObserver) ResultEvicted()                                     {}
func (nopObserver) ResultClosed()                                      {}

// RunFunc is the work of one task. It should return promptly once ctx is
// cancelled. A value it returns becomes owned by the Executor, which
// releases it at once if run also returned an error or the task was
// cancelled.
type RunFunc[T Releaser] func(ctx context.Context) (T, error)

// Options configures an Executor. The zero value is usable.
type Options struct {
	// Threads is the number of worker goroutines, that is the number of
	// tasks that run at the same time. Default DefaultThreads.
	Threads int
	// CloseThreads is the number of goroutines that close evicted results
	// (task_close_threads). Default DefaultCloseThreads.
	CloseThreads int
	// ResultTTL is how long a result is kept after its task completes.
	// Default DefaultResultTTL.
	ResultTTL time.Duration
	// SweepInterval is how often expired results are evicted.
	// Default DefaultSweepInterval.
	SweepInterval time.Duration
	// Logger receives the executor's log records. Default slog.Default().
	Logger *slog.Logger
	// Observer is told of every task and result, for metrics. Optional.
	Observer Observer
	// Now returns the current time. Default time.Now. Tests may replace it
	// to control expiry.
	Now func() time.Time
	// MaxStoredBytes bounds the Bytes of the stored values (of a T that is
	// a Sizer): beyond it the store evicts results already read, oldest
	// first, and CheckCapacity reports a full store. 0: no limit.
	MaxStoredBytes int64
}

// Executor runs tasks on a bounded pool of goroutines and stores their
// results. All its methods are safe for concurrent use.
//
// Its state is in two parts, each with its own lock: the running tasks
// (queue, pending tasks, workers; running.go) and the stored results
// (results, expiry, closers; store.go). Where one operation needs both, it
// takes the running lock first, then the store's, never the other way.
// The hand-over of a finishing task between them is described at settleLocked.
type Executor[T Releaser] struct {
	log *slog.Logger
	obs Observer
	now func() time.Time

	base       context.Context // parent of every task context
	cancelBase context.CancelFunc

	run   running[T]
	store *store[T]

	workers   sync.WaitGroup
	closeOnce sync.Once
}

// New starts an Executor: its worker goroutines, its result sweeper and
// its closers. Call Close to stop them.
func New[T Releaser](opts Options) *Executor[T] {
	opts = withDefaults(opts)
	e := &Executor[T]{log: opts.Logger, obs: opts.Observer, now: opts.Now}
	e.run.init()
	e.store = newStore[T](opts)
	e.base, e.cancelBase = context.WithCancel(context.Background())
	e.workers.Add(opts.Threads)
	for range opts.Threads {
		go e.work()
	}
	return e
}

// withDefaults fills in the zero values of opts.
func withDefaults(opts Options) Options {
	if opts.Threads <= 0 {
		opts.Threads = DefaultThreads
	}
	if opts.CloseThreads <= 0 {
		opts.CloseThreads = DefaultCloseThreads
	}
	if opts.ResultTTL <= 0 {
		opts.ResultTTL = DefaultResultTTL
	}
	if opts.SweepInterval <= 0 {
		opts.SweepInterval = DefaultSweepInterval
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Observer == nil {
		opts.Observer = nopObserver{}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return opts
}

type idKey struct{}

// IDFromContext returns the id of the task whose run function received ctx
// (or a context derived from it).
func IDFromContext(ctx context.Context) (string, bool) {
	id, ok := ctx.Value(idKey{}).(string)
	return id, ok
}

// CheckCapacity returns a *StoreFullError when the stored results reach
// Options.MaxStoredBytes even after evicting the read ones. A server calls
// it before submitting, to refuse work it could not keep the result of.
func (e *Executor[T]) CheckCapacity() error {
	if stored, full := e.store.full(); full {
		return &StoreFullError{Stored: stored, Limit: e.store.maxBytes}
	}
	return nil
}

// DropReadResults evicts every stored result that has been read, and
// returns the bytes they held (as counted for Options.MaxStoredBytes).
// Unread results stay. A server calls it when the process passes its
// memory limit, before it stops a run.
func (e *Executor[T]) DropReadResults() int64 { return e.store.dropRead() }

// Submit is SubmitSpec(Spec{Run: run}).
func (e *Executor[T]) Submit(run RunFunc[T]) string { return e.SubmitSpec(Spec[T]{Run: run}) }

// SubmitSpec queues spec.Run and returns the new task's id: 32 lower-case
// hex characters. Run receives a context that carries the id
// (IDFromContext) and is cancelled when the task is cancelled or the
// executor closes.
//
// After Close, the task does not run and is recorded as cancelled.
func (e *Executor[T]) SubmitSpec(spec Spec[T]) string {
	id := newID()
	t := &task[T]{Info: Info{ID: id, Name: spec.Name, Cmd: spec.Cmd, Created: e.now()}, run: spec.Run, onDone: spec.Done, done: make(chan struct{})}
	t.ctx, t.cancel = context.WithCancel(context.WithValue(e.base, idKey{}, id))
	e.obs.TaskQueued()
	if !e.run.enqueue(t) { // closed
		t.cancel()
		e.store.put(Finished[T]{Info: t.Info, Cancelled: true})
		e.obs.TaskDropped()
		t.notifyDone(Cancelled, nil)
	}
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
// Release on the result when done with its Value.
//
// A stored result is returned at once. For a queued or running task, Wait
// blocks until it finishes, the timeout passes (ErrWaitTimeout; a negative
// timeout waits forever) or ctx is done (ctx.Err()). An unknown, expired or
// cancelled-away id gives ErrNotFound.
func (e *Executor[T]) Wait(ctx context.Context, id string, timeout time.Duration) (*Result[T], error) {
	// Pending first, then the store: a finishing task is stored before it
	// leaves pending (settleLocked), so a task that is not pending any more is
	// already stored, unless its result is gone for good.
	t, ok := e.run.lookup(id)
	if !ok {
		if r := e.store.acquire(id); r != nil {
			return r, nil
		}
		return nil, ErrNotFound
	}

	var expired <-chan time.Time
	if timeout >= 0 {
		timer := time.NewTimer(timeout)
		defer timer.Stop()
		expired = timer.C
	}
	select {
	case <-t.done: // closed after the result was stored
	case <-expired:
		return nil, ErrWaitTimeout
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if r := e.store.acquire(id); r != nil {
		return r, nil
	}
	return nil, ErrNotFound // evicted between completion and now
}

// Created returns when task id was submitted, while it is queued or
// running. It reports false once the task has finished or if id is unknown.
func (e *Executor[T]) Created(id string) (time.Time, bool) {
	t, ok := e.run.lookup(id)
	if !ok {
		return time.Time{}, false
	}
	return t.Created, true
}

// MarkRead records that the result of task id was read (streamed to a
// client), so that Stats no longer counts it as unread. Unknown ids are
// ignored.
func (e *Executor[T]) MarkRead(id string) { e.store.markRead(id) }

// Stats is a snapshot of an Executor's work.
type Stats struct {
	Queued  int // tasks waiting for a worker
	Running int // tasks running
	Stored  int // results in the store
	// Unread counts stored results that hold a value and that nobody has
	// marked read (MarkRead): data a client will probably still fetch.
	Unread int
	// StoredBytes sums the Bytes of the stored values whose T is a Sizer.
	StoredBytes int64
}

// Stats returns a snapshot of the executor's queue, workers and store,
// taken under both locks so that a task finishing meanwhile is counted
// once: running or stored.
func (e *Executor[T]) Stats() Stats {
	e.run.mu.Lock()
	defer e.run.mu.Unlock()
	var s Stats
	s.Queued, s.Running = e.run.countsLocked()
	s.Stored, s.Unread, s.StoredBytes = e.store.counts()
	return s
}

// Cancel cancels task id, following GoodData's task executor:
//
//   - a stored result is evicted (its value is released once the last reader
//     is done), so later Waits give ErrNotFound;
//   - an unknown or expired id needs nothing;
//   - a queued task is dropped from the queue and recorded as cancelled;
//   - a running task has its context cancelled; it is recorded as cancelled
//     whatever its run function returns, and a value it returns is released.
//
// It reports whether the task is (now) cancelled or gone, which is always
// true: unlike Python's tasks, ours can be interrupted at any point.
func (e *Executor[T]) Cancel(id string) bool {
	e.run.mu.Lock()
	t, ok := e.run.pending[id]
	if !ok {
		e.run.mu.Unlock()
		// Not pending, so stored (settleLocked) or gone.
		if e.store.evict(id) {
			e.log.Debug("result_evicted", "task_id", id, "reason", "cancel")
		}
		return true
	}
	dropped := t.elem != nil
	if dropped { // still queued: it will never run
		e.run.queue.Remove(t.elem)
		t.elem = nil
		e.dropLocked(t)
	} else { // running: settleLocked reads the flag under the same lock
		t.cancelled = true
		t.cancel()
	}
	e.run.mu.Unlock()
	if dropped {
		close(t.done)
		e.obs.TaskDropped()
		t.notifyDone(Cancelled, nil)
	}
	e.log.Debug("task_cancelled", "task_id", id, "queued", dropped)
	return true
}

// Close stops the executor: queued tasks are dropped and running ones
// cancelled, Close waits until every running run function has returned,
// then releases every stored result (values still held by readers are
// released by their last Release) and stops the sweeper and the closers.
// Waits in progress return. Close is idempotent.
func (e *Executor[T]) Close() {
	e.closeOnce.Do(func() {
		e.run.mu.Lock()
		dropped := e.run.closeLocked()
		for _, t := range dropped {
			e.dropLocked(t)
		}
		e.run.mu.Unlock()
		for _, t := range dropped {
			close(t.done)
			e.obs.TaskDropped()
			t.notifyDone(Cancelled, nil)
		}

		e.cancelBase() // cancels every running task
		e.workers.Wait()
		e.store.close()
	})
}
