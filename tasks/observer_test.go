package tasks

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
)

// countingObserver records the executor's events.
type countingObserver struct {
	mu                            sync.Mutex
	queued, started, dropped      int
	evicted, closed               int
	outcomes                      map[Outcome]int
	waits, runs, e2es             []time.Duration
	queuedNow, runningNow, maxRun int
}

func newCountingObserver() *countingObserver {
	return &countingObserver{outcomes: map[Outcome]int{}}
}

func (o *countingObserver) TaskQueued() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.queued++
	o.queuedNow++
}

func (o *countingObserver) TaskStarted(wait time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.started++
	o.queuedNow--
	o.runningNow++
	o.maxRun = max(o.maxRun, o.runningNow)
	o.waits = append(o.waits, wait)
}

func (o *countingObserver) TaskFinished(out Outcome, run, e2e time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.outcomes[out]++
	o.runningNow--
	o.runs = append(o.runs, run)
	o.e2es = append(o.e2es, e2e)
}

func (o *countingObserver) TaskDropped() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.dropped++
	o.queuedNow--
}

func (o *countingObserver) ResultEvicted() { o.mu.Lock(); o.evicted++; o.mu.Unlock() }
func (o *countingObserver) ResultClosed()  { o.mu.Lock(); o.closed++; o.mu.Unlock() }

func TestObserver(t *testing.T) {
	obs := newCountingObserver()
	h := start(t, Options{Threads: 1, Observer: obs})

	// One success, one failure, one cancelled while running, one dropped
	// while queued.
	ok := h.SubmitSpec(Spec[*arrowbridge.Table]{Name: "ok", Cmd: []byte(`{"functionName":"ok"}`), Run: func(context.Context) (*arrowbridge.Table, error) {
		time.Sleep(5 * time.Millisecond)
		return newTable(h.mem, 2), nil
	}})
	r := mustWait(t, h.Executor, ok)
	if r.Name != "ok" || string(r.Cmd) != `{"functionName":"ok"}` {
		t.Errorf("result name %q, cmd %s", r.Name, r.Cmd)
	}
	r.Release()
	mustWait(t, h.Executor, h.Submit(func(context.Context) (*arrowbridge.Table, error) { return nil, errors.New("x") })).Release()

	started := make(chan struct{})
	running := h.Submit(func(ctx context.Context) (*arrowbridge.Table, error) {
		close(started)
		<-ctx.Done()
		return nil, ctx.Err()
	})
	<-started
	queued := h.Submit(h.tableTask(1))
	if s := h.Stats(); s.Queued != 1 || s.Running != 1 {
		t.Errorf("stats %+v, want 1 queued and 1 running", s)
	}
	h.Cancel(queued)
	h.Cancel(running)
	mustWait(t, h.Executor, running).Release()
	h.Cancel(ok) // evicts the stored result

	deadline := time.Now().Add(5 * time.Second)
	for {
		obs.mu.Lock()
		closed := obs.closed
		obs.mu.Unlock()
		if closed == 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if obs.queued != 4 || obs.started != 3 || obs.dropped != 1 {
		t.Errorf("queued %d, started %d, dropped %d; want 4, 3, 1", obs.queued, obs.started, obs.dropped)
	}
	if obs.outcomes[Succeeded] != 1 || obs.outcomes[Failed] != 1 || obs.outcomes[Cancelled] != 1 {
		t.Errorf("outcomes %v", obs.outcomes)
	}
	if obs.queuedNow != 0 || obs.runningNow != 0 || obs.maxRun != 1 {
		t.Errorf("gauges: queued %d, running %d, max running %d", obs.queuedNow, obs.runningNow, obs.maxRun)
	}
	if obs.evicted != 1 || obs.closed != 1 {
		t.Errorf("evicted %d, closed %d; want 1, 1", obs.evicted, obs.closed)
	}
	if obs.runs[0] < 5*time.Millisecond || obs.e2es[0] < obs.runs[0] {
		t.Errorf("first task: run %v, e2e %v", obs.runs[0], obs.e2es[0])
	}
}

func TestStatsUnread(t *testing.T) {
	h := start(t, Options{})
	id := h.Submit(h.tableTask(3))
	mustWait(t, h.Executor, id).Release()
	mustWait(t, h.Executor, h.Submit(func(context.Context) (*arrowbridge.Table, error) { return nil, errors.New("x") })).Release()
	if s := h.Stats(); s.Stored != 2 || s.Unread != 1 || s.Queued != 0 || s.Running != 0 {
		t.Fatalf("stats %+v, want 2 stored, 1 unread", s)
	}
	h.MarkRead(id)
	h.MarkRead("unknown")
	if s := h.Stats(); s.Unread != 0 {
		t.Fatalf("stats %+v after MarkRead, want 0 unread", s)
	}
}

func TestCloseThreadsDrainOnClose(t *testing.T) {
	obs := newCountingObserver()
	h := start(t, Options{CloseThreads: 1, Observer: obs})
	for range 20 {
		mustWait(t, h.Executor, h.Submit(h.tableTask(10))).Release()
	}
	h.Close() // closes every stored result before returning
	waitFreed(t, h.mem)
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if obs.evicted != 20 || obs.closed != 20 {
		t.Errorf("evicted %d, closed %d; want 20, 20", obs.evicted, obs.closed)
	}
}

func TestExpiryOrderWithCancelledEntries(t *testing.T) {
	var mu sync.Mutex
	now := time.Unix(1000, 0)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	h := start(t, Options{ResultTTL: 10 * time.Second, SweepInterval: time.Millisecond, Now: clock})
	var ids []string
	for range 5 {
		id := h.Submit(h.tableTask(1))
		mustWait(t, h.Executor, id).Release()
		ids = append(ids, id)
		advance(time.Second) // stored at 1000, 1001, ..., 1004
	}
	h.Cancel(ids[1]) // leaves the middle of the expiry order
	h.MarkRead(ids[2])
	if s := h.Stats(); s.Stored != 4 || s.Unread != 3 {
		t.Fatalf("stats %+v, want 4 stored, 3 unread", s)
	}
	advance(7 * time.Second) // now 1012: the first three (1000-1002) expired
	waitGone(t, h.Executor, ids[2])
	waitGone(t, h.Executor, ids[0])
	for _, id := range ids[3:] {
		r, err := h.Wait(context.Background(), id, 0)
		if err != nil {
			t.Fatalf("%s evicted early: %v", id, err)
		}
		r.Release()
	}
	if s := h.Stats(); s.Stored != 2 || s.Unread != 2 {
		t.Fatalf("stats %+v, want 2 stored, 2 unread", s)
	}
	advance(time.Hour)
	for _, id := range ids[3:] {
		waitGone(t, h.Executor, id)
	}
	if s := h.Stats(); s.Stored != 0 || s.Unread != 0 {
		t.Fatalf("stats %+v, want an empty store", s)
	}
	waitFreed(t, h.mem)
}
