package tasks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
)

// newTable builds a one-column int64 table of n rows from mem.
func newTable(mem memory.Allocator, n int) *arrowbridge.Table {
	schema := arrow.NewSchema([]arrow.Field{{Name: "v", Type: arrow.PrimitiveTypes.Int64}}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for i := range n {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
	}
	rec := b.NewRecordBatch()
	return &arrowbridge.Table{Schema: schema, Batches: []arrow.RecordBatch{rec}, Rows: int64(n)}
}

// harness starts an Executor with a checked allocator and, at cleanup,
// closes it and checks that all memory was released and no goroutine leaked.
type harness struct {
	*Executor[*arrowbridge.Table]
	mem *memory.CheckedAllocator
}

func start(t *testing.T, opts Options) *harness {
	t.Helper()
	before := runtime.NumGoroutine()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	h := &harness{Executor: New[*arrowbridge.Table](opts), mem: memory.NewCheckedAllocator(memory.NewGoAllocator())}
	t.Cleanup(func() {
		h.Close()
		h.mem.AssertSize(t, 0)
		checkGoroutines(t, before)
	})
	return h
}

// checkGoroutines waits briefly for the goroutine count to settle back to
// before.
func checkGoroutines(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("goroutine leak: %d before, %d after\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitFreed waits until every allocation of mem has been released: evicted
// results are released by the closer goroutines, shortly after eviction.
func waitFreed(t *testing.T, mem *memory.CheckedAllocator) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for mem.CurrentAlloc() != 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	mem.AssertSize(t, 0)
}

// tableTask returns a run function producing an n-row table.
func (h *harness) tableTask(n int) RunFunc[*arrowbridge.Table] {
	return func(context.Context) (*arrowbridge.Table, error) { return newTable(h.mem, n), nil }
}

func mustWait(t *testing.T, e *Executor[*arrowbridge.Table], id string) *Result[*arrowbridge.Table] {
	t.Helper()
	r, err := e.Wait(context.Background(), id, 5*time.Second)
	if err != nil {
		t.Fatalf("Wait(%s): %v", id, err)
	}
	return r
}

func TestWaitForSuccess(t *testing.T) {
	h := start(t, Options{})
	id := h.Submit(h.tableTask(3))
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(id) {
		t.Errorf("task id %q is not 32 lower-case hex characters", id)
	}
	r := mustWait(t, h.Executor, id)
	defer r.Release()
	if r.Err != nil || r.Cancelled || r.Value == nil || r.Value.Rows != 3 {
		t.Fatalf("result = %+v, want a 3-row table", r)
	}
	if r.ID != id || r.Created.IsZero() || r.Completed.Before(r.Created) {
		t.Errorf("result id/times = %s %v %v", r.ID, r.Created, r.Completed)
	}
	if _, ok := h.Created(id); ok {
		t.Error("Created reports a finished task")
	}
}

func TestResultIsMultiUse(t *testing.T) {
	h := start(t, Options{})
	id := h.Submit(h.tableTask(1))
	r1 := mustWait(t, h.Executor, id)
	r2 := mustWait(t, h.Executor, id)
	if r1.Value != r2.Value {
		t.Error("two waits returned different tables")
	}
	r1.Release()
	r1.Release() // idempotent
	r2.Release()
	r3 := mustWait(t, h.Executor, id)
	if r3.Value.Batches[0].Column(0).Len() != 1 {
		t.Error("table unusable after other readers released")
	}
	r3.Release()
}

func TestWaitForError(t *testing.T) {
	h := start(t, Options{})
	bad := errors.New("bad argument")
	id := h.Submit(func(context.Context) (*arrowbridge.Table, error) { return nil, bad })
	r := mustWait(t, h.Executor, id)
	defer r.Release()
	if !errors.Is(r.Err, bad) || r.Value != nil || r.Cancelled {
		t.Fatalf("result = %+v, want error %v", r, bad)
	}
}

func TestTableWithErrorIsReleased(t *testing.T) {
	h := start(t, Options{})
	id := h.Submit(func(context.Context) (*arrowbridge.Table, error) {
		return newTable(h.mem, 5), errors.New("half done")
	})
	r := mustWait(t, h.Executor, id)
	defer r.Release()
	if r.Err == nil || r.Value != nil {
		t.Fatalf("result = %+v, want an error and no table", r)
	}
	h.mem.AssertSize(t, 0)
}

func TestPanicBecomesError(t *testing.T) {
	h := start(t, Options{Threads: 1})
	id := h.Submit(func(context.Context) (*arrowbridge.Table, error) { panic("boom") })
	r := mustWait(t, h.Executor, id)
	r.Release()
	if r.Err == nil || !regexp.MustCompile(`panicked: boom`).MatchString(r.Err.Error()) {
		t.Fatalf("err = %v, want a panic error", r.Err)
	}
	// The single worker survived.
	r = mustWait(t, h.Executor, h.Submit(h.tableTask(1)))
	r.Release()
}

func TestWaitWhenMissing(t *testing.T) {
	h := start(t, Options{})
	if _, err := h.Wait(context.Background(), "0123456789abcdef0123456789abcdef", time.Second); !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
}

func TestCompletedTaskCancellation(t *testing.T) {
	h := start(t, Options{})
	id := h.Submit(h.tableTask(10))
	mustWait(t, h.Executor, id).Release()
	if !h.Cancel(id) {
		t.Fatal("Cancel of a completed task = false")
	}
	if _, err := h.Wait(context.Background(), id, time.Second); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Wait after cancel: err = %v, want ErrNotFound", err)
	}
	waitFreed(t, h.mem)
	if !h.Cancel(id) || !h.Cancel("unknown") {
		t.Error("Cancel of a gone/unknown task = false")
	}
}

// blocker occupies a worker until released.
func blocker(started chan<- struct{}, release <-chan struct{}) RunFunc[*arrowbridge.Table] {
	return func(context.Context) (*arrowbridge.Table, error) {
		close(started)
		<-release
		return nil, errors.New("released")
	}
}

func TestCancelWhilePending(t *testing.T) {
	h := start(t, Options{Threads: 1})
	started, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	h.Submit(blocker(started, release))
	<-started

	var ran atomic.Bool
	id := h.Submit(func(context.Context) (*arrowbridge.Table, error) { ran.Store(true); return nil, nil })
	if _, err := h.Wait(context.Background(), id, time.Millisecond); !errors.Is(err, ErrWaitTimeout) {
		t.Fatalf("Wait on a queued task: err = %v, want ErrWaitTimeout", err)
	}
	if _, ok := h.Created(id); !ok {
		t.Error("Created does not know a queued task")
	}
	if !h.Cancel(id) {
		t.Fatal("Cancel of a queued task = false")
	}
	r := mustWait(t, h.Executor, id)
	defer r.Release()
	if !r.Cancelled || r.Err != nil || r.Value != nil {
		t.Fatalf("result = %+v, want cancelled", r)
	}
	if ran.Load() {
		t.Error("a cancelled queued task ran")
	}
}

func TestCancelWhileRunning(t *testing.T) {
	h := start(t, Options{})
	started := make(chan struct{})
	id := h.Submit(func(ctx context.Context) (*arrowbridge.Table, error) {
		close(started)
		<-ctx.Done()
		return newTable(h.mem, 4), nil // a table after cancellation is dropped
	})
	<-started
	if _, err := h.Wait(context.Background(), id, time.Millisecond); !errors.Is(err, ErrWaitTimeout) {
		t.Fatalf("Wait on a running task: err = %v, want ErrWaitTimeout", err)
	}
	if !h.Cancel(id) {
		t.Fatal("Cancel of a running task = false")
	}
	r := mustWait(t, h.Executor, id)
	defer r.Release()
	if !r.Cancelled || r.Value != nil || r.Err != nil {
		t.Fatalf("result = %+v, want cancelled", r)
	}
	h.mem.AssertSize(t, 0)
}

func TestWaitHonoursContext(t *testing.T) {
	h := start(t, Options{})
	id := h.Submit(func(ctx context.Context) (*arrowbridge.Table, error) { <-ctx.Done(); return nil, ctx.Err() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := h.Wait(ctx, id, -1); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
	h.Cancel(id)
}

func TestIDFromContext(t *testing.T) {
	h := start(t, Options{})
	got := make(chan string, 1)
	id := h.Submit(func(ctx context.Context) (*arrowbridge.Table, error) {
		v, _ := IDFromContext(ctx)
		got <- v
		return nil, errors.New("x")
	})
	if v := <-got; v != id {
		t.Fatalf("IDFromContext = %q, want %q", v, id)
	}
	mustWait(t, h.Executor, id).Release()
}

// waitGone polls until id's result is evicted.
func waitGone(t *testing.T, e *Executor[*arrowbridge.Table], id string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		r, err := e.Wait(context.Background(), id, 0)
		if errors.Is(err, ErrNotFound) {
			return
		}
		if err == nil {
			r.Release()
		}
		if time.Now().After(deadline) {
			t.Fatalf("result %s not evicted", id)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestExpiration(t *testing.T) {
	h := start(t, Options{ResultTTL: 50 * time.Millisecond, SweepInterval: 10 * time.Millisecond})
	ids := []string{
		h.Submit(h.tableTask(2)),
		h.Submit(func(context.Context) (*arrowbridge.Table, error) { return nil, errors.New("x") }),
	}
	for _, id := range ids {
		mustWait(t, h.Executor, id).Release()
	}
	for _, id := range ids {
		waitGone(t, h.Executor, id)
	}
	waitFreed(t, h.mem)
}

func TestExpirationUsesNow(t *testing.T) {
	var mu sync.Mutex
	now := time.Unix(1000, 0)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	h := start(t, Options{ResultTTL: time.Minute, SweepInterval: time.Millisecond, Now: clock})
	id := h.Submit(h.tableTask(1))
	mustWait(t, h.Executor, id).Release()
	time.Sleep(20 * time.Millisecond) // several sweeps at the same instant
	r := mustWait(t, h.Executor, id)
	r.Release()
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	waitGone(t, h.Executor, id)
}

func TestMoreTasksThanThreads(t *testing.T) {
	const threads, n = 4, 100
	h := start(t, Options{Threads: threads})
	var running, peak atomic.Int64
	ids := make([]string, n)
	for i := range ids {
		ids[i] = h.Submit(func(context.Context) (*arrowbridge.Table, error) {
			cur := running.Add(1)
			defer running.Add(-1)
			for {
				p := peak.Load()
				if cur <= p || peak.CompareAndSwap(p, cur) {
					break
				}
			}
			time.Sleep(time.Millisecond)
			return newTable(h.mem, i), nil
		})
	}
	for i, id := range ids {
		r := mustWait(t, h.Executor, id)
		if r.Value == nil || r.Value.Rows != int64(i) {
			t.Errorf("task %d: result %+v", i, r)
		}
		r.Release()
	}
	if p := peak.Load(); p > threads {
		t.Errorf("%d tasks ran at once, want at most %d", p, threads)
	}
}

func TestEvictionWaitsForReaders(t *testing.T) {
	h := start(t, Options{ResultTTL: 20 * time.Millisecond, SweepInterval: 5 * time.Millisecond})
	id := h.Submit(h.tableTask(1000))
	r := mustWait(t, h.Executor, id)
	waitGone(t, h.Executor, id)
	if h.mem.CurrentAlloc() == 0 {
		t.Fatal("table released while a reader holds it")
	}
	col := r.Value.Batches[0].Column(0).(*array.Int64)
	if col.Value(999) != 999 {
		t.Fatal("table data changed under a reader")
	}
	r.Release()
	waitFreed(t, h.mem)
}

func TestConcurrentReadersVsEviction(t *testing.T) {
	h := start(t, Options{ResultTTL: 5 * time.Millisecond, SweepInterval: time.Millisecond})
	var wg sync.WaitGroup
	for range 20 {
		id := h.Submit(h.tableTask(100))
		for range 8 {
			wg.Go(func() {
				for {
					r, err := h.Wait(context.Background(), id, time.Second)
					if errors.Is(err, ErrNotFound) {
						return
					}
					if err != nil {
						t.Error(err)
						return
					}
					if r.Cancelled { // Cancel won the race with the run
						r.Release()
						return
					}
					var sum int64
					for _, v := range r.Value.Batches[0].Column(0).(*array.Int64).Int64Values() {
						sum += v
					}
					if sum != 4950 {
						t.Errorf("sum = %d, want 4950", sum)
					}
					r.Release()
				}
			})
		}
		go h.Cancel(id) // races with the readers and the sweeper
	}
	wg.Wait()
}

func TestClose(t *testing.T) {
	before := runtime.NumGoroutine()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	e := New[*arrowbridge.Table](Options{Threads: 2, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})

	stored := e.Submit(func(context.Context) (*arrowbridge.Table, error) { return newTable(mem, 10), nil })
	held := e.Submit(func(context.Context) (*arrowbridge.Table, error) { return newTable(mem, 10), nil })
	mustWait(t, e, stored).Release()
	reader := mustWait(t, e, held)

	started := make(chan struct{}, 2)
	var cancelled atomic.Int64
	running := func(ctx context.Context) (*arrowbridge.Table, error) {
		started <- struct{}{}
		<-ctx.Done()
		cancelled.Add(1)
		return newTable(mem, 3), nil
	}
	e.Submit(running)
	e.Submit(running)
	<-started
	<-started
	var queuedRan atomic.Bool
	queued := e.Submit(func(context.Context) (*arrowbridge.Table, error) { queuedRan.Store(true); return nil, nil })

	waitErr := make(chan error, 1)
	go func() {
		r, err := e.Wait(context.Background(), queued, -1)
		if err == nil {
			if !r.Cancelled {
				err = fmt.Errorf("queued task result %+v, want cancelled", r)
			}
			r.Release()
		}
		if errors.Is(err, ErrNotFound) {
			err = nil
		}
		waitErr <- err
	}()

	e.Close()
	e.Close() // idempotent
	if err := <-waitErr; err != nil {
		t.Error(err)
	}
	if cancelled.Load() != 2 {
		t.Errorf("%d running tasks saw cancellation, want 2", cancelled.Load())
	}
	if queuedRan.Load() {
		t.Error("a queued task ran after Close")
	}
	if mem.CurrentAlloc() == 0 {
		t.Error("a table held by a reader was released by Close")
	}
	if reader.Value.Rows != 10 {
		t.Error("held table unusable")
	}
	reader.Release()
	mem.AssertSize(t, 0)

	id := e.Submit(func(context.Context) (*arrowbridge.Table, error) { t.Error("ran after Close"); return nil, nil })
	r := mustWait(t, e, id)
	if !r.Cancelled {
		t.Errorf("task submitted after Close: %+v, want cancelled", r)
	}
	r.Release()
	checkGoroutines(t, before)
}

// TestExpiryQueue: front skips removed entries, keeps store order, and the
// array stays bounded by the entries still stored however many pass.
func TestExpiryQueue(t *testing.T) {
	var q expiryQueue[*arrowbridge.Table]
	if q.front() != nil {
		t.Fatal("front of an empty queue")
	}
	var live []*entry[*arrowbridge.Table]
	for i := range 100_000 {
		en := &entry[*arrowbridge.Table]{Finished: Finished[*arrowbridge.Table]{Info: Info{ID: fmt.Sprint(i)}}}
		q.push(en)
		live = append(live, en)
		if i%3 == 1 { // removed early, like a cancelled result
			en.removed = true
		}
		if len(live) > 100 { // the oldest expires
			for live[0].removed {
				live = live[1:]
			}
			if got := q.front(); got != live[0] {
				t.Fatalf("front is %s, want %s", got.ID, live[0].ID)
			}
			live[0].removed = true
			live = live[1:]
		}
	}
	if n := len(q.entries); n > 2*len(live)+64 {
		t.Errorf("%d slots for %d entries", n, len(live))
	}
}

// TestWaitSeesFinishingTasks: a finishing task is handed from the running
// tasks to the store without a moment in neither (settleLocked), so a Wait
// racing with the hand-over never answers ErrNotFound.
func TestWaitSeesFinishingTasks(t *testing.T) {
	h := start(t, Options{Threads: 4})
	const n = 300
	var wg sync.WaitGroup
	for i := range n {
		id := h.Submit(func(context.Context) (*arrowbridge.Table, error) {
			if i%2 == 0 {
				return newTable(h.mem, 1), nil
			}
			return nil, errors.New("odd")
		})
		wg.Go(func() {
			for {
				r, err := h.Wait(context.Background(), id, 0)
				switch {
				case err == nil:
					r.Release()
					return
				case errors.Is(err, ErrWaitTimeout): // still pending
					runtime.Gosched()
				default:
					t.Errorf("Wait(%s) = %v while the task finished", id, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if s := h.Stats(); s.Stored != n || s.Queued+s.Running != 0 {
		t.Errorf("stats %+v, want %d stored", s, n)
	}
}
